// Test entry for the device models: the register functions the bus will call, the host
// exports, and a few probes. Compiled by test/devices/core.ts with --runtime stub.
export { plicRead, plicWrite, plicSetIrq, plicReset, plicInit, plicPending } from "../../assembly/devices/plic";
export { uartRead, uartWrite, uartReset, uartPoll } from "../../assembly/devices/uart16550";
export { rtcRead, rtcWrite, rtcReset, rtcPoll } from "../../assembly/devices/goldfish_rtc";
export { virtioRead, virtioWrite, virtioReset, virtioPoll } from "../../assembly/devices/virtio/mmio";
export * from "../../assembly/devices/exports";
export { setRamSize } from "../../assembly/ram";
export { RAM } from "../../assembly/layout";
import { irqLines as lines } from "../../assembly/irq";

/** mip bits driven by the devices into hart h. */
export function irqLines(h: i32): u64 {
  return lines(h);
}
