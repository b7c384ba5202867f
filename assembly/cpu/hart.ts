// The execute loop of the active hart: fetch through the current fetch page, expand
// compressed encodings, one dense switch on the major opcode. Loads and stores hit the
// soft TLB inline; everything else (misses, MMIO, faults, CSRs, AMOs) is out of line.
// The loop leaves only when the budget is spent, on WFI, or after something that may
// change interrupt state or needs the host (MMIO writes, CSR writes, xRET, power-off).
import { XREGS, FREGS, TLB_LOAD, TLB_STORE, C_EXPAND } from "../layout";
import * as S from "./state";
import * as E from "./exception";
import * as MMU from "./mmu";
import { csrRead, csrWrite, csrIllegal, csrSideEffect, markFpDirty } from "./csr";
import * as CSR from "./csr";
import { takeTrap, doMret, doSret, pendingEnabled } from "./trap";
import * as BUS from "../bus";
import { execAmo } from "./amo";
import { execFp } from "./fp_exec";
import { pmpActive } from "./pmp";
import { mulDiv } from "./muldiv";
import * as JIT from "../jit/cache";
import { tryEnter } from "../jit/runtime";

// Why the loop returned (besides the budget running out).
export const STOP_BUDGET: i32 = 0;
export const STOP_EVENT: i32 = 1;   // re-check interrupts / exits, then continue
export const STOP_WFI: i32 = 2;

export let stopReason: i32 = STOP_BUDGET;

@inline function rx(r: u32): u64 { return load<u64>(XREGS + (r << 3)); }
@inline function wx(r: u32, v: u64): void { store<u64>(XREGS + (r << 3), v); }
@inline function sext32(v: u64): u64 { return <u64><i64><i32>v; }

@inline function tlbIndex(va: u64): u32 { return ((<u32>(va >> 12)) & MMU.TLB_MASK) << 4; }

@inline function loadFast(va: u64, size: i32): u64 {
  const e = TLB_LOAD + tlbIndex(va);
  if (load<u64>(e) == ((va & ~<u64>0xfff) | S.dataTag) && (<u32>va & 0xfff) <= <u32>(0x1000 - size)) {
    const h = <u32>va + load<u32>(e, 8);
    if (size == 1) return <u64>load<u8>(h);
    if (size == 2) return <u64>load<u16>(h);
    if (size == 4) return <u64>load<u32>(h);
    return load<u64>(h);
  }
  return MMU.loadSlow(va, size);
}

@inline function storeFast(va: u64, size: i32, v: u64): void {
  const e = TLB_STORE + tlbIndex(va);
  if (load<u64>(e) == ((va & ~<u64>0xfff) | S.dataTag) && (<u32>va & 0xfff) <= <u32>(0x1000 - size)) {
    const h = <u32>va + load<u32>(e, 8);
    if (size == 1) store<u8>(h, <u8>v);
    else if (size == 2) store<u16>(h, <u16>v);
    else if (size == 4) store<u32>(h, <u32>v);
    else store<u64>(h, v);
    return;
  }
  MMU.storeSlow(va, size, v);
}

@inline function writesIntReg(inst: u32): bool {
  if ((inst & 0x7f) != 0x53) return false;     // fused multiply-add forms write f[rd]
  const f7 = inst >> 25;
  return f7 == 0x70 || f7 == 0x71 || f7 == 0x50 || f7 == 0x51 || f7 == 0x60 || f7 == 0x61;
}

const CSR_OK: i32 = 0;
const CSR_ILLEGAL: i32 = 1;
const CSR_STOP: i32 = 2;

/** Zicsr instructions, out of the hot loop. `retired` = instructions already retired in this slice. */
function execCsr(inst: u32, retired: i32): i32 {
  const f3 = (inst >> 12) & 7;
  const rd = (inst >> 7) & 31, rs1 = (inst >> 15) & 31;
  const addr = inst >> 20;
  const src: u64 = (f3 & 4) != 0 ? <u64>rs1 : rx(rs1);
  const op = f3 & 3;
  // QEMU 7.2: csrrs/csrrc write (and check writability) only when the mask value is non-zero.
  const writes = op == 1 || src != 0;
  S.instret += <u64>retired;   // counters see the instructions retired so far
  const old = csrRead(addr, writes);
  let result = CSR_OK;
  if (csrIllegal) result = CSR_ILLEGAL;
  else if (writes) {
    const base = op == 1 ? old : CSR.rmwBase(addr, old);
    const nv = op == 1 ? src : op == 2 ? (base | src) : (base & ~src);
    CSR.csrSideEffect = false;
    csrWrite(addr, nv);
    wx(rd, old);
    if (csrSideEffect) result = CSR_STOP;
  } else {
    wx(rd, old);
  }
  S.instret -= <u64>retired;
  return result;
}

/** Executes up to `budget` instructions of the active hart. Returns the number executed. */
export function execute(budget: i32): i32 {
  let pc = S.pc;
  let n = budget;
  stopReason = STOP_BUDGET;
  E.clearException();
  // The current fetch page in locals; re-read after anything that may move it (fv = 1 forces that).
  let fv = MMU.fetchVBase;
  let fh = MMU.fetchHost;
  while (n > 0) {
    n--;
    let jumped = false;
    store<u64>(XREGS, 0);
    // ---- fetch ----
    let off = pc - fv;
    let inst: u32;
    if (off <= 0xffc) {
      inst = load<u32>(fh + <u32>off);
    } else {
      S.pc = pc;
      if (!MMU.fetchPage(pc)) { takeTrap(<u64>E.excCause, false, E.excTval); E.clearException(); pc = S.pc; fv = 1; continue; }
      fv = MMU.fetchVBase; fh = MMU.fetchHost;
      off = pc - fv;
      if (off <= 0xffc) inst = load<u32>(fh + <u32>off);
      else {
        inst = <u32>load<u16>(fh + <u32>off);
        if ((inst & 3) == 3) {
          const hi = MMU.fetchHighHalf(pc);
          if (E.excCause >= 0) { takeTrap(<u64>E.excCause, false, E.excTval); E.clearException(); pc = S.pc; fv = 1; continue; }
          inst |= hi << 16;
        }
      }
    }
    let npc: u64;
    let raw = inst;
    if ((inst & 3) != 3) {
      raw = inst & 0xffff;
      inst = load<u32>(C_EXPAND + (raw << 2));
      npc = pc + 2;
    } else {
      npc = pc + 4;
    }
    const rd = (inst >> 7) & 31;
    const rs1 = (inst >> 15) & 31;
    const rs2 = (inst >> 20) & 31;
    const f3 = (inst >> 12) & 7;
    let illegal = false;
    // Dense case values (opcode bits 6:2) so the switch compiles to a jump table.
    switch (inst == 0 ? 31 : (inst >> 2) & 31) {
      case 13: wx(rd, <u64><i64><i32>(inst & 0xfffff000)); break;                      // LUI
      case 5: wx(rd, pc + <u64><i64><i32>(inst & 0xfffff000)); break;                 // AUIPC
      case 27: {                                                                        // JAL
        const imm = ((<i32>inst >> 11) & ~0xfffff) | (<i32>inst & 0xff000) | ((<i32>(inst >> 9)) & 0x800) |
          ((<i32>(inst >> 20)) & 0x7fe);
        wx(rd, npc);
        npc = pc + <u64><i64>imm;
        jumped = true;
        break;
      }
      case 25: {                                                                        // JALR
        if (f3 != 0) { illegal = true; break; }
        const t = (rx(rs1) + <u64><i64>(<i32>inst >> 20)) & ~<u64>1;
        wx(rd, npc);
        npc = t;
        jumped = true;
        break;
      }
      case 24: {                                                                        // BRANCH
        const a = rx(rs1), b = rx(rs2);
        let taken: bool;
        switch (f3) {
          case 0: taken = a == b; break;
          case 1: taken = a != b; break;
          case 4: taken = <i64>a < <i64>b; break;
          case 5: taken = <i64>a >= <i64>b; break;
          case 6: taken = a < b; break;
          case 7: taken = a >= b; break;
          default: illegal = true; taken = false;
        }
        if (taken) {
          const imm = ((<i32>inst >> 19) & ~0xfff) | ((<i32>(inst << 4)) & 0x800) | ((<i32>(inst >> 20)) & 0x7e0) |
            ((<i32>(inst >> 7)) & 0x1e);
          npc = pc + <u64><i64>imm;
          jumped = true;
        }
        break;
      }
      case 0: {                                                                        // LOAD
        const va = rx(rs1) + <u64><i64>(<i32>inst >> 20);
        let v: u64;
        switch (f3) {
          case 0: v = <u64><i64><i8>loadFast(va, 1); break;
          case 1: v = <u64><i64><i16>loadFast(va, 2); break;
          case 2: v = <u64><i64><i32>loadFast(va, 4); break;
          case 3: v = loadFast(va, 8); break;
          case 4: v = loadFast(va, 1); break;
          case 5: v = loadFast(va, 2); break;
          case 6: v = loadFast(va, 4); break;
          default: illegal = true; v = 0;
        }
        if (E.excCause >= 0) break;
        if (!illegal) wx(rd, v);
        break;
      }
      case 8: {                                                                        // STORE
        const imm = ((<i32>inst >> 25) << 5) | <i32>((inst >> 7) & 31);
        const va = rx(rs1) + <u64><i64>imm;
        const v = rx(rs2);
        switch (f3) {
          case 0: storeFast(va, 1, v); break;
          case 1: storeFast(va, 2, v); break;
          case 2: storeFast(va, 4, v); break;
          case 3: storeFast(va, 8, v); break;
          default: illegal = true;
        }
        if (BUS.mmioTouched) { BUS.mmioTouched = false; if (E.excCause < 0) { pc = npc; stopReason = STOP_EVENT; S.pc = pc; return budget - n; } }
        break;
      }
      case 4: {                                                                        // OP-IMM
        const a = rx(rs1);
        const imm = <u64><i64>(<i32>inst >> 20);
        switch (f3) {
          case 0: wx(rd, a + imm); break;
          case 1: if ((inst >> 26) != 0) { illegal = true; break; } wx(rd, a << (imm & 63)); break;
          case 2: wx(rd, <i64>a < <i64>imm ? 1 : 0); break;
          case 3: wx(rd, a < imm ? 1 : 0); break;
          case 4: wx(rd, a ^ imm); break;
          case 5: {
            const hi = inst >> 26;
            if (hi == 0) wx(rd, a >> (imm & 63));
            else if (hi == 0x10) wx(rd, <u64>(<i64>a >> <i64>(imm & 63)));
            else illegal = true;
            break;
          }
          case 6: wx(rd, a | imm); break;
          default: wx(rd, a & imm); break;
        }
        break;
      }
      case 6: {                                                                        // OP-IMM-32
        const a = <u32>rx(rs1);
        const sh = (inst >> 20) & 31;
        switch (f3) {
          case 0: wx(rd, sext32(<u64>(a + <u32>(<i32>inst >> 20)))); break;
          case 1: if ((inst >> 25) != 0) { illegal = true; break; } wx(rd, sext32(<u64>(a << sh))); break;
          case 5: {
            const hi = inst >> 25;
            if (hi == 0) wx(rd, sext32(<u64>(a >> sh)));
            else if (hi == 0x20) wx(rd, sext32(<u64><u32>(<i32>a >> sh)));
            else illegal = true;
            break;
          }
          default: illegal = true;
        }
        break;
      }
      case 12: {                                                                        // OP
        const a = rx(rs1), b = rx(rs2);
        const f7 = inst >> 25;
        if (f7 == 0) {
          switch (f3) {
            case 0: wx(rd, a + b); break;
            case 1: wx(rd, a << (b & 63)); break;
            case 2: wx(rd, <i64>a < <i64>b ? 1 : 0); break;
            case 3: wx(rd, a < b ? 1 : 0); break;
            case 4: wx(rd, a ^ b); break;
            case 5: wx(rd, a >> (b & 63)); break;
            case 6: wx(rd, a | b); break;
            default: wx(rd, a & b); break;
          }
        } else if (f7 == 0x20) {
          if (f3 == 0) wx(rd, a - b);
          else if (f3 == 5) wx(rd, <u64>(<i64>a >> <i64>(b & 63)));
          else illegal = true;
        } else if (f7 == 1) {
          // The high-half multiplies and divisions are shared with translated code (cpu/muldiv.ts).
          wx(rd, f3 == 0 ? a * b : mulDiv(a, b, <i32>f3));
        } else illegal = true;
        break;
      }
      case 14: {                                                                        // OP-32
        const a = <u32>rx(rs1), b = <u32>rx(rs2);
        const f7 = inst >> 25;
        if (f7 == 0) {
          if (f3 == 0) wx(rd, sext32(<u64>(a + b)));
          else if (f3 == 1) wx(rd, sext32(<u64>(a << (b & 31))));
          else if (f3 == 5) wx(rd, sext32(<u64>(a >> (b & 31))));
          else illegal = true;
        } else if (f7 == 0x20) {
          if (f3 == 0) wx(rd, sext32(<u64>(a - b)));
          else if (f3 == 5) wx(rd, sext32(<u64><u32>(<i32>a >> (b & 31))));
          else illegal = true;
        } else if (f7 == 1) {
          if (f3 == 0) wx(rd, sext32(<u64>(a * b)));
          else if (f3 >= 4) wx(rd, mulDiv(<u64>a, <u64>b, <i32>(8 + f3)));
          else illegal = true;
        } else illegal = true;
        break;
      }
      case 3: {                                                                        // MISC-MEM
        if (f3 == 0) break;                    // fence: memory is sequentially consistent here
        if (f3 == 1) break;                    // fence.i: no decoded-code cache to invalidate
        illegal = true;
        break;
      }
      case 11: {                                                                        // AMO
        S.pc = pc;
        const r = execAmo(inst);
        if (r == 1) { illegal = true; break; }
        if (BUS.mmioTouched) { BUS.mmioTouched = false; if (E.excCause < 0) { pc = npc; stopReason = STOP_EVENT; S.pc = pc; return budget - n; } }
        break;
      }
      case 1: {                                                                        // LOAD-FP
        if ((S.mstatus & S.MSTATUS_FS) == 0 || (f3 != 2 && f3 != 3)) { illegal = true; break; }
        const va = rx(rs1) + <u64><i64>(<i32>inst >> 20);
        if (f3 == 2) {
          const v = loadFast(va, 4);
          if (E.excCause >= 0) break;
          store<u64>(FREGS + (rd << 3), v | 0xffff_ffff_0000_0000);
        } else {
          const v = loadFast(va, 8);
          if (E.excCause >= 0) break;
          store<u64>(FREGS + (rd << 3), v);
        }
        markFpDirty();
        break;
      }
      case 9: {                                                                        // STORE-FP
        if ((S.mstatus & S.MSTATUS_FS) == 0 || (f3 != 2 && f3 != 3)) { illegal = true; break; }
        const imm = ((<i32>inst >> 25) << 5) | <i32>((inst >> 7) & 31);
        const va = rx(rs1) + <u64><i64>imm;
        const v = load<u64>(FREGS + (rs2 << 3));
        if (f3 == 2) storeFast(va, 4, v); else storeFast(va, 8, v);
        if (BUS.mmioTouched) { BUS.mmioTouched = false; if (E.excCause < 0) { pc = npc; stopReason = STOP_EVENT; S.pc = pc; return budget - n; } }
        break;
      }
      case 16: case 17: case 18: case 19: case 20: {                             // FP compute
        if ((S.mstatus & S.MSTATUS_FS) == 0) { illegal = true; break; }
        if (execFp(inst) != 0) { illegal = true; break; }
        // As QEMU 7.2: only instructions that write an FP register make FS dirty (compares,
        // fclass, fmv.x.* and conversions to integer write an x register).
        if (!writesIntReg(inst)) markFpDirty();
        break;
      }
      case 28: {                                                                        // SYSTEM
        if (f3 == 0) {
          if (inst == 0x00000073) { E.raise(S.priv == S.PRV_M ? E.CAUSE_MACHINE_ECALL : E.CAUSE_USER_ECALL + S.priv, 0); break; }
          if (inst == 0x00100073) { E.raise(E.CAUSE_BREAKPOINT, 0); break; }
          if (inst == 0x30200073) {                                                       // MRET
            if (S.priv != S.PRV_M) { illegal = true; break; }
            // QEMU 7.2: with PMP implemented but no rule set, mret to S/U is an illegal instruction.
            if (pmpActive == 0 && ((S.mstatus >> 11) & 3) != 3) { illegal = true; break; }
            doMret(); pc = S.pc; stopReason = STOP_EVENT; return budget - n;
          }
          if (inst == 0x10200073) {                                                       // SRET
            if (S.priv == S.PRV_U || (S.priv == S.PRV_S && (S.mstatus & S.MSTATUS_TSR) != 0)) { illegal = true; break; }
            doSret(); pc = S.pc; stopReason = STOP_EVENT; return budget - n;
          }
          if (inst == 0x10500073) {                                                       // WFI
            if (S.priv == S.PRV_U || (S.priv == S.PRV_S && (S.mstatus & S.MSTATUS_TW) != 0)) { illegal = true; break; }
            pc = npc; S.pc = pc;
            if (pendingEnabled() == 0) { S.waiting = true; stopReason = STOP_WFI; return budget - n; }
            stopReason = STOP_EVENT; return budget - n;
          }
          if ((inst & 0xfe007fff) == 0x12000073) {                                        // SFENCE.VMA
            if (S.priv == S.PRV_U || (S.priv == S.PRV_S && (S.mstatus & S.MSTATUS_TVM) != 0)) { illegal = true; break; }
            // sfence.vma rs1: only that page's entries; rs1 = x0: everything.
            if (rs1 != 0) MMU.tlbFlushPage(rx(rs1)); else MMU.tlbFlush();
            fv = 1;
            break;
          }
          illegal = true;
          break;
        }
        if (f3 == 4) { illegal = true; break; }
        S.pc = pc;
        const r = execCsr(inst, budget - n);
        if (r == CSR_ILLEGAL) { illegal = true; break; }
        if (r == CSR_STOP) { pc = npc; S.pc = pc; stopReason = STOP_EVENT; return budget - n; }
        fv = 1;   // a PMP write may have flushed the TLBs
        break;
      }
      default:
        illegal = true;
    }
    if (illegal) E.raise(E.CAUSE_ILLEGAL_INSTRUCTION, <u64>raw);
    if (E.excCause >= 0) {
      S.pc = pc;
      takeTrap(<u64>E.excCause, false, E.excTval);
      E.clearException();
      pc = S.pc;
      fv = 1;
      continue;
    }
    pc = npc;
    if (jumped && JIT.mode != JIT.MODE_OFF) {
      // A jump target: run translated code while regions hand over to each other.
      while (n > 0) {
        const done = tryEnter(pc, n);
        if (done < 0) break;
        n -= done;
        pc = load<u64>(JIT.W_EXIT_PC);
        fv = 1;
        const why = load<i32>(JIT.W_EXIT_REASON);
        if (why == JIT.R_BRANCH) continue;
        if (why == JIT.R_INTERP) break;
        if (why == JIT.R_FAULT) {
          S.pc = pc;
          takeTrap(<u64>E.excCause, false, E.excTval);
          E.clearException();
          pc = S.pc;
          break;
        }
        // R_EVENT: an MMIO store; interrupts and exits are re-checked before going on.
        stopReason = STOP_EVENT;
        S.pc = pc;
        return budget - n;
      }
    }
  }
  S.pc = pc;
  return budget - n;
}

