// An internal error in the core (a host exception out of core.run: it should never happen, and the
// fuzzers look for one) must not kill the process: the machine stops in run state internal-error with
// a STOP event and a log line, the monitor keeps answering, cont is refused as QEMU refuses it,
// system_reset gets out of it, and quit ends the process cleanly. The worker's test hook
// WASMVIRT_TEST_INJECT_CORE_FAULT=1 makes its first run slice throw as a core bug would.
import { describe, it, expect } from "vitest";
import { startWasmvirt, haveCli, noCliReason } from "../qmp/cli-process";
import { RawClient } from "../qmp/client";

describe.skipIf(!haveCli)(`internal errors${haveCli ? "" : ` (${noCliReason})`}`, () => {
  it("becomes run state internal-error, not a dead process", async () => {
    process.env.WASMVIRT_TEST_INJECT_CORE_FAULT = "1";
    const vm = await startWasmvirt({ paused: true }).finally(() => {
      delete process.env.WASMVIRT_TEST_INJECT_CORE_FAULT;
    });
    try {
      const c = await RawClient.open(vm.sock);
      const events: string[] = [];
      c.send({ execute: "cont" });
      for (;;) {
        const m = await c.next(10_000);
        if (m.event) events.push(m.event);
        if (m.event === "STOP") break;
      }
      expect(events).toEqual(["RESUME", "STOP"]);
      for (let i = 0; i < 3; i++) {
        const r = await c.cmd("query-status");
        if (!r.return) continue; // the cont reply may come first
        expect(r.return).toEqual({ status: "internal-error", singlestep: false, running: false });
        break;
      }
      expect(vm.stderr()).toMatch(/wasmvirt: internal error in the core: injected fault/);
      expect((await c.cmd("cont")).error).toEqual({
        class: "GenericError",
        desc: "Resetting the Virtual Machine is required",
      });
      // A reset gets out of it: paused, then it runs again.
      expect((await c.exchange({ execute: "system_reset" })).pop()).toEqual({ return: {} });
      expect((await c.cmd("query-status")).return.status).toBe("paused");
      expect((await c.exchange({ execute: "cont" })).pop()).toEqual({ return: {} });
      expect((await c.cmd("query-status")).return.status).toBe("running");
      c.send({ execute: "quit" });
      expect(await vm.exited).toEqual({ code: 0, signal: null });
    } finally {
      await vm.kill();
    }
  });
});
