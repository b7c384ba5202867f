// The translation cache: per-page bookkeeping (hotness, "holds translated code", back-off),
// regions (one compiled module per physical page, in a table slot), their entry maps,
// invalidation and eviction. Everything lives at fixed offsets (layout.ts); nothing allocates.
import { RAM, TLB_STORE, TLB_ENTRIES, JIT_PAGE_INFO, JIT_MAX_PAGES, JIT_MAX_REGIONS, JIT_ENTRY_MAPS,
  JIT_REGION_INFO, JIT_REGION_INFO_SIZE, JIT_WORDS } from "../layout";
import { RAM_BASE, ramSize } from "../ram";

// ---- modes ----
export const MODE_OFF: i32 = 0;       // interpreter only (-accel tcg,jit=off)
export const MODE_ON: i32 = 1;        // translate pages that get hot
export const MODE_EAGER: i32 = 2;     // translate on first execution (tests)
export const MODE_LOCKSTEP: i32 = 3;  // eager, and every region run is checked against the interpreter

export let mode: i32 = MODE_ON;
/** Taken branches into a page before it is translated (MODE_ON). */
export let threshold: u32 = 2000;
/** A page invalidated this many times is left to the interpreter (self-modifying or data-mixed code). */
export const BACKOFF_INVALIDATIONS: u32 = 16;
/** Set while a debugger steps or watches: regions are never entered. */
export let suspended: bool = false;

/** Jumps to a non-entry of a translated page before the page is translated again with it. */
export let retranslateThreshold: u32 = 2000;
export function setMode(m: i32, thr: u32): void {
  mode = m;
  threshold = m == MODE_ON ? thr : 1;
  // Eager modes translate a page on its first run; an entry found later (a function of the page
  // called from elsewhere) waits for a few jumps, so a page is not rebuilt for every new caller.
  retranslateThreshold = m == MODE_ON ? thr : 8;
}
export function setSuspended(on: bool): void { suspended = on; }

// ---- words shared with generated code (JIT_WORDS) ----
export const W_EXIT_PC: u32 = JIT_WORDS;          // u64: where a region left off
export const W_EXIT_REASON: u32 = JIT_WORDS + 8;  // i32: R_*
export const W_STATUS: u32 = JIT_WORDS + 12;      // i32: set by the load slow path (R_FAULT)
export const W_DATA_TAG: u32 = JIT_WORDS + 16;    // u64: S.dataTag at region entry

export const R_NONE: i32 = 0;     // (slow path result) continue
export const R_BRANCH: i32 = 1;   // left at a jump/branch target or after code changed: look up the next region
export const R_INTERP: i32 = 2;   // left before an instruction the translator does not cover
export const R_FAULT: i32 = 3;    // the instruction at the exit pc raised E.excCause (counted as executed)
export const R_EVENT: i32 = 4;    // after an MMIO store: interrupts and exits must be re-checked

// ---- per-page info ----
const F_CODE: u32 = 1;        // a live region translates this page: stores must take the slow path
const F_NOJIT: u32 = 2;       // backed off
const INVAL_SHIFT: u32 = 8;   // bits 8..15: invalidation count

@inline export function pageInfoPtr(pidx: u32): u32 { return JIT_PAGE_INFO + (pidx << 3); }
@inline export function pageInfo(pidx: u32): u32 { return load<u32>(pageInfoPtr(pidx)); }
@inline export function pageRegion(info: u32): i32 { return <i32>(info >> 16) - 1; }

/** RAM page index of a host (linear-memory) page address, or -1 outside RAM. */
@inline export function pageIndexOfHost(host: u32): i32 {
  if (host < RAM) return -1;
  return <i32>((host - RAM) >> 12);
}

// ---- regions ----
// Region record (JIT_REGION_INFO_SIZE bytes):
const RG_PAGE: u32 = 0;       // u32 page index + 1 (0: free)
const RG_BYTES: u32 = 4;      // u32 module bytes
const RG_NENTRIES: u32 = 8;   // u32
const RG_ENTRIES: u32 = 16;   // u16 offsets (bytes within the page / 2), up to MAX_ENTRIES
export const MAX_ENTRIES: u32 = 100;
const RG_EXECUTED: u32 = 216; // u64 instructions run in it since it was built (for promotion)
const RG_TIER: u32 = 224;     // u32 TIER_*
// Which half-words of the page the region's code was translated from (bit per half-word):
// only a store that overlaps them invalidates, so data sharing a page with code does not.
const RG_CODE_BITS: u32 = 256;

@inline export function regionPtr(r: i32): u32 { return JIT_REGION_INFO + <u32>r * JIT_REGION_INFO_SIZE; }
@inline export function entryMap(r: i32): u32 { return JIT_ENTRY_MAPS + (<u32>r << 12); }
export function regionPage(r: i32): i32 { return <i32>load<u32>(regionPtr(r), RG_PAGE) - 1; }
export function regionEntryCount(r: i32): u32 { return load<u32>(regionPtr(r), RG_NENTRIES); }
export function regionEntry(r: i32, i: u32): u32 { return <u32>load<u16>(regionPtr(r) + RG_ENTRIES + (i << 1)); }

// ---- tiers ----
// A region's module is compiled by V8's baseline compiler (Liftoff) only: page-sized functions cost
// TurboFan tens of milliseconds each, more than most of them ever give back (Linux's guest benchmark
// took ~11 s of CPU with V8's own tier-up, ~7 s with Liftoff only). A region that has run PROMOTE_PER_BYTE instructions per
// byte of its module is translated again and compiled by the optimizing compiler (TurboFan).
export const TIER_BASELINE: u32 = 0;
export const TIER_OPTIMIZED: u32 = 1;
export const PROMOTE_PER_BYTE: u64 = 4096;
export let statOptimized: u64 = 0;
/** Adds `n` executed instructions to region r; true when it has earned the optimizing compiler. */
export function regionRan(r: i32, n: i32): bool {
  const p = regionPtr(r);
  const e = load<u64>(p, RG_EXECUTED) + <u64>n;
  store<u64>(p, e, RG_EXECUTED);
  return load<u32>(p, RG_TIER) == TIER_BASELINE && e > <u64>load<u32>(p, RG_BYTES) * PROMOTE_PER_BYTE;
}

/** The first table slot the core uses for regions (the host's table has TABLE_BASE + JIT_MAX_REGIONS slots). */
export const TABLE_BASE: i32 = 8;

let nextRegion: i32 = 0;
export function maxRegions(): i32 { return JIT_MAX_REGIONS; }
/** The region executing right now (-1 outside generated code), for self-modifying stores. */
export let runningRegion: i32 = -1;
export let runningPage: i32 = -1;
export let runningInvalidated: bool = false;
export function setRunning(r: i32, page: i32): void { runningRegion = r; runningPage = page; runningInvalidated = false; }

// ---- counters (info jit) ----
export let statCompiled: u64 = 0;       // modules built
export let statCompileFailed: u64 = 0;
export let statInvalidated: u64 = 0;    // regions dropped because their page was written
export let statEvicted: u64 = 0;        // regions dropped to make room
export let statBackedOff: u64 = 0;      // pages given up on
export let statEntered: u64 = 0;        // region calls
export let statJitInstructions: u64 = 0;
export let statBytesCompiled: u64 = 0;
export let statLoops: u64 = 0;           // loop superblocks in the modules built
export let liveRegions: i32 = 0;
export let liveBytes: u64 = 0;
export let statLockstepChecks: u64 = 0;
export let statLockstepSkipped: u64 = 0;

export let statExitBranch: u64 = 0;
export let statExitInterp: u64 = 0;
export let statExitFault: u64 = 0;
export let statExitEvent: u64 = 0;

export function countLockstepCheck(): void { statLockstepChecks++; }
export function countLockstepSkip(): void { statLockstepSkipped++; }
export function countLoops(n: i32): void { statLoops += <u64>n; }

export function countEntry(executed: i32): void {
  statEntered++;
  statJitInstructions += <u64>executed;
  const why = load<i32>(W_EXIT_REASON);
  if (why == R_BRANCH) statExitBranch++;
  else if (why == R_INTERP) statExitInterp++;
  else if (why == R_FAULT) statExitFault++;
  else statExitEvent++;
}

function ramPages(): u32 { return <u32>(ramSize >> 12); }

/** Forgets every translation and all page state (machine reset, mode change, restore). */
export function jitFlushAll(): void {
  for (let r = 0; r < JIT_MAX_REGIONS; r++) if (load<u32>(regionPtr(r), RG_PAGE) != 0) freeRegion(r);
  memory.fill(JIT_PAGE_INFO, 0, ramPages() << 3);
  nextRegion = 0;
}

export function freeRegion(r: i32): void {
  const p = regionPtr(r);
  const page = load<u32>(p, RG_PAGE);
  if (page == 0) return;
  const pidx = page - 1;
  const ip = pageInfoPtr(pidx);
  store<u32>(ip, load<u32>(ip) & 0xffff & ~F_CODE);
  memory.fill(entryMap(r), 0, 4096);
  liveRegions--;
  liveBytes -= <u64>load<u32>(p, RG_BYTES);
  store<u32>(p, 0, RG_PAGE);
  if (r == runningRegion) runningInvalidated = true;
}

/** Translation of page pidx failed (too big, host refused): leave it to the interpreter. */
export function compileFailed(pidx: u32): void {
  statCompileFailed++;
  const ip = pageInfoPtr(pidx);
  store<u32>(ip, load<u32>(ip) | F_NOJIT);
}

/** A write reached RAM page `pidx`: drop its translation (and back off from pages rewritten often). */
export function invalidatePage(pidx: u32): void {
  const ip = pageInfoPtr(pidx);
  const info = load<u32>(ip);
  const r = pageRegion(info);
  if (r < 0) return;
  freeRegion(r);
  statInvalidated++;
  let n = ((info >> INVAL_SHIFT) & 0xff) + 1;
  let flags = load<u32>(ip) & 0xff;
  if (n >= BACKOFF_INVALIDATIONS) { flags |= F_NOJIT; statBackedOff++; n = BACKOFF_INVALIDATIONS; }
  store<u32>(ip, flags | (n << INVAL_SHIFT));
  store<u32>(ip, 0, 4);   // hotness starts over
}

/** Every writer of guest RAM that is not a hart store on a TLB fast path calls this (ram.ts ramWritten). */
export function invalidateRange(paddr: u64, len: u64): void {
  if (len == 0 || paddr < RAM_BASE) return;
  const off = paddr - RAM_BASE;
  if (off >= ramSize) return;
  let last = off + len - 1;
  if (last >= ramSize) last = ramSize - 1;
  for (let p = <u32>(off >> 12); p <= <u32>(last >> 12); p++) {
    if ((load<u32>(pageInfoPtr(p)) & F_CODE) == 0) continue;
    const from = p == <u32>(off >> 12) ? <u32>(off & 0xfff) : 0;
    const to = p == <u32>(last >> 12) ? <u32>(last & 0xfff) + 1 : 4096;
    codeWritten(p, from, to - from);
  }
}

/** True when stores to this RAM page must take the slow path (it holds translated code). */
@inline export function pageHasCode(pidx: u32): bool { return (load<u32>(pageInfoPtr(pidx)) & F_CODE) != 0; }
@inline export function pageBackedOff(info: u32): bool { return (info & F_NOJIT) != 0; }

/** Hotness of a page; returns the new count. */
@inline export function bumpHotness(pidx: u32): u32 {
  const p = pageInfoPtr(pidx) + 4;
  const h = load<u32>(p) + 1;
  store<u32>(p, h);
  return h;
}
@inline export function resetHotness(pidx: u32): void { store<u32>(pageInfoPtr(pidx), 0, 4); }

/** Picks a region record for page `pidx`, evicting the oldest translation when all are in use. */
export function allocRegion(): i32 {
  const r = nextRegion;
  nextRegion = (nextRegion + 1) % JIT_MAX_REGIONS;
  if (load<u32>(regionPtr(r), RG_PAGE) != 0) {
    // Never evict the region that is running (its caller holds its entry map).
    if (r == runningRegion) return -1;
    freeRegion(r);
    statEvicted++;
  }
  return r;
}

/** Installs region r for page pidx (after the host compiled it into slot TABLE_BASE + r). */
export function installRegion(r: i32, pidx: u32, bytes: u32, tier: u32): void {
  const p = regionPtr(r);
  store<u32>(p, pidx + 1, RG_PAGE);
  store<u32>(p, bytes, RG_BYTES);
  store<u64>(p, 0, RG_EXECUTED);
  store<u32>(p, tier, RG_TIER);
  if (tier == TIER_OPTIMIZED) statOptimized++;
  const ip = pageInfoPtr(pidx);
  store<u32>(ip, ((<u32>(r + 1)) << 16) | (load<u32>(ip) & 0xffff) | F_CODE);
  liveRegions++;
  liveBytes += <u64>bytes;
  statCompiled++;
  statBytesCompiled += <u64>bytes;
  // Stores to this page must now reach the slow path, which invalidates: no fast store entry may map it.
  memory.fill(TLB_STORE, 0xff, <u32>TLB_ENTRIES << 4);
}

/** Marks page bytes [off, off+len) as translated into region r. */
export function markCode(r: i32, off: u32, len: u32): void {
  const bits = regionPtr(r) + RG_CODE_BITS;
  for (let h = off >> 1; h < (off + len + 1) >> 1; h++) {
    const p = bits + (h >> 3);
    const m: u32 = (<u32>1) << (h & 7);
    store<u8>(p, <u8>(<u32>load<u8>(p) | m));
  }
}
export function clearCode(r: i32): void { memory.fill(regionPtr(r) + RG_CODE_BITS, 0, 256); }

/** A write of [off, off+len) reached RAM page pidx, which holds a region: invalidate it if the bytes were code. */
export function codeWritten(pidx: u32, off: u32, len: u32): void {
  const r = pageRegion(pageInfo(pidx));
  if (r < 0) return;
  const bits = regionPtr(r) + RG_CODE_BITS;
  let end = off + len;
  if (end > 4096) end = 4096;
  for (let h = off >> 1; h < (end + 1) >> 1; h++) {
    if ((load<u8>(bits + (h >> 3)) & (1 << (h & 7))) != 0) { invalidatePage(pidx); return; }
  }
}

/** Records the entry list of region r (offsets / 2). */
export function setRegionEntries(r: i32, entries: u32, n: u32): void {
  const p = regionPtr(r);
  store<u32>(p, n, RG_NENTRIES);
  memory.copy(p + RG_ENTRIES, entries, n << 1);
}
