// Binary32 arithmetic on bit patterns.
//
// A binary64 has more than twice the precision of a binary32, so the product of two singles, and the
// sum of such a product and a single, are computed exactly in f64 or with a known exact error (TwoSum).
// Rounding the f64 value "to odd" (when inexact, take whichever neighbour has an odd last bit) keeps
// enough information for a second, correct rounding to 24 bits in any mode, with the right flags.
// Division and square root use the native f32 operation (correctly rounded to nearest) and the exact
// remainder, computed in f64, for the direction of the error.
import {
  raise, FLAG_NV, FLAG_DZ, FLAG_NX, RM_RDN, RM_RNE, CANON_NAN32,
} from "./flags";
import { roundPack32, shiftRightJam64, stepToward64, adjust32 } from "./round";

const SIGN32: u32 = 0x80000000;
const INF32: u32 = 0x7f800000;

// @ts-ignore: decorator
@inline export function isNaN32(a: u32): bool {
  return (a & 0x7fffffff) > INF32;
}
// @ts-ignore: decorator
@inline export function isSNaN32(a: u32): bool {
  return (a & 0x7fc00000) == INF32 && (a & 0x003fffff) != 0;
}
// @ts-ignore: decorator
@inline function isInf32(a: u32): bool {
  return (a & 0x7fffffff) == INF32;
}
// @ts-ignore: decorator
@inline function isZero32(a: u32): bool {
  return (a & 0x7fffffff) == 0;
}
// @ts-ignore: decorator
@inline function toF64(a: u32): f64 {
  return <f64>reinterpret<f32>(a); // exact for every non-NaN single
}

function nanResult32(a: u32, b: u32): u32 {
  if (isSNaN32(a) || isSNaN32(b)) raise(FLAG_NV);
  return CANON_NAN32;
}

function invalid32(): u32 {
  raise(FLAG_NV);
  return CANON_NAN32;
}

// fcvt.s.d: binary64 pattern to binary32, rounded.
export function f64ToF32(a: u64, rm: u32): u32 {
  const sign = <u32>(a >> 63);
  const e = <i32>(a >> 52) & 0x7ff;
  const f = a & 0x000fffffffffffff;
  if (rm == RM_RNE && <u32>(e - 898) < 253) {
    // |a| in [2^-125, 2^128): the nearest single is normal; only overflow is possible.
    const x = reinterpret<f64>(a);
    const r = <f32>x;
    const rb = reinterpret<u32>(r);
    if ((rb & 0x7fffffff) != INF32) {
      if (<f64>r != x) raise(FLAG_NX);
      return rb;
    }
  }
  if (e == 0x7ff) {
    if (f != 0) {
      if ((f & 0x0008000000000000) == 0) raise(FLAG_NV);
      return CANON_NAN32;
    }
    return (sign << 31) | INF32;
  }
  if (e == 0 && f == 0) return sign << 31;
  // A binary64 subnormal is far below the binary32 range: unnormalized, it still rounds correctly
  // (it only contributes a sticky bit).
  const sig = f | (e != 0 ? <u64>0x0010000000000000 : 0);
  return roundPack32(sign, (e != 0 ? e : 1) - 0x381, <u32>shiftRightJam64(sig, 22), rm);
}

// Exact f64 value s + err (err from TwoSum, |err| <= ulp(s)/2) rounded to odd at 53 bits.
// @ts-ignore: decorator
@inline function roundToOdd(s: f64, err: f64): u64 {
  let r = reinterpret<u64>(s);
  if (err != 0 && (r & 1) == 0) r = stepToward64(r, err > 0);
  return r;
}

// Fast exit for round-to-nearest when the f64 value s is exact and its nearest single is normal and
// not at an edge of the range (so neither underflow nor overflow can be involved). Returns 0 when
// the caller must take the general path (0 is never a result here: s != 0).
// @ts-ignore: decorator
@inline function nearestNormal32(s: f64): u32 {
  const r = <f32>s;
  const rb = reinterpret<u32>(r);
  if (<u32>(((rb >> 23) & 0xff) - 2) < 252) {
    if (<f64>r != s) raise(FLAG_NX);
    return rb;
  }
  return 0;
}

export function f32Sub(a: u32, b: u32, rm: u32): u32 {
  return f32Add(a, b ^ SIGN32, rm);
}

export function f32Add(a: u32, b: u32, rm: u32): u32 {
  if ((a & INF32) == INF32 || (b & INF32) == INF32) {
    if (isNaN32(a) || isNaN32(b)) return nanResult32(a, b);
    if (isInf32(a) && isInf32(b) && ((a ^ b) & SIGN32) != 0) return invalid32();
    return isInf32(a) ? a : b;
  }
  const x = toF64(a);
  const y = toF64(b);
  const s = x + y;
  const bv = s - x;
  const err = (x - (s - bv)) + (y - bv);
  if (err == 0) {
    if (s == 0) {
      if (((a ^ b) & SIGN32) == 0) return a & SIGN32;
      return rm == RM_RDN ? SIGN32 : 0;
    }
    if (rm == RM_RNE) {
      const r = nearestNormal32(s);
      if (r != 0) return r;
    }
  }
  return f64ToF32(roundToOdd(s, err), rm);
}

export function f32Mul(a: u32, b: u32, rm: u32): u32 {
  if ((a & INF32) == INF32 || (b & INF32) == INF32) {
    if (isNaN32(a) || isNaN32(b)) return nanResult32(a, b);
    if (isZero32(a) || isZero32(b)) return invalid32();
    return ((a ^ b) & SIGN32) | INF32;
  }
  const p = toF64(a) * toF64(b); // exact: 24 x 24 bits
  if (p == 0) return (a ^ b) & SIGN32;
  if (rm == RM_RNE) {
    const r = nearestNormal32(p);
    if (r != 0) return r;
  }
  return f64ToF32(reinterpret<u64>(p), rm);
}

export function f32MulAdd(a: u32, b: u32, c: u32, rm: u32): u32 {
  const sp = (a ^ b) & SIGN32;
  if ((a & INF32) == INF32 || (b & INF32) == INF32 || (c & INF32) == INF32) {
    const infZero = (isInf32(a) && isZero32(b)) || (isZero32(a) && isInf32(b));
    if (isNaN32(a) || isNaN32(b) || isNaN32(c)) {
      if (isSNaN32(a) || isSNaN32(b) || isSNaN32(c) || infZero) raise(FLAG_NV);
      return CANON_NAN32;
    }
    if (infZero) return invalid32();
    if (isInf32(a) || isInf32(b)) {
      if (isInf32(c) && (c & SIGN32) != sp) return invalid32();
      return sp | INF32;
    }
    return c;
  }
  if (isZero32(a) || isZero32(b)) {
    if (isZero32(c)) return (c & SIGN32) == sp ? c : rm == RM_RDN ? SIGN32 : 0;
    return c;
  }
  const p = toF64(a) * toF64(b); // exact
  const z = toF64(c);
  const s = p + z;
  const bv = s - p;
  const err = (p - (s - bv)) + (z - bv);
  if (err == 0) {
    if (s == 0) return rm == RM_RDN ? SIGN32 : 0; // exact cancellation
    if (rm == RM_RNE) {
      const r = nearestNormal32(s);
      if (r != 0) return r;
    }
  }
  return f64ToF32(roundToOdd(s, err), rm);
}

export function f32Div(a: u32, b: u32, rm: u32): u32 {
  const sign = (a ^ b) & SIGN32;
  if ((a & INF32) == INF32 || (b & INF32) == INF32) {
    if (isNaN32(a) || isNaN32(b)) return nanResult32(a, b);
    if (isInf32(a) && isInf32(b)) return invalid32();
    return isInf32(a) ? sign | INF32 : sign;
  }
  if (isZero32(b)) {
    if (isZero32(a)) return invalid32();
    raise(FLAG_DZ);
    return sign | INF32;
  }
  if (isZero32(a)) return sign;
  const q = reinterpret<f32>(a) / reinterpret<f32>(b);
  const qb = reinterpret<u32>(q);
  if (<u32>(((qb >> 23) & 0xff) - 2) < 252) {
    const y = toF64(b);
    const rem = toF64(a) - <f64>q * y; // exact: q*y has 48 bits and is within an ulp of a
    if (rem == 0) return qb;
    raise(FLAG_NX);
    return adjust32(qb, (rem > 0) != (y < 0), false, rm);
  }
  return divSlow32(a, b, rm);
}

// Integer division for quotients near or beyond the ends of the binary32 range.
function divSlow32(a: u32, b: u32, rm: u32): u32 {
  const sign = (a ^ b) >> 31;
  let ea = <i32>(a >> 23) & 0xff;
  let sa = a & 0x7fffff;
  if (ea != 0) sa |= 0x800000;
  else {
    const sh = <i32>clz<u32>(sa) - 8;
    sa <<= sh;
    ea = 1 - sh;
  }
  let eb = <i32>(b >> 23) & 0xff;
  let sb = b & 0x7fffff;
  if (eb != 0) sb |= 0x800000;
  else {
    const sh = <i32>clz<u32>(sb) - 8;
    sb <<= sh;
    eb = 1 - sh;
  }
  let exp = ea - eb + 0x7e;
  if (sa < sb) {
    exp--;
    sa <<= 1;
  }
  const num = <u64>sa << 30;
  const q = num / <u64>sb;
  const r = num % <u64>sb;
  return roundPack32(sign, exp, <u32>q | <u32>(r != 0), rm);
}

export function f32Sqrt(a: u32, rm: u32): u32 {
  if (a >> 31 != 0) {
    if (isZero32(a)) return a;
    if (isNaN32(a)) return nanResult32(a, 0);
    return invalid32();
  }
  if ((a & INF32) == INF32) {
    if (isNaN32(a)) return nanResult32(a, 0);
    return a;
  }
  if (a == 0) return 0;
  const r = sqrt<f32>(reinterpret<f32>(a));
  const r64 = <f64>r;
  const rem = toF64(a) - r64 * r64; // exact in f64
  const rb = reinterpret<u32>(r);
  if (rem == 0) return rb;
  raise(FLAG_NX);
  return adjust32(rb, rem > 0, false, rm); // never a tie; the root of a single is always normal
}
