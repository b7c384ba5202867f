// Interrupt lines that devices drive into each hart's mip. Devices (CLINT, PLIC) set
// and clear bits here; the hart ORs them into the software-writable part of mip
// when it checks for interrupts. Bits use mip's layout.
import { DEVICE_STATE, MAX_HARTS } from "./layout";

export const MIP_SSIP: u64 = 1 << 1;
export const MIP_MSIP: u64 = 1 << 3;
export const MIP_STIP: u64 = 1 << 5;
export const MIP_MTIP: u64 = 1 << 7;
export const MIP_SEIP: u64 = 1 << 9;
export const MIP_MEIP: u64 = 1 << 11;

// One u64 per hart at the start of the device-state block.
export const IRQ_LINES: u32 = DEVICE_STATE;

@inline export function irqLines(hart: i32): u64 {
  return load<u64>(IRQ_LINES + (<u32>hart << 3));
}

export function setIrqLine(hart: i32, bit: u64, level: bool): void {
  if (hart < 0 || hart >= MAX_HARTS) return;
  const p = IRQ_LINES + (<u32>hart << 3);
  const old = load<u64>(p);
  const v = level ? (old | bit) : (old & ~bit);
  if (v != old) store<u64>(p, v);
}
