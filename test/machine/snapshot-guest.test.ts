// The bundled Linux guest saved and restored as a user does it: QMP migrate to a file, a new process
// with -incoming, and the guest carries on where it was (the shell answers, files in tmpfs are there,
// both harts of -smp 2 run, a disk written during the save passes e2fsck). Refusals end the process
// with a message and nothing runs.
import { describe, it, expect, beforeAll, afterEach } from "vitest";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { wasmvirtBuilt, repoRoot } from "../helpers/guest";
import {
  ensureImages,
  guestArgs,
  freshDisk,
  readImagesIndex,
  GUEST_MARKERS,
  type GuestImages,
} from "../../src/machine/images";
import { type Vm, wasmvirt, tempDir, saveTo } from "./snapshot-helpers";

let images: GuestImages;
const vms: Vm[] = [];
afterEach(() => {
  for (const v of vms.splice(0)) v.kill();
});
const haveE2fsck = spawnSync("e2fsck", ["-V"], { stdio: "ignore" }).status === 0;

function machineArgs(extra: string[] = []): string[] {
  return [...guestArgs(images), ...extra];
}

function start(dir: string, name: string, extra: string[] = []): Vm {
  const vm = wasmvirt(dir, machineArgs(extra), `${name}.sock`);
  vms.push(vm);
  return vm;
}

async function toShell(vm: Vm): Promise<void> {
  await vm.waitFor(GUEST_MARKERS.up, 120_000);
  await vm.waitFor(GUEST_MARKERS.prompt, 60_000);
  await new Promise((r) => setTimeout(r, 200));
}

/** Boots to the prompt, saves the machine to `file` and quits the source. */
async function bootAndSave(
  dir: string,
  file: string,
  extra: string[] = [],
  before?: (vm: Vm) => Promise<void>,
): Promise<Vm> {
  const src = start(dir, "src", extra);
  await toShell(src);
  await before?.(src);
  await src.connect();
  await saveTo(src, file);
  await src.cmd("quit");
  await src.exited;
  return src;
}

describe.skipIf(!wasmvirtBuilt)("bundled guest: save and restore", () => {
  beforeAll(async () => {
    images = await ensureImages();
  }, 120_000);

  it("saved at the prompt, restored in a new process with -incoming exec: — the shell answers, guest time continues", async () => {
    const dir = tempDir();
    const state = path.join(dir, "vm.state");
    let uptimeBefore = 0;
    await bootAndSave(dir, state, [], async (vm) => {
      await vm.shell("echo kept-in-tmpfs > /tmp/mark");
      uptimeBefore = Number((await vm.shell("cut -d' ' -f1 /proc/uptime")).trim());
    });
    // A state of the booted guest is small (zero pages are not stored).
    expect(fs.statSync(state).size).toBeLessThan(10 << 20);
    await new Promise((r) => setTimeout(r, 3000)); // wall time that must not show in the guest
    const dst = start(dir, "dst", ["-incoming", `exec:cat ${state}`]);
    expect(await dst.shell("echo $((6*7))")).toBe("42");
    expect(await dst.shell("cat /tmp/mark")).toBe("kept-in-tmpfs");
    const uptimeAfter = Number((await dst.shell("cut -d' ' -f1 /proc/uptime")).trim());
    // As QEMU's virtual clock: no jump for the 3 s the machine spent in a file.
    expect(uptimeAfter).toBeGreaterThanOrEqual(uptimeBefore);
    expect(uptimeAfter - uptimeBefore).toBeLessThan(2.5);
    dst.type("poweroff\n");
    expect(await dst.exited).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);

  it("restores both harts of -smp 2", async () => {
    const dir = tempDir();
    const state = path.join(dir, "vm.state");
    await bootAndSave(dir, state, ["-smp", "2"]);
    const dst = start(dir, "dst", ["-smp", "2", "-incoming", `file:${state}`]);
    expect(await dst.shell("nproc")).toBe("2");
    // Each hart runs a process after the restore (taskset pins; both must finish).
    expect(await dst.shell("taskset -c 0 sh -c 'echo a0' ; taskset -c 1 sh -c 'echo a1'")).toBe("a0\na1");
    const irq1 = (await dst.shell("grep riscv-timer /proc/interrupts")).trim().split(/\s+/).slice(1, 3).map(Number);
    await dst.shell("sleep 0.3");
    const irq2 = (await dst.shell("grep riscv-timer /proc/interrupts")).trim().split(/\s+/).slice(1, 3).map(Number);
    expect(irq2[0]).toBeGreaterThan(irq1[0]);
    expect(irq2[1]).toBeGreaterThan(irq1[1]);
    // A restored machine still has its firmware and kernel: a reboot boots them.
    dst.type("reboot\n");
    await dst.waitFor("OpenSBI v1.1", 60_000);
    await toShell(dst);
    expect(await dst.shell("cat /tmp/mark 2>/dev/null || echo fresh")).toBe("fresh");
    fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);

  it("saved during boot, restored with -incoming defer + migrate-incoming: the boot finishes", async () => {
    const dir = tempDir();
    const state = path.join(dir, "vm.state");
    const src = start(dir, "src");
    await src.waitFor("Linux version 6.1", 60_000);
    await src.connect();
    await saveTo(src, state);
    await src.cmd("quit");
    const dst = start(dir, "dst", ["-incoming", "defer"]);
    await dst.connect();
    expect((await dst.cmd("query-status")).return.status).toBe("inmigrate");
    await dst.cmd("migrate-set-capabilities", { capabilities: [{ capability: "events", state: true }] });
    expect(await dst.cmd("migrate-incoming", { uri: `exec:cat ${state}` })).toEqual({ return: {} });
    await dst.waitEvent("MIGRATION", (d) => d.status === "completed");
    expect((await dst.cmd("query-status")).return.status).toBe("running");
    expect((await dst.cmd("migrate-incoming", { uri: `exec:cat ${state}` })).error.desc).toBe(
      "The incoming migration has already been started",
    );
    await toShell(dst);
    expect(await dst.shell("echo booted")).toBe("booted");
    fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);

  it("saved in the middle of the guest's benchmark: it finishes after the restore with the same results", async () => {
    // The results every run prints on QEMU and wasmvirt alike (bench/results/sample.json).
    const sample = JSON.parse(fs.readFileSync(path.join(repoRoot, "bench", "results", "sample.json"), "utf8"));
    const expected: Record<string, string> = sample.parts.find((p: { part: string }) => p.part === "guestbench").info
      .results;
    const dir = tempDir();
    const state = path.join(dir, "vm.state");
    const args = guestArgs(images, readImagesIndex().benchCmdline);
    const src = wasmvirt(dir, args, "src.sock");
    vms.push(src);
    await src.waitFor("wasmvirt-bench: int ", 120_000); // the integer part done, the memory part running
    await src.connect();
    await saveTo(src, state);
    await src.cmd("quit");
    const dst = wasmvirt(dir, [...args, "-incoming", `file:${state}`], "dst.sock");
    vms.push(dst);
    await dst.waitFor(GUEST_MARKERS.benchDone, 180_000);
    const printed = Object.fromEntries(
      [...(src.out + dst.out).matchAll(/^wasmvirt-bench: (\w+) ms=\d+ (.+?)\r?$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(printed).toEqual(expected);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it.skipIf(!haveE2fsck)(
    "saved while writing to its disk: the write finishes after the restore and e2fsck finds the disk clean",
    async () => {
      const dir = tempDir();
      const state = path.join(dir, "vm.state");
      const disk = await freshDisk(path.join(dir, "disk.ext2"), images);
      const drive = ["-drive", `file=${disk},format=raw,if=virtio`];
      const src = start(dir, "src", drive);
      await toShell(src);
      // A writer in the background; the save lands in the middle of it.
      src.type(
        "(i=0; while [ $i -lt 40 ]; do dd if=/dev/urandom of=/mnt/f$i bs=4k count=16 2>/dev/null; i=$((i+1)); done; sync; echo WRITER-DONE) &\n",
      );
      await new Promise((r) => setTimeout(r, 300));
      await src.connect();
      await saveTo(src, state);
      await src.cmd("quit");
      const dst = start(dir, "dst", [...drive, "-incoming", `file:${state}`]);
      await dst.waitFor("WRITER-DONE", 120_000);
      expect(await dst.shell("ls /mnt | grep -c '^f'")).toBe("40");
      expect(await dst.shell("umount /mnt && echo unmounted")).toMatch(/unmounted$/);
      dst.type("poweroff\n");
      expect(await dst.exited).toBe(0);
      const fsck = spawnSync("e2fsck", ["-fn", disk], { encoding: "utf8" });
      expect(fsck.status, fsck.stdout + fsck.stderr).toBe(0);
      fs.rmSync(dir, { recursive: true, force: true });
    },
    240_000,
  );

  it("migrate with blk: true carries the disk's contents to another image file", async () => {
    const dir = tempDir();
    const state = path.join(dir, "vm.state");
    const disk = await freshDisk(path.join(dir, "src.ext2"), images);
    const other = path.join(dir, "dst.ext2");
    fs.writeFileSync(other, Buffer.alloc(fs.statSync(disk).size, 0x5a)); // same size, other contents
    const src = start(dir, "src", ["-drive", `file=${disk},format=raw,if=virtio`]);
    await toShell(src);
    await src.shell("echo carried > /mnt/blk.txt && sync");
    await src.connect();
    await saveTo(src, state, { blk: true });
    const info = (await src.cmd("query-migrate")).return;
    expect(info.disk.total).toBe(fs.statSync(disk).size);
    await src.cmd("quit");
    const dst = start(dir, "dst", ["-drive", `file=${other},format=raw,if=virtio`, "-S", "-incoming", `file:${state}`]);
    await dst.connect();
    for (let i = 0; i < 300 && (await dst.cmd("query-status")).return.status === "inmigrate"; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await dst.cmd("query-status")).return.status).toBe("paused");
    // Loaded and not yet run: the destination's image now holds exactly the source's disk.
    expect(Buffer.compare(fs.readFileSync(other), fs.readFileSync(disk))).toBe(0);
    await dst.cmd("cont");
    expect(await dst.shell("cat /mnt/blk.txt")).toBe("carried");
    fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);

  it("refuses a state for another machine, a truncated or a corrupted state: status 1, a message, nothing runs", async () => {
    const dir = tempDir();
    const state = path.join(dir, "vm.state");
    await bootAndSave(dir, state);
    const bytes = fs.readFileSync(state);
    fs.writeFileSync(path.join(dir, "trunc.state"), bytes.subarray(0, bytes.length >> 1));
    const bad = Buffer.from(bytes);
    bad[bad.length >> 1] ^= 1;
    fs.writeFileSync(path.join(dir, "bad.state"), bad);
    const cases: [string[], RegExp][] = [
      [
        ["-m", "128M", "-incoming", `file:${state}`],
        /load of migration failed: Size mismatch: riscv_virt_board.ram: 0x10000000 != 0x8000000/,
      ],
      [["-smp", "2", "-incoming", `file:${state}`], /saved with -smp 1, this machine has -smp 2/],
      [["-device", "virtio-rng-device", "-incoming", `file:${state}`], /this machine has a virtio-rng-device/],
      [["-incoming", `file:${path.join(dir, "trunc.state")}`], /truncated/],
      [["-incoming", `file:${path.join(dir, "bad.state")}`], /corrupted/],
      [["-incoming", `file:${path.join(dir, "missing.state")}`], /Could not open .*missing.state.*No such file/],
      [["-incoming", "exec:exit 3"], /exited with status 3/],
    ];
    for (const [extra, message] of cases) {
      // -m comes after guestArgs' -m 256M: the last one counts, as in QEMU.
      const vm = start(dir, `r${vms.length}`, extra);
      expect(await vm.exited, extra.join(" ")).toBe(1);
      expect(vm.err).toMatch(message);
      expect(vm.out).toBe("");
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);
});
