#!/usr/bin/env node
// Bundles the CPU worker (dist/machine/worker.js and the dozen modules it imports) into one file,
// dist/machine/worker.bundle.js, beside it (the same directory: paths relative to import.meta.url stay
// right). src/machine/cpu-worker.ts starts the bundle when it is not older than worker.js: a new thread then
// resolves, reads and compiles one module instead of a dozen, which every start and every restore waits for
// (measured on the 2-core machine: about 10 ms less CPU before the first guest instruction). Runs after tsc
// in `npm run build:host`; without rolldown the bundle is simply not made and worker.js is started.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const input = join(root, "dist", "machine", "worker.js");
const output = join(root, "dist", "machine", "worker.bundle.js");

rmSync(output, { force: true }); // never leave an older bundle behind
let rolldown;
try {
  rolldown = await import("rolldown");
} catch {
  console.warn("bundle-worker: rolldown is not installed; the CPU worker runs from its separate modules");
  process.exit(0);
}
await rolldown.build({
  input,
  platform: "node",
  logLevel: "warn",
  output: { file: output, format: "esm", codeSplitting: false, sourcemap: true },
});
