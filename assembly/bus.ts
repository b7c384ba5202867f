// Physical address decode for everything that is not on the RAM fast path:
// ROM, MMIO devices, and RAM accesses that the TLB could not serve.
// An access that hits nothing sets busFault; the caller turns that into an access fault.
import * as M from "./generated/memmap";
import { ROM } from "./layout";
import * as LS from "./jit/lockstep";
import { RAM_BASE, ramSize, ramPtr, markTouchedPage } from "./ram";
// The device decode is generated from the device table (src/machine/memmap.json): each region's
// range, accepted access sizes, decoded window and read/write hooks.
import { busRead, busWrite, decodeFault } from "./generated/devices";

export let busFault: bool = false;
/** Set by any MMIO write: device state may have raised an interrupt, so the hart re-checks. */
export let mmioTouched: bool = false;

/** Host pointer for RAM or ROM at paddr (readable memory), or 0 if the address is MMIO/unmapped. */
export function hostPtrRead(paddr: u64): u32 {
  if (paddr >= RAM_BASE) {
    if (paddr - RAM_BASE < ramSize) return ramPtr(paddr);
    return 0;
  }
  if (paddr >= M.MROM_BASE && paddr - M.MROM_BASE < M.MROM_SIZE) return ROM + <u32>(paddr - M.MROM_BASE);
  return 0;
}

/** Host pointer for writable memory (RAM only). Every store reaches RAM through here (TLB fills
 *  included), so this is where a page becomes "touched" for saved states. */
export function hostPtrWrite(paddr: u64): u32 {
  if (paddr >= RAM_BASE && paddr - RAM_BASE < ramSize) { markTouchedPage(paddr); return ramPtr(paddr); }
  return 0;
}

/** MMIO read of 1/2/4/8 bytes at an aligned device address. */
export function mmioRead(pa: u64, size: i32): u64 {
  if (LS.logging) LS.noteDevice();
  const v = busRead(pa, size);
  busFault = decodeFault;
  return v;
}

export function mmioWrite(pa: u64, size: i32, value: u64): void {
  if (LS.logging) LS.noteDevice();
  mmioTouched = true;
  busWrite(pa, size, value);
  busFault = decodeFault;
}
