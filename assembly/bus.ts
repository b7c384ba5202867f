// Physical address decode for everything that is not on the RAM fast path:
// ROM, MMIO devices, and RAM accesses that the TLB could not serve.
// An access that hits nothing sets busFault; the caller turns that into an access fault.
import * as M from "./generated/memmap";
import { ROM } from "./layout";
import * as LS from "./jit/lockstep";
import { RAM_BASE, ramSize, ramPtr, markTouchedPage } from "./ram";
import { clintRead, clintWrite } from "./devices/clint";
import { testWrite } from "./devices/sifive_test";
import { plicRead, plicWrite } from "./devices/plic";
import { uartRead, uartWrite } from "./devices/uart16550";
import { rtcRead, rtcWrite } from "./devices/goldfish_rtc";
import { virtioRead, virtioWrite } from "./devices/virtio/mmio";

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

function sizeMask(size: i32): u64 {
  return size == 8 ? 0xffff_ffff_ffff_ffff : ((<u64>1 << (<u64>size << 3)) - 1);
}

/**
 * Access sizes each device accepts, as QEMU 7.2 declares them (MemoryRegionOps.valid): an
 * access of another size is an access fault. The UART decodes only its 8 registers.
 */
function sizeValid(pa: u64, size: i32): bool {
  if (pa >= M.UART0_BASE && pa < M.UART0_BASE + M.UART0_SIZE) return pa - M.UART0_BASE < 8;
  // QEMU 7.2's regions are smaller than their windows: the CLINT's end at 0xc000 (msip + mtimer), the
  // goldfish RTC's at 0x24, each virtio-mmio transport's at 0x200 of its 0x1000 slot. Beyond: nothing.
  if (pa >= M.CLINT_BASE && pa < M.CLINT_BASE + M.CLINT_SIZE) {
    if (pa - M.CLINT_BASE >= 0xc000) return false;
    return pa - M.CLINT_BASE < 0x4000 ? size == 4 : (size == 4 || size == 8);
  }
  if (pa >= M.PLIC_BASE && pa < M.PLIC_BASE + M.PLIC_SIZE) return size == 4;
  if (pa >= M.RTC_BASE && pa < M.RTC_BASE + M.RTC_SIZE) return size == 4 && pa - M.RTC_BASE < 0x24;
  if (pa >= M.VIRTIO_MMIO_BASE && pa < M.VIRTIO_MMIO_BASE + (<u64>M.VIRTIO_MMIO_COUNT * M.VIRTIO_MMIO_SIZE)) {
    return ((pa - M.VIRTIO_MMIO_BASE) & 0xfff) < 0x200;
  }
  if (pa >= M.TEST_BASE && pa < M.TEST_BASE + M.TEST_SIZE) return size == 2 || size == 4;
  return true;
}

/** MMIO read of 1/2/4/8 bytes at an aligned device address. */
export function mmioRead(pa: u64, size: i32): u64 {
  busFault = false;
  if (LS.logging) LS.noteDevice();
  if (!sizeValid(pa, size)) { busFault = true; return 0; }
  return dispatchRead(pa, size);
}

function dispatchRead(pa: u64, size: i32): u64 {
  if (pa >= M.UART0_BASE && pa < M.UART0_BASE + M.UART0_SIZE) return uartRead(<u32>(pa - M.UART0_BASE), size) & sizeMask(size);
  if (pa >= M.VIRTIO_MMIO_BASE && pa < M.VIRTIO_MMIO_BASE + (<u64>M.VIRTIO_MMIO_COUNT * M.VIRTIO_MMIO_SIZE)) {
    const rel = pa - M.VIRTIO_MMIO_BASE;
    const slot = <i32>(rel >> 12), off = <u32>(rel & 0xfff);
    // QEMU 7.2 implements virtio-mmio registers with accesses of at most 4 bytes: a 64-bit
    // access is two 32-bit ones.
    if (size == 8) return <u64>(<u32>virtioRead(slot, off, 4)) | (<u64>(<u32>virtioRead(slot, off + 4, 4)) << 32);
    return virtioRead(slot, off, size) & sizeMask(size);
  }
  if (pa >= M.CLINT_BASE && pa < M.CLINT_BASE + M.CLINT_SIZE) return clintRead(<u32>(pa - M.CLINT_BASE), size) & sizeMask(size);
  if (pa >= M.PLIC_BASE && pa < M.PLIC_BASE + M.PLIC_SIZE) return plicRead(<u32>(pa - M.PLIC_BASE), size) & sizeMask(size);
  if (pa >= M.TEST_BASE && pa < M.TEST_BASE + M.TEST_SIZE) return 0;
  if (pa >= M.RTC_BASE && pa < M.RTC_BASE + M.RTC_SIZE) return rtcRead(<u32>(pa - M.RTC_BASE), size) & sizeMask(size);
  busFault = true;
  return 0;
}

export function mmioWrite(pa: u64, size: i32, value: u64): void {
  busFault = false;
  if (LS.logging) LS.noteDevice();
  mmioTouched = true;
  if (!sizeValid(pa, size)) { busFault = true; return; }
  const v = value & sizeMask(size);
  if (pa >= M.UART0_BASE && pa < M.UART0_BASE + M.UART0_SIZE) { uartWrite(<u32>(pa - M.UART0_BASE), size, v); return; }
  if (pa >= M.VIRTIO_MMIO_BASE && pa < M.VIRTIO_MMIO_BASE + (<u64>M.VIRTIO_MMIO_COUNT * M.VIRTIO_MMIO_SIZE)) {
    const rel = pa - M.VIRTIO_MMIO_BASE;
    const slot = <i32>(rel >> 12), off = <u32>(rel & 0xfff);
    if (size == 8) { virtioWrite(slot, off, 4, v & 0xffff_ffff); virtioWrite(slot, off + 4, 4, v >> 32); return; }
    virtioWrite(slot, off, size, v);
    return;
  }
  if (pa >= M.CLINT_BASE && pa < M.CLINT_BASE + M.CLINT_SIZE) { clintWrite(<u32>(pa - M.CLINT_BASE), size, v); return; }
  if (pa >= M.PLIC_BASE && pa < M.PLIC_BASE + M.PLIC_SIZE) { plicWrite(<u32>(pa - M.PLIC_BASE), size, v); return; }
  if (pa >= M.TEST_BASE && pa < M.TEST_BASE + M.TEST_SIZE) { testWrite(<u32>(pa - M.TEST_BASE), size, v); return; }
  if (pa >= M.RTC_BASE && pa < M.RTC_BASE + M.RTC_SIZE) { rtcWrite(<u32>(pa - M.RTC_BASE), size, v); return; }
  if (pa >= M.MROM_BASE && pa < M.MROM_BASE + M.MROM_SIZE) return; // ROM: writes are ignored, as on QEMU
  busFault = true;
}
