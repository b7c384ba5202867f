// WASMVIRT_TRACE_START=1: a line on stderr per start-up phase, in milliseconds since the process started
// (the main thread's time origin, handed to the CPU worker through the environment). For measuring where
// a start or a restore spends its time; silent otherwise.
import { performance } from "node:perf_hooks";

const on = process.env.WASMVIRT_TRACE_START === "1";
const origin = Number(process.env.WASMVIRT_TRACE_ORIGIN) || performance.timeOrigin;
if (on && !process.env.WASMVIRT_TRACE_ORIGIN) process.env.WASMVIRT_TRACE_ORIGIN = String(performance.timeOrigin);

export function traceStart(phase: string): void {
  if (!on) return;
  // CPU time of the whole process (every thread) so far: what a loaded machine does not inflate.
  const cpu = process.cpuUsage();
  process.stderr.write(
    `start-trace ${(performance.timeOrigin + performance.now() - origin).toFixed(1)} ms cpu ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms ${phase}\n`,
  );
}
