// Executes one F/D computational instruction (major opcodes OP-FP, FMADD, FMSUB, FNMSUB, FNMADD) on the
// register files in linear memory. Loads/stores, mstatus.FS checks and marking FS dirty are the hart's.
//
// Singles live NaN-boxed in the 64-bit f registers: a single read from a register whose upper 32 bits
// are not all ones is the canonical NaN; a single written is boxed.
import { FREGS, FCSR } from "../layout";
import { getX, setX } from "./state";
import {
  fflags, clearFlags,
  f64Add, f64Sub, f64Mul, f64Div, f64Sqrt, f64MulAdd,
  f32Add, f32Sub, f32Mul, f32Div, f32Sqrt, f32MulAdd, f64ToF32,
  f64ToInt, f32ToInt, intToF64, intToF32, f32ToF64,
  f64Eq, f64Lt, f64Le, f32Eq, f32Lt, f32Le, f64MinMax, f32MinMax, f64Class, f32Class,
} from "./fpu/index";

const EXECUTED: i32 = 0;
const ILLEGAL: i32 = 1;

// @ts-ignore: decorator
@inline function getF64(r: u32): u64 {
  return load<u64>(FREGS + (r << 3));
}
// @ts-ignore: decorator
@inline function getF32(r: u32): u32 {
  const v = load<u64>(FREGS + (r << 3));
  return v >> 32 == 0xffffffff ? <u32>v : 0x7fc00000;
}
// @ts-ignore: decorator
@inline function setF64(r: u32, v: u64): void {
  store<u64>(FREGS + (r << 3), v);
}
// @ts-ignore: decorator
@inline function setF32(r: u32, v: u32): void {
  store<u64>(FREGS + (r << 3), 0xffffffff00000000 | <u64>v);
}

// The rounding mode an instruction uses: its rm field, or frm when rm is DYN (7). -1 when reserved.
// @ts-ignore: decorator
@inline function roundingMode(rm: u32): i32 {
  if (rm == 7) rm = (load<u32>(FCSR) >> 5) & 7;
  return rm <= 4 ? <i32>rm : -1;
}

// @ts-ignore: decorator
@inline function retire(): i32 {
  if (fflags != 0) store<u32>(FCSR, load<u32>(FCSR) | fflags);
  return EXECUTED;
}

export function execFp(inst: u32): i32 {
  const opcode = inst & 0x7f;
  const rd = (inst >> 7) & 31;
  const funct3 = (inst >> 12) & 7;
  const rs1 = (inst >> 15) & 31;
  const rs2 = (inst >> 20) & 31;
  const fmt = (inst >> 25) & 3;
  const funct5 = inst >> 27;
  if (fmt > 1) return ILLEGAL; // H and Q are not implemented
  const isD = fmt == 1;
  clearFlags();

  if (opcode != 0x53) {
    if (opcode != 0x43 && opcode != 0x47 && opcode != 0x4b && opcode != 0x4f) return ILLEGAL;
    const rm = roundingMode(funct3);
    if (rm < 0) return ILLEGAL;
    const rs3 = inst >> 27;
    const negProduct = opcode == 0x4b || opcode == 0x4f; // fnmsub, fnmadd
    const negAddend = opcode == 0x47 || opcode == 0x4f; // fmsub, fnmadd
    if (isD) {
      const a = getF64(rs1) ^ (negProduct ? 0x8000000000000000 : 0);
      const c = getF64(rs3) ^ (negAddend ? 0x8000000000000000 : 0);
      setF64(rd, f64MulAdd(a, getF64(rs2), c, <u32>rm));
    } else {
      const a = getF32(rs1) ^ (negProduct ? 0x80000000 : 0);
      const c = getF32(rs3) ^ (negAddend ? 0x80000000 : 0);
      setF32(rd, f32MulAdd(a, getF32(rs2), c, <u32>rm));
    }
    return retire();
  }

  switch (funct5) {
    case 0x00: // fadd
    case 0x01: // fsub
    case 0x02: // fmul
    case 0x03: { // fdiv
      const rm = roundingMode(funct3);
      if (rm < 0) return ILLEGAL;
      if (isD) {
        const a = getF64(rs1);
        const b = getF64(rs2);
        setF64(rd, funct5 == 0 ? f64Add(a, b, rm) : funct5 == 1 ? f64Sub(a, b, rm)
          : funct5 == 2 ? f64Mul(a, b, rm) : f64Div(a, b, rm));
      } else {
        const a = getF32(rs1);
        const b = getF32(rs2);
        setF32(rd, funct5 == 0 ? f32Add(a, b, rm) : funct5 == 1 ? f32Sub(a, b, rm)
          : funct5 == 2 ? f32Mul(a, b, rm) : f32Div(a, b, rm));
      }
      return retire();
    }
    case 0x0b: { // fsqrt
      if (rs2 != 0) return ILLEGAL;
      const rm = roundingMode(funct3);
      if (rm < 0) return ILLEGAL;
      if (isD) setF64(rd, f64Sqrt(getF64(rs1), rm));
      else setF32(rd, f32Sqrt(getF32(rs1), rm));
      return retire();
    }
    case 0x04: { // fsgnj, fsgnjn, fsgnjx
      if (funct3 > 2) return ILLEGAL;
      if (isD) {
        const a = getF64(rs1);
        const b = getF64(rs2);
        const s = funct3 == 0 ? b : funct3 == 1 ? ~b : a ^ b;
        setF64(rd, (a & 0x7fffffffffffffff) | (s & 0x8000000000000000));
      } else {
        const a = getF32(rs1);
        const b = getF32(rs2);
        const s = funct3 == 0 ? b : funct3 == 1 ? ~b : a ^ b;
        setF32(rd, (a & 0x7fffffff) | (s & 0x80000000));
      }
      return EXECUTED; // never raises
    }
    case 0x05: { // fmin, fmax
      if (funct3 > 1) return ILLEGAL;
      if (isD) setF64(rd, f64MinMax(getF64(rs1), getF64(rs2), funct3 == 1));
      else setF32(rd, f32MinMax(getF32(rs1), getF32(rs2), funct3 == 1));
      return retire();
    }
    case 0x08: { // fcvt.s.d (fmt S, rs2 = D), fcvt.d.s (fmt D, rs2 = S)
      if (rs2 != (isD ? 0 : 1)) return ILLEGAL;
      const rm = roundingMode(funct3);
      if (rm < 0) return ILLEGAL;
      if (isD) setF64(rd, f32ToF64(getF32(rs1)));
      else setF32(rd, f64ToF32(getF64(rs1), rm));
      return retire();
    }
    case 0x14: { // fle, flt, feq
      if (funct3 > 2) return ILLEGAL;
      let r: u64;
      if (isD) {
        const a = getF64(rs1);
        const b = getF64(rs2);
        r = funct3 == 2 ? f64Eq(a, b) : funct3 == 1 ? f64Lt(a, b) : f64Le(a, b);
      } else {
        const a = getF32(rs1);
        const b = getF32(rs2);
        r = funct3 == 2 ? f32Eq(a, b) : funct3 == 1 ? f32Lt(a, b) : f32Le(a, b);
      }
      setX(rd, r);
      return retire();
    }
    case 0x18: { // fcvt.{w,wu,l,lu}.fmt
      if (rs2 > 3) return ILLEGAL;
      const rm = roundingMode(funct3);
      if (rm < 0) return ILLEGAL;
      setX(rd, isD ? f64ToInt(getF64(rs1), rm, rs2) : f32ToInt(getF32(rs1), rm, rs2));
      return retire();
    }
    case 0x1a: { // fcvt.fmt.{w,wu,l,lu}
      if (rs2 > 3) return ILLEGAL;
      const rm = roundingMode(funct3);
      if (rm < 0) return ILLEGAL;
      const v = getX(rs1);
      if (isD) setF64(rd, intToF64(v, rs2, rm));
      else setF32(rd, intToF32(v, rs2, rm));
      return retire();
    }
    case 0x1c: { // fmv.x.{w,d}, fclass
      if (rs2 != 0 || funct3 > 1) return ILLEGAL;
      if (funct3 == 0) {
        // The raw low bits, whether or not the register holds a boxed single.
        const v = getF64(rs1);
        setX(rd, isD ? v : <u64><i64><i32><u32>v);
      } else {
        setX(rd, isD ? f64Class(getF64(rs1)) : f32Class(getF32(rs1)));
      }
      return EXECUTED;
    }
    case 0x1e: { // fmv.{w,d}.x
      if (rs2 != 0 || funct3 != 0) return ILLEGAL;
      const v = getX(rs1);
      if (isD) setF64(rd, v);
      else setF32(rd, <u32>v);
      return EXECUTED;
    }
  }
  return ILLEGAL;
}
