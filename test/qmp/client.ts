// A raw QMP test client: bytes in, JSON lines out, no protocol logic of its own (so tests see
// exactly what the server sends).
import net from "node:net";

export type Msg = Record<string, any>;

export class RawClient {
  readonly sock: net.Socket;
  private buf = "";
  private readonly lines: Msg[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  rawLines: string[] = [];

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf("\n")) >= 0) {
        const line = this.buf.slice(0, i).replace(/\r$/, "");
        this.buf = this.buf.slice(i + 1);
        if (line.trim() === "") continue;
        this.rawLines.push(line);
        this.lines.push(JSON.parse(line));
      }
      this.wake();
    });
    sock.on("close", () => {
      this.closed = true;
      this.wake();
    });
    sock.on("error", () => {
      /* surfaced as close */
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static async connect(target: string | { port: number; host?: string }): Promise<RawClient> {
    // A listener that has just come up may refuse for a moment; retry briefly, then give up.
    for (let attempt = 0; ; attempt++) {
      try {
        return await RawClient.connectOnce(target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ECONNREFUSED" || attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  }

  private static connectOnce(target: string | { port: number; host?: string }): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const sock =
        typeof target === "string" ? net.connect(target) : net.connect(target.port, target.host ?? "127.0.0.1");
      sock.once("connect", () => resolve(new RawClient(sock)));
      sock.once("error", reject);
    });
  }

  /** Connect and read the greeting; optionally negotiate. */
  static async open(target: string | { port: number; host?: string }, negotiate = true): Promise<RawClient> {
    const c = await RawClient.connect(target);
    const greeting = await c.next();
    if (!greeting.QMP) throw new Error("no greeting: " + JSON.stringify(greeting));
    if (negotiate) {
      const r = await c.cmd("qmp_capabilities");
      if (!("return" in r)) throw new Error("negotiation failed: " + JSON.stringify(r));
    }
    return c;
  }

  write(data: string | Uint8Array): void {
    this.sock.write(data);
  }

  send(obj: Msg | string): void {
    this.write((typeof obj === "string" ? obj : JSON.stringify(obj)) + "\n");
  }

  /** Next message (reply or event). */
  async next(timeoutMs = 5000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.closed) throw new Error("connection closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timeout waiting for a message");
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.lines.shift()!;
  }

  /** Messages that arrive within `ms` (to check that nothing comes). */
  async drain(ms: number): Promise<Msg[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.lines.splice(0);
  }

  /** Send a command and collect everything up to its reply: [events before it..., reply]. */
  async exchange(obj: Msg | string): Promise<Msg[]> {
    this.send(obj);
    const out: Msg[] = [];
    for (;;) {
      const m = await this.next();
      out.push(m);
      if (!("event" in m)) return out;
    }
  }

  async cmd(execute: string, args?: Msg, id?: unknown): Promise<Msg> {
    const req: Msg = { execute };
    if (args) req.arguments = args;
    if (id !== undefined) req.id = id;
    const msgs = await this.exchange(req);
    return msgs[msgs.length - 1];
  }

  /** Wait until the server closes the connection. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("connection not closed");
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  pending(): Msg[] {
    return this.lines.splice(0);
  }

  close(): void {
    this.sock.destroy();
  }
}
