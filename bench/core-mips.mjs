#!/usr/bin/env node
// In-process hart throughput: loads a bare-metal ELF into core.wasm on this thread (no worker,
// no devices polling beyond the core's own) and reports guest MIPS. For A/B of hot-loop changes:
//   node bench/core-mips.mjs bench/guest/bin/intloop.elf [wasm=build/core.wasm] [runs=3] [debug]
// With "debug", a breakpoint that never hits is set, so the harts run through the debugger's
// loop (runDebug: one instruction at a time, checked), as under gdb with breakpoints.
// The translation tier's mode comes from WASMVIRT_JIT (off, on, eager, lockstep; default on).
import { readFileSync } from "node:fs";
import { parseElf, segmentBytes } from "../dist/machine/elf.js";
import { buildBootRom } from "../dist/machine/bootrom.js";
import { makeJitHost, JIT_MODES, jitModeFromEnv, DEFAULT_JIT_THRESHOLD } from "../dist/machine/jit-host.js";

const [elfPath, wasmPath = "build/core.wasm", runsArg = "3", mode = "run"] = process.argv.slice(2);
const elfFile = readFileSync(elfPath);
const elf = parseElf(elfFile, elfPath);
const module = new WebAssembly.Module(readFileSync(wasmPath));
const results = [];
for (let run = 0; run < Number(runsArg); run++) {
  let core;
  let out = "";
  const jit = makeJitHost(() => core);
  const env = {
    ...jit.env,
    hostMonotonicNs: () => performance.now() * 1e6,
    hostTimeNs: () => Date.now() * 1e6,
    abort: () => {
      throw new Error("abort");
    },
    blkRead: () => -5,
    blkWrite: () => -5,
    blkFlush: () => -5,
    rngFill: () => {},
  };
  const inst = new WebAssembly.Instance(module, { env });
  core = inst.exports;
  core.init(64 * 1024 * 1024, 1);
  core.jitSetMode(JIT_MODES[jitModeFromEnv()], Number(process.env.WASMVIRT_JIT_THRESHOLD ?? DEFAULT_JIT_THRESHOLD));
  const mem = () => new Uint8Array(core.memory.buffer);
  const rom = buildBootRom({ startAddr: elf.entry, fdtAddr: 0x80000000n + 60n * 1024n * 1024n, kernelEntry: 0n });
  mem().set(rom, core.romOffset());
  core.resetMachine(0x1000);
  for (const s of elf.segments) {
    mem().set(segmentBytes(elfFile, s), core.physToHost(s.addr));
    core.noteRamWrite(s.addr, s.fileSize);
  }
  if (mode === "debug") core.debugBreakpointInsert(1n);
  const step = mode === "debug" ? core.runDebug : core.run;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let r;
  for (;;) {
    r = step(200000);
    let n;
    while ((n = core.consoleOutPending()) > 0) {
      out += Buffer.from(mem().subarray(core.consoleOutPtr(), core.consoleOutPtr() + n)).toString();
      core.consoleOutConsume(n);
    }
    if (r !== 0 && r !== 1) break;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const instret = Number(/instret=(\d+)/.exec(out)?.[1] ?? core.instretOf(0));
  results.push(instret / cpuMs / 1000);
  process.stdout.write(
    `run ${run}: ${(instret / ms / 1000).toFixed(1)} MIPS wall, ${(instret / cpuMs / 1000).toFixed(1)} MIPS per CPU second (${instret} instructions, ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU) ${out.trim()}\n`,
  );
  if (process.env.WASMVIRT_JIT_STATS)
    console.log(
      JSON.stringify({ ...jit.counters(core), hostFailures: jit.stats.failures, lastError: jit.stats.lastError }),
    );
}
results.sort((a, b) => a - b);
console.log(`median ${results[Math.floor(results.length / 2)].toFixed(1)} MIPS per CPU second`);
