// Typed view of core.wasm's exports (assembly/index.ts). The only place the host names them.
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

import type { JitCore } from "./jit-host.js";
// What asc declares for the built core (npm run build:core writes build/core.d.ts before tsc runs).
import type { instantiate } from "../../build/core.js";
// The numbers the core and the host share, from their one home (the core's copy is generated from it).
import abi from "./core-abi.json" with { type: "json" };

/** run() results. */
export const RUN_BUDGET = abi.run.BUDGET;
export const RUN_IDLE = abi.run.IDLE;
export const RUN_POWEROFF = abi.run.POWEROFF;
export const RUN_RESET = abi.run.RESET;
/** A debugger's breakpoint, watchpoint or single step stopped a hart: see debugStopReason / debugStopHart. */
export const RUN_DEBUG = abi.run.DEBUG;
export const DEBUG_BREAKPOINT = abi.debugStop.BREAKPOINT;
export const DEBUG_WATCHPOINT = abi.debugStop.WATCHPOINT;
export const DEBUG_STEP = abi.debugStop.STEP;
/** The core's debugger register numbering (assembly/cpu/debug_regs.ts), which is gdb's for riscv64 on QEMU. */
export const REG_PC = abi.debugRegs.PC;
export const REG_F0 = abi.debugRegs.F0;
export const REG_PRIV = abi.debugRegs.PRIV;
export const REG_CSR0 = abi.debugRegs.CSR0;

export interface CoreExports extends JitCore {
  memory: WebAssembly.Memory;
  init(ramBytes: number, harts: number): number;
  resetMachine(startPc: number): void;
  setHartReg(h: number, r: number, v: bigint): void;
  syncState(): void;
  hartContext(h: number): number;
  run(budget: number): number;
  exitStatus(): number;
  clearExit(): void;
  nextWakeTicks(): number;
  physToHost(pa: bigint): number;
  /** Every direct host write into guest RAM must be reported (invalidates translated code, marks pages dirty). */
  noteRamWrite(pa: bigint, len: number): void;
  virtToPhys(h: number, va: bigint): bigint;
  ramOffset(): number;
  ramBytes(): bigint;
  romOffset(): number;
  romSize(): number;
  instretOf(h: number): bigint;
  consoleOutPending(): number;
  consoleOutPtr(): number;
  consoleOutConsume(n: number): void;
  consoleInFree(): number;
  consoleInPush(byte: number): number;
  virtioAttach(slot: number, type: number, backend: number, flags: number, capacity: number): number;
  virtioSlotDevice(slot: number): number;
  inputSendKey(code: number, down: number): number;
  inputPowerButton(): number;
  /** Saved machine state: linear-memory regions besides RAM (assembly/layout.ts SNAPSHOT_REGIONS). */
  snapshotRegionCount(): number;
  /** Map of RAM pages ever written (bit per 4 KiB page); saved states read only those pages. */
  ramTouchedOffset(): number;
  /** LZ4 block codec of saved states (assembly/lz4.ts): offsets in linear memory; -1 = no room / malformed. */
  lzCompress(src: number, len: number, dst: number, cap: number): number;
  lzDecompress(src: number, len: number, dst: number, cap: number): number;
  lzBound(len: number): number;
  lzInBuffer(): number;
  lzOutBuffer(): number;
  lzBufferSize(): number;
  snapshotRegionStart(i: number): number;
  snapshotRegionSize(i: number): number;
  /** Writes every hart's context and the core's globals into linear memory. */
  snapshotSave(): void;
  /** After the regions and RAM were written back: rebuild the core's globals. 0 ok, <0 refused (RESTORE_*). */
  snapshotRestore(): number;
  // Debugger support (assembly/cpu/debug.ts, debug_regs.ts); nothing here is used unless a debugger is attached.
  runDebug(budget: number): number;
  /** One instruction (or trap entry) of hart h; irqs != 0 lets a pending interrupt be taken (its entry is the step). */
  stepHart(h: number, irqs: number): number;
  debugActive(): number;
  debugStopReason(): number;
  debugStopHart(): number;
  debugWatchAddr(): bigint;
  debugWatchKind(): number;
  debugBreakpointInsert(addr: bigint): number;
  debugBreakpointRemove(addr: bigint): number;
  debugWatchpointInsert(addr: bigint, len: bigint, kind: number): number;
  debugWatchpointRemove(addr: bigint, len: bigint, kind: number): number;
  debugClearAll(): void;
  /** gdb's register numbering: 0..31 x, 32 pc, 33..64 f, 65 priv, 66 + n CSR n. */
  debugReadReg(h: number, n: number): bigint;
  debugWriteReg(h: number, n: number, v: bigint): void;
  debugRegMissing(): number;
  debugVirtToPhys(h: number, va: bigint): bigint;
  jitSetMode(mode: number, threshold: number): void;
  jitMode(): number;
  jitSuspend(on: number): void;
  jitFlush(): void;
}

/**
 * Build-time check that the host is typed against the core it runs: every export CoreExports names
 * exists in build/core.d.ts with a compatible signature, or tsc fails here naming the export.
 */
type GeneratedCoreExports = Awaited<ReturnType<typeof instantiate>>;
export function asCoreExports(generated: GeneratedCoreExports): CoreExports {
  return generated;
}

/** snapshotRestore() refusals and what the host says for each. */
export const RESTORE_ERRORS: Record<number, string> = Object.fromEntries(
  Object.values(abi.restore).flatMap((r) => ("message" in r ? [[r.code, r.message]] : [])),
);

export function coreWasmPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/machine/core.js → build/core.wasm
  return join(here, "..", "..", "build", "core.wasm");
}

let coreBytes: Buffer | undefined;
function readCore(): Buffer {
  if (!coreBytes) {
    try {
      coreBytes = readFileSync(coreWasmPath());
    } catch {
      throw new Error(`core not built: ${coreWasmPath()} is missing (run "npm run build")`);
    }
  }
  return coreBytes;
}

export function loadCoreModule(): WebAssembly.Module {
  return new WebAssembly.Module(new Uint8Array(readCore()));
}

/** The core build's identity for saved states: a state's memory layout belongs to one build. */
export function coreBuildId(): string {
  return createHash("sha256").update(readCore()).digest("hex").slice(0, 16);
}

/** A hart context slot (core-abi.json hartContext; assembly/cpu/state.ts writes it): areas and the csr words in order. */
export const CTX = {
  ...abi.hartContext.areas,
  csrFields: abi.hartContext.words.map((w) => w.name),
  /** Words that are not architectural registers: the monitor does not list them. */
  internal: new Set(abi.hartContext.words.filter((w) => "internal" in w && w.internal).map((w) => w.name)),
  /** Words the monitor lists under another name (the effective mip as "mip"). */
  shownAs: new Map(
    abi.hartContext.words.flatMap((w): [string, string][] =>
      "shownAs" in w && w.shownAs ? [[w.name, w.shownAs]] : [],
    ),
  ),
};
