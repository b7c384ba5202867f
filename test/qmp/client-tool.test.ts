// wasmvirt-qmp, the client tool: one-shot mode and the interactive shell, against a server on the fake
// machine (so it does not need the machine to be built, only the host code in dist/).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { startMonitors, collectMonitorSpecs, DEFAULT_VERSION, type MonitorHandle } from "../../src/qmp/index.js";
import { silentLogger } from "../../src/log.js";
import { FakeMachine } from "./fake-machine.js";
import { ROOT } from "./cli-process.js";

const TOOL = path.join(ROOT, "bin/wasmvirt-qmp.js");
const built = fs.existsSync(path.join(ROOT, "dist/qmp-client/cli.js"));
const run = promisify(execFile);

describe.skipIf(!built)("wasmvirt-qmp", () => {
  let dir: string, sock: string, machine: FakeMachine, monitors: MonitorHandle;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wq-"));
    sock = path.join(dir, "qmp.sock");
    machine = new FakeMachine({ startPaused: true });
    monitors = await startMonitors(collectMonitorSpecs([["-qmp", `unix:${sock},server=on,wait=off`]]), machine, {
      version: DEFAULT_VERSION,
      logger: silentLogger(),
    });
  });
  afterAll(async () => {
    await monitors.close();
    machine.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("one-shot: prints the reply as JSON, exit status 1 on an error reply", async () => {
    const r = await run(process.execPath, [TOOL, sock, "query-status"]);
    expect(JSON.parse(r.stdout)).toEqual({ return: { status: "prelaunch", singlestep: false, running: false } });
    const f = path.join(dir, "rom.bin");
    await run(process.execPath, [TOOL, sock, "pmemsave", "val=0x1000", "size=16", `filename=${f}`]);
    expect(fs.readFileSync(f).readUInt32LE(0)).toBe(0x00000297);
    const e = await run(process.execPath, [TOOL, `unix:${sock}`, "no-such"]).catch((x) => x);
    expect(e.code).toBe(1);
    expect(JSON.parse(e.stdout).error.class).toBe("CommandNotFound");
  });

  it("interactive: commands, raw JSON, HMP words and events as they arrive", async () => {
    const p = spawn(process.execPath, [TOOL, sock], { env: { ...process.env, HOME: dir } });
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
    });
    p.stdin.write('cont\n{"execute": "query-status"}\nhuman-monitor-command command-line="info status"\n');
    for (let i = 0; i < 100 && !out.includes("VM status: running"); i++) await new Promise((r) => setTimeout(r, 20));
    p.stdin.end();
    await new Promise((r) => p.once("exit", r));
    expect(out).toMatch(/"event": "RESUME"/);
    expect(out).toContain('{"return": {"status": "running", "singlestep": false, "running": true}}');
    expect(out).toContain('{"return": "VM status: running\\r\\n"}');
    expect(fs.readFileSync(path.join(dir, ".wasmvirt_qmp_history"), "utf8")).toContain("cont\n");
    await machine.stop();
  });
});
