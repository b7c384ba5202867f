// Spawning the real wasmvirt CLI for QMP integration tests.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = path.join(ROOT, "bin/wasmvirt.js");
export const FIXTURES = path.join(ROOT, "test/qmp/fixtures");
/** The CLI needs its built host code and core. */
export const haveCli = fs.existsSync(CLI) && fs.existsSync(path.join(ROOT, "dist/cli.js"));
export const noCliReason = "bin/wasmvirt.js or its build (dist/) is missing: run npm run build";

/** Address of the loop fixture's counter (from its symbol table, see fixtures/loop.S). */
export const LOOP_COUNTER = 0x80001000n;

export interface Wasmvirt {
  proc: ChildProcess;
  dir: string;
  sock: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): Promise<void>;
}

export async function startWasmvirt(
  opts: { elf?: string; paused?: boolean; extra?: string[]; qmp?: string[] } = {},
): Promise<Wasmvirt> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasmvirt-qmp-"));
  const sock = path.join(dir, "qmp.sock");
  const args = [
    CLI,
    "-M",
    "virt",
    "-bios",
    "none",
    "-kernel",
    opts.elf ?? path.join(FIXTURES, "loop.elf"),
    "-nographic",
    ...(opts.qmp ?? ["-qmp", `unix:${sock},server=on,wait=off`]),
    ...(opts.paused ? ["-S"] : []),
    ...(opts.extra ?? []),
  ];
  const proc = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] });
  let out = "",
    err = "";
  proc.stdout!.on("data", (d) => {
    out += d;
  });
  proc.stderr!.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    proc.once("exit", (code, signal) => r({ code, signal })),
  );
  const waitFor = opts.qmp ? undefined : sock;
  for (let i = 0; waitFor && i < 200 && !fs.existsSync(waitFor); i++) {
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  if (waitFor && !fs.existsSync(waitFor)) {
    proc.kill("SIGKILL");
    throw new Error(`wasmvirt did not create its QMP socket: ${err}`);
  }
  return {
    proc,
    dir,
    sock,
    exited,
    stdout: () => out,
    stderr: () => err,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
