// wasmvirt's command line: QEMU's words for the virt machine.
import { JIT_MODES, jitModeFromEnv, DEFAULT_JIT_THRESHOLD, type JitModeName } from "./machine/jit-host.js";
import { readFileSync, openSync, writeSync, closeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import {
  Machine,
  DEVICE_TYPES,
  MAX_HARTS,
  type MachineOptions,
  type DriveOption,
  type VerifiedState,
} from "./machine/machine.js";
import { StdioConsole } from "./chardev/stdio.js";
import { readEndpoint, parseUri } from "./machine/snapshot/migration.js";
// The monitor server is loaded only when a -qmp/-mon asks for it (start-up time of plain runs).
import { collectMonitorSpecs, MonitorOptionError, type MonitorSpec } from "./qmp/options.js";
import { createLogger, openLogFile, LogFileError, type Logger } from "./log.js";
import { parseGdbDevice } from "./gdb/device.js";
import { strerror } from "./errno.js";
import { onOffError, parseOnOff, parseProps, splitOptions } from "./option-props.js";
import { traceStart } from "./start-trace.js";
traceStart("cli modules loaded");

export class UsageError extends Error {}

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const VERSION = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version as string;

/** Options that take a value, and options that do not. Anything else is an error. */
// biome-ignore format: a table of names, kept filled to the line width rather than one per line
const WITH_VALUE = new Set(["-M", "-machine", "-m", "-smp", "-bios", "-kernel", "-initrd", "-append", "-dtb",
  "-serial", "-monitor", "-display", "-qmp", "-qmp-pretty", "-chardev", "-mon", "-drive", "-device", "-name",
  "-uuid", "-D", "--log", "-cpu", "-accel", "-incoming", "-gdb"]);
// biome-ignore format: a table of names, kept filled to the line width rather than one per line
const FLAGS = new Set(["-nographic", "-S", "-nodefaults", "-no-reboot", "-version", "--version", "-h", "-help",
  "--help", "--bundled", "-enable-kvm", "-no-shutdown", "-snapshot", "-s"]);

export const USAGE = `usage: wasmvirt [options]
A RISC-V (RV64GC) virt machine in WebAssembly, with QEMU's command line.

  -M virt[,dumpdtb=FILE]   the machine (only 'virt'); dumpdtb writes the device tree and exits
  -m SIZE                  RAM size (default 128M; suffixes M, G)
  -smp N                   number of harts (1..${MAX_HARTS})
  -bios default|none|FILE  firmware (default: OpenSBI fw_dynamic)
  -kernel FILE             kernel: ELF, RISC-V Image or raw binary
  -initrd FILE             initial ramdisk
  -append CMDLINE          kernel command line
  -dtb FILE                use this device tree instead of the generated one
  -S                       do not start the CPU (use 'cont' on the monitor, or gdb's continue)
  -gdb tcp:[HOST]:PORT | unix:PATH,server=on | none   wait for gdb connections on this device
  -s                       shorthand for -gdb tcp::1234
  -accel tcg[,one-insn-per-tb=on][,jit=off|on|eager|lockstep][,jit-threshold=N]
                           hot guest code is translated to WebAssembly (jit=on, the default);
                           one-insn-per-tb=on or jit=off: interpreter only; eager: translate on first
                           run; lockstep: eager, each translated run checked against the interpreter
  -nographic               console on the terminal (the only display; implied)
  -serial stdio|null|file:PATH  where the UART goes (default stdio)
  -drive file=F,format=raw,if=virtio[,readonly=on][,id=ID]
  -device ${Object.entries(DEVICE_TYPES)
    .map(([name, kind]) => (kind === "blk" ? `${name},drive=ID` : name))
    .join(" | ")}
  -qmp unix:PATH,server=on,wait=off | tcp:HOST:PORT,server=on,wait=off | stdio
  -chardev socket,id=ID,path=PATH,server=on,wait=off  +  -mon chardev=ID,mode=control
  -incoming exec:CMD|file:PATH|defer  start from a saved state (QMP migrate writes one)
  -snapshot                disk writes go to a temporary overlay; images are never modified
  -name NAME  -uuid UUID  -nodefaults  -no-reboot
  -D FILE, --log FILE      structured log (pino) of monitor traffic and machine lifecycle
  --bundled                boot the bundled Linux guest (what 'npm start' does)
  -version                 print the version

Console escapes (Ctrl-A then): x quit, h help, p power button, a send Ctrl-A.`;

export interface CliConfig {
  machine: MachineOptions;
  monitors: MonitorSpec[];
  serial: "stdio" | "null" | { file: string };
  noReboot: boolean;
  logFile?: string;
  dumpDtbOnly: boolean;
  /** The gdbserver device (-gdb DEV, -s = tcp::1234); the last one given wins, as in QEMU. */
  gdb?: string;
}

export function parseSize(text: string, what: string): bigint {
  const m = /^(\d+)([kKmMgGtT]?)[bB]?$/.exec(text.trim());
  if (!m) throw new UsageError(`${what}: invalid size '${text}' (examples: 256M, 1G)`);
  const n = BigInt(m[1]);
  const unit = m[2].toUpperCase();
  // A bare number is MiB, as in QEMU.
  const shift = unit === "K" ? 10n : unit === "G" ? 30n : unit === "T" ? 40n : 20n;
  return n << shift;
}

/** An option's elements (QEMU's comma list) as properties; the first element, if bare, is a key too. */
const propsOf = (value: string) => parseProps(splitOptions(value));
const firstOf = (value: string) => splitOptions(value)[0];

/** A boolean property of `source` (e.g. "-drive VALUE"), with QEMU's message for a bad value. */
function onOff(v: string | undefined, key: string, source: string): boolean {
  const b = parseOnOff(v);
  if (b === undefined) throw new UsageError(`${source}: ${onOffError(key)}`);
  return b;
}

/** What `npm start` runs: the bundled guest with a QMP socket beside it. */
export async function bundledArgs(): Promise<string[]> {
  const { ensureImages, guestArgs } = await import("./machine/images.js");
  return [...guestArgs(await ensureImages()), "-qmp", "unix:wasmvirt.qmp,server=on,wait=off"];
}

export function parseArgs(argv: string[]): CliConfig | "help" | "version" {
  const pairs: [string, string][] = [];
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (a.startsWith("--") && a.includes("=")) {
      const eq = a.indexOf("=");
      argv.splice(i + 1, 0, a.slice(eq + 1));
      a = a.slice(0, eq);
    }
    if (a.startsWith("--") && !FLAGS.has(a) && WITH_VALUE.has(a.slice(1))) a = a.slice(1);
    if (FLAGS.has(a)) {
      flags.add(a);
      continue;
    }
    if (WITH_VALUE.has(a)) {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs an argument`);
      pairs.push([a, argv[++i]]);
      continue;
    }
    throw new UsageError(`${a}: invalid option (see 'wasmvirt -h' for the options wasmvirt supports)`);
  }
  if (flags.has("-h") || flags.has("-help") || flags.has("--help")) return "help";
  if (flags.has("-version") || flags.has("--version")) return "version";

  const m: MachineOptions = {
    ramSize: 128n << 20n,
    harts: 1,
    bios: "default",
    drives: [],
    devices: [],
    defaultKeyboard: !flags.has("-nodefaults"),
    startPaused: flags.has("-S"),
    snapshot: flags.has("-snapshot"),
  };
  let serial: CliConfig["serial"] = "stdio";
  let logFile: string | undefined;
  let dumpDtbOnly = false;
  let gdb: string | undefined = flags.has("-s") ? "tcp::1234" : undefined;
  const driveIds = new Map<string, number>();
  const deviceSpecs: string[] = [];
  for (const [opt, value] of pairs) {
    switch (opt) {
      case "-M":
      case "-machine": {
        const props = propsOf(value);
        const type = firstOf(value);
        if (type === "help" || type === "?")
          throw new UsageError("Supported machines are:\nvirt                 RISC-V VirtIO board (default)");
        if (type !== "virt" && !type.startsWith("type="))
          throw new UsageError(`${opt} ${type}: unsupported machine type (wasmvirt emulates only 'virt'; use -M help)`);
        for (const [k, v] of props) {
          if (k === type || k === "type") continue;
          if (k === "dumpdtb") {
            m.dumpDtb = v ?? "";
            dumpDtbOnly = true;
          } else throw new UsageError(`${opt}: property '${k}' is not supported (supported: dumpdtb)`);
        }
        break;
      }
      case "-m": {
        const props = propsOf(value);
        const size = props.get("size") ?? firstOf(value);
        m.ramSize = parseSize(size, "-m");
        break;
      }
      case "-smp": {
        const first = firstOf(value);
        const props = propsOf(value);
        const n = Number(props.get("cpus") ?? first);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`-smp ${value}: expected a number of harts`);
        if (n > MAX_HARTS) throw new UsageError(`-smp ${n}: wasmvirt supports at most ${MAX_HARTS} harts`);
        m.harts = n;
        break;
      }
      case "-bios":
        m.bios = value;
        break;
      case "-kernel":
        m.kernel = value;
        break;
      case "-initrd":
        m.initrd = value;
        break;
      case "-append":
        m.append = value;
        break;
      case "-dtb":
        m.dtb = value;
        break;
      case "-name":
        m.name = firstOf(value).replace(/^guest=/, "");
        break;
      case "-uuid":
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value))
          throw new UsageError(`-uuid ${value}: invalid UUID`);
        m.uuid = value.toLowerCase();
        break;
      case "-serial":
        if (value === "stdio" || value === "mon:stdio") serial = "stdio";
        else if (value === "null" || value === "none") serial = "null";
        else if (value.startsWith("file:") && value.length > 5) serial = { file: value.slice(5) };
        else throw new UsageError(`-serial ${value}: unsupported (supported: stdio, mon:stdio, file:PATH, null, none)`);
        break;
      case "-monitor":
        if (value !== "none")
          throw new UsageError(
            `-monitor ${value}: the human monitor is only reachable through QMP (human-monitor-command); use -qmp`,
          );
        break;
      case "-display":
        if (value !== "none")
          throw new UsageError(
            `-display ${value}: wasmvirt has no graphical display (use -nographic or -display none)`,
          );
        break;
      case "-cpu":
        if (!["rv64", "max", "any"].includes(firstOf(value)))
          throw new UsageError(`-cpu ${value}: unsupported (wasmvirt's hart is rv64)`);
        break;
      case "-accel": {
        // QEMU's word for the emulator is tcg; ours translates hot pages to WebAssembly the way TCG
        // translates to host code. one-insn-per-tb=on (QEMU's single-step mode) = interpreter only.
        const accel = firstOf(value);
        if (accel !== "tcg" && !accel.startsWith("accel="))
          throw new UsageError(`-accel ${value}: only tcg is available (wasmvirt has no hardware acceleration)`);
        const props = propsOf(value);
        const jit = { mode: m.jit?.mode ?? jitModeFromEnv(), threshold: m.jit?.threshold ?? DEFAULT_JIT_THRESHOLD };
        for (const [k, v] of props) {
          if (k === accel || k === "accel") continue;
          if (k === "one-insn-per-tb") {
            if (onOff(v, k, `-accel ${value}`)) jit.mode = "off";
          } else if (k === "jit") {
            if (v === undefined || !(v in JIT_MODES))
              throw new UsageError(`-accel ${value}: jit=${v} is not one of off, on, eager, lockstep`);
            jit.mode = v as JitModeName;
          } else if (k === "jit-threshold") {
            const n = Number(v);
            if (!Number.isInteger(n) || n < 1 || n > 1e9)
              throw new UsageError(`-accel ${value}: jit-threshold must be a positive integer`);
            jit.threshold = n;
          } else
            throw new UsageError(
              `-accel ${value}: property '${k}' is not supported (supported: one-insn-per-tb, jit, jit-threshold)`,
            );
        }
        m.jit = jit;
        break;
      }
      case "-D":
      case "--log":
        logFile = value;
        break;
      case "-incoming":
        if (value !== "defer" && !value.startsWith("exec:") && !value.startsWith("file:")) {
          throw new UsageError(
            `-incoming ${value}: unsupported (wasmvirt loads from exec:COMMAND, file:PATH or defer)`,
          );
        }
        if (value === "exec:" || value === "file:") throw new UsageError(`-incoming ${value}: missing command or path`);
        m.incoming = value;
        break;
      case "-drive": {
        const p = propsOf(value);
        const file = p.get("file");
        if (!file) throw new UsageError(`-drive ${value}: file= is required`);
        const format = p.get("format") ?? "raw";
        if (format !== "raw") throw new UsageError(`-drive ${value}: format '${format}' is not supported (only raw)`);
        const iface = p.get("if") ?? "virtio";
        if (iface !== "virtio" && iface !== "none")
          throw new UsageError(`-drive ${value}: if=${iface} is not supported (virtio or none)`);
        for (const k of p.keys()) {
          if (!["file", "format", "if", "readonly", "id", "cache", "media", "file.locking"].includes(k))
            throw new UsageError(`-drive ${value}: property '${k}' is not supported`);
        }
        const locking = p.get("file.locking") ?? "auto";
        if (locking !== "auto" && locking !== "on" && locking !== "off") {
          throw new UsageError(`-drive ${value}: Parameter 'locking' does not accept value '${locking}'`);
        }
        const cache = p.get("cache") ?? "writeback";
        if (cache === "none" || cache === "directsync") {
          throw new UsageError(
            `-drive ${value}: cache=${cache} is not supported: wasmvirt cannot bypass the host page cache (O_DIRECT); ` +
              "cache=writeback (the default) keeps the same promise for flushed data",
          );
        }
        if (cache !== "writeback" && cache !== "writethrough" && cache !== "unsafe") {
          throw new UsageError(`-drive ${value}: invalid cache option '${cache}' (writeback, writethrough or unsafe)`);
        }
        const d: DriveOption = {
          file,
          format: "raw",
          readOnly: onOff(p.has("readonly") ? p.get("readonly") : "off", "readonly", `-drive ${value}`),
          id: p.get("id"),
          locking,
          source: value,
          cache,
        };
        m.drives.push(d);
        if (d.id) driveIds.set(d.id, m.drives.length - 1);
        if (iface === "none") {
          (d as DriveOption & { detached?: boolean }).detached = true;
        }
        break;
      }
      case "-device":
        deviceSpecs.push(value);
        break;
      case "-gdb":
        gdb = value;
        break;
    }
  }
  for (const spec of deviceSpecs) {
    const p = propsOf(spec);
    const driver = firstOf(spec);
    if (driver === "help" || driver === "?")
      throw new UsageError("Supported devices:\n" + Object.keys(DEVICE_TYPES).join("\n"));
    const type = DEVICE_TYPES[driver];
    if (!type)
      throw new UsageError(
        `-device ${driver}: unsupported device (supported: ${Object.keys(DEVICE_TYPES).join(", ")})`,
      );
    if (type === "blk") {
      const id = p.get("drive");
      if (!id) throw new UsageError(`-device ${spec}: drive= is required`);
      const idx = driveIds.get(id);
      if (idx === undefined)
        throw new UsageError(`-device ${spec}: Property 'virtio-blk-device.drive' can't find value '${id}'`);
      m.devices.push({ type, drive: idx });
    } else {
      m.devices.push({ type });
    }
  }
  // Drives with if=none are attached only through -device.
  m.drives.forEach((d, i) => {
    if ((d as DriveOption & { detached?: boolean }).detached && !m.devices.some((x) => x.drive === i)) {
      throw new UsageError(`-drive file=${d.file},if=none: no -device virtio-blk-device,drive=${d.id ?? "?"} uses it`);
    }
    if ((d as DriveOption & { detached?: boolean }).detached) return;
  });
  let monitors: MonitorSpec[];
  try {
    monitors = collectMonitorSpecs(pairs);
  } catch (e) {
    if (e instanceof MonitorOptionError) throw new UsageError(e.message);
    throw e;
  }
  if (serial === "stdio" && monitors.some((s) => s.transport.kind === "stdio")) {
    throw new UsageError("-qmp stdio: stdio is already the serial console (add -serial null)");
  }
  m.serialFilename = serial === "stdio" ? "stdio" : serial === "null" ? "null" : `file:${serial.file}`;
  if (gdb !== undefined) {
    try {
      parseGdbDevice(gdb);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return { machine: m, monitors, serial, noReboot: flags.has("-no-reboot"), logFile, dumpDtbOnly, gdb };
}

export async function main(argv: string[]): Promise<number> {
  // A reader that goes away (`wasmvirt ... | head`) must not kill the machine: EPIPE drops output.
  for (const s of [process.stdout, process.stderr])
    s.on("error", () => {
      /* output is lost, the guest runs on */
    });
  let cfg: ReturnType<typeof parseArgs>;
  try {
    if (argv.includes("--bundled")) {
      argv = [...(await bundledArgs()), ...argv.filter((a) => a !== "--bundled")];
      process.stderr.write(
        "wasmvirt: booting the bundled guest; QMP on unix:wasmvirt.qmp; Ctrl-A x quits, Ctrl-A h helps\n",
      );
    }
    cfg = parseArgs(argv);
    traceStart("args parsed");
  } catch (e) {
    process.stderr.write(`wasmvirt: ${(e as Error).message}\n`);
    return 1;
  }
  if (cfg === "help") {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (cfg === "version") {
    process.stdout.write(`wasmvirt ${VERSION} (QEMU 7.2 compatible virt machine)\n`);
    return 0;
  }

  let logFd: number | undefined;
  if (cfg.logFile !== undefined) {
    try {
      logFd = openLogFile(cfg.logFile);
    } catch (e) {
      if (!(e instanceof LogFileError)) throw e;
      process.stderr.write(`wasmvirt: ${e.message}\n`);
      return 1;
    }
  }
  const logger: Logger = createLogger({ fd: logFd });
  traceStart("logger");
  const machine = new Machine(cfg.machine);
  // Listen for the end before anything runs: a short guest can power off before the monitors are up.
  const exited = new Promise<number>((resolve) => machine.once("exit", resolve));
  machine.on("warning", (msg: string) => process.stderr.write(`wasmvirt: ${msg}\n`));
  // Where guest output goes is settled before the CPU starts, so no byte goes elsewhere.
  if (cfg.serial === "null") machine.onConsole = () => {};
  else if (typeof cfg.serial === "object") {
    // -serial file:PATH: the file is truncated (as QEMU does) and receives the output as it comes.
    let fd: number;
    try {
      fd = openSync(cfg.serial.file, "w", 0o600);
    } catch (e) {
      process.stderr.write(`wasmvirt: -serial file:${cfg.serial.file}: ${strerror(e)}\n`);
      return 1;
    }
    machine.onConsole = (b) => {
      try {
        writeSync(fd, b);
      } catch {
        /* disk full: the guest keeps running */
      }
    };
    machine.on("exit", () => {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    });
  }
  // -incoming exec:/file: — read and verify the state while the machine and its CPU worker come up.
  let prefetched: Promise<VerifiedState> | undefined;
  if (cfg.machine.incoming && cfg.machine.incoming !== "defer" && !cfg.dumpDtbOnly) {
    try {
      const bytes = readEndpoint(parseUri(cfg.machine.incoming));
      bytes.then(
        () => traceStart("state bytes read"),
        () => {},
      );
      prefetched = bytes.then((b) => machine.verifyStateAsync(b));
      prefetched.then(
        () => traceStart("state verified+decoded"),
        () => {},
      );
      prefetched.catch(() => {
        /* reported when the load awaits it */
      });
    } catch {
      /* parseUri's error is reported by the load */
    }
  }
  const started = machine.start();
  try {
    await started;
    traceStart("machine started (worker ready)");
  } catch (e) {
    process.stderr.write(`wasmvirt: ${(e as Error).message}\n`);
    return 1;
  }
  if (cfg.dumpDtbOnly) return 0;
  // -incoming URI: load the state once everything is set up, as QEMU does; a refused state ends the
  // process with status 1 and nothing runs.
  const incoming = cfg.machine.incoming && cfg.machine.incoming !== "defer" ? cfg.machine.incoming : undefined;
  logger.info(
    { harts: cfg.machine.harts, ram: Number(cfg.machine.ramSize), kernel: cfg.machine.kernel, bios: cfg.machine.bios },
    "machine started",
  );

  let console: StdioConsole | undefined;
  if (cfg.serial === "stdio") {
    console = new StdioConsole({
      toGuest: (b) => machine.sendConsoleInput(b),
      quit: () => {
        void machine.quit("host-ui");
      },
      powerButton: () => {
        void machine.powerdown();
      },
      notice: (t) => process.stdout.write(t),
      hold: (on) => machine.holdConsole(on),
    });
    machine.onConsole = (b) => console!.write(b);
    console.start();
  }

  // The debugger port (-gdb/-s, or later HMP gdbserver); its code loads on first use.
  const gdbserver = lazyGdbServer(machine, logger);
  if (cfg.gdb !== undefined) {
    try {
      const address = await gdbserver.open(cfg.gdb);
      // Port 0 asks for any free port: say which one (tests and scripts need it).
      if (/^tcp:[^,]*:0(,|$)/.test(cfg.gdb)) process.stderr.write(`wasmvirt: gdbserver listening on ${address}\n`);
    } catch (e) {
      console?.stop();
      process.stderr.write(`wasmvirt: ${(e as Error).message}\n`);
      await machine.quit("host-qmp-quit");
      return 1;
    }
  }

  let monitors: { close(): Promise<void> } | undefined;
  try {
    if (cfg.monitors.length > 0) {
      const { startMonitors, DEFAULT_VERSION } = await import("./qmp/server.js");
      monitors = await startMonitors(cfg.monitors, machine, { version: DEFAULT_VERSION, logger, gdbserver });
    }
  } catch (e) {
    console?.stop();
    process.stderr.write(`wasmvirt: ${(e as Error).message}\n`);
    await machine.quit("host-qmp-quit");
    return 1;
  }

  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      logger.info({ signal: sig }, "signal");
      // A second signal while shutting down ends the process at once (disks were flushed by the first).
      if (machine.state === "shutdown") process.exit(1);
      void machine.quit("host-signal");
    });
  }
  machine.on("error-message", (msg: string) => {
    logger.error({ msg }, "machine error");
    process.stderr.write(`\r\nwasmvirt: ${msg}\r\n`);
  });
  machine.on("stop", () => logger.info("paused"));
  machine.on("resume", () => logger.info("resumed"));
  machine.on("reset", (d) => logger.info(d, "reset"));
  if (cfg.noReboot) {
    machine.on("reset", (d: { guest: boolean }) => {
      if (d.guest) void machine.quit("guest-reset");
    });
  }
  machine.on("incoming-failed", (message: string) => {
    process.stderr.write(`wasmvirt: load of migration failed: ${message}\n`);
    logger.error({ msg: message }, "incoming migration failed");
    void machine.abandon(1);
  });
  if (incoming)
    machine.migration.incoming(incoming, prefetched).catch((e: Error) => machine.emit("incoming-failed", e.message));
  const code = await exited;
  logger.info({ code }, "exit");
  await gdbserver.close();
  await monitors?.close();
  console?.stop();
  return code;
}

/** HMP for gdb's `monitor` command runs in a session of its own, like QEMU's gdb monitor. */
function lazyGdbServer(
  machine: Machine,
  logger: Logger,
): { open(device: string): Promise<string>; close(): Promise<void> } {
  let server: Promise<import("./gdb/server.js").GdbServer> | undefined;
  return {
    async open(device: string) {
      server ??= (async () => {
        const [{ GdbServer }, { newHmpState }, { humanMonitorCommand }, { SessionMode }, { DEFAULT_VERSION }] =
          await Promise.all([
            import("./gdb/server.js"),
            import("./qmp/hmp.js"),
            import("./qmp/commands.js"),
            import("./qmp/context.js"),
            import("./qmp/server.js"),
          ]);
        const gdbLogger = logger.child({ component: "gdb" });
        const session = { mode: SessionMode.Operational, oobEnabled: false, hmp: newHmpState() };
        const s: import("./gdb/server.js").GdbServer = new GdbServer(machine, {
          logger: gdbLogger,
          monitor: (line) =>
            humanMonitorCommand(line, {
              machine,
              version: DEFAULT_VERSION,
              logger: gdbLogger,
              session,
              monitorChardevs: () => [],
              gdbserver: this,
            }),
        });
        return s;
      })();
      const s = await server;
      await s.open(device);
      return s.address;
    },
    async close() {
      if (server) await (await server).close();
    },
  };
}
