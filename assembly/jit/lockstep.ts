// The lockstep checker (MODE_LOCKSTEP, for tests): every region call is checked against the
// interpreter. The region runs with all stores on the slow path and logged; then memory and the
// hart are put back, the interpreter executes the same number of instructions from the same
// state, and registers, CSRs, pc and every byte either side stored must agree. Region runs that
// touched a device cannot be replayed (device reads have effects) and are counted as skipped.
// The interpreter's result is what the machine keeps.
import { JIT_STORE_LOG, JIT_STORE_LOG_SIZE, HART_CTX_SIZE, TLB_STORE, TLB_ENTRIES } from "../layout";
import * as S from "../cpu/state";
import * as E from "../cpu/exception";
import * as C from "./cache";
import { execute } from "../cpu/hart";

function callRegion(r: i32, block: i32, budget: i32, vpage: u64): i32 {
  return call_indirect<i32>(<u32>(C.TABLE_BASE + r), block, budget, vpage);
}

// ---- store logs: (host address u32, size u32, old value u64, new value u64) ----
const ENTRY: u32 = 24;
const LOG_REGION: u32 = JIT_STORE_LOG;
const LOG_INTERP: u32 = JIT_STORE_LOG + 0x40000;
const LOG_MAX: u32 = 0x40000 / ENTRY;
const CTX_PRE: u32 = JIT_STORE_LOG + 0x80000;
const CTX_REGION: u32 = CTX_PRE + 0x1000;
const CTX_INTERP: u32 = CTX_PRE + 0x2000;

let logBase: u32 = 0;
let logCount: u32 = 0;
let logOverflow: bool = false;
/** True while a checked run is being recorded: stores log, nothing gets a fast store entry. */
export let logging: bool = false;
export let sawDevice: bool = false;

/** Called by every write to RAM made on behalf of the hart while logging (before it happens). */
export function logStore(hp: u32, size: i32): void {
  if (logCount >= LOG_MAX) { logOverflow = true; return; }
  const e = logBase + logCount * ENTRY;
  store<u32>(e, hp);
  store<u32>(e, <u32>size, 4);
  store<u64>(e, readSized(hp, size), 8);
  logCount++;
}
export function noteDevice(): void { sawDevice = true; }

function readSized(hp: u32, size: i32): u64 {
  if (size == 1) return <u64>load<u8>(hp);
  if (size == 2) return <u64>load<u16>(hp);
  if (size == 4) return <u64>load<u32>(hp);
  return load<u64>(hp);
}
function writeSized(hp: u32, size: i32, v: u64): void {
  if (size == 1) store<u8>(hp, <u8>v);
  else if (size == 2) store<u16>(hp, <u16>v);
  else if (size == 4) store<u32>(hp, <u32>v);
  else store<u64>(hp, v);
}

// ---- the first mismatch, for the report ----
export let mismatches: u64 = 0;
export let firstPc: u64 = 0;       // where the checked region run started
export let firstWhat: i32 = 0;     // 1 = context word, 2 = memory, 3 = instruction count / exit pc
export let firstIndex: u64 = 0;    // context byte offset or host address
export let firstRegion: u64 = 0;   // value the region produced
export let firstInterp: u64 = 0;   // value the interpreter produced

function mismatch(pc: u64, what: i32, index: u64, a: u64, b: u64): void {
  if (mismatches == 0) { firstPc = pc; firstWhat = what; firstIndex = index; firstRegion = a; firstInterp = b; }
  mismatches++;
}

function startLog(base: u32): void {
  logBase = base; logCount = 0; logOverflow = false; sawDevice = false; logging = true;
  memory.fill(TLB_STORE, 0xff, <u32>TLB_ENTRIES << 4);
}

/** Undo the stores of the current log (last first). */
function undo(): void {
  for (let i = <i32>logCount - 1; i >= 0; i--) {
    const e = logBase + <u32>i * ENTRY;
    writeSized(load<u32>(e), <i32>load<u32>(e, 4), load<u64>(e, 8));
  }
}
/** Record each logged location's current value as its new value. */
function captureNew(): void {
  for (let i: u32 = 0; i < logCount; i++) {
    const e = logBase + i * ENTRY;
    store<u64>(e, readSized(load<u32>(e), <i32>load<u32>(e, 4)), 16);
  }
}

function snapshot(dst: u32): void { S.saveHart(); memory.copy(dst, S.hartContextPtr(S.hartId), HART_CTX_SIZE); }
function restore(src: u32): void { memory.copy(S.hartContextPtr(S.hartId), src, HART_CTX_SIZE); S.loadHart(S.hartId); }

/** Runs block `block` of region `r` (entered at `pc`), checked against the interpreter. */
export function checkedRun(r: i32, block: i32, budget: i32, vpage: u64, pc: u64): i32 {
  snapshot(CTX_PRE);
  startLog(LOG_REGION);
  const done = callRegion(r, block, budget, vpage);
  logging = false;
  const why = load<i32>(C.W_EXIT_REASON);
  const exitPc = load<u64>(C.W_EXIT_PC);
  if (sawDevice || logOverflow) { C.countLockstepSkip(); return done; }
  const cause = E.excCause, tval = E.excTval;
  captureNew();
  const regionCount = logCount;
  S.pc = exitPc;
  snapshot(CTX_REGION);
  // Back to the state before the region, then the interpreter.
  undo();
  restore(CTX_PRE);
  const want = why == C.R_FAULT ? done - 1 : done;
  startLog(LOG_INTERP);
  const suspendedBefore = C.suspended;
  C.setSuspended(true);
  S.pc = pc;
  const ran = want > 0 ? execute(want) : 0;
  C.setSuspended(suspendedBefore);
  logging = false;
  captureNew();
  snapshot(CTX_INTERP);
  C.countLockstepCheck();
  if (ran != want || S.pc != exitPc) mismatch(pc, 3, <u64>ran, exitPc, S.pc);
  // Hart context, word by word (x, f, fcsr, pmp, CSRs, hpm).
  for (let o: u32 = 0; o < HART_CTX_SIZE; o += 8) {
    const a = load<u64>(CTX_REGION + o), b = load<u64>(CTX_INTERP + o);
    if (a != b) { mismatch(pc, 1, <u64>o, a, b); break; }
  }
  // Memory: what the region stored must be what the interpreter left, and vice versa.
  for (let i: u32 = 0; i < regionCount; i++) {
    const e = LOG_REGION + i * ENTRY;
    const hp = load<u32>(e), size = <i32>load<u32>(e, 4);
    const now = readSized(hp, size);
    if (now != load<u64>(e, 16)) { mismatch(pc, 2, <u64>hp, load<u64>(e, 16), now); break; }
  }
  for (let i: u32 = 0; i < logCount; i++) {
    const e = LOG_INTERP + i * ENTRY;
    const hp = load<u32>(e), size = <i32>load<u32>(e, 4);
    let regionWrote = false;
    for (let j: u32 = 0; j < regionCount; j++) if (load<u32>(LOG_REGION + j * ENTRY) == hp) { regionWrote = true; break; }
    if (!regionWrote && load<u64>(e, 16) != load<u64>(e, 8)) { mismatch(pc, 2, <u64>hp, load<u64>(e, 8), load<u64>(e, 16)); break; }
  }
  // The machine continues from the interpreter's state; a fault is taken by the dispatcher as usual.
  store<u64>(C.W_EXIT_PC, S.pc);
  if (why == C.R_FAULT) { E.raise(cause, tval); }
  return why == C.R_FAULT ? ran + 1 : ran;
}
