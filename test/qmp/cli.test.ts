// QMP against the real wasmvirt process running a bare-metal busy loop (fixtures/loop.elf): events come
// from the real CPU worker, memory and registers are the guest's, quit and signals end the process.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import net from "node:net";
import { spawn } from "node:child_process";
import { RawClient } from "./client.js";
import { startWasmvirt, haveCli, noCliReason, FIXTURES, LOOP_COUNTER, CLI } from "./cli-process.js";

if (!haveCli) console.warn(`skipping QMP CLI tests: ${noCliReason}`);

const counterHex = "0x" + LOOP_COUNTER.toString(16);
const hmp = async (c: RawClient, line: string) =>
  (await c.cmd("human-monitor-command", { "command-line": line })).return as string;
/** The loop counter as `xp /1g` shows it. */
async function counter(c: RawClient): Promise<bigint> {
  const out = await hmp(c, `xp /1g ${counterHex}`);
  const m = /^0000000080001000: 0x([0-9a-f]{16})\r\n$/.exec(out);
  if (!m) throw new Error("unexpected xp output: " + JSON.stringify(out));
  return BigInt("0x" + m[1]);
}

describe.skipIf(!haveCli)("QMP on the real wasmvirt (bare-metal busy loop)", () => {
  it("stop/cont/reset/quit act on the real CPU, with events in order, then the process exits", async () => {
    const vm = await startWasmvirt({ paused: true });
    try {
      const a = await RawClient.open(vm.sock);
      const b = await RawClient.open(vm.sock);
      expect(await a.cmd("query-status")).toEqual({
        return: { status: "prelaunch", singlestep: false, running: false },
      });
      expect(await counter(a)).toBe(0n);

      expect(await a.exchange({ execute: "cont" })).toMatchObject([{ event: "RESUME" }, { return: {} }]);
      expect(await b.next()).toMatchObject({ event: "RESUME" });
      const c1 = await counter(a);
      await new Promise((r) => setTimeout(r, 50));
      const c2 = await counter(a);
      expect(c2).toBeGreaterThan(c1); // the guest really runs

      expect(await a.exchange({ execute: "stop" })).toMatchObject([{ event: "STOP" }, { return: {} }]);
      expect(await b.next()).toMatchObject({ event: "STOP" });
      const s1 = await counter(a);
      await new Promise((r) => setTimeout(r, 50));
      expect(await counter(a)).toBe(s1); // and really stopped
      expect(await a.cmd("query-status")).toEqual({ return: { status: "paused", singlestep: false, running: false } });

      // Registers are the guest's: t1 (x6) holds the count just stored, pc is inside the loop.
      const regs = await hmp(a, "info registers");
      const t1 = BigInt("0x" + /x6\/t1\s+([0-9a-f]{16})/.exec(regs)![1]);
      const pc = BigInt("0x" + / pc\s+([0-9a-f]{16})/.exec(regs)![1]);
      expect([0x8000000an, 0x8000000cn, 0x80000010n]).toContain(pc);
      // Stopped between the addi and the sd, t1 is one ahead of memory.
      expect(t1).toBe(pc === 0x8000000cn ? s1 + 1n : s1);
      expect(regs).toMatch(/^\r\nCPU#0\r\n pc       [0-9a-f]{16}\r\n mhartid  0000000000000000\r\n/);
      expect(regs).toContain(" x0/zero  0000000000000000 x1/ra    ");

      // pmemsave writes the same memory.
      const f = path.join(vm.dir, "counter.bin");
      expect(await a.cmd("pmemsave", { val: Number(LOOP_COUNTER), size: 8, filename: f })).toEqual({ return: {} });
      expect(fs.readFileSync(f).readBigUInt64LE(0)).toBe(s1);

      expect(await a.exchange({ execute: "system_reset" })).toMatchObject([
        { event: "RESET", data: { guest: false, reason: "host-qmp-system-reset" } },
        { return: {} },
      ]);
      expect(await b.next()).toMatchObject({ event: "RESET" });
      expect(await hmp(a, "info registers")).toContain(" pc       0000000000001000\r\n");

      expect(await a.exchange({ execute: "quit", id: "q" })).toMatchObject([
        { event: "SHUTDOWN", data: { guest: false, reason: "host-qmp-quit" } },
        { return: {}, id: "q" },
      ]);
      expect(await b.next()).toMatchObject({ event: "SHUTDOWN", data: { guest: false, reason: "host-qmp-quit" } });
      await a.waitClosed();
      await b.waitClosed();
      expect((await vm.exited).code).toBe(0);
      expect(fs.existsSync(vm.sock)).toBe(false);
    } finally {
      await vm.kill();
    }
  });

  it("SIGTERM: SHUTDOWN host-signal to every operational session, none in handshake mode", async () => {
    const vm = await startWasmvirt({ paused: false });
    try {
      const a = await RawClient.open(vm.sock);
      const h = await RawClient.open(vm.sock, false);
      vm.proc.kill("SIGTERM");
      expect(await a.next()).toMatchObject({ event: "SHUTDOWN", data: { guest: false, reason: "host-signal" } });
      await a.waitClosed();
      await h.waitClosed();
      expect(h.pending()).toEqual([]);
      expect((await vm.exited).code).toBe(0);
      expect(fs.existsSync(vm.sock)).toBe(false);
    } finally {
      await vm.kill();
    }
  });

  it("the guest's own power-off gives SHUTDOWN guest-shutdown", async () => {
    const vm = await startWasmvirt({ paused: true, elf: path.join(FIXTURES, "poweroff.elf") });
    try {
      const a = await RawClient.open(vm.sock);
      expect(await a.exchange({ execute: "cont" })).toMatchObject([{ event: "RESUME" }, { return: {} }]);
      expect(await a.next(10_000)).toMatchObject({
        event: "SHUTDOWN",
        data: { guest: true, reason: "guest-shutdown" },
      });
      await a.waitClosed();
      expect((await vm.exited).code).toBe(0);
    } finally {
      await vm.kill();
    }
  });

  it("the guest's reset request gives RESET guest-reset, and the guest runs again", async () => {
    const vm = await startWasmvirt({ paused: true, elf: path.join(FIXTURES, "reset.elf") });
    try {
      const a = await RawClient.open(vm.sock);
      expect(await a.exchange({ execute: "cont" })).toMatchObject([{ event: "RESUME" }, { return: {} }]);
      expect(await a.next(10_000)).toMatchObject({ event: "RESET", data: { guest: true, reason: "guest-reset" } });
      expect(await a.next(10_000)).toMatchObject({ event: "RESET", data: { guest: true, reason: "guest-reset" } });
      expect((await a.cmd("query-status")).return.running).toBe(true);
      a.close();
    } finally {
      await vm.kill();
    }
  });

  it("system_powerdown presses the button (POWERDOWN); a bare-metal guest ignores it and keeps running", async () => {
    const vm = await startWasmvirt({ paused: false });
    try {
      const a = await RawClient.open(vm.sock);
      expect(await a.exchange({ execute: "system_powerdown" })).toMatchObject([{ event: "POWERDOWN" }, { return: {} }]);
      const key = (qcode: string, down: boolean) => ({
        type: "key",
        data: { down, key: { type: "qcode", data: qcode } },
      });
      expect(
        await a.exchange({
          execute: "input-send-event",
          arguments: { events: [key("power", true), key("power", false)] },
        }),
      ).toEqual([{ return: {} }]);
      expect(await a.cmd("query-status")).toEqual({ return: { status: "running", singlestep: false, running: true } });
      a.close();
    } finally {
      await vm.kill();
    }
  });

  it("tcp and -chardev/-mon monitors at once, many clients, split writes, and a log file off stdout", async () => {
    const port = await freePort();
    const tmp = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "qmp-log-"));
    const log = path.join(tmp, "wasmvirt.log");
    const mon = path.join(tmp, "mon.sock");
    const vm = await startWasmvirt({
      paused: true,
      qmp: [
        "-qmp",
        `tcp:127.0.0.1:${port},server=on,wait=off`,
        "-chardev",
        `socket,id=mon0,path=${mon},server=on,wait=off`,
        "-mon",
        "chardev=mon0,mode=control",
      ],
      extra: ["-D", log],
    });
    try {
      for (let i = 0; i < 100 && !fs.existsSync(mon); i++) await new Promise((r) => setTimeout(r, 25));
      const clients = await Promise.all([
        ...Array.from({ length: 5 }, () => RawClient.open({ port })),
        ...Array.from({ length: 5 }, () => RawClient.open(mon)),
      ]);
      const msg = '{"execute": "query-status", "id": "bytewise"}';
      for (const ch of Buffer.from(msg)) clients[0].write(Buffer.from([ch]));
      expect(await clients[0].next()).toEqual({
        return: { status: "prelaunch", singlestep: false, running: false },
        id: "bytewise",
      });
      clients[1].write('{"execute": }\n');
      expect((await clients[1].next()).error.class).toBe("JSONParsing");
      clients[9].send({ execute: "cont" });
      for (const c of clients) expect((await c.next()).event).toBe("RESUME");
      expect(await clients[9].next()).toEqual({ return: {} });
      const labels = (await clients[2].cmd("query-chardev")).return.map((x: any) => x.label);
      expect(labels).toContain("mon0");
      expect(labels).toContain("compat_monitor0");
      clients.forEach((c) => c.close());
      const lines = fs
        .readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.some((l) => l.msg === "qmp command" && l.cmd === "cont")).toBe(true);
      expect(lines.some((l) => l.msg === "qmp event" && l.event === "RESUME")).toBe(true);
      expect(vm.stdout()).not.toContain("qmp command");
    } finally {
      await vm.kill();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("-qmp stdio answers a script and its quit", async () => {
    const proc = spawn(
      process.execPath,
      [
        CLI,
        "-M",
        "virt",
        "-bios",
        "none",
        "-kernel",
        path.join(FIXTURES, "loop.elf"),
        "-nographic",
        "-serial",
        "null",
        "-qmp",
        "stdio",
        "-S",
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d;
    });
    proc.stdin.end('{"execute": "qmp_capabilities"}\n{"execute": "query-status"}\n{"execute": "quit"}\n');
    const code = await new Promise((r) => proc.once("exit", r));
    const msgs = out
      .trim()
      .split("\r\n")
      .map((l) => JSON.parse(l));
    expect(code).toBe(0);
    expect(msgs[0].QMP).toBeDefined();
    expect(msgs.slice(1)).toMatchObject([
      { return: {} },
      { return: { status: "prelaunch", running: false } },
      { event: "SHUTDOWN", data: { guest: false, reason: "host-qmp-quit" } },
      { return: {} },
    ]);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
