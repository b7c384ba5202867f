// Bounded everything a client or a guest controls: a QMP client that never reads its replies is
// disconnected once its unread output passes max-buffer (others keep being served), a listener serves
// at most max-sessions clients and tells the next one why it is refused, and a guest writing to a
// console whose reader stalls is made to wait (no loss, no growing heap) instead of queuing without end.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startWasmvirt, haveCli, noCliReason, ROOT } from "../qmp/cli-process";
import { RawClient } from "../qmp/client";

const chatter = path.join(ROOT, "test/hardening/fixtures/chatter.elf");
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]);

describe.skipIf(!haveCli)(`bounded resources${haveCli ? "" : ` (${noCliReason})`}`, () => {
  it("disconnects a client that never reads once max-buffer is unread; other clients are unaffected", async () => {
    // A small bound keeps the test quick.
    const vm2 = await startWasmvirtWith(["max-buffer=1M"]);
    try {
      const hog = await RawClient.open(vm2.sock);
      hog.sock.pause(); // never reads again
      const rssBefore = rssKb(vm2.proc.pid!);
      let sent = 0;
      const deadline = Date.now() + 30_000;
      while (!hog.sock.destroyed && !hog.closed && Date.now() < deadline) {
        // Send in batches while the socket takes them (the server reads them and answers into the void).
        if (hog.sock.writableLength < 1 << 20) {
          hog.write('{"execute":"query-qmp-schema"}\n'.repeat(100));
          sent += 100;
        }
        await new Promise((r) => setTimeout(r, 5));
        if (hog.sock.writable === false) break;
      }
      // The server closed its end: our writes now fail; read the close.
      hog.sock.resume();
      await hog.waitClosed(10_000);
      expect(sent).toBeGreaterThan(0);
      const other = await RawClient.open(vm2.sock);
      expect((await other.cmd("query-status")).return.status).toBe("prelaunch");
      other.close();
      const grown = rssKb(vm2.proc.pid!) - rssBefore;
      expect(grown).toBeLessThan(150 * 1024); // bounded by max-buffer and the input queue, not by what was sent
    } finally {
      await vm2.kill();
    }
  });

  it("quit ends the process even while clients that never read (or never hang up) stay connected", async () => {
    const vm = await startWasmvirtWith(["max-buffer=1M"]);
    try {
      const idle = await RawClient.open(vm.sock); // negotiated, then silent and never hangs up
      const deaf = await RawClient.open(vm.sock);
      deaf.sock.pause(); // never reads again
      const c = await RawClient.open(vm.sock);
      c.send({ execute: "quit" });
      const exit = await Promise.race([vm.exited, new Promise((r) => setTimeout(() => r("hung"), 10_000))]);
      expect(exit).toEqual({ code: 0, signal: null });
      idle.close();
      deaf.close();
    } finally {
      await vm.kill();
    }
  });

  it("serves at most max-sessions clients per listener and answers the next with a clear refusal", async () => {
    const vm = await startWasmvirtWith(["max-sessions=2"]);
    try {
      const a = await RawClient.open(vm.sock);
      const b = await RawClient.open(vm.sock);
      const c = await RawClient.connect(vm.sock);
      const refusal = await c.next();
      expect(refusal.error.class).toBe("GenericError");
      expect(refusal.error.desc).toMatch(/Too many QMP sessions on unix:.*qmp\.sock,server=on \(max-sessions=2\)/);
      await c.waitClosed();
      expect((await a.cmd("query-status")).return).toBeDefined();
      b.close();
      await new Promise((r) => setTimeout(r, 100));
      const d = await RawClient.open(vm.sock); // room again
      expect((await d.cmd("query-status")).return).toBeDefined();
      a.close();
      d.close();
    } finally {
      await vm.kill();
    }
  });

  it("holds a guest's console output while stdout's reader stalls: bounded memory, nothing lost, monitor answers", async () => {
    const vm = await startWasmvirt({ elf: chatter });
    try {
      await new Promise((r) => setTimeout(r, 300));
      vm.proc.stdout!.pause(); // the reader stalls
      await new Promise((r) => setTimeout(r, 300));
      const before = rssKb(vm.proc.pid!);
      const c = await RawClient.open(vm.sock);
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 300));
        const t0 = Date.now();
        expect((await c.cmd("query-status")).return.status).toBe("running");
        expect(Date.now() - t0).toBeLessThan(1000);
      }
      const grown = rssKb(vm.proc.pid!) - before;
      // Held: ~1.5 MB here; queued without bound it was ~34 MB after these 3 s.
      expect(grown).toBeLessThan(12 * 1024);
      vm.proc.stdout!.resume();
      await new Promise((r) => setTimeout(r, 500));
      c.close();
      // Every line arrived, in order: 0, 1, 2, ...
      const lines = vm.stdout().split("\n").slice(0, -1);
      expect(lines.length).toBeGreaterThan(1000);
      for (let i = 0; i < lines.length; i++) {
        if (parseInt(lines[i], 16) !== i) throw new Error(`line ${i} is '${lines[i]}'`);
      }
    } finally {
      await vm.kill();
    }
  });
});

async function startWasmvirtWith(props: string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasmvirt-bound-"));
  const sock = path.join(dir, "qmp.sock");
  const vm = await startWasmvirt({ paused: true, qmp: ["-qmp", `unix:${sock},server=on,wait=off,${props.join(",")}`] });
  for (let i = 0; i < 200 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 25));
  const kill = vm.kill;
  return {
    ...vm,
    sock,
    kill: async () => {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
