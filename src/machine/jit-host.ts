// The host half of the translation tier: the core emits a region's module bytes and calls
// env.jitCompile; we compile them synchronously (runs stay deterministic), instantiate them
// against the core's memory and slow paths, and put the function into the core's table.
import { performance } from "node:perf_hooks";

/** Translation modes, as the core numbers them (assembly/jit/cache.ts). */
export const JIT_MODES = { off: 0, on: 1, eager: 2, lockstep: 3 } as const;
export type JitModeName = keyof typeof JIT_MODES;
/** Jumps into a page before it is translated: a module costs ~1 ms to build, so only pages that run a lot pay. */
export const DEFAULT_JIT_THRESHOLD = 100000;

/** The core's counters, in the order of its jitCounter(i). */
export const JIT_COUNTERS = [
  "regions",
  "bytes",
  "compiled",
  "bytesCompiled",
  "compileFailed",
  "invalidated",
  "evicted",
  "backedOff",
  "entered",
  "jitInstructions",
  "lockstepChecks",
  "lockstepSkipped",
  "exitBranch",
  "exitInterp",
  "exitFault",
  "exitEvent",
  "lockstepMismatches",
  "loops",
] as const;

export interface JitCore {
  memory: WebAssembly.Memory;
  jitLoad: Function;
  jitStore: Function;
  jitMulDiv: Function;
  jitStep: Function;
  jitTableBase(): number;
  jitMaxRegions(): number;
  jitCounter(i: number): number;
}

export interface JitHostStats {
  compileMs: number;
  compiles: number;
  failures: number;
  lastError?: string;
}

export interface JitHost {
  /** Goes into the core's env imports. */
  env: { table: WebAssembly.Table; jitCompile(ptr: number, len: number, slot: number): number };
  stats: JitHostStats;
  /** Every counter of the tier: the core's and the host's compile time. */
  counters(core: JitCore): Record<string, number>;
}

export function makeJitHost(getCore: () => JitCore): JitHost {
  const table = new WebAssembly.Table({ element: "anyfunc", initial: 1 });
  const stats: JitHostStats = { compileMs: 0, compiles: 0, failures: 0 };
  let imports: Record<string, unknown> | null = null;
  function jitCompile(ptr: number, len: number, slot: number): number {
    const core = getCore();
    const t0 = performance.now();
    try {
      if (!imports) {
        const want = core.jitTableBase() + core.jitMaxRegions();
        if (table.length < want) table.grow(want - table.length);
        imports = { m: core.memory, l: core.jitLoad, s: core.jitStore, d: core.jitMulDiv, x: core.jitStep };
      }
      const module = new WebAssembly.Module(new Uint8Array(core.memory.buffer, ptr >>> 0, len >>> 0));
      const instance = new WebAssembly.Instance(module, { e: imports } as WebAssembly.Imports);
      table.set(slot, instance.exports.f as Function);
      stats.compiles++;
      return 0;
    } catch (e) {
      // A module V8 refuses is a translator bug: the page stays with the interpreter.
      stats.failures++;
      stats.lastError = (e as Error).message;
      return 1;
    } finally {
      stats.compileMs += performance.now() - t0;
    }
  }
  return {
    env: { table, jitCompile },
    stats,
    counters(core) {
      const out: Record<string, number> = {};
      JIT_COUNTERS.forEach((name, i) => {
        out[name] = core.jitCounter(i);
      });
      out.compileMs = stats.compileMs;
      return out;
    },
  };
}

export interface JitInfo {
  mode: JitModeName;
  threshold: number;
  counters: Record<string, number>;
}

export function jitModeName(n: number): JitModeName {
  return (Object.keys(JIT_MODES) as JitModeName[]).find((k) => JIT_MODES[k] === n) ?? "off";
}

/** HMP `info jit`: QEMU prints its translation buffer state and statistics; ours, in the same spirit. */
export function formatJitInfo(i: JitInfo): string {
  const c = i.counters;
  const kb = (n: number) => `${Math.round(n / 1024)} KiB`;
  const mode =
    i.mode === "off"
      ? "off (interpreter only)"
      : i.mode === "on"
        ? `on (a page is translated after ${i.threshold} jumps into it)`
        : i.mode;
  return (
    `Translation tier: ${mode}\n` +
    `Translation buffer state:\n` +
    `regions (pages)     ${c.regions}\n` +
    `gen code size       ${kb(c.bytes)}\n` +
    `regions compiled    ${c.compiled} (${kb(c.bytesCompiled)}, ${c.compileMs.toFixed(1)} ms)\n` +
    `loops in locals     ${c.loops}\n` +
    `compile failures    ${c.compileFailed}\n` +
    `\nStatistics:\n` +
    `region entries      ${c.entered}\n` +
    `translated insns    ${c.jitInstructions}\n` +
    `exits               branch ${c.exitBranch}, interpreter ${c.exitInterp}, fault ${c.exitFault}, device ${c.exitEvent}\n` +
    `invalidations       ${c.invalidated}\n` +
    `evictions           ${c.evicted}\n` +
    `pages backed off    ${c.backedOff}\n` +
    (i.mode === "lockstep"
      ? `lockstep            ${c.lockstepChecks} checked, ${c.lockstepSkipped} skipped, ${c.lockstepMismatches} mismatches\n`
      : "")
  );
}

/** Default mode for machines and in-process cores: WASMVIRT_JIT=off|on|eager|lockstep (tests run suites in each). */
export function jitModeFromEnv(): JitModeName {
  const v = process.env.WASMVIRT_JIT;
  if (v && v in JIT_MODES) return v as JitModeName;
  return "on";
}
