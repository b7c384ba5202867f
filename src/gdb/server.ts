// The debugger port: QEMU's `-gdb DEV` / `-s` / HMP `gdbserver`. One listener at a time, one
// debugger at a time (a second connection is closed at once), each connection a GdbSession.
import net from "node:net";
import fs from "node:fs";
import type { Machine } from "../machine/machine.js";
import type { Logger } from "../log.js";
import { GdbSession } from "./session.js";
import { targetDocuments } from "./target-xml.js";
import { REG_CSR0 } from "../machine/core.js";
import { parseGdbDevice, GdbDeviceError } from "./device.js";
import { strerror } from "../errno.js";

export interface GdbServerOptions {
  logger: Logger;
  /** HMP for gdb's `monitor` command. */
  monitor(line: string): Promise<string>;
}

/** The gdbserver of a machine: listens on one device, replaceable (HMP `gdbserver`). */
export class GdbServer {
  private server: net.Server | null = null;
  private unixPath: string | null = null;
  private client: { sock: net.Socket; session: GdbSession } | null = null;
  private csrs: Promise<Set<number>> | null = null;
  /** Where the server listens, as a device string (the real port when 0 was asked for). */
  address = "";

  constructor(
    private machine: Machine,
    private o: GdbServerOptions,
  ) {}

  /** Replaces the listener by one on `dev` (or none). Throws GdbDeviceError when it cannot listen. */
  async open(dev: string): Promise<void> {
    const d = parseGdbDevice(dev);
    await this.close();
    if (d.kind === "none") return;
    const server = net.createServer((sock) => this.accept(sock));
    server.on("error", (e) => this.o.logger.error({ err: e.message }, "gdb listener error"));
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => reject(new GdbDeviceError(`-gdb ${dev}: ${strerror(e)}`));
      server.once("error", onError);
      const done = () => {
        server.off("error", onError);
        resolve();
      };
      if (d.kind === "unix") {
        try {
          if (fs.lstatSync(d.path).isSocket()) fs.unlinkSync(d.path);
        } catch {
          /* not there */
        }
        server.listen(d.path, done);
      } else server.listen(d.port, d.host, done);
    });
    this.server = server;
    if (d.kind === "unix") {
      this.unixPath = d.path;
      this.address = `unix:${d.path}`;
    } else {
      const a = server.address() as net.AddressInfo;
      this.address = `tcp:${d.host ?? ""}:${a.port}`;
    }
    this.o.logger.info({ address: this.address }, "gdbserver listening");
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (this.client) {
      // Let what was sent last (a W reply at the machine's end) reach gdb before the socket goes.
      const { sock, session } = this.client;
      this.client = null;
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          sock.destroy();
          r();
        }, 500);
        sock.once("close", () => {
          clearTimeout(t);
          r();
        });
        sock.end();
      });
      await session.end();
    }
    if (s) await new Promise<void>((r) => s.close(() => r()));
    if (this.unixPath) {
      try {
        fs.unlinkSync(this.unixPath);
      } catch {
        /* gone */
      }
      this.unixPath = null;
    }
    this.address = "";
  }

  private accept(sock: net.Socket) {
    // One debugger at a time: a second one is turned away at once.
    if (this.client) {
      sock.destroy();
      return;
    }
    sock.setNoDelay(true);
    const session = new GdbSession({
      target: this.machine,
      documents: () => this.documents(),
      monitor: (line) => this.o.monitor(line),
      write: (b) => {
        if (!sock.destroyed) sock.write(b);
      },
      close: () => sock.destroy(),
      log: (m) => this.o.logger.warn(m),
    });
    const me = { sock, session };
    this.client = me;
    this.o.logger.info({ peer: sock.remoteAddress ?? "unix" }, "gdb connected");
    sock.on("data", (b) => session.feed(b));
    sock.on("error", () => {
      /* reset by peer: handled by close */
    });
    sock.on("close", () => {
      if (this.client === me) this.client = null;
      this.o.logger.info("gdb disconnected");
      void session.end();
    });
    void session.start();
  }

  /** The target description; the CSR list is the core's (hart 0 probed once for every CSR number). */
  private async documents(): Promise<Map<string, string>> {
    if (!this.csrs) {
      this.csrs = (async () => {
        const regs = Array.from({ length: 4096 }, (_, n) => REG_CSR0 + n);
        const r = await this.machine.debugRequest({ op: "read-regs", hart: 0, regs });
        return new Set(r.values!.flatMap((v, n) => (v === null ? [] : [n])));
      })();
    }
    const have = await this.csrs;
    return targetDocuments((n) => have.has(n));
  }
}
