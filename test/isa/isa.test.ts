// The bare-metal ISA programs of test/isa/bin: each must pass on wasmvirt (exit 0, "<name>: PASS"),
// and where QEMU is installed, QEMU must give the same console output and exit status. wasmvirt's
// hart runs in this process (test/jit/core-runner.ts: the CLI's core, boot ROM and WASMVIRT_JIT
// mode), not as a CLI process per program: the hart is what these test; test/cli.test.ts tests the CLI.
import { describe, it, expect } from "vitest";
import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, basename } from "node:path";
import { hasQemu, repoRoot, runQemu, describeRun, programDisk, type RunResult } from "./emu.js";
import { coreBuilt, runInProcess } from "../jit/core-runner.js";
// @ts-ignore plain ESM tool without type declarations
import { writeElf } from "../../tools/rvgen/elf.mjs";

const binDir = join(repoRoot, "test", "isa", "bin");
const elfs = readdirSync(binDir)
  .filter((f) => f.endsWith(".elf"))
  .sort();
const TIMEOUT_MS = 20_000;
/** QEMU's run of each program, shared by the tests that compare with it (QEMU's result is the same each time). */
const qemuRuns = new Map<string, Promise<RunResult>>();
const qemuOnce = (elf: string) => {
  if (!qemuRuns.has(elf)) {
    const disk = programDisk(basename(elf, ".elf"));
    let file: string | undefined;
    if (disk) {
      file = join(mkdtempSync(join(tmpdir(), "isa-disk-")), "disk.img");
      writeFileSync(file, disk);
    }
    qemuRuns.set(elf, runQemu(elf, TIMEOUT_MS, file));
  }
  return qemuRuns.get(elf)!;
};
const hasCrossGcc = spawnSync("riscv64-unknown-elf-gcc", ["--version"], { stdio: "ignore" }).status === 0;

describe("ISA test programs", () => {
  it("are all present", () => {
    for (const p of [
      "rv64ui",
      "rv64um",
      "rv64ua",
      "rv64uc",
      "csr",
      "traps",
      "irq",
      "vm_sv39",
      "vm_sv48",
      "pmp",
      "misaligned",
      "access",
      "illegal",
      "hpm",
      "c_workload",
      "fp_csr",
      "fp_mem",
      "fp_arith_s",
      "fp_arith_d",
      "smc",
      "loops",
      "blk_dma",
    ])
      expect(elfs).toContain(`${p}.elf`);
  });

  it.skipIf(!hasQemu)(
    "a program that hangs is killed at the timeout and reported as timed out",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "isa-hang-"));
      try {
        const elf = join(dir, "hang.elf");
        writeFileSync(elf, writeElf(new Uint8Array([0x6f, 0x00, 0x00, 0x00]), 0x80000000n)); // j .
        const r = await runQemu(elf, 1_000);
        expect(r.timedOut).toBe(true);
        expect(r.status).toBeNull();
        expect(r.ms).toBeLessThan(10_000);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    15_000,
  );

  it.skipIf(!hasCrossGcc)(
    "committed ELFs are exactly what build.sh makes from the sources",
    () => {
      const out = mkdtempSync(join(tmpdir(), "isa-build-"));
      try {
        const r = spawnSync("sh", [join(repoRoot, "test", "isa", "build.sh")], {
          env: { ...process.env, OUT: out },
          encoding: "utf8",
        });
        expect(r.status, r.stderr).toBe(0);
        const stale = elfs.filter((f) => !readFileSync(join(out, f)).equals(readFileSync(join(binDir, f))));
        expect(stale, "rebuild with test/isa/build.sh and commit test/isa/bin").toEqual([]);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    60_000,
  );

  for (const file of elfs) {
    const name = basename(file, ".elf");
    const elf = join("test", "isa", "bin", file);
    const expected = `${name}: PASS\n`;

    it.skipIf(!hasQemu)(
      `${name} passes on QEMU (the oracle)`,
      async () => {
        const q = await qemuOnce(elf);
        expect(q.timedOut, describeRun(q)).toBe(false);
        expect(q.stdout, describeRun(q)).toBe(expected);
        expect(q.status, describeRun(q)).toBe(0);
      },
      TIMEOUT_MS + 5_000,
    );

    it.skipIf(!coreBuilt)(
      `${name} passes on wasmvirt${coreBuilt ? "" : " (skipped: build/core.wasm not built yet)"}`,
      () => {
        const w = runInProcess(join(repoRoot, elf), TIMEOUT_MS, programDisk(name));
        expect(w.timedOut, describeRun(w)).toBe(false);
        expect(w.stdout, describeRun(w)).toBe(expected);
        expect(w.status, describeRun(w)).toBe(0);
      },
      TIMEOUT_MS + 5_000,
    );

    it.skipIf(!coreBuilt || !hasQemu)(
      `${name}: wasmvirt and QEMU give the same output and exit status`,
      async () => {
        const q = qemuOnce(elf);
        const w = runInProcess(join(repoRoot, elf), TIMEOUT_MS, programDisk(name));
        const qr = await q;
        expect({ stdout: w.stdout, status: w.status, timedOut: w.timedOut }, describeRun(w)).toEqual({
          stdout: qr.stdout,
          status: qr.status,
          timedOut: qr.timedOut,
        });
      },
      TIMEOUT_MS + 5_000,
    );
  }
});
