// The QMP protocol against the fake machine over real unix/tcp sockets: the seed's modes, QEMU's
// error replies, id echo, framing, many clients, events.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { startMonitors, collectMonitorSpecs, DEFAULT_VERSION, type MonitorHandle } from "../../src/qmp/index.js";
import { silentLogger } from "../../src/log.js";
import { FakeMachine, COUNTER_ADDR, RAM_BASE } from "./fake-machine.js";
import { RawClient } from "./client.js";

let dir: string;
let sock: string;
let machine: FakeMachine;
let monitors: MonitorHandle;

async function boot(
  opts: ConstructorParameters<typeof FakeMachine>[0] = { startPaused: true },
  extra: [string, string][] = [],
) {
  machine = new FakeMachine(opts);
  const specs = collectMonitorSpecs([["-qmp", `unix:${sock},server=on,wait=off`], ...extra]);
  monitors = await startMonitors(specs, machine, { version: DEFAULT_VERSION, logger: silentLogger() });
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "qmp-test-"));
  sock = path.join(dir, "qmp.sock");
});

afterEach(async () => {
  await monitors?.close();
  machine?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const NEG = "Expecting capabilities negotiation with 'qmp_capabilities'";

describe("greeting and modes", () => {
  it("greets with version and oob capability, then negotiates with qmp_capabilities", async () => {
    await boot();
    const c = await RawClient.connect(sock);
    const g = await c.next();
    expect(g).toEqual({
      QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 }, package: "wasmvirt 0.1.0" }, capabilities: ["oob"] },
    });
    expect(c.rawLines[0].endsWith("}")).toBe(true);
    expect(await c.cmd("query-status")).toEqual({ error: { class: "CommandNotFound", desc: NEG } });
    expect(await c.cmd("qmp_capabilities")).toEqual({ return: {} });
    expect(await c.cmd("query-status")).toEqual({ return: { status: "prelaunch", singlestep: false, running: false } });
    c.close();
  });

  it("the seed's qmp_switch_mode switches to operational mode", async () => {
    await boot();
    const c = await RawClient.open(sock, false);
    expect(await c.cmd("query-version", undefined, 1)).toEqual({
      id: 1,
      error: { class: "CommandNotFound", desc: NEG },
    });
    expect(await c.cmd("qmp_switch_mode", { mode: "operational" })).toEqual({ return: {} });
    expect((await c.cmd("query-version")).return.package).toBe("wasmvirt 0.1.0");
    // Both negotiation commands then answer as QEMU does for repeated negotiation.
    const done = {
      error: { class: "CommandNotFound", desc: "Capabilities negotiation is already complete, command ignored" },
    };
    expect(await c.cmd("qmp_switch_mode", { mode: "operational" })).toEqual(done);
    expect(await c.cmd("qmp_capabilities")).toEqual(done);
    expect(await c.cmd("qmp_capabilities", { enable: ["oob"] })).toEqual(done);
    c.close();
  });

  it("validates the negotiation commands' arguments in handshake mode", async () => {
    await boot();
    const c = await RawClient.open(sock, false);
    expect(await c.cmd("qmp_capabilities", { foo: 1 })).toEqual({
      error: { class: "GenericError", desc: "Parameter 'foo' is unexpected" },
    });
    expect(await c.cmd("qmp_capabilities", { enable: ["bogus"] })).toEqual({
      error: { class: "GenericError", desc: "Parameter 'null' does not accept value 'bogus'" },
    });
    expect(await c.cmd("qmp_capabilities", { enable: "oob" })).toEqual({
      error: { class: "GenericError", desc: "Invalid parameter type for 'enable', expected: array" },
    });
    expect(await c.cmd("qmp_switch_mode", { mode: "bogus" })).toEqual({
      error: { class: "GenericError", desc: "Parameter 'mode' does not accept value 'bogus'" },
    });
    expect(await c.cmd("qmp_switch_mode")).toEqual({
      error: { class: "GenericError", desc: "Parameter 'mode' is missing" },
    });
    expect(await c.exchange('{"exec-oob": "qmp_capabilities"}')).toEqual([
      { error: { class: "GenericError", desc: "QMP input member 'exec-oob' is unexpected" } },
    ]);
    expect(await c.cmd("no-such-command")).toEqual({ error: { class: "CommandNotFound", desc: NEG } });
    expect(await c.cmd("quit")).toEqual({ error: { class: "CommandNotFound", desc: NEG } });
    expect(machine.state).toBe("prelaunch");
    expect(await c.cmd("qmp_capabilities", { enable: [] }, "neg")).toEqual({ return: {}, id: "neg" });
    c.close();
  });

  it("sessions in handshake mode receive no events", async () => {
    await boot();
    const a = await RawClient.open(sock);
    const b = await RawClient.open(sock, false);
    expect(await a.exchange({ execute: "cont" })).toMatchObject([{ event: "RESUME" }, { return: {} }]);
    expect(await a.exchange({ execute: "stop" })).toMatchObject([{ event: "STOP" }, { return: {} }]);
    expect(await a.exchange({ execute: "system_reset" })).toMatchObject([
      { event: "RESET", data: { guest: false, reason: "host-qmp-system-reset" } },
      { return: {} },
    ]);
    expect(await b.drain(50)).toEqual([]);
    expect(await b.cmd("qmp_switch_mode", { mode: "operational" })).toEqual({ return: {} });
    a.send({ execute: "cont" });
    const ev = await b.next();
    expect(ev.event).toBe("RESUME");
    expect(Object.keys(ev.timestamp).sort()).toEqual(["microseconds", "seconds"]);
    a.close();
    b.close();
  });
});

describe("malformed input is answered and the session stays usable", () => {
  const cases: [string, unknown][] = [
    [
      '{"execute": }',
      {
        error: {
          class: "JSONParsing",
          desc: "Invalid JSON syntax",
          data: { detail: "JSON parse error, expecting value" },
        },
      },
    ],
    [
      '{"execute": "query-name",}',
      {
        error: {
          class: "JSONParsing",
          desc: "Invalid JSON syntax",
          data: { detail: "JSON parse error, expecting value" },
        },
      },
    ],
    [
      "foo",
      {
        error: {
          class: "JSONParsing",
          desc: "Invalid JSON syntax",
          data: { detail: "JSON parse error, invalid keyword 'foo'" },
        },
      },
    ],
    [
      "}",
      {
        error: {
          class: "JSONParsing",
          desc: "Invalid JSON syntax",
          data: { detail: "JSON parse error, expecting value" },
        },
      },
    ],
    [
      '{"execute": "query-name", "execute": "query-status"}',
      {
        error: {
          class: "JSONParsing",
          desc: "Invalid JSON syntax",
          data: { detail: "JSON parse error, duplicate key" },
        },
      },
    ],
    ["[1]", { error: { class: "GenericError", desc: "QMP input must be a JSON object" } }],
    ['"x"', { error: { class: "GenericError", desc: "QMP input must be a JSON object" } }],
    ["42", { error: { class: "GenericError", desc: "QMP input must be a JSON object" } }],
    ["null", { error: { class: "GenericError", desc: "QMP input must be a JSON object" } }],
    ["{}", { error: { class: "GenericError", desc: "QMP input lacks member 'execute'" } }],
    ['{"id": 5}', { id: 5, error: { class: "GenericError", desc: "QMP input lacks member 'execute'" } }],
    ['{"execute": 1}', { error: { class: "GenericError", desc: "QMP input member 'execute' must be a string" } }],
    [
      '{"execute": "query-name", "extra": 1}',
      { error: { class: "GenericError", desc: "QMP input member 'extra' is unexpected" } },
    ],
    [
      '{"execute": "query-name", "arguments": []}',
      { error: { class: "GenericError", desc: "QMP input member 'arguments' must be an object" } },
    ],
    [
      '{"execute": "query-name", "arguments": {"x": 1}, "id": "bad-arg"}',
      { id: "bad-arg", error: { class: "GenericError", desc: "Parameter 'x' is unexpected" } },
    ],
    [
      '{"execute": "human-monitor-command", "arguments": {"command-line": 5}}',
      { error: { class: "GenericError", desc: "Invalid parameter type for 'command-line', expected: string" } },
    ],
    [
      '{"execute": "human-monitor-command", "arguments": {}}',
      { error: { class: "GenericError", desc: "Parameter 'command-line' is missing" } },
    ],
    [
      '{"execute": "pmemsave", "arguments": {"val": 4096, "size": "16", "filename": "/x"}}',
      { error: { class: "GenericError", desc: "Invalid parameter type for 'size', expected: integer" } },
    ],
    [
      '{"execute": "memsave", "arguments": {"val": 1.5, "size": 16, "filename": "/x"}}',
      { error: { class: "GenericError", desc: "Invalid parameter type for 'val', expected: integer" } },
    ],
    [
      '{"execute": "no-such", "id": [3]}',
      { id: [3], error: { class: "CommandNotFound", desc: "The command no-such has not been found" } },
    ],
    ["{'execute': 'query-name'}", { return: {} }],
  ];
  it.each(cases)("%s", async (line, expected) => {
    await boot();
    const c = await RawClient.open(sock);
    expect(await c.exchange(line)).toEqual([expected]);
    expect(await c.cmd("query-name", undefined, "still-alive")).toEqual({ return: {}, id: "still-alive" });
    c.close();
  });

  it("non-UTF-8 bytes give one error each, then resynchronise", async () => {
    await boot();
    const c = await RawClient.open(sock);
    c.write(Buffer.from([0xff, 0xfe, 0x0a]));
    const a = await c.next(),
      b = await c.next();
    expect(a.error.class).toBe("JSONParsing");
    expect(b.error.class).toBe("JSONParsing");
    expect(await c.cmd("query-name", undefined, "é")).toEqual({ return: {}, id: "é" });
    expect(c.rawLines[c.rawLines.length - 1]).toBe('{"return": {}, "id": "\\u00E9"}');
    c.close();
  });

  it("enforces QEMU's nesting limit and recovers exactly as QEMU does", async () => {
    await boot();
    const c = await RawClient.open(sock);
    c.write("[".repeat(2000) + "\n");
    expect(await c.next()).toEqual({ error: { class: "GenericError", desc: "JSON nesting depth limit exceeded" } });
    c.send({ execute: "query-name", id: "swallowed" });
    expect(await c.drain(50)).toEqual([]);
    c.write("]".repeat(2000) + "\n");
    expect(await c.next()).toEqual({ error: { class: "GenericError", desc: "QMP input must be a JSON object" } });
    for (let i = 0; i < 1025; i++) expect((await c.next()).error.class).toBe("JSONParsing");
    expect(await c.cmd("query-name", undefined, "after")).toEqual({ return: {}, id: "after" });
    c.close();
  });

  it("a 1 MiB garbage keyword is answered once with the message cut like QEMU's", async () => {
    await boot();
    const c = await RawClient.open(sock);
    c.write("a".repeat(1 << 20) + "\n");
    const r = await c.next();
    expect(r.error.data.detail.startsWith("JSON parse error, invalid keyword 'aaaa")).toBe(true);
    expect(r.error.data.detail.length).toBe(1041);
    c.send({ execute: "query-name", id: "x".repeat(1 << 20) });
    expect((await c.next()).id.length).toBe(1 << 20);
    c.close();
  });

  it("one client's garbage does not disturb another client or the guest", async () => {
    await boot({ startPaused: false });
    const good = await RawClient.open(sock);
    const bad = await RawClient.open(sock);
    const ticks = machine.ticks;
    bad.write('{"execute": }\n{{{{ ]]]] \u0000 \xff garbage\n[[[[[[');
    bad.close();
    expect(await good.cmd("query-status", undefined, 1)).toEqual({
      return: { status: "running", singlestep: false, running: true },
      id: 1,
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(machine.ticks).toBeGreaterThan(ticks);
    good.close();
  });
});

describe("id echo", () => {
  const ids: unknown[] = ["abc", 42, -1.5, { k: "v", n: [1] }, [1, "two", null], null, true, false, "", 0];
  it.each(ids.map((i) => [JSON.stringify(i), i]))("id %s is echoed on success and on error", async (_s, id) => {
    await boot();
    const c = await RawClient.open(sock, false);
    expect(await c.cmd("query-name", undefined, id)).toEqual({ id, error: { class: "CommandNotFound", desc: NEG } });
    expect(await c.cmd("qmp_capabilities", undefined, id)).toEqual({ return: {}, id });
    expect(await c.cmd("query-name", undefined, id)).toEqual({ return: {}, id });
    c.close();
  });

  it("keeps integers beyond 2^53 exact", async () => {
    await boot();
    const c = await RawClient.open(sock);
    c.write('{"execute": "query-name", "id": 12345678901234567890}\n');
    await c.next();
    expect(c.rawLines[c.rawLines.length - 1]).toBe('{"return": {}, "id": 12345678901234567890}');
    c.close();
  });
});

describe("framing", () => {
  it("handles messages split byte by byte, several per write, no newline and CRLF", async () => {
    await boot();
    const c = await RawClient.open(sock);
    const msg = '{"execute": "query-status", "id": "split"}';
    for (const ch of Buffer.from(msg)) {
      c.write(Buffer.from([ch]));
      await new Promise((r) => setImmediate(r));
    }
    expect(await c.next()).toEqual({ return: { status: "prelaunch", singlestep: false, running: false }, id: "split" });
    c.write('{"execute": "query-name", "id": 1}{"execute": "query-status", "id": 2}');
    expect((await c.next()).id).toBe(1);
    expect((await c.next()).id).toBe(2);
    c.write('{"execute": "query-name", "id": 5}');
    expect(await c.next()).toEqual({ return: {}, id: 5 });
    c.write('   {"execute": "query-name", "id": 6}\r\n');
    expect(await c.next()).toEqual({ return: {}, id: 6 });
    c.write('{"execute": "query-name"\n}\n');
    expect(await c.next()).toEqual({ return: {} });
    expect(c.rawLines.every((l) => !l.includes("\n"))).toBe(true);
    c.close();
  });
});

describe("many clients", () => {
  it("serves concurrent clients on one socket, each with its own session", async () => {
    await boot();
    const clients = await Promise.all(Array.from({ length: 20 }, () => RawClient.open(sock, false)));
    // Half negotiate; the others stay in handshake mode.
    await Promise.all(clients.slice(0, 10).map((c) => c.cmd("qmp_capabilities")));
    const replies = await Promise.all(clients.map((c, i) => c.cmd("query-status", undefined, i)));
    replies.forEach((r, i) => {
      if (i < 10) expect(r).toEqual({ return: { status: "prelaunch", singlestep: false, running: false }, id: i });
      else expect(r).toEqual({ id: i, error: { class: "CommandNotFound", desc: NEG } });
    });
    clients[0].send({ execute: "cont" });
    for (const c of clients.slice(0, 10)) expect((await c.next()).event).toBe("RESUME");
    expect((await clients[0].next()).return).toEqual({});
    for (const c of clients.slice(10)) expect(await c.drain(0)).toEqual([]);
    clients.forEach((c) => c.close());
  });

  it("serves -qmp tcp and -chardev/-mon monitors at the same time", async () => {
    const port = await freePort();
    const sock2 = path.join(dir, "mon.sock");
    await boot({ startPaused: true }, [
      ["-qmp", `tcp:127.0.0.1:${port},server=on,wait=off`],
      ["-chardev", `socket,id=mon0,path=${sock2},server=on,wait=off`],
      ["-mon", "chardev=mon0,mode=control"],
    ]);
    const a = await RawClient.open(sock);
    const b = await RawClient.open({ port });
    const c = await RawClient.open(sock2);
    a.send({ execute: "cont" });
    for (const x of [a, b, c]) expect((await x.next()).event).toBe("RESUME");
    const chardevs = (await b.cmd("query-chardev")).return;
    expect(chardevs.map((x: any) => x.label).sort()).toEqual(["compat_monitor0", "compat_monitor1", "mon0", "serial0"]);
    expect(chardevs.find((x: any) => x.label === "mon0").filename).toBe(`unix:${sock2},server=on`);
    a.close();
    b.close();
    c.close();
  });

  it("creates the unix socket with mode 0600 and removes it on close", async () => {
    await boot();
    expect(fs.statSync(sock).mode & 0o777).toBe(0o600);
    await monitors.close();
    expect(fs.existsSync(sock)).toBe(false);
  });
});

describe("commands on the machine", () => {
  it("stop/cont change the real state; events come before the reply, only on change", async () => {
    await boot();
    const c = await RawClient.open(sock);
    expect(await c.exchange({ execute: "stop" })).toEqual([{ return: {} }]); // prelaunch: nothing to stop
    expect(await c.exchange({ execute: "cont" })).toMatchObject([{ event: "RESUME" }, { return: {} }]);
    expect(machine.running).toBe(true);
    expect(await c.exchange({ execute: "cont" })).toEqual([{ return: {} }]);
    expect(await c.exchange({ execute: "stop" })).toMatchObject([{ event: "STOP" }, { return: {} }]);
    expect(machine.state).toBe("paused");
    const t = machine.ticks;
    await new Promise((r) => setTimeout(r, 20));
    expect(machine.ticks).toBe(t);
    expect(await c.cmd("query-status")).toEqual({ return: { status: "paused", singlestep: false, running: false } });
    expect(await c.exchange({ execute: "stop" })).toEqual([{ return: {} }]);
    c.close();
  });

  it("system_powerdown presses the button: POWERDOWN, then the guest's SHUTDOWN", async () => {
    await boot({ startPaused: false, guestPowersOffOnButton: true });
    const c = await RawClient.open(sock);
    expect(await c.exchange({ execute: "system_powerdown" })).toMatchObject([{ event: "POWERDOWN" }, { return: {} }]);
    expect(await c.next()).toMatchObject({ event: "SHUTDOWN", data: { guest: true, reason: "guest-shutdown" } });
    c.close();
  });

  it("input-send-event delivers keys, the power key included", async () => {
    await boot({ startPaused: false });
    const c = await RawClient.open(sock);
    const key = (qcode: string, down: boolean) => ({
      type: "key",
      data: { down, key: { type: "qcode", data: qcode } },
    });
    expect(await c.cmd("input-send-event", { events: [key("a", true), key("a", false)] })).toEqual({ return: {} });
    expect(machine.keysReceived).toEqual([
      { qcode: "a", down: true },
      { qcode: "a", down: false },
    ]);
    expect(
      await c.exchange({
        execute: "input-send-event",
        arguments: { events: [key("power", true), key("power", false)] },
      }),
    ).toEqual([{ return: {} }]);
    expect(machine.keysReceived.slice(2)).toEqual([
      { qcode: "power", down: true },
      { qcode: "power", down: false },
    ]);
    expect(await c.cmd("input-send-event", { events: [key("nosuch", true)] })).toEqual({
      error: { class: "GenericError", desc: "Parameter 'data' does not accept value 'nosuch'" },
    });
    expect(
      await c.cmd("input-send-event", { events: [{ type: "btn", data: { down: true, button: "left" } }] }),
    ).toEqual({ error: { class: "GenericError", desc: "Input handler not found for event type btn" } });
    await c.cmd("stop");
    expect(await c.cmd("input-send-event", { events: [] })).toEqual({
      error: { class: "GenericError", desc: "VM not running" },
    });
    c.close();
  });

  it("memsave/pmemsave write the guest's real memory", async () => {
    await boot({ startPaused: false });
    const c = await RawClient.open(sock);
    await new Promise((r) => setTimeout(r, 20));
    await c.cmd("stop");
    const f = path.join(dir, "mem.bin");
    expect(await c.cmd("pmemsave", { val: Number(COUNTER_ADDR), size: 8, filename: f })).toEqual({ return: {} });
    const counter = fs.readFileSync(f).readBigUInt64LE(0);
    const regs = await machine.readRegisters();
    expect(counter).toBe(regs[0].x[5]);
    expect(counter).toBeGreaterThan(0n);
    machine.writeRam(RAM_BASE + 0x2000n, Buffer.from("hello, memsave"));
    expect(await c.cmd("memsave", { val: Number(RAM_BASE) + 0x2000, size: 14, filename: f })).toEqual({ return: {} });
    expect(fs.readFileSync(f, "utf8")).toBe("hello, memsave");
    expect(await c.cmd("pmemsave", { val: 4096, size: 16, filename: "/nonexistent/dir/x" })).toEqual({
      error: { class: "GenericError", desc: "Could not open '/nonexistent/dir/x': No such file or directory" },
    });
    expect(await c.cmd("memsave", { val: 4096, size: 16, filename: f, "cpu-index": 3 })).toEqual({
      error: { class: "GenericError", desc: "Parameter 'cpu-index' expects a CPU number" },
    });
    expect((await c.cmd("pmemsave", { val: 0x70000000, size: 16, filename: f })).error.class).toBe("GenericError");
    c.close();
  });

  it("quit: SHUTDOWN, then the reply, then the connection closes; other sessions get SHUTDOWN", async () => {
    await boot({ startPaused: false });
    let exited = false;
    machine.on("exit", () => {
      exited = true;
      void monitors.close();
    });
    const c = await RawClient.open(sock);
    const other = await RawClient.open(sock);
    expect(await c.exchange({ execute: "quit", id: "q1" })).toMatchObject([
      { event: "SHUTDOWN", data: { guest: false, reason: "host-qmp-quit" } },
      { return: {}, id: "q1" },
    ]);
    await c.waitClosed();
    expect(await other.next()).toMatchObject({ event: "SHUTDOWN" });
    await other.waitClosed();
    expect(exited).toBe(true);
    expect(machine.state).toBe("shutdown");
  });

  it("queries report the machine", async () => {
    await boot({
      startPaused: true,
      harts: 2,
      name: "vm1",
      blockDevices: [{ device: "virtio0", file: "/d.img", readOnly: false, format: "raw", size: 4096 }],
    });
    const c = await RawClient.open(sock);
    expect(await c.cmd("query-name")).toEqual({ return: { name: "vm1" } });
    expect(await c.cmd("query-target")).toEqual({ return: { arch: "riscv64" } });
    expect(await c.cmd("query-kvm")).toEqual({ return: { enabled: false, present: false } });
    expect(await c.cmd("query-uuid")).toEqual({ return: { UUID: "00000000-0000-0000-0000-000000000000" } });
    expect(await c.cmd("query-memory-size-summary")).toEqual({ return: { "base-memory": 1 << 20 } });
    const cpus = (await c.cmd("query-cpus-fast")).return;
    expect(cpus.map((x: any) => [x["cpu-index"], x["qom-path"], x.target])).toEqual([
      [0, "/machine/soc0/harts[0]", "riscv64"],
      [1, "/machine/soc0/harts[1]", "riscv64"],
    ]);
    const block = (await c.cmd("query-block")).return;
    expect(block[0]).toMatchObject({
      device: "virtio0",
      inserted: { file: "/d.img", ro: false, drv: "raw", image: { "virtual-size": 4096 } },
    });
    expect((await c.cmd("query-machines")).return[0]).toMatchObject({ name: "virt", "cpu-max": expect.any(Number) });
    c.close();
  });
});

describe("one table: query-commands, query-qmp-schema and dispatch agree", () => {
  it("every listed command dispatches, every schema command is listed", async () => {
    await boot();
    const c = await RawClient.open(sock);
    const names: string[] = (await c.cmd("query-commands")).return.map((x: any) => x.name);
    const schema: any[] = (await c.cmd("query-qmp-schema")).return;
    const schemaCmds = schema.filter((e) => e["meta-type"] === "command").map((e) => e.name);
    expect([...schemaCmds].sort()).toEqual([...names].sort());
    for (const n of [
      "qmp_capabilities",
      "qmp_switch_mode",
      "query-status",
      "stop",
      "cont",
      "quit",
      "memsave",
      "pmemsave",
      "input-send-event",
      "human-monitor-command",
      "query-cpus-fast",
    ])
      expect(names).toContain(n);
    expect(
      schema
        .filter((e) => e["meta-type"] === "event")
        .map((e) => e.name)
        .sort(),
    ).toEqual(["MIGRATION", "MIGRATION_PASS", "POWERDOWN", "RESET", "RESUME", "SHUTDOWN", "STOP"]);
    const byName = new Map(schema.map((e) => [e.name, e]));
    for (const e of schema) {
      for (const ref of [
        e["arg-type"],
        e["ret-type"],
        e["element-type"],
        ...(e.members ?? []).map((m: any) => m.type),
      ]) {
        if (ref !== undefined && typeof ref === "string") expect(byName.has(ref), `${e.name} -> ${ref}`).toBe(true);
      }
    }
    // Every argument-less query the schema lists answers with a return (QEMU's qmp-test idea).
    for (const e of schema) {
      if (e["meta-type"] !== "command" || !e.name.startsWith("query-")) continue;
      const argType = byName.get(e["arg-type"]);
      if (argType.members.some((m: any) => !("default" in m))) continue;
      const r = await c.cmd(e.name);
      // QEMU's virt answers this one with an error too: CPUs cannot be hotplugged.
      if (e.name === "query-hotpluggable-cpus")
        expect(r.error.desc).toBe("The feature 'query-hotpluggable-cpus' is not enabled");
      else expect(r, e.name).toHaveProperty("return");
    }
    // An unknown argument is rejected for every command, from the same table.
    for (const n of names) {
      if (n === "quit") continue;
      const r = await c.cmd(n, { "no-such-arg": 1 });
      expect(r.error?.class, n).toBe("GenericError");
    }
    c.close();
  });
});

describe("out-of-band execution", () => {
  it("exec-oob works once oob is enabled and is rejected otherwise", async () => {
    await boot();
    const c = await RawClient.open(sock, false);
    expect(await c.cmd("qmp_capabilities", { enable: ["oob"] })).toEqual({ return: {} });
    expect(await c.exchange({ "exec-oob": "migrate-pause", id: "o1" })).toEqual([
      {
        id: "o1",
        error: {
          class: "GenericError",
          desc: "migrate-pause is currently only supported during postcopy-active state",
        },
      },
    ]);
    expect(await c.exchange({ "exec-oob": "query-status", id: "o2" })).toEqual([
      { id: "o2", error: { class: "GenericError", desc: "The command query-status does not support OOB" } },
    ]);
    expect(await c.exchange({ execute: "query-status", id: "x", "exec-oob": "query-status" })).toEqual([
      { id: "x", error: { class: "GenericError", desc: "QMP input member 'execute' clashes with 'exec-oob'" } },
    ]);
    const d = await RawClient.open(sock);
    expect(await d.exchange({ "exec-oob": "migrate-pause", id: "o3" })).toEqual([
      { id: "o3", error: { class: "GenericError", desc: "QMP input member 'exec-oob' is unexpected" } },
    ]);
    c.close();
    d.close();
  });

  it("an oob command overtakes in-band commands still waiting for the machine", async () => {
    machine = new FakeMachine({ startPaused: false, workerLatencyMs: 200 });
    monitors = await startMonitors(collectMonitorSpecs([["-qmp", `unix:${sock},server=on,wait=off`]]), machine, {
      version: DEFAULT_VERSION,
      logger: silentLogger(),
    });
    const c = await RawClient.open(sock, false);
    await c.cmd("qmp_capabilities", { enable: ["oob"] });
    c.send({ execute: "stop", id: "slow" });
    c.send({ "exec-oob": "migrate-pause", id: "fast" });
    expect((await c.next()).id).toBe("fast");
    expect(await c.next()).toMatchObject({ event: "STOP" });
    expect(await c.next()).toEqual({ return: {}, id: "slow" });
    c.close();
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
