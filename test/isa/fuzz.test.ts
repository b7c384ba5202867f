// Random-instruction differential testing (tools/rvgen): generated RV64IMAC programs must leave
// the same registers, scratch CSRs and memory hash on wasmvirt as on QEMU. A fixed sample runs
// here (seeds 1..20 unless ISA_FUZZ_SEED is set); `npm run fuzz:isa` runs many more.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-ignore plain ESM tools without type declarations
import { generateProgram, parseDump, DUMP_NAMES } from "../../tools/rvgen/gen.mjs";
// @ts-ignore
import { checkEncoder } from "../../tools/rvgen/encode-check.mjs";
// @ts-ignore
import { fuzzOne, compareDumps } from "../../tools/fuzz-isa.mjs";
import { hasQemu } from "./emu.js";
import { coreBuilt as hasWasmvirt, runInProcess } from "../jit/core-runner.js";

const hasGas = spawnSync("riscv64-unknown-elf-as", ["--version"], { stdio: "ignore" }).status === 0;
const SEED0 = Number(process.env.ISA_FUZZ_SEED ?? 1);
const PROGRAMS = 20;
const LENGTH = 200;

interface GenOptions {
  traps?: boolean;
  paging?: "sv39" | "sv48" | null;
  priv?: "S" | "U";
}
const flagsOf = (o: GenOptions) =>
  `${o.traps ? " --traps" : ""}${o.paging ? ` --paging=${o.paging}` : ""}${o.priv ? ` --priv=${o.priv}` : ""}`;

async function runSeeds(
  mode: "qemu" | "diff",
  seeds: number[],
  gen: GenOptions = {},
  length = LENGTH,
): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "isa-fuzz-"));
  const failures: string[] = [];
  try {
    const queue = [...seeds];
    await Promise.all(
      [0, 1].map(async () => {
        for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
          // wasmvirt's hart in this process (the CLI has its own tests), in the WASMVIRT_JIT mode.
          const r = await fuzzOne(s, length, mode, dir, 20_000, gen, async (elf: string, ms: number) =>
            runInProcess(elf, ms),
          );
          if (!r.ok)
            failures.push(
              `seed ${s}: ${r.message} (reproduce: node tools/fuzz-isa.mjs 1 ${length} ${s}${flagsOf(gen)})`,
            );
        }
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return failures;
}

describe("random-instruction generator", () => {
  it("is deterministic per seed and different across seeds", () => {
    const a = generateProgram(42, 100),
      b = generateProgram(42, 100),
      c = generateProgram(43, 100);
    expect(Buffer.from(a.elf).equals(Buffer.from(b.elf))).toBe(true);
    expect(Buffer.from(a.elf).equals(Buffer.from(c.elf))).toBe(false);
    expect(a.listing.some((l: string) => / c\./.test(l))).toBe(true); // compressed forms are in the mix
    expect(a.listing.some((l: string) => /amo|lr\.|sc\./.test(l))).toBe(true);
  });

  it("dump comparison names the first differing register", () => {
    const dump = Object.fromEntries(DUMP_NAMES.map((n: string) => [n, "0".repeat(16)]));
    const text = DUMP_NAMES.map((n: string) => `${n}=${dump[n]}`).join("\n");
    expect(parseDump(text)).toEqual(dump);
    expect(compareDumps(dump, { ...dump })).toBeNull();
    expect(compareDumps(dump, { ...dump, x07: "1".repeat(16), x09: "2".repeat(16) })).toMatchObject({ name: "x07" });
  });

  it.skipIf(!hasGas)("encodes exactly as GNU as does", () => {
    expect(checkEncoder(3, 400, 1000)).toBeGreaterThan(1000);
  });

  it.skipIf(!hasQemu)(
    "produces trap-free programs with a deterministic dump on QEMU",
    async () => {
      const failures = await runSeeds("qemu", [SEED0, SEED0 + 1, SEED0 + 2, SEED0 + 3, SEED0 + 4]);
      expect(failures).toEqual([]);
    },
    60_000,
  );

  it.skipIf(!hasQemu)(
    "with paging, runs the body in S/U mode and reports the page-table hash on QEMU",
    async () => {
      expect(await runSeeds("qemu", [SEED0, SEED0 + 1], { paging: "sv39", priv: "U" })).toEqual([]);
      expect(await runSeeds("qemu", [SEED0 + 2], { paging: "sv48", priv: "S", traps: true })).toEqual([]);
    },
    60_000,
  );

  it.skipIf(!hasQemu)(
    "in trap mode, produces programs whose traps are deterministic on QEMU",
    async () => {
      const failures = await runSeeds("qemu", [SEED0, SEED0 + 1, SEED0 + 2], { traps: true });
      expect(failures).toEqual([]);
      const p = generateProgram(SEED0, LENGTH, { traps: true });
      expect(p.listing.some((l: string) => /\.word|\.hword|ecall|ebreak/.test(l))).toBe(true);
    },
    60_000,
  );
});

describe("wasmvirt vs QEMU on random RV64IMAC programs", () => {
  it.skipIf(!hasQemu || !hasWasmvirt)(
    `${PROGRAMS} programs x ${LENGTH} instructions give the same dump${hasWasmvirt ? "" : " (skipped: build/core.wasm not built yet)"}`,
    async () => {
      const seeds = Array.from({ length: PROGRAMS }, (_, i) => SEED0 + i);
      const failures = await runSeeds("diff", seeds);
      expect(failures).toEqual([]);
    },
    180_000,
  );

  it.skipIf(!hasQemu || !hasWasmvirt)(
    `5 programs x ${LENGTH} with trapping instructions give the same dump and trap hash`,
    async () => {
      const seeds = Array.from({ length: 5 }, (_, i) => SEED0 + 1000 + i);
      const failures = await runSeeds("diff", seeds, { traps: true });
      expect(failures).toEqual([]);
    },
    120_000,
  );

  it.skipIf(!hasQemu || !hasWasmvirt)(
    `programs running under Sv39 (S-mode) and Sv48 (U-mode) give the same dump and A/D bits`,
    async () => {
      const failures = [
        ...(await runSeeds("diff", [SEED0 + 2000, SEED0 + 2001, SEED0 + 2002], { paging: "sv39", priv: "S" })),
        ...(await runSeeds("diff", [SEED0 + 3000, SEED0 + 3001, SEED0 + 3002], { paging: "sv48", priv: "U" })),
      ];
      expect(failures).toEqual([]);
    },
    120_000,
  );

  it.skipIf(!hasQemu || !hasWasmvirt)(
    "in lockstep mode (every translated run replayed by the interpreter, AMOs included) the dumps stay QEMU's",
    async () => {
      const before = process.env.WASMVIRT_JIT;
      process.env.WASMVIRT_JIT = "lockstep";
      try {
        const seeds = Array.from({ length: 10 }, (_, i) => 94000 + i);
        expect(await runSeeds("diff", seeds, {}, 500)).toEqual([]);
      } finally {
        if (before === undefined) delete process.env.WASMVIRT_JIT;
        else process.env.WASMVIRT_JIT = before;
      }
    },
    180_000,
  );
});
