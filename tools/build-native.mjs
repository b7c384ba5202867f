// Builds the one native helper wasmvirt has, build/ofd_lock.node (disk-image locks, see
// src/native/ofd_lock.c), with the system C compiler and Node's own headers: no node-gyp, no download.
// Without a compiler or headers the build goes on and wasmvirt runs without image locking (it says so
// when a writable disk is opened).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src", "native", "ofd_lock.c");
const out = join(root, "build", "ofd_lock.node");

if (process.platform !== "linux") {
  console.warn("build-native: OFD locks are Linux-only; wasmvirt will run without disk-image locking");
  process.exit(0);
}
if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) process.exit(0);

const headerDirs = [
  join(dirname(process.execPath), "..", "include", "node"),
  "/usr/include/node",
  "/usr/include/nodejs/include/node",
].filter((d) => existsSync(join(d, "node_api.h")));
if (headerDirs.length === 0) {
  console.warn("build-native: Node's headers (node_api.h) not found; wasmvirt will run without disk-image locking");
  process.exit(0);
}
mkdirSync(dirname(out), { recursive: true });
const cc = process.env.CC || "cc";
const r = spawnSync(cc, ["-O2", "-shared", "-fPIC", "-Wall", `-I${headerDirs[0]}`, src, "-o", out], {
  stdio: "inherit",
});
if (r.error || r.status !== 0) {
  console.warn(
    `build-native: ${cc} failed (${r.error ? r.error.message : `status ${r.status}`}); wasmvirt will run without disk-image locking`,
  );
}
