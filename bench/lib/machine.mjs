// What the numbers were measured on: cores, load, versions, the commit of the code under test.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

export const QEMU = "qemu-system-riscv64";

export function qemuVersion() {
  const r = spawnSync(QEMU, ["--version"], { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  return r.stdout.split("\n")[0].trim();
}

export function loadAverage() {
  const [one, five, fifteen] = os.loadavg();
  return { one, five, fifteen };
}

function git(root, ...args) {
  try {
    return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

export function machineInfo(root) {
  let cpuModel = os.cpus()[0]?.model;
  try {
    cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpuModel;
  } catch {
    /* not Linux */
  }
  // "dirty" looks only at what makes up the emulator, so other people's unrelated edits do not mark a run.
  const dirty = git(root, "status", "--porcelain", "--", "assembly", "src", "bin", "package.json", "asconfig.json");
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel,
    memTotalMiB: Math.round(os.totalmem() / 2 ** 20),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    qemu: qemuVersion() ?? null,
    gitCommit: git(root, "rev-parse", "HEAD") ?? null,
    gitDirty: dirty === undefined ? null : dirty.length > 0,
  };
}
