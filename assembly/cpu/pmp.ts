// Physical memory protection with QEMU 7.2's rules: 16 entries, 4-byte granularity,
// lowest-numbered match wins, an access only partly inside an entry fails, M-mode is
// bound only by locked entries, and S/U with no matching entry (or no entries at all) fail.
import * as S from "./state";

export const PMP_R: u32 = 1;
export const PMP_W: u32 = 2;
export const PMP_X: u32 = 4;
const PMP_L: u32 = 0x80;

// Decoded ranges, rebuilt on every pmpcfg/pmpaddr write: start, end (inclusive), cfg.
const pmpStart = memory.data(16 * 8);
const pmpEnd = memory.data(16 * 8);
const pmpCfg = memory.data(16);
// Indices of the entries with A != OFF, in priority order, so checks visit only those.
const pmpList = memory.data(16);
export let pmpActive: i32 = 0;

@inline export function cfgByte(i: i32): u32 {
  return <u32>(((i < 8 ? S.pmpcfg0 : S.pmpcfg2) >> (<u64>(i & 7) << 3)) & 0xff);
}
@inline export function pmpAddr(i: i32): u64 { return load<u64>(S.PMPADDR + (<u32>i << 3)); }

export function pmpDecode(): void {
  pmpActive = 0;
  for (let i = 0; i < 16; i++) {
    const cfg = cfgByte(i);
    store<u8>(pmpCfg + i, <u8>cfg);
    const a = (cfg >> 3) & 3;
    let s: u64 = 0, e: u64 = 0;
    const addr = pmpAddr(i);
    if (a == 1) { // TOR
      const prev: u64 = i == 0 ? 0 : pmpAddr(i - 1);
      s = prev << 2; e = (addr << 2) - 1;
      if (s > e) { s = 0; e = 0; }
    } else if (a == 2) { // NA4
      s = addr << 2; e = s + 3;
    } else if (a == 3) { // NAPOT
      if (addr == 0xffff_ffff_ffff_ffff) { s = 0; e = 0xffff_ffff_ffff_ffff; }
      else {
        const t = ctz(~addr);
        s = (addr & ~((<u64>1 << t) - 1)) << 2;
        e = s + ((<u64>1 << (t + 3)) - 1);
      }
    }
    if (a != 0) { store<u8>(pmpList + pmpActive, <u8>i); pmpActive++; }
    store<u64>(pmpStart + (<u32>i << 3), s);
    store<u64>(pmpEnd + (<u32>i << 3), e);
  }
}

/** Whether an access of `size` bytes at pa with permission bit `perm` is allowed in `mode`. */
export function pmpAllows(pa: u64, size: u64, perm: u32, mode: i32): bool {
  if (pmpActive == 0) return mode == S.PRV_M;
  const last = pa + size - 1;
  for (let k = 0; k < pmpActive; k++) {
    const i = <i32>load<u8>(pmpList + k);
    const cfg = <u32>load<u8>(pmpCfg + i);
    const s = load<u64>(pmpStart + (<u32>i << 3));
    const e = load<u64>(pmpEnd + (<u32>i << 3));
    const sIn = pa >= s && pa <= e;
    const eIn = last >= s && last <= e;
    if (sIn && eIn) {
      if (mode == S.PRV_M && (cfg & PMP_L) == 0) return true;
      return (cfg & perm) != 0;
    }
    if (sIn || eIn) return false;
  }
  return mode == S.PRV_M;
}

/** True when every byte of the 4 KiB page at `page` gets the same PMP verdict (so a TLB entry may cover it). */
export function pmpPageUniform(page: u64): bool {
  if (pmpActive == 0) return true;
  const last = page + 0xfff;
  for (let k = 0; k < pmpActive; k++) {
    const i = <i32>load<u8>(pmpList + k);
    const s = load<u64>(pmpStart + (<u32>i << 3));
    const e = load<u64>(pmpEnd + (<u32>i << 3));
    if (e < page || s > last) continue;       // disjoint: look further
    return s <= page && e >= last;            // first overlapping entry decides
  }
  return true;
}

/** Write rules for pmpcfg (QEMU 7.2): locked entries keep their byte; W without R clears R and W. */
export function writePmpcfg(reg: i32, value: u64): void {
  let old = reg == 0 ? S.pmpcfg0 : S.pmpcfg2;
  let nv: u64 = 0;
  for (let j = 0; j < 8; j++) {
    const i = (reg == 0 ? 0 : 8) + j;
    const ob = <u32>((old >> (<u64>j << 3)) & 0xff);
    let b = <u32>((value >> (<u64>j << 3)) & 0xff);
    if ((ob & PMP_L) != 0) b = ob;
    else {
      b &= 0x9f;
      if ((b & PMP_W) != 0 && (b & PMP_R) == 0) b &= ~(PMP_W | PMP_R);
    }
    nv |= <u64>b << (<u64>j << 3);
    void i;
  }
  if (reg == 0) S.pmpcfg0 = nv; else S.pmpcfg2 = nv;
  pmpDecode();
}

export function writePmpaddr(i: i32, value: u64): void {
  if ((cfgByte(i) & PMP_L) != 0) return;
  if (i + 1 < 16) {
    const nxt = cfgByte(i + 1);
    if ((nxt & PMP_L) != 0 && ((nxt >> 3) & 3) == 1) return;
  }
  store<u64>(S.PMPADDR + (<u32>i << 3), value & 0x003f_ffff_ffff_ffff);
  pmpDecode();
}
