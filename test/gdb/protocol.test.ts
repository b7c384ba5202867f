// The debugger port at the packet level: replies compared with QEMU 7.2's for the same packets,
// the machine's run state as QMP sees it (STOP/RESUME, query-status debug/paused), and what a
// client can do wrong (bad checksums, oversized packets, a second debugger, leaving mid-step).
import { describe, it, expect } from "vitest";
import { startTarget, haveQemu, haveCli, Rsp, ROOT, type Target } from "./helpers.js";
import { RawClient } from "../qmp/client.js";
import { FIXTURES, CLI } from "../qmp/cli-process.js";
import path from "node:path";
import net from "node:net";
import { spawnSync } from "node:child_process";

const LOOP_ELF = path.join(FIXTURES, "loop.elf");
const TRAPSTEP_ELF = path.join(ROOT, "test/gdb/guest/bin/trapstep.elf");

/** Packets whose replies must be QEMU's, byte for byte, on a machine held at reset (-S). */
const SAME_AS_QEMU = [
  "qSupported:multiprocess+;swbreak+;hwbreak+",
  "vMustReplyEmpty",
  "?",
  "qC",
  "qAttached",
  "qAttached:1",
  "qfThreadInfo",
  "qsThreadInfo",
  "qsThreadInfo",
  "qThreadExtraInfo,p1.1",
  "qTStatus",
  "qOffsets",
  "qSymbol::",
  "p20",
  "P20=0400008000000000", // before the target description: not answered
  "qXfer:features:read:target.xml:0,ffb",
  "g",
  "p20",
  "p0",
  "p21",
  "p41",
  "p42",
  "p43",
  "p142",
  "p342",
  "p1000",
  "pfff",
  "pzz",
  "m1000,8",
  "m80000000,10",
  "m0,4",
  "m80000000,0",
  "m80000000",
  "M80000000,2:zz",
  "Mzz",
  "Z9,1,1",
  "z0,80000010,4",
  "Z0,80000010,4",
  "z0,80000010,4",
  "Z2,80000100,0",
  "Z2,80000100,8",
  "z2,80000100,8",
  "Hgp1.2",
  "Hg0",
  "Hgp1.1",
  "Hc-1",
  "Hx1",
  "T1",
  "T2",
  "Tp1.1",
  "vCont?",
  "vCont;x",
  "vFoo",
  "xyz",
  "qqemu.sstepbits",
  "qqemu.sstep",
  "qqemu.PhyMemMode",
  "Qqemu.PhyMemMode:1",
  "m80000000,4",
  "qqemu.PhyMemMode",
  "Qqemu.PhyMemMode:0",
  "qRcmd,",
  "qRcmd,696e666f20737461747573",
  "qXfer:features:read:nosuch.xml:0,10",
  "qXfer:features:read:target.xml:0,ffb",
  "qXfer:features:read:riscv-64bit-cpu.xml:0,ffb",
  "qXfer:features:read:riscv-64bit-virtual.xml:0,ffb",
  "qXfer:features:read:target.xml:1000,10",
  "P20=0400008000000000",
  "p20",
  "P1=1122334455667788",
  "p1",
  "P0=1122334455667788",
  "p0",
];

/** Every packet that comes back within `ms` after sending `p` (qRcmd answers with O packets, then OK). */
async function exchange(r: Rsp, p: string, ms = 150): Promise<string[]> {
  const out = [await r.request(p)];
  for (;;) {
    try {
      out.push(await r.packet(ms));
    } catch {
      return out;
    }
  }
}

async function transcript(kind: "wasmvirt" | "qemu", packets: string[]): Promise<string[]> {
  const t = await startTarget(kind);
  try {
    const r = await Rsp.connect(t.port);
    const lines: string[] = [];
    for (const p of packets) lines.push(`${p} -> ${JSON.stringify(await exchange(r, p))}`);
    r.close();
    return lines;
  } finally {
    await t.kill();
  }
}

async function qmp(t: Target): Promise<RawClient> {
  return RawClient.open(t.qmpSock);
}

describe.skipIf(!haveCli)("gdb remote protocol", () => {
  it.skipIf(!haveQemu)(
    "answers packets as QEMU 7.2 does (registers, memory, threads, breakpoints, errors)",
    async () => {
      const w = await transcript("wasmvirt", SAME_AS_QEMU);
      const q = await transcript("qemu", SAME_AS_QEMU);
      // Deliberate: wasmvirt also offers QStartNoAckMode (QEMU 7.2 does not), and its feature
      // documents carry no copy of GDB's copyright comment.
      w[0] = w[0].replace(";QStartNoAckMode+", "");
      const noComments = (l: string) => l.replace(/<!--.*?-->\\n\\n/g, "");
      expect(w).toEqual(q.map(noComments));
    },
    60_000,
  );

  it.skipIf(!haveQemu)(
    "describes the CSRs QEMU describes, less those of extensions the hart does not have",
    async () => {
      const csrs = async (kind: "wasmvirt" | "qemu") => {
        const t = await startTarget(kind);
        try {
          const r = await Rsp.connect(t.port);
          let xml = "";
          for (;;) {
            const p = await r.request(`qXfer:features:read:riscv-csr.xml:${xml.length.toString(16)},ffb`);
            xml += p.slice(1);
            if (p[0] === "l") break;
          }
          r.close();
          return [...xml.matchAll(/<reg name="(\w+)" bitsize="64" regnum="(\d+)"\/>/g)].map((m) => `${m[1]}=${m[2]}`);
        } finally {
          await t.kill();
        }
      };
      const w = await csrs("wasmvirt");
      const q = await csrs("qemu");
      // The H extension, Sdtrig's trigger CSRs, mtinst/mtval2 (H) and RV32's odd pmpcfg are not on our hart.
      const absent = /^(h\w+|vs\w+|tselect|tdata\d|tinfo|mtinst|mtval2|pmpcfg[13])=/;
      expect(w).toEqual(q.filter((c) => !absent.test(c)));
      expect(w).toContain("mstatus=834");
      expect(w).toContain("satp=450");
    },
    60_000,
  );

  it("a breakpoint and a step stop in state debug (STOP/RESUME events); detach runs the program to its end", async () => {
    const t = await startTarget("wasmvirt");
    try {
      const q = await qmp(t);
      const r = await Rsp.connect(t.port);
      expect(await r.request("qSupported:multiprocess+")).toContain("PacketSize=1000");
      expect(await r.request("qXfer:features:read:target.xml:0,ffb")).toMatch(/^l<\?xml/); // p/P come after it
      expect((await q.cmd("query-status")).return.status).toBe("prelaunch");
      expect(await r.request("Z0,800000c6,2")).toBe("OK"); // scale()
      r.write(Rsp.frame("c"));
      expect(await r.packet()).toBe("T05thread:p01.01;");
      expect((await q.next()).event).toBe("RESUME");
      expect((await q.next()).event).toBe("STOP");
      expect((await q.cmd("query-status")).return).toEqual({ status: "debug", singlestep: false, running: false });
      expect(await r.request("p20")).toBe("c600008000000000");
      // A step: RESUME then STOP again, one instruction further.
      r.write(Rsp.frame("vCont;s:p1.1"));
      expect(await r.packet()).toBe("T05thread:p01.01;");
      expect((await q.next()).event).toBe("RESUME");
      expect((await q.next()).event).toBe("STOP");
      expect(await r.request("p20")).toBe("ca00008000000000");
      // HMP through QMP sees the same stop.
      expect((await q.cmd("human-monitor-command", { "command-line": "info status" })).return).toBe(
        "VM status: paused (debug)\r\n",
      );
      // Detach: breakpoints go, the machine runs to its end (the program powers off).
      expect(await r.request("D")).toBe("OK");
      expect(await t.exited).toBe(0);
      expect(t.serial()).toBe("result=0000000000000734\n");
    } finally {
      await t.kill();
    }
  }, 60_000);

  it("connecting stops a running machine; Ctrl-C pauses (T02); a second debugger is turned away; bad packets lose nothing", async () => {
    const t = await startTarget("wasmvirt", { kernel: LOOP_ELF, paused: false });
    try {
      const q = await qmp(t);
      expect((await q.cmd("query-status")).return.status).toBe("running");
      const r = await Rsp.connect(t.port);
      // As QEMU: the attach stops the machine, and gdb hears of it.
      expect(await r.packet()).toBe("T02thread:01;");
      expect((await q.next()).event).toBe("STOP");
      expect((await q.cmd("query-status")).return.status).toBe("paused");
      expect(await r.request("qSupported:multiprocess+")).toContain("multiprocess+");
      const second = await Rsp.connect(t.port);
      expect(await second.waitClosed()).toBe(true);
      // Bad checksum: '-' and nothing else; then a good packet works.
      r.write("$?#00");
      await new Promise((res) => setTimeout(res, 100));
      expect(r.takeRaw()).toBe("-");
      expect(await r.request("qAttached")).toBe("1");
      // Longer than the packet size: dropped silently.
      r.write(Rsp.frame("m" + "0".repeat(5000)));
      expect(await r.request("vMustReplyEmpty")).toBe("");
      // Escaped binary (X) and run-length encoded (M) input is decoded; physical addresses on request.
      expect(await r.request("Qqemu.PhyMemMode:1")).toBe("OK");
      expect(await r.request("X80002000,4:\x7d\x03\x7d\x04ab")).toBe("OK");
      expect(await r.request("m80002000,4")).toBe("23246162");
      expect(await r.request('M80002000,4:0*"62')).toBe("OK"); // '0' and 5 more, then 62
      expect(await r.request("m80002000,4")).toBe("00000062");
      expect(await r.request("X0,4:abcd")).toBe("E14");
      // Continue, then Ctrl-C: T02, STOP, paused.
      r.write(Rsp.frame("c"));
      expect((await q.next()).event).toBe("RESUME");
      r.write("\x03");
      expect(await r.packet()).toBe("T02thread:p01.01;");
      expect((await q.next()).event).toBe("STOP");
      expect((await q.cmd("query-status")).return.status).toBe("paused");
      // QMP and gdb at once: a QMP stop while gdb waits is reported to gdb as QEMU does (T02).
      r.write(Rsp.frame("c"));
      expect((await q.next()).event).toBe("RESUME");
      const stop = await q.exchange({ execute: "stop" });
      expect(stop.map((m) => m.event ?? "reply")).toEqual(["STOP", "reply"]);
      expect(await r.packet()).toBe("T02thread:p01.01;");
      // Detach resumes the machine.
      expect(await r.request("D")).toBe("OK");
      expect((await q.next()).event).toBe("RESUME");
      expect((await q.cmd("query-status")).return.status).toBe("running");
      r.close();
    } finally {
      await t.kill();
    }
  }, 60_000);

  it("a debugger that leaves in the middle of a step leaves the machine stopped and usable", async () => {
    const t = await startTarget("wasmvirt");
    try {
      const q = await qmp(t);
      const r = await Rsp.connect(t.port);
      expect(await r.request("Z0,80000000,4")).toBe("OK");
      r.write(Rsp.frame("vCont;s:p1.1"));
      r.close();
      await new Promise((res) => setTimeout(res, 300));
      expect((await q.cmd("query-status")).return.status).toBe("debug");
      // The breakpoint went with the debugger: cont runs the program to its end.
      const r2 = await Rsp.connect(t.port);
      expect(await r2.request("?")).toBe("T05thread:01;"); // no multiprocess negotiated
      expect(await r2.request("qXfer:features:read:target.xml:0,ffb")).toMatch(/^l<\?xml/);
      expect(await r2.request("p20")).toBe("0410000000000000");
      r2.close();
      await new Promise((res) => setTimeout(res, 100));
      expect((await q.cmd("cont")).return).toEqual({});
      expect(await t.exited).toBe(0);
      expect(t.serial()).toBe("result=0000000000000734\n");
    } finally {
      await t.kill();
    }
  }, 60_000);

  it("HMP gdbserver opens the port on a device, none closes it, a busy address is refused", async () => {
    const t = await startTarget("wasmvirt");
    const busy = net.createServer();
    try {
      const q = await qmp(t);
      const hmp = async (line: string) => (await q.cmd("human-monitor-command", { "command-line": line })).return;
      const sock = path.join(t.dir, "gdb.sock");
      expect(await hmp(`gdbserver unix:${sock},server=on`)).toBe(
        `Waiting for gdb connection on device 'unix:${sock},server=on'\r\n`,
      );
      const r = await Rsp.connect(sock);
      expect(await r.request("?")).toBe("T05thread:01;");
      expect(await hmp("gdbserver none")).toBe("Disabled gdbserver\r\n");
      expect(await r.waitClosed()).toBe(true);
      await expect(Rsp.connect(sock, 0)).rejects.toThrow();
      await new Promise<void>((res) => busy.listen(0, "127.0.0.1", () => res()));
      const port = (busy.address() as net.AddressInfo).port;
      expect(await hmp(`gdbserver tcp:127.0.0.1:${port}`)).toBe(
        `Could not open gdbserver on device 'tcp:127.0.0.1:${port}'\r\n`,
      );
      expect(await hmp("gdbserver bogus:1")).toBe("Could not open gdbserver on device 'bogus:1'\r\n");
      expect((await q.cmd("query-status")).return.status).toBe("prelaunch");
    } finally {
      busy.close();
      await t.kill();
    }
  }, 60_000);

  it("-gdb words that cannot work are refused at start with a one-line error", () => {
    for (const [dev, msg] of [
      ["tcp::99999", "invalid port"],
      ["unix:/tmp/x.sock", "server=on"],
      ["serial:/dev/ttyS0", "unsupported device"],
      ["tcp:127.0.0.1", "expected tcp:[HOST]:PORT"],
    ] as const) {
      const r = spawnSync(
        process.execPath,
        [CLI, "-M", "virt", "-bios", "none", "-kernel", LOOP_ELF, "-nographic", "-gdb", dev],
        { encoding: "utf8" },
      );
      expect(r.status, dev).toBe(1);
      expect(r.stderr, dev).toContain(msg);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it.skipIf(!haveQemu)(
    "a step is one instruction or one trap entry; interrupts wait unless the sstep flags allow them (as QEMU 7.2)",
    async () => {
      // trapstep.elf: do_ecall 0x8000000e, enable 0x80000026, handler 0x80000040 (see its symbol table).
      const STEP = "vCont;s:p1.1";
      const pc = "p20",
        mcause = `p${(0x42 + 0x342).toString(16)}`;
      const packets = [
        "qSupported:multiprocess+",
        "qXfer:features:read:target.xml:0,ffb",
        "Z0,8000000e,4",
        "c",
        "z0,8000000e,4",
        pc,
        STEP,
        pc,
        mcause, // the ecall: its trap entry is the step
        STEP,
        STEP,
        STEP,
        STEP,
        STEP,
        STEP,
        pc, // the handler, back after the ecall
        STEP,
        pc,
        mcause, // the illegal instruction's trap entry
        "Z0,80000026,4",
        "c",
        "z0,80000026,4",
        STEP,
        pc,
        STEP,
        pc, // MTIP pending and enabled: held during steps
        "Qqemu.sstep=1",
        STEP,
        pc,
        mcause, // without NOIRQ the step is the interrupt's entry
      ];
      const run = async (kind: "wasmvirt" | "qemu") => {
        const t = await startTarget(kind, { kernel: TRAPSTEP_ELF });
        try {
          const r = await Rsp.connect(t.port);
          const out: string[] = [];
          for (const p of packets) {
            const reply = await r.request(p);
            out.push(`${p} -> ${p.startsWith("qXfer") ? reply.slice(0, 1) : reply.replace(";QStartNoAckMode+", "")}`);
          }
          r.close();
          return out;
        } finally {
          await t.kill();
        }
      };
      const w = await run("wasmvirt");
      expect(w).toContain("vCont;s:p1.1 -> T05thread:p01.01;");
      expect(w.slice(7, 9)).toEqual(["p20 -> 4000008000000000", `${mcause} -> 0b00000000000000`]);
      expect(w[w.length - 2]).toBe("p20 -> 4000008000000000");
      expect(w[w.length - 1]).toBe(`${mcause} -> 0700000000000080`);
      expect(w).toEqual(await run("qemu"));
    },
    60_000,
  );
});
