#!/usr/bin/env node
import { main } from "../dist/qmp-client/cli.js";
main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
  process.stderr.write(`wasmvirt-qmp: ${e && e.stack ? e.stack : e}\n`);
  process.exit(70);
});
