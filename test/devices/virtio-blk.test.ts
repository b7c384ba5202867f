// virtio-blk over virtio-mmio v2, driven the way Linux's virtio_blk does it, with a raw
// image in a host file: the bytes the guest reads and writes are checked in the file.
import { describe, it, expect, beforeEach, afterEach, vi } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Machine, RAM_BASE } from "./core.js";
import { VirtioDriver, REG, STATUS, F, type Queue } from "./virtio-driver.js";
import { FileBlockBackend } from "../../src/block/file.js";

const T_IN = 0,
  T_OUT = 1,
  T_FLUSH = 4,
  T_DISCARD = 11,
  T_WRITE_ZEROES = 13;
const SLOT = 7; // where QEMU puts the first -device
const QBASE = RAM_BASE + 0x10_0000;
const HDR = RAM_BASE + 0x20_0000,
  DATA = RAM_BASE + 0x30_0000,
  STAT = RAM_BASE + 0x40_0000;
const INDIRECT = RAM_BASE + 0x50_0000;
const DISK_SIZE = 1 << 20;

function pattern(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i * 131 + seed * 7 + (i >> 9)) & 0xff;
  return b;
}

describe("virtio-blk", () => {
  let dir: string, file: string, disk: FileBlockBackend, m: Machine, d: VirtioDriver;

  async function boot(readOnly = false) {
    disk = new FileBlockBackend(file, { readOnly });
    m = await new Machine([disk]).start(1);
    expect(m.core.virtioAttach(SLOT, 2, 0, readOnly ? 1 : 0, disk.size)).toBe(0);
    d = new VirtioDriver(m, SLOT);
  }

  /** Linux's order: features, then the queue, then DRIVER_OK. */
  function ready(
    features = F.VERSION_1 | F.INDIRECT_DESC | F.EVENT_IDX | F.BLK_FLUSH | F.BLK_BLK_SIZE | F.BLK_SEG_MAX,
  ): Queue {
    expect(d.negotiate(features)).toBe(true);
    const q = d.setupQueue(0, 128, QBASE);
    d.driverOk();
    return q;
  }

  function header(n: number, type: number, sector: number): number {
    const a = HDR + 16 * n,
      dv = m.dv,
      p = m.lin(a);
    dv.setUint32(p, type, true);
    dv.setUint32(p + 4, 0, true);
    dv.setBigUint64(p + 8, BigInt(sector), true);
    return a;
  }
  const status = (n: number) => m.ram(STAT + n, 1)[0];
  const fileBytes = (a: number, b: number) => Uint8Array.from(fs.readFileSync(file).subarray(a, b));

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasmvirt-blk-"));
    file = path.join(dir, "disk.img");
    fs.writeFileSync(file, pattern(DISK_SIZE, 1));
  });
  afterEach(() => {
    disk?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("identifies itself as QEMU's virtio-mmio v2 block device with the features and config Linux reads", async () => {
    await boot();
    expect(d.read(REG.MAGIC)).toBe(0x74726976);
    expect(d.read(REG.VERSION)).toBe(2);
    expect(d.read(REG.DEVICE_ID)).toBe(2);
    expect(d.read(REG.VENDOR_ID)).toBe(0x554d4551);
    const f = d.deviceFeatures();
    for (const bit of [
      F.VERSION_1,
      F.INDIRECT_DESC,
      F.EVENT_IDX,
      F.BLK_FLUSH,
      F.BLK_BLK_SIZE,
      F.BLK_SEG_MAX,
      F.BLK_CONFIG_WCE,
      F.BLK_DISCARD,
      F.BLK_WRITE_ZEROES,
      1n << 4n /* GEOMETRY */,
      1n << 10n /* TOPOLOGY */,
    ]) {
      expect(f & bit).toBe(bit);
    }
    expect(f & F.BLK_RO).toBe(0n);
    expect(f & F.BLK_SIZE_MAX).toBe(0n); // QEMU 7.2 does not offer it either
    expect(d.config(0, 8)).toBe(BigInt(DISK_SIZE / 512)); // capacity in sectors
    expect(Number(d.config(0x14, 4))).toBe(512); // blk_size
    expect(Number(d.config(0x0c, 4))).toBeGreaterThan(0); // seg_max
    expect(Number(d.config(0x20, 1))).toBe(1); // writeback cache
    expect(Number(d.config(0x10, 2))).toBe(2); // cylinders: 1 MiB / (16 heads x 63 sectors), at least 2
    expect(Number(d.config(0x28, 4))).toBe(1); // max_discard_seg
    expect(Number(d.config(0x34, 4))).toBe(1); // max_write_zeroes_seg
    d.write(REG.QUEUE_SEL, 0);
    expect(d.read(REG.QUEUE_NUM_MAX)).toBe(1024); // VIRTQUEUE_MAX_SIZE, as QEMU
    d.write(REG.QUEUE_SEL, 1);
    expect(d.read(REG.QUEUE_NUM_MAX)).toBe(0); // only one queue
    // Every other slot is empty, as on QEMU: magic and version, device ID 0.
    const empty = new VirtioDriver(m, 0);
    expect(empty.read(REG.MAGIC)).toBe(0x74726976);
    expect(empty.read(REG.DEVICE_ID)).toBe(0);
  });

  it("refuses FEATURES_OK for features it did not offer, or without VERSION_1", async () => {
    await boot();
    expect(d.negotiate(F.VERSION_1 | (1n << 40n), true)).toBe(false);
    expect(d.negotiate(F.BLK_FLUSH, true)).toBe(false);
    expect(d.negotiate(F.VERSION_1 | F.BLK_FLUSH, true)).toBe(true);
  });

  it("reads sectors into guest RAM, writes reach the file, flush calls fsync", async () => {
    await boot();
    const q = ready();
    const flush = vi.spyOn(disk, "flush");

    // Read sectors 3..4 (1024 bytes): header, data (device-writable), status.
    q.add([
      { addr: header(0, T_IN, 3), len: 16 },
      { addr: DATA, len: 1024, write: true },
      { addr: STAT, len: 1, write: true },
    ]);
    m.ram(STAT, 1)[0] = 0xff;
    q.kick();
    expect(q.takeUsed()).toEqual([{ id: 0, len: 1025 }]);
    expect(status(0)).toBe(0);
    expect(m.ram(DATA, 1024)).toEqual(fileBytes(3 * 512, 5 * 512));
    expect(d.isr() & 1).toBe(1);
    expect(m.core.plicPending(SLOT + 1)).not.toBe(0); // IRQ = slot + 1
    d.ack();
    expect(d.isr()).toBe(0);
    expect(m.core.plicPending(SLOT + 1)).toBe(0);

    // Write 2 sectors at sector 10, the data split over two descriptors.
    const src = pattern(1024, 9);
    m.ram(DATA + 0x1000, 1024).set(src);
    q.add([
      { addr: header(1, T_OUT, 10), len: 16 },
      { addr: DATA + 0x1000, len: 700 },
      { addr: DATA + 0x1000 + 700, len: 324 },
      { addr: STAT + 1, len: 1, write: true },
    ]);
    m.ram(STAT + 1, 1)[0] = 0xff;
    q.kick();
    expect(q.takeUsed()).toEqual([{ id: 3, len: 1 }]);
    expect(status(1)).toBe(0);
    expect(fileBytes(10 * 512, 12 * 512)).toEqual(src);
    expect(fileBytes(12 * 512, 13 * 512)).toEqual(pattern(DISK_SIZE, 1).subarray(12 * 512, 13 * 512)); // neighbours untouched

    q.add([
      { addr: header(2, T_FLUSH, 0), len: 16 },
      { addr: STAT + 2, len: 1, write: true },
    ]);
    m.ram(STAT + 2, 1)[0] = 0xff;
    q.kick();
    expect(q.takeUsed()).toHaveLength(1);
    expect(status(2)).toBe(0);
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it("zeroes sectors with WRITE_ZEROES, treats DISCARD as a hint, flushes every write in write-through mode", async () => {
    await boot();
    const q = ready(F.VERSION_1 | F.BLK_FLUSH | F.BLK_CONFIG_WCE | F.BLK_DISCARD | F.BLK_WRITE_ZEROES);
    const flush = vi.spyOn(disk, "flush");
    const seg = (n: number, sector: number, count: number, flags = 0) => {
      const a = HDR + 0x1000 + 16 * n,
        p = m.lin(a),
        dv = m.dv;
      dv.setBigUint64(p, BigInt(sector), true);
      dv.setUint32(p + 8, count, true);
      dv.setUint32(p + 12, flags, true);
      return a;
    };
    const before = fileBytes(0, DISK_SIZE);
    q.add([
      { addr: header(0, T_WRITE_ZEROES, 0), len: 16 },
      { addr: seg(0, 20, 3), len: 16 },
      { addr: STAT, len: 1, write: true },
    ]);
    q.add([
      { addr: header(1, T_DISCARD, 0), len: 16 },
      { addr: seg(1, 40, 8), len: 16 },
      { addr: STAT + 1, len: 1, write: true },
    ]);
    q.add([
      { addr: header(2, T_WRITE_ZEROES, 0), len: 16 },
      { addr: seg(2, DISK_SIZE / 512 - 1, 2), len: 16 },
      { addr: STAT + 2, len: 1, write: true },
    ]);
    m.ram(STAT, 3).fill(0xff);
    q.kick();
    expect(q.takeUsed()).toHaveLength(3);
    expect([status(0), status(1), status(2)]).toEqual([0, 0, 1]); // the last one runs past the end
    const after = fileBytes(0, DISK_SIZE);
    expect(after.subarray(20 * 512, 23 * 512).every((x) => x === 0)).toBe(true);
    expect(after.subarray(19 * 512, 20 * 512)).toEqual(before.subarray(19 * 512, 20 * 512));
    expect(Buffer.from(after.subarray(23 * 512)).equals(before.subarray(23 * 512))).toBe(true); // discard kept the bytes
    expect(flush).not.toHaveBeenCalled(); // write-back: flush on FLUSH only

    d.write(REG.CONFIG + 0x20, 0, 1); // the guest picks write-through
    expect(Number(d.config(0x20, 1))).toBe(0);
    m.ram(DATA, 512).fill(0x42);
    q.add([
      { addr: header(3, T_OUT, 7), len: 16 },
      { addr: DATA, len: 512 },
      { addr: STAT + 3, len: 1, write: true },
    ]);
    q.kick();
    expect(status(3)).toBe(0);
    expect(flush).toHaveBeenCalledTimes(1);
    expect(fileBytes(7 * 512, 8 * 512).every((x) => x === 0x42)).toBe(true);
  });

  it("serves a request described by an indirect descriptor table", async () => {
    await boot();
    const q = ready();
    q.add(
      [
        { addr: header(0, T_IN, 100), len: 16 },
        { addr: DATA, len: 512, write: true },
        { addr: DATA + 512, len: 1536, write: true },
        { addr: STAT, len: 1, write: true },
      ],
      INDIRECT,
    );
    m.ram(STAT, 1)[0] = 0xff;
    q.kick();
    expect(q.takeUsed()).toEqual([{ id: 0, len: 2049 }]);
    expect(status(0)).toBe(0);
    expect(m.ram(DATA, 2048)).toEqual(fileBytes(100 * 512, 104 * 512));
  });

  it("suppresses interrupts with event-idx until used_event is crossed, and publishes avail_event", async () => {
    await boot();
    const q = ready();
    const read = (n: number) => {
      q.add([
        { addr: header(n, T_IN, n), len: 16 },
        { addr: DATA + 512 * n, len: 512, write: true },
        { addr: STAT + n, len: 1, write: true },
      ]);
      q.kick();
    };
    q.setUsedEvent(2); // "interrupt me when used idx goes past 2"
    read(0);
    expect(q.availEvent()).toBe(1); // the device wants a kick for the next buffer
    read(1);
    expect(q.usedIdx()).toBe(2);
    expect(d.isr()).toBe(0); // no interrupt for entries 0 and 1
    read(2);
    expect(q.usedIdx()).toBe(3);
    expect(d.isr() & 1).toBe(1); // entry 2 crossed used_event
    expect(q.availEvent()).toBe(3);
    d.ack();

    // Without event-idx the avail ring's NO_INTERRUPT flag is what counts.
    const q2 = ready(F.VERSION_1 | F.BLK_FLUSH);
    q2.setAvailFlags(1);
    q2.add([
      { addr: header(0, T_IN, 0), len: 16 },
      { addr: DATA, len: 512, write: true },
      { addr: STAT, len: 1, write: true },
    ]);
    q2.kick();
    expect(q2.usedIdx()).toBe(1);
    expect(d.isr()).toBe(0);
    q2.setAvailFlags(0);
    q2.add([
      { addr: header(1, T_IN, 1), len: 16 },
      { addr: DATA, len: 512, write: true },
      { addr: STAT, len: 1, write: true },
    ]);
    q2.kick();
    expect(d.isr() & 1).toBe(1);
  });

  it("answers I/O errors for requests beyond the disk and for writes to a read-only disk", async () => {
    await boot(true);
    expect(d.deviceFeatures() & F.BLK_RO).toBe(F.BLK_RO);
    const q = ready(F.VERSION_1 | F.BLK_RO);
    const before = fs.readFileSync(file);
    m.ram(DATA, 512).fill(0xee);
    q.add([
      { addr: header(0, T_OUT, 0), len: 16 },
      { addr: DATA, len: 512 },
      { addr: STAT, len: 1, write: true },
    ]);
    q.add([
      { addr: header(1, T_IN, DISK_SIZE / 512 - 1), len: 16 },
      { addr: DATA, len: 1024, write: true },
      { addr: STAT + 1, len: 1, write: true },
    ]);
    q.add([
      { addr: header(2, 0x1234, 0), len: 16 },
      { addr: STAT + 2, len: 1, write: true },
    ]);
    q.kick();
    expect(q.takeUsed()).toHaveLength(3);
    expect(status(0)).toBe(1); // VIRTIO_BLK_S_IOERR
    expect(status(1)).toBe(1);
    expect(status(2)).toBe(2); // VIRTIO_BLK_S_UNSUPP
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it("asks for a reset (NEEDS_RESET) when a descriptor points outside RAM, without harming the host", async () => {
    await boot();
    const q = ready();
    q.add([
      { addr: header(0, T_IN, 0), len: 16 },
      { addr: RAM_BASE + 0x0100_0000 - 256, len: 512, write: true },
      { addr: STAT, len: 1, write: true },
    ]);
    q.kick();
    expect(q.usedIdx()).toBe(0);
    expect(d.status() & STATUS.NEEDS_RESET).toBe(STATUS.NEEDS_RESET);
    expect(d.isr() & 2).toBe(2); // configuration change interrupt
    // A device that needs a reset ignores further requests...
    q.add([
      { addr: header(1, T_IN, 0), len: 16 },
      { addr: DATA, len: 512, write: true },
      { addr: STAT, len: 1, write: true },
    ]);
    q.kick();
    expect(q.usedIdx()).toBe(0);
    // ...until the driver resets it and starts again.
    const q2 = ready();
    expect(d.status() & STATUS.NEEDS_RESET).toBe(0);
    q2.add([
      { addr: header(0, T_IN, 0), len: 16 },
      { addr: DATA, len: 512, write: true },
      { addr: STAT, len: 1, write: true },
    ]);
    q2.kick();
    expect(q2.usedIdx()).toBe(1);
    expect(status(0)).toBe(0);
    // Rings outside RAM and a looping chain are refused the same way.
    const q3 = ready();
    const dv = m.dv;
    q3.add([
      { addr: header(0, T_IN, 0), len: 16 },
      { addr: DATA, len: 512, write: true },
    ]);
    dv.setUint16(m.lin(q3.desc + 16 * 1 + 12), 1 | 2, true); // desc 1: NEXT...
    dv.setUint16(m.lin(q3.desc + 16 * 1 + 14), 0, true); // ...back to desc 0
    q3.kick();
    expect(d.status() & STATUS.NEEDS_RESET).toBe(STATUS.NEEDS_RESET);
    ready();
    d.write(REG.QUEUE_SEL, 0);
    d.write(REG.QUEUE_READY, 0);
    d.write(REG.QUEUE_DESC_LOW, 0x7000_0000); // below RAM
    d.write(REG.QUEUE_READY, 1);
    d.write(REG.QUEUE_NOTIFY, 0);
    expect(d.status() & STATUS.NEEDS_RESET).toBe(STATUS.NEEDS_RESET);
  });

  it("resets the device when the machine resets", async () => {
    await boot();
    ready();
    expect(d.status()).toBe(STATUS.ACK | STATUS.DRIVER | STATUS.FEATURES_OK | STATUS.DRIVER_OK);
    m.core.devicesReset();
    expect(d.status()).toBe(0);
    expect(d.read(REG.DEVICE_ID)).toBe(2); // still attached
    d.write(REG.QUEUE_SEL, 0);
    expect(d.read(REG.QUEUE_READY)).toBe(0);
  });
});
