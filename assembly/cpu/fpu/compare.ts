// Comparisons, minimum/maximum (RISC-V 2.2 rules) and classification.
import { raise, FLAG_NV, CANON_NAN32, CANON_NAN64 } from "./flags";
import { isNaN32, isSNaN32 } from "./f32";
import { isNaN64, isSNaN64 } from "./f64";

// feq is quiet (invalid only for signalling NaNs); flt and fle signal on any NaN.
export function f64Eq(a: u64, b: u64): u64 {
  if (isNaN64(a) || isNaN64(b)) {
    if (isSNaN64(a) || isSNaN64(b)) raise(FLAG_NV);
    return 0;
  }
  return <u64>(reinterpret<f64>(a) == reinterpret<f64>(b));
}
export function f64Lt(a: u64, b: u64): u64 {
  if (isNaN64(a) || isNaN64(b)) {
    raise(FLAG_NV);
    return 0;
  }
  return <u64>(reinterpret<f64>(a) < reinterpret<f64>(b));
}
export function f64Le(a: u64, b: u64): u64 {
  if (isNaN64(a) || isNaN64(b)) {
    raise(FLAG_NV);
    return 0;
  }
  return <u64>(reinterpret<f64>(a) <= reinterpret<f64>(b));
}
export function f32Eq(a: u32, b: u32): u64 {
  if (isNaN32(a) || isNaN32(b)) {
    if (isSNaN32(a) || isSNaN32(b)) raise(FLAG_NV);
    return 0;
  }
  return <u64>(reinterpret<f32>(a) == reinterpret<f32>(b));
}
export function f32Lt(a: u32, b: u32): u64 {
  if (isNaN32(a) || isNaN32(b)) {
    raise(FLAG_NV);
    return 0;
  }
  return <u64>(reinterpret<f32>(a) < reinterpret<f32>(b));
}
export function f32Le(a: u32, b: u32): u64 {
  if (isNaN32(a) || isNaN32(b)) {
    raise(FLAG_NV);
    return 0;
  }
  return <u64>(reinterpret<f32>(a) <= reinterpret<f32>(b));
}

// fmin/fmax (IEEE 754-2019 minimumNumber/maximumNumber): a NaN operand yields the other operand,
// two NaNs the canonical NaN, a signalling NaN raises invalid, and -0 is below +0.
export function f64MinMax(a: u64, b: u64, max: bool): u64 {
  const an = isNaN64(a);
  const bn = isNaN64(b);
  if (an || bn) {
    if (isSNaN64(a) || isSNaN64(b)) raise(FLAG_NV);
    if (an && bn) return CANON_NAN64;
    return an ? b : a;
  }
  const x = reinterpret<f64>(a);
  const y = reinterpret<f64>(b);
  if (x == y) return max ? a & b : a | b; // equal: only the zeros differ, by their sign bit
  return (x < y) != max ? a : b;
}
export function f32MinMax(a: u32, b: u32, max: bool): u32 {
  const an = isNaN32(a);
  const bn = isNaN32(b);
  if (an || bn) {
    if (isSNaN32(a) || isSNaN32(b)) raise(FLAG_NV);
    if (an && bn) return CANON_NAN32;
    return an ? b : a;
  }
  const x = reinterpret<f32>(a);
  const y = reinterpret<f32>(b);
  if (x == y) return max ? a & b : a | b;
  return (x < y) != max ? a : b;
}

// fclass: one bit of ten, from -inf (bit 0) to quiet NaN (bit 9).
export function f64Class(a: u64): u64 {
  const neg = a >> 63 != 0;
  const e = (a >> 52) & 0x7ff;
  const f = a & 0x000fffffffffffff;
  if (e == 0x7ff) {
    if (f == 0) return neg ? 1 : 1 << 7;
    return (f & 0x0008000000000000) != 0 ? 1 << 9 : 1 << 8;
  }
  if (e == 0) {
    if (f == 0) return neg ? 1 << 3 : 1 << 4;
    return neg ? 1 << 2 : 1 << 5;
  }
  return neg ? 1 << 1 : 1 << 6;
}
export function f32Class(a: u32): u64 {
  const neg = a >> 31 != 0;
  const e = (a >> 23) & 0xff;
  const f = a & 0x7fffff;
  if (e == 0xff) {
    if (f == 0) return neg ? 1 : 1 << 7;
    return (f & 0x400000) != 0 ? 1 << 9 : 1 << 8;
  }
  if (e == 0) {
    if (f == 0) return neg ? 1 << 3 : 1 << 4;
    return neg ? 1 << 2 : 1 << 5;
  }
  return neg ? 1 << 1 : 1 << 6;
}
