// Runs a bare-metal ELF on QEMU exactly as a user would, with a hard timeout (wasmvirt runs the same
// programs in-process: test/jit/core-runner.ts's runInProcess).
import { spawn, spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const hasQemu = spawnSync("qemu-system-riscv64", ["--version"], { stdio: "ignore" }).status === 0;

export interface RunResult {
  /** exit status, or null when killed */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("latin1");
    child.stderr.setEncoding("latin1");
    child.stdout.on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.on("data", (d: string) => {
      stderr += d;
    });
    // A hang must fail the test and must not leave the process behind.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ status, signal, stdout, stderr, timedOut, ms: Date.now() - t0 });
    });
  });
}

/**
 * The virtio-blk disk a program needs (programs named blk_*), or undefined. blk_dma: sector 0 starts with
 * `li a0, 2; ret`, the code its DMA puts over a page that ran other code.
 */
export function programDisk(name: string): Uint8Array | undefined {
  if (name !== "blk_dma") return undefined;
  const disk = new Uint8Array(64 * 1024);
  new DataView(disk.buffer).setUint32(0, 0x00200513, true);
  new DataView(disk.buffer).setUint32(4, 0x00008067, true);
  return disk;
}

/**
 * `qemu-system-riscv64 -M virt -bios none -kernel elf -nographic`; with a disk image, as a modern
 * virtio-mmio blk device (QEMU 7.2's default is legacy; wasmvirt's device is modern).
 */
export function runQemu(elf: string, timeoutMs = 20_000, diskFile?: string): Promise<RunResult> {
  const disk = diskFile
    ? ["-global", "virtio-mmio.force-legacy=false", "-drive", `file=${diskFile},format=raw,if=none,id=d0`]
    : [];
  const dev = diskFile ? ["-device", "virtio-blk-device,drive=d0"] : [];
  return run(
    "qemu-system-riscv64",
    ["-M", "virt", "-bios", "none", "-kernel", elf, "-nographic", ...disk, ...dev],
    timeoutMs,
  );
}

/** One line for an assertion message. */
export function describeRun(r: RunResult): string {
  return `status=${r.status} signal=${r.signal} timedOut=${r.timedOut} ${r.ms}ms\nstdout:\n${r.stdout}\nstderr:\n${r.stderr.slice(0, 2000)}`;
}
