// Exception flags and rounding modes of the FPU library (RISC-V fcsr encoding).
// Every operation ORs its flags into `fflags`; the instruction executor clears it
// before an instruction and moves it into FCSR afterwards.

export const FLAG_NV: u32 = 16; // invalid operation
export const FLAG_DZ: u32 = 8; // divide by zero
export const FLAG_OF: u32 = 4; // overflow
export const FLAG_UF: u32 = 2; // underflow (tiny after rounding and inexact)
export const FLAG_NX: u32 = 1; // inexact

export const RM_RNE: u32 = 0; // to nearest, ties to even
export const RM_RTZ: u32 = 1; // toward zero
export const RM_RDN: u32 = 2; // toward -infinity
export const RM_RUP: u32 = 3; // toward +infinity
export const RM_RMM: u32 = 4; // to nearest, ties away from zero

// RISC-V never propagates NaN payloads: every NaN result is the canonical one.
export const CANON_NAN32: u32 = 0x7fc00000;
export const CANON_NAN64: u64 = 0x7ff8000000000000;

export let fflags: u32 = 0;

// @ts-ignore: decorator
@inline export function raise(f: u32): void {
  fflags |= f;
}

export function clearFlags(): void {
  fflags = 0;
}

export function getFlags(): u32 {
  return fflags;
}
