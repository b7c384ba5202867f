// Split virtqueues (virtio 1.1 §2.6): descriptor table, available ring, used ring in guest
// RAM; indirect descriptor tables; event-idx notification suppression in both directions.
//
// popChain() walks one available descriptor chain into the chain scratch area
// (VIRTIO_CHAIN): a list of segments {guest address, length, device-writable}. Every
// segment, table and ring is checked to lie inside RAM before it is touched; anything
// malformed puts the device into NEEDS_RESET (slot.ts) and the chain is not used.
import { VIRTIO_CHAIN, VIRTIO_CHAIN_SIZE } from "../state-map";
import { ramPtr, ramSize, RAM_BASE, ramWritten } from "../../ram";
import {
  queueBase, negotiated, needsReset, raiseIsr, F_RING_EVENT_IDX, F_RING_INDIRECT_DESC, ISR_USED_BUFFER,
  Q_NUM, Q_READY, Q_DESC, Q_AVAIL, Q_USED, Q_LAST_AVAIL, Q_USED_IDX, Q_BATCH_START,
} from "./slot";

const DESC_F_NEXT: u32 = 1;
const DESC_F_WRITE: u32 = 2;
const DESC_F_INDIRECT: u32 = 4;
const AVAIL_F_NO_INTERRUPT: u32 = 1;

export const CHAIN_NONE: i32 = -1;
export const CHAIN_ERROR: i32 = -2;

// Chain scratch: header then segments of 16 bytes.
const CH_COUNT: u32 = VIRTIO_CHAIN + 0;
const CH_READABLE: u32 = VIRTIO_CHAIN + 4;
const CH_WRITABLE: u32 = VIRTIO_CHAIN + 8;
const CH_SEGS: u32 = VIRTIO_CHAIN + 16;
// (the last 32 bytes of the scratch area are left to the device models: blk's request header
// and discard/write-zeroes segment)
export const MAX_SEGMENTS: u32 = (VIRTIO_CHAIN_SIZE - 48) >> 4;
const MAX_BYTES: u64 = 0x4000_0000;      // 1 GiB per direction and chain: more is a broken driver

@inline export function segCount(): u32 { return load<u32>(CH_COUNT); }
@inline export function segAddr(i: u32): u64 { return load<u64>(CH_SEGS + (i << 4)); }
@inline export function segLen(i: u32): u32 { return load<u32>(CH_SEGS + (i << 4), 8); }
@inline export function segWritable(i: u32): bool { return load<u32>(CH_SEGS + (i << 4), 12) != 0; }
@inline export function chainReadable(): u32 { return load<u32>(CH_READABLE); }
@inline export function chainWritable(): u32 { return load<u32>(CH_WRITABLE); }

/**
 * [addr, addr+len) lies inside guest RAM. Written so that no sum can wrap around 2^64
 * (a guest can hand us any 64-bit address and any 32-bit length).
 */
@inline export function dmaOk(addr: u64, len: u64): bool {
  return addr >= RAM_BASE && len <= ramSize && addr - RAM_BASE <= ramSize - len;
}

/** Queue usable: enabled and its three areas inside RAM. */
export function queueUsable(slot: i32, q: u32): bool {
  const qb = queueBase(slot, q);
  const num = <u64>load<u32>(qb + Q_NUM);
  if (load<u32>(qb + Q_READY) == 0 || num == 0) return false;
  if (!dmaOk(load<u64>(qb + Q_DESC), num << 4) ||
      !dmaOk(load<u64>(qb + Q_AVAIL), 6 + (num << 1)) ||
      !dmaOk(load<u64>(qb + Q_USED), 6 + (num << 3))) {
    needsReset(slot);
    return false;
  }
  return true;
}

/** Append the segments of one descriptor table walk; false on a malformed chain. */
function walk(slot: i32, table: u64, size: u32, first: u32, inIndirect: bool): bool {
  let idx = first;
  let steps: u32 = 0;
  while (true) {
    if (idx >= size || ++steps > size) return false;          // out of range, or a loop
    const d = ramPtr(table + (<u64>idx << 4));
    const addr = load<u64>(d);
    const len = load<u32>(d, 8);
    const flags = <u32>load<u16>(d, 12);
    const next = <u32>load<u16>(d, 14);
    if (flags & DESC_F_INDIRECT) {
      if (inIndirect || !negotiated(slot, F_RING_INDIRECT_DESC)) return false;
      if (len == 0 || (len & 15) != 0 || !dmaOk(addr, <u64>len)) return false;
      if (!walk(slot, addr, len >> 4, 0, true)) return false;
      // An indirect descriptor ends the chain (NEXT is not allowed together with INDIRECT).
      return true;
    }
    if (!dmaOk(addr, <u64>len)) return false;
    const n = load<u32>(CH_COUNT);
    if (n >= MAX_SEGMENTS) return false;
    const s = CH_SEGS + (n << 4);
    store<u64>(s, addr);
    store<u32>(s, len, 8);
    const w: u32 = (flags & DESC_F_WRITE) ? 1 : 0;
    store<u32>(s, w, 12);
    store<u32>(CH_COUNT, n + 1);
    const tot = w ? CH_WRITABLE : CH_READABLE;
    const sum = <u64>load<u32>(tot) + <u64>len;
    if (sum > MAX_BYTES) return false;
    store<u32>(tot, <u32>sum);
    if ((flags & DESC_F_NEXT) == 0) return true;
    idx = next;
  }
  return true;
}

/**
 * Take the next available chain of queue q. Returns its head index, CHAIN_NONE when the
 * driver has nothing more, CHAIN_ERROR when the device had to stop (NEEDS_RESET is set).
 */
export function popChain(slot: i32, q: u32): i32 {
  const qb = queueBase(slot, q);
  const num = load<u32>(qb + Q_NUM);
  const avail = load<u64>(qb + Q_AVAIL);
  const ap = ramPtr(avail);
  const last = load<u32>(qb + Q_LAST_AVAIL) & 0xffff;
  const availIdx = <u32>load<u16>(ap, 2);
  if (availIdx == last) {
    // Ring empty: with event-idx, ask to be notified as soon as anything new arrives.
    if (negotiated(slot, F_RING_EVENT_IDX)) {
      const ae = load<u64>(qb + Q_USED) + 4 + (<u64>num << 3);
      store<u16>(ramPtr(ae), <u16>last);
      ramWritten(ae, 2);
    }
    return CHAIN_NONE;
  }
  if (((availIdx - last) & 0xffff) > num) { needsReset(slot); return CHAIN_ERROR; }
  const head = <u32>load<u16>(ap + 4 + ((last % num) << 1));
  store<u32>(qb + Q_LAST_AVAIL, (last + 1) & 0xffff);
  store<u32>(CH_COUNT, 0);
  store<u32>(CH_READABLE, 0);
  store<u32>(CH_WRITABLE, 0);
  if (!walk(slot, load<u64>(qb + Q_DESC), num, head, false)) {
    needsReset(slot);
    return CHAIN_ERROR;
  }
  return <i32>head;
}

/** Return a chain to the driver with `len` bytes written into its device-writable part. */
export function pushUsed(slot: i32, q: u32, head: u32, len: u32): void {
  // The device may have written any device-writable buffer of the chain (DMA): report them.
  const n = segCount();
  for (let i: u32 = 0; i < n; i++) if (segWritable(i)) ramWritten(segAddr(i), <u64>segLen(i));
  const qb = queueBase(slot, q);
  const num = load<u32>(qb + Q_NUM);
  const up = ramPtr(load<u64>(qb + Q_USED));
  const idx = load<u32>(qb + Q_USED_IDX) & 0xffff;
  const e = up + 4 + ((idx % num) << 3);
  store<u32>(e, head);
  store<u32>(e, len, 4);
  ramWritten(load<u64>(qb + Q_USED), 4 + (<u64>(idx % num) << 3) + 8);
  const ni = (idx + 1) & 0xffff;
  store<u32>(qb + Q_USED_IDX, ni);
  store<u16>(up, <u16>ni, 2);
  const usedPa = load<u64>(qb + Q_USED);
  ramWritten(usedPa, 4);
  ramWritten(usedPa + 4 + (<u64>(idx % num) << 3), 8);
}

/**
 * After a batch of pushUsed: interrupt the driver unless it asked not to be
 * (avail.flags NO_INTERRUPT, or with event-idx unless used_event was crossed).
 */
export function notifyUsed(slot: i32, q: u32): void {
  const qb = queueBase(slot, q);
  const old = load<u32>(qb + Q_BATCH_START) & 0xffff;
  const now = load<u32>(qb + Q_USED_IDX) & 0xffff;
  if (old == now) return;
  store<u32>(qb + Q_BATCH_START, now);
  const num = load<u32>(qb + Q_NUM);
  const ap = ramPtr(load<u64>(qb + Q_AVAIL));
  let need: bool;
  if (negotiated(slot, F_RING_EVENT_IDX)) {
    const usedEvent = <u32>load<u16>(ap + 4 + (num << 1));
    need = ((now - usedEvent - 1) & 0xffff) < ((now - old) & 0xffff);
  } else {
    need = (<u32>load<u16>(ap) & AVAIL_F_NO_INTERRUPT) == 0;
  }
  if (need) raiseIsr(slot, ISR_USED_BUFFER);
}

/** Copy up to len bytes of the chain's device-readable part, from byte offset off, to linear address dst. */
export function chainRead(off: u32, dst: u32, len: u32): u32 {
  let done: u32 = 0;
  let pos: u32 = 0;
  const n = segCount();
  for (let i: u32 = 0; i < n && done < len; i++) {
    if (segWritable(i)) continue;
    const sl = segLen(i);
    if (off + done < pos + sl) {
      const within = off + done - pos;
      let k = sl - within;
      if (k > len - done) k = len - done;
      memory.copy(dst + done, ramPtr(segAddr(i)) + within, k);
      done += k;
    }
    pos += sl;
  }
  return done;
}

/** Copy len bytes from linear address src into the chain's device-writable part at byte offset off. */
export function chainWrite(off: u32, src: u32, len: u32): u32 {
  let done: u32 = 0;
  let pos: u32 = 0;
  const n = segCount();
  for (let i: u32 = 0; i < n && done < len; i++) {
    if (!segWritable(i)) continue;
    const sl = segLen(i);
    if (off + done < pos + sl) {
      const within = off + done - pos;
      let k = sl - within;
      if (k > len - done) k = len - done;
      memory.copy(ramPtr(segAddr(i)) + within, src + done, k);
      ramWritten(segAddr(i) + <u64>within, <u64>k);
      done += k;
    }
    pos += sl;
  }
  return done;
}

/** Reset the ring positions of a queue (device reset). */
export function queueReset(slot: i32, q: u32): void {
  const qb = queueBase(slot, q);
  store<u32>(qb + Q_NUM, 0);
  store<u32>(qb + Q_READY, 0);
  store<u64>(qb + Q_DESC, 0);
  store<u64>(qb + Q_AVAIL, 0);
  store<u64>(qb + Q_USED, 0);
  store<u32>(qb + Q_LAST_AVAIL, 0);
  store<u32>(qb + Q_USED_IDX, 0);
  store<u32>(qb + Q_BATCH_START, 0);
}
