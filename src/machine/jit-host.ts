// The host half of the translation tier: the core emits a region's module bytes and calls
// env.jitCompile; we compile them synchronously (runs stay deterministic), instantiate them
// against the core's memory and slow paths, and put the function into the core's table.
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";

/** Translation modes, as the core numbers them (assembly/jit/cache.ts). */
export const JIT_MODES = { off: 0, on: 1, eager: 2, lockstep: 3 } as const;
export type JitModeName = keyof typeof JIT_MODES;
/**
 * Jumps into a page before it is translated. A baseline (Liftoff) module costs about a millisecond: measured
 * on the bundled guest, 20,000 costs boot ~0.1 s of CPU more than 100,000 and makes the guest benchmark ~30%
 * faster (more of it translated); 5,000 slows boot by 0.4 s.
 */
export const DEFAULT_JIT_THRESHOLD = 20000;

/**
 * Which V8 compiler builds a region (the core's TIER_* numbers). V8 fixes a module's compile strategy
 * when the module is created, from its flags at that moment, so the flags are set around each compile.
 * Both tiers also switch off lazy compilation (Node 20's default) for the compile: lazily, a function is
 * compiled at its first call, by the flags of that moment (the restored ones), so an "optimized" region
 * was built by Liftoff again, and the compile time landed in the region's first run instead of compileMs.
 * - baseline: Liftoff only (a page compiles in about a millisecond; no TurboFan, ever). Put back
 *   afterwards: --liftoff-only and the dynamic tiering it switches off (the core's own functions tier up
 *   by it), but not --wasm-tier-up: with it on, V8 compiles every Liftoff-only module again with TurboFan
 *   in the background (measured: the guest benchmark took 11 s of CPU instead of 7).
 * - optimized: TurboFan (a region the core promoted after it ran long enough to repay the compile).
 * WASMVIRT_JIT_TIERS=v8 leaves every region to V8's own tiering (for comparison).
 */
const TIER_FLAGS: ReadonlyArray<readonly [string, string]> = [
  ["--liftoff-only --no-wasm-lazy-compilation", "--no-liftoff-only --wasm-dynamic-tiering --wasm-lazy-compilation"],
  ["--no-liftoff --no-wasm-lazy-compilation", "--liftoff --wasm-lazy-compilation"],
];
const v8Tiering = process.env.WASMVIRT_JIT_TIERS === "v8";

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
  "optimized",
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
  env: { table: WebAssembly.Table; jitCompile(ptr: number, len: number, slot: number, tier: number): number };
  stats: JitHostStats;
  /** Every counter of the tier: the core's and the host's compile time. */
  counters(core: JitCore): Record<string, number>;
}

export function makeJitHost(getCore: () => JitCore): JitHost {
  const table = new WebAssembly.Table({ element: "anyfunc", initial: 1 });
  const stats: JitHostStats = { compileMs: 0, compiles: 0, failures: 0 };
  let imports: Record<string, unknown> | null = null;
  function jitCompile(ptr: number, len: number, slot: number, tier: number): number {
    const core = getCore();
    const t0 = performance.now();
    try {
      if (!imports) {
        const want = core.jitTableBase() + core.jitMaxRegions();
        if (table.length < want) table.grow(want - table.length);
        imports = { m: core.memory, l: core.jitLoad, s: core.jitStore, d: core.jitMulDiv, x: core.jitStep };
      }
      const flags = v8Tiering ? undefined : TIER_FLAGS[tier];
      let instance: WebAssembly.Instance;
      if (flags) setFlagsFromString(flags[0]);
      try {
        const module = new WebAssembly.Module(new Uint8Array(core.memory.buffer, ptr >>> 0, len >>> 0));
        instance = new WebAssembly.Instance(module, { e: imports } as WebAssembly.Imports);
      } finally {
        if (flags) setFlagsFromString(flags[1]);
      }
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
    `regions compiled    ${c.compiled} (${kb(c.bytesCompiled)}, ${c.compileMs.toFixed(1)} ms), ${c.optimized} of them optimized\n` +
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
