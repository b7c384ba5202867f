// Device-window edges: QEMU 7.2's device regions are smaller than the windows the memory map gives
// them (virtio-mmio transports end at 0x200 of their 0x1000 slot, the goldfish RTC at 0x24, the CLINT
// at 0xc000 of 0x10000), and an access beyond them is an access fault. A bare-metal probe
// (fixtures/edges.c) loads and stores at each edge with a trap handler; the lines must be QEMU's.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot, wasmvirtBin, wasmvirtBuilt } from "../helpers/guest";

const has = (cmd: string) => spawnSync(cmd, ["--version"], { stdio: "ignore" }).status === 0;
const haveGcc = has("riscv64-unknown-elf-gcc");
const haveQemu = has("qemu-system-riscv64");
const fixtures = path.join(repoRoot, "test/hardening/fixtures");

function lines(out: string): string[] {
  const body = out.replace(/\r/g, "").split("EDGES-BEGIN\n")[1]?.split("EDGES-END")[0];
  if (!body) throw new Error(`no probe output in:\n${out.slice(0, 2000)}`);
  return body.trim().split("\n");
}

describe.skipIf(!wasmvirtBuilt || !haveGcc)("device-window edges", () => {
  let dir: string, elf: string, common: string[];
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasmvirt-edges-"));
    elf = path.join(dir, "edges.elf");
    const disk = path.join(dir, "disk.img");
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
      path.join(fixtures, "edges.c"),
    ]);
    common = [
      "-M",
      "virt",
      "-m",
      "128M",
      "-bios",
      "none",
      "-kernel",
      elf,
      "-nographic",
      "-drive",
      `file=${disk},format=raw,if=none,id=d0`,
      "-device",
      "virtio-blk-device,drive=d0",
    ];
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("faults beyond each region as QEMU 7.2 does, and not before", () => {
    const ours = spawnSync(process.execPath, [wasmvirtBin, ...common, "-nodefaults"], {
      encoding: "utf8",
      timeout: 30_000,
      input: "",
      cwd: repoRoot,
    });
    expect(ours.status, ours.stderr).toBe(0);
    const w = lines(ours.stdout);
    // What a user checks without QEMU at hand: the edges themselves.
    for (const [addr, expected] of [
      ["10008200.r", "fault5"],
      ["10008ffc.w", "fault7"],
      ["100081fc.r", "ffffffff"],
      ["101020.r", "0"],
      ["101024.r", "fault5"],
      ["101024.w", "fault7"],
      ["200bffc.r", "ok"],
      ["200c000.r", "fault5"],
      ["200fffc.w", "fault7"],
    ]) {
      expect(w, addr).toContain(`${addr}=${expected}`);
    }
    if (!haveQemu) return;
    const qemu = spawnSync("qemu-system-riscv64", [...common, "-global", "virtio-mmio.force-legacy=false"], {
      encoding: "utf8",
      timeout: 30_000,
      input: "",
    });
    expect(qemu.status, qemu.stderr).toBe(0);
    expect(w).toEqual(lines(qemu.stdout));
  });
});
