// The translation tier's side of the core: entering regions from the interpreter, compiling
// pages that got hot (the host turns the emitted bytes into a module in a table slot), and the
// slow paths that generated code calls (exported by the core, imported by every region).
import { RAM, TLB_FETCH } from "../layout";
import * as S from "../cpu/state";
import * as E from "../cpu/exception";
import * as MMU from "../cpu/mmu";
import * as BUS from "../bus";
import { mulDiv } from "../cpu/muldiv";
import * as C from "./cache";
import { translatePage, loopsOfLast, ENTRY_LIST } from "./translate";
import { JIT_MODULE_BUF } from "../layout";
import { checkedRun } from "./lockstep";
import { execute, stopReason, STOP_BUDGET } from "../cpu/hart";

/**
 * Compiles `len` bytes at `ptr` into a module and puts its function "f" into table slot `slot`;
 * `tier` says which compiler (C.TIER_BASELINE: V8's Liftoff only, C.TIER_OPTIMIZED: TurboFan). 0 = done.
 */
@external("env", "jitCompile") declare function hostCompile(ptr: u32, len: u32, slot: i32, tier: u32): i32;

// ---- slow paths called by generated code ----
export function jitLoad(va: u64, size: i32): u64 {
  const v = MMU.loadSlow(va, size);
  store<i32>(C.W_STATUS, E.excCause >= 0 ? C.R_FAULT : C.R_NONE);
  return v;
}

export function jitStore(va: u64, size: i32, v: u64): i32 {
  MMU.storeSlow(va, size, v);
  if (E.excCause >= 0) return C.R_FAULT;
  if (BUS.mmioTouched) { BUS.mmioTouched = false; return C.R_EVENT; }
  if (C.runningInvalidated) return C.R_BRANCH;   // the store rewrote this region's own page
  return C.R_NONE;
}

export function jitMulDiv(a: u64, b: u64, op: i32): u64 { return mulDiv(a, b, op); }

/**
 * One FP or atomic instruction at `pc`, run by the interpreter from inside a region. Returns
 * R_NONE when execution goes on sequentially; otherwise (a trap was taken, a device was written,
 * the region's code was rewritten) the reason to leave, with W_EXIT_PC = where to go on.
 */
export function jitStep(pc: u64): i32 {
  S.pc = pc;
  const priv = S.priv;
  execute(1);
  const next = S.pc;
  if (stopReason != STOP_BUDGET) { store<u64>(C.W_EXIT_PC, next); return C.R_EVENT; }
  const step = next - pc;
  if ((step != 2 && step != 4) || S.priv != priv || C.runningInvalidated) { store<u64>(C.W_EXIT_PC, next); return C.R_BRANCH; }
  return C.R_NONE;
}

// ---- compile ----
/**
 * Translates page pidx (again, when `old` is its region) with the old region's entries and, at
 * TIER_BASELINE, the new entry `off`; at TIER_OPTIMIZED (promotion) with the same entries.
 */
function compile(pidx: u32, hostPage: u32, off: u32, old: i32, tier: u32): i32 {
  let n: u32 = 0;
  if (old >= 0) {
    n = C.regionEntryCount(old);
    for (let i: u32 = 0; i < n; i++) store<u16>(ENTRY_LIST + (i << 1), <u16>C.regionEntry(old, i));
  }
  if (tier == C.TIER_BASELINE) {
    if (n >= C.MAX_ENTRIES) { store<u16>(C.entryMap(old) + off, 0xffff); return -1; }
    store<u16>(ENTRY_LIST + (n << 1), <u16>(off >> 1));
    n++;
  }
  if (old >= 0) C.freeRegion(old);
  const r = C.allocRegion();
  if (r < 0) return -1;
  const len = translatePage(r, hostPage, ENTRY_LIST, n, C.entryMap(r));
  if (len == 0 || hostCompile(JIT_MODULE_BUF, len, C.TABLE_BASE + r, tier) != 0) {
    memory.fill(C.entryMap(r), 0, 4096);
    C.compileFailed(pidx);
    return -1;
  }
  C.installRegion(r, pidx, len, tier);
  C.countLoops(loopsOfLast());
  C.setRegionEntries(r, ENTRY_LIST, n);
  return r;
}

// ---- entry ----
/**
 * Runs translated code at `pc` if there is (or, once the page is hot, can be) a region for it.
 * Returns the instructions executed (the exit pc and reason are in W_EXIT_PC / W_EXIT_REASON),
 * or -1 when the interpreter should go on.
 */
export function tryEnter(pc: u64, budget: i32): i32 {
  if (C.suspended) return -1;
  const vpage = pc & ~<u64>0xfff;
  const e = TLB_FETCH + (((<u32>(pc >> 12)) & MMU.TLB_MASK) << 4);
  if (load<u64>(e) != (vpage | S.fetchTag)) return -1;
  const hostPage = <u32>vpage + load<u32>(e, 8);
  if (hostPage < RAM) return -1;
  const pidx = (hostPage - RAM) >> 12;
  const info = C.pageInfo(pidx);
  const off = <u32>pc & 0xfff;
  let r = C.pageRegion(info);
  if (r >= 0) {
    const m = <i32>load<u16>(C.entryMap(r) + off);
    if (m == 0xffff) return -1;
    if (m != 0) return runRegion(r, pidx, m - 1, budget, vpage, pc);
  }
  if (C.pageBackedOff(info)) return -1;
  if (C.bumpHotness(pidx) < (r >= 0 ? C.retranslateThreshold : C.threshold)) return -1;
  C.resetHotness(pidx);
  r = compile(pidx, hostPage, off, r, C.TIER_BASELINE);
  if (r < 0) return -1;
  const m = <i32>load<u16>(C.entryMap(r) + off);
  if (m == 0 || m == 0xffff) return -1;
  return runRegion(r, pidx, m - 1, budget, vpage, pc);
}

function runRegion(r: i32, pidx: u32, block: i32, budget: i32, vpage: u64, pc: u64): i32 {
  store<u64>(C.W_DATA_TAG, S.dataTag);
  C.setRunning(r, <i32>pidx);
  const done = C.mode == C.MODE_LOCKSTEP
    ? checkedRun(r, block, budget, vpage, pc)
    : call_indirect<i32>(<u32>(C.TABLE_BASE + r), block, budget, vpage);
  C.setRunning(-1, -1);
  C.countEntry(done);
  // (the exit pc and reason stay in JIT_WORDS: the new translation does not touch them)
  if (C.regionRan(r, done) && C.mode != C.MODE_LOCKSTEP) compile(pidx, RAM + (pidx << 12), 0, r, C.TIER_OPTIMIZED);
  return done;
}
