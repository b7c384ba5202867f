// Trap entry (exceptions and interrupts, with delegation) and the xRET instructions.
import * as S from "./state";
import { irqLines, MIP_STIP } from "../irq";
import { mtimeNow } from "../devices/clint";
import { invalidateFetchPage } from "./mmu";

/** Enters the trap handler for `cause` (interrupt when `interrupt`), with epc = S.pc. */
export function takeTrap(cause: u64, interrupt: bool, tval: u64): void {
  const bit = <u64>1 << (cause & 63);
  const deleg = interrupt ? S.mideleg : S.medeleg;
  const causeReg = interrupt ? (cause | (<u64>1 << 63)) : cause;
  let ms = S.mstatus;
  if (S.priv <= S.PRV_S && (deleg & bit) != 0) {
    S.scause = causeReg;
    S.sepc = S.pc;
    S.stval = tval;
    ms = (ms & ~S.MSTATUS_SPIE) | ((ms & S.MSTATUS_SIE) << 4);
    ms &= ~S.MSTATUS_SIE;
    ms = (ms & ~S.MSTATUS_SPP) | (<u64>S.priv << 8);
    const base = S.stvec & ~<u64>3;
    S.pc = (interrupt && (S.stvec & 3) == 1) ? base + (cause << 2) : base;
    S.priv = S.PRV_S;
  } else {
    S.mcause = causeReg;
    S.mepc = S.pc;
    S.mtval = tval;
    ms = (ms & ~S.MSTATUS_MPIE) | ((ms & S.MSTATUS_MIE) << 4);
    ms &= ~S.MSTATUS_MIE;
    ms = (ms & ~S.MSTATUS_MPP) | (<u64>S.priv << 11);
    const base = S.mtvec & ~<u64>3;
    S.pc = (interrupt && (S.mtvec & 3) == 1) ? base + (cause << 2) : base;
    S.priv = S.PRV_M;
  }
  S.mstatus = ms;
  S.recomputeTags();
  invalidateFetchPage();
}

export function doMret(): void {
  let ms = S.mstatus;
  const mpp = <i32>((ms >> 11) & 3);
  ms = (ms & ~S.MSTATUS_MIE) | ((ms >> 4) & S.MSTATUS_MIE);
  ms |= S.MSTATUS_MPIE;
  ms &= ~S.MSTATUS_MPP;           // MPP ← U
  // QEMU 7.2 leaves MPRV alone on xRET (the 1.12 rule that clears it came later).
  S.mstatus = ms;
  S.pc = S.mepc;
  S.priv = mpp;
  S.recomputeTags();
  invalidateFetchPage();
}

export function doSret(): void {
  let ms = S.mstatus;
  const spp = <i32>((ms >> 8) & 1);
  ms = (ms & ~S.MSTATUS_SIE) | ((ms >> 4) & S.MSTATUS_SIE);
  ms |= S.MSTATUS_SPIE;
  ms &= ~S.MSTATUS_SPP;
  S.mstatus = ms;
  S.pc = S.sepc;
  S.priv = spp;
  S.recomputeTags();
  invalidateFetchPage();
}

/** mip as the hart sees it: software bits, device lines, and Sstc's STIP. */
export function effectiveMip(): u64 {
  let m = S.mip | irqLines(S.hartId);
  if ((S.menvcfg >> 63) != 0) {
    m = (m & ~MIP_STIP) | (mtimeNow() >= S.stimecmp ? MIP_STIP : 0);
  }
  return m;
}

// Priority order of the privileged spec: MEI, MSI, MTI, SEI, SSI, STI.
const PRIORITY: StaticArray<u8> = [11, 3, 7, 9, 1, 5];

/** Interrupts that are pending and enabled, regardless of global enables (what wakes WFI). */
export function pendingEnabled(): u64 { return effectiveMip() & S.mie; }

/**
 * Takes the highest-priority interrupt that may be taken now. Returns true if one was taken.
 * Inlined: run()'s loop keeps it inline whatever else (the debugger's loop) calls it.
 */
@inline export function checkInterrupts(): bool {
  const pend = pendingEnabled();
  if (pend == 0) return false;
  const mEnabled = S.priv < S.PRV_M || (S.mstatus & S.MSTATUS_MIE) != 0;
  const sEnabled = S.priv < S.PRV_S || (S.priv == S.PRV_S && (S.mstatus & S.MSTATUS_SIE) != 0);
  const mPend = mEnabled ? (pend & ~S.mideleg) : 0;
  const sPend = sEnabled ? (pend & S.mideleg) : 0;
  const take = mPend != 0 ? mPend : sPend;
  if (take == 0) return false;
  for (let i = 0; i < 6; i++) {
    const c = <u64>unchecked(PRIORITY[i]);
    if ((take & (<u64>1 << c)) != 0) {
      S.waiting = false;
      takeTrap(c, true, 0);
      return true;
    }
  }
  return false;
}
