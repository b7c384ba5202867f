#!/usr/bin/env node
// A QMP server on the fake machine (test/qmp/fake-machine.ts), for trying clients such as QEMU's
// qmp-shell or the latency benchmark without building the core:
//   npm run build:host && node test/qmp/serve-fake.mjs [-S] -qmp unix:/tmp/x.sock,server=on,wait=off [-D log]
// The fake machine's TypeScript is transpiled on the fly with the project's typescript package.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dist = path.join(root, "dist");
if (!fs.existsSync(path.join(dist, "qmp/index.js"))) {
  process.stderr.write("serve-fake: dist/qmp is missing; run npm run build:host first\n");
  process.exit(1);
}
const src = fs.readFileSync(path.join(root, "test/qmp/fake-machine.ts"), "utf8");
const js = ts.transpileModule(src, {
  compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
}).outputText;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "serve-fake-"));
fs.writeFileSync(path.join(tmp, "fake-machine.mjs"), js);
const { FakeMachine } = await import(pathToFileURL(path.join(tmp, "fake-machine.mjs")).href);
fs.rmSync(tmp, { recursive: true, force: true });
const { startMonitors, collectMonitorSpecs, DEFAULT_VERSION } = await import(
  pathToFileURL(path.join(dist, "qmp/index.js")).href
);
const { createLogger, extractLogOption } = await import(pathToFileURL(path.join(dist, "log.js")).href);

const { file, rest } = extractLogOption(process.argv.slice(2));
const paused = rest.includes("-S");
const pairs = [];
for (let i = 0; i < rest.length; i++) {
  if (["-qmp", "-qmp-pretty", "-chardev", "-mon"].includes(rest[i])) pairs.push([rest[i], rest[++i]]);
}
if (pairs.length === 0) pairs.push(["-qmp", "unix:/tmp/wasmvirt-fake.sock,server=on,wait=off"]);
const machine = new FakeMachine({ startPaused: paused, guestPowersOffOnButton: true, ramSize: 16 << 20 });
const logger = createLogger({ file });
const monitors = await startMonitors(collectMonitorSpecs(pairs), machine, { version: DEFAULT_VERSION, logger });
process.stderr.write(
  `serve-fake: fake machine ${paused ? "paused (prelaunch)" : "running"}, QMP on ${pairs.map((p) => p[1]).join(" ")}\n`,
);
machine.on("exit", async (code) => {
  await monitors.close();
  machine.dispose();
  process.exit(code);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => void machine.quit("host-signal"));
