// Conversions between binary32/binary64 and 32/64-bit integers, and between the two formats.
import { raise, FLAG_NV, FLAG_NX, RM_RNE, RM_RMM, RM_RDN, RM_RUP, CANON_NAN64 } from "./flags";
import { normRoundPack64, roundPack64, roundPack32FromU64, shiftRightJam64 } from "./round";
import { isNaN32, isSNaN32 } from "./f32";

// Integer kinds, numbered as the rs2 field of fcvt.int.fmt / fcvt.fmt.int.
export const INT_W: u32 = 0;
export const INT_WU: u32 = 1;
export const INT_L: u32 = 2;
export const INT_LU: u32 = 3;

// Saturated results. 32-bit results are sign-extended to 64 bits, as RV64 writes them.
// @ts-ignore: decorator
@inline function intMax(kind: u32): u64 {
  return kind == INT_W ? 0x7fffffff : kind == INT_L ? 0x7fffffffffffffff : 0xffffffffffffffff;
}
// @ts-ignore: decorator
@inline function intMin(kind: u32): u64 {
  return kind == INT_W ? 0xffffffff80000000 : kind == INT_L ? 0x8000000000000000 : 0;
}

// fcvt.{w,wu,l,lu}.d: rounds per rm; out of range (and NaN) saturates and raises only invalid.
export function f64ToInt(a: u64, rm: u32, kind: u32): u64 {
  const neg = a >> 63 != 0;
  const e = <i32>(a >> 52) & 0x7ff;
  const f = a & 0x000fffffffffffff;
  if (e == 0x7ff) {
    raise(FLAG_NV);
    return f != 0 || !neg ? intMax(kind) : intMin(kind);
  }
  if (e == 0 && f == 0) return 0;
  const sig = e != 0 ? f | 0x0010000000000000 : f;
  const sh = (e != 0 ? e : 1) - 1075; // value = sig * 2^sh
  let mag: u64;
  let inexact = false;
  if (sh >= 0) {
    if (sh > 11) {
      raise(FLAG_NV); // |a| >= 2^64
      return neg ? intMin(kind) : intMax(kind);
    }
    mag = sig << sh;
  } else {
    const k = <u32>-sh;
    let q: u64 = 0;
    let rem: u64 = sig; // fraction bits, compared against half below
    let half: u64 = 0; // 0 stands for "half is above every rem" (k > 63)
    if (k < 64) {
      q = sig >> k;
      rem = sig & ((<u64>1 << k) - 1);
      half = <u64>1 << (k - 1);
    }
    inexact = rem != 0;
    let inc = false;
    if (rm == RM_RNE) inc = half != 0 && (rem > half || (rem == half && (q & 1) != 0));
    else if (rm == RM_RMM) inc = half != 0 && rem >= half;
    else if (rm == RM_RDN) inc = neg && inexact;
    else if (rm == RM_RUP) inc = !neg && inexact;
    mag = q + <u64>inc;
  }
  let bad = false;
  let r: u64 = 0;
  if (kind == INT_W) {
    if (neg) { if (mag > 0x80000000) bad = true; else r = <u64>(-<i64>mag); }
    else { if (mag > 0x7fffffff) bad = true; else r = mag; }
  } else if (kind == INT_WU) {
    if (neg) { if (mag != 0) bad = true; }
    else { if (mag > 0xffffffff) bad = true; else r = <u64><i64><i32><u32>mag; }
  } else if (kind == INT_L) {
    if (neg) { if (mag > 0x8000000000000000) bad = true; else r = <u64>(-<i64>mag); }
    else { if (mag > 0x7fffffffffffffff) bad = true; else r = mag; }
  } else {
    if (neg) { if (mag != 0) bad = true; }
    else r = mag;
  }
  if (bad) {
    raise(FLAG_NV);
    return neg ? intMin(kind) : intMax(kind);
  }
  if (inexact) raise(FLAG_NX);
  return r;
}

// fcvt.{w,wu,l,lu}.s
export function f32ToInt(a: u32, rm: u32, kind: u32): u64 {
  const d = isNaN32(a) ? CANON_NAN64 : reinterpret<u64>(<f64>reinterpret<f32>(a));
  return f64ToInt(d, rm, kind);
}

// Sign and magnitude of the integer operand of fcvt.fmt.int; the sign in intNeg.
let intNeg: bool = false;
// @ts-ignore: decorator
@inline function intMagnitude(v: u64, kind: u32): u64 {
  if (kind == INT_W) {
    const w = <i64><i32><u32>v;
    intNeg = w < 0;
    return intNeg ? <u64>(-w) : <u64>w;
  }
  if (kind == INT_WU) {
    intNeg = false;
    return v & 0xffffffff;
  }
  if (kind == INT_L) {
    intNeg = <i64>v < 0;
    return intNeg ? <u64>(-<i64>v) : v; // -(-2^63) wraps to 2^63 as an unsigned magnitude
  }
  intNeg = false;
  return v;
}

// fcvt.d.{w,wu,l,lu}
export function intToF64(v: u64, kind: u32, rm: u32): u64 {
  const mag = intMagnitude(v, kind);
  const sign: u64 = intNeg ? 1 : 0;
  if (mag < 0x20000000000000) {
    return (sign << 63) | reinterpret<u64>(<f64>mag); // exact
  }
  if (mag >= 0x8000000000000000) return roundPack64(sign, 0x43d, shiftRightJam64(mag, 1), rm);
  return normRoundPack64(sign, 0x43c, mag, rm);
}

// fcvt.s.{w,wu,l,lu}
export function intToF32(v: u64, kind: u32, rm: u32): u32 {
  const mag = intMagnitude(v, kind);
  const sign: u32 = intNeg ? 1 : 0;
  if (mag < 0x1000000) {
    return (sign << 31) | reinterpret<u32>(<f32>mag); // exact
  }
  return roundPack32FromU64(sign, mag, rm);
}

// fcvt.d.s: exact.
export function f32ToF64(a: u32): u64 {
  if (isNaN32(a)) {
    if (isSNaN32(a)) raise(FLAG_NV);
    return CANON_NAN64;
  }
  return reinterpret<u64>(<f64>reinterpret<f32>(a));
}

