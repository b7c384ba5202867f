// The A extension. LR/SC follow QEMU 7.2: LR remembers the virtual address and the value
// loaded; SC succeeds only if its address matches and memory still holds that value, so a
// store (by any hart) that changed the word breaks the reservation, and a second SC fails.
// Misaligned LR and AMOs raise load-address-misaligned, as QEMU does.
import * as S from "./state";
import { getX as rx, setX as wx } from "./state";
import * as E from "./exception";
import * as MMU from "./mmu";
import { hostPtrWrite, mmioRead, mmioWrite } from "../bus";
import * as BUS from "../bus";
import * as LS from "../jit/lockstep";

// Set by readPhys/writePhys when the address decodes to nothing.
let fault = false;



function readPhys(pa: u64, size: i32): u64 {
  fault = false;
  const hp = hostPtrWrite(pa);
  if (hp != 0) return size == 4 ? <u64><i64>load<i32>(hp) : load<u64>(hp);
  const v = mmioRead(pa, size);
  fault = BUS.busFault;
  return size == 4 ? <u64><i64><i32>v : v;
}
function writePhys(pa: u64, size: i32, v: u64): void {
  fault = false;
  const hp = hostPtrWrite(pa);
  if (hp != 0) {
    if (LS.logging) LS.logStore(hp, size);   // the lockstep checker undoes every RAM write of a checked run
    if (size == 4) store<u32>(hp, <u32>v); else store<u64>(hp, v);
    return;
  }
  mmioWrite(pa, size, v);
  fault = BUS.busFault;
}

/** Returns 1 for an illegal encoding, 0 otherwise (exceptions are raised through E). */
export function execAmo(inst: u32): i32 {
  const f3 = (inst >> 12) & 7;
  if (f3 != 2 && f3 != 3) return 1;
  const size: i32 = f3 == 2 ? 4 : 8;
  const rd = (inst >> 7) & 31, rs1 = (inst >> 15) & 31, rs2 = (inst >> 20) & 31;
  const f5 = inst >> 27;
  const va = rx(rs1);
  if (f5 == 0x02) {                                   // LR
    if (rs2 != 0) return 1;
    if ((va & <u64>(size - 1)) != 0) { E.raise(E.CAUSE_MISALIGNED_LOAD, va); return 0; }
    const pa = MMU.translateAndFill(va, MMU.ACC_LOAD, <u64>size);
    if (pa == MMU.INVALID_TAG) return 0;
    const v = readPhys(pa, size);
    if (fault) { E.raise(E.CAUSE_LOAD_ACCESS, va); return 0; }
    S.resAddr = va;
    S.resValue = v;
    wx(rd, v);
    return 0;
  }
  if (f5 == 0x03) {                                   // SC
    if (va != S.resAddr) { S.resAddr = 0xffff_ffff_ffff_ffff; wx(rd, 1); return 0; }
    const pa = MMU.storeProbe(va, size);
    if (pa == MMU.INVALID_TAG) return 0;
    const cur = readPhys(pa, size);
    const expect = size == 4 ? <u64><i64><i32>S.resValue : S.resValue;
    S.resAddr = 0xffff_ffff_ffff_ffff;
    if (cur == expect) { writePhys(pa, size, rx(rs2)); wx(rd, 0); } else wx(rd, 1);
    return 0;
  }
  switch (f5) {
    case 0x00: case 0x01: case 0x04: case 0x08: case 0x0c: case 0x10: case 0x14: case 0x18: case 0x1c: break;
    default: return 1;
  }
  if ((va & <u64>(size - 1)) != 0) { E.raise(E.CAUSE_MISALIGNED_LOAD, va); return 0; }
  // QEMU 7.2 translates the read half first: an unmapped page is a load page fault,
  // a read-only page a store page fault.
  if (MMU.translateAndFill(va, MMU.ACC_LOAD, <u64>size) == MMU.INVALID_TAG) return 0;
  const pa = MMU.storeProbe(va, size);
  if (pa == MMU.INVALID_TAG) return 0;
  const old = readPhys(pa, size);
  if (fault) { E.raise(E.CAUSE_LOAD_ACCESS, va); return 0; }   // QEMU 7.2 reports the read half
  const b = rx(rs2);
  let nv: u64;
  const sa = size == 4 ? <i64><i32>old : <i64>old;
  const sb = size == 4 ? <i64><i32>b : <i64>b;
  const ua = size == 4 ? old & 0xffff_ffff : old;
  const ub = size == 4 ? b & 0xffff_ffff : b;
  switch (f5) {
    case 0x01: nv = b; break;
    case 0x00: nv = old + b; break;
    case 0x04: nv = old ^ b; break;
    case 0x0c: nv = old & b; break;
    case 0x08: nv = old | b; break;
    case 0x10: nv = sa < sb ? old : b; break;
    case 0x14: nv = sa > sb ? old : b; break;
    case 0x18: nv = ua < ub ? old : b; break;
    default: nv = ua > ub ? old : b; break;
  }
  writePhys(pa, size, nv);
  if (fault) { E.raise(E.CAUSE_STORE_ACCESS, va); return 0; }
  wx(rd, old);
  return 0;
}
