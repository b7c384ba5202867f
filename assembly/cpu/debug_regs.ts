// The active hart's registers as a debugger numbers them (QEMU's riscv64 gdb layout):
// 0..31 x0..x31, 32 pc, 33..64 f0..f31, 65 the privilege level ("priv", a virtual register),
// 66 + n the CSR numbered n. CSRs are read and written with the debugger's rights, as QEMU's
// riscv_csrrw_debug does: whatever the hart's privilege, and FP CSRs even with FS = Off.
import { XREGS, FREGS } from "../layout";
import * as S from "./state";
import { csrRead, csrWrite, csrIllegal } from "./csr";
import * as CSR from "./csr";

// The numbering is shared with the host (src/machine/core-abi.json debugRegs).
import { REG_PC, REG_F0, REG_PRIV, REG_CSR0 } from "../generated/abi";
export { REG_PC, REG_F0, REG_PRIV, REG_CSR0 };
export const REG_COUNT: i32 = REG_CSR0 + 4096;

/** Set by debugRead/debugWrite when the register does not exist (the CSR is not implemented or is read-only). */
export let regMissing: bool = false;

function isFpCsr(addr: u32): bool { return addr >= 1 && addr <= 3; }

/** Reads CSR `addr` as a debugger. regMissing tells whether it exists. */
export function csrDebugRead(addr: u32, forWrite: bool): u64 {
  const priv = S.priv, ms = S.mstatus;
  S.priv = S.PRV_M;
  if (isFpCsr(addr) && (ms & S.MSTATUS_FS) == 0) S.mstatus = ms | (<u64>1 << 13);
  const v = csrRead(addr, forWrite);
  S.priv = priv;
  S.mstatus = ms;
  regMissing = csrIllegal;
  return v;
}

export function debugRead(n: i32): u64 {
  regMissing = false;
  if (n >= 0 && n < 32) return n == 0 ? 0 : load<u64>(XREGS + (<u32>n << 3));
  if (n == REG_PC) return S.pc;
  if (n >= REG_F0 && n < REG_F0 + 32) return load<u64>(FREGS + (<u32>(n - REG_F0) << 3));
  if (n == REG_PRIV) return <u64>S.priv;
  if (n >= REG_CSR0 && n < REG_COUNT) return csrDebugRead(<u32>(n - REG_CSR0), false);
  regMissing = true;
  return 0;
}

export function debugWrite(n: i32, v: u64): void {
  regMissing = false;
  if (n >= 0 && n < 32) { if (n != 0) store<u64>(XREGS + (<u32>n << 3), v); return; }
  if (n == REG_PC) { S.pc = v; return; }
  if (n >= REG_F0 && n < REG_F0 + 32) { store<u64>(FREGS + (<u32>(n - REG_F0) << 3), v); return; }
  if (n == REG_PRIV) {
    // QEMU: the low two bits; the reserved level 2 becomes S.
    let p = <i32>(v & 3);
    if (p == 2) p = S.PRV_S;
    S.priv = p;
    S.recomputeTags();
    return;
  }
  if (n >= REG_CSR0 && n < REG_COUNT) {
    const addr = <u32>(n - REG_CSR0);
    csrDebugRead(addr, true);
    if (regMissing) return;
    const priv = S.priv;
    S.priv = S.PRV_M;
    csrWrite(addr, v);
    S.priv = priv;
    CSR.csrSideEffect = false;
    return;
  }
  regMissing = true;
}
