// The CSR file: one switch over CSR numbers with privilege, read-only and counter-enable
// rules as QEMU 7.2 applies them. A CSR that is not listed is an illegal instruction.
import * as S from "./state";
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
    case 0x001: if (!fpAllowed()) break; return <u64>(load<u32>(FCSR) & 0x1f);
    case 0x002: if (!fpAllowed()) break; return <u64>((load<u32>(FCSR) >> 5) & 7);
    case 0x003: if (!fpAllowed()) break; return <u64>(load<u32>(FCSR) & 0xff);
    case 0xc00: if (!counterAllowed(0)) break; return S.instret + <u64>S.cycleOffset;
    case 0xc01: if (!counterAllowed(1)) break; return mtimeNow();
    case 0xc02: if (!counterAllowed(2)) break; return S.instret + <u64>S.instretOffset;
    case 0x100: return withSd(S.mstatus) & SSTATUS_MASK;
    case 0x104: return S.mie & S.mideleg;
    case 0x105: return S.stvec;
    case 0x106: return S.scounteren;
    case 0x10a: return S.senvcfg;
    case 0x140: return S.sscratch;
    case 0x141: return S.sepc;
    case 0x142: return S.scause;
    case 0x143: return S.stval;
    case 0x144: return effectiveMip() & S.mideleg;
    case 0x14d:
      if (S.priv == S.PRV_S && (S.menvcfg >> 63) == 0) break;
      return S.stimecmp;
    case 0x180:
      if (S.priv == S.PRV_S && (S.mstatus & S.MSTATUS_TVM) != 0) break;
      return S.satp;
    case 0xf11: case 0xf12: case 0xf13: case 0xf15: return 0;
    case 0xf14: return <u64>S.hartId;
    case 0x300: return withSd(S.mstatus);
    case 0x301: return MISA;
    case 0x302: return S.medeleg;
    case 0x303: return S.mideleg;
    case 0x304: return S.mie;
    case 0x305: return S.mtvec;
    case 0x306: return S.mcounteren;
    case 0x30a: return S.menvcfg;
    case 0x320: return S.mcountinhibit;
    case 0x340: return S.mscratch;
    case 0x341: return S.mepc;
    case 0x342: return S.mcause;
    case 0x343: return S.mtval;
    case 0x344: return effectiveMip();
    case 0x3a0: return S.pmpcfg0;
    case 0x3a2: return S.pmpcfg2;
    case 0xb00: return S.instret + <u64>S.cycleOffset;
    case 0xb02: return S.instret + <u64>S.instretOffset;
    default:
      if (addr >= 0x3b0 && addr < 0x3c0) return pmpAddr(<i32>(addr - 0x3b0));
      // hpmcounter3..18 (user views) and mhpmcounter3..18 hold values; 19..31 do not exist, as on QEMU 7.2.
      if (addr >= 0xc03 && addr < 0xc03 + <u32>S.HPM_COUNTERS) {
        if (!counterAllowed(<i32>(addr - 0xc00))) break;
        return load<u64>(S.MHPMCOUNTER + ((addr - 0xc03) << 3));
      }
      if (addr >= 0xb03 && addr < 0xb03 + <u32>S.HPM_COUNTERS) return load<u64>(S.MHPMCOUNTER + ((addr - 0xb03) << 3));
      if (addr >= 0x323 && addr <= 0x33f) return load<u64>(S.MHPMEVENT + ((addr - 0x323) << 3));
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
  return addr == 0x344 || addr == 0x144 ? S.mip : readValue;
}

/** Writes CSR `addr` (access already checked by csrRead(addr, true)). */
export function csrWrite(addr: u32, v: u64): void {
  switch (addr) {
    case 0x001: store<u32>(FCSR, (load<u32>(FCSR) & ~0x1f) | (<u32>v & 0x1f)); markFpDirty(); return;
    case 0x002: store<u32>(FCSR, (load<u32>(FCSR) & 0x1f) | ((<u32>v & 7) << 5)); markFpDirty(); return;
    case 0x003: store<u32>(FCSR, <u32>v & 0xff); markFpDirty(); return;
    case 0x100: {
      const ms = (S.mstatus & ~SSTATUS_MASK) | (v & SSTATUS_MASK & MSTATUS_WRITABLE);
      writeMstatus(ms);
      return;
    }
    case 0x104: S.mie = (S.mie & ~S.mideleg) | (v & S.mideleg & ALL_INTS); csrSideEffect = true; return;
    case 0x105: if ((v & 3) < 2) S.stvec = v; return;
    case 0x106: S.scounteren = v & 0xffff_ffff; return;
    case 0x10a: S.senvcfg = v & SENVCFG_MASK; return;
    case 0x140: S.sscratch = v; return;
    case 0x141: S.sepc = v & ~<u64>1; return;
    case 0x142: S.scause = v; return;
    case 0x143: S.stval = v; return;
    case 0x144: {
      const mask = S.mideleg & (1 << 1);  // only SSIP is writable through sip
      S.mip = (S.mip & ~mask) | (v & mask);
      csrSideEffect = true;
      return;
    }
    case 0x14d: S.stimecmp = v; csrSideEffect = true; return;
    case 0x180: {
      const mode = v >> 60;
      if (mode != 0 && mode != 8 && mode != 9 && mode != 10) return;  // WARL: unsupported modes ignored
      const nv = v & ((<u64>0xf << 60) | (<u64>0xffff << 44) | 0x0000_0fff_ffff_ffff);
      if (nv != S.satp) { S.satp = nv; tlbFlush(); }
      csrSideEffect = true;
      return;
    }
    case 0x300: writeMstatus((S.mstatus & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE)); return;
    case 0x301: return;  // misa is read-only (QEMU 7.2: misa writes are ignored)
    case 0x302: S.medeleg = v & DELEGABLE_EXCPS; return;
    case 0x303: S.mideleg = v & S_INTS; csrSideEffect = true; return;
    case 0x304: S.mie = v & ALL_INTS; csrSideEffect = true; return;
    case 0x305: if ((v & 3) < 2) S.mtvec = v; return;
    case 0x306: S.mcounteren = v & 0xffff_ffff; return;
    case 0x30a: S.menvcfg = v & MENVCFG_MASK; csrSideEffect = true; return;
    case 0x320: S.mcountinhibit = v & 0xffff_fffd; return;
    case 0x340: S.mscratch = v; return;
    case 0x341: S.mepc = v & ~<u64>1; return;
    case 0x342: S.mcause = v; return;
    case 0x343: S.mtval = v; return;
    case 0x344: {
      let mask = S_INTS;
      if ((S.menvcfg >> 63) != 0) mask &= ~(<u64>1 << 5);  // Sstc owns STIP
      S.mip = (S.mip & ~mask) | (v & mask);
      csrSideEffect = true;
      return;
    }
    case 0x3a0: writePmpcfg(0, v); tlbFlush(); return;
    case 0x3a2: writePmpcfg(2, v); tlbFlush(); return;
    case 0xb00: S.cycleOffset = <i64>(v - S.instret); return;
    case 0xb02: S.instretOffset = <i64>(v - S.instret); return;
    default:
      if (addr >= 0x3b0 && addr < 0x3c0) { writePmpaddr(<i32>(addr - 0x3b0), v); tlbFlush(); return; }
      if (addr >= 0xb03 && addr < 0xb03 + <u32>S.HPM_COUNTERS) { store<u64>(S.MHPMCOUNTER + ((addr - 0xb03) << 3), v); return; }
      if (addr >= 0x323 && addr <= 0x33f) { store<u64>(S.MHPMEVENT + ((addr - 0x323) << 3), v); return; }
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
