// The M extension's high-half multiplies and divisions with RISC-V's results for division by
// zero and overflow (no traps), shared by the interpreter and translated code.

export function mulhu(a: u64, b: u64): u64 {
  const a0 = a & 0xffff_ffff, a1 = a >> 32, b0 = b & 0xffff_ffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffff_ffff) + (p10 & 0xffff_ffff);
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}
export function mulh(a: u64, b: u64): u64 {
  let r = mulhu(a, b);
  if (<i64>a < 0) r -= b;
  if (<i64>b < 0) r -= a;
  return r;
}
export function mulhsu(a: u64, b: u64): u64 {
  let r = mulhu(a, b);
  if (<i64>a < 0) r -= b;
  return r;
}
@inline function sext32(v: u64): u64 { return <u64><i64><i32>v; }

/** OP (f3 1..7) and OP-32 (8 + f3, f3 4..7) M-extension results other than mul/mulw. */
export function mulDiv(a: u64, b: u64, op: i32): u64 {
  switch (op) {
    case 1: return mulh(a, b);
    case 2: return mulhsu(a, b);
    case 3: return mulhu(a, b);
    case 4: return b == 0 ? 0xffff_ffff_ffff_ffff : (a == 0x8000_0000_0000_0000 && b == 0xffff_ffff_ffff_ffff) ? a : <u64>(<i64>a / <i64>b);
    case 5: return b == 0 ? 0xffff_ffff_ffff_ffff : a / b;
    case 6: return b == 0 ? a : (a == 0x8000_0000_0000_0000 && b == 0xffff_ffff_ffff_ffff) ? 0 : <u64>(<i64>a % <i64>b);
    case 7: return b == 0 ? a : a % b;
  }
  const ua = <u32>a, ub = <u32>b, sa = <i32>ua, sb = <i32>ub;
  switch (op) {
    case 12: return sext32(<u64><u32>(sb == 0 ? -1 : (sa == i32.MIN_VALUE && sb == -1) ? sa : sa / sb));
    case 13: return sext32(<u64>(ub == 0 ? 0xffff_ffff : ua / ub));
    case 14: return sext32(<u64><u32>(sb == 0 ? sa : (sa == i32.MIN_VALUE && sb == -1) ? 0 : sa % sb));
    default: return sext32(<u64>(ub == 0 ? ua : ua % ub));
  }
}
