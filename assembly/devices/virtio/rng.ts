// virtio-rng (virtio 1.1 §5.4): every device-writable buffer the driver offers is filled
// with host randomness (crypto.getRandomValues on the host side) right away.
import { ramPtr, ramWritten } from "../../ram";
import {
  slotBase, S_NUM_QUEUES, S_DEV_FEATURES, S_CONFIG_LEN, F_VERSION_1, F_RING_INDIRECT_DESC, F_RING_EVENT_IDX,
  queueBase, Q_MAX,
} from "./slot";
import {
  popChain, pushUsed, notifyUsed, queueUsable, segCount, segAddr, segLen, segWritable, CHAIN_NONE, CHAIN_ERROR,
} from "./queue";

/** Fill len bytes at linear address ptr with cryptographically strong random bytes. */
@external("env", "rngFill") declare function rngFill(ptr: u32, len: u32): void;

export const RNG_QUEUE_SIZE: u32 = 8;       // as QEMU's virtio-rng

export function rngSetup(slot: i32, backend: u32, flags: u32, capacity: u64): void {
  const b = slotBase(slot);
  store<u32>(b + S_NUM_QUEUES, 1);
  store<u32>(queueBase(slot, 0) + Q_MAX, RNG_QUEUE_SIZE);
  store<u64>(b + S_DEV_FEATURES, F_VERSION_1 | F_RING_INDIRECT_DESC | F_RING_EVENT_IDX);
  store<u32>(b + S_CONFIG_LEN, 0);
}

export function rngNotify(slot: i32, q: u32): void {
  if (q != 0 || !queueUsable(slot, 0)) return;
  while (true) {
    const head = popChain(slot, 0);
    if (head == CHAIN_NONE || head == CHAIN_ERROR) break;
    let total: u32 = 0;
    const n = segCount();
    for (let i: u32 = 0; i < n; i++) {
      if (!segWritable(i)) continue;
      const len = segLen(i);
      if (len == 0) continue;
      rngFill(ramPtr(segAddr(i)), len);
      ramWritten(segAddr(i), <u64>len);
      total += len;
    }
    pushUsed(slot, 0, <u32>head, total);
  }
  notifyUsed(slot, 0);
}
