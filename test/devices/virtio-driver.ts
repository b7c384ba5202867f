// A guest-side virtio-mmio driver for tests, doing what Linux's virtio_mmio + virtio_ring
// do: reset, ACKNOWLEDGE, DRIVER, feature negotiation, FEATURES_OK, queue setup in guest
// RAM (split rings), DRIVER_OK; then chains (direct or indirect), kicks and used-ring reads.
import type { Machine } from "./core.js";

export const REG = {
  MAGIC: 0x000,
  VERSION: 0x004,
  DEVICE_ID: 0x008,
  VENDOR_ID: 0x00c,
  DEVICE_FEATURES: 0x010,
  DEVICE_FEATURES_SEL: 0x014,
  DRIVER_FEATURES: 0x020,
  DRIVER_FEATURES_SEL: 0x024,
  QUEUE_SEL: 0x030,
  QUEUE_NUM_MAX: 0x034,
  QUEUE_NUM: 0x038,
  QUEUE_READY: 0x044,
  QUEUE_NOTIFY: 0x050,
  INTERRUPT_STATUS: 0x060,
  INTERRUPT_ACK: 0x064,
  STATUS: 0x070,
  QUEUE_DESC_LOW: 0x080,
  QUEUE_DESC_HIGH: 0x084,
  QUEUE_AVAIL_LOW: 0x090,
  QUEUE_AVAIL_HIGH: 0x094,
  QUEUE_USED_LOW: 0x0a0,
  QUEUE_USED_HIGH: 0x0a4,
  CONFIG_GENERATION: 0x0fc,
  CONFIG: 0x100,
} as const;

export const STATUS = { ACK: 1, DRIVER: 2, DRIVER_OK: 4, FEATURES_OK: 8, NEEDS_RESET: 0x40, FAILED: 0x80 } as const;
export const F = {
  INDIRECT_DESC: 1n << 28n,
  EVENT_IDX: 1n << 29n,
  VERSION_1: 1n << 32n,
  BLK_SIZE_MAX: 1n << 1n,
  BLK_SEG_MAX: 1n << 2n,
  BLK_RO: 1n << 5n,
  BLK_BLK_SIZE: 1n << 6n,
  BLK_FLUSH: 1n << 9n,
  BLK_CONFIG_WCE: 1n << 11n,
  BLK_DISCARD: 1n << 13n,
  BLK_WRITE_ZEROES: 1n << 14n,
} as const;

const DESC_NEXT = 1,
  DESC_WRITE = 2,
  DESC_INDIRECT = 4;

export interface Buf {
  addr: number;
  len: number;
  write?: boolean;
}

export class Queue {
  private nextDesc = 0;
  private availIdx = 0;
  lastUsed = 0;
  constructor(
    private m: Machine,
    private d: VirtioDriver,
    readonly index: number,
    readonly num: number,
    readonly desc: number,
    readonly avail: number,
    readonly used: number,
  ) {}

  private writeDesc(table: number, i: number, b: Buf, flags: number, next: number): void {
    const dv = this.m.dv,
      p = this.m.lin(table + 16 * i);
    dv.setBigUint64(p, BigInt(b.addr), true);
    dv.setUint32(p + 8, b.len, true);
    dv.setUint16(p + 12, flags | (b.write ? DESC_WRITE : 0), true);
    dv.setUint16(p + 14, next, true);
  }

  /** Put a chain in the descriptor table (or in an indirect table at `indirectAt`) and make it available. */
  add(bufs: Buf[], indirectAt?: number): number {
    const head = this.nextDesc;
    if (indirectAt !== undefined) {
      bufs.forEach((b, i) => this.writeDesc(indirectAt, i, b, i + 1 < bufs.length ? DESC_NEXT : 0, i + 1));
      this.writeDesc(this.desc, head, { addr: indirectAt, len: 16 * bufs.length }, DESC_INDIRECT, 0);
      this.nextDesc = (head + 1) % this.num;
    } else {
      bufs.forEach((b, i) => {
        const idx = (head + i) % this.num;
        this.writeDesc(this.desc, idx, b, i + 1 < bufs.length ? DESC_NEXT : 0, (idx + 1) % this.num);
      });
      this.nextDesc = (head + bufs.length) % this.num;
    }
    const dv = this.m.dv;
    dv.setUint16(this.m.lin(this.avail + 4 + 2 * (this.availIdx % this.num)), head, true);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    dv.setUint16(this.m.lin(this.avail + 2), this.availIdx, true);
    return head;
  }

  kick(): void {
    this.d.write(REG.QUEUE_NOTIFY, this.index);
  }

  usedIdx(): number {
    return this.m.dv.getUint16(this.m.lin(this.used + 2), true);
  }
  /** Used elements not yet seen: {id, len}. */
  takeUsed(): { id: number; len: number }[] {
    const out: { id: number; len: number }[] = [];
    const dv = this.m.dv;
    while (this.lastUsed !== this.usedIdx()) {
      const e = this.m.lin(this.used + 4 + 8 * (this.lastUsed % this.num));
      out.push({ id: dv.getUint32(e, true), len: dv.getUint32(e + 4, true) });
      this.lastUsed = (this.lastUsed + 1) & 0xffff;
    }
    return out;
  }
  /** Event-idx: interrupt me only once used idx passes v (avail ring's used_event). */
  setUsedEvent(v: number): void {
    this.m.dv.setUint16(this.m.lin(this.avail + 4 + 2 * this.num), v, true);
  }
  /** Event-idx: the device's avail_event (used ring's trailing field). */
  availEvent(): number {
    return this.m.dv.getUint16(this.m.lin(this.used + 4 + 8 * this.num), true);
  }
  setAvailFlags(f: number): void {
    this.m.dv.setUint16(this.m.lin(this.avail), f, true);
  }
}

export class VirtioDriver {
  constructor(
    readonly m: Machine,
    readonly slot: number,
  ) {}
  read(off: number, size = 4): number {
    return Number(this.m.core.virtioRead(this.slot, off, size));
  }
  write(off: number, v: number, size = 4): void {
    this.m.core.virtioWrite(this.slot, off, size, BigInt(v));
  }

  deviceFeatures(): bigint {
    this.write(REG.DEVICE_FEATURES_SEL, 0);
    const lo = BigInt(this.read(REG.DEVICE_FEATURES) >>> 0);
    this.write(REG.DEVICE_FEATURES_SEL, 1);
    const hi = BigInt(this.read(REG.DEVICE_FEATURES) >>> 0);
    return (hi << 32n) | lo;
  }

  /** Negotiate `wanted` ∩ offered (or exactly `exact`); returns whether FEATURES_OK stuck. */
  negotiate(wanted: bigint, exact = false): boolean {
    this.write(REG.STATUS, 0);
    this.write(REG.STATUS, STATUS.ACK);
    this.write(REG.STATUS, STATUS.ACK | STATUS.DRIVER);
    const f = exact ? wanted : this.deviceFeatures() & wanted;
    this.write(REG.DRIVER_FEATURES_SEL, 0);
    this.write(REG.DRIVER_FEATURES, Number(f & 0xffffffffn));
    this.write(REG.DRIVER_FEATURES_SEL, 1);
    this.write(REG.DRIVER_FEATURES, Number(f >> 32n));
    this.write(REG.STATUS, STATUS.ACK | STATUS.DRIVER | STATUS.FEATURES_OK);
    return (this.read(REG.STATUS) & STATUS.FEATURES_OK) !== 0;
  }

  /** Set up queue q with its rings at guest address `base` (desc, avail, then used at the next 4 KiB). */
  setupQueue(q: number, num: number, base: number): Queue {
    this.write(REG.QUEUE_SEL, q);
    const max = this.read(REG.QUEUE_NUM_MAX);
    if (max === 0 || num > max) throw new Error(`queue ${q}: max ${max}`);
    const desc = base,
      avail = base + 16 * num,
      used = Math.ceil((avail + 6 + 2 * num) / 4096) * 4096;
    this.m.ram(base, used + 6 + 8 * num - base).fill(0);
    this.write(REG.QUEUE_NUM, num);
    this.write(REG.QUEUE_DESC_LOW, desc >>> 0);
    this.write(REG.QUEUE_DESC_HIGH, 0);
    this.write(REG.QUEUE_AVAIL_LOW, avail >>> 0);
    this.write(REG.QUEUE_AVAIL_HIGH, 0);
    this.write(REG.QUEUE_USED_LOW, used >>> 0);
    this.write(REG.QUEUE_USED_HIGH, 0);
    this.write(REG.QUEUE_READY, 1);
    return new Queue(this.m, this, q, num, desc, avail, used);
  }

  driverOk(): void {
    this.write(REG.STATUS, this.read(REG.STATUS) | STATUS.DRIVER_OK);
  }
  isr(): number {
    return this.read(REG.INTERRUPT_STATUS);
  }
  ack(): void {
    this.write(REG.INTERRUPT_ACK, this.isr());
  }
  status(): number {
    return this.read(REG.STATUS);
  }
  config(off: number, size: number): bigint {
    return this.m.core.virtioRead(this.slot, REG.CONFIG + off, size);
  }
}
