// Guest RAM: physical [RAM_BASE, RAM_BASE + ramSize) lives at linear-memory offset RAM.
import { RAM, RAM_TOUCHED } from "./layout";
import { invalidateRange } from "./jit/cache";

export const RAM_BASE: u64 = 0x8000_0000;
export let ramSize: u64 = 0;

export function setRamSize(size: u64): void { ramSize = size; }

/** True when [paddr, paddr+len) lies inside RAM. */
@inline export function inRam(paddr: u64, len: u64): bool {
  // Written so that no guest-chosen address or length can wrap around 2^64.
  if (paddr < RAM_BASE) return false;
  const off = paddr - RAM_BASE;
  return off <= ramSize && len <= ramSize - off;
}

/** Host (linear-memory) address of a guest physical RAM address; caller checked inRam. */
@inline export function ramPtr(paddr: u64): u32 {
  return <u32>(paddr - RAM_BASE) + RAM;
}

/**
 * The one seam for writes into guest RAM that do not go through the hart's store path:
 * device DMA, host-side writes (loader, block reads, a debugger, restored state). Every such
 * writer calls this after writing [paddr, paddr+len), so per-page bookkeeping (translated
 * code, dirty pages) sees the change.
 */
export function ramWritten(paddr: u64, len: u64): void {
  markTouched(paddr, len);
  invalidateRange(paddr, len);
}

/** Records that [paddr, paddr+len) of RAM may hold data (RAM_TOUCHED). Out-of-RAM parts are ignored. */
export function markTouched(paddr: u64, len: u64): void {
  if (len == 0 || paddr >= RAM_BASE + ramSize || paddr + len <= RAM_BASE) return;
  let first = paddr < RAM_BASE ? 0 : (paddr - RAM_BASE) >> 12;
  const endAddr = paddr + len > RAM_BASE + ramSize ? ramSize : paddr + len - RAM_BASE;
  const last = (endAddr - 1) >> 12;
  for (let p = first; p <= last; p++) {
    const b = RAM_TOUCHED + <u32>(p >> 3);
    store<u8>(b, <u8>(<u32>load<u8>(b) | (<u32>1 << <u32>(p & 7))));
  }
}

/** The store path's page lookup: one page, no range arithmetic. */
@inline export function markTouchedPage(paddr: u64): void {
  const p = <u32>((paddr - RAM_BASE) >> 12);
  const b = RAM_TOUCHED + (p >> 3);
  store<u8>(b, <u8>(<u32>load<u8>(b) | (<u32>1 << (p & 7))));
}
