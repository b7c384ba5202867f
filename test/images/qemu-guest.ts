// A QEMU virt guest driven through its serial console (stdio) and, optionally, a QMP socket: enough to boot the
// bundled images, wait for lines, type commands and collect the exit status. Used by the image tests and
// bench/qemu-boot-times.mjs keeps its own copy in plain JS.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GuestImages } from "../../src/machine/images.js";

export const QEMU = "qemu-system-riscv64";

export function haveQemu(): boolean {
  const r = spawnSync(QEMU, ["--version"], { stdio: "ignore" });
  return r.status === 0;
}

export interface GuestOptions {
  append: string;
  smp?: number;
  memory?: string;
  /** a raw disk image attached as virtio-blk (the guest sees /dev/vda) */
  disk?: string;
  /** attach a virtio keyboard (the power button's input device) */
  keyboard?: boolean;
  /** open a QMP socket */
  qmp?: boolean;
}

export class QemuGuest {
  readonly proc: ChildProcess;
  output = "";
  readonly exited: Promise<number | null>;
  private readonly tmp: string;
  private readonly qmpPath?: string;
  private waiters: Array<() => void> = [];
  private done = false;

  constructor(images: GuestImages, opts: GuestOptions) {
    this.tmp = mkdtempSync(join(tmpdir(), "wasmvirt-qemu-"));
    const args = [
      "-M",
      "virt",
      "-m",
      opts.memory ?? "256M",
      "-smp",
      String(opts.smp ?? 1),
      "-bios",
      images.firmware,
      "-kernel",
      images.kernel,
      "-initrd",
      images.initrd,
      "-append",
      opts.append,
      "-display",
      "none",
      "-serial",
      "stdio",
      "-monitor",
      "none",
      "-no-reboot",
    ];
    if (opts.disk) {
      args.push("-drive", `file=${opts.disk},format=raw,if=none,id=disk0`, "-device", "virtio-blk-device,drive=disk0");
    }
    // virtio-input needs VIRTIO_F_VERSION_1, which QEMU's virt only offers on the non-legacy virtio-mmio transport
    // (wasmvirt's virtio-mmio is version 2 always).
    if (opts.keyboard) args.push("-global", "virtio-mmio.force-legacy=false", "-device", "virtio-keyboard-device");
    if (opts.qmp) {
      this.qmpPath = join(this.tmp, "qmp.sock");
      args.push("-qmp", `unix:${this.qmpPath},server=on,wait=off`);
    }
    this.proc = spawn(QEMU, args, { stdio: ["pipe", "pipe", "pipe"] });
    const onData = (chunk: Buffer) => {
      this.output += chunk.toString("latin1");
      for (const wake of this.waiters.splice(0)) wake();
    };
    this.proc.stdout!.on("data", onData);
    this.proc.stderr!.on("data", onData);
    this.exited = once(this.proc, "exit").then(([code]) => {
      this.done = true;
      for (const wake of this.waiters.splice(0)) wake();
      rmSync(this.tmp, { recursive: true, force: true });
      return code as number | null;
    });
  }

  /** Resolve with the match once pattern appears in the output after position from; reject on timeout or exit. */
  async waitFor(pattern: RegExp | string, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
    const re = typeof pattern === "string" ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : pattern;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.output.slice(from));
      if (m) return m;
      if (this.done) throw new Error(`QEMU exited before ${re}; output:\n${this.output.slice(-3000)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${re}; output:\n${this.output.slice(-3000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Type a command line on the console and return the output position before it, for waitFor(..., from). */
  type(line: string): number {
    const at = this.output.length;
    this.proc.stdin!.write(line + "\n");
    return at;
  }

  /** Run one QMP command (after the capabilities handshake) and return its reply. */
  async qmp(command: string, args?: object): Promise<unknown> {
    if (!this.qmpPath) throw new Error("guest started without qmp");
    const sock: Socket = connect(this.qmpPath);
    await once(sock, "connect");
    let buf = "";
    const replies: unknown[] = [];
    const wakeups: Array<() => void> = [];
    sock.on("data", (d) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (!("event" in msg)) replies.push(msg);
        wakeups.splice(0).forEach((w) => w());
      }
    });
    const next = async () => {
      while (replies.length === 0) await new Promise<void>((r) => wakeups.push(r));
      return replies.shift() as Record<string, unknown>;
    };
    await next(); // greeting
    sock.write(JSON.stringify({ execute: "qmp_capabilities" }) + "\n");
    await next();
    sock.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + "\n");
    const reply = await next();
    sock.end();
    return reply;
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}
