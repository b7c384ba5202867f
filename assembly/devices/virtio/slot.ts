// Per-slot state of the virtio-mmio transport, at fixed offsets in DEVICE_STATE
// (state-map.ts: VIRTIO_STATE + slot * 0x1000). Shared by the transport (mmio.ts), the
// virtqueue code (queue.ts) and the device models (virtio-devices.json's kinds).
import { VIRTIO_STATE, VIRTIO_SLOT_STATE_SIZE, VIRTIO_SLOTS } from "../state-map";
import { plicSetIrq } from "../plic";
import { VIRTIO_MMIO_IRQ } from "../../generated/memmap";

// An empty slot. The device IDs (virtio spec 1.1 §5) are the kinds table's (src/machine/virtio-devices.json),
// generated into assembly/generated/virtio_kinds.ts as VIRTIO_ID_<NAME>.
export const VIRTIO_ID_NONE: u32 = 0;

// Device status bits.
export const STATUS_ACKNOWLEDGE: u32 = 1;
export const STATUS_DRIVER: u32 = 2;
export const STATUS_DRIVER_OK: u32 = 4;
export const STATUS_FEATURES_OK: u32 = 8;
export const STATUS_NEEDS_RESET: u32 = 0x40;
export const STATUS_FAILED: u32 = 0x80;

// Transport/ring feature bits.
export const F_RING_INDIRECT_DESC: u64 = <u64>1 << 28;
export const F_RING_EVENT_IDX: u64 = <u64>1 << 29;
export const F_VERSION_1: u64 = <u64>1 << 32;

// Interrupt status bits.
export const ISR_USED_BUFFER: u32 = 1;
export const ISR_CONFIG_CHANGE: u32 = 2;

export const MAX_QUEUES: u32 = 4;

// Offsets inside a slot's state block.
export const S_DEVICE_ID: u32 = 0x00;
export const S_BACKEND: u32 = 0x04;        // host backend index (disk number for blk)
export const S_FLAGS: u32 = 0x08;          // bit 0: read-only
export const S_NUM_QUEUES: u32 = 0x0c;
export const S_CAPACITY: u32 = 0x10;       // u64 bytes (blk)
export const S_STATUS: u32 = 0x18;
export const S_DEV_FEAT_SEL: u32 = 0x1c;
export const S_DRV_FEAT_SEL: u32 = 0x20;
export const S_QUEUE_SEL: u32 = 0x24;
export const S_ISR: u32 = 0x28;
export const S_CONFIG_GEN: u32 = 0x2c;
export const S_DRV_FEATURES: u32 = 0x30;   // u64
export const S_DEV_FEATURES: u32 = 0x38;   // u64
export const S_IRQ_LEVEL: u32 = 0x40;
export const S_BROKEN: u32 = 0x44;         // set with NEEDS_RESET: the device ignores notifies until reset
export const S_CONFIG_LEN: u32 = 0x48;
export const S_QUEUES: u32 = 0x100;        // MAX_QUEUES × 0x40
export const S_CONFIG: u32 = 0x200;        // device config space (stored devices), 0x100 bytes
export const S_DEVICE: u32 = 0x300;        // device-private state, to the end of the block

// Offsets inside a queue's state.
export const Q_SIZE: u32 = 0x40;
export const Q_NUM: u32 = 0x00;
export const Q_READY: u32 = 0x04;
export const Q_DESC: u32 = 0x08;           // u64 guest physical
export const Q_AVAIL: u32 = 0x10;          // u64
export const Q_USED: u32 = 0x18;           // u64
export const Q_LAST_AVAIL: u32 = 0x20;     // u32 (u16 arithmetic)
export const Q_USED_IDX: u32 = 0x24;       // u32 (u16 arithmetic)
export const Q_MAX: u32 = 0x28;           // the device's own queue size (QueueNumMax says 1024, as QEMU)
export const Q_BATCH_START: u32 = 0x2c;    // used idx when the current batch began

@inline export function slotBase(slot: i32): u32 {
  return VIRTIO_STATE + <u32>slot * VIRTIO_SLOT_STATE_SIZE;
}

@inline export function queueBase(slot: i32, q: u32): u32 {
  return slotBase(slot) + S_QUEUES + q * Q_SIZE;
}

@inline export function validSlot(slot: i32): bool {
  return slot >= 0 && slot < VIRTIO_SLOTS;
}

@inline export function deviceId(slot: i32): u32 {
  return load<u32>(slotBase(slot) + S_DEVICE_ID);
}

@inline export function negotiated(slot: i32, bit: u64): bool {
  return (load<u64>(slotBase(slot) + S_DRV_FEATURES) & bit) != 0;
}

@inline export function driverOk(slot: i32): bool {
  const s = load<u32>(slotBase(slot) + S_STATUS);
  return (s & STATUS_DRIVER_OK) != 0 && (s & STATUS_NEEDS_RESET) == 0;
}

export function updateSlotIrq(slot: i32): void {
  const b = slotBase(slot);
  const level: u32 = load<u32>(b + S_ISR) != 0 ? 1 : 0;
  if (level != load<u32>(b + S_IRQ_LEVEL)) {
    store<u32>(b + S_IRQ_LEVEL, level);
    plicSetIrq(VIRTIO_MMIO_IRQ + slot, level != 0);
  }
}

export function raiseIsr(slot: i32, bits: u32): void {
  const b = slotBase(slot);
  store<u32>(b + S_ISR, load<u32>(b + S_ISR) | bits);
  updateSlotIrq(slot);
}

/**
 * The guest handed the device something it cannot use (a buffer outside RAM, a looping
 * chain, a malformed request): the device stops and asks for a reset, as virtio 1.x says
 * and QEMU's virtio_error() does. Never a host crash.
 */
export function needsReset(slot: i32): void {
  const b = slotBase(slot);
  store<u32>(b + S_BROKEN, 1);
  const st = load<u32>(b + S_STATUS);
  if ((st & STATUS_NEEDS_RESET) == 0) {
    store<u32>(b + S_STATUS, st | STATUS_NEEDS_RESET);
    if (st & STATUS_DRIVER_OK) raiseIsr(slot, ISR_CONFIG_CHANGE);
  }
}

@inline export function broken(slot: i32): bool {
  return load<u32>(slotBase(slot) + S_BROKEN) != 0;
}
