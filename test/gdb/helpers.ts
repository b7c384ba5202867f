// Running a debugger target (wasmvirt or QEMU 7.2, with the same command line) and a scripted
// gdb-multiarch session against it; a raw RSP client for protocol cases gdb never sends.
import fs from "node:fs";
import os from "node:os";
import net from "node:net";
import path from "node:path";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { ROOT, CLI, haveCli } from "../qmp/cli-process.js";

export { ROOT, haveCli };
export const DEBUGME = path.join(ROOT, "test/gdb/guest/bin/debugme.elf");
export const haveGdb = spawnSync("gdb-multiarch", ["--version"], { stdio: "ignore" }).status === 0;
export const haveQemu = spawnSync("qemu-system-riscv64", ["--version"], { stdio: "ignore" }).status === 0;

export interface Target {
  port: number;
  dir: string;
  qmpSock: string;
  proc: ChildProcess;
  /** What the guest wrote to its UART (-serial file:). */
  serial(): string;
  stderr(): string;
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (QEMU needs a number; the tiny race is acceptable in tests). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface TargetOptions {
  kernel?: string;
  bios?: string;
  smp?: number;
  extra?: string[];
  paused?: boolean;
  m?: string;
}

/** wasmvirt or QEMU with `-gdb tcp:127.0.0.1:PORT [-S]`, a QMP socket and the UART in a file. */
export async function startTarget(kind: "wasmvirt" | "qemu", o: TargetOptions = {}): Promise<Target> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wasmvirt-gdb-${kind}-`));
  const serialFile = path.join(dir, "serial.out");
  const qmpSock = path.join(dir, "qmp.sock");
  const port = kind === "qemu" ? await freePort() : 0;
  const common = [
    "-M",
    "virt",
    "-m",
    o.m ?? "128M",
    "-smp",
    String(o.smp ?? 1),
    "-bios",
    o.bios ?? "none",
    "-kernel",
    o.kernel ?? DEBUGME,
    "-nographic",
    "-serial",
    `file:${serialFile}`,
    "-qmp",
    `unix:${qmpSock},server=on,wait=off`,
    "-gdb",
    `tcp:127.0.0.1:${port}`,
    ...(o.paused === false ? [] : ["-S"]),
    ...(o.extra ?? []),
  ];
  const proc =
    kind === "qemu"
      ? spawn("qemu-system-riscv64", [...common, "-monitor", "none"], { stdio: ["ignore", "pipe", "pipe"] })
      : spawn(process.execPath, [CLI, ...common], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  proc.stderr!.on("data", (d) => {
    err += d;
  });
  proc.stdout!.resume();
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  let realPort = port;
  for (let i = 0; i < 400; i++) {
    if (proc.exitCode !== null) break;
    if (kind === "wasmvirt") {
      const m = /gdbserver listening on tcp:[^:]*:(\d+)/.exec(err);
      if (m && fs.existsSync(qmpSock)) {
        realPort = Number(m[1]);
        break;
      }
    } else if (fs.existsSync(qmpSock)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  if (realPort === 0 || !fs.existsSync(qmpSock)) {
    proc.kill("SIGKILL");
    throw new Error(`${kind} did not start its gdbserver: ${err}`);
  }
  return {
    port: realPort,
    dir,
    qmpSock,
    proc,
    exited,
    serial: () => (fs.existsSync(serialFile) ? fs.readFileSync(serialFile, "latin1") : ""),
    stderr: () => err,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface GdbRunOptions {
  elf?: string | null;
  timeoutMs?: number;
  scriptDir?: string;
}

/**
 * gdb-multiarch -batch with `script` after `target remote`; its whole output (stdout + stderr).
 * Sources are found (test/gdb/guest), so gdb prints lines rather than "No such file" on stderr.
 */
export async function runGdb(port: number, script: string, o: GdbRunOptions = {}): Promise<string> {
  const elf = o.elf === undefined ? DEBUGME : o.elf;
  const dir = o.scriptDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "wasmvirt-gdbscript-"));
  const file = path.join(dir, "script.gdb");
  fs.writeFileSync(file, `set pagination off\nset confirm off\nset width 0\n${script}\n`);
  const args = [
    "-nx",
    "-batch",
    "-ex",
    `directory ${path.join(ROOT, "test/gdb/guest")}`,
    ...(elf ? [] : ["-ex", "set architecture riscv:rv64"]),
    "-ex",
    `target remote 127.0.0.1:${port}`,
    "-x",
    file,
    ...(elf ? [elf] : []),
  ];
  const proc = spawn("gdb-multiarch", args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout.on("data", (d) => {
    out += d;
  });
  proc.stderr.on("data", (d) => {
    out += d;
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), o.timeoutMs ?? 60_000);
  await new Promise((r) => proc.once("exit", r));
  clearTimeout(timer);
  if (!o.scriptDir) fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

/** A raw GDB remote-protocol client: packets in and out, acknowledgements seen as they come. */
export class Rsp {
  private buf = "";
  closed = false;
  private waiters: (() => void)[] = [];
  private constructor(readonly sock: net.Socket) {
    sock.setEncoding("latin1");
    sock.on("data", (d: string) => {
      this.buf += d;
      this.wake();
    });
    sock.on("close", () => {
      this.closed = true;
      this.wake();
    });
    sock.on("error", () => {
      /* seen as close */
    });
  }
  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Connects, retrying while the target is still starting (QEMU creates its QMP socket first). */
  static async connect(port: number | string, retries = 100): Promise<Rsp> {
    for (let i = 0; ; i++) {
      try {
        return await new Promise<Rsp>((resolve, reject) => {
          const s =
            typeof port === "string"
              ? net.connect(port, () => resolve(new Rsp(s)))
              : net.connect(port, "127.0.0.1", () => resolve(new Rsp(s)));
          s.once("error", reject);
        });
      } catch (e) {
        if (i >= retries) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  static frame(data: string): string {
    let sum = 0;
    for (const c of data) sum += c.charCodeAt(0);
    return `$${data}#${(sum & 0xff).toString(16).padStart(2, "0")}`;
  }

  write(raw: string) {
    this.sock.write(Buffer.from(raw, "latin1"));
  }

  /** Sends a packet and returns the next packet that comes back (acks are consumed). */
  async request(data: string, timeoutMs = 10_000): Promise<string> {
    this.write(Rsp.frame(data));
    return this.packet(timeoutMs);
  }

  /** The next complete packet (its payload), acknowledging it. */
  async packet(timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /\$([^#]*)#[0-9a-f]{2}/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m.index + m[0].length);
        this.write("+");
        return m[1];
      }
      if (this.closed) throw new Error("connection closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for a packet (have '${this.buf}')`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Raw bytes received so far that are not packets (acks), consumed. */
  takeRaw(): string {
    const i = this.buf.indexOf("$");
    const raw = i < 0 ? this.buf : this.buf.slice(0, i);
    this.buf = this.buf.slice(raw.length);
    return raw;
  }

  async waitClosed(timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close() {
    this.sock.destroy();
  }
}

export const haveCrossGcc = spawnSync("riscv64-unknown-elf-gcc", ["--version"], { stdio: "ignore" }).status === 0;

/**
 * An ELF that only carries symbols: the text symbols of a kernel's System.map placed at their
 * addresses in an empty (NOBITS) section, so that gdb's `symbol-file` gives it names to break on
 * and to show in backtraces (the bundled kernel keeps no vmlinux).
 */
export function symbolElfFromSystemMap(systemMap: string, dir: string): string {
  const syms = fs
    .readFileSync(systemMap, "utf8")
    .split("\n")
    .map((l) => l.split(" "))
    .filter((f) => f.length === 3 && /^[tT]$/.test(f[1]) && /^[A-Za-z_.$][\w.$]*$/.test(f[2]))
    .map(([addr, , name]) => ({ addr: BigInt("0x" + addr), name }))
    .sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
  if (syms.length === 0) throw new Error(`${systemMap}: no text symbols`);
  const base = syms[0].addr;
  const seen = new Set<string>();
  let asm = `.section .ktext,"ax",@nobits\n`;
  for (const s of syms) {
    if (seen.has(s.name)) continue;
    seen.add(s.name);
    asm += `.org 0x${(s.addr - base).toString(16)}\n.globl ${s.name}\n.type ${s.name},@function\n${s.name}:\n`;
  }
  const src = path.join(dir, "kernel-symbols.S"),
    obj = path.join(dir, "kernel-symbols.o"),
    elf = path.join(dir, "kernel-symbols.elf");
  fs.writeFileSync(src, asm);
  for (const [cmd, args] of [
    ["riscv64-unknown-elf-gcc", ["-c", "-o", obj, src]],
    ["riscv64-unknown-elf-ld", ["-e", "0", `--section-start=.ktext=0x${base.toString(16)}`, "-o", elf, obj]],
  ] as const) {
    const r = spawnSync(cmd, [...args], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  }
  return elf;
}
