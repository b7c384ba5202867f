// virtio-blk (virtio 1.1 §5.2) over a host block backend reached through synchronous
// imports (the CPU runs in a worker thread, so the host can use blocking fs calls).
// Data moves straight between the backend and guest RAM (no bounce buffer): the host
// gets a linear-memory pointer inside RAM and a length.
import { ramPtr, ramWritten } from "../../ram";
import {
  slotBase, S_BACKEND, S_FLAGS, S_CAPACITY, S_CONFIG, S_CONFIG_LEN, S_DEV_FEATURES, S_NUM_QUEUES,
  F_VERSION_1, F_RING_INDIRECT_DESC, F_RING_EVENT_IDX, queueBase, Q_MAX, negotiated,
} from "./slot";
import {
  popChain, pushUsed, notifyUsed, queueUsable, chainRead, segCount, segAddr, segLen, segWritable,
  chainReadable, chainWritable, CHAIN_NONE, CHAIN_ERROR,
} from "./queue";
import { VIRTIO_CHAIN, VIRTIO_CHAIN_SIZE, ZERO_PAGE, ZERO_PAGE_SIZE } from "../state-map";
import { needsReset } from "./slot";

/** Read len bytes at byte offset of disk dev into linear memory ptr; 0 = ok, negative = I/O error. */
@external("env", "blkRead") declare function blkRead(dev: i32, offset: f64, ptr: u32, len: u32): i32;
/** Write len bytes from linear memory ptr at byte offset of disk dev; 0 = ok, negative = I/O error. */
@external("env", "blkWrite") declare function blkWrite(dev: i32, offset: f64, ptr: u32, len: u32): i32;
/** Make all writes of disk dev durable (fsync); 0 = ok, negative = I/O error. */
@external("env", "blkFlush") declare function blkFlush(dev: i32): i32;

export const BLK_F_SIZE_MAX: u64 = <u64>1 << 1;
export const BLK_F_SEG_MAX: u64 = <u64>1 << 2;
export const BLK_F_RO: u64 = <u64>1 << 5;
export const BLK_F_BLK_SIZE: u64 = <u64>1 << 6;
export const BLK_F_GEOMETRY: u64 = <u64>1 << 4;
export const BLK_F_FLUSH: u64 = <u64>1 << 9;
export const BLK_F_TOPOLOGY: u64 = <u64>1 << 10;
export const BLK_F_CONFIG_WCE: u64 = <u64>1 << 11;
export const BLK_F_DISCARD: u64 = <u64>1 << 13;
export const BLK_F_WRITE_ZEROES: u64 = <u64>1 << 14;

const T_IN: u32 = 0, T_OUT: u32 = 1, T_FLUSH: u32 = 4, T_GET_ID: u32 = 8, T_DISCARD: u32 = 11, T_WRITE_ZEROES: u32 = 13;
const S_OK: u32 = 0, S_IOERR: u32 = 1, S_UNSUPP: u32 = 2;

export const BLK_QUEUE_SIZE: u32 = 256;
const SECTOR: u64 = 512;
const SEG_MAX: u32 = BLK_QUEUE_SIZE - 2;    // as QEMU
const MAX_DISCARD_SECTORS: u32 = 0x3f_ffff; // per request, as QEMU's default (BDRV_REQUEST_MAX_SECTORS)
const WRITEBACK: u32 = 0x20;                // config byte: 1 = write-back cache, 0 = write-through

// The 16-byte request header and a discard/write-zeroes segment are copied here (the end of
// the chain scratch area, past any segment: queue.ts leaves the last 32 bytes to us).
const HDR: u32 = VIRTIO_CHAIN + VIRTIO_CHAIN_SIZE - 16;

/** flags bit 0: the disk is read-only. */
export function blkSetup(slot: i32, backend: u32, flags: u32, capacityBytes: u64): void {
  const readOnly = (flags & 1) != 0;
  const b = slotBase(slot);
  store<u32>(b + S_BACKEND, backend);
  store<u32>(b + S_FLAGS, readOnly ? 1 : 0);
  store<u64>(b + S_CAPACITY, capacityBytes);
  store<u32>(b + S_NUM_QUEUES, 1);
  store<u32>(queueBase(slot, 0) + Q_MAX, BLK_QUEUE_SIZE);
  // The features QEMU 7.2 offers for a raw image (SEG_MAX, GEOMETRY, BLK_SIZE, FLUSH, TOPOLOGY,
  // CONFIG_WCE, DISCARD, WRITE_ZEROES, and RO when read-only; not SIZE_MAX), and the same config.
  let f = F_VERSION_1 | F_RING_INDIRECT_DESC | F_RING_EVENT_IDX | BLK_F_SEG_MAX | BLK_F_GEOMETRY | BLK_F_BLK_SIZE |
          BLK_F_FLUSH | BLK_F_TOPOLOGY | BLK_F_CONFIG_WCE | BLK_F_DISCARD | BLK_F_WRITE_ZEROES;
  if (readOnly) f |= BLK_F_RO;
  store<u64>(b + S_DEV_FEATURES, f);
  // struct virtio_blk_config: capacity, size_max, seg_max, geometry, blk_size, topology, writeback...
  const c = b + S_CONFIG;
  memory.fill(c, 0, 0x100);
  const sectors = capacityBytes / SECTOR;
  store<u64>(c, sectors, 0x00);
  store<u32>(c, SEG_MAX, 0x0c);
  // Geometry as QEMU guesses it for a disk without a partition table: 16 heads, 63 sectors.
  let cyls = sectors / (16 * 63);
  if (cyls > 16383) cyls = 16383;
  if (cyls < 2) cyls = 2;
  store<u16>(c, <u16>cyls, 0x10);
  store<u8>(c, 16, 0x12);
  store<u8>(c, 63, 0x13);
  store<u32>(c, 512, 0x14);
  // Topology (0x18..0x1f): all zero, as QEMU for a plain file.
  store<u8>(c, 1, WRITEBACK);
  store<u16>(c, 1, 0x22);                     // num_queues
  store<u32>(c, MAX_DISCARD_SECTORS, 0x24);   // max_discard_sectors
  store<u32>(c, 1, 0x28);                     // max_discard_seg
  store<u32>(c, 1, 0x2c);                     // discard_sector_alignment (in 512-byte sectors)
  store<u32>(c, MAX_DISCARD_SECTORS, 0x30);   // max_write_zeroes_sectors
  store<u32>(c, 1, 0x34);                     // max_write_zeroes_seg
  store<u8>(c, 1, 0x38);                      // write_zeroes_may_unmap (we always write zeros: allowed)
  store<u32>(b + S_CONFIG_LEN, 0x39);         // QEMU's config size: up to write_zeroes_may_unmap
}

/** Move the data part of an IN/OUT request; returns a virtio-blk status. */
function transfer(slot: i32, write: bool, sector: u64, dataLen: u32): u32 {
  const b = slotBase(slot);
  const dev = <i32>load<u32>(b + S_BACKEND);
  const cap = load<u64>(b + S_CAPACITY);
  if ((dataLen & 511) != 0) return S_IOERR;
  if (sector > cap / SECTOR || sector * SECTOR + <u64>dataLen > cap) return S_IOERR;
  if (write && (load<u32>(b + S_FLAGS) & 1)) return S_IOERR;
  let pos = sector * SECTOR;
  let left = dataLen;
  // Readable stream: header (16 bytes) then data. Writable stream: data (for IN) then status.
  let skip: u32 = write ? 16 : 0;
  const n = segCount();
  for (let i: u32 = 0; i < n && left > 0; i++) {
    if (segWritable(i) == write) continue;
    let len = segLen(i);
    let addr = segAddr(i);
    if (skip >= len) { skip -= len; continue; }
    addr += <u64>skip; len -= skip; skip = 0;
    if (len > left) len = left;
    const r = write ? blkWrite(dev, <f64>pos, ramPtr(addr), len) : blkRead(dev, <f64>pos, ramPtr(addr), len);
    if (r < 0) return S_IOERR;
    if (!write) ramWritten(addr, <u64>len);
    pos += <u64>len;
    left -= len;
  }
  return left == 0 ? S_OK : S_IOERR;
}

/** Write-through mode (the driver cleared the writeback byte): every write is flushed at once. */
function writeThrough(slot: i32): bool {
  return negotiated(slot, BLK_F_CONFIG_WCE) && load<u8>(slotBase(slot) + S_CONFIG + WRITEBACK) == 0;
}

/**
 * DISCARD and WRITE_ZEROES: one 16-byte segment {sector, num_sectors, flags} after the header.
 * Discard is a hint: a raw image keeps its bytes (QEMU without discard=unmap does the same).
 * Write-zeroes writes zeros from ZERO_PAGE in 64 KiB pieces.
 */
function discardOrZero(slot: i32, zero: bool): u32 {
  const b = slotBase(slot);
  const data = chainReadable() - 16;
  if (data == 0 || (data & 15) != 0 || data > 16) return S_UNSUPP;   // max_*_seg = 1
  const SEG = HDR - 16;
  chainRead(16, SEG, 16);
  const sector = load<u64>(SEG), count = <u64>load<u32>(SEG, 8), flags = load<u32>(SEG, 12);
  if ((flags & ~<u32>1) != 0 || (!zero && flags != 0)) return S_UNSUPP;   // only WRITE_ZEROES may ask to unmap
  if (count > <u64>MAX_DISCARD_SECTORS) return S_IOERR;
  const cap = load<u64>(b + S_CAPACITY);
  if (sector > cap / SECTOR || (sector + count) * SECTOR > cap) return S_IOERR;
  if (load<u32>(b + S_FLAGS) & 1) return S_IOERR;
  if (!zero) return S_OK;
  const dev = <i32>load<u32>(b + S_BACKEND);
  let pos = sector * SECTOR;
  let left = count * SECTOR;
  while (left > 0) {
    const n = left > <u64>ZERO_PAGE_SIZE ? ZERO_PAGE_SIZE : <u32>left;
    if (blkWrite(dev, <f64>pos, ZERO_PAGE, n) < 0) return S_IOERR;
    pos += <u64>n;
    left -= <u64>n;
  }
  return S_OK;
}

/** The driver writes the config: only the writeback byte is writable (with CONFIG_WCE). */
export function blkConfigWrite(slot: i32, off: u32, v: u32): void {
  if (off == WRITEBACK && negotiated(slot, BLK_F_CONFIG_WCE)) {
    store<u8>(slotBase(slot) + S_CONFIG + WRITEBACK, v != 0 ? 1 : 0);
  }
}

/** Write the status byte: the last byte of the chain's device-writable part. */
function putStatus(status: u32): void {
  let last: u32 = 0xffff_ffff;
  const n = segCount();
  for (let i: u32 = 0; i < n; i++) if (segWritable(i) && segLen(i) > 0) last = i;
  if (last == 0xffff_ffff) return;
  const at = segAddr(last) + <u64>(segLen(last) - 1);
  store<u8>(ramPtr(at), <u8>status);
  ramWritten(at, 1);
}

function flush(slot: i32): u32 {
  return blkFlush(<i32>load<u32>(slotBase(slot) + S_BACKEND)) < 0 ? S_IOERR : S_OK;
}

function handleRequest(slot: i32, head: u32): void {
  const readable = chainReadable();
  const writable = chainWritable();
  let status = S_UNSUPP;
  chainRead(0, HDR, 16);
  const type = load<u32>(HDR);
  const sector = load<u64>(HDR, 8);
  if (type == T_IN) {
    status = transfer(slot, false, sector, writable - 1);
  } else if (type == T_OUT) {
    status = transfer(slot, true, sector, readable - 16);
    if (status == S_OK && writeThrough(slot)) status = flush(slot);
  } else if (type == T_DISCARD && negotiated(slot, BLK_F_DISCARD)) {
    status = discardOrZero(slot, false);
  } else if (type == T_WRITE_ZEROES && negotiated(slot, BLK_F_WRITE_ZEROES)) {
    status = discardOrZero(slot, true);
    if (status == S_OK && writeThrough(slot)) status = flush(slot);
  } else if (type == T_FLUSH) {
    status = flush(slot);
  } else if (type == T_GET_ID) {
    // No serial configured (QEMU's default): an empty, NUL-terminated id.
    const n = segCount();
    for (let i: u32 = 0; i < n; i++) {
      if (segWritable(i) && segLen(i) > 1) { store<u8>(ramPtr(segAddr(i)), 0); ramWritten(segAddr(i), 1); break; }
    }
    status = S_OK;
  }
  putStatus(status);
  pushUsed(slot, 0, head, writable);
}

export function blkNotify(slot: i32, q: u32): void {
  if (q != 0 || !queueUsable(slot, 0)) return;
  while (true) {
    const head = popChain(slot, 0);
    if (head == CHAIN_NONE || head == CHAIN_ERROR) break;
    // A request needs its 16-byte header and a status byte, else the driver is broken.
    if (chainReadable() < 16 || chainWritable() < 1) {
      needsReset(slot);
      break;
    }
    handleRequest(slot, <u32>head);
  }
  notifyUsed(slot, 0);
}
