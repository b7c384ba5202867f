// Address translation (Bare, Sv39, Sv48, Sv57 as QEMU 7.2 offers), PMP, the soft TLBs
// and the slow paths of loads, stores and instruction fetch.
//
// A TLB entry is 16 bytes: tag = virtual page | privilege/SUM/MXR bits (state.ts dataTag /
// fetchTag), addend = host address of the page minus the virtual page (mod 2^32). A hit
// is a compare, an add and one load in the hart's fast path. Entries exist only for whole
// pages of RAM (or ROM for reads) that PMP treats uniformly; everything else takes the slow path.
import { TLB_FETCH, TLB_LOAD, TLB_STORE, TLB_ENTRIES } from "../layout";
import * as S from "./state";
import { raise, excCause, CAUSE_FETCH_ACCESS, CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS,
  CAUSE_FETCH_PAGE_FAULT, CAUSE_LOAD_PAGE_FAULT, CAUSE_STORE_PAGE_FAULT } from "./exception";
import { pmpAllows, pmpPageUniform, PMP_R, PMP_W, PMP_X } from "./pmp";
import { hostPtrRead, hostPtrWrite, mmioRead, mmioWrite, busFault } from "../bus";
import { RAM } from "../layout";
import { pageHasCode, codeWritten } from "../jit/cache";
import * as LS from "../jit/lockstep";

export const ACC_FETCH: i32 = 0;
export const ACC_LOAD: i32 = 1;
export const ACC_STORE: i32 = 2;

export const TLB_MASK: u32 = <u32>TLB_ENTRIES - 1;
export const INVALID_TAG: u64 = 0xffff_ffff_ffff_ffff;  // never equal: real tags have bits 4..11 clear

const PTE_V: u64 = 1, PTE_R: u64 = 2, PTE_W: u64 = 4, PTE_X: u64 = 8, PTE_U: u64 = 16, PTE_A: u64 = 64, PTE_D: u64 = 128;

export function tlbFlush(): void {
  // 0xff bytes = INVALID_TAG for tags and a harmless addend.
  memory.fill(TLB_FETCH, 0xff, <u32>TLB_ENTRIES * 16 * 3);
  invalidateFetchPage();
}

/** Drops the entries that map virtual page `va` (every privilege tag) from all three TLBs. */
export function tlbFlushPage(va: u64): void {
  const idx = ((<u32>(va >> 12)) & TLB_MASK) << 4;
  const vpage = va & ~<u64>0xfff;
  for (let t: u32 = 0; t < 3; t++) {
    const e = TLB_FETCH + t * (<u32>TLB_ENTRIES << 4) + idx;
    if ((load<u64>(e) & ~<u64>0xfff) == vpage) store<u64>(e, INVALID_TAG);
  }
  invalidateFetchPage();
}

// The execute loop keeps the current fetch page in these globals.
export let fetchVBase: u64 = 1;      // odd: never matches an aligned page
export let fetchHost: u32 = 0;       // host address of the page minus nothing: host = fetchHost + (pc - fetchVBase)
export function invalidateFetchPage(): void { fetchVBase = 1; }

function accessFault(acc: i32): i32 {
  return acc == ACC_FETCH ? CAUSE_FETCH_ACCESS : acc == ACC_LOAD ? CAUSE_LOAD_ACCESS : CAUSE_STORE_ACCESS;
}
function pageFault(acc: i32): i32 {
  return acc == ACC_FETCH ? CAUSE_FETCH_PAGE_FAULT : acc == ACC_LOAD ? CAUSE_LOAD_PAGE_FAULT : CAUSE_STORE_PAGE_FAULT;
}
function permBit(acc: i32): u32 { return acc == ACC_FETCH ? PMP_X : acc == ACC_LOAD ? PMP_R : PMP_W; }

/** Set while the debugger translates an address: the walk must not change the guest's A/D bits. */
export let debugWalk: bool = false;
export function setDebugWalk(on: bool): void { debugWalk = on; }

/**
 * Virtual → physical for one access. On failure raises the fault (tval = va) and returns
 * INVALID_TAG. Walks and updates A/D as QEMU 7.2 does.
 */
export function translate(va: u64, acc: i32, mode: i32): u64 {
  const satpMode = <i32>(S.satp >> 60);
  if (mode == S.PRV_M || satpMode == 0) return va;
  const levels = satpMode - 5;          // 8 → 3 (Sv39), 9 → 4 (Sv48), 10 → 5 (Sv57)
  const vaBits = 12 + 9 * levels;
  // Upper bits must be a sign extension of bit vaBits-1.
  const hi = <i64>va >> (vaBits - 1);
  if (hi != 0 && hi != -1) { raise(pageFault(acc), va); return INVALID_TAG; }

  let base = (S.satp & 0x0000_0fff_ffff_ffff) << 12;
  const sum = (S.mstatus & S.MSTATUS_SUM) != 0;
  const mxr = (S.mstatus & S.MSTATUS_MXR) != 0;
  for (let level = levels - 1; level >= 0; level--) {
    const idx = (va >> (12 + 9 * <u64>level)) & 0x1ff;
    const pteAddr = base + (idx << 3);
    if (!pmpAllows(pteAddr, 8, PMP_R, S.PRV_S)) { raise(accessFault(acc), va); return INVALID_TAG; }
    const hp = hostPtrWrite(pteAddr);
    if (hp == 0) { raise(accessFault(acc), va); return INVALID_TAG; }
    let pte = load<u64>(hp);
    if ((pte & PTE_V) == 0 || ((pte & PTE_R) == 0 && (pte & PTE_W) != 0)) break;
    if ((pte >> 54) != 0) break;      // reserved / Svpbmt / Svnapot bits: not offered
    const ppn = (pte >> 10) & 0x0000_0fff_ffff_ffff;
    if ((pte & (PTE_R | PTE_W | PTE_X)) == 0) {
      base = ppn << 12;
      continue;
    }
    // Leaf: superpage alignment.
    if (level > 0 && (ppn & ((<u64>1 << (9 * <u64>level)) - 1)) != 0) break;
    // Privilege.
    if ((pte & PTE_U) != 0) {
      if (mode == S.PRV_S && (acc == ACC_FETCH || !sum)) break;
    } else if (mode == S.PRV_U) break;
    // Permission.
    if (acc == ACC_FETCH) { if ((pte & PTE_X) == 0) break; }
    else if (acc == ACC_LOAD) { if ((pte & PTE_R) == 0 && !(mxr && (pte & PTE_X) != 0)) break; }
    else if ((pte & PTE_W) == 0) break;
    // Accessed / dirty, updated by the walker.
    const want = PTE_A | (acc == ACC_STORE ? PTE_D : 0);
    if ((pte & want) != want && !debugWalk) {
      if (!pmpAllows(pteAddr, 8, PMP_W, S.PRV_S)) { raise(accessFault(acc), va); return INVALID_TAG; }
      pte |= want;
      if (LS.logging) LS.logStore(hp, 8);
      store<u64>(hp, pte);
      if (pageHasCode((hp - RAM) >> 12)) codeWritten((hp - RAM) >> 12, hp & 0xfff, 8);
    }
    const offMask = (<u64>1 << (12 + 9 * <u64>level)) - 1;
    return ((ppn << 12) & ~offMask) | (va & offMask);
  }
  raise(pageFault(acc), va);
  return INVALID_TAG;
}

/**
 * Full translation + PMP for an access of `size` bytes that stays inside one page.
 * Installs a TLB entry when the page can be served from host memory.
 * Returns the physical address, or INVALID_TAG with the exception raised.
 */
export function translateAndFill(va: u64, acc: i32, size: u64): u64 {
  const mode = acc == ACC_FETCH ? S.priv : S.dataPriv();
  const pa = translate(va, acc, mode);
  if (pa == INVALID_TAG) return INVALID_TAG;
  if (!pmpAllows(pa, size, permBit(acc), mode)) { raise(accessFault(acc), va); return INVALID_TAG; }
  const ppage = pa & ~<u64>0xfff;
  const host = acc == ACC_STORE ? hostPtrWrite(ppage) : hostPtrRead(ppage);
  // A store to a page that holds translated code drops the translation if it overwrites code.
  // Such pages never get a fast store entry, so every store to them comes here.
  if (acc == ACC_STORE && host != 0 && pageHasCode((host - RAM) >> 12)) {
    codeWritten((host - RAM) >> 12, <u32>pa & 0xfff, <u32>size);
    if (pageHasCode((host - RAM) >> 12)) return pa;
  }
  if (host != 0 && pmpPageUniform(ppage) && !(acc == ACC_STORE && LS.logging)) {
    const vpage = va & ~<u64>0xfff;
    const tlb = acc == ACC_FETCH ? TLB_FETCH : acc == ACC_LOAD ? TLB_LOAD : TLB_STORE;
    const e = tlb + (((<u32>(va >> 12)) & TLB_MASK) << 4);
    store<u64>(e, vpage | (acc == ACC_FETCH ? S.fetchTag : S.dataTag));
    store<u64>(e, <u64>(host - <u32>vpage), 8);
  }
  return pa;
}

// ---- physical access helpers ----

function physRead(pa: u64, size: i32, acc: i32, va: u64): u64 {
  const hp = hostPtrRead(pa);
  if (hp != 0) {
    if (size == 1) return <u64>load<u8>(hp);
    if (size == 2) return <u64>load<u16>(hp);
    if (size == 4) return <u64>load<u32>(hp);
    return load<u64>(hp);
  }
  const v = mmioRead(pa, size);
  if (busFault) { raise(accessFault(acc), va); return 0; }
  return v;
}

function physWrite(pa: u64, size: i32, value: u64, va: u64): void {
  const hp = hostPtrWrite(pa);
  if (hp != 0) {
    if (LS.logging) LS.logStore(hp, size);
    if (size == 1) store<u8>(hp, <u8>value);
    else if (size == 2) store<u16>(hp, <u16>value);
    else if (size == 4) store<u32>(hp, <u32>value);
    else store<u64>(hp, value);
    return;
  }
  mmioWrite(pa, size, value);
  if (busFault) raise(CAUSE_STORE_ACCESS, va);
}

/** Slow load: TLB miss, MMIO, or an access that crosses a page. Zero-extended result. */
export function loadSlow(va: u64, size: i32): u64 {
  if (((<u32>va & 0xfff) + <u32>size) > 0x1000) {
    // Crosses a page: byte by byte, as two accesses would on QEMU (which allows misaligned access).
    let v: u64 = 0;
    for (let i = 0; i < size; i++) {
      const b = loadSlow(va + <u64>i, 1);
      if (excCause >= 0) { return 0; }
      v |= b << (<u64>i << 3);
    }
    return v;
  }
  const pa = translateAndFill(va, ACC_LOAD, <u64>size);
  if (pa == INVALID_TAG) return 0;
  if ((pa & (<u64>size - 1)) != 0 && hostPtrRead(pa) == 0) {
    // Misaligned load from a device: QEMU 7.2 performs two aligned accesses of the same size
    // and combines them; where nothing answers it faults, reporting the aligned address.
    const a0 = pa & ~(<u64>size - 1);
    const t0 = va & ~(<u64>size - 1);
    const sh = (pa - a0) << 3;
    const lo = mmioRead(a0, size);
    if (busFault) { raise(CAUSE_LOAD_ACCESS, t0); return 0; }
    const hi = mmioRead(a0 + <u64>size, size);
    if (busFault) { raise(CAUSE_LOAD_ACCESS, t0 + <u64>size); return 0; }
    const bits = <u64>size << 3;
    const v = (lo >> sh) | (hi << (bits - sh));
    return size == 8 ? v : v & ((<u64>1 << bits) - 1);
  }
  return physRead(pa, size, ACC_LOAD, va);
}

/** Translates for a store without writing (used by AMOs/SC to fault before reading). */
export function storeProbe(va: u64, size: i32): u64 {
  return translateAndFill(va, ACC_STORE, <u64>size);
}

export function storeSlow(va: u64, size: i32, value: u64): void {
  if (((<u32>va & 0xfff) + <u32>size) > 0x1000) {
    // Probe both pages first so that a fault leaves memory untouched.
    const split = <i32>(0x1000 - (<u32>va & 0xfff));
    if (translateAndFill(va, ACC_STORE, <u64>split) == INVALID_TAG) return;
    if (translateAndFill(va + <u64>split, ACC_STORE, <u64>(size - split)) == INVALID_TAG) { return; }
    for (let i = 0; i < size; i++) {
      storeSlow(va + <u64>i, 1, value >> (<u64>i << 3));
      if (excCause >= 0) return;
    }
    return;
  }
  const pa = translateAndFill(va, ACC_STORE, <u64>size);
  if (pa == INVALID_TAG) return;
  if ((pa & (<u64>size - 1)) != 0 && hostPtrWrite(pa) == 0) {
    // Misaligned store to a device (or to nothing): a store access fault, nothing written (QEMU 7.2).
    raise(CAUSE_STORE_ACCESS, va);
    return;
  }
  physWrite(pa, size, value, va);
}

/**
 * Makes pc's page the current fetch page (fetchVBase/fetchHost). Returns false with a fault
 * raised when the page cannot be fetched from (unmapped, MMIO, permissions).
 */
export function fetchPage(pc: u64): bool {
  const vpage = pc & ~<u64>0xfff;
  const e = TLB_FETCH + (((<u32>(pc >> 12)) & TLB_MASK) << 4);
  if (load<u64>(e) == (vpage | S.fetchTag)) {
    fetchVBase = vpage;
    fetchHost = <u32>vpage + load<u32>(e, 8);
    return true;
  }
  const pa = translateAndFill(pc, ACC_FETCH, 2);
  if (pa == INVALID_TAG) return false;
  if (load<u64>(e) == (vpage | S.fetchTag)) {
    fetchVBase = vpage;
    fetchHost = <u32>vpage + load<u32>(e, 8);
    return true;
  }
  // Not cacheable as a whole page (MMIO, or PMP finer than a page): fetch from MMIO is an access fault.
  const hp = hostPtrRead(pa & ~<u64>0xfff);
  if (hp == 0) { raise(CAUSE_FETCH_ACCESS, pc); return false; }
  // PMP finer than a page: allow this fetch page but re-check at every page entry.
  fetchVBase = vpage;
  fetchHost = hp;
  return true;
}

/** Reads the upper half of a 32-bit instruction that straddles into the next page. */
export function fetchHighHalf(pc: u64): u32 {
  const next = (pc + 2);
  const pa = translate(next, ACC_FETCH, S.priv);
  if (pa == INVALID_TAG) return 0;
  if (!pmpAllows(pa, 2, PMP_X, S.priv)) { raise(CAUSE_FETCH_ACCESS, next); return 0; }
  const hp = hostPtrRead(pa);
  if (hp == 0) { raise(CAUSE_FETCH_ACCESS, next); return 0; }
  return <u32>load<u16>(hp);
}
