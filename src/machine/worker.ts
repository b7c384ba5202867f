// The CPU thread: owns core.wasm, runs the harts in slices, and talks to the main thread
// by messages. Everything the monitor reports (paused, resumed, reset, powered off) is
// posted from here after it has happened.
import { parentPort, workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { type CoreExports, RUN_BUDGET, RUN_IDLE, RUN_POWEROFF, RUN_RESET, RUN_DEBUG, REG_CSR0, CTX } from "./core.js";
import { CSRS } from "./csrs.js";
import memmap from "./memmap.json" with { type: "json" };
import { makeDeviceImports, drainConsoleOut, feedConsoleIn } from "./device-imports.js";
import { makeJitHost, jitModeName } from "./jit-host.js";
import { FileBlockBackend } from "../block/file.js";
import { OverlayBlockBackend } from "../block/overlay.js";
import type { BlockBackend } from "../block/backend.js";
import type { WorkerConfig, ToWorker, FromWorker } from "./messages.js";
import { saveState, applyState, type StateContext } from "./snapshot/core-state.js";
import type { MachineState } from "./snapshot/format.js";
import { handleDebugRequest, debugStopInfo } from "./worker-debug.js";
import { traceStart } from "../start-trace.js";
traceStart("worker: modules loaded");

const port = parentPort!;
// The configuration is the first message: the main thread starts this thread before it has read the
// images, so that the two start-ups overlap (the worker's own start is the larger part of a restore).
const cfg: WorkerConfig =
  (workerData as WorkerConfig | null) ?? (await new Promise<WorkerConfig>((resolve) => port.once("message", resolve)));
traceStart("worker: config received");

/** Instructions per core.run() call; the loop yields to messages every SLICE_MS. */
const BUDGET = 200_000;
const SLICE_MS = 8;
/** Milliseconds per mtime tick (nextWakeTicks() counts in the CLINT's timebase, memmap.json). */
const TICK_MS =
  1000 / (memmap.regions.flatMap((r) => ("timebaseHz" in r && r.timebaseHz ? [r.timebaseHz] : []))[0] ?? NaN);
if (!(TICK_MS > 0)) throw new Error("memmap.json: no region has timebaseHz");

let pausedAt = 0; // performance.now() when paused, 0 while running
let pausedTotalMs = 0; // virtual time stops while paused, as QEMU's virtual clock does
let running = false;
let quitting = false;
let wake: (() => void) | null = null;
/** The hart a debugger asked to single-step, while that step is under way. */
let steppingHart: number | null = null;
let stepIrqs = false;

function post(m: FromWorker, transfer?: ArrayBuffer[]) {
  port.postMessage(m, transfer ?? []);
}

const disks: BlockBackend[] = cfg.disks.map((d) =>
  d.overlay
    ? new OverlayBlockBackend(new FileBlockBackend(d.path, { readOnly: true, fd: d.fd }), d.overlay.fd, d.overlay.path)
    : new FileBlockBackend(d.path, { readOnly: d.readOnly, fd: d.fd, ignoreFlush: d.ignoreFlush }),
);
let core!: CoreExports;
const jit = makeJitHost(() => core);
const env = {
  ...jit.env,
  hostMonotonicNs: () => (performance.now() - pausedTotalMs - (pausedAt ? performance.now() - pausedAt : 0)) * 1e6,
  abort: (_msg: number, _file: number, line: number, col: number) => {
    throw new Error(`core aborted at ${line}:${col}`);
  },
  ...makeDeviceImports(() => core.memory, { disks }),
};
const instance = new WebAssembly.Instance(cfg.module, { env } as unknown as WebAssembly.Imports);
core = instance.exports as unknown as CoreExports;
traceStart("worker: instantiated");

if (core.init(cfg.ramSize, cfg.harts) !== 0) {
  post({ type: "fatal", message: `cannot allocate ${cfg.ramSize} bytes of guest RAM` });
  process.exit(1);
}
core.jitSetMode(cfg.jit.mode, cfg.jit.threshold);
for (const v of cfg.virtio) {
  if (core.virtioAttach(v.slot, v.type, v.backend, v.flags, v.capacity) !== 0) {
    post({ type: "fatal", message: `cannot attach virtio device type ${v.type} in slot ${v.slot}` });
  }
}

function loadBlobs() {
  const mem = new Uint8Array(core.memory.buffer);
  const rom = core.romOffset();
  mem.fill(0, rom, rom + core.romSize());
  mem.set(cfg.rom, rom);
  for (const b of cfg.blobs) {
    const host = core.physToHost(BigInt(b.addr));
    if (host === 0) throw new Error(`blob at ${b.addr} is outside RAM/ROM`);
    mem.set(b.bytes, host);
    core.noteRamWrite(BigInt(b.addr), b.bytes.length);
  }
}

/** Guest RAM has never been written (a machine waiting for -incoming): a restore needs no clearing. */
let ramIsZero = true;
/** -incoming: no machine yet, only a state to come. */
let awaitingState = cfg.incoming;

function machineReset() {
  loadBlobs();
  ramIsZero = false;
  core.resetMachine(Number(BigInt(cfg.startPc)));
}

// While the host's console output is backed up (a slow pipe), bytes stay in the UART: its ring fills,
// LSR.THRE stays 0 and the guest waits, as on a real serial line. At exit everything is taken.
let consoleHeld = false;

function drainConsole(force = false) {
  if (consoleHeld && !force) return;
  const all = drainConsoleOut(core, core.memory);
  if (all.length === 0) return;
  post({ type: "console", bytes: all }, [all.buffer as ArrayBuffer]);
}

// Host keyboard input waiting for room in the core's input ring (a paste can be large).
const pendingInput: Uint8Array[] = [];
let pendingOffset = 0;
function feedInput() {
  if (awaitingState) return; // the restored console ring would drop it: keep it until the state is in
  while (pendingInput.length > 0) {
    const chunk = pendingInput[0];
    pendingOffset += feedConsoleIn(core, chunk.subarray(pendingOffset));
    if (pendingOffset < chunk.length) return;
    pendingInput.shift();
    pendingOffset = 0;
  }
}

/** WASMVIRT_JIT_STATS=1: the translation tier's counters on stderr when the machine stops (for tuning). */
function reportJitStats() {
  if (process.env.WASMVIRT_JIT_STATS)
    process.stderr.write(`jit: ${JSON.stringify({ ...jit.counters(core), instret: Number(core.instretOf(0)) })}\n`);
}

function flushDisks() {
  for (const d of disks) {
    try {
      d.flush();
    } catch (e) {
      post({ type: "log", level: "error", message: `flush failed: ${(e as Error).message}` });
    }
  }
}

function readRegisters() {
  core.syncState();
  const out = [];
  const dv = new DataView(core.memory.buffer);
  for (let h = 0; h < cfg.harts; h++) {
    const base = core.hartContext(h);
    const x: bigint[] = [],
      f: bigint[] = [];
    for (let i = 0; i < 32; i++) x.push(dv.getBigUint64(base + CTX.x + i * 8, true));
    for (let i = 0; i < 32; i++) f.push(dv.getBigUint64(base + CTX.f + i * 8, true));
    const csrs: Record<string, bigint> = {};
    CTX.csrFields.forEach((name, i) => {
      csrs[name] = dv.getBigUint64(base + CTX.csr + i * 8, true);
    });
    csrs.fcsr = BigInt(dv.getUint32(base + CTX.fcsr, true));
    // Every CSR the hart has, by the names of the one CSR table, read through the core's CSR file
    // (as the debugger reads them): what `info registers` prints and `$name` evaluates.
    for (const c of CSRS) {
      const v = core.debugReadReg(h, REG_CSR0 + c.number);
      if (!core.debugRegMissing()) csrs[c.name] = v;
    }
    out.push({ hart: h, x, f, csrs });
  }
  return out;
}

function readMemory(addr: bigint, len: number, hart: number | null): Uint8Array {
  const out = new Uint8Array(len);
  let i = 0;
  while (i < len) {
    const va = addr + BigInt(i);
    let pa = va;
    if (hart !== null) {
      pa = core.virtToPhys(hart, va);
      if (pa === 0xffffffffffffffffn) throw new Error(`cannot access memory at address 0x${va.toString(16)}`);
    }
    const host = core.physToHost(pa);
    if (host === 0) throw new Error(`cannot access memory at address 0x${va.toString(16)}`);
    const inPage = Math.min(len - i, 4096 - Number(va & 0xfffn));
    out.set(new Uint8Array(core.memory.buffer, host, inPage), i);
    i += inPage;
  }
  return out;
}

const stateContext: StateContext = {
  core,
  disks,
  description: cfg.description,
  coreId: cfg.coreId,
  wasmvirtVersion: cfg.wasmvirtVersion,
  hostState: () => ({
    consoleInput: pendingInput.flatMap((c, i) => Array.from(i === 0 ? c.subarray(pendingOffset) : c)),
  }),
  setHostState: (h) => {
    // What the saved machine had not taken yet comes first, then what was typed while the state loaded.
    const typedMeanwhile = awaitingState ? pendingInput.map((c, i) => (i === 0 ? c.subarray(pendingOffset) : c)) : [];
    pendingInput.length = 0;
    pendingOffset = 0;
    if (Array.isArray(h.consoleInput) && h.consoleInput.length > 0) pendingInput.push(Uint8Array.from(h.consoleInput));
    pendingInput.push(...typedMeanwhile);
  },
};

async function onSave(id: number, blk: boolean) {
  try {
    drainConsole();
    flushDisks();
    const { parts, stats } = await saveState(stateContext, blk);
    // Large parts are handed over, not copied (each owns its buffer: compressor output or a fresh copy of RAM).
    const big = new Set<ArrayBuffer>();
    for (const p of parts)
      if (p.buffer.byteLength >= 1 << 16 && p.buffer !== core.memory.buffer) big.add(p.buffer as ArrayBuffer);
    post({ type: "saved", id, parts, stats }, [...big]);
  } catch (e) {
    post({ type: "saved", id, error: (e as Error).message });
  }
}

function onLoad(id: number, state: MachineState) {
  try {
    traceStart("worker: load received");
    applyState(stateContext, state, ramIsZero);
    ramIsZero = false;
    awaitingState = false;
    traceStart("worker: state applied");
    post({ type: "loaded", id });
  } catch (e) {
    post({ type: "loaded", id, error: (e as Error).message });
  }
}

function setRunning(on: boolean) {
  if (on === running) return;
  running = on;
  if (on) {
    if (pausedAt) {
      pausedTotalMs += performance.now() - pausedAt;
      pausedAt = 0;
    }
  } else pausedAt = performance.now();
}

// While a save compresses RAM in place (on the thread pool), nothing may change the machine: messages wait.
let saving: Promise<void> | undefined;
const heldDuringSave: ToWorker[] = [];

port.on("message", (m: ToWorker) => {
  if (saving) {
    heldDuringSave.push(m);
    return;
  }
  onMessage(m);
});

function onMessage(m: ToWorker) {
  switch (m.type) {
    case "pause":
      setRunning(false);
      steppingHart = null;
      drainConsole();
      post({ type: "paused" });
      break;
    case "resume":
      setRunning(true);
      post({ type: "resumed" });
      break;
    case "reset":
      machineReset();
      post({ type: "reset-done", guest: false });
      break;
    case "console-hold":
      consoleHeld = m.on;
      if (!m.on) drainConsole();
      break;
    case "input":
      pendingInput.push(Uint8Array.from(m.bytes));
      feedInput();
      break;
    case "key":
      post({ type: "key-done", id: m.id, ok: core.inputSendKey(m.code, m.down ? 1 : 0) === 1 });
      break;
    case "powerbutton":
      post({ type: "key-done", id: m.id, ok: core.inputPowerButton() === 1 });
      break;
    case "regs":
      post({ type: "regs", id: m.id, regs: readRegisters() });
      break;
    case "jit-info":
      post({
        type: "jit-info",
        id: m.id,
        info: { mode: jitModeName(core.jitMode()), threshold: cfg.jit.threshold, counters: jit.counters(core) },
      });
      break;
    case "mem":
      try {
        post({ type: "mem", id: m.id, bytes: readMemory(BigInt(m.addr), m.length, m.hart) });
      } catch (e) {
        post({ type: "mem", id: m.id, error: (e as Error).message });
      }
      break;
    case "save":
      saving = onSave(m.id, m.blk).finally(() => {
        saving = undefined;
        while (heldDuringSave.length > 0 && !saving) onMessage(heldDuringSave.shift()!);
      });
      break;
    case "load":
      onLoad(m.id, m.state);
      break;
    case "dbg":
      post(handleDebugRequest(core, m.id, m.req));
      break;
    case "dbg-step":
      steppingHart = m.hart;
      stepIrqs = m.irqs;
      setRunning(true);
      post({ type: "resumed" });
      break;
    case "quit":
      quitting = true;
      setRunning(false);
      drainConsole(true);
      flushDisks();
      post({ type: "flushed" });
      break;
  }
  if (wake) {
    const w = wake;
    wake = null;
    w();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      wake = null;
      resolve();
    }, ms);
    wake = () => {
      clearTimeout(t);
      resolve();
    };
  });
}

// Test hook: WASMVIRT_TEST_INJECT_CORE_FAULT=1 makes the first run slice fail as a core bug would, so
// tests can check that an internal error becomes run state internal-error and not a dead process.
let injectFault = process.env.WASMVIRT_TEST_INJECT_CORE_FAULT === "1";

let tracedRun = false;
async function loop() {
  for (;;) {
    if (quitting) return;
    if (!running) {
      await sleep(1000);
      continue;
    }
    if (!tracedRun) {
      tracedRun = true;
      traceStart("worker: first run slice");
    }
    const t0 = performance.now();
    let r = RUN_BUDGET;
    try {
      if (steppingHart !== null) {
        feedInput();
        r = core.stepHart(steppingHart, stepIrqs ? 1 : 0);
      } else {
        do {
          feedInput();
          if (injectFault) {
            injectFault = false;
            throw new Error("injected fault (WASMVIRT_TEST_INJECT_CORE_FAULT)");
          }
          // While a debugger has breakpoints or watchpoints: one instruction at a time, checked.
          r = core.debugActive() ? core.runDebug(BUDGET) : core.run(BUDGET);
          if (r !== RUN_BUDGET) break;
        } while (performance.now() - t0 < SLICE_MS);
      }
    } catch (e) {
      drainConsole();
      setRunning(false);
      post({ type: "fatal", message: `internal error in the core: ${(e as Error).message}` });
      continue;
    }
    drainConsole();
    if (r === RUN_DEBUG) {
      steppingHart = null;
      setRunning(false);
      post({ type: "debug-stop", ...debugStopInfo(core) });
      continue;
    }
    if (r === RUN_POWEROFF) {
      const status = core.exitStatus();
      drainConsole(true);
      setRunning(false);
      flushDisks();
      reportJitStats();
      post({ type: "poweroff", status });
      quitting = true;
      return;
    }
    if (r === RUN_RESET) {
      core.clearExit();
      flushDisks();
      machineReset();
      post({ type: "reset-done", guest: true });
      continue;
    }
    if (r === RUN_IDLE) {
      const ticks = core.nextWakeTicks(); // 10 MHz ticks
      const ms = Math.min(ticks * TICK_MS, 10);
      if (ms >= 0.05) await sleep(ms);
      continue;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

if (!cfg.incoming) machineReset();
setRunning(!cfg.startPaused && !cfg.incoming);
post({ type: "ready" });
traceStart("worker: ready posted");
loop();
