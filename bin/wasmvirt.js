#!/usr/bin/env node
import { main } from "../dist/cli.js";
main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
  process.stderr.write(`wasmvirt: internal error: ${e && e.stack ? e.stack : e}\n`);
  process.exit(70);
});
