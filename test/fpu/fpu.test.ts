// F and D extensions: our executor (execFp on the register files in linear memory) against QEMU's
// softfloat, bit for bit (results and fcsr), plus the register-file contract the hart relies on.
import { beforeAll, describe, expect, it } from "vitest";
// @ts-ignore: plain JS module shared with tools/fuzz-fp.mjs
import * as h from "./harness.mjs";

const haveQemu: boolean = h.qemuAvailable();
let fpu: any;

beforeAll(async () => {
  h.buildFpuWasm();
  fpu = await h.loadFpu();
}, 120_000);

describe.skipIf(!haveQemu)("FPU against QEMU (qemu-riscv64 running test/fpu/ref/fpref)", () => {
  // Edge cases: every instruction × every rounding mode (static and dynamic, and reserved ones) ×
  // pairs of special values (zeros, subnormals, extremes, infinities, quiet/signalling NaNs,
  // conversion boundaries, halfway values), triples for the fused ops, badly boxed singles, and
  // reserved encodings. One verdict per instruction.
  const byOp = new Map<string, { compared: number; differing: number; examples: string[] }>();
  beforeAll(async () => {
    const records = h.edgeRecords();
    const lines: string[] = await h.runQemu(records);
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      let s = byOp.get(r.op);
      if (!s) byOp.set(r.op, (s = { compared: 0, differing: 0, examples: [] }));
      s.compared++;
      const ours = fpu.run(r);
      if (ours !== lines[i]) {
        s.differing++;
        if (s.examples.length < 5) s.examples.push(`${h.recordLine(r).trim()} -> qemu "${lines[i]}" ours "${ours}"`);
      }
    }
  }, 120_000);

  const names = [...new Set(h.OPS.map((o: any) => o.name)), "reserved"] as string[];
  it.each(names)("edge cases of %s match QEMU bit for bit", (name) => {
    const s = byOp.get(name)!;
    expect(s.compared).toBeGreaterThan(0);
    expect(s.examples).toEqual([]);
    expect(s.differing).toBe(0);
  });

  it("50,000 random cases (seed 1, every instruction and rounding mode) match QEMU bit for bit", async () => {
    const records = h.randomRecords(1, 50_000);
    const lines = await h.runQemu(records);
    const r = h.compare(records, lines, fpu);
    expect(r.compared).toBe(50_000);
    expect(r.examples).toEqual([]);
    expect(r.differing).toBe(0);
  }, 60_000);
});

// The contract with the hart, checked without QEMU: register fields, NaN-boxing, fcsr handling.
describe("execFp register-file contract", () => {
  const rtype = (funct7: number, rs2: number, rs1: number, rm: number, rd: number) =>
    ((funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | 0x53) >>> 0;
  const mem = () => new BigUint64Array(fpu.exports.memory.buffer);
  const F = () => fpu.exports.FREGS.value >>> 3;
  const X = () => fpu.exports.XREGS.value >>> 3;
  const fcsrView = () => new DataView(fpu.exports.memory.buffer);
  const getFcsr = () => fcsrView().getUint32(fpu.exports.FCSR.value, true);
  const setFcsr = (v: number) => fcsrView().setUint32(fpu.exports.FCSR.value, v, true);
  const boxed = (x: number) => 0xffffffff00000000n | BigInt(h.f2b(x));

  it("fadd.d reads rs1/rs2 and writes rd as encoded, leaving fcsr alone when exact", () => {
    const m = mem();
    m[F() + 2] = h.d2b(1.25);
    m[F() + 3] = h.d2b(2.5);
    setFcsr(0);
    expect(fpu.exports.execFp(rtype(0x01, 3, 2, 0, 1))).toBe(0);
    expect(h.b2d(mem()[F() + 1])).toBe(3.75);
    expect(getFcsr()).toBe(0);
  });

  it("singles are NaN-boxed on write; an improperly boxed operand reads as the canonical NaN", () => {
    const m = mem();
    m[F() + 2] = boxed(1.5);
    m[F() + 3] = BigInt(h.f2b(2)); // upper half zero: not a valid single
    setFcsr(0);
    expect(fpu.exports.execFp(rtype(0x00, 3, 2, 0, 4))).toBe(0); // fadd.s f4, f2, f3
    expect(mem()[F() + 4]).toBe(0xffffffff7fc00000n);
    expect(getFcsr()).toBe(0); // a quiet NaN operand raises nothing
    mem()[F() + 3] = boxed(2);
    expect(fpu.exports.execFp(rtype(0x00, 3, 2, 0, 4))).toBe(0);
    expect(mem()[F() + 4]).toBe(boxed(3.5));
  });

  it("fmv.x.w moves the raw low word sign-extended; fmv.w.x boxes", () => {
    const m = mem();
    m[F() + 9] = 0x12345678_80000001n; // not boxed: fmv.x.w does not care
    expect(fpu.exports.execFp(rtype(0x70, 0, 9, 0, 10))).toBe(0);
    expect(mem()[X() + 10]).toBe(0xffffffff80000001n);
    mem()[X() + 11] = 0xdeadbeef_3f800000n;
    expect(fpu.exports.execFp(rtype(0x78, 0, 11, 0, 12))).toBe(0);
    expect(mem()[F() + 12]).toBe(boxed(1));
  });

  it("reserved rm (5, 6) and dynamic rm with frm > 4 are illegal and change nothing", () => {
    const m = mem();
    m[F() + 2] = h.d2b(1);
    m[F() + 3] = h.d2b(3);
    m[F() + 1] = 0x1234n;
    for (const [rm, fcsr] of [
      [5, 0],
      [6, 0],
      [7, 5 << 5],
      [7, 7 << 5],
    ]) {
      setFcsr(fcsr);
      expect(fpu.exports.execFp(rtype(0x0d, 3, 2, rm, 1))).toBe(1); // fdiv.d
      expect(mem()[F() + 1]).toBe(0x1234n);
      expect(getFcsr()).toBe(fcsr);
    }
  });

  it("dynamic rounding follows frm, and flags accumulate into fflags", () => {
    const m = mem();
    m[F() + 2] = boxed(1);
    m[F() + 3] = boxed(3);
    // The two singles around 1/3, from the nearest one and the side it lies on.
    const nearest = h.f2b(1 / 3);
    const above = Math.fround(1 / 3) > 1 / 3;
    const up = above ? nearest : nearest + 1;
    const down = above ? nearest - 1 : nearest;
    setFcsr((3 << 5) | 0x10); // frm = RUP, NV already set
    expect(fpu.exports.execFp(rtype(0x0c, 3, 2, 7, 1))).toBe(0); // fdiv.s f1, f2, f3, dyn
    expect(mem()[F() + 1]).toBe(0xffffffff00000000n | BigInt(up));
    expect(getFcsr()).toBe((3 << 5) | 0x11); // NX added, NV kept
    setFcsr(2 << 5); // RDN
    expect(fpu.exports.execFp(rtype(0x0c, 3, 2, 7, 1))).toBe(0);
    expect(mem()[F() + 1]).toBe(0xffffffff00000000n | BigInt(down));
    expect(getFcsr()).toBe((2 << 5) | 1);
  });

  it("an integer destination x0 stays zero", () => {
    const m = mem();
    m[X() + 0] = 0n;
    m[F() + 2] = h.d2b(1);
    expect(fpu.exports.execFp(rtype(0x51, 2, 2, 2, 0))).toBe(0); // feq.d x0, f2, f2
    expect(mem()[X() + 0]).toBe(0n);
    expect(fpu.exports.execFp(rtype(0x51, 2, 2, 2, 5))).toBe(0); // feq.d x5, f2, f2
    expect(mem()[X() + 5]).toBe(1n);
  });
});
