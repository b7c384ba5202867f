// HMP through human-monitor-command: QEMU 7.2's output for the same lines on the same boot-ROM words
// (the fake machine's ROM starts with QEMU virt's reset vector), and the machine's real state.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { startMonitors, collectMonitorSpecs, DEFAULT_VERSION, type MonitorHandle } from "../../src/qmp/index.js";
import { silentLogger } from "../../src/log.js";
import { FakeMachine } from "./fake-machine.js";
import { RawClient } from "./client.js";

// In this order (x/xp remember the last format and size, as QEMU's monitor does). Expected texts were
// captured from qemu-system-riscv64 7.2 (-M virt -S); the test below re-checks them on QEMU when installed.
const SCRIPT: [string, string][] = [
  ["xp /4x 0x1000", "0000000000001000: 0x00000297 0x02828613 0xf1402573 0x0202b583\r\n"],
  ["xp /8xb 0x1000", "0000000000001000: 0x97 0x02 0x00 0x00 0x13 0x86 0x82 0x02\r\n"],
  ["x /2g 0x1000", "0000000000001000: 0x0282861300000297 0x0202b583f1402573\r\n"],
  ["xp /3dw 0x1000", "0000000000001000:        663   42108435 4047512947\r\n"],
  ["xp /2c 0x1000", "0000000000001000: '\\x97' '\\x02' '\\x00' '\\x00' '\\x13' '\\x86' '\\x82' '\\x02'\r\n"],
  ["xp 0x1000", "0000000000001000: '\\x97' '\\x02' '\\x00' '\\x00'\r\n"],
  ["xp", 'unexpected end of expression\r\nTry "help xp" for more information\r\n'],
  ["xp /4z 0x1000", "invalid char in format: 'z'\r\nTry \"help xp\" for more information\r\n"],
  ["xp /4x nonsense", "invalid char 'n' in expression\r\nTry \"help xp\" for more information\r\n"],
  ["x /4x 0xffffffff00000000", "ffffffff00000000: Cannot access memory\r\n"],
  ["help stop", "stop|s  -- stop emulation\r\n"],
  ["info status", "VM status: paused (prelaunch)\r\n"],
  ["info nosuch", "unknown command: 'info nosuch'\r\n"],
  ["nosuchcmd", "unknown command: 'nosuchcmd'\r\n"],
  ["info kvm", "kvm support: not compiled\r\n"],
  ["info uuid", "00000000-0000-0000-0000-000000000000\r\n"],
];

let dir: string, sock: string, machine: FakeMachine, monitors: MonitorHandle;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hmp-"));
  sock = path.join(dir, "qmp.sock");
  machine = new FakeMachine({ startPaused: true, harts: 2 });
  monitors = await startMonitors(collectMonitorSpecs([["-qmp", `unix:${sock},server=on,wait=off`]]), machine, {
    version: DEFAULT_VERSION,
    logger: silentLogger(),
  });
});
afterEach(async () => {
  await monitors.close();
  machine.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const hmp = async (c: RawClient, line: string, cpu?: number) =>
  c.cmd(
    "human-monitor-command",
    cpu === undefined ? { "command-line": line } : { "command-line": line, "cpu-index": cpu },
  );

describe("HMP", () => {
  it("prints what QEMU prints for the same memory and lines", async () => {
    const c = await RawClient.open(sock);
    for (const [line, want] of SCRIPT) expect((await hmp(c, line)).return, line).toBe(want);
    c.close();
  });

  it("info registers shows each hart's real registers in QEMU's layout", async () => {
    const c = await RawClient.open(sock);
    await c.cmd("cont");
    await new Promise((r) => setTimeout(r, 20));
    await c.cmd("stop");
    const regs = await machine.readRegisters();
    const out: string = (await hmp(c, "info registers -a")).return;
    expect(out.startsWith("\r\nCPU#0\r\n pc       ")).toBe(true);
    expect(out).toContain("\r\nCPU#1\r\n");
    expect(out).toContain(` x5/t0    ${regs[0].x[5].toString(16).padStart(16, "0")} x6/t1    `);
    expect(out).toContain(` pc       ${regs[1].pc.toString(16).padStart(16, "0")}\r\n mhartid  0000000000000001\r\n`);
    expect(out.split("\r\n").filter((l) => l.startsWith(" f28/ft8  "))).toHaveLength(2);
    expect((await hmp(c, "info registers", 1)).return).toMatch(/^\r\nCPU#1\r\n/);
    expect(await hmp(c, "info status", 5)).toEqual({
      error: { class: "GenericError", desc: "Parameter 'cpu-index' expects a CPU number" },
    });
    expect((await hmp(c, "info cpus", 1)).return).toBe(
      `  CPU #0: thread_id=${process.pid}\r\n* CPU #1: thread_id=${process.pid}\r\n`,
    );
    c.close();
  });

  it("stop/cont/system_reset act on the machine and raise the same events as QMP", async () => {
    const c = await RawClient.open(sock);
    expect(await c.exchange({ execute: "human-monitor-command", arguments: { "command-line": "cont" } })).toMatchObject(
      [{ event: "RESUME" }, { return: "" }],
    );
    expect((await hmp(c, "info status")).return).toBe("VM status: running\r\n");
    expect(await c.exchange({ execute: "human-monitor-command", arguments: { "command-line": "stop" } })).toMatchObject(
      [{ event: "STOP" }, { return: "" }],
    );
    expect((await hmp(c, "info status")).return).toBe("VM status: paused\r\n");
    expect(
      await c.exchange({ execute: "human-monitor-command", arguments: { "command-line": "system_reset" } }),
    ).toMatchObject([{ event: "RESET", data: { guest: false, reason: "host-qmp-system-reset" } }, { return: "" }]);
    expect((await hmp(c, "info registers")).return).toContain(" pc       0000000000001000\r\n");
    const mtree: string = (await hmp(c, "info mtree")).return;
    expect(mtree).toContain("    0000000080000000-00000000800fffff (prio 0, ram): riscv_virt_board.ram\r\n");
    expect(mtree).toContain("    0000000000001000-000000000000ffff (prio 0, rom): riscv_virt_board.mrom\r\n");
    expect((await hmp(c, "help")).return).toContain("cont|c  -- resume emulation\r\n");
    c.close();
  });
});

describe("HMP commands that have a QMP twin", () => {
  it("print what the QMP command answers, and act as it does", async () => {
    const m = new FakeMachine({
      startPaused: true,
      harts: 2,
      name: "vm1",
      blockDevices: [
        { device: "virtio0", file: "/img/a.raw", readOnly: true, format: "raw", size: 1 << 20 },
        {
          device: "virtio1",
          file: "/img/b.raw",
          readOnly: false,
          format: "raw",
          size: 1 << 20,
          overlay: "/tmp/ov.raw",
        },
      ],
    });
    const s = path.join(dir, "twin.sock");
    const mon = await startMonitors(collectMonitorSpecs([["-qmp", `unix:${s},server=on,wait=off`]]), m, {
      version: DEFAULT_VERSION,
      logger: silentLogger(),
    });
    try {
      const c = await RawClient.open(s);
      const text = async (line: string) => (await hmp(c, line)).return as string;
      const v = DEFAULT_VERSION;
      expect(await text("info version")).toBe(`${v.qemu.major}.${v.qemu.minor}.${v.qemu.micro}${v.package}\r\n`);
      expect(await text("info name")).toBe("vm1\r\n");
      expect(await text("info kvm")).toBe("kvm support: not compiled\r\n");
      expect(await text("info chardev")).toBe(
        `serial0: filename=stdio\r\ncompat_monitor0: filename=unix:${s},server=on\r\n`,
      );
      expect(await text("info block")).toBe(
        "virtio0 (#block0): /img/a.raw (raw, read-only)\r\n    Attached to:      /machine/peripheral-anon/device[0]\r\n" +
          "    Cache mode:       writeback\r\n\r\n" +
          "virtio1 (#block1): /tmp/ov.raw (raw)\r\n    Attached to:      /machine/peripheral-anon/device[1]\r\n" +
          "    Cache mode:       writeback, ignore flushes\r\n    Backing file:     /img/b.raw (chain depth: 1)\r\n",
      );
      expect(await text("info migrate_capabilities")).toContain("xbzrle: off\r\n");
      // No migration on this machine: QMP's answers, worded by HMP.
      expect(await text("migrate exec:cat")).toBe("Error: This machine cannot be migrated\r\n");
      expect(await text("migrate_incoming exec:cat")).toBe("Error: This machine cannot be migrated\r\n");
      expect(await text("migrate_cancel")).toBe("");
      expect(
        await c.exchange({ execute: "human-monitor-command", arguments: { "command-line": "system_powerdown" } }),
      ).toMatchObject([{ event: "POWERDOWN" }, { return: "" }]);
      expect(await text("quit")).toBe("");
      expect(m.state).toBe("shutdown");
      c.close();
    } finally {
      await mon.close();
      m.dispose();
    }
  });
});

const haveQemu = spawnSync("qemu-system-riscv64", ["--version"]).status === 0;
describe.skipIf(!haveQemu)("HMP script on the installed QEMU", () => {
  it("QEMU still prints the expected texts", async () => {
    const qsock = path.join(dir, "q.sock");
    const q = spawn(
      "qemu-system-riscv64",
      ["-M", "virt", "-m", "128M", "-nographic", "-bios", "default", "-S", "-qmp", `unix:${qsock},server=on,wait=off`],
      { stdio: "ignore" },
    );
    try {
      for (let i = 0; i < 100 && !fs.existsSync(qsock); i++) await new Promise((r) => setTimeout(r, 50));
      const c = await RawClient.open(qsock);
      for (const [line, want] of SCRIPT) {
        if (line === "info uuid") continue;
        expect((await hmp(c, line)).return, line).toBe(want);
      }
      c.close();
    } finally {
      q.kill("SIGKILL");
    }
  });
});
