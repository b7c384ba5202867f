// The translation tier checked against the interpreter it replaces: every ISA program runs in
// lockstep mode (each region call replayed by the interpreter and compared), self-modifying code
// and host writes into code pages, and the counters a user sees in `info jit`.
import { describe, it, expect } from "vitest";
import { existsSync, readdirSync } from "node:fs";
import { DEFAULT_JIT_THRESHOLD } from "../../src/machine/jit-host.js";
import { join } from "node:path";
import { CoreRunner, repoRoot } from "./core-runner.js";
import { programDisk } from "../isa/emu.js";

const built =
  existsSync(join(repoRoot, "build", "core.wasm")) && existsSync(join(repoRoot, "dist", "machine", "elf.js"));
const isaBin = join(repoRoot, "test", "isa", "bin");
const elfs = existsSync(isaBin)
  ? readdirSync(isaBin)
      .filter((f) => f.endsWith(".elf"))
      .sort()
  : [];

describe.skipIf(!built)("translation tier", () => {
  for (const file of elfs) {
    const name = file.replace(/\.elf$/, "");
    it(`${name}: every region run agrees with the interpreter (lockstep) and the program passes`, () => {
      const r = new CoreRunner(join(isaBin, file), "lockstep", 1, programDisk(name)).run(2_000);
      expect(r.output).toBe(`${name}: PASS\n`);
      expect(r.status).toBe(0);
      const c = r.counters();
      expect(c.lockstepMismatches, r.lockstepReport()).toBe(0);
      expect(c.compiled).toBeGreaterThan(0);
      expect(c.lockstepChecks).toBeGreaterThan(0);
    }, 60_000);
  }

  it("runs the integer benchmark in translated code with the interpreter's result and instruction count", () => {
    const elf = join(repoRoot, "bench", "guest", "bin", "intloop.elf");
    const off = new CoreRunner(elf, "off").run();
    const on = new CoreRunner(elf, "on", 200).run();
    expect(on.output).toBe(off.output);
    expect(on.output).toMatch(/result=[0-9a-f]+ instret=\d+/);
    const c = on.counters();
    // Nearly all of it ran translated: the loops are hot.
    expect(c.jitInstructions / Number(/instret=(\d+)/.exec(on.output)![1])).toBeGreaterThan(0.9);
    expect(off.counters().compiled).toBe(0);
    expect(c.loops).toBeGreaterThan(0);
    // Its loop page ran long enough to be compiled again by the optimizing compiler.
    expect(c.optimized).toBeGreaterThan(0);
    expect(off.counters().optimized).toBe(0);
  }, 60_000);

  it("runs innermost loops as wasm loops with the registers in locals, left every way a loop can be left", () => {
    // loops.S leaves its loops by falling out, a fault, a device store, an AMO, a call, a CSR access
    // and the budget; each region call is replayed by the interpreter and compared.
    const r = new CoreRunner(join(isaBin, "loops.elf"), "lockstep").run(2_000);
    expect(r.output).toBe("loops: PASS\n");
    const c = r.counters();
    expect(c.loops).toBeGreaterThan(0);
    expect(c.lockstepMismatches, r.lockstepReport()).toBe(0);
  }, 60_000);

  it("drops a translation when the host writes new code into its page (the RAM-write seam)", () => {
    const elf = join(repoRoot, "test", "isa", "bin", "smc.elf");
    const r = new CoreRunner(elf, "eager").run(1, 5_000); // part-way: the first pages are translated
    const before = r.counters();
    expect(before.regions).toBeGreaterThan(0);
    // Rewrite the program's first page with the same bytes: the seam must drop its region.
    const pa = 0x8000_0000n;
    const host = r.core.physToHost(pa);
    r.writePhys(pa, r.bytes.slice(host, host + 4096));
    const after = r.counters();
    expect(after.invalidated).toBeGreaterThan(before.invalidated);
    expect(after.regions).toBeLessThan(before.regions);
    r.run();
    expect(r.output).toBe("smc: PASS\n");
  }, 60_000);

  it("drops a translation when a device's DMA writes new code into its page (virtio-blk read, then fence.i)", () => {
    // blk_dma.elf calls a function alone in its page 30,000 times, reads the disk's first sector over that
    // page, and needs the disk's code to run after fence.i; then 30,000 calls more.
    const elf = join(isaBin, "blk_dma.elf");
    for (const [mode, threshold] of [
      ["on", DEFAULT_JIT_THRESHOLD],
      ["eager", 1],
    ] as const) {
      const r = new CoreRunner(elf, mode, threshold, programDisk("blk_dma")).run();
      expect(r.output, mode).toBe("blk_dma: PASS\n");
      const c = r.counters();
      // The page was translated before the DMA (hot, or eager) and the DMA dropped it.
      expect(c.invalidated, mode).toBeGreaterThan(0);
      expect(c.compiled, mode).toBeGreaterThan(c.regions);
    }
  }, 60_000);

  it("backs off from a page whose code is rewritten again and again, and still runs it right", () => {
    const r = new CoreRunner(join(repoRoot, "test", "isa", "bin", "smc.elf"), "eager").run();
    expect(r.output).toBe("smc: PASS\n");
    const c = r.counters();
    expect(c.invalidated).toBeGreaterThanOrEqual(16);
    expect(c.backedOff).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
