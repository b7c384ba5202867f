// The two console rings between the UART and the host (layout.ts CONSOLE_OUT / CONSOLE_IN).
//
// Each ring: u32 write position at +0, u32 read position at +4, data from +64 to the end of
// the region. Positions are byte indices into the data area (0 .. capacity-1); the ring is
// empty when they are equal and full when write+1 == read (one byte stays unused).
//   CONSOLE_OUT: the UART writes (transmitted bytes), the host reads and advances +4.
//   CONSOLE_IN:  the host writes (keyboard bytes) and advances +0, the UART consumes.
//
// When CONSOLE_OUT is full the UART does not drop anything: transmitted bytes stay in its
// TX FIFO and LSR.THRE/TEMT read 0 until the host drains the ring (then the THRE interrupt
// fires). Only a guest that keeps writing THR while LSR.THRE=0 loses bytes, as on hardware.
// The host uses the exported functions (exports.ts), never these offsets directly.
import { CONSOLE_OUT, CONSOLE_OUT_SIZE, CONSOLE_IN, CONSOLE_IN_SIZE } from "../layout";

export const RING_HEADER: u32 = 64;
export const OUT_CAPACITY: u32 = CONSOLE_OUT_SIZE - RING_HEADER;
export const IN_CAPACITY: u32 = CONSOLE_IN_SIZE - RING_HEADER;

// ---- guest → host ----

@inline export function outFree(): u32 {
  const w = load<u32>(CONSOLE_OUT), r = load<u32>(CONSOLE_OUT + 4);
  return (r + OUT_CAPACITY - w - 1) % OUT_CAPACITY;
}

/** Append a byte; false when the ring is full. */
export function outPut(byte: u32): bool {
  const w = load<u32>(CONSOLE_OUT);
  let nw = w + 1;
  if (nw == OUT_CAPACITY) nw = 0;
  if (nw == load<u32>(CONSOLE_OUT + 4)) return false;
  store<u8>(CONSOLE_OUT + RING_HEADER + w, <u8>byte);
  store<u32>(CONSOLE_OUT, nw);
  return true;
}

/** Number of bytes the host can take in one piece (up to the end of the data area). */
export function outContiguous(): u32 {
  const w = load<u32>(CONSOLE_OUT), r = load<u32>(CONSOLE_OUT + 4);
  return w >= r ? w - r : OUT_CAPACITY - r;
}

/** Linear-memory address of the first byte the host has not taken yet. */
export function outReadPtr(): u32 {
  return CONSOLE_OUT + RING_HEADER + load<u32>(CONSOLE_OUT + 4);
}

/** The host took n bytes (n <= outContiguous()). */
export function outConsume(n: u32): void {
  const c = outContiguous();
  if (n > c) n = c;
  let r = load<u32>(CONSOLE_OUT + 4) + n;
  if (r >= OUT_CAPACITY) r -= OUT_CAPACITY;
  store<u32>(CONSOLE_OUT + 4, r);
}

// ---- host → guest ----

export function inFree(): u32 {
  const w = load<u32>(CONSOLE_IN), r = load<u32>(CONSOLE_IN + 4);
  return (r + IN_CAPACITY - w - 1) % IN_CAPACITY;
}

/** Host side: append a byte; false when full. */
export function inPut(byte: u32): bool {
  const w = load<u32>(CONSOLE_IN);
  let nw = w + 1;
  if (nw == IN_CAPACITY) nw = 0;
  if (nw == load<u32>(CONSOLE_IN + 4)) return false;
  store<u8>(CONSOLE_IN + RING_HEADER + w, <u8>byte);
  store<u32>(CONSOLE_IN, nw);
  return true;
}

@inline export function inEmpty(): bool {
  return load<u32>(CONSOLE_IN) == load<u32>(CONSOLE_IN + 4);
}

/** UART side: take one byte (caller checked !inEmpty()). */
export function inTake(): u32 {
  const r = load<u32>(CONSOLE_IN + 4);
  const b = <u32>load<u8>(CONSOLE_IN + RING_HEADER + r);
  let nr = r + 1;
  if (nr == IN_CAPACITY) nr = 0;
  store<u32>(CONSOLE_IN + 4, nr);
  return b;
}

export function consoleRingsReset(): void {
  store<u32>(CONSOLE_OUT, 0); store<u32>(CONSOLE_OUT + 4, 0);
  store<u32>(CONSOLE_IN, 0); store<u32>(CONSOLE_IN + 4, 0);
}
