// Rounding and packing of an exact (or sticky-jammed) intermediate into binary32/binary64,
// for all five RISC-V rounding modes, with tininess detected after rounding.
import { raise, FLAG_NX, FLAG_OF, FLAG_UF, RM_RNE, RM_RMM, RM_RDN, RM_RUP } from "./flags";

// a >> d, with a 1 ORed into bit 0 when any 1 bit was shifted out ("jamming"), so that a later
// rounding still knows the value was not exact.
// @ts-ignore: decorator
@inline export function shiftRightJam64(a: u64, d: u32): u64 {
  if (d == 0) return a;
  if (d < 63) return (a >> d) | <u64>((a << (64 - d)) != 0);
  return <u64>(a != 0);
}

// @ts-ignore: decorator
@inline export function shiftRightJam32(a: u32, d: u32): u32 {
  if (d == 0) return a;
  if (d < 31) return (a >> d) | <u32>((a << (32 - d)) != 0);
  return <u32>(a != 0);
}

// Binary64 from sign, exponent and significand. `sig` has its leading 1 at bit 62 and 10 bits below
// the final ulp (bit 0 sticky). The value is sig * 2^(exp - 1084), i.e. for a normal result exp is the
// biased exponent minus one (the leading bit adds the one back when packed by addition).
export function roundPack64(sign: u64, exp: i32, sig: u64, rm: u32): u64 {
  let inc: u64 = 0x200;
  if (rm != RM_RNE && rm != RM_RMM) {
    inc = rm == (sign != 0 ? RM_RDN : RM_RUP) ? 0x3ff : 0;
  }
  let roundBits = sig & 0x3ff;
  if (<u32>exp >= 0x7fd) {
    if (exp < 0) {
      // Tiny after rounding: the value rounded to 53 bits with an unbounded exponent is below 2^-1022.
      const tiny = exp < -1 || sig + inc < 0x8000000000000000;
      sig = shiftRightJam64(sig, <u32>-exp);
      exp = 0;
      roundBits = sig & 0x3ff;
      if (tiny && roundBits != 0) raise(FLAG_UF);
    } else if (exp > 0x7fd || sig + inc >= 0x8000000000000000) {
      raise(FLAG_OF | FLAG_NX);
      // Infinity, or the largest finite number when the mode rounds toward zero for this sign.
      return ((sign << 63) | 0x7ff0000000000000) - <u64>(inc == 0);
    }
  }
  if (roundBits != 0) raise(FLAG_NX);
  sig = (sig + inc) >> 10;
  if (rm == RM_RNE && roundBits == 0x200) sig &= ~(<u64>1);
  if (sig == 0) exp = 0;
  return (sign << 63) + (<u64>exp << 52) + sig;
}

// Like roundPack64 for any nonzero sig below 2^63: normalizes the leading 1 to bit 62 first.
export function normRoundPack64(sign: u64, exp: i32, sig: u64, rm: u32): u64 {
  const sh = <i32>clz<u64>(sig) - 1;
  return roundPack64(sign, exp - sh, sig << sh, rm);
}

// Binary32: `sig` has its leading 1 at bit 30 and 7 rounding bits; value = sig * 2^(exp - 156).
export function roundPack32(sign: u32, exp: i32, sig: u32, rm: u32): u32 {
  let inc: u32 = 0x40;
  if (rm != RM_RNE && rm != RM_RMM) {
    inc = rm == (sign != 0 ? RM_RDN : RM_RUP) ? 0x7f : 0;
  }
  let roundBits = sig & 0x7f;
  if (<u32>exp >= 0xfd) {
    if (exp < 0) {
      const tiny = exp < -1 || sig + inc < 0x80000000;
      sig = shiftRightJam32(sig, <u32>-exp);
      exp = 0;
      roundBits = sig & 0x7f;
      if (tiny && roundBits != 0) raise(FLAG_UF);
    } else if (exp > 0xfd || sig + inc >= 0x80000000) {
      raise(FLAG_OF | FLAG_NX);
      return ((sign << 31) | 0x7f800000) - <u32>(inc == 0);
    }
  }
  if (roundBits != 0) raise(FLAG_NX);
  sig = (sig + inc) >> 7;
  if (rm == RM_RNE && roundBits == 0x40) sig &= ~(<u32>1);
  if (sig == 0) exp = 0;
  return (sign << 31) + (<u32>exp << 23) + sig;
}

// Binary32 nearest (per rm) to the nonzero integer `mag`.
export function roundPack32FromU64(sign: u32, mag: u64, rm: u32): u32 {
  const sh = <i32>clz<u64>(mag);
  const sig = <u32>shiftRightJam64(mag << sh, 33);
  return roundPack32(sign, 189 - sh, sig, rm);
}

// Neighbour of a finite nonzero binary64 pattern, one ulp toward +inf (up) or -inf.
// @ts-ignore: decorator
@inline export function stepToward64(r: u64, up: bool): u64 {
  return up != (r >> 63 != 0) ? r + 1 : r - 1;
}

// @ts-ignore: decorator
@inline export function stepToward32(r: u32, up: bool): u32 {
  return up != (r >> 31 != 0) ? r + 1 : r - 1;
}

// Given r = the round-to-nearest-even result of an operation (finite, nonzero, and far enough from
// overflow that one more ulp stays finite), the direction of the exact result (above r or below r)
// and whether the exact result lies exactly halfway to the next representable number, returns the
// result in rounding mode rm. The exact result is never equal to r here (the caller checked).
export function adjust64(r: u64, up: bool, tie: bool, rm: u32): u64 {
  if (rm == RM_RNE) return r;
  const n = stepToward64(r, up);
  const towardZero = up == (r >> 63 != 0); // the exact value has a smaller magnitude than r
  if (rm == RM_RDN) return up ? r : n;
  if (rm == RM_RUP) return up ? n : r;
  if (rm == RM_RMM) return tie && !towardZero ? n : r;
  return towardZero ? n : r; // RTZ
}

export function adjust32(r: u32, up: bool, tie: bool, rm: u32): u32 {
  if (rm == RM_RNE) return r;
  const n = stepToward32(r, up);
  const towardZero = up == (r >> 31 != 0);
  if (rm == RM_RDN) return up ? r : n;
  if (rm == RM_RUP) return up ? n : r;
  if (rm == RM_RMM) return tie && !towardZero ? n : r;
  return towardZero ? n : r;
}
