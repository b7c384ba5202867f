// virtio-input keyboard (virtio 1.1 §5.8), configured exactly like QEMU's "QEMU Virtio Keyboard":
// id name/devids, EV_KEY bits (KEY_POWER = 116 among them: our power button), EV_REP, EV_LED. Events the host sends wait in a small ring in the slot
// state until the driver has posted buffers on the event queue.
import {
  slotBase, S_NUM_QUEUES, S_DEV_FEATURES, S_CONFIG_LEN, S_DEVICE, F_VERSION_1, F_RING_INDIRECT_DESC,
  F_RING_EVENT_IDX, queueBase, Q_MAX, driverOk, needsReset,
} from "./slot";
import {
  popChain, pushUsed, notifyUsed, queueUsable, chainWrite, chainWritable, CHAIN_NONE, CHAIN_ERROR,
} from "./queue";

export const INPUT_QUEUE_SIZE: u32 = 64;

export const EV_SYN: u32 = 0x00;
export const EV_KEY: u32 = 0x01;
export const EV_LED: u32 = 0x11;
export const EV_REP: u32 = 0x14;
export const SYN_REPORT: u32 = 0;
export const KEY_POWER: u32 = 116;

const CFG_ID_NAME: u32 = 0x01;
const CFG_ID_DEVIDS: u32 = 0x03;
const CFG_EV_BITS: u32 = 0x11;

// "QEMU Virtio Keyboard\0": the name Linux shows; guests and tools match on it.
const NAME: usize = memory.data<u8>([
  0x51, 0x45, 0x4d, 0x55, 0x20, 0x56, 0x69, 0x72, 0x74, 0x69, 0x6f, 0x20,
  0x4b, 0x65, 0x79, 0x62, 0x6f, 0x61, 0x72, 0x64, 0x00,
]);
const NAME_LEN: u32 = 21;

// EV_KEY bitmap exactly as QEMU 7.2's virtio keyboard reports it (the keys its qcode map can
// produce, KEY_POWER = 116 among them), measured with a bare-metal probe on qemu-system-riscv64.
const KEY_BITS: usize = memory.data<u8>([
  0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xcf, 0x7b, 0xff, 0xff, 0xbe, 0xfe,
  0xff, 0xdf, 0x00, 0xf8, 0x78, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
]);
const KEY_BITS_LEN: u32 = 29;

// Device-private state inside the slot.
const D_SELECT: u32 = S_DEVICE + 0x00;     // u8
const D_SUBSEL: u32 = S_DEVICE + 0x01;     // u8
const D_EV_HEAD: u32 = S_DEVICE + 0x04;    // u32
const D_EV_COUNT: u32 = S_DEVICE + 0x08;   // u32
const D_EVENTS: u32 = S_DEVICE + 0x100;    // EV_RING × 8 bytes
export const INPUT_EVENT_RING: u32 = 128;
const EV_RING: u32 = INPUT_EVENT_RING;

export function inputSetup(slot: i32, backend: u32, flags: u32, capacity: u64): void {
  const b = slotBase(slot);
  store<u32>(b + S_NUM_QUEUES, 2);           // 0: eventq, 1: statusq
  store<u32>(queueBase(slot, 0) + Q_MAX, INPUT_QUEUE_SIZE);
  store<u32>(queueBase(slot, 1) + Q_MAX, INPUT_QUEUE_SIZE);
  store<u64>(b + S_DEV_FEATURES, F_VERSION_1 | F_RING_INDIRECT_DESC | F_RING_EVENT_IDX);
  // Config size as QEMU computes it: the header (8) plus the largest entry (the key bitmap).
  store<u32>(b + S_CONFIG_LEN, 8 + KEY_BITS_LEN);
  inputDeviceReset(slot);
}

export function inputDeviceReset(slot: i32): void {
  const b = slotBase(slot);
  store<u8>(b + D_SELECT, 0);
  store<u8>(b + D_SUBSEL, 0);
  store<u32>(b + D_EV_HEAD, 0);
  store<u32>(b + D_EV_COUNT, 0);
}

/** Size of the config union for the current select/subsel. */
function cfgSize(select: u32, subsel: u32): u32 {
  if (select == CFG_ID_NAME) return NAME_LEN;
  if (select == CFG_ID_DEVIDS) return 8;
  if (select == CFG_EV_BITS) {
    // EV_SYN is not listed (as QEMU): Linux's input core always sets it.
    if (subsel == EV_LED || subsel == EV_REP) return 1;
    if (subsel == EV_KEY) return KEY_BITS_LEN;
  }
  return 0;
}

function cfgData(select: u32, subsel: u32, i: u32): u32 {
  if (select == CFG_ID_NAME) return <u32>load<u8>(NAME + i);
  if (select == CFG_ID_DEVIDS) {
    // bustype BUS_VIRTUAL (6), vendor 0x0627, product 1, version 1 (all le16), as QEMU.
    switch (i) { case 0: return 6; case 2: return 0x27; case 3: return 0x06; case 4: return 1; case 6: return 1; }
    return 0;
  }
  if (select == CFG_EV_BITS) {
    if (subsel == EV_LED) return 0x07;                  // NUML, CAPSL, SCROLLL
    if (subsel == EV_KEY) return <u32>load<u8>(KEY_BITS + i);
  }
  return 0;
}

export function inputConfigRead(slot: i32, off: u32): u32 {
  const b = slotBase(slot);
  let select = <u32>load<u8>(b + D_SELECT), subsel = <u32>load<u8>(b + D_SUBSEL);
  // QEMU refreshes its config buffer on every read: for a select/subsel pair it has no entry
  // for, the whole buffer reads zero, select and subsel included, and a later write of one
  // byte keeps the other at zero. Linux writes select, then subsel, then reads, so it never
  // notices; we keep the same register contract anyway.
  if (cfgSize(select, subsel) == 0) {
    select = 0; subsel = 0;
    store<u8>(b + D_SELECT, 0);
    store<u8>(b + D_SUBSEL, 0);
  }
  if (off == 0) return select;
  if (off == 1) return subsel;
  const size = cfgSize(select, subsel);
  if (off == 2) return size;
  if (off < 8) return 0;
  const i = off - 8;
  return i < size ? cfgData(select, subsel, i) : 0;
}

export function inputConfigWrite(slot: i32, off: u32, v: u32): void {
  const b = slotBase(slot);
  if (off == 0) store<u8>(b + D_SELECT, <u8>v);
  else if (off == 1) store<u8>(b + D_SUBSEL, <u8>v);
}

/** Queue one input event; false when the ring is full. */
export function inputQueueEvent(slot: i32, type: u32, code: u32, value: u32): bool {
  const b = slotBase(slot);
  const count = load<u32>(b + D_EV_COUNT);
  if (count >= EV_RING) return false;
  const e = b + D_EVENTS + (((load<u32>(b + D_EV_HEAD) + count) % EV_RING) << 3);
  store<u16>(e, <u16>type);
  store<u16>(e, <u16>code, 2);
  store<u32>(e, value, 4);
  store<u32>(b + D_EV_COUNT, count + 1);
  return true;
}

export function inputPendingEvents(slot: i32): u32 {
  return load<u32>(slotBase(slot) + D_EV_COUNT);
}

/** Move queued events into the driver's event buffers. */
export function inputDeliver(slot: i32): void {
  const b = slotBase(slot);
  if (load<u32>(b + D_EV_COUNT) == 0 || !driverOk(slot) || !queueUsable(slot, 0)) return;
  while (load<u32>(b + D_EV_COUNT) > 0) {
    const head = popChain(slot, 0);
    if (head == CHAIN_NONE || head == CHAIN_ERROR) break;
    if (chainWritable() < 8) { needsReset(slot); break; }
    const h = load<u32>(b + D_EV_HEAD);
    chainWrite(0, b + D_EVENTS + (h << 3), 8);
    pushUsed(slot, 0, <u32>head, 8);
    store<u32>(b + D_EV_HEAD, (h + 1) % EV_RING);
    store<u32>(b + D_EV_COUNT, load<u32>(b + D_EV_COUNT) - 1);
  }
  notifyUsed(slot, 0);
}

export function inputNotify(slot: i32, q: u32): void {
  if (q == 0) {
    inputDeliver(slot);
  } else if (q == 1) {
    // Status queue (LED state from the guest): consumed and returned, nothing to light up.
    if (!queueUsable(slot, 1)) return;
    while (true) {
      const head = popChain(slot, 1);
      if (head == CHAIN_NONE || head == CHAIN_ERROR) break;
      pushUsed(slot, 1, <u32>head, 0);
    }
    notifyUsed(slot, 1);
  }
}
