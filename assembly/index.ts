// The core's exports: what the host (src/machine/worker.ts) may call. The host never
// touches hart state on the hot path; it asks through these functions between slices.
import { RAM, ROM, ROM_SIZE, XREGS, MAX_HARTS, C_EXPAND, CORE_STATE, CORE_STATE_SIZE, SNAPSHOT_REGIONS, RAM_TOUCHED } from "./layout";
import { RAM_BASE, ramSize, setRamSize, ramWritten } from "./ram";
import { CLINT_NS_PER_TICK } from "./generated/memmap";
import * as S from "./cpu/state";
import { execute, stopReason, STOP_WFI } from "./cpu/hart";
import { checkInterrupts, pendingEnabled, effectiveMip } from "./cpu/trap";
import { tlbFlush, translate, ACC_LOAD } from "./cpu/mmu";
import { pmpDecode } from "./cpu/pmp";
import { clearException } from "./cpu/exception";
import { clintReset, clintUpdateTimers, clintNextDeadline, mtimeNow, clintSaveTime, clintRestoreTime } from "./devices/clint";
import { exitRequest, exitCode, clearExitRequest, EXIT_NONE, testSaveState, testLoadState } from "./devices/sifive_test";
import { rtcSaveTime, rtcRestoreTime } from "./devices/goldfish_rtc";
import { devicesInit, devicesReset, devicesPoll, devicesNextDeadlineNs } from "./devices/exports";
import { hostPtrRead } from "./bus";
import { expandCompressed } from "./cpu/compressed";
import * as DBG from "./cpu/debug";
import * as DREG from "./cpu/debug_regs";
import { translate as mmuTranslate, setDebugWalk, INVALID_TAG } from "./cpu/mmu";
import * as JIT from "./jit/cache";
import * as LS from "./jit/lockstep";

export { jitLoad, jitStore, jitMulDiv, jitStep } from "./jit/runtime";

export * from "./devices/exports";
export { lzCompress, lzDecompress, lzBound, lzInBuffer, lzOutBuffer, lzBufferSize } from "./lz4";

// run() results, debug stop reasons, snapshotRestore() results and the hart context layout are shared
// with the host: src/machine/core-abi.json, generated into ./generated/abi.
//   RUN_BUDGET: budget used up; call again.   RUN_IDLE: every hart waits for an interrupt: sleep until
//   nextWakeTicks().   RUN_POWEROFF: guest powered off: exitStatus() is the status.   RUN_RESET: guest asked
//   for a reset.   RUN_DEBUG: a debugger's breakpoint, watchpoint or single step stopped a hart (debugStop*).
import {
  RUN_BUDGET, RUN_IDLE, RUN_POWEROFF, RUN_RESET, RUN_DEBUG, DEBUG_BREAKPOINT, DEBUG_WATCHPOINT, DEBUG_STEP,
  RESTORE_OK, RESTORE_BAD_BLOCK, RESTORE_HARTS, RESTORE_RAM, CTX_MENVCFG, CTX_STIMECMP, CTX_INSTRET, CTX_MIP_EFFECTIVE,
} from "./generated/abi";

let activeHart: i32 = 0;
let harts: i32 = 1;
/** Instructions per hart before switching to the next one (only with -smp > 1). */
const HART_QUANTUM: i32 = 20000;
/**
 * The same under a debugger: short turns, so that the harts advance together as QEMU's run in
 * parallel (a breakpoint hit early on one finds the others past their first instructions).
 */
const DEBUG_HART_QUANTUM: i32 = 16;

/** Sizes linear memory for `ramBytes` of guest RAM and `nharts` harts. Returns 0, or -1 if memory cannot grow. */
export function init(ramBytes: f64, nharts: i32): i32 {
  if (nharts < 1 || nharts > MAX_HARTS) return -1;
  const needed = <u64>RAM + <u64>ramBytes;
  const havePages = <u64>memory.size();
  const needPages = (needed + 0xffff) >> 16;
  if (needPages > havePages) {
    if (memory.grow(<i32>(needPages - havePages)) < 0) return -1;
  }
  setRamSize(<u64>ramBytes);
  for (let c: u32 = 0; c < 0x10000; c++) store<u32>(C_EXPAND + (c << 2), (c & 3) == 3 ? 0 : expandCompressed(c));
  harts = nharts;
  S.hartCount = nharts;
  devicesInit(nharts);
  return 0;
}

export function ramOffset(): u32 { return RAM; }
export function romOffset(): u32 { return ROM; }
export function romSize(): u32 { return ROM_SIZE; }

/** Machine reset: every hart at `startPc` in M-mode, devices at power-on state. RAM is kept. */
export function resetMachine(startPc: f64): void {
  for (let h = 0; h < harts; h++) S.resetHartContext(h, <u64>startPc);
  activeHart = 0;
  S.loadHart(0);
  pmpDecode();
  tlbFlush();
  clearException();
  clearExitRequest();
  clintReset();     // the harts' timer: not a hook of the device table, it resets with the harts
  devicesReset();
  JIT.jitFlushAll();
}

/** Sets integer register r of hart h (between runs). */
export function setHartReg(h: i32, r: i32, value: u64): void {
  S.saveHart();
  store<u64>(S.hartContextPtr(h) + (<u32>r << 3), value);
  S.loadHart(activeHart);
  store<u64>(XREGS, 0);
}

/** Copies the active hart's live state into its context slot, so the host can read every hart's context. */
export function syncState(): void {
  S.saveHart();
  // mip as the hart sees it (device lines and Sstc included), for register dumps.
  store<u64>(S.hartContextPtr(activeHart) + CTX_MIP_EFFECTIVE, effectiveMip());
}
export function hartContext(h: i32): u32 { return S.hartContextPtr(h); }

function switchTo(h: i32): void {
  if (h == activeHart) return;
  S.saveHart();
  activeHart = h;
  S.loadHart(h);
  tlbFlush();   // each hart has its own translation
}

/**
 * Runs the machine for about `budget` instructions (split across harts).
 * Returns one of the RUN_* codes.
 */
export function run(budget: i32): i32 {
  devicesPoll();
  clintUpdateTimers();
  let anyRunning = false;
  for (let i = 0; i < harts; i++) {
    const h = (activeHart + i) % harts;
    switchTo(h);
    let left = harts > 1 ? min(budget, HART_QUANTUM) : budget;
    if (S.waiting) {
      if (pendingEnabled() == 0) continue;
      S.waiting = false;
    }
    anyRunning = true;
    while (left > 0) {
      checkInterrupts();
      const done = execute(left);
      S.instret += <u64>done;
      left -= done;
      if (exitRequest != EXIT_NONE) return exitRequest == 1 ? RUN_POWEROFF : RUN_RESET;
      if (stopReason == STOP_WFI) {
        if (pendingEnabled() != 0) { S.waiting = false; continue; }
        break;
      }
    }
  }
  if (harts > 1) switchTo((activeHart + 1) % harts);
  if (!anyRunning) return RUN_IDLE;
  return RUN_BUDGET;
}

export function exitStatus(): i32 { return exitCode; }
export function clearExit(): void { clearExitRequest(); }

/**
 * mtime ticks (memmap.json clint.timebaseHz: 10 MHz) until the earliest event that could wake a waiting hart: a CLINT or Sstc timer,
 * or a device that needs a poll at a time (the RTC alarm: devicesNextDeadlineNs); 0 if already due.
 * The host sleeps this long while every hart waits in WFI.
 */
export function nextWakeTicks(): f64 {
  const now = mtimeNow();
  let next = clintNextDeadline();
  const deviceNs = devicesNextDeadlineNs();
  if (deviceNs >= 0) {
    const at = now + <u64>Math.ceil(deviceNs / CLINT_NS_PER_TICK);   // ns → mtime ticks, never early
    if (at < next) next = at;
  }
  S.saveHart();
  for (let h = 0; h < harts; h++) {
    const c = S.hartContextPtr(h);
    if ((load<u64>(c + CTX_MENVCFG) >> 63) != 0) { const st = load<u64>(c + CTX_STIMECMP); if (st < next) next = st; }
  }
  if (next <= now) return 0;
  return <f64>(next - now);
}

/** Guest physical → host offset for RAM/ROM (for memory dumps), 0 when not backed by memory. */
export function physToHost(pa: u64): u32 { return hostPtrRead(pa); }

/** Translates a virtual address with hart h's current translation (for the monitor's x command). Returns ~0 on fault. */
export function virtToPhys(h: i32, va: u64): u64 {
  switchTo(h);
  const pa = translate(va, ACC_LOAD, S.dataPriv());
  clearException();
  return pa;
}

export function ramBase(): u64 { return RAM_BASE; }
export function ramBytes(): u64 { return ramSize; }
export function instretOf(h: i32): u64 { S.saveHart(); return load<u64>(S.hartContextPtr(h) + CTX_INSTRET); }

/** The host wrote [pa, pa+len) of guest RAM directly (loader, block I/O, debugger, restore). */
export function noteRamWrite(pa: u64, len: u32): void { ramWritten(pa, <u64>len); }

// ---- saved machine state (QMP migrate / -incoming) ----
// A state is the linear-memory regions of SNAPSHOT_REGIONS plus RAM. Every wasm global that is
// machine state is first written into CORE_STATE (the hart's CSRs into its context slot by
// saveHart); the globals that are not (per-instruction scratch, caches rebuilt on restore) are
// listed in test/machine/snapshot-globals.test.ts, which fails when a new global is neither.

const CORE_STATE_MAGIC: u32 = 0x53435657;   // "WVCS"
const CORE_STATE_VERSION: u32 = 1;

/** RAM_TOUCHED: bit p set = RAM page p may hold data. A restore rewrites it with the state's page map. */
export function ramTouchedOffset(): u32 { return RAM_TOUCHED; }

export function snapshotRegionCount(): i32 { return SNAPSHOT_REGIONS.length >> 1; }
export function snapshotRegionStart(i: i32): u32 { return SNAPSHOT_REGIONS[i << 1]; }
export function snapshotRegionSize(i: i32): u32 { return SNAPSHOT_REGIONS[(i << 1) + 1]; }

/** Writes every hart's context and the core's globals into linear memory (call between runs). */
export function snapshotSave(): void {
  S.saveHart();
  memory.fill(CORE_STATE, 0, CORE_STATE_SIZE);
  store<u32>(CORE_STATE, CORE_STATE_MAGIC, 0);
  store<u32>(CORE_STATE, CORE_STATE_VERSION, 4);
  store<i32>(CORE_STATE, activeHart, 8);
  store<i32>(CORE_STATE, harts, 12);
  store<u64>(CORE_STATE, ramSize, 16);
  store<u64>(CORE_STATE, clintSaveTime(), 24);
  store<u64>(CORE_STATE, rtcSaveTime(), 32);
  testSaveState(CORE_STATE + 40);
}

// RESTORE_BAD_BLOCK: no CORE_STATE magic / other block version; RESTORE_HARTS: saved with another -smp;
// RESTORE_RAM: saved with another -m (the host's messages: core-abi.json).

/**
 * After the host wrote back every region and RAM: the globals from CORE_STATE, the active hart from
 * its context, derived state (PMP decode, TLB tags) rebuilt, caches dropped, clocks continued.
 */
export function snapshotRestore(): i32 {
  if (load<u32>(CORE_STATE, 0) != CORE_STATE_MAGIC || load<u32>(CORE_STATE, 4) != CORE_STATE_VERSION) return RESTORE_BAD_BLOCK;
  if (load<i32>(CORE_STATE, 12) != harts) return RESTORE_HARTS;
  if (load<u64>(CORE_STATE, 16) != ramSize) return RESTORE_RAM;
  const h = load<i32>(CORE_STATE, 8);
  if (h < 0 || h >= harts) return RESTORE_BAD_BLOCK;
  activeHart = h;
  S.hartCount = harts;
  S.loadHart(h);
  pmpDecode();
  tlbFlush();
  clearException();
  testLoadState(CORE_STATE + 40);
  clintRestoreTime(load<u64>(CORE_STATE, 24));
  rtcRestoreTime(load<u64>(CORE_STATE, 32));
  ramWritten(RAM_BASE, ramSize);   // every translated page is stale
  JIT.jitFlushAll();               // and the translation cache's page state with it
  return RESTORE_OK;
}

// ---- debugger support (the host's gdb server). None of this runs unless a debugger asks. ----

// Why the last RUN_DEBUG happened, and on which hart.
let debugReason: i32 = 0;
let debugHart: i32 = 0;
export function debugStopReason(): i32 { return debugReason; }
export function debugStopHart(): i32 { return debugHart; }
export function debugWatchAddr(): u64 { return DBG.watchHitAddr; }
export function debugWatchKind(): i32 { return DBG.watchHitKind; }

export function debugBreakpointInsert(addr: u64): i32 { return DBG.breakpointInsert(addr); }
export function debugBreakpointRemove(addr: u64): i32 { return DBG.breakpointRemove(addr); }
/** kind: 1 write, 2 read, 3 access. */
export function debugWatchpointInsert(addr: u64, len: u64, kind: i32): i32 { return DBG.watchpointInsert(addr, len, kind); }
export function debugWatchpointRemove(addr: u64, len: u64, kind: i32): i32 { return DBG.watchpointRemove(addr, len, kind); }
export function debugClearAll(): void { DBG.clearAll(); }
/** True while breakpoints or watchpoints exist: the host must run with runDebug, not run. */
export function debugActive(): i32 { return DBG.bpCount != 0 || DBG.watchCount != 0 ? 1 : 0; }

function debugStop(reason: i32): i32 {
  debugReason = reason;
  debugHart = S.hartId;
  return RUN_DEBUG;
}

/**
 * run() for a machine with breakpoints or watchpoints: the same scheduling, but one instruction
 * at a time through the interpreter, stopping before an instruction at a breakpoint and after
 * an access that hit a watchpoint (RUN_DEBUG). Slower than run(); used only while debugging.
 */
export function runDebug(budget: i32): i32 {
  devicesPoll();
  clintUpdateTimers();
  DBG.clearWatchHit();
  let anyRunning = false;
  for (let i = 0; i < harts; i++) {
    const h = (activeHart + i) % harts;
    switchTo(h);
    let left = harts > 1 ? min(budget, DEBUG_HART_QUANTUM) : budget;
    if (S.waiting) {
      if (pendingEnabled() == 0) continue;
      S.waiting = false;
    }
    anyRunning = true;
    let recheck = true;
    while (left > 0) {
      if (recheck) { checkInterrupts(); recheck = false; }
      if (DBG.bpCount != 0 && DBG.isBreakpoint(S.pc)) return debugStop(DEBUG_BREAKPOINT);
      if (DBG.watchCount != 0 && DBG.watchBeforeInstruction()) return debugStop(DEBUG_WATCHPOINT);
      const done = execute(1);
      S.instret += <u64>done;
      left--;
      if (exitRequest != EXIT_NONE) return exitRequest == 1 ? RUN_POWEROFF : RUN_RESET;
      if (stopReason == STOP_WFI) {
        if (pendingEnabled() != 0) { S.waiting = false; recheck = true; continue; }
        break;
      }
      if (stopReason != 0) recheck = true;
    }
  }
  if (harts > 1) switchTo((activeHart + 1) % harts);
  if (!anyRunning) return RUN_IDLE;
  return RUN_BUDGET;
}

/**
 * Single step of hart h, as QEMU's gdbstub does it: exactly one instruction, or the entry into
 * the trap it raised. By default (QEMU's NOIRQ) no interrupt is taken; with `irqs` != 0 a pending
 * interrupt is taken instead, and its entry is the step. A hart waiting in WFI with nothing
 * pending does not step (RUN_IDLE: try again later).
 */
export function stepHart(h: i32, irqs: i32): i32 {
  switchTo(h);
  devicesPoll();
  if (S.waiting) {
    if (pendingEnabled() == 0) return RUN_IDLE;
    S.waiting = false;
  }
  DBG.clearWatchHit();
  if (irqs != 0) {
    clintUpdateTimers();
    if (checkInterrupts()) return debugStop(DEBUG_STEP);
  }
  if (DBG.watchCount != 0 && DBG.watchBeforeInstruction()) return debugStop(DEBUG_WATCHPOINT);
  const done = execute(1);
  S.instret += <u64>done;
  if (exitRequest != EXIT_NONE) return exitRequest == 1 ? RUN_POWEROFF : RUN_RESET;
  return debugStop(DEBUG_STEP);
}

/** Register n of hart h in gdb's numbering (see cpu/debug_regs.ts); debugRegMissing() tells if it exists. */
export function debugReadReg(h: i32, n: i32): u64 { switchTo(h); return DREG.debugRead(n); }
export function debugWriteReg(h: i32, n: i32, v: u64): void { switchTo(h); DREG.debugWrite(n, v); store<u64>(XREGS, 0); }
export function debugRegMissing(): i32 { return DREG.regMissing ? 1 : 0; }

/**
 * A debugger's view of virtual address `va` on hart h: translated with the hart's current
 * privilege and satp (QEMU's get_phys_page_debug), without setting A/D bits. ~0 when unmapped.
 */
export function debugVirtToPhys(h: i32, va: u64): u64 {
  switchTo(h);
  setDebugWalk(true);
  const pa = mmuTranslate(va, ACC_LOAD, S.priv);
  setDebugWalk(false);
  clearException();
  return pa == INVALID_TAG ? INVALID_TAG : pa;
}

// ---- translation tier control and counters (info jit) ----
/** mode: 0 interpreter only, 1 translate hot pages (after `threshold` jumps into a page), 2 eager, 3 lockstep. */
export function jitSetMode(mode: i32, threshold: u32): void { JIT.setMode(mode, threshold); JIT.jitFlushAll(); }
export function jitMode(): i32 { return JIT.mode; }
/** While set (a debugger steps or watches), translated code is never entered. */
export function jitSuspend(on: i32): void { JIT.setSuspended(on != 0); }
export function jitFlush(): void { JIT.jitFlushAll(); }
export function jitTableBase(): i32 { return JIT.TABLE_BASE; }
export function jitMaxRegions(): i32 { return JIT.maxRegions(); }
/** Counter i of the translation tier (see src/machine/jit-host.ts JIT_COUNTERS for the order). */
export function jitCounter(i: i32): f64 {
  switch (i) {
    case 0: return <f64>JIT.liveRegions;
    case 1: return <f64>JIT.liveBytes;
    case 2: return <f64>JIT.statCompiled;
    case 3: return <f64>JIT.statBytesCompiled;
    case 4: return <f64>JIT.statCompileFailed;
    case 5: return <f64>JIT.statInvalidated;
    case 6: return <f64>JIT.statEvicted;
    case 7: return <f64>JIT.statBackedOff;
    case 8: return <f64>JIT.statEntered;
    case 9: return <f64>JIT.statJitInstructions;
    case 10: return <f64>JIT.statLockstepChecks;
    case 11: return <f64>JIT.statLockstepSkipped;
    case 12: return <f64>JIT.statExitBranch;
    case 13: return <f64>JIT.statExitInterp;
    case 14: return <f64>JIT.statExitFault;
    case 15: return <f64>JIT.statExitEvent;
    case 16: return <f64>LS.mismatches;
    case 17: return <f64>JIT.statLoops;
    case 18: return <f64>JIT.statOptimized;
  }
  return -1;
}

/** The lockstep checker's first mismatch: [entry pc, what (1 context word, 2 memory, 3 count/pc), index, region value, interpreter value]. */
export function jitLockstepReport(i: i32): u64 {
  switch (i) {
    case 0: return LS.firstPc;
    case 1: return <u64>LS.firstWhat;
    case 2: return LS.firstIndex;
    case 3: return LS.firstRegion;
    default: return LS.firstInterp;
  }
}
