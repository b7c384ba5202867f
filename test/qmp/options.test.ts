// Monitor command-line words and the listener variants: wait=on, client mode (server=off), pretty output.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { collectMonitorSpecs, startMonitors, DEFAULT_VERSION, MonitorOptionError } from "../../src/qmp/index.js";
import { silentLogger } from "../../src/log.js";
import { FakeMachine } from "./fake-machine.js";
import { RawClient } from "./client.js";

describe("monitor options", () => {
  it("parses -qmp, -qmp-pretty, -chardev + -mon like QEMU", () => {
    const specs = collectMonitorSpecs([
      ["-qmp", "unix:/tmp/a.sock,server,nowait"],
      ["-qmp-pretty", "tcp:127.0.0.1:4444,server=on,wait=off"],
      ["-chardev", "socket,id=m,host=localhost,port=5555,server=on,wait=off"],
      ["-serial", "mon:stdio"],
      ["-mon", "chardev=m,mode=control,pretty=on"],
      ["-qmp", "stdio"],
    ]);
    expect(specs).toEqual([
      {
        label: "compat_monitor0",
        transport: { kind: "unix", path: "/tmp/a.sock", server: true, wait: false },
        pretty: false,
        source: "-qmp unix:/tmp/a.sock,server,nowait",
      },
      {
        label: "compat_monitor1",
        transport: { kind: "tcp", host: "127.0.0.1", port: 4444, server: true, wait: false },
        pretty: true,
        source: "-qmp-pretty tcp:127.0.0.1:4444,server=on,wait=off",
      },
      {
        label: "m",
        transport: { kind: "tcp", host: "localhost", port: 5555, server: true, wait: false },
        pretty: true,
        source: "-mon chardev=m,mode=control,pretty=on",
      },
      { label: "compat_monitor2", transport: { kind: "stdio" }, pretty: false, source: "-qmp stdio" },
    ]);
    expect(collectMonitorSpecs([["-qmp", "unix:/x,server=on"]])[0].transport).toMatchObject({
      server: true,
      wait: true,
    });
    expect(() => collectMonitorSpecs([["-qmp", "vc"]])).toThrow(MonitorOptionError);
    expect(() => collectMonitorSpecs([["-mon", "chardev=nope,mode=control"]])).toThrow(/chardev "nope" not found/);
    expect(() =>
      collectMonitorSpecs([
        ["-chardev", "socket,id=h,path=/x,server=on"],
        ["-mon", "chardev=h"],
      ]),
    ).toThrow(/mode=control/);
    expect(() => collectMonitorSpecs([["-qmp", "tcp:127.0.0.1:99999,server=on"]])).toThrow(/invalid port/);
  });

  it("server=on with wait=on starts only once a client has connected", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qmp-opt-"));
    const sock = path.join(dir, "w.sock");
    const machine = new FakeMachine({ startPaused: true });
    let started = false;
    const write = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write; // QEMU-like "waiting for connection" notice
    const p = startMonitors(collectMonitorSpecs([["-qmp", `unix:${sock},server=on`]]), machine, {
      version: DEFAULT_VERSION,
      logger: silentLogger(),
    }).then((h) => {
      started = true;
      return h;
    });
    try {
      for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      expect(started).toBe(false);
      const c = await RawClient.open(sock);
      const h = await p;
      expect(started).toBe(true);
      expect(await c.cmd("query-status")).toMatchObject({ return: { status: "prelaunch" } });
      c.close();
      await h.close();
    } finally {
      process.stderr.write = write;
      machine.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("without server, connects out to a listening client; -qmp-pretty indents like QEMU's pretty mode", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qmp-opt-"));
    const sock = path.join(dir, "client.sock");
    const accepted = new Promise<net.Socket>((resolve) => {
      const srv = net.createServer((s) => {
        srv.close();
        resolve(s);
      });
      srv.listen(sock);
    });
    const machine = new FakeMachine({ startPaused: true });
    const h = await startMonitors(collectMonitorSpecs([["-qmp-pretty", `unix:${sock}`]]), machine, {
      version: DEFAULT_VERSION,
      logger: silentLogger(),
    });
    const s = await accepted;
    let text = "";
    s.on("data", (d) => {
      text += d;
    });
    s.write('{"execute": "qmp_capabilities"}\n{"execute": "query-status"}\n');
    for (let i = 0; i < 100 && !text.includes("prelaunch"); i++) await new Promise((r) => setTimeout(r, 10));
    expect(text).toContain('{\n    "QMP": {\n        "version": {');
    expect(text).toContain('{\n    "return": {\n        "status": "prelaunch",');
    s.destroy();
    await h.close();
    machine.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
