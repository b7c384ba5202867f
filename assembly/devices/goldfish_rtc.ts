// Goldfish RTC at 0x0010_1000, alarm interrupt on PLIC source 11. Registers as QEMU 7.2
// (hw/rtc/goldfish_rtc.c behaviour, our own code); the clock is the host's wall clock
// (ns since the Unix epoch) plus an offset the guest sets by writing TIME_LOW/TIME_HIGH.
// The offset survives a machine reset, as on QEMU. The alarm is checked on every register
// access and in rtcPoll() between slices.
import { RTC_STATE } from "./state-map";
import { plicSetIrq } from "./plic";

@external("env", "hostTimeNs") declare function hostTimeNs(): f64;

import { RTC_IRQ } from "../generated/memmap";

const TIME_LOW: u32 = 0x00, TIME_HIGH: u32 = 0x04, ALARM_LOW: u32 = 0x08, ALARM_HIGH: u32 = 0x0c;
const IRQ_ENABLED: u32 = 0x10, CLEAR_ALARM: u32 = 0x14, ALARM_STATUS: u32 = 0x18, CLEAR_INTERRUPT: u32 = 0x1c;

const OFFSET: u32 = RTC_STATE + 0;           // i64: guest time - host time (ns)
const ALARM_NEXT: u32 = RTC_STATE + 8;       // u64
const ALARM_RUNNING: u32 = RTC_STATE + 16;   // u32
const IRQ_PENDING: u32 = RTC_STATE + 20;     // u32
const IRQ_EN: u32 = RTC_STATE + 24;          // u32
const TIME_HIGH_LATCH: u32 = RTC_STATE + 28; // u32

function now(): u64 {
  return <u64>(<i64>hostTimeNs() + load<i64>(OFFSET));
}

function updateIrq(): void {
  plicSetIrq(RTC_IRQ, (load<u32>(IRQ_PENDING) & load<u32>(IRQ_EN)) != 0);
}

function fire(): void {
  store<u32>(ALARM_RUNNING, 0);
  store<u32>(IRQ_PENDING, 1);
  updateIrq();
}

function checkAlarm(): void {
  if (load<u32>(ALARM_RUNNING) != 0 && now() >= load<u64>(ALARM_NEXT)) fire();
}

export function rtcReset(): void {
  store<u64>(ALARM_NEXT, 0);
  store<u32>(ALARM_RUNNING, 0);
  store<u32>(IRQ_PENDING, 0);
  store<u32>(IRQ_EN, 0);
  store<u32>(TIME_HIGH_LATCH, 0);
  updateIrq();
}

export function rtcRead(offset: u32, size: i32): u64 {
  checkAlarm();
  switch (offset) {
    case TIME_LOW: {
      const t = now();
      store<u32>(TIME_HIGH_LATCH, <u32>(t >> 32));
      return t & 0xffff_ffff;
    }
    case TIME_HIGH: return <u64>load<u32>(TIME_HIGH_LATCH);
    case ALARM_LOW: return load<u64>(ALARM_NEXT) & 0xffff_ffff;
    case ALARM_HIGH: return load<u64>(ALARM_NEXT) >> 32;
    case IRQ_ENABLED: return <u64>load<u32>(IRQ_EN);
    case ALARM_STATUS: return <u64>load<u32>(ALARM_RUNNING);
  }
  return 0;
}

export function rtcWrite(offset: u32, size: i32, value: u64): void {
  const v = value & 0xffff_ffff;
  switch (offset) {
    case TIME_LOW: {
      const cur = now();
      const t = (cur & 0xffff_ffff_0000_0000) | v;
      store<i64>(OFFSET, load<i64>(OFFSET) + <i64>(t - cur));
      break;
    }
    case TIME_HIGH: {
      const cur = now();
      const t = (cur & 0xffff_ffff) | (v << 32);
      store<i64>(OFFSET, load<i64>(OFFSET) + <i64>(t - cur));
      break;
    }
    case ALARM_LOW: {
      store<u64>(ALARM_NEXT, (load<u64>(ALARM_NEXT) & 0xffff_ffff_0000_0000) | v);
      if (load<u64>(ALARM_NEXT) <= now()) fire();
      else store<u32>(ALARM_RUNNING, 1);
      break;
    }
    case ALARM_HIGH:
      store<u64>(ALARM_NEXT, (load<u64>(ALARM_NEXT) & 0xffff_ffff) | (v << 32));
      break;
    case IRQ_ENABLED:
      store<u32>(IRQ_EN, <u32>v & 1);
      updateIrq();
      break;
    case CLEAR_ALARM:
      store<u32>(ALARM_RUNNING, 0);
      break;
    case CLEAR_INTERRUPT:
      store<u32>(IRQ_PENDING, 0);
      updateIrq();
      break;
  }
  checkAlarm();
}

/** Between slices: fire a due alarm. */
export function rtcPoll(): void {
  checkAlarm();
}

/** Nanoseconds until the armed alarm is due (0 if due now), or -1 when no alarm is armed. */
export function rtcAlarmDelayNs(): f64 {
  if (load<u32>(ALARM_RUNNING) == 0) return -1;
  const now_ = now(), at = load<u64>(ALARM_NEXT);
  return at <= now_ ? 0 : <f64>(at - now_);
}

// ---- saved machine state ----
// The registers live in RTC_STATE; the offset there is relative to this host's wall clock. QEMU
// migrates the RTC relative to the virtual clock (goldfish_rtc pre_save/post_load), which does not
// advance while the machine is saved, so the guest's wall clock also continues from where it was.

/** Guest RTC time now (ns), for the saved state. */
export function rtcSaveTime(): u64 { return now(); }

/** After a restore: the RTC continues from `savedNs`; a due alarm fires. */
export function rtcRestoreTime(savedNs: u64): void {
  store<i64>(OFFSET, <i64>savedNs - <i64>hostTimeNs());
  checkAlarm();
  updateIrq();
}
