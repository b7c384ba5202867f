// The CSR file: one switch over CSR numbers with privilege, read-only and counter-enable
// rules as QEMU 7.2 applies them. A CSR that is not listed is an illegal instruction. The numbers
// are the CSR table's (src/machine/csrs.json, generated CSR_<NAME> constants): names, not bare hex.
import * as S from "./state";
import * as C from "../generated/csrs";
import { FCSR } from "../layout";
import { mtimeNow } from "../devices/clint";
import { effectiveMip } from "./trap";
import { tlbFlush } from "./mmu";
import { writePmpcfg, writePmpaddr, pmpAddr } from "./pmp";
// misa comes from src/machine/isa.json, the table the device tree's riscv,isa is built from.
import { MISA } from "../generated/isa";

export let csrIllegal: bool = false;
/** Set when a write may have unmasked an interrupt or changed translation: the loop re-checks. */
export let csrSideEffect: bool = false;

const SSTATUS_MASK: u64 = S.MSTATUS_SIE | S.MSTATUS_SPIE | S.MSTATUS_UBE | S.MSTATUS_SPP | S.MSTATUS_VS |
  S.MSTATUS_FS | S.MSTATUS_XS | S.MSTATUS_SUM | S.MSTATUS_MXR | S.MSTATUS_UXL | S.MSTATUS_SD;
const MSTATUS_WRITABLE: u64 = S.MSTATUS_SIE | S.MSTATUS_SPIE | S.MSTATUS_MIE | S.MSTATUS_MPIE | S.MSTATUS_SPP |
  S.MSTATUS_MPRV | S.MSTATUS_SUM | S.MSTATUS_MPP | S.MSTATUS_MXR | S.MSTATUS_TVM | S.MSTATUS_TSR |
  S.MSTATUS_TW | S.MSTATUS_FS;
const S_INTS: u64 = (1 << 1) | (1 << 5) | (1 << 9);
const M_INTS: u64 = (1 << 3) | (1 << 7) | (1 << 11);
const ALL_INTS: u64 = S_INTS | M_INTS;
// Exceptions QEMU 7.2 lets M-mode delegate.
const DELEGABLE_EXCPS: u64 = 0xf0b3ff; // 0..13, 15, and 20..23 (guest page faults, kept for QEMU parity)
const MENVCFG_MASK: u64 = (<u64>1 << 63) | 0xf1; // STCE, CBZE/CBCFE/CBIE, FIOM
const SENVCFG_MASK: u64 = 0xf1;

@inline function withSd(ms: u64): u64 {
  const dirty = ((ms & S.MSTATUS_FS) == S.MSTATUS_FS) || ((ms & S.MSTATUS_XS) == S.MSTATUS_XS);
  return dirty ? (ms | S.MSTATUS_SD) : (ms & ~S.MSTATUS_SD);
}

function counterAllowed(bit: i32): bool {
  if (S.priv == S.PRV_M) return true;
  if (((S.mcounteren >> <u64>bit) & 1) == 0) return false;
  if (S.priv == S.PRV_U && ((S.scounteren >> <u64>bit) & 1) == 0) return false;
  return true;
}

function fpAllowed(): bool { return (S.mstatus & S.MSTATUS_FS) != 0; }

export function markFpDirty(): void { S.mstatus |= S.MSTATUS_FS | S.MSTATUS_SD; }

/** Reads CSR `addr`; sets csrIllegal when the access is not allowed. `forWrite` checks writability too. */
export function csrRead(addr: u32, forWrite: bool): u64 {
  csrIllegal = false;
  const minPriv = <i32>((addr >> 8) & 3);
  if (S.priv < minPriv || (forWrite && (addr >> 10) == 3)) { csrIllegal = true; return 0; }
  switch (addr) {
    case C.CSR_FFLAGS: if (!fpAllowed()) break; return <u64>(load<u32>(FCSR) & 0x1f);
    case C.CSR_FRM: if (!fpAllowed()) break; return <u64>((load<u32>(FCSR) >> 5) & 7);
    case C.CSR_FCSR: if (!fpAllowed()) break; return <u64>(load<u32>(FCSR) & 0xff);
    case C.CSR_CYCLE: if (!counterAllowed(0)) break; return S.instret + <u64>S.cycleOffset;
    case C.CSR_TIME: if (!counterAllowed(1)) break; return mtimeNow();
    case C.CSR_INSTRET: if (!counterAllowed(2)) break; return S.instret + <u64>S.instretOffset;
    case C.CSR_SSTATUS: return withSd(S.mstatus) & SSTATUS_MASK;
    case C.CSR_SIE: return S.mie & S.mideleg;
    case C.CSR_STVEC: return S.stvec;
    case C.CSR_SCOUNTEREN: return S.scounteren;
    case C.CSR_SENVCFG: return S.senvcfg;
    case C.CSR_SSCRATCH: return S.sscratch;
    case C.CSR_SEPC: return S.sepc;
    case C.CSR_SCAUSE: return S.scause;
    case C.CSR_STVAL: return S.stval;
    case C.CSR_SIP: return effectiveMip() & S.mideleg;
    case C.CSR_STIMECMP:
      if (S.priv == S.PRV_S && (S.menvcfg >> 63) == 0) break;
      return S.stimecmp;
    case C.CSR_SATP:
      if (S.priv == S.PRV_S && (S.mstatus & S.MSTATUS_TVM) != 0) break;
      return S.satp;
    case C.CSR_MVENDORID: case C.CSR_MARCHID: case C.CSR_MIMPID: case C.CSR_MCONFIGPTR: return 0;
    case C.CSR_MHARTID: return <u64>S.hartId;
    case C.CSR_MSTATUS: return withSd(S.mstatus);
    case C.CSR_MISA: return MISA;
    case C.CSR_MEDELEG: return S.medeleg;
    case C.CSR_MIDELEG: return S.mideleg;
    case C.CSR_MIE: return S.mie;
    case C.CSR_MTVEC: return S.mtvec;
    case C.CSR_MCOUNTEREN: return S.mcounteren;
    case C.CSR_MENVCFG: return S.menvcfg;
    case C.CSR_MCOUNTINHIBIT: return S.mcountinhibit;
    case C.CSR_MSCRATCH: return S.mscratch;
    case C.CSR_MEPC: return S.mepc;
    case C.CSR_MCAUSE: return S.mcause;
    case C.CSR_MTVAL: return S.mtval;
    case C.CSR_MIP: return effectiveMip();
    case C.CSR_PMPCFG0: return S.pmpcfg0;
    case C.CSR_PMPCFG0 + 2: return S.pmpcfg2;
    case C.CSR_MCYCLE: return S.instret + <u64>S.cycleOffset;
    case C.CSR_MINSTRET: return S.instret + <u64>S.instretOffset;
    default:
      if (addr >= C.CSR_PMPADDR0 && addr < C.CSR_PMPADDR0 + 16) return pmpAddr(<i32>(addr - C.CSR_PMPADDR0));
      // hpmcounter3..18 (user views) and mhpmcounter3..18 hold values; 19..31 do not exist, as on QEMU 7.2.
      if (addr >= C.CSR_HPMCOUNTER3 && addr < C.CSR_HPMCOUNTER3 + <u32>S.HPM_COUNTERS) {
        if (!counterAllowed(<i32>(addr - C.CSR_CYCLE))) break;
        return load<u64>(S.MHPMCOUNTER + ((addr - C.CSR_HPMCOUNTER3) << 3));
      }
      if (addr >= C.CSR_MHPMCOUNTER3 && addr < C.CSR_MHPMCOUNTER3 + <u32>S.HPM_COUNTERS) return load<u64>(S.MHPMCOUNTER + ((addr - C.CSR_MHPMCOUNTER3) << 3));
      if (addr >= C.CSR_MHPMEVENT3 && addr < C.CSR_MHPMEVENT3 + C.CSR_MHPMEVENT_COUNT) return load<u64>(S.MHPMEVENT + ((addr - C.CSR_MHPMEVENT3) << 3));
      break;
  }
  csrIllegal = true;
  return 0;
}

/**
 * The value a csrrs/csrrc sets or clears bits in. mip/sip read as software bits OR device
 * lines; the instruction changes only the software bits it names (QEMU's write mask), so a
 * pending external line is never latched as a software bit.
 */
export function rmwBase(addr: u32, readValue: u64): u64 {
  return addr == C.CSR_MIP || addr == C.CSR_SIP ? S.mip : readValue;
}

/** Writes CSR `addr` (access already checked by csrRead(addr, true)). */
export function csrWrite(addr: u32, v: u64): void {
  switch (addr) {
    case C.CSR_FFLAGS: store<u32>(FCSR, (load<u32>(FCSR) & ~0x1f) | (<u32>v & 0x1f)); markFpDirty(); return;
    case C.CSR_FRM: store<u32>(FCSR, (load<u32>(FCSR) & 0x1f) | ((<u32>v & 7) << 5)); markFpDirty(); return;
    case C.CSR_FCSR: store<u32>(FCSR, <u32>v & 0xff); markFpDirty(); return;
    case C.CSR_SSTATUS: {
      const ms = (S.mstatus & ~SSTATUS_MASK) | (v & SSTATUS_MASK & MSTATUS_WRITABLE);
      writeMstatus(ms);
      return;
    }
    case C.CSR_SIE: S.mie = (S.mie & ~S.mideleg) | (v & S.mideleg & ALL_INTS); csrSideEffect = true; return;
    case C.CSR_STVEC: if ((v & 3) < 2) S.stvec = v; return;
    case C.CSR_SCOUNTEREN: S.scounteren = v & 0xffff_ffff; return;
    case C.CSR_SENVCFG: S.senvcfg = v & SENVCFG_MASK; return;
    case C.CSR_SSCRATCH: S.sscratch = v; return;
    case C.CSR_SEPC: S.sepc = v & ~<u64>1; return;
    case C.CSR_SCAUSE: S.scause = v; return;
    case C.CSR_STVAL: S.stval = v; return;
    case C.CSR_SIP: {
      const mask = S.mideleg & (1 << 1);  // only SSIP is writable through sip
      S.mip = (S.mip & ~mask) | (v & mask);
      csrSideEffect = true;
      return;
    }
    case C.CSR_STIMECMP: S.stimecmp = v; csrSideEffect = true; return;
    case C.CSR_SATP: {
      const mode = v >> 60;
      if (mode != 0 && mode != 8 && mode != 9 && mode != 10) return;  // WARL: unsupported modes ignored
      const nv = v & ((<u64>0xf << 60) | (<u64>0xffff << 44) | 0x0000_0fff_ffff_ffff);
      if (nv != S.satp) { S.satp = nv; tlbFlush(); }
      csrSideEffect = true;
      return;
    }
    case C.CSR_MSTATUS: writeMstatus((S.mstatus & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE)); return;
    case C.CSR_MISA: return;  // misa is read-only (QEMU 7.2: misa writes are ignored)
    case C.CSR_MEDELEG: S.medeleg = v & DELEGABLE_EXCPS; return;
    case C.CSR_MIDELEG: S.mideleg = v & S_INTS; csrSideEffect = true; return;
    case C.CSR_MIE: S.mie = v & ALL_INTS; csrSideEffect = true; return;
    case C.CSR_MTVEC: if ((v & 3) < 2) S.mtvec = v; return;
    case C.CSR_MCOUNTEREN: S.mcounteren = v & 0xffff_ffff; return;
    case C.CSR_MENVCFG: S.menvcfg = v & MENVCFG_MASK; csrSideEffect = true; return;
    case C.CSR_MCOUNTINHIBIT: S.mcountinhibit = v & 0xffff_fffd; return;
    case C.CSR_MSCRATCH: S.mscratch = v; return;
    case C.CSR_MEPC: S.mepc = v & ~<u64>1; return;
    case C.CSR_MCAUSE: S.mcause = v; return;
    case C.CSR_MTVAL: S.mtval = v; return;
    case C.CSR_MIP: {
      let mask = S_INTS;
      if ((S.menvcfg >> 63) != 0) mask &= ~(<u64>1 << 5);  // Sstc owns STIP
      S.mip = (S.mip & ~mask) | (v & mask);
      csrSideEffect = true;
      return;
    }
    case C.CSR_PMPCFG0: writePmpcfg(0, v); tlbFlush(); return;
    case C.CSR_PMPCFG0 + 2: writePmpcfg(2, v); tlbFlush(); return;
    case C.CSR_MCYCLE: S.cycleOffset = <i64>(v - S.instret); return;
    case C.CSR_MINSTRET: S.instretOffset = <i64>(v - S.instret); return;
    default:
      if (addr >= C.CSR_PMPADDR0 && addr < C.CSR_PMPADDR0 + 16) { writePmpaddr(<i32>(addr - C.CSR_PMPADDR0), v); tlbFlush(); return; }
      if (addr >= C.CSR_MHPMCOUNTER3 && addr < C.CSR_MHPMCOUNTER3 + <u32>S.HPM_COUNTERS) { store<u64>(S.MHPMCOUNTER + ((addr - C.CSR_MHPMCOUNTER3) << 3), v); return; }
      if (addr >= C.CSR_MHPMEVENT3 && addr < C.CSR_MHPMEVENT3 + C.CSR_MHPMEVENT_COUNT) { store<u64>(S.MHPMEVENT + ((addr - C.CSR_MHPMEVENT3) << 3), v); return; }
      return;
  }
}

export function writeMstatus(ms: u64): void {
  const old = S.mstatus;
  S.mstatus = ms;
  if (((old ^ ms) & (S.MSTATUS_MPRV | S.MSTATUS_MPP | S.MSTATUS_SUM | S.MSTATUS_MXR)) != 0) S.recomputeTags();
  // Only an interrupt enable going 0 -> 1 can make a pending interrupt takeable now; SUM
  // toggles (every copy_to/from_user) and FS updates need not leave the execute loop.
  if ((~old & ms & (S.MSTATUS_MIE | S.MSTATUS_SIE)) != 0) csrSideEffect = true;
}
