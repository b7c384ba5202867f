// The translation tier as a user drives it: -accel words, HMP `info jit`, and a QMP `stop` that
// lands while the guest spins in translated code.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { RawClient } from "../qmp/client.js";
import { startWasmvirt, haveCli, CLI, FIXTURES } from "../qmp/cli-process.js";

const hmp = async (c: RawClient, line: string) =>
  (await c.cmd("human-monitor-command", { "command-line": line })).return as string;
const field = (text: string, name: string) => Number(new RegExp(`^${name}\\s+(\\d+)`, "m").exec(text)?.[1]);

describe.skipIf(!haveCli)("translation tier from the command line and the monitor", () => {
  it("translates the running loop (eager), stops it promptly from QMP and reports it in info jit", async () => {
    const vm = await startWasmvirt({ extra: ["-accel", "tcg,jit=eager"] });
    try {
      const c = await RawClient.open(vm.sock);
      await new Promise((r) => setTimeout(r, 300));
      const info = await hmp(c, "info jit");
      expect(info).toMatch(/^Translation tier: eager/);
      expect(field(info, "regions \\(pages\\)")).toBeGreaterThanOrEqual(1);
      expect(field(info, "translated insns")).toBeGreaterThan(1000);
      // The budget is checked at loop back-edges: stop answers as it does in the interpreter.
      const t0 = Date.now();
      expect(await c.exchange({ execute: "stop" })).toMatchObject([{ event: "STOP" }, { return: {} }]);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(await c.cmd("query-status")).toMatchObject({ return: { status: "paused", running: false } });
      const before = field(await hmp(c, "info jit"), "translated insns");
      await new Promise((r) => setTimeout(r, 100));
      expect(field(await hmp(c, "info jit"), "translated insns")).toBe(before);
      expect(await c.exchange({ execute: "cont" })).toMatchObject([{ event: "RESUME" }, { return: {} }]);
      await new Promise((r) => setTimeout(r, 100));
      expect(field(await hmp(c, "info jit"), "translated insns")).toBeGreaterThan(before);
    } finally {
      await vm.kill();
    }
  }, 30_000);

  it("runs the interpreter alone with one-insn-per-tb=on (QEMU's single-step word)", async () => {
    const vm = await startWasmvirt({ extra: ["-accel", "tcg,one-insn-per-tb=on"] });
    try {
      const c = await RawClient.open(vm.sock);
      await new Promise((r) => setTimeout(r, 200));
      const info = await hmp(c, "info jit");
      expect(info).toMatch(/^Translation tier: off/);
      expect(field(info, "regions compiled")).toBe(0);
    } finally {
      await vm.kill();
    }
  }, 30_000);

  it("refuses unknown -accel words with a one-line error", () => {
    const elf = path.join(FIXTURES, "loop.elf");
    for (const [accel, msg] of [
      ["tcg,jit=fast", /jit=fast is not one of off, on, eager, lockstep/],
      ["kvm", /only tcg is available/],
      ["tcg,jit-threshold=0", /jit-threshold must be a positive integer/],
      ["tcg,thread=multi", /property 'thread' is not supported/],
    ] as const) {
      const r = spawnSync(
        process.execPath,
        [CLI, "-M", "virt", "-bios", "none", "-kernel", elf, "-nographic", "-accel", accel],
        { encoding: "utf8", timeout: 10_000 },
      );
      expect(r.status, accel).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  }, 30_000);
});
