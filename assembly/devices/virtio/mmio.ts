// virtio-mmio transport, version 2 ("modern", virtio 1.1 §4.2), eight slots at
// 0x1000_1000 + slot·0x1000 with PLIC interrupt slot+1. An empty slot answers like QEMU's:
// magic, version and vendor, device ID 0, everything else 0.
//
// Register accesses below 0x100 must be 32-bit (others read 0 / are ignored, as QEMU);
// the device config space at 0x100 takes 8/16/32/64-bit accesses.
import { VIRTIO_SLOTS, VIRTIO_SLOT_STATE_SIZE } from "../state-map";
import {
  slotBase, queueBase, validSlot, deviceId, updateSlotIrq, broken,
  VIRTIO_ID_NONE,
  STATUS_FEATURES_OK, STATUS_DRIVER_OK, F_VERSION_1,
  S_DEVICE_ID, S_NUM_QUEUES, S_STATUS, S_DEV_FEAT_SEL, S_DRV_FEAT_SEL, S_QUEUE_SEL, S_ISR, S_CONFIG_GEN,
  S_DRV_FEATURES, S_DEV_FEATURES, S_IRQ_LEVEL, S_BROKEN, S_CONFIG_LEN, MAX_QUEUES,
  Q_NUM, Q_READY, Q_DESC, Q_AVAIL, Q_USED,
} from "./slot";
import { queueReset } from "./queue";
// The device models behind the transport, by device ID: the virtio kinds table (src/machine/virtio-devices.json).
import {
  virtioKindKnown, virtioKindSetup, virtioKindNotify, virtioKindConfigRead, virtioKindConfigWrite, virtioKindReset,
  virtioKindDriverOk, virtioKindPoll,
} from "../../generated/virtio_kinds";
import { plicSetIrq } from "../plic";
import { VIRTIO_MMIO_IRQ } from "../../generated/memmap";

export const VIRTIO_MMIO_MAGIC: u32 = 0x7472_6976;   // "virt"
export const VIRTIO_MMIO_VERSION: u32 = 2;
export const VIRTIO_VENDOR_QEMU: u32 = 0x554d_4551;  // "QEMU"

const MAGIC: u32 = 0x000, VERSION: u32 = 0x004, DEVICE_ID: u32 = 0x008, VENDOR_ID: u32 = 0x00c;
const DEVICE_FEATURES: u32 = 0x010, DEVICE_FEATURES_SEL: u32 = 0x014;
const DRIVER_FEATURES: u32 = 0x020, DRIVER_FEATURES_SEL: u32 = 0x024;
const QUEUE_SEL: u32 = 0x030, QUEUE_NUM_MAX: u32 = 0x034, QUEUE_NUM: u32 = 0x038, QUEUE_READY: u32 = 0x044;
const QUEUE_NOTIFY: u32 = 0x050, INTERRUPT_STATUS: u32 = 0x060, INTERRUPT_ACK: u32 = 0x064, STATUS: u32 = 0x070;
const QUEUE_DESC_LOW: u32 = 0x080, QUEUE_DESC_HIGH: u32 = 0x084;
const QUEUE_AVAIL_LOW: u32 = 0x090, QUEUE_AVAIL_HIGH: u32 = 0x094;
const QUEUE_USED_LOW: u32 = 0x0a0, QUEUE_USED_HIGH: u32 = 0x0a4;
const SHM_LEN_LOW: u32 = 0x0b0, SHM_LEN_HIGH: u32 = 0x0b4, SHM_BASE_LOW: u32 = 0x0b8, SHM_BASE_HIGH: u32 = 0x0bc;
const CONFIG_GENERATION: u32 = 0x0fc;
const CONFIG: u32 = 0x100;
export const QUEUE_MAX_SIZE: u32 = 1024;

/** Selected queue index, or -1 when the selector points past the device's queues. */
function selectedQueue(slot: i32): i32 {
  const b = slotBase(slot);
  const q = load<u32>(b + S_QUEUE_SEL);
  return q < load<u32>(b + S_NUM_QUEUES) ? <i32>q : -1;
}

/** Device reset (status 0 written, or machine reset): the attachment stays, the driver state goes. */
function deviceReset(slot: i32): void {
  const b = slotBase(slot);
  store<u32>(b + S_STATUS, 0);
  store<u32>(b + S_DEV_FEAT_SEL, 0);
  store<u32>(b + S_DRV_FEAT_SEL, 0);
  store<u32>(b + S_QUEUE_SEL, 0);
  store<u32>(b + S_ISR, 0);
  store<u32>(b + S_CONFIG_GEN, 0);
  store<u64>(b + S_DRV_FEATURES, 0);
  store<u32>(b + S_BROKEN, 0);
  for (let q: u32 = 0; q < MAX_QUEUES; q++) queueReset(slot, q);
  virtioKindReset(deviceId(slot), slot);
  updateSlotIrq(slot);
}

function notify(slot: i32, q: u32): void {
  if (broken(slot) || q >= load<u32>(slotBase(slot) + S_NUM_QUEUES)) return;
  virtioKindNotify(deviceId(slot), slot, q);
}

function writeStatus(slot: i32, value: u32): void {
  const b = slotBase(slot);
  if (value == 0) { deviceReset(slot); return; }
  const old = load<u32>(b + S_STATUS);
  let v = value & 0xff;
  if ((v & STATUS_FEATURES_OK) && !(old & STATUS_FEATURES_OK)) {
    // Accept only what we offered, and only a modern driver (VERSION_1) on this transport.
    const drv = load<u64>(b + S_DRV_FEATURES);
    if ((drv & ~load<u64>(b + S_DEV_FEATURES)) != 0 || (drv & F_VERSION_1) == 0) v &= ~STATUS_FEATURES_OK;
  }
  store<u32>(b + S_STATUS, v | (old & 0x40));   // NEEDS_RESET stays until reset
  if ((v & STATUS_DRIVER_OK) && !(old & STATUS_DRIVER_OK)) virtioKindDriverOk(deviceId(slot), slot);
}

export function virtioRead(slot: i32, offset: u32, size: i32): u64 {
  if (!validSlot(slot)) return 0;
  const b = slotBase(slot);
  const id = deviceId(slot);
  if (offset >= CONFIG) {
    if (id == VIRTIO_ID_NONE) return 0;
    const off = offset - CONFIG;
    // An access that does not fit entirely in the config space reads all ones (QEMU).
    if (off + <u32>size > load<u32>(b + S_CONFIG_LEN)) return size == 8 ? 0xffff_ffff_ffff_ffff : (<u64>1 << (<u64>size << 3)) - 1;
    let v: u64 = 0;
    for (let i: i32 = 0; i < size; i++) v |= <u64>virtioKindConfigRead(id, slot, off + <u32>i) << (<u64>i << 3);
    return v;
  }
  if (size != 4) return 0;
  if (id == VIRTIO_ID_NONE) {
    if (offset == MAGIC) return VIRTIO_MMIO_MAGIC;
    if (offset == VERSION) return VIRTIO_MMIO_VERSION;
    if (offset == VENDOR_ID) return VIRTIO_VENDOR_QEMU;
    return 0;
  }
  const q = selectedQueue(slot);
  const qb = q >= 0 ? queueBase(slot, <u32>q) : 0;
  switch (offset) {
    case MAGIC: return VIRTIO_MMIO_MAGIC;
    case VERSION: return VIRTIO_MMIO_VERSION;
    case DEVICE_ID: return id;
    case VENDOR_ID: return VIRTIO_VENDOR_QEMU;
    case DEVICE_FEATURES: {
      const sel = load<u32>(b + S_DEV_FEAT_SEL);
      if (sel > 1) return 0;
      return (load<u64>(b + S_DEV_FEATURES) >> (<u64>sel << 5)) & 0xffff_ffff;
    }
    // QEMU 7.2 answers VIRTQUEUE_MAX_SIZE (1024) for every existing queue, whatever the
    // device's own queue size; Linux then sizes its rings from it. We do the same.
    case QUEUE_NUM_MAX: return q >= 0 ? QUEUE_MAX_SIZE : 0;
    case QUEUE_READY: return q >= 0 ? load<u32>(qb + Q_READY) : 0;
    case INTERRUPT_STATUS: return load<u32>(b + S_ISR);
    case STATUS: return load<u32>(b + S_STATUS);
    case QUEUE_DESC_LOW: return q >= 0 ? load<u64>(qb + Q_DESC) & 0xffff_ffff : 0;
    case QUEUE_DESC_HIGH: return q >= 0 ? load<u64>(qb + Q_DESC) >> 32 : 0;
    case QUEUE_AVAIL_LOW: return q >= 0 ? load<u64>(qb + Q_AVAIL) & 0xffff_ffff : 0;
    case QUEUE_AVAIL_HIGH: return q >= 0 ? load<u64>(qb + Q_AVAIL) >> 32 : 0;
    case QUEUE_USED_LOW: return q >= 0 ? load<u64>(qb + Q_USED) & 0xffff_ffff : 0;
    case QUEUE_USED_HIGH: return q >= 0 ? load<u64>(qb + Q_USED) >> 32 : 0;
    case SHM_LEN_LOW: return 0xffff_ffff;            // no shared memory regions
    case SHM_LEN_HIGH: return 0xffff_ffff;
    case CONFIG_GENERATION: return load<u32>(b + S_CONFIG_GEN);
  }
  return 0;
}

@inline function setHalf(p: u32, high: bool, v: u32): void {
  const old = load<u64>(p);
  store<u64>(p, high ? ((old & 0xffff_ffff) | (<u64>v << 32)) : ((old & 0xffff_ffff_0000_0000) | <u64>v));
}

export function virtioWrite(slot: i32, offset: u32, size: i32, value: u64): void {
  if (!validSlot(slot)) return;
  const id = deviceId(slot);
  if (id == VIRTIO_ID_NONE) return;
  const b = slotBase(slot);
  if (offset >= CONFIG) {
    // Writable config bytes (input's select/subsel, blk's writeback byte) are the device's to take.
    for (let i: i32 = 0; i < size; i++) {
      const off = offset - CONFIG + <u32>i, v = <u32>(value >> (<u64>i << 3)) & 0xff;
      virtioKindConfigWrite(id, slot, off, v);
    }
    return;
  }
  if (size != 4) return;
  const v = <u32>value;
  const q = selectedQueue(slot);
  const qb = q >= 0 ? queueBase(slot, <u32>q) : 0;
  switch (offset) {
    case DEVICE_FEATURES_SEL: store<u32>(b + S_DEV_FEAT_SEL, v); break;
    case DRIVER_FEATURES: {
      const sel = load<u32>(b + S_DRV_FEAT_SEL);
      // Features are fixed once FEATURES_OK is accepted.
      if (sel <= 1 && !(load<u32>(b + S_STATUS) & STATUS_FEATURES_OK)) setHalf(b + S_DRV_FEATURES, sel == 1, v);
      break;
    }
    case DRIVER_FEATURES_SEL: store<u32>(b + S_DRV_FEAT_SEL, v); break;
    case QUEUE_SEL: store<u32>(b + S_QUEUE_SEL, v); break;
    case QUEUE_NUM: if (q >= 0 && v <= QUEUE_MAX_SIZE) store<u32>(qb + Q_NUM, v); break;
    case QUEUE_READY: if (q >= 0) store<u32>(qb + Q_READY, v & 1); break;
    case QUEUE_NOTIFY: notify(slot, v & 0xffff); break;
    case INTERRUPT_ACK: {
      store<u32>(b + S_ISR, load<u32>(b + S_ISR) & ~v);
      updateSlotIrq(slot);
      break;
    }
    case STATUS: writeStatus(slot, v); break;
    case QUEUE_DESC_LOW: if (q >= 0) setHalf(qb + Q_DESC, false, v); break;
    case QUEUE_DESC_HIGH: if (q >= 0) setHalf(qb + Q_DESC, true, v); break;
    case QUEUE_AVAIL_LOW: if (q >= 0) setHalf(qb + Q_AVAIL, false, v); break;
    case QUEUE_AVAIL_HIGH: if (q >= 0) setHalf(qb + Q_AVAIL, true, v); break;
    case QUEUE_USED_LOW: if (q >= 0) setHalf(qb + Q_USED, false, v); break;
    case QUEUE_USED_HIGH: if (q >= 0) setHalf(qb + Q_USED, true, v); break;
  }
}

/** Machine reset: every device back to its post-attach state. */
export function virtioReset(): void {
  for (let s: i32 = 0; s < VIRTIO_SLOTS; s++) {
    if (deviceId(s) != VIRTIO_ID_NONE) deviceReset(s);
  }
}

/** Between slices: hand queued input events to drivers that have posted buffers since. */
export function virtioPoll(): void {
  for (let s: i32 = 0; s < VIRTIO_SLOTS; s++) {
    const id = deviceId(s);
    if (id != VIRTIO_ID_NONE) virtioKindPoll(id, s);
  }
}

/**
 * Put a device into a slot (machine build time). type: a virtio device ID of the kinds table
 * (src/machine/virtio-devices.json) or 0 to empty the slot. backend, flags and capacity are the
 * device's (block: the disk index passed back to blkRead/blkWrite/blkFlush, flags bit 0 = read-only,
 * capacity in bytes). Returns 0, or -1 for a bad slot or an unsupported type.
 */
export function virtioAttach(slot: i32, type: i32, backend: i32, flags: i32, capacityBytes: f64): i32 {
  if (!validSlot(slot)) return -1;
  const t = <u32>type;
  if (t != VIRTIO_ID_NONE && !virtioKindKnown(t)) return -1;
  const b = slotBase(slot);
  if (load<u32>(b + S_IRQ_LEVEL) != 0) plicSetIrq(VIRTIO_MMIO_IRQ + slot, false);
  memory.fill(b, 0, VIRTIO_SLOT_STATE_SIZE);
  store<u32>(b + S_DEVICE_ID, t);
  if (t != VIRTIO_ID_NONE) virtioKindSetup(t, slot, <u32>backend, <u32>flags, <u64>capacityBytes);
  return 0;
}

/** Device ID in a slot (0 = empty). */
export function virtioSlotDevice(slot: i32): i32 {
  return validSlot(slot) ? <i32>deviceId(slot) : -1;
}
