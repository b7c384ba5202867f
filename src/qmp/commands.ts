// The command table: every QMP command is declared here once, with its argument schema, the session
// modes where it runs, whether it may run out-of-band, and its handler. Dispatch validation,
// query-commands and query-qmp-schema are all derived from this table.
import type { ChardevInfo } from "../machine/control.js";
import type { JsonObject, JsonValue } from "./json.js";
import { EMPTY, SchemaIntrospector, T, validateArguments, type Member, type SchemaType } from "./schema.js";
import { QmpError, genericError } from "./errors.js";
import { runHmp } from "./hmp.js";
import { SessionMode, type CommandContext } from "./context.js";
import { CAPABILITIES, MigrationError, type Migration } from "../machine/snapshot/migration.js";
import { saveMemory } from "./memsave.js";
import { QKEY_CODES } from "../machine/keycodes.js";

export interface CommandDef {
  name: string;
  args: SchemaType & { kind: "object" };
  returns: SchemaType;
  /** Modes where the command runs; elsewhere dispatch answers as QEMU does. */
  modes: readonly SessionMode[];
  allowOob?: boolean;
  handler(args: Record<string, any>, ctx: CommandContext): JsonValue | Promise<JsonValue>;
}

const HANDSHAKE = [SessionMode.Handshake] as const;
const OPERATIONAL = [SessionMode.Operational] as const;

// ---- types shared by several commands -------------------------------------------------------------

// biome-ignore format: a table of names, kept filled to the line width rather than one per line
const RUN_STATES = ["debug", "inmigrate", "internal-error", "io-error", "paused", "postmigrate", "prelaunch",
  "finish-migrate", "restore-vm", "running", "save-vm", "shutdown", "suspended", "watchdog", "guest-panicked", "colo"];
// biome-ignore format: a table of names, kept filled to the line width rather than one per line
const SHUTDOWN_CAUSES = ["none", "host-error", "host-qmp-quit", "host-qmp-system-reset", "host-signal", "host-ui",
  "guest-shutdown", "guest-reset", "guest-panic", "subsystem-reset", "snapshot-load"];

const keyValue: SchemaType = {
  kind: "union",
  name: "KeyValue",
  tag: "type",
  tagEnum: T.enumOf("KeyValueKind", ["number", "qcode"]),
  variants: {
    number: T.object("IntWrapper", [{ name: "data", type: T.int }]),
    qcode: T.object("QKeyCodeWrapper", [{ name: "data", type: T.enumOf("QKeyCode", QKEY_CODES) }]),
  },
};
const inputButton = T.enumOf("InputButton", [
  "left",
  "middle",
  "right",
  "wheel-up",
  "wheel-down",
  "side",
  "extra",
  "wheel-left",
  "wheel-right",
]);
const inputAxis = T.enumOf("InputAxis", ["x", "y"]);
const inputEvent: SchemaType = {
  kind: "union",
  name: "InputEvent",
  tag: "type",
  tagEnum: T.enumOf("InputEventKind", ["key", "btn", "rel", "abs"]),
  variants: {
    key: T.object("InputKeyEventWrapper", [
      {
        name: "data",
        type: T.object("InputKeyEvent", [
          { name: "key", type: keyValue },
          { name: "down", type: T.bool },
        ]),
      },
    ]),
    btn: T.object("InputBtnEventWrapper", [
      {
        name: "data",
        type: T.object("InputBtnEvent", [
          { name: "button", type: inputButton },
          { name: "down", type: T.bool },
        ]),
      },
    ]),
    rel: T.object("InputMoveEventWrapper", [
      {
        name: "data",
        type: T.object("InputMoveEvent", [
          { name: "axis", type: inputAxis },
          { name: "value", type: T.int },
        ]),
      },
    ]),
    abs: T.object("InputMoveEventWrapper", [
      {
        name: "data",
        type: T.object("InputMoveEvent", [
          { name: "axis", type: inputAxis },
          { name: "value", type: T.int },
        ]),
      },
    ]),
  },
};

// biome-ignore format: a table of names, kept filled to the line width rather than one per line
const MIGRATION_STATUSES = ["none", "setup", "cancelling", "cancelled", "active", "postcopy-active",
  "postcopy-paused", "postcopy-recover", "completed", "failed", "colo", "pre-switchover", "device", "wait-unplug"];
const migrationCapability = T.enumOf("MigrationCapability", [...CAPABILITIES]);

const shutdownEventData = T.object("ShutdownEventData", [
  { name: "guest", type: T.bool },
  { name: "reason", type: T.enumOf("ShutdownCause", SHUTDOWN_CAUSES) },
]);

/** The events this server emits, for query-qmp-schema. */
export const EVENTS: { name: string; data: SchemaType }[] = [
  { name: "STOP", data: EMPTY },
  { name: "RESUME", data: EMPTY },
  { name: "RESET", data: shutdownEventData },
  { name: "POWERDOWN", data: EMPTY },
  { name: "SHUTDOWN", data: shutdownEventData },
  {
    name: "MIGRATION",
    data: T.object("MIGRATIONEventData", [{ name: "status", type: T.enumOf("MigrationStatus", MIGRATION_STATUSES) }]),
  },
  { name: "MIGRATION_PASS", data: T.object("MIGRATION_PASSEventData", [{ name: "pass", type: T.int }]) },
];

const obj = (name: string, members: Member[]) => T.object(name, members);
const opt = (name: string, type: SchemaType): Member => ({ name, type, optional: true });
const req = (name: string, type: SchemaType): Member => ({ name, type });

// ---- handlers ------------------------------------------------------------------------------------

function checkCpuIndex(ctx: CommandContext, index: number | undefined): number {
  if (index === undefined) return 0;
  if (index < 0 || index >= ctx.machine.hartCount) throw genericError("Parameter 'cpu-index' expects a CPU number");
  return index;
}

/** The machine's migration, or QEMU's answer for a machine without one. */
function migrationOf(ctx: CommandContext): Migration {
  if (!ctx.machine.migration) throw genericError("This machine cannot be migrated");
  return ctx.machine.migration;
}

/** Runs a migration call, turning its refusals into GenericError with QEMU's text. */
function migrationCall<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof MigrationError) throw genericError(e.message);
    throw e;
  }
}

function chardevList(ctx: CommandContext): ChardevInfo[] {
  const seen = new Set<string>();
  const out: ChardevInfo[] = [];
  for (const c of [...ctx.machine.chardevs, ...ctx.monitorChardevs()]) {
    if (seen.has(c.label)) continue;
    seen.add(c.label);
    out.push(c);
  }
  return out;
}

export const COMMANDS: CommandDef[] = [
  {
    name: "qmp_capabilities",
    args: obj("QmpCapabilitiesArgs", [opt("enable", T.arrayOf(T.enumOf("QMPCapability", ["oob"])))]),
    returns: EMPTY,
    modes: HANDSHAKE,
    handler(args, ctx) {
      const oob = Array.isArray(args.enable) && args.enable.includes("oob");
      ctx.session.switchTo = { mode: SessionMode.Operational, oob };
      return {};
    },
  },
  {
    // The seed protocol's name for leaving handshake mode (not in QEMU).
    name: "qmp_switch_mode",
    args: obj("QmpSwitchModeArgs", [req("mode", T.enumOf("QMPMode", ["operational"]))]),
    returns: EMPTY,
    modes: HANDSHAKE,
    handler(_args, ctx) {
      ctx.session.switchTo = { mode: SessionMode.Operational, oob: false };
      return {};
    },
  },
  {
    name: "query-version",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: obj("VersionInfo", [
      req("qemu", obj("VersionTriple", [req("major", T.int), req("minor", T.int), req("micro", T.int)])),
      req("package", T.str),
    ]),
    handler: (_a, ctx) => ({ qemu: { ...ctx.version.qemu }, package: ctx.version.package }),
  },
  {
    name: "query-name",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: obj("NameInfo", [opt("name", T.str)]),
    handler: (_a, ctx): JsonValue => (ctx.machine.name !== undefined ? { name: ctx.machine.name } : {}),
  },
  {
    name: "query-status",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: obj("StatusInfo", [
      req("running", T.bool),
      req("singlestep", T.bool),
      req("status", T.enumOf("RunState", RUN_STATES)),
    ]),
    handler: (_a, ctx) => ({ status: ctx.machine.state, singlestep: false, running: ctx.machine.running }),
  },
  {
    name: "query-commands",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: T.arrayOf(obj("CommandInfo", [req("name", T.str)])),
    handler: () => COMMANDS.map((c) => ({ name: c.name })),
  },
  {
    name: "query-qmp-schema",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: T.arrayOf(obj("SchemaInfo", [req("name", T.str), req("meta-type", T.str)])),
    handler: () => introspect(),
  },
  {
    name: "query-target",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: obj("TargetInfo", [req("arch", T.enumOf("SysEmuTarget", ["riscv64"]))]),
    handler: () => ({ arch: "riscv64" }),
  },
  {
    name: "query-machines",
    args: obj("QueryMachinesArgs", []),
    modes: OPERATIONAL,
    returns: T.arrayOf(
      obj("MachineInfo", [
        req("name", T.str),
        opt("alias", T.str),
        opt("is-default", T.bool),
        req("cpu-max", T.int),
        req("hotpluggable-cpus", T.bool),
        req("numa-mem-supported", T.bool),
        req("deprecated", T.bool),
        opt("default-cpu-type", T.str),
        opt("default-ram-id", T.str),
      ]),
    ),
    handler: () => [
      {
        "hotpluggable-cpus": false,
        name: "virt",
        "numa-mem-supported": false,
        "default-cpu-type": "rv64-riscv-cpu",
        "is-default": true,
        "cpu-max": 8,
        deprecated: false,
        "default-ram-id": "riscv_virt_board.ram",
      },
    ],
  },
  {
    name: "query-cpus-fast",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: T.arrayOf(
      obj("CpuInfoFast", [
        req("cpu-index", T.int),
        req("qom-path", T.str),
        req("thread-id", T.int),
        opt("props", obj("CpuInstanceProperties", [opt("core-id", T.int)])),
        req("target", T.str),
      ]),
    ),
    handler: (_a, ctx) =>
      Array.from({ length: ctx.machine.hartCount }, (_, i) => ({
        // All harts run in this process's CPU worker; its OS thread id is not visible to Node, so the
        // process id stands in for it.
        "thread-id": process.pid,
        props: { "core-id": i },
        "qom-path": `/machine/soc0/harts[${i}]`,
        "cpu-index": i,
        target: "riscv64",
      })),
  },
  {
    name: "query-kvm",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: obj("KvmInfo", [req("enabled", T.bool), req("present", T.bool)]),
    handler: () => ({ enabled: false, present: false }),
  },
  {
    name: "query-block",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: T.arrayOf(
      obj("BlockInfo", [
        req("device", T.str),
        opt("qdev", T.str),
        req("type", T.str),
        req("removable", T.bool),
        req("locked", T.bool),
        opt("inserted", T.any),
        opt("io-status", T.str),
      ]),
    ),
    handler: (_a, ctx) =>
      ctx.machine.blockDevices.map((b, i) => ({
        "io-status": "ok",
        device: b.device,
        locked: false,
        removable: false,
        // -snapshot: the overlay is the image the guest writes, with the -drive file as its backing image
        // (QEMU's shape; its overlay is a qcow2 file, ours a raw sparse one).
        inserted: (b.overlay
          ? {
              iops_rd: 0,
              detect_zeroes: "off",
              image: {
                "backing-image": { "virtual-size": b.size, filename: b.file, format: b.format, "dirty-flag": false },
                "virtual-size": b.size,
                filename: b.overlay,
                format: "raw",
                "dirty-flag": false,
              },
              iops_wr: 0,
              ro: false,
              "node-name": `#block${i}`,
              backing_file_depth: 1,
              drv: "raw",
              iops: 0,
              bps_wr: 0,
              write_threshold: 0,
              backing_file: b.file,
              encrypted: false,
              bps: 0,
              bps_rd: 0,
              cache: { "no-flush": true, direct: false, writeback: true },
              file: b.overlay,
            }
          : {
              iops_rd: 0,
              detect_zeroes: "off",
              image: { "virtual-size": b.size, filename: b.file, format: b.format, "dirty-flag": false },
              iops_wr: 0,
              ro: b.readOnly,
              "node-name": `#block${i}`,
              backing_file_depth: 0,
              drv: b.format,
              iops: 0,
              bps_wr: 0,
              write_threshold: 0,
              encrypted: false,
              bps: 0,
              bps_rd: 0,
              cache: { "no-flush": false, direct: false, writeback: true },
              file: b.file,
            }) as JsonObject,
        qdev: `/machine/peripheral-anon/device[${i}]`,
        type: "unknown",
      })),
  },
  {
    name: "query-chardev",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: T.arrayOf(obj("ChardevInfo", [req("label", T.str), req("filename", T.str), req("frontend-open", T.bool)])),
    handler: (_a, ctx) =>
      chardevList(ctx).map((c) => ({
        "frontend-open": c.frontendOpen,
        filename: c.filename,
        label: c.label,
      })),
  },
  {
    name: "query-memory-size-summary",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: obj("MemoryInfo", [req("base-memory", T.int), opt("plugged-memory", T.int)]),
    handler: (_a, ctx) => ({ "base-memory": ctx.machine.ramSize }),
  },
  {
    name: "query-uuid",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: obj("UuidInfo", [req("UUID", T.str)]),
    handler: (_a, ctx) => ({ UUID: ctx.machine.uuid }),
  },
  {
    // wasmvirt has no iothreads, mice, suspend support or hotpluggable CPUs: each answers what is true.
    name: "query-iothreads",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: T.arrayOf(obj("IOThreadInfo", [req("id", T.str), req("thread-id", T.int)])),
    handler: () => [],
  },
  {
    name: "query-mice",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: T.arrayOf(
      obj("MouseInfo", [req("name", T.str), req("index", T.int), req("current", T.bool), req("absolute", T.bool)]),
    ),
    handler: () => [],
  },
  {
    name: "query-current-machine",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: obj("CurrentMachineParams", [req("wakeup-suspend-support", T.bool)]),
    handler: () => ({ "wakeup-suspend-support": false }),
  },
  {
    name: "query-hotpluggable-cpus",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: T.arrayOf(obj("HotpluggableCPU", [req("type", T.str), req("vcpus-count", T.int)])),
    handler: () => {
      throw genericError("The feature 'query-hotpluggable-cpus' is not enabled");
    },
  },
  {
    name: "stop",
    args: EMPTY,
    returns: EMPTY,
    modes: OPERATIONAL,
    handler: async (_a, ctx) => {
      await ctx.machine.stop();
      return {};
    },
  },
  {
    name: "cont",
    args: EMPTY,
    returns: EMPTY,
    modes: OPERATIONAL,
    handler: async (_a, ctx) => {
      try {
        await ctx.machine.cont();
      } catch (e) {
        throw genericError(e instanceof Error ? e.message : String(e));
      }
      return {};
    },
  },
  {
    name: "system_reset",
    args: EMPTY,
    returns: EMPTY,
    modes: OPERATIONAL,
    handler: async (_a, ctx) => {
      await ctx.machine.reset("host-qmp-system-reset");
      return {};
    },
  },
  {
    name: "system_powerdown",
    args: EMPTY,
    returns: EMPTY,
    modes: OPERATIONAL,
    handler: async (_a, ctx) => {
      await ctx.machine.powerdown();
      return {};
    },
  },
  {
    name: "quit",
    args: EMPTY,
    returns: EMPTY,
    modes: OPERATIONAL,
    handler: async (_a, ctx) => {
      ctx.session.closeAfterReply = true;
      await ctx.machine.quit("host-qmp-quit");
      return {};
    },
  },
  {
    name: "memsave",
    returns: EMPTY,
    modes: OPERATIONAL,
    args: obj("MemsaveArgs", [
      req("val", T.uint64),
      req("size", T.uint64),
      req("filename", T.str),
      opt("cpu-index", T.int),
    ]),
    handler: (a, ctx) => {
      const hart = checkCpuIndex(ctx, a["cpu-index"]);
      return saveMemory(ctx.machine, a.val, a.size, a.filename, (addr, n) => ctx.machine.readVirtual(hart, addr, n));
    },
  },
  {
    name: "pmemsave",
    returns: EMPTY,
    modes: OPERATIONAL,
    args: obj("PmemsaveArgs", [req("val", T.uint64), req("size", T.uint64), req("filename", T.str)]),
    handler: (a, ctx) =>
      saveMemory(ctx.machine, a.val, a.size, a.filename, (addr, n) => ctx.machine.readPhysical(addr, n)),
  },
  {
    name: "input-send-event",
    returns: EMPTY,
    modes: OPERATIONAL,
    args: obj("InputSendEventArgs", [opt("device", T.str), opt("head", T.int), req("events", T.arrayOf(inputEvent))]),
    handler: async (a, ctx) => {
      if (a.device !== undefined) throw new QmpError("DeviceNotFound", `Device '${a.device}' has not been found`);
      if (!ctx.machine.running) throw genericError("VM not running");
      const keys: { qcode: string; down: boolean }[] = [];
      for (const ev of a.events as { type: string; data: any }[]) {
        if (ev.type !== "key") throw genericError(`Input handler not found for event type ${ev.type}`);
        if (ev.data.key.type !== "qcode") throw genericError("Key codes by number are not supported; use qcode");
        keys.push({ qcode: ev.data.key.data, down: ev.data.down });
      }
      if (keys.length > 0) {
        try {
          await ctx.machine.sendKeys(keys);
        } catch (e) {
          throw genericError(e instanceof Error ? e.message : String(e));
        }
      }
      return {};
    },
  },
  {
    name: "human-monitor-command",
    returns: T.str,
    modes: OPERATIONAL,
    args: obj("HumanMonitorCommandArgs", [req("command-line", T.str), opt("cpu-index", T.int)]),
    handler: (a, ctx) => {
      if (a["cpu-index"] !== undefined) ctx.session.hmp.cpuIndex = checkCpuIndex(ctx, a["cpu-index"]);
      return humanMonitorCommand(a["command-line"], ctx);
    },
  },
  {
    // uri exec:COMMAND (the state goes to the command's stdin) or file:PATH (QEMU 8.2's spelling);
    // blk: the disks' contents too. Answers at once; progress is query-migrate and MIGRATION events.
    name: "migrate",
    returns: EMPTY,
    modes: OPERATIONAL,
    args: obj("MigrateArgs", [
      req("uri", T.str),
      opt("blk", T.bool),
      opt("inc", T.bool),
      opt("detach", T.bool),
      opt("resume", T.bool),
    ]),
    handler: (a, ctx) => {
      if (a.inc) throw genericError("wasmvirt does not support incremental block migration (inc)");
      if (a.resume) throw genericError("Cannot resume if there is no paused migration");
      migrationCall(() => migrationOf(ctx).start(a.uri, !!a.blk));
      return {};
    },
  },
  {
    name: "query-migrate",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: obj("MigrationInfo", [
      opt("status", T.enumOf("MigrationStatus", MIGRATION_STATUSES)),
      opt("ram", T.any),
      opt("disk", T.any),
      opt("total-time", T.int),
      opt("expected-downtime", T.int),
      opt("downtime", T.int),
      opt("setup-time", T.int),
      opt("error-desc", T.str),
    ]),
    handler: (_a, ctx) => (ctx.machine.migration?.query() ?? {}) as JsonValue,
  },
  {
    // As QEMU's: nothing to cancel is no error.
    name: "migrate_cancel",
    args: EMPTY,
    returns: EMPTY,
    modes: OPERATIONAL,
    handler: (_a, ctx) => {
      ctx.machine.migration?.cancel();
      return {};
    },
  },
  {
    name: "migrate-set-capabilities",
    returns: EMPTY,
    modes: OPERATIONAL,
    args: obj("MigrateSetCapabilitiesArgs", [
      req(
        "capabilities",
        T.arrayOf(obj("MigrationCapabilityStatus", [req("capability", migrationCapability), req("state", T.bool)])),
      ),
    ]),
    handler: (a, ctx) => {
      migrationCall(() => migrationOf(ctx).setCapabilities(a.capabilities));
      return {};
    },
  },
  {
    name: "query-migrate-capabilities",
    args: EMPTY,
    modes: OPERATIONAL,
    returns: T.arrayOf(
      obj("MigrationCapabilityStatus", [req("capability", migrationCapability), req("state", T.bool)]),
    ),
    handler: (_a, ctx) =>
      ctx.machine.migration?.capabilities() ?? CAPABILITIES.map((c) => ({ state: false, capability: c })),
  },
  {
    // Only after -incoming defer, as QEMU; the reply comes at once, the load runs behind it.
    name: "migrate-incoming",
    returns: EMPTY,
    modes: OPERATIONAL,
    args: obj("MigrateIncomingArgs", [req("uri", T.str)]),
    handler: (a, ctx) => {
      const mig = migrationOf(ctx);
      if (!mig.incomingExpected) throw genericError("'-incoming' was not specified on the command line");
      const run = migrationCall(() => mig.incomingChecked(a.uri));
      run.catch((e: Error) => ctx.machine.emit("incoming-failed", e.message));
      return {};
    },
  },
  {
    // QEMU's out-of-band command; wasmvirt migrates in one pass, so never postcopy.
    name: "migrate-pause",
    args: EMPTY,
    returns: EMPTY,
    modes: OPERATIONAL,
    allowOob: true,
    handler: () => {
      throw genericError("migrate-pause is currently only supported during postcopy-active state");
    },
  },
];

export const COMMAND_BY_NAME: ReadonlyMap<string, CommandDef> = new Map(COMMANDS.map((c) => [c.name, c]));

/** One command run from inside the server (HMP's commands are these handlers, as in QEMU). */
export async function callCommand(name: string, args: JsonObject, ctx: CommandContext): Promise<JsonValue> {
  const cmd = COMMAND_BY_NAME.get(name);
  if (!cmd) throw new QmpError("CommandNotFound", `The command ${name} has not been found`);
  return cmd.handler(validateArguments(cmd.args, args), ctx);
}

/** An HMP command line, answered as QMP's human-monitor-command answers it. */
export function humanMonitorCommand(line: string, ctx: CommandContext): Promise<string> {
  return runHmp(line, ctx, (name, args = {}) => callCommand(name, args, ctx));
}

let schemaCache: JsonObject[] | undefined;

/** query-qmp-schema, derived from COMMANDS and EVENTS. */
export function introspect(): JsonObject[] {
  if (!schemaCache) {
    const s = new SchemaIntrospector();
    for (const c of COMMANDS) s.addCommand(c.name, c.args, c.returns, !!c.allowOob);
    for (const e of EVENTS) s.addEvent(e.name, e.data);
    schemaCache = s.result();
  }
  return schemaCache;
}
