// Running wasmvirt (or QEMU) processes for the save/restore tests: console output, typing, a QMP
// connection, the exit status. Every process gets its own temp directory for sockets and states.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { crc32 } from "node:zlib";
import os from "node:os";
import path from "node:path";
import { RawClient, type Msg } from "../qmp/client";
import { wasmvirtBin } from "../helpers/guest";

export class Vm {
  readonly proc: ChildProcess;
  out = "";
  err = "";
  private cursor = 0;
  readonly exited: Promise<number | null>;
  qmp?: RawClient;

  constructor(
    readonly sock: string | undefined,
    cmd: string,
    args: string[],
  ) {
    this.proc = spawn(cmd, args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, WASMVIRT_SNAPSHOT_VERIFY: "1" },
    });
    this.proc.stdout!.on("data", (d: Buffer) => {
      this.out += d.toString("latin1");
    });
    this.proc.stderr!.on("data", (d: Buffer) => {
      this.err += d.toString();
    });
    this.exited = new Promise((r) => this.proc.on("exit", (code) => r(code)));
  }

  /** Waits for `text` on the console after the previous match; returns what came up to it. */
  async waitFor(text: string | RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.out.slice(this.cursor);
      const m =
        typeof text === "string"
          ? rest.includes(text)
            ? { index: rest.indexOf(text), len: text.length }
            : null
          : (() => {
              const r = text.exec(rest);
              return r ? { index: r.index, len: r[0].length } : null;
            })();
      if (m) {
        const end = this.cursor + m.index + m.len;
        const got = this.out.slice(this.cursor, end);
        this.cursor = end;
        return got;
      }
      if (this.proc.exitCode !== null)
        throw new Error(`exited (${this.proc.exitCode}) before ${text}:\n${this.out.slice(-1500)}\n${this.err}`);
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${text}:\n${this.out.slice(-1500)}\n${this.err}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  type(s: string): void {
    this.proc.stdin!.write(s);
  }

  /** Types a shell command and returns its output (between marker lines). */
  async shell(command: string, timeoutMs = 60_000): Promise<string> {
    const tag = Math.random().toString(36).slice(2, 8);
    this.type(`echo B${tag}; ${command}; echo E${tag}\n`);
    const text = await this.waitFor(new RegExp(`\\nE${tag}\\r?\\n`), timeoutMs);
    const lines = text.split(/\r?\n/);
    return lines.slice(lines.lastIndexOf(`B${tag}`) + 1, lines.length - 2).join("\n");
  }

  async connect(): Promise<RawClient> {
    for (let i = 0; i < 400 && !fs.existsSync(this.sock!); i++) {
      if (this.proc.exitCode !== null) throw new Error(`exited (${this.proc.exitCode}): ${this.err}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    this.qmp = await RawClient.open(this.sock!);
    return this.qmp;
  }

  /** A command's reply (events before it stay queued for events()). */
  async cmd(execute: string, args?: Msg): Promise<Msg> {
    const q = this.qmp!;
    q.send(args ? { execute, arguments: args } : { execute });
    const held: Msg[] = [];
    for (;;) {
      const m = await q.next(60_000);
      if ("event" in m) {
        held.push(m);
        continue;
      }
      this.heldEvents.push(...held);
      return m;
    }
  }
  private heldEvents: Msg[] = [];

  /** Events received so far (and those that come within `ms`). */
  async events(ms = 0): Promise<Msg[]> {
    const more = await this.qmp!.drain(ms);
    const all = [...this.heldEvents, ...more.filter((m) => "event" in m)];
    this.heldEvents = [];
    return all;
  }

  /** Waits until an event named `name` (with data matching `pred`) has come. */
  async waitEvent(name: string, pred: (d: any) => boolean = () => true, timeoutMs = 60_000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.heldEvents.findIndex((e) => e.event === name && pred(e.data));
      if (i >= 0) return this.heldEvents.splice(i, 1)[0];
      const m = await this.qmp!.next(Math.max(1, deadline - Date.now()));
      this.heldEvents.push(m);
    }
  }

  async hmp(line: string): Promise<string> {
    const r = await this.cmd("human-monitor-command", { "command-line": line });
    return r.return as string;
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}

export function tempDir(prefix = "wasmvirt-snap-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** wasmvirt with a QMP socket in `dir` (name `sockName`). */
export function wasmvirt(dir: string, args: string[], sockName = "qmp.sock"): Vm {
  const sock = path.join(dir, sockName);
  return new Vm(sock, process.execPath, [wasmvirtBin, ...args, "-qmp", `unix:${sock},server=on,wait=off`]);
}

export function qemu(dir: string, args: string[], sockName = "qemu.sock"): Vm {
  const sock = path.join(dir, sockName);
  return new Vm(sock, "qemu-system-riscv64", [...args, "-monitor", "none", "-qmp", `unix:${sock},server=on,wait=off`]);
}

/** QMP migrate to exec:cat > FILE with events on; resolves with the events up to completion. */
export async function saveTo(vm: Vm, file: string, extra: Msg = {}): Promise<Msg[]> {
  await vm.cmd("migrate-set-capabilities", { capabilities: [{ capability: "events", state: true }] });
  const r = await vm.cmd("migrate", { uri: `exec:cat > ${file}`, ...extra });
  if (!("return" in r)) throw new Error(`migrate failed: ${JSON.stringify(r)}`);
  await vm.waitEvent("MIGRATION", (d) => ["completed", "failed", "cancelled"].includes(d.status));
  const q = await vm.cmd("query-migrate");
  if (q.return.status !== "completed") throw new Error(`migration ended ${JSON.stringify(q.return)}`);
  return vm.events();
}

/** Sections of a state file: tag, flags, offset of the 28-byte header, stored bytes. */
export function sectionsOf(file: Buffer) {
  const out: { tag: string; flags: number; at: number; bytes: Buffer }[] = [];
  for (let at = 12; file.toString("latin1", at, at + 4) !== "END "; ) {
    const stored = Number(file.readBigUInt64LE(at + 16));
    out.push({
      tag: file.toString("latin1", at, at + 4),
      flags: file.readUInt32LE(at + 4),
      at,
      bytes: file.subarray(at + 28, at + 28 + stored),
    });
    at += 28 + stored;
  }
  return out;
}

/** Fixes every checksum after an edit: what a crafted file that gets past them looks like. */
export function reseal(file: Buffer): Buffer {
  for (const s of sectionsOf(file)) file.writeUInt32LE(crc32(s.bytes), s.at + 24);
  const end = file.length - 8;
  file.writeUInt32LE(crc32(file.subarray(0, end)), end + 4);
  return file;
}

/**
 * Makes the LZ4 block at `at` (`len` bytes) start with a literal run longer than the block: a token of 15
 * literals and enough 255 continuation bytes, then 0. Whatever the encoder wrote there, the block is malformed.
 */
export function literalsPastEnd(file: Buffer, at: number, len: number): void {
  const k = Math.floor(len / 255) + 1;
  file[at] = 0xf0;
  file.fill(0xff, at + 1, at + 1 + k);
  file[at + 1 + k] = 0;
}
