// The bundled Linux guest on wasmvirt, used as a person at the console would use it:
// boot to the shell, run commands, SMP, a disk that keeps data across boots, poweroff,
// reboot, and the power button (QMP system_powerdown and Ctrl-A p).
import { describe, it, expect, beforeAll, afterEach } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GuestProcess, wasmvirtBuilt } from "../helpers/guest";
import { RawClient } from "../qmp/client";
import {
  ensureImages,
  guestArgs,
  freshDisk,
  readImagesIndex,
  GUEST_MARKERS,
  type GuestImages,
} from "../../src/machine/images";

let images: GuestImages;
const running: GuestProcess[] = [];
const PROMPT = GUEST_MARKERS.prompt;

function boot(extra: string[] = [], append?: string): GuestProcess {
  const g = new GuestProcess([
    ...guestArgs(images, append ?? readImagesIndex(process.env.WASMVIRT_IMAGES_SRC).kernelCmdline),
    ...extra,
  ]);
  running.push(g);
  return g;
}

/** Returns once the guest's power-button listener holds the keyboard's event device open. */
async function powerButtonReady(g: GuestProcess): Promise<void> {
  await g.run(
    "for i in $(seq 300); do ls -l /proc/[0-9]*/fd 2>/dev/null | grep -q /dev/input/event && break; sleep 0.1; done",
  );
}

async function toShell(g: GuestProcess): Promise<void> {
  await g.waitFor(GUEST_MARKERS.up, 120_000);
  await g.waitFor(PROMPT, 60_000);
  await new Promise((r) => setTimeout(r, 200)); // let the shell finish setting up the tty
}

describe.skipIf(!wasmvirtBuilt)("bundled guest on wasmvirt", () => {
  beforeAll(async () => {
    images = await ensureImages(process.env.WASMVIRT_IMAGES_SRC ? { srcDir: process.env.WASMVIRT_IMAGES_SRC } : {});
  }, 120_000);
  afterEach(() => {
    for (const g of running.splice(0)) g.kill();
  });

  it("boots OpenSBI and Linux to a shell, runs commands, and powers off with status 0", async () => {
    const g = boot();
    await g.waitFor("OpenSBI v1.1");
    await g.waitFor("Linux version 6.1");
    await toShell(g);
    expect(await g.run("echo $((6*7))")).toBe("42");
    expect(await g.run("uname -m")).toBe("riscv64");
    const cpuinfo = await g.run("cat /proc/cpuinfo");
    expect(cpuinfo).toMatch(/isa\s*: rv64imafdc/);
    g.type("poweroff\n");
    await g.waitFor("reboot: Power down");
    expect(await g.exit()).toBe(0);
  }, 180_000);

  it("runs two harts with -smp 2", async () => {
    const g = boot(["-smp", "2"]);
    await toShell(g);
    expect(await g.run("nproc")).toBe("2");
    // Both harts take timer interrupts.
    const irqs = await g.run("grep riscv-timer /proc/interrupts");
    const counts = irqs.trim().split(/\s+/).slice(1, 3).map(Number);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
    g.type("poweroff\n");
    expect(await g.exit()).toBe(0);
  }, 180_000);

  it("keeps a file written to a virtio-blk disk across boots", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wasmvirt-disk-"));
    try {
      const disk = await freshDisk(join(dir, "disk.ext2"));
      const token = `persist-${process.pid}-${Date.now()}`;
      const g1 = boot(["-drive", `file=${disk},format=raw,if=virtio`]);
      await toShell(g1);
      expect(await g1.run("grep -c /mnt /proc/mounts")).toBe("1");
      await g1.run(`echo ${token} > /mnt/token.txt && sync`);
      g1.type("poweroff\n");
      expect(await g1.exit()).toBe(0);

      const g2 = boot(["-drive", `file=${disk},format=raw,if=virtio`]);
      await toShell(g2);
      expect(await g2.run("cat /mnt/token.txt")).toBe(token);
      g2.type("poweroff\n");
      expect(await g2.exit()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it("refuses writes on a read-only disk", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wasmvirt-disk-"));
    try {
      const disk = await freshDisk(join(dir, "disk.ext2"));
      const g = boot(["-drive", `file=${disk},format=raw,if=virtio,readonly=on`]);
      await toShell(g);
      expect(await g.run("cat /sys/block/vda/ro")).toBe("1");
      g.type("poweroff\n");
      expect(await g.exit()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("reboots the whole machine on 'reboot' and comes back to a working shell", async () => {
    const g = boot();
    await toShell(g);
    await g.run("echo first > /tmp/boot-state");
    g.type("reboot\n");
    await g.waitFor("OpenSBI v1.1"); // firmware runs again: a real machine reset
    await toShell(g);
    // tmpfs is gone: this is a fresh boot, not the old kernel.
    expect(await g.run("cat /tmp/boot-state 2>/dev/null || echo none")).toBe("none");
    g.type("poweroff\n");
    expect(await g.exit()).toBe(0);
  }, 180_000);

  it("shuts the guest down cleanly when the power button is pressed over QMP", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wasmvirt-qmp-"));
    const sock = join(dir, "qmp.sock");
    try {
      const g = boot(["-qmp", `unix:${sock},server=on,wait=off`]);
      await toShell(g);
      await powerButtonReady(g);
      const qmp = await RawClient.open(sock);
      qmp.send({ execute: "system_powerdown" });
      const seen: string[] = [];
      for (;;) {
        const m = await qmp.next(60_000);
        if (m.event) seen.push(m.event);
        if (m.event === "SHUTDOWN") {
          expect(m.data).toEqual({ guest: true, reason: "guest-shutdown" });
          break;
        }
      }
      expect(seen[0]).toBe("POWERDOWN");
      await g.waitFor("wasmvirt-guest: poweroff");
      expect(await g.exit()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("presses the power button with Ctrl-A p on the console", async () => {
    const g = boot();
    await toShell(g);
    await powerButtonReady(g);
    g.type("\x01p");
    await g.waitFor("wasmvirt-guest: poweroff");
    expect(await g.exit()).toBe(0);
  }, 180_000);
});
