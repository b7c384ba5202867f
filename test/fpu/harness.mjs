// Differential harness for the FPU: builds F/D instruction records, runs them on QEMU (through the
// reference program test/fpu/ref/fpref under qemu-riscv64) and on our executor (build/fpu-test.wasm,
// execFp on the register files in linear memory), and compares results and fcsr bit for bit.
//
// A record is one instruction with its inputs: { inst, fcsr, f6, f7, f8, x6 } (BigInt register values).
// Register fields are fixed: rd = 5, rs1 = 6, rs2 = 7, rs3 = 28 (the reference program's trampoline).
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { existsSync, readFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FPREF = join(ROOT, "test/fpu/ref/fpref");
export const WASM = join(ROOT, "build/fpu-test.wasm");

export function qemuAvailable() {
  return spawnSync("qemu-riscv64", ["--version"]).status === 0 && existsSync(FPREF);
}

// Compiles the test entry (the FPU library and execFp only) with the release flags of the core.
export function buildFpuWasm() {
  mkdirSync(join(ROOT, "build"), { recursive: true });
  execFileSync(
    join(ROOT, "node_modules/.bin/asc"),
    [
      "test/fpu/fpu-entry.ts",
      "-o",
      "build/fpu-test.wasm",
      "-O3",
      "--runtime",
      "stub",
      "--noAssert",
      "--initialMemory",
      "32",
      "--exportStart",
      "_start",
      "--config",
      "none",
    ], // asconfig.json's textFile would overwrite build/core.wat
    { cwd: ROOT, stdio: "pipe" },
  );
}

// ------------------------------------------------------------------------------------------------
// Instruction encoding

const RD = 5,
  RS1 = 6,
  RS2 = 7,
  RS3 = 28;
const opfp = (funct5, fmt, rs2, rm) =>
  ((funct5 << 27) | (fmt << 25) | (rs2 << 20) | (RS1 << 15) | (rm << 12) | (RD << 7) | 0x53) >>> 0;
const r4 = (opcode, fmt, rm) =>
  ((RS3 << 27) | (fmt << 25) | (RS2 << 20) | (RS1 << 15) | (rm << 12) | (RD << 7) | opcode) >>> 0;

// Every computational F/D instruction: name, operand kinds ("f" FP, "x" integer), whether it takes
// a rounding mode, and its encoder. fmt 0 = S, 1 = D.
export const OPS = [];
for (const fmt of [0, 1]) {
  const s = fmt ? "d" : "s";
  const add = (name, kind, rounds, enc, opFmt = fmt) => OPS.push({ name, fmt: opFmt, kind, rounds, enc });
  add(`fadd.${s}`, "ff", true, (rm) => opfp(0, fmt, RS2, rm));
  add(`fsub.${s}`, "ff", true, (rm) => opfp(1, fmt, RS2, rm));
  add(`fmul.${s}`, "ff", true, (rm) => opfp(2, fmt, RS2, rm));
  add(`fdiv.${s}`, "ff", true, (rm) => opfp(3, fmt, RS2, rm));
  add(`fsqrt.${s}`, "f", true, (rm) => opfp(0x0b, fmt, 0, rm));
  add(`fsgnj.${s}`, "ff", false, () => opfp(4, fmt, RS2, 0));
  add(`fsgnjn.${s}`, "ff", false, () => opfp(4, fmt, RS2, 1));
  add(`fsgnjx.${s}`, "ff", false, () => opfp(4, fmt, RS2, 2));
  add(`fmin.${s}`, "ff", false, () => opfp(5, fmt, RS2, 0));
  add(`fmax.${s}`, "ff", false, () => opfp(5, fmt, RS2, 1));
  add(`fle.${s}`, "ff", false, () => opfp(0x14, fmt, RS2, 0));
  add(`flt.${s}`, "ff", false, () => opfp(0x14, fmt, RS2, 1));
  add(`feq.${s}`, "ff", false, () => opfp(0x14, fmt, RS2, 2));
  add(`fclass.${s}`, "f", false, () => opfp(0x1c, fmt, 0, 1));
  add(fmt ? "fmv.x.d" : "fmv.x.w", "f", false, () => opfp(0x1c, fmt, 0, 0));
  add(fmt ? "fmv.d.x" : "fmv.w.x", "x", false, () => opfp(0x1e, fmt, 0, 0));
  for (const [i, t] of ["w", "wu", "l", "lu"].entries()) {
    add(`fcvt.${t}.${s}`, "f", true, (rm) => opfp(0x18, fmt, i, rm));
    add(`fcvt.${s}.${t}`, "x", true, (rm) => opfp(0x1a, fmt, i, rm));
  }
  // fmt of a record = the format of its FP operand.
  if (fmt) add("fcvt.d.s", "f", true, (rm) => opfp(8, 1, 0, rm), 0);
  else add("fcvt.s.d", "f", true, (rm) => opfp(8, 0, 1, rm), 1);
  add(`fmadd.${s}`, "fff", true, (rm) => r4(0x43, fmt, rm));
  add(`fmsub.${s}`, "fff", true, (rm) => r4(0x47, fmt, rm));
  add(`fnmsub.${s}`, "fff", true, (rm) => r4(0x4b, fmt, rm));
  add(`fnmadd.${s}`, "fff", true, (rm) => r4(0x4f, fmt, rm));
}

// ------------------------------------------------------------------------------------------------
// Values

const f64a = new Float64Array(1),
  u64a = new BigUint64Array(f64a.buffer);
const f32a = new Float32Array(1),
  u32a = new Uint32Array(f32a.buffer);
export const d2b = (x) => {
  f64a[0] = x;
  return u64a[0];
};
export const b2d = (b) => {
  u64a[0] = b;
  return f64a[0];
};
export const f2b = (x) => {
  f32a[0] = x;
  return u32a[0];
};
export const b2f = (b) => {
  u32a[0] = b;
  return f32a[0];
};
const BOX = 0xffffffff00000000n;
const M64 = (1n << 64n) - 1n;

// Seeded PRNG (mulberry32), so every run of a given seed produces the same cases.
export function makeRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  next.int = (n) => next() % n;
  next.u64 = () => (BigInt(next()) << 32n) | BigInt(next());
  next.chance = (p) => next() < p * 4294967296;
  return next;
}

const SPECIAL_D = [
  0n,
  1n << 63n,
  0x7ff0000000000000n,
  0xfff0000000000000n,
  0x7ff8000000000000n,
  0xfff8000000000000n,
  0x7ff0000000000001n,
  0x7ff4000000000000n,
  0xfff8000000000123n,
  1n,
  0x8000000000000001n,
  0x000fffffffffffffn,
  0x800fffffffffffffn,
  0x0010000000000000n,
  0x8010000000000000n,
  0x7fefffffffffffffn,
  0xffefffffffffffffn,
  d2b(1),
  d2b(-1),
  d2b(2),
  d2b(0.5),
  d2b(1.5),
  d2b(-2.5),
  d2b(3),
  d2b(0.1),
  d2b(-1 / 3),
  d2b(2 ** 31),
  d2b(2 ** 31 - 1),
  d2b(-(2 ** 31)),
  d2b(-(2 ** 31) - 1),
  d2b(2 ** 32),
  d2b(2 ** 32 - 1),
  d2b(2 ** 63),
  d2b(-(2 ** 63)),
  d2b(2 ** 64),
  d2b(2 ** 53 + 2),
  d2b(0.49999999999999994),
  d2b(2 ** -1022 * 1.5),
  0x001fffffffffffffn,
  0x7fe0000000000000n,
  0x0000000000000002n,
  0x3ff0000000000001n,
  0x3fefffffffffffffn,
  // Half an ulp of 1 and of the largest double, and 1.5 of it: halfway sums in every rounding mode.
  d2b(2 ** -53),
  d2b(-3 * 2 ** -53),
  d2b(2 ** 970),
];
const SPECIAL_S = [
  0,
  0x80000000,
  0x7f800000,
  0xff800000,
  0x7fc00000,
  0xffc00000,
  0x7f800001,
  0x7fa00000,
  0xffc00123,
  1,
  0x80000001,
  0x007fffff,
  0x807fffff,
  0x00800000,
  0x80800000,
  0x7f7fffff,
  0xff7fffff,
  f2b(1),
  f2b(-1),
  f2b(2),
  f2b(0.5),
  f2b(1.5),
  f2b(-2.5),
  f2b(3),
  f2b(0.1),
  f2b(-1 / 3),
  f2b(2 ** 31),
  f2b(-(2 ** 31)),
  f2b(2 ** 32),
  f2b(2 ** 63),
  f2b(-(2 ** 63)),
  f2b(2 ** 64),
  f2b(2 ** 24 + 2),
  f2b(0.49999997),
  0x00ffffff,
  0x7f000000,
  0x3f800001,
  0x3f7fffff,
  0x4effffff,
  0x4f7fffff,
  0xcf000001,
  0x5effffff,
  f2b(2 ** -24),
  f2b(-3 * 2 ** -24),
  f2b(2 ** 103),
];
const SPECIAL_X = [
  0n,
  1n,
  M64,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 63n + 1n,
  2n ** 53n + 1n,
  2n ** 24n + 1n,
  0xffffffff80000000n,
  0xffffffff7fffffffn,
  2n ** 64n - 2n ** 11n,
  0x80000000ffffffffn,
  2n ** 53n - 1n,
  2n ** 54n + 3n,
  2n ** 25n + 3n,
  0xfffffffffeffffffn,
];

// Bits of a double, by category.
function genD(rng) {
  const sign = BigInt(rng.int(2)) << 63n;
  const mant = rng.u64() & 0xfffffffffffffn;
  switch (rng.int(13)) {
    case 12: // where binary32 results underflow or overflow (fcvt.s.d)
      return (
        sign |
        (BigInt(rng.int(2) ? 1023 - 155 + rng.int(32) : 1023 + 125 + rng.int(6)) << 52n) |
        (mant & ~((1n << BigInt(rng.int(50))) - 1n))
      );
    case 0:
    case 1:
      return SPECIAL_D[rng.int(SPECIAL_D.length)];
    case 2:
    case 3:
      return rng.u64();
    case 4:
    case 5:
      return sign | (BigInt(1023 - 40 + rng.int(80)) << 52n) | mant;
    case 6:
      return sign | (BigInt(1023 - 60 + rng.int(120)) << 52n) | (mant & ~((1n << BigInt(rng.int(53))) - 1n));
    case 7:
      return sign | (BigInt(rng.int(60)) << 52n) | mant; // subnormal and tiny
    case 8:
      return sign | (BigInt(2046 - rng.int(60)) << 52n) | mant; // huge
    case 9: {
      // near integers and conversion boundaries
      const k = rng.int(66);
      const v = 2 ** k * (1 + rng() / 2 ** 32);
      const frac = [0, 0.5, 0.25, 0.75, -0.5, 1e-9][rng.int(6)];
      return sign | d2b(Math.round(v) + frac);
    }
    case 10:
      return sign | (BigInt(1023 + 29 + rng.int(37)) << 52n) | mant; // 2^29 .. 2^65
    default:
      return sign | (BigInt(1023 - 4 + rng.int(8)) << 52n) | (mant & ~((1n << BigInt(20 + rng.int(33))) - 1n));
  }
}

function genS(rng) {
  const sign = rng.int(2) << 31;
  const mant = rng() & 0x7fffff;
  let v;
  switch (rng.int(12)) {
    case 0:
    case 1:
      v = SPECIAL_S[rng.int(SPECIAL_S.length)];
      break;
    case 2:
    case 3:
      v = rng();
      break;
    case 4:
    case 5:
      v = sign | ((127 - 20 + rng.int(40)) << 23) | mant;
      break;
    case 6:
      v = sign | ((127 - 30 + rng.int(60)) << 23) | (mant & ~((1 << rng.int(24)) - 1));
      break;
    case 7:
      v = sign | (rng.int(30) << 23) | mant;
      break;
    case 8:
      v = sign | ((254 - rng.int(30)) << 23) | mant;
      break;
    case 9: {
      const k = rng.int(66);
      const frac = [0, 0.5, 0.25, 0.75, -0.5][rng.int(5)];
      v = sign | f2b(Math.round(2 ** k * (1 + rng() / 2 ** 32)) + frac);
      break;
    }
    case 10:
      v = sign | ((127 + 29 + rng.int(37)) << 23) | mant;
      break;
    default:
      v = sign | ((127 - 4 + rng.int(8)) << 23) | (mant & ~((1 << (8 + rng.int(16))) - 1));
  }
  return v >>> 0;
}

const box = (v, rng) => (rng && rng.int(40) === 0 ? (rng.u64() & ~0xffffffffn) | BigInt(v) : BOX | BigInt(v));

// A second operand related to the first one (cancellation, near-equal, exact quotients...), or random.
function relatedD(rng, a) {
  switch (rng.int(8)) {
    case 0:
      return ((a ^ (1n << 63n)) + BigInt(rng.int(5)) - 2n) & M64; // about -a: cancellation
    case 1:
      return (a + BigInt(rng.int(9)) - 4n) & M64; // about a
    case 2:
      return (a & ~(0x7ffn << 52n)) | (((((a >> 52n) & 0x7ffn) + BigInt(rng.int(120)) - 60n) & 0x7ffn) << 52n);
    case 3:
      return d2b(b2d(a) * (rng.int(16) + 1)); // exact quotients
    default:
      return genD(rng);
  }
}
function relatedS(rng, a) {
  switch (rng.int(8)) {
    case 0:
      return ((a ^ 0x80000000) + rng.int(5) - 2) >>> 0;
    case 1:
      return (a + rng.int(9) - 4) >>> 0;
    case 2:
      return ((a & ~(0xff << 23)) | (((((a >>> 23) & 0xff) + rng.int(60) - 30) & 0xff) << 23)) >>> 0;
    case 3:
      return f2b(b2f(a) * (rng.int(16) + 1));
    default:
      return genS(rng);
  }
}

// fma addends that land the exact sum on or next to a rounding boundary of the product.
function fmaAddendD(rng, a, b) {
  const p = b2d(a) * b2d(b);
  if (!Number.isFinite(p) || p === 0) return genD(rng);
  switch (rng.int(5)) {
    case 0:
      return d2b(-p); // the result is the product's rounding error, exactly
    case 1: {
      // half an ulp of the product: halfway cases in the sum
      const u = b2d(d2b(Math.abs(p)) + 1n) - Math.abs(p);
      return d2b(((rng.int(2) ? u : -u) / 2) * (1 + rng.int(3)));
    }
    case 2:
      return d2b(-p * (1 + (rng.int(2) ? 1 : -1) * 2 ** -(1 + rng.int(60))));
    default:
      return genD(rng);
  }
}
function fmaAddendS(rng, a, b) {
  const p = Math.fround(b2f(a) * b2f(b));
  if (!Number.isFinite(p) || p === 0) return genS(rng);
  switch (rng.int(5)) {
    case 0:
      return f2b(-p);
    case 1: {
      const u = b2f(f2b(Math.abs(p)) + 1) - Math.abs(p);
      return f2b(((rng.int(2) ? u : -u) / 2) * (1 + rng.int(3)));
    }
    case 2:
      return f2b(-p * (1 + (rng.int(2) ? 1 : -1) * 2 ** -(1 + rng.int(30))));
    default:
      return genS(rng);
  }
}
// Multiplicands with at most 26 (D) / 12 (S) significant bits: exact products for halfway addends.
const shortD = (rng) =>
  (BigInt(rng.int(2)) << 63n) |
  (BigInt(1023 - 30 + rng.int(60)) << 52n) |
  (rng.u64() & 0xfffffffffffffn & ~((1n << 27n) - 1n));
const shortS = (rng) => ((rng.int(2) << 31) | ((127 - 20 + rng.int(40)) << 23) | (rng() & 0x7ff000)) >>> 0;

// Pairs whose exact sum or product lies exactly halfway between two floats (or one bit off it):
// the cases where RNE and RMM differ. Significands of k and (p + 1 - k) bits multiply to p + 1 bits;
// an addend of an odd multiple of half an ulp makes a halfway sum.
function oddSig(rng, bits) {
  let m = 1n;
  for (let i = 1; i < bits; i++) m = (m << 1n) | BigInt(rng.int(2));
  return (m | 1n) ^ (rng.int(8) === 0 ? 2n : 0n);
}
function tiePair(rng, double) {
  const p = double ? 53 : 24;
  const sign = () => (rng.int(2) ? -1 : 1);
  if (rng.int(2)) {
    const k = 1 + rng.int(p);
    const a = Number(oddSig(rng, k)) * 2 ** (-k + rng.int(8) - 4);
    const b = Number(oddSig(rng, p + 1 - k + rng.int(2))) * 2 ** (k - p - 1 + rng.int(8) - 4);
    return [sign() * a, sign() * b];
  }
  const a = Number(oddSig(rng, p)) * 2 ** (-p + rng.int(8) - 4);
  const b = Number(oddSig(rng, 1 + rng.int(8))) * 2 ** (-p - 1 - rng.int(4) + rng.int(8) - 4);
  return [sign() * a, sign() * b];
}

// Rounding-mode field and frm for an instruction that rounds; mostly valid, sometimes reserved.
function pickRm(rng, rounds) {
  if (!rounds) return { rm: 0, frm: rng.int(8) }; // a reserved frm does not matter to these
  const r = rng.int(40);
  if (r === 0) return { rm: 5 + rng.int(2), frm: rng.int(5) }; // reserved rm: illegal
  if (r === 1) return { rm: 7, frm: 5 + rng.int(3) }; // dynamic with a reserved frm: illegal
  if (r < 10) return { rm: 7, frm: rng.int(5) }; // dynamic
  return { rm: rng.int(5), frm: rng.int(8) };
}

export function randomRecord(rng, op) {
  const { rm, frm } = pickRm(rng, op.rounds);
  const fcsr = (frm << 5) | (rng.int(8) === 0 ? rng.int(32) : 0);
  const rec = { op: op.name, inst: op.enc(rm), fcsr, f6: 0n, f7: 0n, f8: 0n, x6: 0n };
  if (op.kind === "x") {
    rec.x6 =
      rng.int(3) === 0
        ? SPECIAL_X[rng.int(SPECIAL_X.length)] ^ (rng.int(4) === 0 ? M64 : 0n)
        : rng.int(2)
          ? rng.u64() >> BigInt(rng.int(64))
          : BigInt.asUintN(64, BigInt.asIntN(32, BigInt(rng())) >> BigInt(rng.int(32)));
    if (rng.int(3) === 0) rec.x6 = BigInt.asUintN(64, -rec.x6);
    return rec;
  }
  if (op.kind === "ff" && rng.int(/^f(add|sub|mul)/.test(op.name) ? 3 : 8) === 0) {
    const [a, b] = tiePair(rng, op.fmt === 1);
    if (op.fmt === 1) {
      rec.f6 = d2b(a);
      rec.f7 = d2b(b);
    } else {
      rec.f6 = box(f2b(a));
      rec.f7 = box(f2b(b));
    }
    return rec;
  }
  if (op.fmt === 1) {
    const isFma = op.kind === "fff";
    const a = isFma && rng.int(3) === 0 ? shortD(rng) : genD(rng);
    const b = isFma && rng.int(3) === 0 ? shortD(rng) : relatedD(rng, a);
    rec.f6 = a;
    rec.f7 = b;
    if (op.name === "fsqrt.d" && rng.int(4) === 0) rec.f6 = d2b(b2d(shortD(rng)) ** 2);
    if (isFma) rec.f8 = fmaAddendD(rng, a, b);
    else rec.f8 = genD(rng);
  } else {
    const isFma = op.kind === "fff";
    const a = isFma && rng.int(3) === 0 ? shortS(rng) : genS(rng);
    const b = isFma && rng.int(3) === 0 ? shortS(rng) : relatedS(rng, a);
    const c = isFma ? fmaAddendS(rng, a, b) : genS(rng);
    let a2 = a;
    if (op.name === "fsqrt.s" && rng.int(4) === 0) a2 = f2b(b2f(shortS(rng)) ** 2);
    rec.f6 = box(a2, rng);
    rec.f7 = box(b, rng);
    rec.f8 = box(c, rng);
  }
  return rec;
}

export function randomRecords(seed, n, only = null) {
  const rng = makeRng(seed);
  const ops = only ? OPS.filter((o) => only.includes(o.name)) : OPS;
  if (ops.length === 0) throw new Error(`no instruction named ${only}`);
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = randomRecord(rng, ops[rng.int(ops.length)]);
  return out;
}

// Systematic edge cases: every pair (triple for fma, from a shorter list) of special values, for
// every instruction, in every rounding mode (and dynamic mode through frm).
export function edgeRecords() {
  const out = [];
  const dVals = SPECIAL_D;
  const sVals = SPECIAL_S.map((v) => BOX | BigInt(v));
  const fmaD = [
    0n,
    1n << 63n,
    0x7ff0000000000000n,
    0xfff0000000000000n,
    0x7ff8000000000000n,
    0x7ff4000000000000n,
    1n,
    0x0010000000000000n,
    0x7fefffffffffffffn,
    d2b(1),
    d2b(-1.5),
    d2b(1 + 2 ** -52),
    d2b(2 ** -511),
    d2b(-(2 ** 512)),
  ];
  const fmaS = [
    0,
    0x80000000,
    0x7f800000,
    0xff800000,
    0x7fc00000,
    0x7fa00000,
    1,
    0x00800000,
    0x7f7fffff,
    f2b(1),
    f2b(-1.5),
    f2b(1 + 2 ** -23),
    f2b(2 ** -63),
    f2b(-(2 ** 64)),
  ].map((v) => BOX | BigInt(v));
  const modes = [
    [0, 0],
    [1, 0],
    [2, 0],
    [3, 0],
    [4, 0],
    [7, 3],
    [7, 4],
    [5, 0],
    [7, 5],
  ];
  for (const op of OPS) {
    const vals = op.fmt ? dVals : sVals;
    const ms = op.rounds ? modes : [[0, 0]];
    for (const [rm, frm] of ms) {
      const base = { op: op.name, inst: op.enc(rm), fcsr: frm << 5, f6: 0n, f7: 0n, f8: 0n, x6: 0n };
      if (op.kind === "x") {
        for (const x of SPECIAL_X)
          for (const neg of [false, true]) out.push({ ...base, x6: neg ? BigInt.asUintN(64, -x) : x });
      } else if (op.kind === "f") {
        for (const a of vals) out.push({ ...base, f6: a });
        if (op.fmt === 0) out.push({ ...base, f6: 0x00000000_3f800000n }, { ...base, f6: 0x7fffffff_3f800000n });
      } else if (op.kind === "ff") {
        for (const a of vals) for (const b of vals) out.push({ ...base, f6: a, f7: b });
      } else {
        const fv = op.fmt ? fmaD : fmaS;
        for (const a of fv) for (const b of fv) for (const c of fv) out.push({ ...base, f6: a, f7: b, f8: c });
      }
    }
    // Fused ops where rounding the product first would give another result (double rounding), with
    // products next to 1, 0 and the subnormal range.
    if (op.kind === "fff") {
      const triples = op.fmt
        ? [
            [1 + 2 ** -27, 1 + 2 ** -27, -1],
            [1 + 2 ** -27, 1 + 2 ** -27, 2 ** -54],
            [1 + 2 ** -27, 1 + 2 ** -27, -(2 ** -54)],
            [1 + 2 ** -27, 1 - 2 ** -27, -1],
            [1 + 2 ** -27, 1 + 2 ** -27, -(1 + 2 ** -26)],
            [1 + 2 ** -52, 1.5, 2 ** -105],
            [1 + 2 ** -52, 1.5, -(2 ** -105)],
            [1 + 2 ** -52, 1 + 2 ** -52, -1],
            [3, 1 / 3, -1],
            [0.1, 10, -1],
            [2 ** -537 * (1 + 2 ** -27), 2 ** -537 * (1 + 2 ** -27), -(2 ** -1074)],
            [2 ** -1022, 1 - 2 ** -53, 2 ** -1074],
            [2 ** -1022, 1 - 2 ** -53, -(2 ** -1074)],
            [2 ** 1023, 1.5, 2 ** 1023],
            [2 ** 1023, 1.9, -(2 ** 1023)],
          ].map((t) => t.map(d2b))
        : [
            [1 + 2 ** -12, 1 + 2 ** -12, -1],
            [1 + 2 ** -12, 1 + 2 ** -12, 2 ** -24],
            [1 + 2 ** -12, 1 + 2 ** -12, -(2 ** -24)],
            [1 + 2 ** -12, 1 - 2 ** -12, -1],
            [1 + 2 ** -12, 1 + 2 ** -12, -(1 + 2 ** -11)],
            [1 + 2 ** -23, 1.5, 2 ** -47],
            [1 + 2 ** -23, 1.5, -(2 ** -47)],
            [1 + 2 ** -23, 1 + 2 ** -23, -1],
            [3, 1 / 3, -1],
            [0.1, 10, -1],
            [2 ** -75 * (1 + 2 ** -12), 2 ** -74 * (1 + 2 ** -12), -(2 ** -149)],
            [2 ** -126, 1 - 2 ** -24, 2 ** -149],
            [2 ** -126, 1 - 2 ** -24, -(2 ** -149)],
            [2 ** 127, 1.5, 2 ** 127],
            [2 ** 127, 1.9, -(2 ** 127)],
          ].map((t) => t.map((x) => BOX | BigInt(f2b(x))));
      for (const [rm, frm] of modes) {
        for (const [a, b, c] of triples) {
          out.push({ op: op.name, inst: op.enc(rm), fcsr: frm << 5, f6: a, f7: b, f8: c, x6: 0n });
        }
      }
    }
    // Improperly NaN-boxed single operands read as the canonical NaN.
    if (op.fmt === 0 && op.kind !== "x") {
      const base = {
        op: op.name,
        inst: op.enc(0),
        fcsr: 0,
        f6: 0x12345678_3f800000n,
        f7: BOX | BigInt(f2b(2)),
        f8: 0xfffffffe_00000000n,
        x6: 0n,
      };
      out.push(base, { ...base, f6: BOX | BigInt(f2b(1.5)), f7: 0x00000000_40000000n });
    }
  }
  // Reserved encodings: H/Q formats, unknown funct3/funct5, nonzero rs2 where it must be zero.
  for (const inst of [
    opfp(0, 2, RS2, 0),
    opfp(0, 3, RS2, 0),
    opfp(4, 0, RS2, 3),
    opfp(5, 1, RS2, 2),
    opfp(0x14, 0, RS2, 3),
    opfp(0x0b, 1, 1, 0),
    opfp(0x18, 0, 4, 0),
    opfp(0x1a, 1, 5, 0),
    opfp(0x1c, 0, 0, 2),
    opfp(0x1c, 1, 1, 0),
    opfp(0x1e, 0, 0, 1),
    opfp(0x1e, 1, 1, 0),
    opfp(8, 0, 0, 0),
    opfp(8, 1, 1, 0),
    opfp(8, 0, 2, 0),
    opfp(6, 0, RS2, 0),
    opfp(0x1f, 1, RS2, 0),
    r4(0x43, 2, 0),
  ]) {
    out.push({ op: "reserved", inst, fcsr: 0, f6: d2b(1), f7: d2b(2), f8: d2b(3), x6: 5n });
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Running

const hex = (v) => v.toString(16);
export const recordLine = (r) => `${hex(r.inst)} ${hex(r.fcsr)} ${hex(r.f6)} ${hex(r.f7)} ${hex(r.f8)} ${hex(r.x6)}\n`;

// Runs records through QEMU in one process per chunk (two at a time); resolves to output lines.
export async function runQemu(records, chunk = 200000) {
  const parts = [];
  for (let i = 0; i < records.length; i += chunk) parts.push(records.slice(i, i + chunk));
  const results = new Array(parts.length);
  let next = 0;
  const worker = async () => {
    while (next < parts.length) {
      const k = next++;
      results[k] = await runQemuOnce(parts[k]);
    }
  };
  await Promise.all([worker(), worker()]);
  return results.flat();
}

function runQemuOnce(records) {
  return new Promise((resolve, reject) => {
    const child = spawn("qemu-riscv64", [FPREF], { stdio: ["pipe", "pipe", "inherit"] });
    const out = [];
    child.stdout.on("data", (d) => out.push(d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`fpref exited with ${code}`));
      const lines = Buffer.concat(out).toString().split("\n");
      lines.pop();
      if (lines.length !== records.length)
        return reject(new Error(`fpref answered ${lines.length} of ${records.length}`));
      resolve(lines);
    });
    child.stdin.end(records.map(recordLine).join(""));
  });
}

// Our executor: the same register contract (f5 and x5 start at 0), the same output format.
export async function loadFpu(path = WASM) {
  const { instance } = await WebAssembly.instantiate(readFileSync(path), {});
  const e = instance.exports;
  if (e._start) e._start();
  const mem = () => new BigUint64Array(e.memory.buffer);
  const X = e.XREGS.value >>> 3,
    F = e.FREGS.value >>> 3,
    C = e.FCSR.value;
  return {
    exports: e,
    run(r) {
      const m = mem();
      m[F + 6] = r.f6;
      m[F + 7] = r.f7;
      m[F + 28] = r.f8;
      m[X + 6] = r.x6;
      m[F + 5] = 0n;
      m[X + 5] = 0n;
      const dv = new DataView(e.memory.buffer);
      dv.setUint32(C, r.fcsr, true);
      if (e.execFp(r.inst) !== 0) return "ILL";
      return `${hex(m[F + 5])} ${hex(m[X + 5])} ${hex(dv.getUint32(C, true))}`;
    },
  };
}

// Compares QEMU's lines with ours; returns the count compared and the first differences.
export function compare(records, qemuLines, fpu, keep = 20) {
  let differing = 0;
  const examples = [];
  for (let i = 0; i < records.length; i++) {
    const ours = fpu.run(records[i]);
    if (ours !== qemuLines[i]) {
      differing++;
      if (examples.length < keep) {
        const r = records[i];
        examples.push(`${r.op} ${recordLine(r).trim()} -> qemu "${qemuLines[i]}" ours "${ours}"`);
      }
    }
  }
  return { compared: records.length, differing, examples };
}
