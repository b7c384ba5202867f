// SiFive PLIC as QEMU's virt has it (hw/intc/sifive_plic.c behaviour, our own code):
//   0x000000 + 4*src        source priority (3 bits, WARL: value % 8)
//   0x001000 + 4*word       pending bits (read-only; writes ignored)
//   0x002000 + 0x80*ctx     enable bits of context ctx
//   0x200000 + 0x1000*ctx   threshold (+0) and claim/complete (+4) of context ctx
// Context 2N drives hart N's MEIP, 2N+1 its SEIP. Sources 1..96 (riscv,ndev = 0x60).
//
// Inputs are level-triggered lines: plicSetIrq(src, true) makes src pending; a claim
// clears pending and marks the source claimed (it can no longer be claimed or raise
// the line); completing it un-claims it and, if the device still holds its line high,
// makes it pending again (a gateway with level semantics; QEMU gets the same effect
// because its devices re-assert the line on every update).
import { PLIC_STATE } from "./state-map";
import { setIrqLine, MIP_MEIP, MIP_SEIP } from "../irq";
import { MAX_HARTS } from "../layout";
import { PLIC_SOURCES } from "../generated/memmap";

// Source 0 (never pending) + 1..the device table's source count (96, as QEMU's virt).
export const PLIC_NUM_SOURCES: u32 = PLIC_SOURCES + 1;
export const PLIC_NUM_PRIORITIES: u32 = 7;
const WORDS: u32 = 4;                            // ceil(97 / 32): pending/claimed/level words
// QEMU 7.2 has three enable words per context (sources 0..95): word 3 reads 0 and ignores
// writes there, so source 96 has a priority register but can never be enabled. Measured
// with test/devices/probe on qemu-system-riscv64 7.2; we keep the same register contract.
const ENABLE_WORDS: u32 = 3;

// State layout inside PLIC_STATE.
const PRIORITY: u32 = PLIC_STATE;                // u32 × 128
const PENDING: u32 = PLIC_STATE + 0x200;         // u32 × WORDS
const CLAIMED: u32 = PLIC_STATE + 0x210;         // u32 × WORDS
const LEVEL: u32 = PLIC_STATE + 0x220;           // u32 × WORDS: input line levels
const CONTEXTS: u32 = PLIC_STATE + 0x230;        // u32: 2 × hart count
const ENABLE: u32 = PLIC_STATE + 0x400;          // 16 bytes per context
const THRESHOLD: u32 = PLIC_STATE + 0x600;       // u32 per context
// (2 × MAX_HARTS contexts fit: 16 × 16 bytes from 0x400, 16 × 4 bytes from 0x600.)

const PENDING_BASE: u32 = 0x1000;
const ENABLE_BASE: u32 = 0x2000;
const ENABLE_STRIDE: u32 = 0x80;
const CONTEXT_BASE: u32 = 0x200000;
const CONTEXT_STRIDE: u32 = 0x1000;

@inline function contexts(): u32 { return load<u32>(CONTEXTS); }

/** Highest-priority pending, enabled, unclaimed source above the context's threshold (0 if none). */
function bestSource(ctx: u32): u32 {
  let best: u32 = 0;
  let bestPrio = load<u32>(THRESHOLD + (ctx << 2));
  const en = ENABLE + (ctx << 4);
  for (let w: u32 = 0; w < WORDS; w++) {
    let bits = load<u32>(PENDING + (w << 2)) & ~load<u32>(CLAIMED + (w << 2)) & load<u32>(en + (w << 2));
    while (bits != 0) {
      const b = <u32>ctz(bits);
      bits &= bits - 1;
      const src = (w << 5) + b;
      const prio = load<u32>(PRIORITY + (src << 2));
      if (prio > bestPrio) { best = src; bestPrio = prio; }   // ties: lowest id wins
    }
  }
  return best;
}

function update(): void {
  const n = contexts();
  for (let ctx: u32 = 0; ctx < n; ctx++) {
    setIrqLine(<i32>(ctx >> 1), (ctx & 1) ? MIP_SEIP : MIP_MEIP, bestSource(ctx) != 0);
  }
}

@inline function setBit(base: u32, src: u32, on: bool): void {
  const p = base + ((src >> 5) << 2);
  const m: u32 = 1 << (src & 31);
  const v = load<u32>(p);
  store<u32>(p, on ? (v | m) : (v & ~m));
}

@inline function getBit(base: u32, src: u32): bool {
  return (load<u32>(base + ((src >> 5) << 2)) & (<u32>1 << (src & 31))) != 0;
}

/** Called once when the machine is built. */
export function plicInit(hartCount: i32): void {
  if (hartCount < 1) hartCount = 1;
  if (hartCount > MAX_HARTS) hartCount = MAX_HARTS;
  store<u32>(CONTEXTS, <u32>hartCount << 1);
  plicReset();
}

export function plicReset(): void {
  const n = contexts();
  memory.fill(PRIORITY, 0, 0x200);
  memory.fill(PENDING, 0, 0x20);          // pending + claimed (levels survive: they belong to the devices)
  memory.fill(ENABLE, 0, <u32>MAX_HARTS * 2 * 16);   // 16 bytes per context, two contexts per hart
  memory.fill(THRESHOLD, 0, <u32>MAX_HARTS * 2 * 4);
  // Lines still held high by devices become pending again.
  for (let w: u32 = 0; w < WORDS; w++) store<u32>(PENDING + (w << 2), load<u32>(LEVEL + (w << 2)) & ~1);
  for (let ctx: u32 = 0; ctx < n; ctx++) {
    setIrqLine(<i32>(ctx >> 1), (ctx & 1) ? MIP_SEIP : MIP_MEIP, false);
  }
}

/** A device's interrupt line changed (or was re-asserted). */
export function plicSetIrq(source: i32, level: bool): void {
  if (source <= 0 || <u32>source >= PLIC_NUM_SOURCES) return;
  const src = <u32>source;
  setBit(LEVEL, src, level);
  setBit(PENDING, src, level);
  update();
}

export function plicRead(offset: u32, size: i32): u64 {
  if (size != 4 || (offset & 3) != 0) return 0;
  const n = contexts();
  if (offset < (PLIC_NUM_SOURCES << 2)) {
    return load<u32>(PRIORITY + offset);
  }
  if (offset >= PENDING_BASE && offset < PENDING_BASE + (WORDS << 2)) {
    return load<u32>(PENDING + (offset - PENDING_BASE));
  }
  if (offset >= ENABLE_BASE && offset < ENABLE_BASE + n * ENABLE_STRIDE) {
    const ctx = (offset - ENABLE_BASE) / ENABLE_STRIDE;
    const word = (offset & (ENABLE_STRIDE - 1)) >> 2;
    if (word < ENABLE_WORDS) return load<u32>(ENABLE + (ctx << 4) + (word << 2));
    return 0;
  }
  if (offset >= CONTEXT_BASE && offset < CONTEXT_BASE + n * CONTEXT_STRIDE) {
    const ctx = (offset - CONTEXT_BASE) / CONTEXT_STRIDE;
    const reg = offset & (CONTEXT_STRIDE - 1);
    if (reg == 0) return load<u32>(THRESHOLD + (ctx << 2));
    if (reg == 4) {
      const src = bestSource(ctx);
      if (src != 0) {
        setBit(PENDING, src, false);
        setBit(CLAIMED, src, true);
      }
      update();
      return src;
    }
  }
  return 0;
}

export function plicWrite(offset: u32, size: i32, value: u64): void {
  if (size != 4 || (offset & 3) != 0) return;
  const v = <u32>value;
  const n = contexts();
  if (offset < (PLIC_NUM_SOURCES << 2)) {
    if (offset != 0) store<u32>(PRIORITY + offset, v % (PLIC_NUM_PRIORITIES + 1));
    update();
    return;
  }
  if (offset >= PENDING_BASE && offset < PENDING_BASE + (WORDS << 2)) {
    return;                                   // pending is read-only (as QEMU)
  }
  if (offset >= ENABLE_BASE && offset < ENABLE_BASE + n * ENABLE_STRIDE) {
    const ctx = (offset - ENABLE_BASE) / ENABLE_STRIDE;
    const word = (offset & (ENABLE_STRIDE - 1)) >> 2;
    if (word < ENABLE_WORDS) {
      // Stored as written, bit 0 included (as QEMU): source 0 is never pending anyway.
      store<u32>(ENABLE + (ctx << 4) + (word << 2), v);
      update();
    }
    return;
  }
  if (offset >= CONTEXT_BASE && offset < CONTEXT_BASE + n * CONTEXT_STRIDE) {
    const ctx = (offset - CONTEXT_BASE) / CONTEXT_STRIDE;
    const reg = offset & (CONTEXT_STRIDE - 1);
    if (reg == 0) {
      store<u32>(THRESHOLD + (ctx << 2), v % (PLIC_NUM_PRIORITIES + 1));
      update();
    } else if (reg == 4) {
      if (v != 0 && v < PLIC_NUM_SOURCES && getBit(CLAIMED, v)) {
        setBit(CLAIMED, v, false);
        if (getBit(LEVEL, v)) setBit(PENDING, v, true);
        update();
      }
    }
  }
}

/** For the monitor/tests: is source src pending? */
export function plicPending(source: i32): bool {
  if (source <= 0 || <u32>source >= PLIC_NUM_SOURCES) return false;
  return getBit(PENDING, <u32>source);
}
