// The benchmark's fastest part, end to end: `node bench/run.mjs --quick --only intloop --no-qemu` must print its table
// with a positive MIPS figure and write its JSON. Timings are not tested (npm run bench is not part of npm test).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const runScript = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bench", "run.mjs");

describe("npm run bench (smoke)", () => {
  it("runs intloop on wasmvirt and prints a table with MIPS > 0", () => {
    const dir = mkdtempSync(join(tmpdir(), "wasmvirt-bench-test-"));
    try {
      const json = join(dir, "out.json");
      const r = spawnSync(process.execPath, [runScript, "--quick", "--only", "intloop", "--no-qemu", "--json", json], {
        encoding: "utf8",
        timeout: 90_000,
      });
      expect(r.status, r.stderr + r.stdout).toBe(0);
      const header = r.stdout.split("\n").find((l) => l.startsWith("| part"));
      expect(header).toContain("wasmvirt/QEMU");
      const row = r.stdout.split("\n").find((l) => l.startsWith("| intloop") && l.includes("MIPS = instret / wall"));
      expect(row, r.stdout).toBeDefined();
      const cells = row!.split("|").map((c) => c.trim());
      const mips = Number(cells[4]);
      expect(mips).toBeGreaterThan(0);
      expect(cells[5]).toBe("not run (--no-qemu)");
      const result = JSON.parse(readFileSync(json, "utf8"));
      expect(result.machine.nproc).toBeGreaterThan(0);
      const intloop = result.parts.find((p: { part: string }) => p.part === "intloop");
      expect(intloop.info.instret).toBeGreaterThan(1e8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
