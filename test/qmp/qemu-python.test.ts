// QEMU's own Python QMP client (qemu.qmp) and its qmp-shell against our server. QEMU's python/ tree
// is not vendored (not ours to copy): point QEMU_PYTHON at a directory holding QEMU's python/qemu
// package (e.g. a QEMU source checkout's python/), otherwise this file skips.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startMonitors, collectMonitorSpecs, DEFAULT_VERSION, type MonitorHandle } from "../../src/qmp/index.js";
import { silentLogger } from "../../src/log.js";
import { FakeMachine } from "./fake-machine.js";

const QEMU_PYTHON = process.env.QEMU_PYTHON;
const have = !!QEMU_PYTHON && fs.existsSync(path.join(QEMU_PYTHON, "qemu/qmp/qmp_client.py"));
const run = promisify(execFile);

const ASYNC_CLIENT = `
import asyncio, sys, json
from qemu.qmp import QMPClient, ExecuteError
async def main():
    qmp = QMPClient('wasmvirt')
    await qmp.connect(sys.argv[1])
    out = {"caps": list(qmp.greeting.QMP.capabilities)}
    with qmp.listener(('STOP', 'RESUME')) as listener:
        await qmp.execute('cont')
        out["e1"] = (await listener.get())['event']
        await qmp.execute('stop')
        out["e2"] = (await listener.get())['event']
    out["status"] = await qmp.execute('query-status')
    try:
        await qmp.execute('migrate-pause', oob=True)
    except ExecuteError as e:
        out["oob"] = [e.error_class, str(e)]
    out["many"] = len(await asyncio.gather(*[qmp.execute('query-name') for _ in range(50)]))
    await qmp.disconnect()
    print(json.dumps(out))
asyncio.run(main())
`;

describe.skipIf(!have)("QEMU's qemu.qmp and qmp-shell (QEMU_PYTHON)", () => {
  let dir: string, sock: string, machine: FakeMachine, monitors: MonitorHandle;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "qemu-py-"));
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

  it("QMPClient negotiates oob, gets events, runs exec-oob and concurrent commands", async () => {
    fs.writeFileSync(path.join(dir, "client.py"), ASYNC_CLIENT);
    const r = await run("python3", [path.join(dir, "client.py"), sock], {
      env: { ...process.env, PYTHONPATH: QEMU_PYTHON },
    });
    expect(JSON.parse(r.stdout)).toEqual({
      caps: ["oob"],
      e1: "RESUME",
      e2: "STOP",
      status: { status: "paused", singlestep: false, running: false },
      oob: ["GenericError", "migrate-pause is currently only supported during postcopy-active state"],
      many: 50,
    });
  });

  it("qmp-shell drives the monitor in QMP and HMP mode", async () => {
    const shell = (args: string[], input: string) =>
      new Promise<string>((resolve, reject) => {
        const p = execFile(
          "python3",
          ["-m", "qemu.qmp.qmp_shell", ...args, sock],
          { env: { ...process.env, PYTHONPATH: QEMU_PYTHON, HOME: dir } },
          (err, stdout) => (err ? reject(err) : resolve(stdout)),
        );
        p.stdin!.end(input);
      });
    const q = await shell(
      [],
      "query-status\ncont\n\npmemsave val=4096 size=16 filename=" + path.join(dir, "rom.bin") + "\n",
    );
    expect(q).toContain('{"return": {"status": "paused", "singlestep": false, "running": false}}');
    expect(q).toContain("'event': 'RESUME'");
    expect(fs.readFileSync(path.join(dir, "rom.bin")).readUInt32LE(0)).toBe(0x00000297);
    const h = await shell(["-H"], "info status\nstop\ninfo status\n");
    expect(h).toContain("VM status: running");
    expect(h).toContain("VM status: paused");
  });
});
