// A QMP client: connects to a unix or tcp monitor, negotiates, runs commands by id, and emits events.
// Used by the wasmvirt-qmp tool and the latency benchmark.
import net from "node:net";
import { EventEmitter } from "node:events";
import { JsonStreamParser, toJson, type JsonObject, type JsonValue } from "../qmp/json.js";

export type Reply = { return: JsonValue; id?: JsonValue } | { error: { class: string; desc: string }; id?: JsonValue };

/** "unix:PATH", "tcp:HOST:PORT", "HOST:PORT" (when it is not an existing path) or a socket path. */
export function parseAddress(addr: string): { path: string } | { host: string; port: number } {
  if (addr.startsWith("unix:")) return { path: addr.slice(5) };
  const tcp = /^(?:tcp:)?(.*):(\d+)$/.exec(addr);
  if (tcp && (addr.startsWith("tcp:") || !addr.includes("/")))
    return { host: tcp[1] || "127.0.0.1", port: Number(tcp[2]) };
  return { path: addr };
}

export class QmpClient extends EventEmitter {
  greeting: JsonObject | undefined;
  private sock: net.Socket | undefined;
  private nextId = 1;
  private readonly pending = new Map<string, (r: Reply) => void>();
  private greeted: ((g: JsonObject) => void) | undefined;

  async connect(addr: string): Promise<JsonObject> {
    const a = parseAddress(addr);
    const sock = await new Promise<net.Socket>((resolve, reject) => {
      const s = "path" in a ? net.connect(a.path) : net.connect(a.port, a.host);
      s.once("connect", () => resolve(s));
      s.once("error", reject);
    });
    sock.setNoDelay(true);
    this.sock = sock;
    const parser = new JsonStreamParser((m) => this.onMessage(m.value as JsonObject | undefined));
    sock.on("data", (d: Buffer) => parser.feed(d));
    sock.on("close", () => {
      for (const f of this.pending.values()) f({ error: { class: "ConnectionClosed", desc: "connection closed" } });
      this.pending.clear();
      this.emit("close");
    });
    sock.on("error", (e) => this.emit("socket-error", e));
    return new Promise((resolve) => {
      this.greeted = resolve;
    });
  }

  private onMessage(m: JsonObject | undefined): void {
    if (!m || typeof m !== "object") return;
    if ("QMP" in m) {
      this.greeting = m;
      this.greeted?.(m);
      return;
    }
    if ("event" in m) {
      this.emit("event", m);
      return;
    }
    const key = "id" in m ? toJson(m.id) : "";
    const f = this.pending.get(key);
    if (f) {
      this.pending.delete(key);
      f(m as unknown as Reply);
    } else this.emit("stray", m);
  }

  /** Send a command (with a fresh id) and wait for its reply. */
  execute(command: string, args?: JsonObject): Promise<Reply> {
    const req: JsonObject = { execute: command };
    if (args && Object.keys(args).length > 0) req.arguments = args;
    return this.request(req);
  }

  /** Send a raw request object; an id is added when it has none. */
  request(req: JsonObject): Promise<Reply> {
    if (!this.sock) return Promise.reject(new Error("not connected"));
    const msg = { ...req };
    if (!("id" in msg)) msg.id = `wq-${this.nextId++}`;
    const key = toJson(msg.id);
    return new Promise((resolve) => {
      this.pending.set(key, resolve);
      this.sock!.write(toJson(msg) + "\n");
    });
  }

  async negotiate(): Promise<void> {
    const r = await this.execute("qmp_capabilities");
    if ("error" in r) throw new Error(`qmp_capabilities: ${r.error.desc}`);
  }

  close(): void {
    this.sock?.end();
  }
}
