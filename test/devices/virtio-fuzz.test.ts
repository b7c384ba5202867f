// Whatever a guest puts in its rings, the device must answer with I/O or NEEDS_RESET and
// never trap in the host (a WebAssembly trap would kill the CPU worker).
import { describe, it, expect } from "vitest";
import { Machine, RAM_BASE, RAM_SIZE } from "./core.js";
import { VirtioDriver, REG, STATUS, F } from "./virtio-driver.js";
import { MemoryBlockBackend } from "../../src/block/memory.js";

/** Small deterministic PRNG (xorshift32), so a failure can be replayed. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return { next, below: (n: number) => next() % n, pick: <T>(a: T[]) => a[next() % a.length] };
}

describe("virtio robustness", () => {
  it("survives random descriptor chains, lengths, flags and ring addresses", async () => {
    const disk = new MemoryBlockBackend(256 * 1024);
    const m = await new Machine([disk]).start(1);
    m.core.virtioAttach(7, 2, 0, 0, disk.size);
    m.core.virtioAttach(6, 4, 0, 0, 0);
    m.core.virtioAttach(5, 18, 0, 0, 0);
    const r = rng(0x5eed);
    const END = RAM_BASE + RAM_SIZE;
    const addrs = () =>
      r.pick([
        RAM_BASE + r.below(RAM_SIZE),
        END - r.below(64),
        END + r.below(0x1000),
        RAM_BASE - 1 - r.below(0x1000),
        0,
        2 ** 53 + r.below(1000),
        RAM_BASE + 0x40_0000 + 16 * r.below(64),
      ]);
    const bigAddr = () =>
      r.pick([0xffff_ffff_ffff_f000n, 0xffff_ffff_8000_0000n, 0x1_0000_0000_8000_0000n, BigInt(addrs())]);
    let completed = 0,
      resets = 0;
    for (let iter = 0; iter < 400; iter++) {
      const slot = r.pick([7, 7, 7, 6, 5]);
      const d = new VirtioDriver(m, slot);
      d.negotiate(F.VERSION_1 | F.INDIRECT_DESC | F.EVENT_IDX | F.BLK_FLUSH);
      const num = slot === 6 ? r.pick([1, 2, 8]) : r.pick([1, 2, 8, 64]);
      const q = d.setupQueue(0, num, RAM_BASE + 0x10_0000);
      if (slot === 5) d.setupQueue(1, 8, RAM_BASE + 0x12_0000);
      if (r.below(8) === 0) {
        // rings themselves in odd places
        d.write(REG.QUEUE_SEL, 0);
        const a = bigAddr();
        const reg = r.pick([REG.QUEUE_DESC_LOW, REG.QUEUE_AVAIL_LOW, REG.QUEUE_USED_LOW]);
        d.write(reg, Number(a & 0xffff_ffffn));
        d.write(reg + 4, Number(a >> 32n));
      }
      d.driverOk();
      const dv = m.dv;
      // Random descriptor table and an indirect area, then random avail entries. Half of the
      // rounds are hostile everywhere, half are plausible (in RAM, short) so that requests complete.
      const sane = r.below(2) === 0;
      for (const table of [q.desc, RAM_BASE + 0x40_0000]) {
        for (let i = 0; i < 64; i++) {
          const p = m.lin(table + 16 * i);
          if (sane) {
            dv.setBigUint64(p, BigInt(RAM_BASE + 0x50_0000 + 0x1000 * r.below(64)), true);
            dv.setUint32(p + 8, r.pick([1, 16, 512, 1024, 4096]), true);
            dv.setUint16(p + 12, r.pick([0, 0, 1, 2, 3, 3]), true);
            dv.setUint16(p + 14, r.below(num), true);
          } else {
            dv.setBigUint64(p, r.below(4) === 0 ? bigAddr() : BigInt(addrs()), true);
            dv.setUint32(p + 8, r.pick([0, 1, 16, 17, 512, 513, 4096, r.next(), 0xffff_ffff, 0x8000_1000]), true);
            dv.setUint16(p + 12, r.below(8), true);
            dv.setUint16(p + 14, r.pick([r.below(num + 2), r.below(65536)]), true);
          }
        }
      }
      const n = 1 + r.below(4);
      for (let k = 0; k < n; k++) {
        dv.setUint16(
          m.lin(q.avail + 4 + 2 * (k % num)),
          sane ? r.below(num) : r.pick([r.below(num), r.below(65536)]),
          true,
        );
      }
      dv.setUint16(m.lin(q.avail + 2), sane ? Math.min(n, num) : r.pick([n, r.below(65536)]), true);
      if (slot === 5) m.core.inputSendKey(r.below(300), r.below(2));
      d.write(REG.QUEUE_NOTIFY, r.pick([0, 0, 1, 2, 0xffff]));
      m.core.virtioPoll();
      if (d.status() & STATUS.NEEDS_RESET) resets++;
      if (q.usedIdx() > 0) completed++;
    }
    // A buffer whose end wraps around 2^64 back into RAM is outside RAM too.
    {
      const d = new VirtioDriver(m, 7);
      d.negotiate(F.VERSION_1);
      const q = d.setupQueue(0, 8, RAM_BASE + 0x10_0000);
      d.driverOk();
      const p = m.lin(q.desc);
      m.dv.setBigUint64(p, 0xffff_ffff_ffff_f000n, true);
      m.dv.setUint32(p + 8, 0x8000_1000, true);
      m.dv.setUint16(m.lin(q.avail + 4), 0, true);
      m.dv.setUint16(m.lin(q.avail + 2), 1, true);
      d.write(REG.QUEUE_NOTIFY, 0);
      expect(d.status() & STATUS.NEEDS_RESET).toBe(STATUS.NEEDS_RESET);
      resets++;
    }
    // Both outcomes happened, and the device still works after all that.
    expect(resets).toBeGreaterThan(10);
    expect(completed).toBeGreaterThan(0);
    const d = new VirtioDriver(m, 7);
    d.negotiate(F.VERSION_1);
    const q = d.setupQueue(0, 8, RAM_BASE + 0x10_0000);
    d.driverOk();
    const hdr = RAM_BASE + 0x20_0000,
      buf = RAM_BASE + 0x21_0000,
      st = RAM_BASE + 0x22_0000;
    m.dv.setUint32(m.lin(hdr), 0, true);
    m.dv.setBigUint64(m.lin(hdr + 8), 0n, true);
    q.add([
      { addr: hdr, len: 16 },
      { addr: buf, len: 512, write: true },
      { addr: st, len: 1, write: true },
    ]);
    q.kick();
    expect(q.takeUsed()).toEqual([{ id: 0, len: 513 }]);
    expect(m.ram(st, 1)[0]).toBe(0);
  });
});
