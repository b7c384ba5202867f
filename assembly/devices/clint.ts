// SiFive CLINT as on QEMU's virt: msip (+0x0, 4 bytes per hart), mtimecmp (+0x4000,
// 8 bytes per hart), mtime (+0xbff8). mtime runs at 10 MHz from the host's virtual
// clock (which the host stops while the machine is paused).
import { setIrqLine, MIP_MSIP, MIP_MTIP } from "../irq";
import { MAX_HARTS } from "../generated/memmap";
import { hartCount } from "../cpu/state";

@external("env", "hostMonotonicNs") declare function hostMonotonicNs(): f64;

import { CLINT_TIMEBASE_HZ, CLINT_NS_PER_TICK } from "../generated/memmap";

/** mtime's frequency: the device table's (memmap.json clint.timebaseHz), which the device tree advertises. */
export const TIMEBASE_HZ: u64 = CLINT_TIMEBASE_HZ;

const mtimecmp = memory.data(8 * MAX_HARTS);
const msip = memory.data(4 * MAX_HARTS);
let mtimeOffset: i64 = 0;

export function mtimeNow(): u64 {
  return <u64>(<i64>(hostMonotonicNs() / CLINT_NS_PER_TICK) + mtimeOffset);
}

export function clintReset(): void {
  memory.fill(mtimecmp, 0, 8 * MAX_HARTS);
  memory.fill(msip, 0, 4 * MAX_HARTS);
  mtimeOffset = -<i64>(hostMonotonicNs() / CLINT_NS_PER_TICK);
  for (let h = 0; h < MAX_HARTS; h++) {
    setIrqLine(h, MIP_MSIP, false);
  }
  clintUpdateTimers();
}

/** QEMU 7.2's CLINT: msip (below 0x4000) takes 4-byte accesses only, mtimecmp and mtime 4 or 8 (the table's sizes). */
export function clintAccessValid(off: u32, size: i32): bool { return off >= 0x4000 || size == 4; }

@inline export function getMtimecmp(h: i32): u64 { return load<u64>(mtimecmp + (<u32>h << 3)); }

/** Re-evaluates MTIP of every hart against the current time. */
export function clintUpdateTimers(): void {
  const now = mtimeNow();
  for (let h = 0; h < hartCount; h++) setIrqLine(h, MIP_MTIP, now >= getMtimecmp(h));
}

export function clintRead(off: u32, size: i32): u64 {
  if (off < 0x4000) {
    const h = <i32>(off >> 2);
    if (h >= hartCount) return 0;
    return <u64>load<u32>(msip + (<u32>h << 2)) >> ((<u64>(off & 3)) << 3);
  }
  if (off >= 0x4000 && off < 0xbff8) {
    const h = <i32>((off - 0x4000) >> 3);
    if (h >= hartCount) return 0;
    return getMtimecmp(h) >> ((<u64>(off & 7)) << 3);
  }
  if (off >= 0xbff8 && off < 0xc000) return mtimeNow() >> ((<u64>(off & 7)) << 3);
  return 0;
}

function merge(old: u64, off: u32, size: i32, value: u64): u64 {
  const sh = <u64>(off & 7) << 3;
  const mask = (size == 8 ? 0xffff_ffff_ffff_ffff : ((<u64>1 << (<u64>size << 3)) - 1)) << sh;
  return (old & ~mask) | ((value << sh) & mask);
}

export function clintWrite(off: u32, size: i32, value: u64): void {
  if (off < 0x4000) {
    const h = <i32>(off >> 2);
    if (h >= hartCount || (off & 3) != 0) return;
    const v = <u32>value & 1;
    store<u32>(msip + (<u32>h << 2), v);
    setIrqLine(h, MIP_MSIP, v != 0);
    return;
  }
  if (off >= 0x4000 && off < 0xbff8) {
    const h = <i32>((off - 0x4000) >> 3);
    if (h >= hartCount) return;
    const p = mtimecmp + (<u32>h << 3);
    store<u64>(p, merge(load<u64>(p), off, size, value));
    setIrqLine(h, MIP_MTIP, mtimeNow() >= load<u64>(p));
    return;
  }
  if (off >= 0xbff8 && off < 0xc000) {
    const nv = merge(mtimeNow(), off - 0xbff8, size, value);
    mtimeOffset += <i64>(nv - mtimeNow());
    clintUpdateTimers();
  }
}

/** Earliest mtimecmp over all harts (for the host's idle sleep). */
export function clintNextDeadline(): u64 {
  let m: u64 = 0xffff_ffff_ffff_ffff;
  for (let h = 0; h < hartCount; h++) { const c = getMtimecmp(h); if (c < m) m = c; }
  return m;
}

// ---- saved machine state ----
// mtimecmp and msip live in static memory, which a snapshot carries; the global is the offset to the
// host clock, which means nothing in another process. As QEMU's virtual clock does across a
// migration, mtime continues from the value it had when the state was saved: no guest-visible jump.

/** mtime now, for the saved state. */
export function clintSaveTime(): u64 { return mtimeNow(); }

/** After a restore: mtime continues from `savedMtime`; MTIP follows. */
export function clintRestoreTime(savedMtime: u64): void {
  mtimeOffset = <i64>savedMtime - <i64>(hostMonotonicNs() / CLINT_NS_PER_TICK);
  clintUpdateTimers();
}
