// No lost writes: data the guest synced is in the image however the process ends — QMP quit, SIGTERM,
// SIGINT, SIGHUP, a guest power-off, or SIGKILL right after `sync` returned. Real ext2 image, real
// signals; afterwards `e2fsck -fn` must find the filesystem clean and the file must read back (debugfs)
// with the checksum the guest printed.
import { describe, it, expect, beforeAll, afterEach } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
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

const haveE2fs = spawnSync("e2fsck", ["-V"]).status === 0 && spawnSync("debugfs", ["-V"]).status === 0;
let images: GuestImages;
const running: GuestProcess[] = [];

function boot(extra: string[]): GuestProcess {
  const g = new GuestProcess([
    ...guestArgs(images, readImagesIndex(process.env.WASMVIRT_IMAGES_SRC).kernelCmdline),
    ...extra,
  ]);
  running.push(g);
  return g;
}

type Ending = "qmp quit" | "SIGTERM" | "SIGINT" | "SIGHUP" | "guest poweroff" | "SIGKILL after sync";

/** Boot, write 256 KiB of random data to /mnt/data, sync, end the process the given way; check the image. */
async function writeSyncAndEnd(ending: Ending) {
  const dir = mkdtempSync(join(tmpdir(), "wasmvirt-durable-"));
  try {
    const disk = await freshDisk(join(dir, "disk.ext2"), images);
    const sock = join(dir, "qmp.sock");
    const g = boot(["-drive", `file=${disk},format=raw,if=virtio`, "-qmp", `unix:${sock},server=on,wait=off`]);
    await g.waitFor(GUEST_MARKERS.up, 120_000);
    await g.waitFor(GUEST_MARKERS.prompt, 60_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(await g.run("grep -c /mnt /proc/mounts")).toBe("1");
    await g.run("dmesg -n 1"); // no kernel messages in the middle of the output
    const out = await g.run(
      "dd if=/dev/urandom of=/mnt/data bs=4096 count=64 2>/dev/null; sync; md5sum /mnt/data | cut -c1-32",
    );
    const sum = out
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => /^[0-9a-f]{32}$/.test(l))
      .pop();
    expect(sum, out).toBeDefined();
    switch (ending) {
      case "qmp quit": {
        const c = await RawClient.open(sock);
        c.send({ execute: "quit" });
        break;
      }
      case "guest poweroff":
        g.type("poweroff\n");
        break;
      case "SIGKILL after sync":
        g.proc.kill("SIGKILL");
        break;
      default:
        g.proc.kill(ending);
    }
    await g.exit(30_000);
    if (ending === "SIGKILL after sync") expect(g.proc.signalCode).toBe("SIGKILL");
    else expect(g.proc.exitCode).toBe(0);
    const fsck = spawnSync("e2fsck", ["-fn", disk], { encoding: "utf8" });
    expect(fsck.status, fsck.stdout + fsck.stderr).toBe(0);
    const data = spawnSync("debugfs", ["-R", "cat /data", disk], { maxBuffer: 1 << 22 });
    expect(data.stdout.length).toBe(256 * 1024);
    expect(createHash("md5").update(data.stdout).digest("hex")).toBe(sum);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!wasmvirtBuilt || !haveE2fs)("durability of synced data", () => {
  beforeAll(async () => {
    images = await ensureImages(process.env.WASMVIRT_IMAGES_SRC ? { srcDir: process.env.WASMVIRT_IMAGES_SRC } : {});
  }, 120_000);
  afterEach(() => {
    for (const g of running.splice(0)) g.kill();
  });

  for (const ending of [
    "qmp quit",
    "SIGTERM",
    "SIGINT",
    "SIGHUP",
    "guest poweroff",
    "SIGKILL after sync",
  ] as Ending[]) {
    it(`keeps synced data through ${ending} (e2fsck -fn clean, file intact)`, () => writeSyncAndEnd(ending), 180_000);
  }
});
