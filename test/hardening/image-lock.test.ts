// Disk-image locking as QEMU does it: a second process that wants to write an image in use is refused
// with QEMU's message, readers share, file.locking=off opts out, and the locks go away with the process
// however it ends (here: SIGKILL). Where QEMU is installed, both directions are checked against it:
// the locks are the same OFD byte-range locks on the same bytes, so each refuses the other.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  mkdtempSync,
  writeFileSync,
  rmSync,
  closeSync,
  readFileSync,
  statSync,
  cpSync,
  mkdirSync,
  symlinkSync,
  copyFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, wasmvirtBin, wasmvirtBuilt } from "../helpers/guest";
import { openImage } from "../../src/block/open";
import { lockingAvailable } from "../../src/block/lock";

const elf = join(repoRoot, "test", "isa", "bin", "rv64ui.elf");
const hasQemu = spawnSync("qemu-system-riscv64", ["--version"]).status === 0;
const canLock = lockingAvailable().ok;

/** A run that starts, prints PASS and exits 0 — i.e. it got its disk. */
function runOnce(drive: string) {
  const r = spawnSync(
    process.execPath,
    [wasmvirtBin, "-M", "virt", "-bios", "none", "-kernel", elf, "-nographic", "-drive", drive],
    { cwd: repoRoot, encoding: "utf8", timeout: 20_000, input: "" },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Byte ranges of the OFD locks held on `file` (from /proc/locks), e.g. ["100-101", "201-201"]. */
function locksOn(file: string): string[] {
  const st = statSync(file);
  const major = Math.floor(st.dev / 256) & 0xfff,
    minor = (st.dev & 0xff) | ((st.dev >> 12) & 0xfff00);
  const dev = `${major.toString(16).padStart(2, "0")}:${minor.toString(16).padStart(2, "0")}:${st.ino}`;
  return readFileSync("/proc/locks", "utf8")
    .split("\n")
    .filter((l) => l.includes(` ${dev} `))
    .map((l) => l.trim().split(/\s+/).slice(-2).join("-"))
    .sort();
}

/** A holder process (wasmvirt paused with -S, or QEMU), returned once its locks are visible. */
async function hold(cmd: string, args: string[], file: string): Promise<ChildProcess> {
  const before = locksOn(file).length;
  const p = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  p.stderr!.on("data", (d) => {
    err += d;
  });
  const deadline = Date.now() + 20_000;
  while (locksOn(file).length <= before) {
    if (p.exitCode !== null) throw new Error(`${cmd} exited: ${err}`);
    if (Date.now() > deadline) {
      p.kill("SIGKILL");
      throw new Error(`${cmd} never locked ${file}: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 30));
  }
  return p;
}
const stop = (p: ChildProcess) =>
  new Promise<void>((r) => {
    if (p.exitCode !== null || p.signalCode) r();
    else {
      p.once("exit", () => r());
      p.kill("SIGKILL");
    }
  });

const wasmvirtHolder = (img: string, extra = "") =>
  hold(
    process.execPath,
    [
      wasmvirtBin,
      "-M",
      "virt",
      "-bios",
      "none",
      "-kernel",
      elf,
      "-nographic",
      "-serial",
      "null",
      "-S",
      "-drive",
      `file=${img},format=raw,if=virtio${extra}`,
    ],
    img,
  );
const qemuHolder = (img: string, extra = "") =>
  hold(
    "qemu-system-riscv64",
    [
      "-M",
      "virt",
      "-bios",
      "none",
      "-nographic",
      "-S",
      "-display",
      "none",
      "-monitor",
      "none",
      "-serial",
      "none",
      "-drive",
      `file=${img},format=raw,if=virtio${extra}`,
    ],
    img,
  );
const qemuOnce = (img: string, extra = "") =>
  spawnSync(
    "qemu-system-riscv64",
    [
      "-M",
      "virt",
      "-bios",
      "none",
      "-nographic",
      "-S",
      "-display",
      "none",
      "-monitor",
      "none",
      "-serial",
      "none",
      "-drive",
      `file=${img},format=raw,if=virtio${extra}`,
    ],
    { encoding: "utf8", timeout: 3000 },
  );

let dir: string;
let img: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wasmvirt-lock-"));
  img = join(dir, "disk.img");
  writeFileSync(img, Buffer.alloc(1 << 20));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WRITE_REFUSED =
  /-drive file=.*disk\.img,format=raw,if=virtio: Failed to get "write" lock\nIs another process using the image \[.*disk\.img\]\?/;
const SHARED_REFUSED = /Failed to get shared "write" lock\nIs another process using the image \[.*disk\.img\]\?/;

describe.skipIf(!wasmvirtBuilt || !canLock)("disk image locking", () => {
  it("holds QEMU's bytes: 100-101 and 201 for a writer, 100 and 201 for a reader", () => {
    const w = openImage(img, { readOnly: false });
    try {
      expect(locksOn(img)).toEqual(["100-101", "201-201"]);
    } finally {
      closeSync(w.fd);
    }
    expect(locksOn(img)).toEqual([]);
    const r = openImage(img, { readOnly: true });
    try {
      expect(locksOn(img)).toEqual(["100-100", "201-201"]);
    } finally {
      closeSync(r.fd);
    }
  });

  it("refuses a second writer and a reader while one process writes; releases on SIGKILL", async () => {
    const holder = await wasmvirtHolder(img);
    try {
      const w = runOnce(`file=${img},format=raw,if=virtio`);
      expect(w.status).toBe(1);
      expect(w.stderr).toMatch(WRITE_REFUSED);
      const r = runOnce(`file=${img},format=raw,if=virtio,readonly=on`);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(SHARED_REFUSED);
      // The escape hatch, as QEMU spells it.
      const off = runOnce(`file=${img},format=raw,if=virtio,file.locking=off`);
      expect(off.stdout).toContain("rv64ui: PASS");
      expect(off.status).toBe(0);
    } finally {
      await stop(holder); // SIGKILL: the kernel drops the locks with the process
    }
    expect(locksOn(img)).toEqual([]);
    expect(runOnce(`file=${img},format=raw,if=virtio`).status).toBe(0);
  });

  it("lets readers share, and refuses a writer while a reader runs", async () => {
    const holder = await wasmvirtHolder(img, ",readonly=on");
    try {
      const r = runOnce(`file=${img},format=raw,if=virtio,readonly=on`);
      expect(r.stdout).toContain("rv64ui: PASS");
      expect(r.status).toBe(0);
      const w = runOnce(`file=${img},format=raw,if=virtio`);
      expect(w.status).toBe(1);
      expect(w.stderr).toMatch(WRITE_REFUSED);
    } finally {
      await stop(holder);
    }
  });

  it("releases its locks on a normal exit (guest power-off) too", () => {
    for (let i = 0; i < 2; i++) expect(runOnce(`file=${img},format=raw,if=virtio`).status).toBe(0);
    expect(locksOn(img)).toEqual([]);
  });

  it.skipIf(!hasQemu)("interoperates with QEMU 7.2 in both directions", async () => {
    const q = await qemuHolder(img);
    try {
      const w = runOnce(`file=${img},format=raw,if=virtio`);
      expect(w.stderr).toMatch(WRITE_REFUSED);
      expect(runOnce(`file=${img},format=raw,if=virtio,readonly=on`).stderr).toMatch(SHARED_REFUSED);
    } finally {
      await stop(q);
    }
    const v = await wasmvirtHolder(img);
    try {
      const w = qemuOnce(img);
      expect(w.status).toBe(1);
      expect(w.stderr).toMatch(
        /qemu-system-riscv64: -drive file=.*: Failed to get "write" lock\nIs another process using the image/,
      );
      expect(qemuOnce(img, ",readonly=on").stderr).toMatch(/Failed to get shared "write" lock/);
    } finally {
      await stop(v);
    }
    const qr = await qemuHolder(img, ",readonly=on");
    try {
      expect(runOnce(`file=${img},format=raw,if=virtio,readonly=on`).status).toBe(0); // readers share across both
      expect(runOnce(`file=${img},format=raw,if=virtio`).stderr).toMatch(WRITE_REFUSED);
    } finally {
      await stop(qr);
    }
  });

  it("refuses a second open in the same process (OFD locks belong to the open file, not the process)", () => {
    const a = openImage(img, { readOnly: false });
    try {
      expect(() => openImage(img, { readOnly: false })).toThrow(/Failed to get "write" lock/);
    } finally {
      closeSync(a.fd);
    }
  });
});

describe.skipIf(!wasmvirtBuilt)("where the lock helper could not be built", () => {
  it("warns that images are unlocked and runs; file.locking=on refuses to start", () => {
    // A copy of the built tree without build/ofd_lock.node, as a machine without a C compiler has.
    const clone = mkdtempSync(join(tmpdir(), "wasmvirt-nolock-"));
    try {
      cpSync(join(repoRoot, "dist"), join(clone, "dist"), { recursive: true });
      cpSync(join(repoRoot, "bin"), join(clone, "bin"), { recursive: true });
      mkdirSync(join(clone, "build"));
      copyFileSync(join(repoRoot, "build", "core.wasm"), join(clone, "build", "core.wasm"));
      copyFileSync(join(repoRoot, "package.json"), join(clone, "package.json"));
      symlinkSync(join(repoRoot, "node_modules"), join(clone, "node_modules"));
      const img = join(clone, "disk.img");
      writeFileSync(img, Buffer.alloc(1 << 20));
      const run = (drive: string) =>
        spawnSync(
          process.execPath,
          [
            join(clone, "bin", "wasmvirt.js"),
            "-M",
            "virt",
            "-bios",
            "none",
            "-kernel",
            elf,
            "-nographic",
            "-drive",
            drive,
          ],
          { encoding: "utf8", timeout: 20_000, input: "" },
        );
      const auto = run(`file=${img},format=raw,if=virtio`);
      expect(auto.stdout).toContain("rv64ui: PASS");
      expect(auto.status).toBe(0);
      expect(auto.stderr).toMatch(
        /^wasmvirt: warning: disk images are not locked \(build\/ofd_lock\.node: .*\(run npm run build with a C compiler\)\); another process could open '.*disk\.img' for writing too$/m,
      );
      const on = run(`file=${img},format=raw,if=virtio,file.locking=on`);
      expect(on.status).toBe(1);
      expect(on.stderr).toMatch(/Could not lock '.*disk\.img': image locking is not available/);
      const off = run(`file=${img},format=raw,if=virtio,file.locking=off`);
      expect(off.status).toBe(0);
      expect(off.stderr).toBe("");
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });
});
