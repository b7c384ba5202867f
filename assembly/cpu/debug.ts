// What a debugger (the host's gdb server) has asked the harts to watch for: breakpoints on
// virtual pcs and watchpoints on virtual data ranges, as QEMU's gdbstub keeps them (one list
// for all harts). Nothing here is on the hot path: both are checked by the debug run loop
// (index.ts runDebug / stepHart) before each instruction, one instruction at a time, only
// while a debugger has set some.
import * as S from "./state";
import { C_EXPAND } from "../layout";
import { translate, setDebugWalk, INVALID_TAG, ACC_FETCH } from "./mmu";
import { clearException } from "./exception";
import { hostPtrRead } from "../bus";

export const MAX_BREAKPOINTS: i32 = 64;
export const MAX_WATCHPOINTS: i32 = 16;

// Watchpoint kinds, as gdb's Z2 (write), Z3 (read), Z4 (access) ask for them.
export const WATCH_WRITE: i32 = 1;
export const WATCH_READ: i32 = 2;
export const WATCH_ACCESS: i32 = 3;

// Static tables (the core never allocates): u64 addresses, u64 lengths, i32 kinds.
const BP_ADDR = memory.data(MAX_BREAKPOINTS * 8);
export let bpCount: i32 = 0;

const WP_ADDR = memory.data(MAX_WATCHPOINTS * 8);
const WP_LEN = memory.data(MAX_WATCHPOINTS * 8);
const WP_KIND = memory.data(MAX_WATCHPOINTS * 4);
export let watchCount: i32 = 0;

@inline function bpAt(i: i32): u64 { return load<u64>(BP_ADDR + (<usize>i << 3)); }
@inline function setBp(i: i32, v: u64): void { store<u64>(BP_ADDR + (<usize>i << 3), v); }
@inline function wpAddrAt(i: i32): u64 { return load<u64>(WP_ADDR + (<usize>i << 3)); }
@inline function wpLenAt(i: i32): u64 { return load<u64>(WP_LEN + (<usize>i << 3)); }
@inline function wpKindAt(i: i32): i32 { return load<i32>(WP_KIND + (<usize>i << 2)); }
function setWp(i: i32, addr: u64, len: u64, kind: i32): void {
  store<u64>(WP_ADDR + (<usize>i << 3), addr);
  store<u64>(WP_LEN + (<usize>i << 3), len);
  store<i32>(WP_KIND + (<usize>i << 2), kind);
}

// The watchpoint hit by the last access (QEMU reports the watchpoint's address, not the access's).
export let watchHit: bool = false;
export let watchHitAddr: u64 = 0;
export let watchHitKind: i32 = 0;

export function clearWatchHit(): void { watchHit = false; }

/** Adds a breakpoint at `addr`. Returns 0, or -1 when the table is full. A duplicate is counted again, as QEMU does. */
export function breakpointInsert(addr: u64): i32 {
  if (bpCount >= MAX_BREAKPOINTS) return -1;
  setBp(bpCount, addr);
  bpCount++;
  return 0;
}

/** Removes one breakpoint at `addr`. Returns 0, or -1 when there is none. */
export function breakpointRemove(addr: u64): i32 {
  for (let i = 0; i < bpCount; i++) {
    if (bpAt(i) == addr) {
      bpCount--;
      setBp(i, bpAt(bpCount));
      return 0;
    }
  }
  return -1;
}

export function isBreakpoint(pc: u64): bool {
  for (let i = 0; i < bpCount; i++) if (bpAt(i) == pc) return true;
  return false;
}

/** Adds a watchpoint. Returns 0, or -1 when the table is full or the range is empty or wraps. */
export function watchpointInsert(addr: u64, len: u64, kind: i32): i32 {
  if (watchCount >= MAX_WATCHPOINTS || len == 0 || addr + len - 1 < addr) return -1;
  setWp(watchCount, addr, len, kind);
  watchCount++;
  return 0;
}

export function watchpointRemove(addr: u64, len: u64, kind: i32): i32 {
  for (let i = 0; i < watchCount; i++) {
    if (wpAddrAt(i) == addr && wpLenAt(i) == len && wpKindAt(i) == kind) {
      watchCount--;
      setWp(i, wpAddrAt(watchCount), wpLenAt(watchCount), wpKindAt(watchCount));
      return 0;
    }
  }
  return -1;
}

export function clearAll(): void {
  bpCount = 0;
  watchCount = 0;
  watchHit = false;
}

/** Whether an access of [va, va+size) of the given kind (WATCH_READ / WATCH_WRITE bits) hits a watchpoint; records it. */
function watchMatch(va: u64, size: u64, kinds: i32): bool {
  const last = va + size - 1;
  for (let i = 0; i < watchCount; i++) {
    const k = wpKindAt(i);
    if ((k & kinds) == 0) continue;
    const a = wpAddrAt(i);
    const b = a + wpLenAt(i) - 1;
    if (last >= a && va <= b) {
      watchHit = true;
      watchHitAddr = a;
      watchHitKind = k;
      return true;
    }
  }
  return false;
}

/**
 * Would the instruction at the hart's pc access a watched range? As QEMU's riscv target does
 * (gdb_stop_before_watchpoint), the debugger stops before such an access, with the instruction
 * not executed; gdb then steps over it with its watchpoints removed. The instruction is decoded
 * here, off the hot path, only while watchpoints exist. A pc that cannot be fetched is left to
 * the hart (it faults).
 */
export function watchBeforeInstruction(): bool {
  const pc = S.pc;
  const lo = fetchDebugHalf(pc);
  if (lo < 0) return false;
  let inst = <u32>lo;
  if ((inst & 3) == 3) {
    const hi = fetchDebugHalf(pc + 2);
    if (hi < 0) return false;
    inst |= <u32>hi << 16;
  } else {
    inst = load<u32>(C_EXPAND + (inst << 2));
  }
  const op = inst & 0x7f;
  const f3 = (inst >> 12) & 7;
  const base = S.getX((inst >> 15) & 31);
  const immI = <u64><i64>(<i32>inst >> 20);
  const immS = <u64><i64>(((<i32>inst >> 25) << 5) | <i32>((inst >> 7) & 31));
  switch (op) {
    case 0x03: return f3 != 7 && watchMatch(base + immI, <u64>1 << (f3 & 3), WATCH_READ);
    case 0x07: return (f3 == 2 || f3 == 3) && watchMatch(base + immI, <u64>1 << f3, WATCH_READ);
    case 0x23: return f3 < 4 && watchMatch(base + immS, <u64>1 << f3, WATCH_WRITE);
    case 0x27: return (f3 == 2 || f3 == 3) && watchMatch(base + immS, <u64>1 << f3, WATCH_WRITE);
    case 0x2f: {
      if (f3 != 2 && f3 != 3) return false;
      const f5 = inst >> 27;
      const kinds = f5 == 2 ? WATCH_READ : f5 == 3 ? WATCH_WRITE : WATCH_READ | WATCH_WRITE;
      return watchMatch(base, <u64>1 << f3, kinds);
    }
  }
  return false;
}

/** The 16 bits at virtual `va` as the hart would fetch them, or -1 (no side effects: no A/D updates). */
function fetchDebugHalf(va: u64): i32 {
  setDebugWalk(true);
  const pa = translate(va, ACC_FETCH, S.priv);
  setDebugWalk(false);
  clearException();
  if (pa == INVALID_TAG) return -1;
  const hp = hostPtrRead(pa);
  if (hp == 0) return -1;
  return <i32>load<u16>(hp);
}
