// The active hart's architectural state. Hot fields are wasm globals; integer and FP
// registers live at fixed addresses (assembly/layout.ts). Other harts' state is parked in
// HART_CTX slots and swapped in by switchHart (once per time slice).
import { XREGS, FREGS, FCSR, HART_CTX, HART_CTX_SIZE } from "../layout";
import * as A from "../generated/abi";

export const PRV_U: i32 = 0;
export const PRV_S: i32 = 1;
export const PRV_M: i32 = 3;

export let hartId: i32 = 0;
export let hartCount: i32 = 1;
export let pc: u64 = 0;
export let priv: i32 = PRV_M;

export let mstatus: u64 = 0;
export let medeleg: u64 = 0;
export let mideleg: u64 = 0;
export let mie: u64 = 0;
export let mip: u64 = 0;          // software-written bits; device lines are in irq.ts
export let mtvec: u64 = 0;
export let stvec: u64 = 0;
export let mepc: u64 = 0;
export let sepc: u64 = 0;
export let mcause: u64 = 0;
export let scause: u64 = 0;
export let mtval: u64 = 0;
export let stval: u64 = 0;
export let mscratch: u64 = 0;
export let sscratch: u64 = 0;
export let mcounteren: u64 = 0;
export let scounteren: u64 = 0;
export let mcountinhibit: u64 = 0;
export let menvcfg: u64 = 0;
export let senvcfg: u64 = 0;
export let satp: u64 = 0;
export let stimecmp: u64 = 0;
export let instret: u64 = 0;      // retired instructions (also drives mcycle)
export let cycleOffset: i64 = 0;  // mcycle = instret + cycleOffset (mcycle is writable)
export let instretOffset: i64 = 0;
export let resAddr: u64 = 0xffff_ffff_ffff_ffff;  // LR reservation (physical address)
export let resValue: u64 = 0;
export let waiting: bool = false; // in WFI
// pmp: 16 entries as QEMU 7.2 (pmpcfg0/pmpcfg2 hold 8 entries each).
export let pmpcfg0: u64 = 0;
export let pmpcfg2: u64 = 0;
export const PMP_ENTRIES: i32 = 16;
// pmpaddr[0..15] live in the context memory (below), the active copy here:
export const PMPADDR: u32 = XREGS + 0x300;   // 16 * 8 bytes, after FCSR
// Performance-monitor CSRs as QEMU 7.2's virt CPU has them: mhpmcounter3..18 hold what is
// written (16 counters, nothing counts), mhpmevent3..31 likewise.
export const HPM_COUNTERS: i32 = 16;
export const MHPMCOUNTER: u32 = XREGS + 0x400;  // 16 * 8
export const MHPMEVENT: u32 = XREGS + 0x480;    // 29 * 8
const HPM_BYTES: u32 = 0x80 + 29 * 8;

// Tag bits that make TLB entries specific to a privilege / SUM / MXR combination,
// so that traps and SUM toggles need no TLB flush.
export let dataTag: u64 = 3;
export let fetchTag: u64 = 3;

// mstatus fields
export const MSTATUS_SIE: u64 = 1 << 1;
export const MSTATUS_MIE: u64 = 1 << 3;
export const MSTATUS_SPIE: u64 = 1 << 5;
export const MSTATUS_UBE: u64 = 1 << 6;
export const MSTATUS_MPIE: u64 = 1 << 7;
export const MSTATUS_SPP: u64 = 1 << 8;
export const MSTATUS_VS: u64 = 3 << 9;
export const MSTATUS_MPP: u64 = 3 << 11;
export const MSTATUS_FS: u64 = 3 << 13;
export const MSTATUS_XS: u64 = 3 << 15;
export const MSTATUS_MPRV: u64 = 1 << 17;
export const MSTATUS_SUM: u64 = 1 << 18;
export const MSTATUS_MXR: u64 = 1 << 19;
export const MSTATUS_TVM: u64 = 1 << 20;
export const MSTATUS_TW: u64 = 1 << 21;
export const MSTATUS_TSR: u64 = 1 << 22;
export const MSTATUS_UXL: u64 = <u64>3 << 32;
export const MSTATUS_SXL: u64 = <u64>3 << 34;
export const MSTATUS_SD: u64 = <u64>1 << 63;

export function recomputeTags(): void {
  let eff = priv;
  if (priv == PRV_M && (mstatus & MSTATUS_MPRV) != 0) eff = <i32>((mstatus >> 11) & 3);
  dataTag = <u64>eff | (((mstatus >> 18) & 1) << 2) | (((mstatus >> 19) & 1) << 3);
  fetchTag = <u64>priv;
}

/** Privilege used for loads/stores (MPRV applies). */
@inline export function dataPriv(): i32 { return <i32>(dataTag & 3); }

@inline export function getX(r: u32): u64 { return load<u64>(XREGS + (r << 3)); }
@inline export function setX(r: u32, v: u64): void { if (r != 0) store<u64>(XREGS + (r << 3), v); }

// ---- context switching between harts ----
// The layout of a context slot is src/machine/core-abi.json's hartContext (generated CTX_* offsets), which
// the host's register dumps read too: a word added there is saved here, in loadHart, and nowhere else.

@inline function ctx(h: i32): u32 { return HART_CTX + <u32>h * HART_CTX_SIZE; }

export function saveHart(): void {
  const c = ctx(hartId);
  memory.copy(c + A.CTX_X, XREGS, 0x100);
  store<u64>(c + A.CTX_X, 0);   // the loop may leave a discarded write in x0's slot
  memory.copy(c + A.CTX_F, FREGS, 0x100);
  store<u32>(c + A.CTX_FCSR, load<u32>(FCSR));
  memory.copy(c + A.CTX_PMPADDR, PMPADDR, 0x80);
  memory.copy(c + A.CTX_HPM, MHPMCOUNTER, HPM_BYTES);
  store<u64>(c + A.CTX_PC, pc); store<u64>(c + A.CTX_PRIV, <u64>priv); store<u64>(c + A.CTX_MSTATUS, mstatus);
  store<u64>(c + A.CTX_MEDELEG, medeleg); store<u64>(c + A.CTX_MIDELEG, mideleg); store<u64>(c + A.CTX_MIE, mie);
  store<u64>(c + A.CTX_MIP, mip); store<u64>(c + A.CTX_MTVEC, mtvec); store<u64>(c + A.CTX_STVEC, stvec);
  store<u64>(c + A.CTX_MEPC, mepc); store<u64>(c + A.CTX_SEPC, sepc); store<u64>(c + A.CTX_MCAUSE, mcause);
  store<u64>(c + A.CTX_SCAUSE, scause); store<u64>(c + A.CTX_MTVAL, mtval); store<u64>(c + A.CTX_STVAL, stval);
  store<u64>(c + A.CTX_MSCRATCH, mscratch); store<u64>(c + A.CTX_SSCRATCH, sscratch);
  store<u64>(c + A.CTX_MCOUNTEREN, mcounteren); store<u64>(c + A.CTX_SCOUNTEREN, scounteren);
  store<u64>(c + A.CTX_MCOUNTINHIBIT, mcountinhibit); store<u64>(c + A.CTX_MENVCFG, menvcfg);
  store<u64>(c + A.CTX_SENVCFG, senvcfg); store<u64>(c + A.CTX_SATP, satp); store<u64>(c + A.CTX_STIMECMP, stimecmp);
  store<u64>(c + A.CTX_INSTRET, instret); store<i64>(c + A.CTX_CYCLE_OFFSET, cycleOffset);
  store<i64>(c + A.CTX_INSTRET_OFFSET, instretOffset); store<u64>(c + A.CTX_RES_ADDR, resAddr);
  store<u64>(c + A.CTX_RES_VALUE, resValue); store<u64>(c + A.CTX_WAITING, waiting ? 1 : 0);
  store<u64>(c + A.CTX_PMPCFG0, pmpcfg0); store<u64>(c + A.CTX_PMPCFG2, pmpcfg2);
}

export function loadHart(h: i32): void {
  hartId = h;
  const c = ctx(h);
  memory.copy(XREGS, c + A.CTX_X, 0x100);
  memory.copy(FREGS, c + A.CTX_F, 0x100);
  store<u32>(FCSR, load<u32>(c + A.CTX_FCSR));
  memory.copy(PMPADDR, c + A.CTX_PMPADDR, 0x80);
  memory.copy(MHPMCOUNTER, c + A.CTX_HPM, HPM_BYTES);
  pc = load<u64>(c + A.CTX_PC); priv = <i32>load<u64>(c + A.CTX_PRIV); mstatus = load<u64>(c + A.CTX_MSTATUS);
  medeleg = load<u64>(c + A.CTX_MEDELEG); mideleg = load<u64>(c + A.CTX_MIDELEG); mie = load<u64>(c + A.CTX_MIE);
  mip = load<u64>(c + A.CTX_MIP); mtvec = load<u64>(c + A.CTX_MTVEC); stvec = load<u64>(c + A.CTX_STVEC);
  mepc = load<u64>(c + A.CTX_MEPC); sepc = load<u64>(c + A.CTX_SEPC); mcause = load<u64>(c + A.CTX_MCAUSE);
  scause = load<u64>(c + A.CTX_SCAUSE); mtval = load<u64>(c + A.CTX_MTVAL); stval = load<u64>(c + A.CTX_STVAL);
  mscratch = load<u64>(c + A.CTX_MSCRATCH); sscratch = load<u64>(c + A.CTX_SSCRATCH);
  mcounteren = load<u64>(c + A.CTX_MCOUNTEREN); scounteren = load<u64>(c + A.CTX_SCOUNTEREN);
  mcountinhibit = load<u64>(c + A.CTX_MCOUNTINHIBIT); menvcfg = load<u64>(c + A.CTX_MENVCFG);
  senvcfg = load<u64>(c + A.CTX_SENVCFG); satp = load<u64>(c + A.CTX_SATP); stimecmp = load<u64>(c + A.CTX_STIMECMP);
  instret = load<u64>(c + A.CTX_INSTRET); cycleOffset = load<i64>(c + A.CTX_CYCLE_OFFSET);
  instretOffset = load<i64>(c + A.CTX_INSTRET_OFFSET); resAddr = load<u64>(c + A.CTX_RES_ADDR);
  resValue = load<u64>(c + A.CTX_RES_VALUE); waiting = load<u64>(c + A.CTX_WAITING) != 0;
  pmpcfg0 = load<u64>(c + A.CTX_PMPCFG0); pmpcfg2 = load<u64>(c + A.CTX_PMPCFG2);
  recomputeTags();
}

/** Architectural reset state of hart h, written into its context slot. */
export function resetHartContext(h: i32, startPc: u64): void {
  const c = ctx(h);
  memory.fill(c, 0, HART_CTX_SIZE);
  store<u64>(c + A.CTX_PC, startPc);
  store<u64>(c + A.CTX_PRIV, <u64>PRV_M);
  // mstatus: UXL = SXL = 2 (64-bit), everything else 0.
  store<u64>(c + A.CTX_MSTATUS, (<u64>2 << 32) | (<u64>2 << 34));
  store<u64>(c + A.CTX_RES_ADDR, 0xffff_ffff_ffff_ffff);
}

/** Physical address of hart h's saved context (for the host's register dumps). */
export function hartContextPtr(h: i32): u32 { return ctx(h); }
