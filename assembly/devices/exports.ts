// Everything the host calls for the devices. assembly/index.ts does
// `export * from "./devices/exports"`, so these are module exports of core.wasm.
// (The bus calls the register functions — plicRead, uartRead, virtioRead... — directly.)
import { virtioAttach as attach, virtioSlotDevice as slotDevice } from "./virtio/mmio";
import { inputQueueEvent, inputDeliver, inputPendingEvents, EV_KEY, EV_SYN, SYN_REPORT, KEY_POWER, INPUT_EVENT_RING } from "./virtio/input";
import { deviceId } from "./virtio/slot";
import { VIRTIO_ID_INPUT } from "../generated/virtio_kinds";
import { VIRTIO_SLOTS } from "./state-map";
import { uartTxKick } from "./uart16550";
import { outContiguous, outReadPtr, outConsume, inFree, inPut, consoleRingsReset } from "./console_ring";
// Which devices exist and which of their hooks run when: the device table (src/machine/memmap.json).
import { devicesInitAll, devicesResetAll, devicesPollAll, devicesDeadlineNs } from "../generated/devices";

/** Once, when the machine is built (before any device is attached). */
export function devicesInit(hartCount: i32): void {
  consoleRingsReset();
  devicesInitAll(hartCount);
  devicesReset();
}

/** Machine reset (system_reset, guest reset): all device registers to their reset values. */
export function devicesReset(): void { devicesResetAll(); }

/** Between time slices (and periodically while the harts wait in WFI). */
export function devicesPoll(): void { devicesPollAll(); }

/**
 * For a host that sleeps while every hart waits in WFI: nanoseconds until a device needs a poll
 * (the RTC alarm is due: PLIC source 11 rises on time), 0 if now, or -1 when no device waits for time.
 */
export function devicesNextDeadlineNs(): f64 { return devicesDeadlineNs(); }

// ---- console (UART ↔ host) ----

/** Bytes of guest output readable in one piece at consoleOutPtr(). */
export function consoleOutPending(): u32 { return outContiguous(); }
/** Linear-memory address of the pending guest output. */
export function consoleOutPtr(): u32 { return outReadPtr(); }
/** The host has taken n bytes; the UART may transmit what was waiting for room. */
export function consoleOutConsume(n: u32): void { outConsume(n); uartTxKick(); }
/** Room for host input bytes. */
export function consoleInFree(): u32 { return inFree(); }
/** One byte of host input (keyboard); 1 if taken, 0 if the ring is full. The UART sees it at the next poll. */
export function consoleInPush(byte: u32): i32 { return inPut(byte) ? 1 : 0; }

// ---- virtio ----

/**
 * Put a device in virtio-mmio slot 0..7 (0x1000_1000 + slot·0x1000, IRQ slot+1).
 * type: a virtio device ID of src/machine/virtio-devices.json, 0 empty. Block: backend = disk index for blkRead/...,
 * flags bit 0 = read-only, capacityBytes = image size. Returns 0, or -1 if invalid.
 */
export function virtioAttach(slot: i32, type: i32, backend: i32, flags: i32, capacityBytes: f64): i32 {
  return attach(slot, type, backend, flags, capacityBytes);
}
/** Device ID in a slot (0 empty, -1 bad slot). */
export function virtioSlotDevice(slot: i32): i32 { return slotDevice(slot); }

/**
 * Key press/release on the first virtio keyboard: EV_KEY code, then EV_SYN. Returns 1 if
 * queued, 0 if there is no keyboard or its event ring is full.
 */
export function inputSendKey(code: i32, down: i32): i32 {
  for (let s: i32 = 0; s < VIRTIO_SLOTS; s++) {
    if (deviceId(s) != VIRTIO_ID_INPUT) continue;
    if (inputPendingEvents(s) + 2 > INPUT_EVENT_RING) return 0;
    inputQueueEvent(s, EV_KEY, <u32>code, down ? 1 : 0);
    inputQueueEvent(s, EV_SYN, SYN_REPORT, 0);
    inputDeliver(s);
    return 1;
  }
  return 0;
}

/** The power button: KEY_POWER pressed and released. Returns 1 if a keyboard took it. */
export function inputPowerButton(): i32 {
  if (!inputSendKey(<i32>KEY_POWER, 1)) return 0;
  return inputSendKey(<i32>KEY_POWER, 0);
}
