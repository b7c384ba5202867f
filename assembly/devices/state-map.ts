// Who owns which part of DEVICE_STATE (layout.ts). Every device keeps all of its
// mutable state at these fixed offsets (no globals, no allocation), so a snapshot is
// "copy DEVICE_STATE" and a reset is "zero the block, then set the reset values".
//
//   offset      size     owner
//   0x00000     0x40     IRQ_LINES (irq.ts): one u64 of mip bits per hart
//   0x01000     0x1000   PLIC
//   0x02000     0x100    UART 16550A
//   0x02100     0x100    goldfish RTC
//   0x10000     0x8000   virtio-mmio slots 0..7, 0x1000 each
//   0x18000     0x4000   virtio descriptor-chain scratch (segments of the chain being served)
//   0x1c000     0x10000  zeros, never written: the source of virtio-blk WRITE_ZEROES
//   0x2c000 ... free
import { DEVICE_STATE } from "../layout";
import { VIRTIO_MMIO_COUNT } from "../generated/memmap";

export const PLIC_STATE: u32 = DEVICE_STATE + 0x1000;
export const PLIC_STATE_SIZE: u32 = 0x1000;

export const UART_STATE: u32 = DEVICE_STATE + 0x2000;
export const UART_STATE_SIZE: u32 = 0x100;

export const RTC_STATE: u32 = DEVICE_STATE + 0x2100;
export const RTC_STATE_SIZE: u32 = 0x100;

export const VIRTIO_STATE: u32 = DEVICE_STATE + 0x10000;
export const VIRTIO_SLOT_STATE_SIZE: u32 = 0x1000;
export const VIRTIO_SLOTS: i32 = VIRTIO_MMIO_COUNT;   // the device table's virtio_mmio count

export const VIRTIO_CHAIN: u32 = DEVICE_STATE + 0x18000;
export const VIRTIO_CHAIN_SIZE: u32 = 0x4000;

export const ZERO_PAGE: u32 = DEVICE_STATE + 0x1c000;
export const ZERO_PAGE_SIZE: u32 = 0x10000;

export const DEVICE_STATE_USED_END: u32 = DEVICE_STATE + 0x2c000;
