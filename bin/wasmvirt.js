#!/usr/bin/env node
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// A fresh clone has no dist/ or build/ yet: say what to run instead of a module-resolution stack trace.
const missing = ["../dist/cli.js", "../build/core.wasm"].filter(
  (p) => !existsSync(fileURLToPath(new URL(p, import.meta.url))),
);
if (missing.length > 0) {
  process.stderr.write(
    `wasmvirt: not built yet (${missing.map((p) => p.slice(3)).join(", ")} missing): run 'npm install && npm run build' in ${fileURLToPath(new URL("..", import.meta.url))}\n`,
  );
  process.exit(1);
}
// The CPU worker starts while the host's modules load (the two overlap); a run that needs no machine
// (-h, -version, a usage error) exits before using it.
const trace = process.env.WASMVIRT_TRACE_START === "1" ? (await import("../dist/start-trace.js")).traceStart : () => {};
trace("bin entered");
const wantsMachine = !process.argv.slice(2).some((a) => ["-h", "-help", "--help", "-version", "--version"].includes(a));
if (wantsMachine) (await import("../dist/machine/cpu-worker.js")).prewarmCpuWorker();
trace("worker spawn requested");
const { main } = await import("../dist/cli.js");
trace("cli imported");
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`wasmvirt: internal error: ${e?.stack ? e.stack : e}\n`);
    process.exit(70);
  },
);
