// The machine as the main thread sees it: builds QEMU's virt (firmware, kernel, initrd,
// device tree, boot ROM, virtio devices), runs the CPU worker, and reports state changes
// as events once the worker confirms them.
import { JIT_MODES, jitModeFromEnv, DEFAULT_JIT_THRESHOLD, type JitModeName, type JitInfo } from "./jit-host.js";
import { EventEmitter } from "node:events";
import type { Worker } from "node:worker_threads";
import { startCpuWorker } from "./cpu-worker.js";
import {
  statSync,
  writeFileSync,
  existsSync,
  closeSync,
  openSync,
  fstatSync,
  readSync,
  readFileSync,
  mkdtempSync,
  rmSync,
  fsyncSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import memmap from "./memmap.json" with { type: "json" };
import virtioKinds from "./virtio-devices.json" with { type: "json" };
import type {
  MachineControl,
  RunState,
  ShutdownReason,
  HartRegisters,
  MemoryRegionInfo,
  BlockDeviceInfo,
  ChardevInfo,
} from "./control.js";
import { loadCoreModule, coreBuildId, CTX } from "./core.js";
import { Migration } from "./snapshot/migration.js";
import type { MachineDescription, MachineState } from "./snapshot/format.js";
import { verifyState, verifyStateAsync } from "./snapshot/core-state.js";

/** A state file that was parsed and checked against this machine. */
export interface VerifiedState {
  state: MachineState;
  size: number;
}
import { computeBootLayout, type LoadSegment } from "./boot-layout.js";
import { buildVirtDtb, applyBootChosen } from "./virt-dt.js";
import { parseDtb } from "./fdt.js";
import { buildBootRom, BOOT_ROM_BASE } from "./bootrom.js";
import type { WorkerConfig, ToWorker, FromWorker, WorkerVirtio, RawRegs, DebugRequest } from "./messages.js";
import { openImage, ImageOpenError, type LockingMode } from "../block/open.js";
import { strerror } from "../errno.js";
import { traceStart } from "../start-trace.js";

export const RAM_BASE = 0x8000_0000n;
/** wasm32 linear memory holds the core's state below 32 MiB and RAM above it. */
export const MAX_RAM = 3n << 30n;
/** The most harts a machine may have: the device table's (memmap.json), which the core's contexts are sized for. */
export const MAX_HARTS: number = memmap.maxHarts;
/** mtime's frequency (the CLINT's row of memmap.json), which the core's CLINT counts in. */
export const TIMEBASE_HZ: number = timebaseHz();
function timebaseHz(): number {
  for (const r of memmap.regions) if ("timebaseHz" in r && r.timebaseHz) return r.timebaseHz;
  throw new Error("memmap.json: no region has timebaseHz");
}

/** A virtio device kind: a row of the kinds table (virtio-devices.json), which the core dispatches from too. */
export type VirtioKind = string;
/** Virtio device ID of each kind. */
export const VIRTIO_ID: Readonly<Record<VirtioKind, number>> = Object.fromEntries(
  virtioKinds.kinds.map((k) => [k.name, k.id]),
);
const VIRTIO_KIND_OF_ID = new Map<number, VirtioKind>(virtioKinds.kinds.map((k) => [k.id, k.name]));
/** -device names we emulate, as QEMU spells them. */
export const DEVICE_TYPES: Readonly<Record<string, VirtioKind>> = Object.fromEntries(
  virtioKinds.kinds.map((k) => [k.qemuDevice, k.name]),
);
const virtioMmio = memmap.regions.find((r) => r.kind === "virtio_mmio");
/** virtio-mmio transports of the virt machine (the device table's count). */
export const VIRTIO_SLOTS: number = (virtioMmio && "count" in virtioMmio ? virtioMmio.count : undefined) ?? 0;

export interface DriveOption {
  file: string;
  readOnly: boolean;
  format: "raw";
  id?: string;
  /** file.locking=auto|on|off (QEMU's spelling); auto by default. */
  locking?: LockingMode;
  /** The -drive value as the user wrote it, for messages ("-drive VALUE: ..."). */
  source?: string;
  /**
   * QEMU's cache= words that wasmvirt keeps: writeback (default: the guest's FLUSH and every exit fsync the
   * image), writethrough (every write reaches the disk before it completes: O_DSYNC), unsafe (flushes are
   * skipped; data is still written to the host before the guest sees completion, so only a host crash
   * can lose it).
   */
  cache?: "writeback" | "writethrough" | "unsafe";
}
export interface MachineOptions {
  ramSize: bigint;
  harts: number;
  bios: "default" | "none" | string;
  kernel?: string;
  initrd?: string;
  append?: string;
  dtb?: string;
  dumpDtb?: string;
  drives: DriveOption[];
  devices: { type: VirtioKind; drive?: number }[];
  /** Add a virtio keyboard (the power button) when the command line has none. */
  defaultKeyboard: boolean;
  startPaused: boolean;
  /** Translation tier (-accel tcg,jit=…): mode and hotness threshold; default from WASMVIRT_JIT, else on. */
  jit?: { mode: JitModeName; threshold: number };
  /** What query-chardev reports for the UART's backend, in QEMU's words ("stdio", "null", "file"). */
  serialFilename?: string;
  name?: string;
  uuid?: string;
  /** -incoming URI|defer: wait for a saved state instead of booting. */
  incoming?: string;
  /** -snapshot: disk writes go to a temporary overlay; the images are never modified. */
  snapshot?: boolean;
}

export class MachineError extends Error {}

/**
 * Read an input file (firmware, kernel, initrd, device tree) after checking what it is: only a regular
 * file no larger than `limit` is read, so /dev/zero, a FIFO or a huge file fails at once instead of
 * being read forever.
 */
function readFile(what: string, path: string, limit: bigint): Uint8Array {
  const fail = (why: string): never => {
    throw new MachineError(`could not load ${what} '${path}': ${why}`);
  };
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    return fail(strerror(e));
  }
  if (st.isDirectory()) fail("Is a directory");
  if (!st.isFile()) fail("not a regular file");
  if (BigInt(st.size) > limit) fail(`file too large (${st.size} bytes; at most ${limit} fit)`);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    return fail(strerror(e));
  }
  try {
    const size = fstatSync(fd).size; // the file we opened
    if (BigInt(size) > limit) fail(`file too large (${size} bytes; at most ${limit} fit)`);
    const buf = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, buf, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    return done === size ? buf : buf.subarray(0, done);
  } catch (e) {
    if (e instanceof MachineError) throw e;
    return fail(strerror(e));
  } finally {
    closeSync(fd);
  }
}

/** Where `-bios default` comes from: our bundled OpenSBI, else Debian's. */
export function defaultFirmwarePath(): string {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const candidates = [
    join(root, "build", "images", "fw_dynamic.bin"),
    "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin",
  ];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new MachineError(
    "no default firmware: build the images (npm run images) or install Debian's opensbi, or use -bios FILE / -bios none",
  );
}

function segmentsToBlobs(file: Uint8Array, segs: LoadSegment[], out: WorkerConfig["blobs"]) {
  for (const s of segs) {
    const total = Number(s.memSize);
    const bytes = new Uint8Array(total);
    bytes.set(file.subarray(s.fileOffset, s.fileOffset + s.fileSize));
    out.push({ addr: "0x" + s.addr.toString(16), bytes });
  }
}

let nextRequestId = 1;

export class Machine extends EventEmitter implements MachineControl {
  private worker!: Worker;
  private _state: RunState;
  private pending = new Map<number, (m: FromWorker) => void>();
  private waiters: { type: string; resolve: (m: FromWorker) => void }[] = [];
  private quitting = false;
  /** Descriptors of the opened (and locked) disk images; closed, which drops the locks, at exit. */
  private diskFds: number[] = [];
  /** The writable ones whose cache mode promises durability: fsync'd here too at exit (the worker may be gone). */
  private syncFds: number[] = [];
  /** The CPU worker ended on its own (a bug): nothing can be asked of it any more. */
  private workerGone = false;
  /** Set while start() waits for the worker: a failure then is a start-up error, not a run state. */
  private startFailed: ((e: Error) => void) | undefined;
  private startFailure: Promise<never> | undefined;
  readonly name: string | undefined;
  readonly uuid: string;
  readonly hartCount: number;
  readonly ramSize: bigint;
  readonly memoryMap: MemoryRegionInfo[];
  readonly blockDevices: BlockDeviceInfo[] = [];
  readonly chardevs: ChardevInfo[];
  /** The first console bytes were traced (WASMVIRT_TRACE_START). */
  private tracedConsole = false;
  /** Bytes the guest wrote to its console. */
  onConsole: (bytes: Uint8Array) => void = (b) => {
    process.stdout.write(b);
  };
  dtb!: Uint8Array;
  readonly migration: Migration;
  private wasmvirtVersion = "0.0.0";
  private description!: MachineDescription;
  private onDescribed: () => void = () => {};
  /** Resolves once the machine's description exists (what verifyState checks a state against). */
  readonly described: Promise<void> = new Promise((resolve) => {
    this.onDescribed = resolve;
  });

  constructor(private opts: MachineOptions) {
    super();
    this.name = opts.name;
    this.uuid = opts.uuid ?? "00000000-0000-0000-0000-000000000000";
    this.hartCount = opts.harts;
    this.ramSize = opts.ramSize;
    this._state = opts.incoming ? "inmigrate" : opts.startPaused ? "prelaunch" : "running";
    this.migration = new Migration(this);
    if (opts.incoming && opts.startPaused) this.migration.autostart = false;
    if (opts.incoming === "defer") this.migration.incomingDeferred = true;
    this.migration.incomingExpected = !!opts.incoming;
    this.chardevs =
      opts.serialFilename === "none"
        ? []
        : [{ label: "serial0", filename: opts.serialFilename ?? "stdio", frontendOpen: true }];
    this.memoryMap = memmap.regions.flatMap((r): MemoryRegionInfo[] => {
      const count = "count" in r && r.count ? r.count : 1;
      const size = r.kind === "ram" ? opts.ramSize : BigInt(r.size as string);
      return Array.from({ length: count }, (_, i) => ({
        name: count > 1 ? `${r.name}.${i}` : r.name,
        kind: r.kind,
        base: BigInt(r.base) + BigInt(i) * size,
        size,
        irq: "irq" in r && r.irq !== undefined ? r.irq + i : undefined,
      }));
    });
  }

  get state(): RunState {
    return this._state;
  }
  get running(): boolean {
    return this._state === "running";
  }

  /** Validates the configuration, loads every file and starts the CPU worker. */
  async start(): Promise<void> {
    const o = this.opts;
    if (!Number.isInteger(o.harts) || o.harts < 1 || o.harts > MAX_HARTS)
      throw new MachineError(`-smp ${o.harts}: wasmvirt supports 1 to ${MAX_HARTS} harts`);
    if (o.ramSize < 16n << 20n) throw new MachineError(`-m ${o.ramSize >> 20n}M: at least 16 MiB of RAM is needed`);
    if (o.ramSize > MAX_RAM)
      throw new MachineError(
        `-m ${o.ramSize >> 20n}M: wasmvirt supports at most ${MAX_RAM >> 20n} MiB of RAM (WebAssembly 32-bit memory)`,
      );
    // The CPU worker starts now and gets its configuration once the images are read: the two start-ups
    // overlap (the worker's is the larger part of a restore's time).
    if (!o.dumpDtb) {
      this.worker = startCpuWorker();
      traceStart("machine.start: worker taken");
      this.worker.on("message", (m: FromWorker) => this.onWorkerMessage(m));
      this.worker.on("error", (e) => this.fatal(`CPU worker failed: ${e.message}`));
      this.worker.on("exit", (code) => {
        this.workerGone = true;
        if (!this.quitting) this.fatal(`CPU worker exited (${code})`);
      });
      // Until it is ready, a failing worker fails start(): the user sees why and the process exits 1.
      this.startFailure = new Promise<never>((_, reject) => {
        this.startFailed = reject;
      });
      this.startFailure.catch(() => {
        /* observed by startWith's race */
      });
    }
    try {
      await this.configure();
    } catch (e) {
      if (this.worker) {
        this.quitting = true;
        await this.worker.terminate();
      }
      throw e;
    }
  }

  private async configure(): Promise<void> {
    const o = this.opts;
    const firmwarePath = o.bios === "none" ? undefined : o.bios === "default" ? defaultFirmwarePath() : o.bios;
    // Nothing larger than RAM can be loaded into it; a device tree is at most 2 MiB in QEMU's layout.
    const firmware = firmwarePath ? readFile("firmware", firmwarePath, o.ramSize) : undefined;
    const kernel = o.kernel ? readFile("kernel", o.kernel, o.ramSize) : undefined;
    const initrd = o.initrd ? readFile("initrd", o.initrd, o.ramSize) : undefined;
    const userDtb = o.dtb ? readFile("device tree", o.dtb, 2n << 20n) : undefined;
    if (!firmware && !kernel)
      throw new MachineError("nothing to run: give -kernel FILE (with -bios none) or firmware with -bios");
    traceStart("images read");

    try {
      await this.startWith(firmware, kernel, initrd, userDtb);
    } catch (e) {
      this.closeDisks();
      throw e;
    }
  }

  private async startWith(
    firmware: Uint8Array | undefined,
    kernel: Uint8Array | undefined,
    initrd: Uint8Array | undefined,
    userDtb: Uint8Array | undefined,
  ): Promise<void> {
    const o = this.opts;
    // Virtio slots: QEMU fills them from the top (slot 7 first).
    const virtio: WorkerVirtio[] = [];
    const disks: WorkerConfig["disks"] = [];
    let slot = VIRTIO_SLOTS - 1;
    const take = () => {
      if (slot < 0)
        throw new MachineError(`too many virtio devices: the virt machine has ${VIRTIO_SLOTS} virtio-mmio slots`);
      return slot--;
    };
    const devices = [...o.devices];
    o.drives.forEach((_, i) => {
      if (!devices.some((d) => d.drive === i)) devices.push({ type: "blk", drive: i });
    });
    if (o.defaultKeyboard && !devices.some((d) => d.type === "input")) devices.push({ type: "input" });
    for (const d of devices) {
      const s = take();
      if (d.type === "blk") {
        const drive = o.drives[d.drive!];
        let img;
        // -snapshot: the image is only read (and locked shared); the guest's writes go to an overlay.
        const viaOverlay = !!o.snapshot && !drive.readOnly;
        try {
          img = openImage(drive.file, {
            readOnly: drive.readOnly || viaOverlay,
            locking: drive.locking,
            writeThrough: drive.cache === "writethrough",
            onWarning: (msg) => this.emit("warning", msg),
          });
        } catch (e) {
          if (!(e instanceof ImageOpenError)) throw e;
          throw new MachineError(`-drive ${drive.source ?? `file=${drive.file},format=raw`}: ${e.message}`);
        }
        this.diskFds.push(img.fd);
        if (drive.cache !== "unsafe" && !drive.readOnly && !viaOverlay) this.syncFds.push(img.fd);
        const size = img.size;
        const overlay = viaOverlay ? this.createOverlay(disks.length) : undefined;
        disks.push({
          path: drive.file,
          readOnly: drive.readOnly,
          fd: img.fd,
          ignoreFlush: drive.cache === "unsafe",
          overlay,
        });
        virtio.push({
          slot: s,
          type: VIRTIO_ID.blk,
          backend: disks.length - 1,
          flags: drive.readOnly ? 1 : 0,
          capacity: size,
        });
        this.blockDevices.push({
          device: drive.id ?? `virtio${disks.length - 1}`,
          file: drive.file,
          readOnly: drive.readOnly,
          format: "raw",
          size,
          overlay: overlay?.path,
        });
      } else {
        virtio.push({ slot: s, type: VIRTIO_ID[d.type], backend: 0, flags: 0, capacity: 0 });
      }
    }

    // Placement, device tree, boot ROM — the same rules as QEMU 7.2's virt.
    const buildDtb = (initrdRange?: { start: bigint; end: bigint }) =>
      userDtb
        ? userTree(initrdRange)
        : buildVirtDtb({
            hartCount: o.harts,
            ramSize: o.ramSize,
            bootargs: o.append,
            initrd: initrdRange,
            virtio: virtio.map((v) => ({ slot: v.slot, type: VIRTIO_KIND_OF_ID.get(v.type) ?? `id${v.type}` })),
            mmuType: "riscv,sv48",
            timebaseFrequency: TIMEBASE_HZ,
          });
    // -dtb FILE: validated, then /chosen gets bootargs and the initrd range, as QEMU does.
    const userTree = (initrdRange?: { start: bigint; end: bigint }) => {
      let fdt;
      try {
        fdt = parseDtb(userDtb!);
      } catch (e) {
        throw new MachineError(`-dtb ${o.dtb}: ${(e as Error).message}`);
      }
      applyBootChosen(fdt, { bootargs: o.append, initrd: initrdRange });
      return fdt.toDtb();
    };
    let dtb = buildDtb(undefined);
    const layoutFor = (size: number) =>
      computeBootLayout({
        ramBase: RAM_BASE,
        ramSize: o.ramSize,
        firmware: firmware ? { bytes: firmware } : undefined,
        kernel: kernel ? { bytes: kernel } : undefined,
        initrd: initrd ? { size: initrd.length } : undefined,
        fdtSize: size,
        dtbFileSize: userDtb?.length,
      });
    let layout;
    try {
      layout = layoutFor(dtb.length);
      if (layout.initrd) {
        dtb = buildDtb(layout.initrd);
        layout = layoutFor(dtb.length);
      }
    } catch (e) {
      throw new MachineError((e as Error).message);
    }
    this.dtb = dtb;
    // -machine dumpdtb=FILE: write the tree and stop there, as QEMU does (nothing runs).
    if (o.dumpDtb) {
      try {
        writeFileSync(o.dumpDtb, dtb);
      } catch (e) {
        throw new MachineError(`could not write device tree '${o.dumpDtb}': ${(e as Error).message}`);
      }
      this.closeDisks();
      return;
    }

    const blobs: WorkerConfig["blobs"] = [];
    if (firmware && layout.firmware) segmentsToBlobs(firmware, layout.firmware.segments, blobs);
    if (kernel && layout.kernel) segmentsToBlobs(kernel, layout.kernel.segments, blobs);
    if (initrd && layout.initrd) blobs.push({ addr: "0x" + layout.initrd.start.toString(16), bytes: initrd });
    blobs.push({ addr: "0x" + layout.fdt.addr.toString(16), bytes: dtb });
    const rom = buildBootRom({ startAddr: layout.startAddr, fdtAddr: layout.fdt.addr, kernelEntry: layout.nextAddr });

    const description: MachineDescription = (this.description = {
      ramSize: Number(o.ramSize),
      harts: o.harts,
      virtio: virtio.map((v) => ({ slot: v.slot, type: v.type, flags: v.flags, capacity: v.capacity })),
    });
    this.onDescribed();
    try {
      this.wasmvirtVersion = JSON.parse(
        readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "package.json"), "utf8"),
      ).version;
    } catch {
      /* keep the placeholder */
    }
    const config: WorkerConfig = {
      module: loadCoreModule(),
      ramSize: Number(o.ramSize),
      harts: o.harts,
      rom,
      blobs,
      startPc: "0x" + BOOT_ROM_BASE.toString(16),
      disks,
      virtio,
      startPaused: o.startPaused,
      incoming: !!o.incoming,
      description,
      coreId: coreBuildId(),
      wasmvirtVersion: this.wasmvirtVersion,
      jit: { mode: JIT_MODES[o.jit?.mode ?? jitModeFromEnv()], threshold: o.jit?.threshold ?? DEFAULT_JIT_THRESHOLD },
    };
    const failed = this.startFailure!;
    try {
      const ready = this.waitFor("ready");
      traceStart("config posted");
      // The images' bytes are handed over, not copied (this thread does not use them again; the device tree it keeps).
      const transfer = new Set<ArrayBuffer>();
      for (const b of blobs)
        if (b.bytes !== dtb && b.bytes.buffer.byteLength >= 1 << 16) transfer.add(b.bytes.buffer as ArrayBuffer);
      this.worker.postMessage(config, [...transfer]);
      await Promise.race([ready, failed]);
    } catch (e) {
      this.quitting = true;
      await this.worker.terminate();
      throw new MachineError((e as Error).message);
    } finally {
      this.startFailed = undefined;
    }
  }

  /** -snapshot: a temporary file for disk n's writes, removed when this process exits (as QEMU's /var/tmp/vl.*). */
  private createOverlay(n: number): { path: string; fd: number } {
    if (!this.overlayDir) {
      const dir = (this.overlayDir = mkdtempSync(join(tmpdir(), "wasmvirt-snapshot-")));
      process.on("exit", () => {
        try {
          rmSync(dir, { recursive: true, force: true });
        } catch {
          /* gone */
        }
      });
    }
    const path = join(this.overlayDir, `virtio${n}.overlay`);
    const fd = openSync(path, "wx+", 0o600);
    this.diskFds.push(fd);
    return { path, fd };
  }
  private overlayDir: string | undefined;

  private closeDisks() {
    // The worker flushed already when it could; this covers a worker that died (cheap otherwise).
    for (const fd of this.syncFds) {
      try {
        fsyncSync(fd);
      } catch {
        /* reported by the worker's flush */
      }
    }
    for (const fd of this.diskFds) {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    this.diskFds = [];
    this.syncFds = [];
  }

  /**
   * An internal error (the core threw, the worker died): the machine stops in run state internal-error
   * with a STOP event, as QEMU's vm_stop(RUN_STATE_INTERNAL_ERROR) does; the process and its monitor
   * stay up, and system_reset (when the worker lives) or quit get out of it.
   */
  private fatal(message: string) {
    if (this.startFailed) {
      this.startFailed(new Error(message));
      return;
    }
    if (this.quitting) return;
    const wasRunning = this._state === "running";
    this._state = "internal-error";
    this.emit("error-message", message);
    if (wasRunning) this.emit("stop");
  }

  private onWorkerMessage(m: FromWorker) {
    switch (m.type) {
      case "console":
        if (!this.tracedConsole) {
          this.tracedConsole = true;
          traceStart("first console bytes");
        }
        this.onConsole(m.bytes);
        break;
      case "reset-done":
        if (m.guest) this.emit("reset", { guest: true, reason: "guest-reset" satisfies ShutdownReason });
        break;
      case "poweroff":
        void this.guestPoweroff(m.status);
        break;
      // Run-state changes are applied here, in the worker's order (a step's "resumed" then its "debug-stop").
      case "paused":
        if (this._state === "running") {
          this._state = "paused";
          this.emit("stop");
        }
        break;
      case "resumed":
        if (this._state !== "running") {
          this._state = "running";
          this.emit("resume");
        }
        break;
      case "debug-stop": {
        // A breakpoint, watchpoint or step stopped the CPU: QEMU's RUN_STATE_DEBUG.
        const { type: _t, ...info } = m;
        if (this._state === "running") {
          this._state = "debug";
          this.emit("stop", info);
        }
        break;
      }
      case "fatal":
        this.fatal(m.message);
        break;
      case "log":
        this.emit("log", m);
        break;
    }
    if ("id" in m && typeof m.id === "number") {
      const cb = this.pending.get(m.id);
      if (cb) {
        this.pending.delete(m.id);
        cb(m);
      }
    }
    const i = this.waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w.resolve(m);
    }
  }

  private waitFor(type: FromWorker["type"]): Promise<FromWorker> {
    return new Promise((resolve) => this.waiters.push({ type, resolve }));
  }
  private send(m: ToWorker) {
    this.worker.postMessage(m);
  }
  private request(m: ToWorker & { id: number }): Promise<FromWorker> {
    return new Promise((resolve) => {
      this.pending.set(m.id, resolve);
      this.send(m);
    });
  }

  private async guestPoweroff(status: number) {
    this.quitting = true;
    this._state = "shutdown";
    this.emit("shutdown", { guest: true, reason: "guest-shutdown" satisfies ShutdownReason });
    await this.worker.terminate();
    this.closeDisks();
    this.emit("exit", status);
  }

  /**
   * Flow control for console output: hold(true) while the consumer of onConsole is backed up (the
   * UART then keeps the bytes and the guest waits), hold(false) once it has drained.
   */
  holdConsole(on: boolean) {
    if (!this.quitting && this.worker) this.send({ type: "console-hold", on });
  }

  /** Keyboard input for the guest's console (UART). */
  sendConsoleInput(bytes: Uint8Array) {
    if (!this.quitting) this.send({ type: "input", bytes: Array.from(bytes) });
  }

  async stop(): Promise<void> {
    // Before the incoming state is in, stop only means "do not run it afterwards" (QEMU's autostart).
    if (this._state === "inmigrate") {
      this.migration.autostart = false;
      return;
    }
    if (this._state !== "running") return;
    const done = this.waitFor("paused");
    this.send({ type: "pause" });
    await done;
  }

  async cont(): Promise<void> {
    if (this._state === "running") return;
    if (this._state === "inmigrate") {
      this.migration.autostart = true;
      return;
    }
    // The state being written is the machine as it was stopped: it must not run under the save.
    if (this._state === "finish-migrate")
      throw new Error("The machine is being saved by a migration; cont after it has completed");
    if (this._state === "shutdown" || this._state === "internal-error")
      throw new Error("Resetting the Virtual Machine is required");
    const done = this.waitFor("resumed");
    this.send({ type: "resume" });
    await done;
  }

  /** A debugger's request to the CPU worker (breakpoints, registers, memory); see DebugRequest. */
  async debugRequest(req: DebugRequest): Promise<Extract<FromWorker, { type: "dbg" }>> {
    if (this.quitting) throw new Error("the machine is shutting down");
    const m = await this.request({ type: "dbg", id: nextRequestId++, req });
    if (m.type !== "dbg") throw new Error("unexpected reply");
    return m;
  }

  /**
   * Single-steps one hart (QEMU's gdbstub: RESUME, one instruction or trap entry, then STOP in
   * state debug with a "stop" event carrying the DebugStopInfo). Resolves once running.
   * `irqs`: a pending interrupt may be taken (QEMU's sstep flags without NOIRQ).
   */
  async step(hart: number, irqs = false): Promise<void> {
    if (this._state === "shutdown" || this._state === "internal-error") {
      throw new Error(
        this._state === "shutdown" ? "Resetting the Virtual Machine is required" : "The machine hit an internal error",
      );
    }
    if (this._state === "running") return;
    const done = this.waitFor("resumed");
    this.send({ type: "dbg-step", hart, irqs });
    await done;
  }

  /** Run states that only the migration sets (query-status shows them). */
  setRunState(s: RunState): void {
    this._state = s;
  }

  /** The paused machine as a state file (parts in order). */
  async saveState(blk: boolean): Promise<{ parts: Uint8Array[]; stats: import("./messages.js").SaveStats }> {
    const m = await this.request({ type: "save", id: nextRequestId++, blk });
    if (m.type !== "saved") throw new Error("unexpected reply");
    if (m.error) throw new Error(m.error);
    return { parts: m.parts!, stats: m.stats! };
  }

  /**
   * Parses a state file and checks it against this machine (main thread: a refusal costs the CPU worker
   * nothing, and decompression can overlap the worker's start-up). Throws with the reason it is refused.
   */
  verifyState(bytes: Uint8Array): VerifiedState {
    return { state: verifyState(bytes, this.description, coreBuildId()), size: bytes.length };
  }

  /**
   * verifyState with the decompression on the thread pool; may start before the machine is described (the
   * command line's -incoming reads and decompresses the state while the machine and its worker come up).
   */
  async verifyStateAsync(bytes: Uint8Array): Promise<VerifiedState> {
    const size = bytes.length;
    return {
      state: await verifyStateAsync(
        bytes,
        this.described.then(() => this.description),
        coreBuildId(),
      ),
      size,
    };
  }

  /** Replaces the (paused or waiting) machine with a saved state; throws with the reason it was refused. */
  async loadState(input: Uint8Array | VerifiedState): Promise<void> {
    const { state } = input instanceof Uint8Array ? await this.verifyStateAsync(input) : input;
    // The decoded sections are fresh buffers (or views of the state file's): hand them over instead of
    // copying (never a small, possibly pooled one).
    const big = new Set<ArrayBuffer>();
    const give = (u: Uint8Array) => {
      if (u.buffer.byteLength >= 1 << 16) big.add(u.buffer as ArrayBuffer);
    };
    state.ram.chunks.forEach((c) => give(c.bytes));
    state.regions.forEach((r) => give(r.bytes));
    state.disks.forEach((d) => give(d.data));
    const id = nextRequestId++;
    const m = await new Promise<FromWorker>((resolve) => {
      this.pending.set(id, resolve);
      traceStart("load posted");
      this.worker.postMessage({ type: "load", id, state } satisfies ToWorker, [...big]);
    });
    if (m.type !== "loaded") throw new Error("unexpected reply");
    traceStart("loaded reply");
    if (m.error) throw new Error(m.error);
  }

  /** Ends the process's machine without a guest shutdown (a refused incoming state): status `code`. */
  async abandon(code: number): Promise<void> {
    if (this.quitting) return;
    this.quitting = true;
    this._state = "shutdown";
    await this.worker.terminate();
    this.closeDisks();
    this.emit("exit", code);
  }

  async reset(reason: ShutdownReason): Promise<void> {
    if (this.workerGone) throw new Error("The machine cannot be reset: its CPU thread is gone (quit and start again)");
    const done = this.waitFor("reset-done");
    this.send({ type: "reset" });
    await done;
    // Out of internal-error (or shutdown) a reset leaves the machine paused, as QEMU's qemu_system_reset.
    if (this._state === "internal-error") this._state = "paused";
    this.emit("reset", { guest: false, reason });
  }

  async powerdown(): Promise<void> {
    const m = await this.request({ type: "powerbutton", id: nextRequestId++ });
    // The press happened whether or not a keyboard took it; QEMU emits POWERDOWN regardless.
    this.emit("powerdown");
    if (m.type === "key-done" && !m.ok)
      this.emit("log", { level: "warn", message: "power button: no virtio keyboard to deliver KEY_POWER" });
  }

  async sendKeys(events: { qcode: string; down: boolean }[]): Promise<void> {
    const { qcodeToLinux } = await import("./keycodes.js");
    for (const e of events) {
      const code = qcodeToLinux(e.qcode);
      if (code === undefined) throw new Error(`Invalid parameter '${e.qcode}'`);
      const m = await this.request({ type: "key", id: nextRequestId++, code, down: e.down });
      if (m.type === "key-done" && !m.ok)
        throw new Error("No virtio keyboard to send keys to (add -device virtio-keyboard-device)");
    }
  }

  async quit(reason: ShutdownReason): Promise<void> {
    if (this.quitting) return;
    this.quitting = true;
    if (!this.workerGone) {
      const done = this.waitFor("flushed");
      this.send({ type: "quit" });
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
    }
    this._state = "shutdown";
    this.emit("shutdown", { guest: false, reason });
    await this.worker.terminate();
    this.closeDisks();
    this.emit("exit", 0);
  }

  async jitInfo(): Promise<JitInfo> {
    const m = await this.request({ type: "jit-info", id: nextRequestId++ });
    if (m.type !== "jit-info") throw new Error("unexpected reply");
    return m.info;
  }

  async readRegisters(): Promise<HartRegisters[]> {
    const m = await this.request({ type: "regs", id: nextRequestId++ });
    if (m.type !== "regs") throw new Error("unexpected reply");
    return m.regs.map((r: RawRegs) => ({
      hart: r.hart,
      pc: r.csrs.pc,
      x: r.x,
      f: r.f,
      priv: (["U", "S", "?", "M"] as const)[Number(r.csrs.priv)] as "M" | "S" | "U",
      csrs: Object.fromEntries(
        Object.entries(r.csrs)
          .filter(([k]) => !CTX.internal.has(k))
          .map(([k, v]) => [CTX.shownAs.get(k) ?? k, v]),
      ),
    }));
  }

  async readPhysical(addr: bigint, length: number): Promise<Uint8Array> {
    return this.readMem(addr, length, null);
  }
  async readVirtual(hart: number, addr: bigint, length: number): Promise<Uint8Array> {
    if (hart < 0 || hart >= this.hartCount) throw new Error(`CPU ${hart} does not exist`);
    return this.readMem(addr, length, hart);
  }
  private async readMem(addr: bigint, length: number, hart: number | null): Promise<Uint8Array> {
    const m = await this.request({ type: "mem", id: nextRequestId++, addr: "0x" + addr.toString(16), length, hart });
    if (m.type !== "mem") throw new Error("unexpected reply");
    if (m.error) throw new Error(m.error);
    return m.bytes!;
  }
}
