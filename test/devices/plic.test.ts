// PLIC as a guest (OpenSBI/Linux) drives it: priorities, enables per context, thresholds,
// claim/complete, M context → MEIP and S context → SEIP of the right hart.
import { describe, it, expect, beforeEach } from "vitest";
import { Machine, MIP_MEIP, MIP_SEIP } from "./core.js";

const PRIO = (src: number) => 4 * src;
const PENDING = 0x1000;
const ENABLE = (ctx: number, word = 0) => 0x2000 + 0x80 * ctx + 4 * word;
const THRESHOLD = (ctx: number) => 0x200000 + 0x1000 * ctx;
const CLAIM = (ctx: number) => THRESHOLD(ctx) + 4;

describe("PLIC", () => {
  let m: Machine;
  const rd = (off: number) => Number(m.core.plicRead(off, 4));
  const wr = (off: number, v: number) => m.core.plicWrite(off, 4, BigInt(v >>> 0));
  const line = (src: number, level: boolean) => m.core.plicSetIrq(src, level);

  beforeEach(async () => {
    m = await new Machine().start(2);
  });

  it("raises MEIP only for an enabled source with priority above the threshold, and claim takes it", () => {
    line(10, true);
    expect(rd(PENDING) & (1 << 10)).not.toBe(0);
    expect(m.mip(0) & MIP_MEIP).toBe(0); // priority 0 = never
    wr(PRIO(10), 1);
    expect(m.mip(0) & MIP_MEIP).toBe(0); // not enabled yet
    wr(ENABLE(0), 1 << 10);
    expect(m.mip(0) & MIP_MEIP).toBe(MIP_MEIP);
    expect(m.mip(0) & MIP_SEIP).toBe(0); // S context of hart 0 has nothing enabled
    expect(m.mip(1)).toBe(0);

    expect(rd(CLAIM(0))).toBe(10);
    expect(rd(PENDING) & (1 << 10)).toBe(0);
    expect(m.mip(0) & MIP_MEIP).toBe(0);
    expect(rd(CLAIM(0))).toBe(0); // claimed: not offered twice
  });

  it("complete re-arms a level that is still high, and not one that dropped", () => {
    wr(PRIO(5), 2);
    wr(ENABLE(1), 1 << 5); // hart 0, S-mode
    line(5, true);
    expect(m.mip(0) & MIP_SEIP).toBe(MIP_SEIP);
    expect(rd(CLAIM(1))).toBe(5);
    expect(m.mip(0) & MIP_SEIP).toBe(0);
    wr(CLAIM(1), 5); // device still asserts its line
    expect(m.mip(0) & MIP_SEIP).toBe(MIP_SEIP);
    expect(rd(CLAIM(1))).toBe(5);
    line(5, false); // the handler serviced the device
    wr(CLAIM(1), 5);
    expect(m.mip(0) & MIP_SEIP).toBe(0);
    expect(rd(CLAIM(1))).toBe(0);
  });

  it("offers the highest priority first, lowest id on ties, and respects the threshold", () => {
    for (const [src, p] of [
      [3, 2],
      [7, 5],
      [9, 5],
    ]) {
      wr(PRIO(src), p);
      line(src, true);
    }
    wr(ENABLE(2), (1 << 3) | (1 << 7) | (1 << 9)); // hart 1, M-mode
    expect(m.mip(1) & MIP_MEIP).toBe(MIP_MEIP);
    expect(m.mip(0)).toBe(0);
    wr(THRESHOLD(2), 5);
    expect(rd(THRESHOLD(2))).toBe(5);
    expect(m.mip(1) & MIP_MEIP).toBe(0); // nothing above 5
    expect(rd(CLAIM(2))).toBe(0);
    wr(THRESHOLD(2), 4);
    expect(rd(CLAIM(2))).toBe(7);
    expect(rd(CLAIM(2))).toBe(9);
    expect(m.mip(1) & MIP_MEIP).toBe(0); // 3 has priority 2 <= 4
    wr(THRESHOLD(2), 0);
    expect(rd(CLAIM(2))).toBe(3);
  });

  it("handles the sources of the upper enable words, with QEMU 7.2's three enable words", () => {
    wr(PRIO(95), 7);
    wr(PRIO(40), 1);
    wr(PRIO(96), 5);
    expect(rd(PRIO(96))).toBe(5);
    wr(ENABLE(3, 2), 1 << 31);
    wr(ENABLE(3, 1), 1 << 8);
    wr(ENABLE(3, 3), 0xffffffff);
    expect(rd(ENABLE(3, 3))).toBe(0); // as QEMU: no fourth enable word
    line(95, true);
    line(40, true);
    line(96, true);
    expect(m.mip(1) & MIP_SEIP).toBe(MIP_SEIP);
    expect(rd(CLAIM(3))).toBe(95);
    expect(rd(CLAIM(3))).toBe(40);
    expect(rd(CLAIM(3))).toBe(0); // 96 is pending but cannot be enabled
  });

  it("keeps registers as QEMU does: WARL priorities, read-only pending, no source 0", () => {
    wr(PRIO(4), 0xff);
    expect(rd(PRIO(4))).toBe(7);
    wr(PRIO(0), 3);
    expect(rd(PRIO(0))).toBe(0);
    wr(PENDING, 0xffffffff);
    expect(rd(PENDING)).toBe(0);
    wr(ENABLE(0), 0xffffffff);
    expect(rd(ENABLE(0)) >>> 0).toBe(0xffffffff); // stored as written, as QEMU
    line(0, true);
    expect(rd(PENDING)).toBe(0); // there is no source 0
    expect(rd(CLAIM(0))).toBe(0);
    expect(rd(THRESHOLD(4))).toBe(0); // context 4 = hart 2: absent with 2 harts
  });

  it("reset drops every line into the harts", () => {
    wr(PRIO(1), 1);
    wr(ENABLE(0), 2);
    line(1, true);
    expect(m.mip(0) & MIP_MEIP).toBe(MIP_MEIP);
    m.core.plicReset();
    expect(m.mip(0)).toBe(0);
    expect(rd(PRIO(1))).toBe(0);
  });
});
