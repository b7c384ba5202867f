// goldfish RTC as Linux's rtc-goldfish driver reads it: TIME_LOW then TIME_HIGH, the alarm.
import { describe, it, expect, beforeEach } from "vitest";
import { Machine } from "./core.js";

const TIME_LOW = 0x00,
  TIME_HIGH = 0x04,
  ALARM_LOW = 0x08,
  ALARM_HIGH = 0x0c;
const IRQ_ENABLED = 0x10,
  CLEAR_ALARM = 0x14,
  ALARM_STATUS = 0x18,
  CLEAR_INTERRUPT = 0x1c;

describe("goldfish RTC", () => {
  let m: Machine;
  const rd = (off: number) => BigInt(m.core.rtcRead(off, 4));
  const wr = (off: number, v: bigint) => m.core.rtcWrite(off, 4, v & 0xffffffffn);
  const nowNs = () => {
    const lo = rd(TIME_LOW);
    return (rd(TIME_HIGH) << 32n) | lo;
  };
  const irq = () => m.core.plicPending(11) !== 0;

  beforeEach(async () => {
    m = await new Machine().start(1);
  });

  it("reads the host's wall clock", () => {
    const t = Number(nowNs()) / 1e6;
    expect(Math.abs(t - Date.now())).toBeLessThan(1000);
    const t2 = nowNs();
    expect(t2).toBeGreaterThanOrEqual(BigInt(Math.floor(t * 1e6)) - 1000n);
  });

  it("lets the guest set the time (hwclock --systohc)", () => {
    const y2000 = 946684800n * 1_000_000_000n;
    wr(TIME_HIGH, y2000 >> 32n);
    wr(TIME_LOW, y2000);
    const t = nowNs();
    expect(t - y2000).toBeGreaterThanOrEqual(0n);
    expect(t - y2000).toBeLessThan(1_000_000_000n);
    m.core.rtcReset(); // the offset survives a reset, as on QEMU
    expect(nowNs() - y2000).toBeLessThan(1_000_000_000n);
  });

  it("fires the alarm on PLIC source 11 once it is due, and clears it", async () => {
    wr(IRQ_ENABLED, 1n);
    const at = nowNs() + 30_000_000n; // 30 ms from now
    wr(ALARM_HIGH, at >> 32n);
    wr(ALARM_LOW, at);
    expect(rd(ALARM_STATUS)).toBe(1n);
    expect((rd(ALARM_HIGH) << 32n) | rd(ALARM_LOW)).toBe(at);
    const wait = m.core.devicesNextDeadlineNs(); // a sleeping host knows when to poll
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(30_000_000);
    m.core.rtcPoll();
    expect(irq()).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    m.core.rtcPoll();
    expect(irq()).toBe(true);
    expect(rd(ALARM_STATUS)).toBe(0n);
    expect(m.core.devicesNextDeadlineNs()).toBe(-1);
    wr(CLEAR_INTERRUPT, 1n);
    expect(irq()).toBe(false);
  });

  it("does not interrupt for a cleared alarm, nor with interrupts disabled", async () => {
    const at = nowNs() + 10_000_000n;
    wr(ALARM_HIGH, at >> 32n);
    wr(ALARM_LOW, at);
    wr(CLEAR_ALARM, 1n);
    wr(IRQ_ENABLED, 1n);
    await new Promise((r) => setTimeout(r, 25));
    m.core.rtcPoll();
    expect(irq()).toBe(false);
    wr(IRQ_ENABLED, 0n);
    const past = nowNs() - 1n; // an alarm in the past fires at once...
    wr(ALARM_HIGH, past >> 32n);
    wr(ALARM_LOW, past);
    expect(rd(ALARM_STATUS)).toBe(0n);
    expect(irq()).toBe(false); // ...but stays masked
    wr(IRQ_ENABLED, 1n);
    expect(irq()).toBe(true);
  });
});
