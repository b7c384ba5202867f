// One debugger connection: QEMU 7.2's gdbstub packet by packet (replies, error numbers, thread
// ids, stop replies). The machine is reached through its debugger API (machine.ts); a stop of the
// machine, for whatever reason, is reported to gdb as QEMU reports it (T05 for the debugger's
// own stops, T02 for a pause); when the guest powers off the connection just closes, as QEMU's does.
import { PacketReader, framePacket, MAX_PACKET_LENGTH } from "./framing.js";
import { REG_PC } from "../machine/core.js";
import type { DebugStopInfo, DebugRequest } from "../machine/messages.js";

const GDB_SIGNAL_INT = 2;
const GDB_SIGNAL_TRAP = 5;
const SSTEP_ENABLE = 1;
const SSTEP_NOIRQ = 2;
const SSTEP_FLAGS = 7; // ENABLE | NOIRQ | NOTIMER, QEMU's default for TCG

/** What a session needs from the machine (machine.ts implements it; tests may fake it). */
export interface DebugTarget {
  readonly state: string;
  readonly hartCount: number;
  stop(): Promise<void>;
  cont(): Promise<void>;
  step(hart: number, irqs?: boolean): Promise<void>;
  quit(reason: "host-qmp-quit"): Promise<void>;
  debugRequest(
    req: DebugRequest,
  ): Promise<{ ok: boolean; values?: (bigint | null)[]; bytes?: Uint8Array; error?: string }>;
  on(event: string, f: (...a: any[]) => void): unknown;
  off(event: string, f: (...a: any[]) => void): unknown;
}

export interface SessionOptions {
  target: DebugTarget;
  /** The target description documents by annex (qXfer:features:read). */
  documents(): Promise<Map<string, string>>;
  /** gdb's `monitor` command: one HMP command line, its output. */
  monitor(line: string): Promise<string>;
  write(bytes: Buffer | string): void;
  close(): void;
  log?(msg: string): void;
}

type ThreadId = { kind: "all" } | { kind: "any" } | { kind: "one"; pid: number; tid: number } | { kind: "error" };

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const hex64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return b.toString("hex");
};

function parseThreadId(s: string): ThreadId {
  const num = (t: string): number | null => (t === "-1" ? -1 : /^[0-9a-fA-F]+$/.test(t) ? parseInt(t, 16) : null);
  let pid = 1,
    tidText = s;
  if (s.startsWith("p")) {
    const dot = s.indexOf(".");
    const p = num(dot < 0 ? s.slice(1) : s.slice(1, dot));
    if (p === null) return { kind: "error" };
    if (p === -1) return { kind: "all" };
    pid = p;
    if (dot < 0) return { kind: "one", pid, tid: 0 }; // "pPID": its first thread
    tidText = s.slice(dot + 1);
  }
  const t = num(tidText);
  if (t === null) return { kind: "error" };
  if (t === -1) return { kind: "all" };
  if (t === 0 && !s.startsWith("p")) return { kind: "any" };
  return { kind: "one", pid, tid: t };
}

export class GdbSession {
  private reader: PacketReader;
  private multiprocess = false;
  private gCpu = 0; // the hart register and memory packets address (Hg)
  private cCpu = 0; // the hart c/s resume and stop replies name (Hc)
  private queryCpu = 0;
  private physMemMode = false;
  /** Whether gdb has read the target description: QEMU answers p/P only then (older gdbs misuse them). */
  private hasXml = false;
  private sstepFlags = SSTEP_FLAGS;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private onStop = (info?: DebugStopInfo) => this.reportStop(info);

  constructor(private o: SessionOptions) {
    this.reader = new PacketReader({
      packet: (data) => {
        this.queue = this.queue
          .then(() => this.handle(data.toString("latin1")))
          .catch((e) => this.o.log?.(`gdb: ${e}`));
      },
      interrupt: () => this.interrupt(),
      write: (b) => this.o.write(b),
    });
  }

  /** A client connected: as QEMU, the machine stops (paused) and the first hart is current. */
  async start(): Promise<void> {
    this.o.target.on("stop", this.onStop);
    if (this.o.target.state === "running") await this.o.target.stop();
  }

  /** The connection went away: breakpoints and watchpoints go with it; the machine stays as it is. */
  async end(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.o.target.off("stop", this.onStop);
    try {
      await this.o.target.debugRequest({ op: "clear" });
    } catch {
      /* machine gone */
    }
  }

  feed(chunk: Buffer): void {
    // While the machine runs, QEMU takes any byte as a request to stop (and drops it).
    if (this.o.target.state === "running" && !chunk.every((b) => b === 0x2b || b === 0x2d)) {
      if (chunk.includes(0x03) || chunk.includes(0x24)) {
        this.interrupt();
        return;
      }
    }
    this.reader.feed(chunk);
  }

  private interrupt() {
    if (this.o.target.state === "running") void this.o.target.stop();
  }

  private send(data: string | Buffer) {
    if (this.closed) return;
    const p = framePacket(data);
    if (!this.reader.noAck) this.reader.lastPacket = p;
    this.o.write(p);
  }

  private threadId(h: number): string {
    const t = (h + 1).toString(16).padStart(2, "0");
    return this.multiprocess ? `p01.${t}` : t;
  }

  private reportStop(info?: DebugStopInfo) {
    if (this.closed) return;
    let sig = GDB_SIGNAL_INT;
    let extra = "";
    if (info) {
      // The hart that stopped becomes the current one (QEMU's gdb_set_stop_cpu).
      this.cCpu = this.gCpu = info.hart;
      sig = GDB_SIGNAL_TRAP;
      if (info.reason === "watchpoint") {
        const type = info.watchKind === 2 ? "r" : info.watchKind === 3 ? "a" : "";
        extra = `${type}watch:${info.watchAddr!.toString(16)};`;
      }
    } else {
      this.gCpu = this.cCpu;
    }
    this.send(`T${sig.toString(16).padStart(2, "0")}thread:${this.threadId(this.cCpu)};${extra}`);
  }

  /** The hart a thread id names (QEMU's gdb_get_cpu), or null. */
  private hartOf(t: ThreadId): number | null {
    if (t.kind === "any" || t.kind === "all") return 0;
    if (t.kind !== "one") return null;
    if (t.pid !== 1 && t.pid !== 0) return null;
    if (t.tid === 0) return 0;
    return t.tid >= 1 && t.tid <= this.o.target.hartCount ? t.tid - 1 : null;
  }

  private async readRegs(hart: number, regs: number[]): Promise<(bigint | null)[]> {
    return (await this.o.target.debugRequest({ op: "read-regs", hart, regs })).values!;
  }

  private async handle(p: string): Promise<void> {
    if (this.closed) return;
    let reply: string | Buffer | null;
    try {
      reply = await this.dispatch(p);
    } catch (e) {
      // The machine could not answer (it is shutting down, or failed): gdb gets an error, not silence.
      this.o.log?.(`gdb: ${p.slice(0, 40)}: ${(e as Error).message}`);
      reply = "E22";
    }
    if (reply !== null) this.send(reply);
  }

  /** One packet; returns the reply, or null when the reply comes later (resume) or was sent already. */
  private async dispatch(p: string): Promise<string | Buffer | null> {
    const t = this.o.target;
    const cmd = p[0];
    switch (cmd) {
      case "?": {
        // QEMU also drops every breakpoint here: gdb asks this when it (re)connects.
        await t.debugRequest({ op: "clear" });
        return `T${GDB_SIGNAL_TRAP.toString(16).padStart(2, "0")}thread:${this.threadId(this.cCpu)};`;
      }
      case "g": {
        const v = await this.readRegs(
          this.gCpu,
          Array.from({ length: 33 }, (_, i) => i),
        );
        return v.map((x) => hex64(x ?? 0n)).join("");
      }
      case "G": {
        const data = p.slice(1);
        if (!/^([0-9a-fA-F]{2})*$/.test(data)) return "E22";
        const bytes = Buffer.from(data, "hex");
        const regs: [number, bigint][] = [];
        for (let i = 0; i + 8 <= bytes.length && i / 8 <= REG_PC; i += 8) regs.push([i / 8, bytes.readBigUInt64LE(i)]);
        if (regs.length > 0) await t.debugRequest({ op: "write-regs", hart: this.gCpu, regs });
        return "OK";
      }
      case "p": {
        const m = /^p([0-9a-fA-F]+)$/.exec(p);
        if (!m || !this.hasXml) return "";
        const [v] = await this.readRegs(this.gCpu, [parseInt(m[1], 16)]);
        return v === null ? "E14" : hex64(v);
      }
      case "P": {
        const m = /^P([0-9a-fA-F]+)=((?:[0-9a-fA-F]{2})*)$/.exec(p);
        if (!m || !this.hasXml) return "";
        const bytes = Buffer.alloc(8);
        Buffer.from(m[2], "hex").copy(bytes, 0, 0, 8);
        await t.debugRequest({
          op: "write-regs",
          hart: this.gCpu,
          regs: [[parseInt(m[1], 16), bytes.readBigUInt64LE(0)]],
        });
        return "OK";
      }
      case "m": {
        if (!/^m[0-9a-fA-F]/.test(p)) return "";
        const m = /^m([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(p);
        if (!m) return "E22";
        const len = parseInt(m[2], 16);
        if (len > MAX_PACKET_LENGTH / 2) return "E22";
        if (len === 0) return "";
        const r = await t.debugRequest({
          op: "read-mem",
          hart: this.physMemMode ? null : this.gCpu,
          addr: BigInt("0x" + m[1]),
          length: len,
        });
        return r.ok ? hex(r.bytes!) : "E14";
      }
      case "M": {
        if (!/^M[0-9a-fA-F]/.test(p)) return "";
        const m = /^M([0-9a-fA-F]+),([0-9a-fA-F]+):([0-9a-fA-F]*)$/.exec(p);
        if (!m) return "E22";
        const len = parseInt(m[2], 16);
        if (m[3].length !== len * 2) return "E22";
        return this.writeMemory(BigInt("0x" + m[1]), Buffer.from(m[3], "hex"));
      }
      case "X": {
        const colon = p.indexOf(":");
        const m = /^X([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(colon < 0 ? p : p.slice(0, colon));
        if (!m || colon < 0) return "E22";
        const data = Buffer.from(p.slice(colon + 1), "latin1");
        if (data.length !== parseInt(m[2], 16)) return "E22";
        if (data.length === 0) return "OK";
        return this.writeMemory(BigInt("0x" + m[1]), data);
      }
      case "c":
      case "C":
      case "s": {
        // c [addr], C sig[;addr], s [addr]: resume at addr when given.
        let arg = p.slice(1);
        if (cmd === "C") {
          const semi = arg.indexOf(";");
          arg = semi < 0 ? "" : arg.slice(semi + 1);
        }
        if (arg !== "") {
          if (!/^[0-9a-fA-F]+$/.test(arg)) return "E22";
          await t.debugRequest({ op: "write-regs", hart: this.cCpu, regs: [[REG_PC, BigInt("0x" + arg)]] });
        }
        await this.resume(cmd === "s" ? this.cCpu : null);
        return null;
      }
      case "H": {
        const op = p[1];
        const tid = parseThreadId(p.slice(2));
        if (tid.kind === "error" || (op !== "c" && op !== "g")) return "E22";
        if (tid.kind !== "one") return "OK";
        const h = this.hartOf(tid);
        if (h === null) return "E22";
        if (op === "c") this.cCpu = h;
        else this.gCpu = h;
        return "OK";
      }
      case "T": {
        const tid = parseThreadId(p.slice(1));
        if (tid.kind === "error") return "E22";
        return this.hartOf(tid) === null ? "E22" : "OK";
      }
      case "Z":
      case "z":
        return this.breakpoint(cmd === "Z", p.slice(1));
      case "D": {
        await t.debugRequest({ op: "clear" });
        this.send("OK");
        if (t.state !== "running") await t.cont().catch(() => {});
        return null;
      }
      case "k": {
        this.send("W00"); // QEMU answers a kill with the exit status, then ends
        await t.quit("host-qmp-quit");
        return null;
      }
      case "q":
      case "Q":
        return this.query(p);
      case "v":
        return this.vPacket(p);
      default:
        return "";
    }
  }

  private async writeMemory(addr: bigint, bytes: Buffer): Promise<string> {
    const r = await this.o.target.debugRequest({
      op: "write-mem",
      hart: this.physMemMode ? null : this.gCpu,
      addr,
      bytes,
    });
    return r.ok ? "OK" : "E14";
  }

  private async breakpoint(insert: boolean, args: string): Promise<string> {
    const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+),([0-9a-fA-F]+)(;.*)?$/.exec(args);
    if (!m) return "E22";
    const type = parseInt(m[1], 16);
    const addr = BigInt("0x" + m[2]);
    const kind = BigInt("0x" + m[3]);
    let r;
    if (type === 0 || type === 1) r = await this.o.target.debugRequest({ op: "breakpoint", insert, addr });
    else if (type >= 2 && type <= 4) {
      const wkind = type === 2 ? 1 : type === 3 ? 2 : 3;
      r = await this.o.target.debugRequest({ op: "watchpoint", insert, addr, len: kind, kind: wkind });
    } else return "";
    return r.ok ? "OK" : "E22";
  }

  /** Resumes: one hart steps (the others stay, as if they had no time), or everything continues. */
  private async resume(stepHart: number | null): Promise<void> {
    const t = this.o.target;
    try {
      if (stepHart !== null && this.sstepFlags & SSTEP_ENABLE)
        await t.step(stepHart, (this.sstepFlags & SSTEP_NOIRQ) === 0);
      else await t.cont();
    } catch (e) {
      // The machine cannot run (shut down): report it stopped as it is.
      this.o.log?.(`gdb: cannot resume: ${(e as Error).message}`);
      this.send("E22");
    }
  }

  private async vPacket(p: string): Promise<string | null> {
    if (p === "vMustReplyEmpty") return "";
    if (p.startsWith("vKill;")) {
      // gdb's kill with multiprocess: QEMU answers OK and ends.
      this.send("OK");
      await this.o.target.quit("host-qmp-quit");
      return null;
    }
    if (p === "vCont?") return "vCont;c;C;s;S";
    if (p.startsWith("vCont;")) {
      // Each action applies to the threads it names that no earlier action took.
      let step: number | null = null;
      let resume = false;
      const nharts = this.o.target.hartCount;
      const assigned = new Array<boolean>(nharts).fill(false);
      for (const a of p.slice(6).split(";")) {
        const colon = a.indexOf(":");
        const act = colon < 0 ? a : a.slice(0, colon);
        if (!/^(c|s|C[0-9a-fA-F]{2}|S[0-9a-fA-F]{2})$/.test(act)) return ""; // QEMU: -ENOTSUP
        let harts: number[];
        if (colon < 0) harts = Array.from({ length: nharts }, (_, i) => i);
        else {
          const tid = parseThreadId(a.slice(colon + 1));
          if (tid.kind === "error") return "E22";
          if (tid.kind === "all") harts = Array.from({ length: nharts }, (_, i) => i);
          else {
            const h = this.hartOf(tid);
            if (h === null) return "E22";
            harts = [h];
          }
        }
        for (const h of harts) {
          if (assigned[h]) continue;
          assigned[h] = true;
          resume = true;
          if ((act[0] === "s" || act[0] === "S") && step === null) step = h;
        }
      }
      if (!resume) return "E22";
      if (step !== null) this.cCpu = step;
      await this.resume(step);
      return null;
    }
    return "";
  }

  private async query(p: string): Promise<string | Buffer | null> {
    if (p.startsWith("qSupported")) {
      if (p.includes("multiprocess+")) this.multiprocess = true;
      return `PacketSize=${MAX_PACKET_LENGTH.toString(16)};qXfer:features:read+;vContSupported+;multiprocess+;QStartNoAckMode+`;
    }
    if (p === "QStartNoAckMode") {
      this.send("OK");
      this.reader.noAck = true;
      this.reader.lastPacket = null;
      return null;
    }
    if (p === "qC") return `QC${this.threadId(0)}`;
    if (p === "qAttached" || p.startsWith("qAttached:")) return "1";
    if (p === "qfThreadInfo") {
      this.queryCpu = 0;
      return this.nextThread();
    }
    if (p === "qsThreadInfo") return this.nextThread();
    if (p.startsWith("qThreadExtraInfo,")) {
      const h = this.hartOf(parseThreadId(p.slice(17)));
      if (h === null) return "E22";
      const halted = await this.isHalted(h);
      return Buffer.from(`CPU#${h} [${halted ? "halted " : "running"}]`).toString("hex");
    }
    if (p.startsWith("qXfer:features:read:")) {
      const m = /^qXfer:features:read:([^:]*):([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(p);
      if (!m) return "E22";
      const doc = (await this.o.documents()).get(m[1]);
      if (doc === undefined) return "E00";
      this.hasXml = true;
      const off = parseInt(m[2], 16);
      let len = parseInt(m[3], 16);
      if (off > doc.length) return "E00";
      len = Math.min(len, (MAX_PACKET_LENGTH - 5) >> 1);
      return len < doc.length - off ? "m" + doc.substr(off, len) : "l" + doc.slice(off);
    }
    if (p.startsWith("qRcmd,")) {
      const text = p.slice(6);
      if (text === "" || !/^([0-9a-fA-F]{2})*$/.test(text)) return "E22";
      const out = await this.o.monitor(Buffer.from(text, "hex").toString("latin1"));
      if (out !== "") this.send("O" + Buffer.from(out, "latin1").toString("hex"));
      return "OK";
    }
    if (p === "qqemu.sstepbits") return "ENABLE=1,NOIRQ=2,NOTIMER=4";
    if (p === "qqemu.sstep") return `0x${this.sstepFlags.toString(16)}`;
    if (p.startsWith("Qqemu.sstep=")) {
      const v = /^Qqemu\.sstep=([0-9a-fA-F]+)$/.exec(p);
      if (!v || (parseInt(v[1], 16) & ~SSTEP_FLAGS) !== 0) return "E22";
      this.sstepFlags = parseInt(v[1], 16);
      return "OK";
    }
    if (p === "qqemu.PhyMemMode") return this.physMemMode ? "1" : "0";
    if (p.startsWith("Qqemu.PhyMemMode:")) {
      const v = p.slice(17);
      if (v !== "0" && v !== "1") return "E22";
      this.physMemMode = v === "1";
      return "OK";
    }
    return "";
  }

  private nextThread(): string {
    if (this.queryCpu >= this.o.target.hartCount) return "l";
    return "m" + this.threadId(this.queryCpu++);
  }

  private async isHalted(h: number): Promise<boolean> {
    // A hart waiting in WFI is QEMU's "halted" CPU.
    const r = await this.o.target.debugRequest({ op: "halted", hart: h });
    return r.ok && r.values?.[0] === 1n;
  }
}
