#!/usr/bin/env node
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// A fresh clone has no dist/ yet: say what to run instead of a module-resolution stack trace.
if (!existsSync(fileURLToPath(new URL("../dist/qmp-client/cli.js", import.meta.url)))) {
  process.stderr.write(
    `wasmvirt-qmp: not built yet (dist/qmp-client/cli.js missing): run 'npm install && npm run build' in ${fileURLToPath(new URL("..", import.meta.url))}\n`,
  );
  process.exit(1);
}
const { main } = await import("../dist/qmp-client/cli.js");
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`wasmvirt-qmp: ${e?.stack ? e.stack : e}\n`);
    process.exit(70);
  },
);
