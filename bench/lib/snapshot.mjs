// A private copy of the built emulator (bin/, dist/, build/core.wasm, package.json) for the length of a benchmark.
// Other people rebuild in the same working tree while a benchmark runs; without the copy, a rebuild half-way through
// would silently mix two builds in one table (or crash a run reading a half-written core.wasm).
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function snapshotBuild(root) {
  const dir = mkdtempSync(join(tmpdir(), "wasmvirt-bench-build-"));
  const core = readFileSync(join(root, "build", "core.wasm"));
  cpSync(join(root, "bin"), join(dir, "bin"), { recursive: true });
  // Timestamps kept: the CPU worker's bundle is used only when it is not older than worker.js.
  cpSync(join(root, "dist"), join(dir, "dist"), { recursive: true, preserveTimestamps: true });
  cpSync(join(root, "package.json"), join(dir, "package.json"));
  mkdirSync(join(dir, "build"));
  cpSync(join(root, "build", "core.wasm"), join(dir, "build", "core.wasm"));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir"); // dist's imports (pino, ...)
  return {
    dir,
    cli: join(dir, "bin", "wasmvirt.js"),
    coreSha256: createHash("sha256").update(core).digest("hex"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
