// Binary64 arithmetic on bit patterns: add, sub, mul, div, sqrt, fused multiply-add.
//
// WebAssembly's f64 operations round to nearest-even, raise no flags and have no fma. The common case
// (finite operands well inside the exponent range) therefore runs the native operation and recovers the
// exact rounding error with an error-free transformation (TwoSum, Dekker's TwoProduct, the exact division
// and square-root remainders); from its sign (and, for ties, its size) follow the inexact flag and the
// result in the other rounding modes. Everything else (operands near overflow or underflow, fma) is done
// with integer significands and roundPack64.
import {
  raise, FLAG_NV, FLAG_DZ, FLAG_NX, RM_RDN, RM_RNE, CANON_NAN64,
} from "./flags";
import { roundPack64, normRoundPack64, shiftRightJam64, adjust64 } from "./round";

const SIGN: u64 = 0x8000000000000000;
const FRAC: u64 = 0x000fffffffffffff;
const HIDDEN: u64 = 0x0010000000000000;
const SPLIT: f64 = 134217729.0; // 2^27 + 1, Veltkamp's splitter for 53-bit significands

// @ts-ignore: decorator
@inline export function isNaN64(a: u64): bool {
  return (a & ~SIGN) > 0x7ff0000000000000;
}
// @ts-ignore: decorator
@inline export function isSNaN64(a: u64): bool {
  return (a & 0x7ff8000000000000) == 0x7ff0000000000000 && (a & 0x0007ffffffffffff) != 0;
}
// @ts-ignore: decorator
@inline function isInf64(a: u64): bool {
  return (a & ~SIGN) == 0x7ff0000000000000;
}
// @ts-ignore: decorator
@inline function isZero64(a: u64): bool {
  return (a & ~SIGN) == 0;
}

// Canonical NaN for an operation with NaN operands; invalid when any is signalling.
function nanResult2(a: u64, b: u64): u64 {
  if (isSNaN64(a) || isSNaN64(b)) raise(FLAG_NV);
  return CANON_NAN64;
}

function invalid64(): u64 {
  raise(FLAG_NV);
  return CANON_NAN64;
}

// Error of x*y = p, exactly, when no partial product overflows or underflows (Dekker's TwoProduct).
// @ts-ignore: decorator
@inline function productError(x: f64, y: f64, p: f64): f64 {
  let t = SPLIT * x;
  const xh = t - (t - x);
  const xl = x - xh;
  t = SPLIT * y;
  const yh = t - (t - y);
  const yl = y - yh;
  return xh * yh - p + xh * yl + xl * yh + xl * yl;
}

// Exactly-zero sum: +0, or -0 when rounding down; two zeros of the same sign keep it.
// @ts-ignore: decorator
@inline function zeroSum64(a: u64, b: u64, rm: u32): u64 {
  if (((a ^ b) & SIGN) == 0) return a & SIGN;
  return rm == RM_RDN ? SIGN : 0;
}

// ---------------------------------------------------------------------------------------------
// Addition

export function f64Sub(a: u64, b: u64, rm: u32): u64 {
  return f64Add(a, b ^ SIGN, rm);
}

export function f64Add(a: u64, b: u64, rm: u32): u64 {
  const ea = <u32>(a >> 52) & 0x7ff;
  const eb = <u32>(b >> 52) & 0x7ff;
  if (ea < 0x7fd && eb < 0x7fd) {
    // |a|, |b| < 2^1022: no intermediate of TwoSum overflows; sums never underflow inexactly.
    const x = reinterpret<f64>(a);
    const y = reinterpret<f64>(b);
    const s = x + y;
    const bv = s - x;
    const err = (x - (s - bv)) + (y - bv);
    if (err == 0) {
      if (s != 0) return reinterpret<u64>(s);
      return zeroSum64(a, b, rm);
    }
    raise(FLAG_NX);
    if (rm == RM_RNE) return reinterpret<u64>(s);
    const r = reinterpret<u64>(s);
    const up = err > 0;
    const n = reinterpret<f64>(up != (r >> 63 != 0) ? r + 1 : r - 1);
    const tie = err == (n - s) * 0.5;
    return adjust64(r, up, tie, rm);
  }
  if (ea == 0x7ff || eb == 0x7ff) {
    if (isNaN64(a) || isNaN64(b)) return nanResult2(a, b);
    if (ea == 0x7ff && eb == 0x7ff && ((a ^ b) & SIGN) != 0) return invalid64();
    return ea == 0x7ff ? a : b;
  }
  return addSlow64(a, b, rm);
}

// Integer addition of two finite values (zeros and subnormals included).
function addSlow64(a: u64, b: u64, rm: u32): u64 {
  let ea = <i32>(a >> 52) & 0x7ff;
  let eb = <i32>(b >> 52) & 0x7ff;
  let sa = a & FRAC;
  let sb = b & FRAC;
  if (ea != 0) sa |= HIDDEN; else ea = 1;
  if (eb != 0) sb |= HIDDEN; else eb = 1;
  sa <<= 9; // leading bit at 61, one bit of headroom for the carry
  sb <<= 9;
  let sign = a >> 63;
  if (((a ^ b) & SIGN) == 0) {
    if (ea < eb) {
      const t = sa; sa = sb; sb = t;
      const u = ea; ea = eb; eb = u;
    }
    const sig = sa + shiftRightJam64(sb, <u32>(ea - eb));
    if (sig == 0) return sign << 63;
    return normRoundPack64(sign, ea, sig, rm);
  }
  if (ea < eb || (ea == eb && sa < sb)) {
    const t = sa; sa = sb; sb = t;
    const u = ea; ea = eb; eb = u;
    sign = b >> 63;
  }
  const sig = sa - shiftRightJam64(sb, <u32>(ea - eb));
  if (sig == 0) return rm == RM_RDN ? SIGN : 0;
  return normRoundPack64(sign, ea, sig, rm);
}

// ---------------------------------------------------------------------------------------------
// 128-bit helpers (hi returned, lo in a global)

let lo128: u64 = 0;

// Full 128-bit product of two 64-bit integers.
function mul64To128(a: u64, b: u64): u64 {
  const al = a & 0xffffffff;
  const ah = a >> 32;
  const bl = b & 0xffffffff;
  const bh = b >> 32;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const hh = ah * bh;
  const mid = (ll >> 32) + (lh & 0xffffffff) + (hl & 0xffffffff);
  lo128 = (mid << 32) | (ll & 0xffffffff);
  return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

// (hi:lo) >> d with jamming; returns hi, lo in lo128.
function shiftRightJam128(hi: u64, lo: u64, d: u32): u64 {
  if (d == 0) {
    lo128 = lo;
    return hi;
  }
  if (d < 64) {
    lo128 = (hi << (64 - d)) | (lo >> d) | <u64>((lo << (64 - d)) != 0);
    return hi >> d;
  }
  if (d == 64) {
    lo128 = hi | <u64>(lo != 0);
    return 0;
  }
  if (d < 128) {
    lo128 = (hi >> (d - 64)) | <u64>(((hi << (128 - d)) | lo) != 0);
    return 0;
  }
  lo128 = <u64>((hi | lo) != 0);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Multiplication

let unpackSig: u64 = 0;

// Biased exponent of a finite nonzero value, normalizing subnormals (result may be <= 0);
// the 53-bit significand (leading 1 at bit 52) is left in unpackSig.
// @ts-ignore: decorator
@inline function unpack64(a: u64): i32 {
  const e = <i32>(a >> 52) & 0x7ff;
  const f = a & FRAC;
  if (e != 0) {
    unpackSig = f | HIDDEN;
    return e;
  }
  const sh = <i32>clz<u64>(f) - 11;
  unpackSig = f << sh;
  return 1 - sh;
}

export function f64Mul(a: u64, b: u64, rm: u32): u64 {
  const ea = <i32>(a >> 52) & 0x7ff;
  const eb = <i32>(b >> 52) & 0x7ff;
  const es = ea + eb;
  // Both normal, |a|,|b| < 2^991 (the splitter does not overflow), and the product between 2^-970
  // (no partial product of TwoProduct underflows) and 2^1002 (no overflow, one ulp more stays finite).
  if (<u32>(ea - 1) < 2013 && <u32>(eb - 1) < 2013 && es >= 2046 - 970 && es <= 2046 + 1000) {
    const x = reinterpret<f64>(a);
    const y = reinterpret<f64>(b);
    const p = x * y;
    const err = productError(x, y, p);
    if (err == 0) return reinterpret<u64>(p);
    raise(FLAG_NX);
    const r = reinterpret<u64>(p);
    if (rm == RM_RNE) return r;
    const up = err > 0;
    const n = reinterpret<f64>(up != (r >> 63 != 0) ? r + 1 : r - 1);
    const tie = err == (n - p) * 0.5;
    return adjust64(r, up, tie, rm);
  }
  if (ea == 0x7ff || eb == 0x7ff) {
    if (isNaN64(a) || isNaN64(b)) return nanResult2(a, b);
    if (isZero64(a) || isZero64(b)) return invalid64(); // inf * 0
    return ((a ^ b) & SIGN) | 0x7ff0000000000000;
  }
  if (isZero64(a) || isZero64(b)) return (a ^ b) & SIGN;
  return mulSlow64(a, b, rm);
}

// Integer multiplication of two finite nonzero values.
function mulSlow64(a: u64, b: u64, rm: u32): u64 {
  const sign = (a ^ b) >> 63;
  const ea = unpack64(a);
  const sa = unpackSig;
  const eb = unpack64(b);
  const sb = unpackSig;
  let exp = ea + eb - 0x3ff;
  const hi = mul64To128(sa << 10, sb << 11);
  let sig = hi | <u64>(lo128 != 0);
  if (sig < 0x4000000000000000) {
    exp--;
    sig <<= 1;
  }
  return roundPack64(sign, exp, sig, rm);
}

// ---------------------------------------------------------------------------------------------
// Division

export function f64Div(a: u64, b: u64, rm: u32): u64 {
  const ea = <i32>(a >> 52) & 0x7ff;
  const eb = <i32>(b >> 52) & 0x7ff;
  const ed = ea - eb;
  // Both normal, |a|,|b| within 2^±900 and the quotient within 2^±900: the remainder a - q*b is
  // exactly representable and TwoProduct(q, b) is exact.
  if (<u32>(ea - 123) < 1801 && <u32>(eb - 123) < 1801 && ed >= -900 && ed <= 900) {
    const x = reinterpret<f64>(a);
    const y = reinterpret<f64>(b);
    const q = x / y;
    const p = q * y;
    const rem = (x - p) - productError(q, y, p);
    if (rem == 0) return reinterpret<u64>(q);
    raise(FLAG_NX);
    if (rm == RM_RNE) return reinterpret<u64>(q);
    // A binary quotient is never exactly halfway between two floats: no tie.
    return adjust64(reinterpret<u64>(q), (rem > 0) != (y < 0), false, rm);
  }
  if (ea == 0x7ff || eb == 0x7ff) {
    if (isNaN64(a) || isNaN64(b)) return nanResult2(a, b);
    if (ea == 0x7ff && eb == 0x7ff) return invalid64(); // inf / inf
    if (ea == 0x7ff) return ((a ^ b) & SIGN) | 0x7ff0000000000000;
    return (a ^ b) & SIGN; // finite / inf
  }
  if (isZero64(b)) {
    if (isZero64(a)) return invalid64();
    raise(FLAG_DZ);
    return ((a ^ b) & SIGN) | 0x7ff0000000000000;
  }
  if (isZero64(a)) return (a ^ b) & SIGN;
  return divSlow64(a, b, rm);
}

// Integer long division of two finite nonzero values, 11 quotient bits per step.
function divSlow64(a: u64, b: u64, rm: u32): u64 {
  const sign = (a ^ b) >> 63;
  const ea = unpack64(a);
  let sa = unpackSig;
  const eb = unpack64(b);
  const sb = unpackSig;
  let exp = ea - eb + 0x3fe;
  if (sa < sb) {
    exp--;
    sa <<= 1;
  }
  let q = sa / sb; // 1
  let r = sa % sb;
  for (let i = 0; i < 5; i++) {
    r <<= 11;
    q = (q << 11) | (r / sb);
    r = r % sb;
  }
  r <<= 7;
  q = (q << 7) | (r / sb);
  r = r % sb;
  return roundPack64(sign, exp, q | <u64>(r != 0), rm);
}

// ---------------------------------------------------------------------------------------------
// Square root: always native, the operand scaled by an even power of two into [1, 4).

export function f64Sqrt(a: u64, rm: u32): u64 {
  let e = <i32>(a >> 52) & 0x7ff;
  if (a >> 63 != 0) {
    if (isZero64(a)) return a; // sqrt(-0) = -0
    if (isNaN64(a)) return nanResult2(a, 0);
    return invalid64();
  }
  if (e == 0x7ff) {
    if (isNaN64(a)) return nanResult2(a, 0);
    return a; // +inf
  }
  if (a == 0) return 0;
  let x = reinterpret<f64>(a);
  let scale: i32 = 0;
  if (e == 0) {
    x *= reinterpret<f64>(<u64>(1023 + 108) << 52); // 2^108: subnormal -> normal, exactly
    scale = -54;
    e = <i32>(reinterpret<u64>(x) >> 52);
  }
  const half = (e - 1023) >> 1;
  // x' = x * 2^(-2 half), in [1, 4)
  const xs = reinterpret<f64>((reinterpret<u64>(x) & FRAC) | (<u64>(e - 2 * half) << 52));
  const r = sqrt<f64>(xs);
  const p = r * r;
  const rem = (xs - p) - productError(r, r, p);
  let rb = reinterpret<u64>(r);
  if (rem != 0) {
    raise(FLAG_NX);
    rb = adjust64(rb, rem > 0, false, rm); // a square root is never a tie either
  }
  return rb + (<u64>(half + scale) << 52);
}

// ---------------------------------------------------------------------------------------------
// Fused multiply-add: a*b + c with one rounding. The negated forms flip the signs of a and/or c.

export function f64MulAdd(a: u64, b: u64, c: u64, rm: u32): u64 {
  const ea = <i32>(a >> 52) & 0x7ff;
  const eb = <i32>(b >> 52) & 0x7ff;
  const ec = <i32>(c >> 52) & 0x7ff;
  const es = ea + eb;
  // Fast path: a*b in TwoProduct's safe window (as in f64Mul) and 0 < |c| < 2^1022. Then
  //   a*b = uh + ul, uh + c = th + tl, tl + ul = w + ew, th + w = z + ez   (all exact)
  // so the exact result is X = z + ez + ew, and z = RN(th + w) is RN(X) whenever ew cannot move X
  // across a rounding boundary of z; then the signs of ez/ew give the direction for the other modes.
  if (<u32>(ea - 1) < 2013 && <u32>(eb - 1) < 2013 && es >= 2046 - 970 && es <= 2046 + 1000 && <u32>(ec - 1) < 0x7fc) {
    const r = mulAddFast(a, b, c, rm);
    if (r != 0) return r;
  }
  return mulAddSlow(a, b, c, rm);
}

// Returns 0 when the case is not provably decided here (the result is never +0 on this path).
function mulAddFast(a: u64, b: u64, c: u64, rm: u32): u64 {
  const x = reinterpret<f64>(a);
  const y = reinterpret<f64>(b);
  const zc = reinterpret<f64>(c);
  const uh = x * y;
  const ul = productError(x, y, uh);
  const th = uh + zc;
  let bv = th - uh;
  const tl = (uh - (th - bv)) + (zc - bv);
  const w = tl + ul;
  bv = w - tl;
  const ew = (tl - (w - bv)) + (ul - bv);
  const z = th + w;
  bv = z - th;
  const ez = (th - (z - bv)) + (w - bv);
  const zb = reinterpret<u64>(z);
  const zExp = <i32>(zb >> 52) & 0x7ff; // z normal, at least 2^-1021 (not tiny), one ulp from overflow at most
  if (<u32>(zExp - 2) >= 0x7fc) return 0;
  if (ew == 0) {
    // X = th + w exactly: a correctly rounded sum, as in f64Add.
    if (ez == 0) return zb;
    raise(FLAG_NX);
    if (rm == RM_RNE) return zb;
    const up = ez > 0;
    const n = reinterpret<f64>(up != (zb >> 63 != 0) ? zb + 1 : zb - 1);
    return adjust64(zb, up, ez == (n - z) * 0.5, rm);
  }
  // Exponent fields, with subnormals counted as 1 so that ulp(v) = 2^(E(v) - 1075).
  const rw = reinterpret<u64>(w);
  let ewx = <i32>(rw >> 52) & 0x7ff;
  if (ewx == 0) ewx = 1;
  if (ez == 0) {
    // X = z + ew with |ew| <= ulp(w)/2 <= ulp(z)/8: strictly inside the rounding interval of z.
    if (ewx > zExp - 2) return 0;
    raise(FLAG_NX);
    return adjust64(zb, ew > 0, false, rm);
  }
  // ez is a nonzero multiple of ulp(w) when ulp(w) <= ulp(th), and |ew| <= ulp(w)/2: unless th + w was
  // exactly halfway (|ez| = half the gap to the neighbour), X rounds like th + w and lies on ez's side.
  let etx = <i32>(reinterpret<u64>(th) >> 52) & 0x7ff;
  if (etx == 0) etx = 1;
  if (ewx > etx) return 0;
  const up = ez > 0;
  const n = reinterpret<f64>(up != (zb >> 63 != 0) ? zb + 1 : zb - 1);
  if (ez == (n - z) * 0.5) return 0;
  raise(FLAG_NX);
  return adjust64(zb, up, false, rm);
}

// Integer fused multiply-add for every case, special operands included.
function mulAddSlow(a: u64, b: u64, c: u64, rm: u32): u64 {
  const ea = <i32>(a >> 52) & 0x7ff;
  const eb = <i32>(b >> 52) & 0x7ff;
  const ec = <i32>(c >> 52) & 0x7ff;
  const sp = (a ^ b) & SIGN;
  if (ea == 0x7ff || eb == 0x7ff || ec == 0x7ff) {
    const infZero = (isInf64(a) && isZero64(b)) || (isZero64(a) && isInf64(b));
    if (isNaN64(a) || isNaN64(b) || isNaN64(c)) {
      // RISC-V: inf * 0 is invalid even when the addend is a quiet NaN.
      if (isSNaN64(a) || isSNaN64(b) || isSNaN64(c) || infZero) raise(FLAG_NV);
      return CANON_NAN64;
    }
    if (infZero) return invalid64();
    if (ea == 0x7ff || eb == 0x7ff) {
      if (ec == 0x7ff && (c & SIGN) != sp) return invalid64(); // inf - inf
      return sp | 0x7ff0000000000000;
    }
    return c;
  }
  if (isZero64(a) || isZero64(b)) {
    if (isZero64(c)) return (c & SIGN) == sp ? c : rm == RM_RDN ? SIGN : 0;
    return c;
  }
  if (isZero64(c)) return mulSlow64(a, b, rm);

  // Exact product, 106 bits, normalized with its leading 1 at bit 126 of (phi:plo).
  const ua = unpack64(a);
  const sa = unpackSig;
  const ub = unpack64(b);
  const sb = unpackSig;
  const uc = unpack64(c);
  const sc = unpackSig;
  let expP = ua + ub - 0x3ff;
  let phi = mul64To128(sa << 10, sb << 11);
  let plo = lo128;
  if (phi < 0x4000000000000000) {
    phi = (phi << 1) | (plo >> 63);
    plo <<= 1;
    expP--;
  }
  // Addend on the same scale: leading 1 at bit 126 of (chi:clo). Both values are X * 2^(exp - 1148).
  let chi = sc << 10;
  let clo: u64 = 0;
  const expC = uc - 1;
  const sc2 = c & SIGN;

  let sign: u64;
  let exp: i32;
  let rhi: u64;
  let rlo: u64;
  if (sp == sc2) {
    sign = sp;
    if (expP >= expC) {
      chi = shiftRightJam128(chi, clo, <u32>(expP - expC));
      clo = lo128;
      exp = expP;
    } else {
      phi = shiftRightJam128(phi, plo, <u32>(expC - expP));
      plo = lo128;
      exp = expC;
    }
    rlo = plo + clo;
    rhi = phi + chi + <u64>(rlo < plo);
  } else {
    const pBigger = expP > expC || (expP == expC && (phi > chi || (phi == chi && plo >= clo)));
    if (pBigger) {
      chi = shiftRightJam128(chi, clo, <u32>(expP - expC));
      clo = lo128;
      exp = expP;
      sign = sp;
      rlo = plo - clo;
      rhi = phi - chi - <u64>(plo < clo);
    } else {
      phi = shiftRightJam128(phi, plo, <u32>(expC - expP));
      plo = lo128;
      exp = expC;
      sign = sc2;
      rlo = clo - plo;
      rhi = chi - phi - <u64>(clo < plo);
    }
    if ((rhi | rlo) == 0) return rm == RM_RDN ? SIGN : 0;
  }
  // Leading 1 of the 128-bit sum at bit L; bring it to bit 62 of a 64-bit significand.
  const L: i32 = rhi != 0 ? 127 - <i32>clz<u64>(rhi) : 63 - <i32>clz<u64>(rlo);
  let sig: u64;
  if (L >= 62) {
    const d = <u32>(L - 62);
    shiftRightJam128(rhi, rlo, d); // L <= 127: the shifted value fits in the low 64 bits
    sig = lo128;
  } else {
    sig = rlo << <u64>(62 - L);
  }
  return roundPack64(sign >> 63, exp + L - 126, sig, rm);
}
