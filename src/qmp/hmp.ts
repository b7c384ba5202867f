// The human monitor (HMP) behind QMP's human-monitor-command: QEMU's command words and output layout,
// answered from the real machine. Output lines end in "\r\n" as QEMU's monitor writes them.
// As in QEMU (hmp_cont calls qmp_cont, hmp_info_status prints qmp_query_status...), a command that
// has a QMP twin runs that QMP handler and only formats its result; the QMP table is the one place
// where an action is implemented. HMP reaches it through the QmpCall it is given (no import of
// commands.ts, which imports this file for human-monitor-command).
import { formatJitInfo } from "../machine/jit-host.js";
import type { HartRegisters } from "../machine/control.js";
import type { CommandContext, HmpState, QmpCall } from "./context.js";
import type { JsonObject } from "./json.js";
import { QmpError } from "./errors.js";

export type { HmpState } from "./context.js";

export const newHmpState = (): HmpState => ({ cpuIndex: 0, lastFormat: "x", lastSize: 4 });

/** The context of one HMP line: the QMP context, and the QMP commands to run. */
interface HmpContext extends CommandContext {
  qmp: QmpCall;
}

interface HmpCommand {
  names: string[];
  params: string;
  help: string;
  run(args: string, ctx: HmpContext): Promise<string> | string;
}

interface InfoCommand {
  name: string;
  params: string;
  help: string;
  run(args: string, ctx: HmpContext): Promise<string> | string;
}

// What the QMP commands HMP formats return (as their schemas in commands.ts declare).
interface BlockInfo {
  device: string;
  qdev?: string;
  inserted?: {
    file: string;
    drv: string;
    ro: boolean;
    "node-name": string;
    backing_file?: string;
    backing_file_depth: number;
    cache: { "no-flush": boolean };
  };
}
interface ChardevInfo {
  label: string;
  filename: string;
}
interface CpuInfoFast {
  "cpu-index": number;
  "thread-id": number;
}
interface StatusInfo {
  running: boolean;
  singlestep: boolean;
  status: string;
}
interface VersionInfo {
  qemu: { major: number; minor: number; micro: number };
  package: string;
}

const crlf = (s: string) => s.replace(/\r?\n/g, "\r\n");
const hex16 = (v: bigint) => BigInt.asUintN(64, v).toString(16).padStart(16, "0");

// QEMU's riscv_cpu_dump_state: the CSRs it lists (those of the H extension are absent on our harts).
// biome-ignore format: a table of names, kept filled to the line width rather than one per line
const DUMP_CSRS = ["mhartid", "mstatus", "hstatus", "vsstatus", "mip", "mie", "mideleg", "hideleg", "medeleg",
  "hedeleg", "mtvec", "stvec", "vstvec", "mepc", "sepc", "vsepc", "mcause", "scause", "vscause", "mtval", "stval",
  "htval", "mtval2", "mscratch", "sscratch", "satp"];
// biome-ignore format: a table of names, kept filled to the line width rather than one per line
const XNAMES = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
  "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"];
// biome-ignore format: a table of names, kept filled to the line width rather than one per line
const FNAMES = ["ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3",
  "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9",
  "ft10", "ft11"];

export function formatRegisters(r: HartRegisters): string {
  let out = `\nCPU#${r.hart}\n`;
  out += ` ${"pc".padEnd(8)} ${hex16(r.pc)}\n`;
  for (const name of DUMP_CSRS) {
    const v = name === "mhartid" ? (r.csrs.mhartid ?? BigInt(r.hart)) : r.csrs[name];
    if (v !== undefined) out += ` ${name.padEnd(8)} ${hex16(v)}\n`;
  }
  const regs = (prefix: string, names: string[], vals: bigint[]) => {
    for (let i = 0; i < 32; i++) {
      out += ` ${`${prefix}${i}/${names[i]}`.padEnd(8)} ${hex16(vals[i] ?? 0n)}`;
      if ((i & 3) === 3) out += "\n";
    }
  };
  // x0 is hard-wired to zero whatever the core keeps in its slot.
  regs("x", XNAMES, [0n, ...r.x.slice(1)]);
  regs("f", FNAMES, r.f);
  return out;
}

const INFO: InfoCommand[] = [
  {
    name: "block",
    params: "[-n] [-v] [device]",
    help: "show info of one block device or all block devices (-n: show named nodes; -v: show details)",
    // QEMU's hmp_info_block, from query-block.
    run: async (_a, ctx) =>
      ((await ctx.qmp("query-block")) as unknown as BlockInfo[])
        .filter((b) => b.inserted)
        .map((b) => {
          const d = b.inserted!;
          return (
            `${b.device} (${d["node-name"]}): ${d.file} (${d.drv}${d.ro ? ", read-only" : ""})\n` +
            (b.qdev ? `    Attached to:      ${b.qdev}\n` : "") +
            `    Cache mode:       writeback${d.cache["no-flush"] ? ", ignore flushes" : ""}\n` +
            (d.backing_file ? `    Backing file:     ${d.backing_file} (chain depth: ${d.backing_file_depth})\n` : "")
          );
        })
        .join("\n"),
  },
  {
    name: "chardev",
    params: "",
    help: "show the character devices",
    run: async (_a, ctx) =>
      ((await ctx.qmp("query-chardev")) as unknown as ChardevInfo[])
        .map((c) => `${c.label}: filename=${c.filename}\n`)
        .join(""),
  },
  {
    name: "cpus",
    params: "",
    help: "show infos for each CPU",
    run: async (_a, ctx) =>
      ((await ctx.qmp("query-cpus-fast")) as unknown as CpuInfoFast[])
        .map(
          (c) =>
            `${c["cpu-index"] === ctx.session.hmp.cpuIndex ? "*" : " "} CPU #${c["cpu-index"]}: thread_id=${c["thread-id"]}\n`,
        )
        .join(""),
  },
  {
    name: "kvm",
    params: "",
    help: "show KVM information",
    run: async (_a, ctx) => {
      const k = (await ctx.qmp("query-kvm")) as { enabled: boolean; present: boolean };
      return `kvm support: ${k.present ? (k.enabled ? "enabled" : "disabled") : "not compiled"}\n`;
    },
  },
  {
    name: "jit",
    params: "",
    help: "show dynamic compiler info",
    run: async (_a, ctx) => {
      if (!ctx.machine.jitInfo) return "this machine has no translation tier\n";
      return formatJitInfo(await ctx.machine.jitInfo());
    },
  },
  {
    name: "migrate",
    params: "",
    help: "show migration status",
    run: (_a, ctx) => ctx.machine.migration?.infoText() ?? "",
  },
  {
    name: "migrate_capabilities",
    params: "",
    help: "show current migration capabilities",
    run: async (_a, ctx) =>
      ((await ctx.qmp("query-migrate-capabilities")) as { capability: string; state: boolean }[])
        .map((c) => `${c.capability}: ${c.state ? "on" : "off"}\n`)
        .join(""),
  },
  {
    name: "mtree",
    params: "[-f][-d][-o][-D]",
    help:
      "show memory tree (-f: dump flat view for address spaces;-d: dump dispatch tree, valid with -f only);" +
      "-o: dump region owners/parents;-D: dump disabled regions",
    run: (_a, ctx) => {
      let out = "address-space: cpu-memory-0\naddress-space: memory\n";
      out += "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n";
      const regions = [...ctx.machine.memoryMap].sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
      for (const r of regions) {
        const type = r.kind === "ram" ? "ram" : r.kind === "rom" ? "rom" : "i/o";
        out += `    ${hex16(r.base)}-${hex16(r.base + r.size - 1n)} (prio 0, ${type}): ${r.name}\n`;
      }
      return out + "\n";
    },
  },
  {
    name: "name",
    params: "",
    help: "show the current VM name",
    run: async (_a, ctx) => {
      const { name } = (await ctx.qmp("query-name")) as { name?: string };
      return name !== undefined ? `${name}\n` : "";
    },
  },
  {
    name: "registers",
    params: "[-a|vcpu]",
    help:
      "show the cpu registers (-a: show register info for all cpus; vcpu: specific vCPU to query; " +
      "show the current CPU's registers if no argument is specified)",
    run: async (args, ctx) => {
      const regs = await ctx.machine.readRegisters();
      const arg = args.trim();
      let which: HartRegisters[];
      if (arg === "-a") which = regs;
      else if (arg === "") which = regs.filter((r) => r.hart === ctx.session.hmp.cpuIndex);
      else {
        const n = Number(arg);
        if (!Number.isInteger(n))
          return `invalid char '${arg[0]}' in expression\nTry "help info" for more information\n`;
        which = regs.filter((r) => r.hart === n);
        if (which.length === 0) return `CPU#${n} not available\n`;
      }
      return which.map(formatRegisters).join("");
    },
  },
  {
    name: "status",
    params: "",
    help: "show the current VM status (running|paused)",
    run: async (_a, ctx) => {
      const s = (await ctx.qmp("query-status")) as unknown as StatusInfo;
      return (
        `VM status: ${s.running ? "running" : "paused"}${s.singlestep ? " (single step mode)" : ""}` +
        `${!s.running && s.status !== "paused" ? ` (${s.status})` : ""}\n`
      );
    },
  },
  {
    name: "uuid",
    params: "",
    help: "show the current VM UUID",
    run: async (_a, ctx) => `${((await ctx.qmp("query-uuid")) as { UUID: string }).UUID}\n`,
  },
  {
    name: "version",
    params: "",
    help: "show the version of QEMU",
    run: async (_a, ctx) => {
      const v = (await ctx.qmp("query-version")) as unknown as VersionInfo;
      return `${v.qemu.major}.${v.qemu.minor}.${v.qemu.micro}${v.package}\n`;
    },
  },
];

function helpLine(names: string[], params: string, help: string): string {
  return `${names.join("|")} ${params} -- ${help}\n`;
}

/** Run a QMP command for its effect: nothing to print, or QEMU's hmp_handle_error text. */
async function action(ctx: HmpContext, name: string, args: JsonObject = {}): Promise<string> {
  try {
    await ctx.qmp(name, args);
    return "";
  } catch (e) {
    return `Error: ${e instanceof Error ? e.message : String(e)}\n`;
  }
}

class HmpSyntaxError extends Error {}

/** QEMU's x/xp argument: "/fmt" then an address expression. */
function parseFormat(spec: string, state: HmpState): { count: number; format: string; size: number } {
  let count = 1,
    format = state.lastFormat,
    size = state.lastSize;
  const m = /^(\d*)([a-z]*)$/.exec(spec);
  if (!m) throw new HmpSyntaxError(`invalid char in format: '${spec.replace(/^\d*/, "")[0]}'`);
  if (m[1]) count = Number(m[1]);
  for (const ch of m[2]) {
    if ("xduocsi".includes(ch)) format = ch;
    else if (ch === "b") size = 1;
    else if (ch === "h") size = 2;
    else if (ch === "w") size = 4;
    else if (ch === "g") size = 8;
    else throw new HmpSyntaxError(`invalid char in format: '${ch}'`);
  }
  if (format === "i") throw new HmpSyntaxError("disassembly ('i' format) is not supported");
  if (format === "s") throw new HmpSyntaxError("invalid char in format: 's'");
  state.lastFormat = format;
  state.lastSize = size;
  return { count, format, size };
}

/** Address expressions: numbers (0x.., decimal), $pc/$register, with + and -. */
async function parseExpression(expr: string, ctx: HmpContext): Promise<bigint> {
  const s = expr.trim();
  if (s === "") throw new HmpSyntaxError("unexpected end of expression");
  let total = 0n;
  let sign = 1n;
  let i = 0;
  let expectTerm = true;
  while (i < s.length) {
    const c = s[i];
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (expectTerm) {
      const num = /^(0x[0-9a-fA-F]+|\d+)/.exec(s.slice(i));
      const reg = /^\$([a-z0-9]+)/.exec(s.slice(i));
      if (num) {
        total += sign * BigInt(num[1]);
        i += num[1].length;
      } else if (reg) {
        total += sign * (await registerValue(reg[1], ctx));
        i += reg[0].length;
      } else {
        throw new HmpSyntaxError(`invalid char '${c}' in expression`);
      }
      expectTerm = false;
    } else if (c === "+" || c === "-") {
      sign = c === "+" ? 1n : -1n;
      expectTerm = true;
      i++;
    } else {
      throw new HmpSyntaxError(`invalid char '${c}' in expression`);
    }
  }
  if (expectTerm) throw new HmpSyntaxError("unexpected end of expression");
  return BigInt.asUintN(64, total);
}

async function registerValue(name: string, ctx: HmpContext): Promise<bigint> {
  const regs = (await ctx.machine.readRegisters()).find((r) => r.hart === ctx.session.hmp.cpuIndex);
  if (!regs) throw new HmpSyntaxError(`unknown register '${name}'`);
  if (name === "pc") return regs.pc;
  const xi = XNAMES.indexOf(name);
  if (xi >= 0) return regs.x[xi];
  const m = /^x(\d+)$/.exec(name);
  if (m && Number(m[1]) < 32) return regs.x[Number(m[1])];
  if (regs.csrs[name] !== undefined) return regs.csrs[name];
  throw new HmpSyntaxError(`unknown register '${name}'`);
}

function printChar(v: number): string {
  switch (v) {
    case 0x27:
      return "'\\''";
    case 0x5c:
      return "'\\\\'";
    case 0x0a:
      return "'\\n'";
    case 0x0d:
      return "'\\r'";
  }
  if (v >= 32 && v <= 126) return `'${String.fromCharCode(v)}'`;
  return `'\\x${v.toString(16).padStart(2, "0")}'`;
}

/** QEMU's memory_dump layout: 16 bytes a line (8 for bytes), addresses as 16 hex digits. */
async function memoryDump(cmd: "x" | "xp", args: string, ctx: HmpContext): Promise<string> {
  let rest = args.trim();
  let fmt = { count: 1, format: ctx.session.hmp.lastFormat, size: ctx.session.hmp.lastSize };
  if (rest.startsWith("/")) {
    const sp = rest.search(/\s/);
    const spec = sp < 0 ? rest.slice(1) : rest.slice(1, sp);
    rest = sp < 0 ? "" : rest.slice(sp);
    fmt = parseFormat(spec, ctx.session.hmp);
  }
  let addr = await parseExpression(rest, ctx);
  let wsize = fmt.size;
  let len = wsize * fmt.count;
  const lineSize = wsize === 1 ? 8 : 16;
  let digits = 0;
  switch (fmt.format) {
    case "o":
      digits = Math.ceil((wsize * 8) / 3);
      break;
    case "u":
    case "d":
      digits = Math.ceil((wsize * 8 * 10) / 33);
      break;
    case "c":
      wsize = 1;
      break;
    default:
      digits = (wsize * 8) / 4;
  }
  let out = "";
  while (len > 0) {
    out += `${hex16(addr)}:`;
    const l = Math.min(len, lineSize);
    let bytes: Uint8Array;
    try {
      bytes =
        cmd === "xp"
          ? await ctx.machine.readPhysical(addr, l)
          : await ctx.machine.readVirtual(ctx.session.hmp.cpuIndex, addr, l);
    } catch {
      out += " Cannot access memory\n";
      break;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i + wsize <= l; i += wsize) {
      let v: bigint;
      switch (wsize) {
        case 1:
          v = BigInt(view.getUint8(i));
          break;
        case 2:
          v = BigInt(view.getUint16(i, true));
          break;
        case 4:
          v = BigInt(view.getUint32(i, true));
          break;
        default:
          v = view.getBigUint64(i, true);
      }
      out += " ";
      switch (fmt.format) {
        case "o":
          out += ("0" + v.toString(8)).padStart(digits, " ");
          break;
        case "u":
          out += v.toString().padStart(digits, " ");
          break;
        // QEMU loads narrower words zero-extended, so only 8-byte words can print negative.
        case "d":
          out += BigInt.asIntN(64, v).toString().padStart(digits, " ");
          break;
        case "c":
          out += printChar(Number(v));
          break;
        default:
          out += "0x" + v.toString(16).padStart(digits, "0");
      }
    }
    out += "\n";
    addr = BigInt.asUintN(64, addr + BigInt(l));
    len -= l;
  }
  return out;
}

const COMMANDS: HmpCommand[] = [
  {
    names: ["gdbserver"],
    params: "[device]",
    help: "start gdbserver on given device (default 'tcp::1234'), stop with 'none'",
    run: async (args, ctx) => {
      const device = args.trim() || "tcp::1234";
      if (!ctx.gdbserver) return `Could not open gdbserver on device '${device}'\n`;
      try {
        await ctx.gdbserver.open(device);
      } catch {
        return `Could not open gdbserver on device '${device}'\n`;
      }
      return device === "none" ? "Disabled gdbserver\n" : `Waiting for gdb connection on device '${device}'\n`;
    },
  },
  { names: ["cont", "c"], params: "", help: "resume emulation", run: (_a, ctx) => action(ctx, "cont") },
  {
    names: ["help", "?"],
    params: "[cmd]",
    help: "show the help",
    run: (args) => help(args.trim()),
  },
  {
    names: ["info"],
    params: "[subcommand]",
    help: "show various information about the system state",
    run: async (args, ctx) => {
      const a = args.trim();
      if (a === "") return help("info");
      const sp = a.search(/\s/);
      const sub = sp < 0 ? a : a.slice(0, sp);
      const info = INFO.find((i) => i.name === sub);
      if (!info) return `unknown command: 'info ${sub}'\n`;
      return info.run(sp < 0 ? "" : a.slice(sp), ctx);
    },
  },
  {
    names: ["migrate"],
    params: "[-d] [-b] [-i] uri",
    help:
      "migrate to URI (using -d to not wait for completion)\n\t\t\t -b for migration without shared storage with" +
      " full copy of disk\n\t\t\t -i for migration without shared storage with incremental copy of disk (base image" +
      " shared between src and destination)",
    run: async (args, ctx) => {
      const words = args
        .trim()
        .split(/\s+/)
        .filter((w) => w !== "");
      const flags = new Set(words.filter((w) => /^-[dbi]+$/.test(w)).flatMap((w) => [...w.slice(1)]));
      const uri = words.filter((w) => !/^-[dbi]+$/.test(w)).join(" ");
      if (uri === "") throw new HmpSyntaxError("Parameter 'uri' is missing");
      const started = await action(ctx, "migrate", {
        uri,
        blk: flags.has("b"),
        inc: flags.has("i"),
        detach: flags.has("d"),
      });
      if (started !== "" || flags.has("d")) return started;
      // As QEMU's monitor: wait for the end and report only a failure.
      await ctx.machine.migration?.finished();
      const q = (await ctx.qmp("query-migrate")) as { status?: string; "error-desc"?: string };
      return (flags.has("b") ? "\n" : "") + (q.status === "failed" ? `${q["error-desc"]}\n` : "");
    },
  },
  {
    names: ["migrate_cancel"],
    params: "",
    help: "cancel the current VM migration",
    run: (_a, ctx) => action(ctx, "migrate_cancel"),
  },
  {
    names: ["migrate_incoming"],
    params: "uri",
    help: "Continue an incoming migration from an -incoming defer",
    run: (args, ctx) => {
      const uri = args.trim();
      if (uri === "") throw new HmpSyntaxError("Parameter 'uri' is missing");
      return action(ctx, "migrate-incoming", { uri });
    },
  },
  {
    names: ["quit", "q"],
    params: "",
    help: "quit the emulator",
    run: (_a, ctx) => action(ctx, "quit"),
  },
  { names: ["stop", "s"], params: "", help: "stop emulation", run: (_a, ctx) => action(ctx, "stop") },
  {
    names: ["system_powerdown"],
    params: "",
    help: "send system power down event",
    run: (_a, ctx) => action(ctx, "system_powerdown"),
  },
  {
    names: ["system_reset"],
    params: "",
    help: "reset the system",
    run: (_a, ctx) => action(ctx, "system_reset"),
  },
  {
    names: ["x"],
    params: "/fmt addr",
    help: "virtual memory dump starting at 'addr'",
    run: (a, ctx) => memoryDump("x", a, ctx),
  },
  {
    names: ["xp"],
    params: "/fmt addr",
    help: "physical memory dump starting at 'addr'",
    run: (a, ctx) => memoryDump("xp", a, ctx),
  },
];

function help(topic: string): string {
  if (topic === "info") return INFO.map((i) => helpLine([`info ${i.name}`], i.params, i.help)).join("");
  if (topic === "") return COMMANDS.map((c) => helpLine(c.names, c.params, c.help)).join("");
  const c = COMMANDS.find((x) => x.names.includes(topic));
  if (c) return helpLine(c.names, c.params, c.help);
  return `unknown command: '${topic}'\n`;
}

/**
 * Run one HMP command line and return its output text (QMP human-monitor-command's result). `qmp`
 * runs a QMP command in the same context (commands.ts's humanMonitorCommand passes it).
 */
export async function runHmp(line: string, context: CommandContext, qmp: QmpCall): Promise<string> {
  const ctx: HmpContext = { ...context, qmp };
  const text = line.trim();
  if (text === "") return "";
  const sp = text.search(/\s/);
  const word = sp < 0 ? text : text.slice(0, sp);
  const args = sp < 0 ? "" : text.slice(sp);
  const cmd = COMMANDS.find((c) => c.names.includes(word));
  if (!cmd) return crlf(`unknown command: '${word}'\n`);
  try {
    return crlf(await cmd.run(args, ctx));
  } catch (e) {
    if (e instanceof HmpSyntaxError) return crlf(`${e.message}\nTry "help ${word}" for more information\n`);
    if (e instanceof QmpError) throw e;
    return crlf(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}
