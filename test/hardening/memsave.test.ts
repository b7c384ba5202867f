// memsave/pmemsave as a user relies on them: a failing save leaves the target as it was (no
// truncation, no stray temporary file), files are created 0600 as QEMU creates them, and a save into a
// FIFO nobody reads never keeps the process from exiting on quit or SIGTERM.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { startWasmvirt, haveCli, noCliReason, LOOP_COUNTER } from "../qmp/cli-process";
import { RawClient } from "../qmp/client";

const RAM_END = 0x80000000 + (128 << 20);

describe.skipIf(!haveCli)(`memsave/pmemsave${haveCli ? "" : ` (${noCliReason})`}`, () => {
  it("a failing save keeps the target intact; a good one writes it 0600", async () => {
    const vm = await startWasmvirt({ paused: true });
    try {
      const c = await RawClient.open(vm.sock);
      const target = path.join(vm.dir, "keep.bin");
      fs.writeFileSync(target, "precious\n");
      // Unbacked from the first byte, and unbacked only after the first MiB (RAM ends in the middle).
      for (const [val, size] of [
        [0x0, 16],
        [RAM_END - (1 << 20), 2 << 20],
      ]) {
        const r = await c.cmd("pmemsave", { val, size, filename: target });
        expect(r.error?.desc, JSON.stringify(r)).toMatch(/^Invalid addr 0x[0-9a-f]{16}\/size \d+ specified$/);
        expect(fs.readFileSync(target, "utf8")).toBe("precious\n");
      }
      const fresh = path.join(vm.dir, "never.bin");
      expect((await c.cmd("pmemsave", { val: 0, size: 16, filename: fresh })).error).toBeDefined();
      expect(fs.existsSync(fresh)).toBe(false);
      expect(fs.readdirSync(vm.dir).filter((f) => f.includes("wasmvirt-"))).toEqual([]); // no temporary left
      const ok = path.join(vm.dir, "ok.bin");
      expect(await c.cmd("pmemsave", { val: Number(LOOP_COUNTER), size: 4096, filename: ok })).toEqual({ return: {} });
      expect(fs.statSync(ok).size).toBe(4096);
      expect(fs.statSync(ok).mode & 0o777).toBe(0o600);
      expect(await c.cmd("pmemsave", { val: Number(LOOP_COUNTER), size: 8, filename: target })).toEqual({ return: {} });
      expect(fs.statSync(target).size).toBe(8);
      c.close();
    } finally {
      await vm.kill();
    }
  });

  it("a migration state file (file:PATH) is created 0600 too: it holds all of guest RAM", async () => {
    const vm = await startWasmvirt({ paused: true });
    try {
      const c = await RawClient.open(vm.sock);
      const file = path.join(vm.dir, "state.bin");
      expect(await c.cmd("migrate", { uri: `file:${file}` })).toEqual({ return: {} });
      for (let i = 0; i < 200 && (await c.cmd("query-migrate")).return.status !== "completed"; i++)
        await new Promise((r) => setTimeout(r, 25));
      expect(fs.statSync(file).size).toBeGreaterThan(0);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      c.close();
    } finally {
      await vm.kill();
    }
  });

  it("writes into a FIFO once someone reads it", async () => {
    const vm = await startWasmvirt({ paused: true });
    try {
      const fifo = path.join(vm.dir, "fifo");
      spawnSync("mkfifo", [fifo]);
      const c = await RawClient.open(vm.sock);
      const reply = c.cmd("pmemsave", { val: Number(LOOP_COUNTER), size: 256 << 10, filename: fifo });
      await new Promise((r) => setTimeout(r, 200)); // no reader yet: the command waits, nothing blocks
      const other = await RawClient.open(vm.sock);
      expect((await other.cmd("query-status")).return.status).toBe("prelaunch");
      const got = await new Promise<number>((resolve) => {
        let n = 0;
        fs.createReadStream(fifo)
          .on("data", (d) => {
            n += d.length;
          })
          .on("end", () => resolve(n));
      });
      expect(await reply).toEqual({ return: {} });
      expect(got).toBe(256 << 10);
      c.close();
      other.close();
    } finally {
      await vm.kill();
    }
  });

  for (const how of ["quit", "SIGTERM"] as const) {
    it(`exits on ${how} while a pmemsave waits for a FIFO reader`, async () => {
      const vm = await startWasmvirt({ paused: true });
      try {
        const fifo = path.join(vm.dir, "fifo");
        spawnSync("mkfifo", [fifo]);
        const c = await RawClient.open(vm.sock);
        c.send({ execute: "pmemsave", arguments: { val: Number(LOOP_COUNTER), size: 4096, filename: fifo } });
        await new Promise((r) => setTimeout(r, 300));
        const t0 = Date.now();
        if (how === "quit") {
          const q = await RawClient.open(vm.sock);
          expect((await q.exchange({ execute: "quit" })).pop()).toEqual({ return: {} });
        } else {
          vm.proc.kill("SIGTERM");
        }
        const exit = await Promise.race([vm.exited, new Promise((r) => setTimeout(() => r("hung"), 10_000))]);
        expect(exit).toEqual({ code: 0, signal: null });
        expect(Date.now() - t0).toBeLessThan(5000);
      } finally {
        await vm.kill();
      }
    });
  }
});
