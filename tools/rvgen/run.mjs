// Run a bare-metal ELF on QEMU or on wasmvirt (the repo's CLI) with a hard timeout.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const wasmvirtCli = join(repoRoot, "bin", "wasmvirt.js");
export const hasWasmvirt = () => existsSync(wasmvirtCli) && existsSync(join(repoRoot, "dist", "cli.js"));
export const hasQemu = () => spawnSync("qemu-system-riscv64", ["--version"], { stdio: "ignore" }).status === 0;

/** @returns {Promise<{status: number|null, stdout: string, stderr: string, timedOut: boolean, ms: number}>} */
export function runProcess(cmd, args, timeoutMs) {
  return new Promise((res, rej) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "",
      stderr = "",
      timedOut = false;
    child.stdout.setEncoding("latin1");
    child.stderr.setEncoding("latin1");
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      rej(e);
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      res({ status, stdout, stderr, timedOut, ms: Date.now() - t0 });
    });
  });
}

export const runQemu = (elf, timeoutMs = 20000) =>
  runProcess("qemu-system-riscv64", ["-M", "virt", "-bios", "none", "-kernel", elf, "-nographic"], timeoutMs);
export const runWasmvirt = (elf, timeoutMs = 20000) =>
  runProcess(process.execPath, [wasmvirtCli, "-M", "virt", "-bios", "none", "-kernel", elf, "-nographic"], timeoutMs);
