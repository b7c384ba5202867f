// One QMP session per connection: greeting, handshake and operational modes (the seed's protocol),
// framing through the streaming parser, in-band commands run one at a time in arrival order, and
// out-of-band commands (exec-oob, once negotiated) run at once.
import type { Readable, Writable } from "node:stream";
import type { ChardevInfo, MachineControl } from "../machine/control.js";
import type { Logger } from "../log.js";
import { JsonStreamParser, toJson, JsonFloat, type JsonObject, type JsonValue, type ParsedMessage } from "./json.js";
import { COMMAND_BY_NAME } from "./commands.js";
import { SessionMode, type CommandContext, type GdbControl, type VersionInfo } from "./context.js";
import { ArgumentError, validateArguments } from "./schema.js";
import { QmpError } from "./errors.js";
import { newHmpState } from "./hmp.js";

export { SessionMode };

/** In-band requests queued before reading pauses (QEMU's QMP_REQ_QUEUE_LEN_MAX). */
const QUEUE_MAX = 8;

export interface SessionDeps {
  machine: MachineControl;
  version: VersionInfo;
  logger: Logger;
  monitorChardevs(): ChardevInfo[];
  pretty?: boolean;
  /** Bytes of replies/events left unread by the client before the session is disconnected. */
  maxBuffer?: number;
  gdbserver?: GdbControl;
}

type Request = { kind: "parsed"; msg: ParsedMessage };

const isObject = (v: JsonValue | undefined): v is JsonObject =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonFloat);

export class Session {
  private static nextId = 1;
  readonly id = Session.nextId++;
  mode = SessionMode.Handshake;
  oobEnabled = false;
  private readonly parser: JsonStreamParser;
  private readonly queue: Request[] = [];
  private running: Promise<void> | undefined;
  private closed = false;
  private paused = false;
  private inputEnded = false;
  private readonly state: CommandContext["session"];
  private readonly log: Logger;
  private closeListeners: (() => void)[] = [];

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly deps: SessionDeps,
    readonly peer: string,
  ) {
    this.log = deps.logger.child({ session: this.id });
    this.parser = new JsonStreamParser((msg) => this.onMessage(msg));
    const self = this;
    this.state = {
      get mode() {
        return self.mode;
      },
      set mode(m) {
        self.mode = m;
      },
      get oobEnabled() {
        return self.oobEnabled;
      },
      set oobEnabled(v) {
        self.oobEnabled = v;
      },
      hmp: newHmpState(),
    };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get pretty(): boolean {
    return !!this.deps.pretty;
  }

  onClose(f: () => void): void {
    this.closeListeners.push(f);
  }

  start(): void {
    this.log.info({ peer: this.peer }, "qmp session opened");
    this.send({
      QMP: {
        version: { qemu: { ...this.deps.version.qemu }, package: this.deps.version.package },
        capabilities: ["oob"],
      },
    });
    this.input.on("data", (chunk: Buffer) => {
      if (this.closed) return;
      this.log.debug({ bytes: chunk.length }, "qmp in");
      try {
        this.parser.feed(chunk);
      } catch (e) {
        this.log.error({ err: e instanceof Error ? e.stack : String(e) }, "qmp parser failure");
        this.end();
      }
    });
    // A client that half-closes (socat, `printf ... | wasmvirt -qmp stdio`) still gets the replies to
    // what it sent; the session ends once they are written.
    this.input.on("end", () => {
      this.inputEnded = true;
      this.parser.flush();
      if (!this.running && this.queue.length === 0) this.end();
    });
    this.input.on("close", () => {
      if (!this.inputEnded || (this.input as unknown) === (this.output as unknown)) this.shutdown();
    });
    this.input.on("error", (e) => {
      this.log.info({ err: e.message }, "qmp input error");
      this.shutdown();
    });
    this.output.on("error", (e) => {
      this.log.info({ err: e.message }, "qmp output error");
      this.shutdown();
    });
  }

  /** Deliver an already-serialised event line; only sessions in operational mode receive events. */
  deliverEvent(line: string): void {
    if (this.closed || this.mode !== SessionMode.Operational) return;
    this.write(line);
  }

  /**
   * Everything goes out here. A client that does not read its replies (or events) would make them pile
   * up in memory without end: past maxBuffer unread bytes the session is disconnected, which costs
   * that client its connection and nobody else anything.
   */
  private write(line: string): void {
    this.output.write(line);
    const max = this.deps.maxBuffer;
    if (max !== undefined && this.output.writableLength > max) {
      this.log.warn(
        { peer: this.peer, unread: this.output.writableLength, maxBuffer: max },
        "qmp client does not read its replies: disconnected",
      );
      this.shutdown();
      const out = this.output as Writable & { destroy?: () => void };
      if (out !== process.stdout && out !== process.stderr) {
        out.destroy();
        if ((this.input as unknown) !== (this.output as unknown)) this.input.destroy();
      }
    }
  }

  /** Close after the in-band command being run (if any) has answered. */
  async close(): Promise<void> {
    if (this.running) {
      await Promise.race([this.running, new Promise((r) => setTimeout(r, 2000))]);
    }
    this.end();
  }

  private end(): void {
    if (!this.closed) {
      this.shutdown();
      const out = this.output as Writable & { end?: () => void; destroySoon?: () => void };
      if (out !== process.stdout && out !== process.stderr) out.end();
    }
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.log.info("qmp session closed");
    for (const f of this.closeListeners) f();
  }

  private send(obj: JsonObject): void {
    if (this.closed) return;
    const line = toJson(obj, this.deps.pretty) + "\r\n";
    this.log.info({ line: line.length > 512 ? line.slice(0, 512) + "..." : line.trimEnd() }, "qmp out");
    this.write(line);
  }

  private onMessage(msg: ParsedMessage): void {
    // Out-of-band requests bypass the in-band queue (QEMU's handle_qmp_command).
    if (this.oobEnabled && isObject(msg.value) && "exec-oob" in msg.value && !("execute" in msg.value)) {
      void this.dispatchSafely(msg);
      return;
    }
    this.queue.push({ kind: "parsed", msg });
    if (this.queue.length >= QUEUE_MAX && !this.paused) {
      this.paused = true;
      this.input.pause();
    }
    if (!this.running) this.running = this.drain();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const req = this.queue.shift()!;
      if (this.paused && this.queue.length < QUEUE_MAX) {
        this.paused = false;
        this.input.resume();
      }
      await this.dispatchSafely(req.msg);
    }
    this.running = undefined;
    if (this.inputEnded) this.end();
  }

  /** A bug in a handler answers that request with an error; it never takes the process down. */
  private async dispatchSafely(msg: ParsedMessage): Promise<void> {
    try {
      await this.dispatch(msg);
    } catch (e) {
      this.log.error({ err: e instanceof Error ? e.stack : String(e) }, "qmp internal error");
      const id: JsonObject = isObject(msg.value) && "id" in msg.value ? { id: msg.value.id } : {};
      try {
        this.send({
          ...id,
          error: { class: "GenericError", desc: `internal error: ${e instanceof Error ? e.message : String(e)}` },
        });
      } catch {
        /* nothing more to do */
      }
    }
  }

  private async dispatch(msg: ParsedMessage): Promise<void> {
    if (msg.error) {
      // Malformed JSON: the seed protocol's JSONParsing class (QEMU says GenericError with its parser's
      // message; we keep that message in data.detail). Limits keep QEMU's GenericError.
      this.log.info({ error: msg.error.message }, "qmp parse error");
      if (msg.error.kind === "syntax") {
        this.send({
          error: { class: "JSONParsing", desc: "Invalid JSON syntax", data: { detail: msg.error.message } },
        });
      } else {
        this.send({ error: { class: "GenericError", desc: msg.error.message } });
      }
      return;
    }
    const req = msg.value;
    if (!isObject(req)) {
      this.send({ error: { class: "GenericError", desc: "QMP input must be a JSON object" } });
      return;
    }
    const hasId = "id" in req;
    const id = req.id;
    const reply = (body: { return: JsonValue } | { error: QmpError }) => {
      if ("return" in body) {
        this.send(hasId ? { return: body.return, id } : { return: body.return });
      } else {
        const e = body.error;
        const err: JsonObject = { class: e.errorClass, desc: e.message };
        if (e.data) err.data = e.data as JsonValue;
        this.send(hasId ? { id, error: err } : { error: err });
      }
    };

    let name: string;
    let oob: boolean;
    try {
      ({ name, oob } = this.checkEnvelope(req));
    } catch (e) {
      reply({ error: e as QmpError });
      return;
    }

    const cmd = COMMAND_BY_NAME.get(name);
    const inMode = cmd?.modes.includes(this.mode);
    if (!cmd || (!inMode && this.mode === SessionMode.Handshake)) {
      reply({
        error: new QmpError(
          "CommandNotFound",
          this.mode === SessionMode.Handshake
            ? "Expecting capabilities negotiation with 'qmp_capabilities'"
            : `The command ${name} has not been found`,
        ),
      });
      return;
    }
    if (oob && !cmd.allowOob) {
      reply({ error: new QmpError("GenericError", `The command ${name} does not support OOB`) });
      return;
    }
    let args: Record<string, unknown>;
    try {
      args = validateArguments(cmd.args, req.arguments as JsonObject | undefined);
    } catch (e) {
      if (!(e instanceof ArgumentError)) throw e;
      reply({ error: new QmpError("GenericError", e.message) });
      return;
    }
    if (!inMode) {
      // Negotiation commands once negotiation is over: QEMU's answer to a repeated qmp_capabilities.
      reply({
        error: new QmpError("CommandNotFound", "Capabilities negotiation is already complete, command ignored"),
      });
      return;
    }

    const ctx: CommandContext = {
      machine: this.deps.machine,
      version: this.deps.version,
      logger: this.log,
      session: this.state,
      monitorChardevs: this.deps.monitorChardevs,
      gdbserver: this.deps.gdbserver,
    };
    this.state.switchTo = undefined;
    this.state.closeAfterReply = false;
    this.log.info({ cmd: name, id: hasId ? toJson(id) : undefined }, "qmp command");
    try {
      const result = await cmd.handler(args, ctx);
      reply({ return: result });
    } catch (e) {
      const err = e instanceof QmpError ? e : new QmpError("GenericError", e instanceof Error ? e.message : String(e));
      this.log.info({ cmd: name, class: err.errorClass, desc: err.message }, "qmp command failed");
      reply({ error: err });
    }
    // Applied only now, so that no event can come between the negotiation reply and the switch.
    const sw = this.state.switchTo as { mode: SessionMode; oob: boolean } | undefined;
    if (sw) {
      this.mode = sw.mode;
      this.oobEnabled = sw.oob;
      this.state.switchTo = undefined;
      this.log.info({ mode: sw.mode, oob: sw.oob }, "qmp mode switch");
    }
    if (this.state.closeAfterReply) this.end();
  }

  /** QEMU's qmp_dispatch_check_obj: which members a request may have, and their types. */
  private checkEnvelope(req: JsonObject): { name: string; oob: boolean } {
    if ("execute" in req && "exec-oob" in req && this.oobEnabled) {
      throw new QmpError("GenericError", "QMP input member 'execute' clashes with 'exec-oob'");
    }
    let name: string | undefined;
    let oob = false;
    for (const key of Object.keys(req)) {
      const v = req[key];
      if (key === "execute" || (key === "exec-oob" && this.oobEnabled)) {
        if (typeof v !== "string") throw new QmpError("GenericError", `QMP input member '${key}' must be a string`);
        name = v;
        oob = key === "exec-oob";
      } else if (key === "arguments") {
        if (!isObject(v)) throw new QmpError("GenericError", "QMP input member 'arguments' must be an object");
      } else if (key !== "id") {
        throw new QmpError("GenericError", `QMP input member '${key}' is unexpected`);
      }
    }
    if (name === undefined) throw new QmpError("GenericError", "QMP input lacks member 'execute'");
    return { name, oob };
  }
}
