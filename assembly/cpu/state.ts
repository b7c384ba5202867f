// The active hart's architectural state. Hot fields are wasm globals; integer and FP
// registers live at fixed addresses (layout.ts). Other harts' state is parked in
// HART_CTX slots and swapped in by switchHart (once per time slice).
import { XREGS, FREGS, FCSR, HART_CTX, HART_CTX_SIZE } from "../layout";

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
// Layout of a context slot: [0..256) x, [256..512) f, 512 fcsr, [768..896) pmpaddr, then CSR words.
const CTX_X: u32 = 0;
const CTX_F: u32 = 0x100;
const CTX_FCSR: u32 = 0x200;
const CTX_PMP: u32 = 0x300;
const CTX_CSR: u32 = 0x400;
const CTX_HPM: u32 = 0x600;

@inline function ctx(h: i32): u32 { return HART_CTX + <u32>h * HART_CTX_SIZE; }

export function saveHart(): void {
  const c = ctx(hartId);
  memory.copy(c + CTX_X, XREGS, 0x100);
  store<u64>(c + CTX_X, 0);   // the loop may leave a discarded write in x0's slot
  memory.copy(c + CTX_F, FREGS, 0x100);
  store<u32>(c + CTX_FCSR, load<u32>(FCSR));
  memory.copy(c + CTX_PMP, PMPADDR, 0x80);
  memory.copy(c + CTX_HPM, MHPMCOUNTER, HPM_BYTES);
  const p = c + CTX_CSR;
  store<u64>(p, pc, 0); store<u64>(p, <u64>priv, 8); store<u64>(p, mstatus, 16);
  store<u64>(p, medeleg, 24); store<u64>(p, mideleg, 32); store<u64>(p, mie, 40);
  store<u64>(p, mip, 48); store<u64>(p, mtvec, 56); store<u64>(p, stvec, 64);
  store<u64>(p, mepc, 72); store<u64>(p, sepc, 80); store<u64>(p, mcause, 88);
  store<u64>(p, scause, 96); store<u64>(p, mtval, 104); store<u64>(p, stval, 112);
  store<u64>(p, mscratch, 120); store<u64>(p, sscratch, 128); store<u64>(p, mcounteren, 136);
  store<u64>(p, scounteren, 144); store<u64>(p, mcountinhibit, 152); store<u64>(p, menvcfg, 160);
  store<u64>(p, senvcfg, 168); store<u64>(p, satp, 176); store<u64>(p, stimecmp, 184);
  store<u64>(p, instret, 192); store<i64>(p, cycleOffset, 200); store<i64>(p, instretOffset, 208);
  store<u64>(p, resAddr, 216); store<u64>(p, resValue, 224); store<u64>(p, waiting ? 1 : 0, 232);
  store<u64>(p, pmpcfg0, 240); store<u64>(p, pmpcfg2, 248);
}

export function loadHart(h: i32): void {
  hartId = h;
  const c = ctx(h);
  memory.copy(XREGS, c + CTX_X, 0x100);
  memory.copy(FREGS, c + CTX_F, 0x100);
  store<u32>(FCSR, load<u32>(c + CTX_FCSR));
  memory.copy(PMPADDR, c + CTX_PMP, 0x80);
  memory.copy(MHPMCOUNTER, c + CTX_HPM, HPM_BYTES);
  const p = c + CTX_CSR;
  pc = load<u64>(p, 0); priv = <i32>load<u64>(p, 8); mstatus = load<u64>(p, 16);
  medeleg = load<u64>(p, 24); mideleg = load<u64>(p, 32); mie = load<u64>(p, 40);
  mip = load<u64>(p, 48); mtvec = load<u64>(p, 56); stvec = load<u64>(p, 64);
  mepc = load<u64>(p, 72); sepc = load<u64>(p, 80); mcause = load<u64>(p, 88);
  scause = load<u64>(p, 96); mtval = load<u64>(p, 104); stval = load<u64>(p, 112);
  mscratch = load<u64>(p, 120); sscratch = load<u64>(p, 128); mcounteren = load<u64>(p, 136);
  scounteren = load<u64>(p, 144); mcountinhibit = load<u64>(p, 152); menvcfg = load<u64>(p, 160);
  senvcfg = load<u64>(p, 168); satp = load<u64>(p, 176); stimecmp = load<u64>(p, 184);
  instret = load<u64>(p, 192); cycleOffset = load<i64>(p, 200); instretOffset = load<i64>(p, 208);
  resAddr = load<u64>(p, 216); resValue = load<u64>(p, 224); waiting = load<u64>(p, 232) != 0;
  pmpcfg0 = load<u64>(p, 240); pmpcfg2 = load<u64>(p, 248);
  recomputeTags();
}

/** Architectural reset state of hart h, written into its context slot. */
export function resetHartContext(h: i32, startPc: u64): void {
  const c = ctx(h);
  memory.fill(c, 0, HART_CTX_SIZE);
  const p = c + CTX_CSR;
  store<u64>(p, startPc, 0);
  store<u64>(p, <u64>PRV_M, 8);
  // mstatus: UXL = SXL = 2 (64-bit), everything else 0.
  store<u64>(p, (<u64>2 << 32) | (<u64>2 << 34), 16);
  store<u64>(p, 0xffff_ffff_ffff_ffff, 216);
}

/** Physical address of hart h's saved context (for the host's register dumps). */
export function hartContextPtr(h: i32): u32 { return ctx(h); }
