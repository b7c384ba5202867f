// Short runs of the two fuzzers (the long ones: npm run fuzz:core -- N SEED, npm run fuzz:qmp -- N SEED).
// Core: random code, CSR writes and page tables in every privilege mode on core.wasm; no host exception.
// QMP: malformed, oversized and concurrent inputs against a real wasmvirt; never dead, always answering.
import { describe, it, expect } from "vitest";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, wasmvirtBuilt } from "../helpers/guest";
// @ts-expect-error plain ESM tool modules, no types
import { fuzzCore } from "../../tools/fuzz/core.mjs";
// @ts-expect-error plain ESM tool modules, no types
import { fuzzQmp } from "../../tools/fuzz/qmp.mjs";
import { makeDeviceImports } from "../../src/machine/device-imports";
import { MemoryBlockBackend } from "../../src/block/memory";

const wasm = join(repoRoot, "build", "core.wasm");

describe.skipIf(!wasmvirtBuilt || !existsSync(wasm))("fuzzing, short runs", () => {
  it("core: 1M random instructions per seed in M, S and U mode raise no host exception", async () => {
    const module = new WebAssembly.Module(readFileSync(wasm));
    for (const seed of [1, 2]) {
      const disk = new MemoryBlockBackend(1 << 20);
      const s = await fuzzCore({
        module,
        instructions: 1_000_000,
        seed,
        deviceImports: (mem: () => WebAssembly.Memory) => makeDeviceImports(mem, { disks: [disk] }),
      });
      expect(Number(s.instructions)).toBeGreaterThanOrEqual(1_000_000);
      expect(s.privSeen.M).toBeGreaterThan(0);
      expect(s.privSeen.S + s.privSeen.U).toBeGreaterThan(0);
    }
  });

  it("qmp: 6000 hostile inputs from concurrent clients never kill or stall the monitor", async () => {
    const s = await fuzzQmp({ inputs: 6000, seed: 7, batch: 1500 });
    expect(s.failure).toBe("");
    expect(s.deaths).toBe(0);
    expect(s.livenessFailures).toBe(0);
    expect(s.batches).toBe(4);
  });
});
