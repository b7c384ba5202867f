// Nothing the guest does kills the host or silences the monitor: a bare-metal guest that writes random
// values of random sizes to every MMIO window (UART, CLINT, PLIC, RTC, all virtio-mmio slots with
// their devices DMAing from garbage addresses) runs while a client keeps asking query-status; the
// monitor answers every time within its usual latency, and quit ends the process cleanly.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startWasmvirt, haveCli, noCliReason, ROOT } from "../qmp/cli-process";
import { RawClient } from "../qmp/client";

const haveGcc = spawnSync("riscv64-unknown-elf-gcc", ["--version"], { stdio: "ignore" }).status === 0;
const fixtures = path.join(ROOT, "test/hardening/fixtures");

describe.skipIf(!haveCli || !haveGcc)(`a hostile guest${haveCli ? "" : ` (${noCliReason})`}`, () => {
  let dir: string, elf: string, disk: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasmvirt-storm-"));
    elf = path.join(dir, "storm.elf");
    disk = path.join(dir, "disk.img");
    fs.writeFileSync(disk, Buffer.alloc(1 << 20));
    execFileSync("riscv64-unknown-elf-gcc", [
      "-march=rv64imac_zicsr",
      "-mabi=lp64",
      "-O1",
      "-ffreestanding",
      "-nostdlib",
      "-nostartfiles",
      "-static",
      "-mcmodel=medany",
      "-T",
      path.join(fixtures, "edges.ld"),
      "-Wl,--build-id=none",
      "-Wl,--no-warn-rwx-segments",
      "-o",
      elf,
      path.join(fixtures, "mmio-storm.c"),
    ]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("storms every MMIO window while the monitor keeps answering; quit still works", async () => {
    const vm = await startWasmvirt({
      elf,
      extra: [
        "-serial",
        "null",
        "-smp",
        "2",
        "-drive",
        `file=${disk},format=raw,if=virtio`,
        "-device",
        "virtio-rng-device",
      ],
    });
    try {
      const c = await RawClient.open(vm.sock);
      let worst = 0;
      const rounds: bigint[] = [];
      for (let i = 0; i < 15; i++) {
        await new Promise((r) => setTimeout(r, 200));
        const t0 = performance.now();
        const st = await c.cmd("query-status");
        worst = Math.max(worst, performance.now() - t0);
        expect(st.return?.status, JSON.stringify(st)).toBe("running");
        const x = await c.cmd("human-monitor-command", { "command-line": "xp /1gx 0x80100000" });
        rounds.push(BigInt(/: (0x[0-9a-f]+)/.exec(x.return)![1]));
      }
      expect(worst).toBeLessThan(1000);
      expect(rounds[rounds.length - 1]).toBeGreaterThan(rounds[0]); // the storm really ran all along
      c.send({ execute: "quit" });
      expect(await vm.exited).toEqual({ code: 0, signal: null });
    } finally {
      await vm.kill();
    }
  });
});
