// -snapshot: the guest writes its disk as usual, but into a temporary overlay; the image file is
// never modified, query-block shows the overlay over the image, and the overlay is gone after exit.
import { describe, it, expect, beforeAll, afterEach } from "vitest";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { wasmvirtBuilt } from "../helpers/guest";
import { ensureImages, guestArgs, freshDisk, GUEST_MARKERS, type GuestImages } from "../../src/machine/images";
import { type Vm, wasmvirt, tempDir } from "./snapshot-helpers";

let images: GuestImages;
const vms: Vm[] = [];
afterEach(() => {
  for (const v of vms.splice(0)) v.kill();
});
const sha = (f: string) => createHash("sha256").update(fs.readFileSync(f)).digest("hex");

describe.skipIf(!wasmvirtBuilt)("-snapshot", () => {
  beforeAll(async () => {
    images = await ensureImages();
  }, 120_000);

  it("sends the guest's writes to a temporary overlay and leaves the image untouched", async () => {
    const dir = tempDir();
    const disk = await freshDisk(path.join(dir, "disk.ext2"), images);
    const before = sha(disk);
    const vm = wasmvirt(dir, [...guestArgs(images), "-drive", `file=${disk},format=raw,if=virtio`, "-snapshot"]);
    vms.push(vm);
    await vm.waitFor(GUEST_MARKERS.prompt, 120_000);
    await new Promise((r) => setTimeout(r, 200));
    // The guest sees a writable disk and reads back what it wrote.
    expect(await vm.shell("cat /sys/block/vda/ro")).toBe("0");
    expect(await vm.shell("echo overlay-data > /mnt/new.txt && sync && cat /mnt/new.txt")).toBe("overlay-data");
    await vm.connect();
    const [blk] = (await vm.cmd("query-block")).return;
    expect(blk.inserted.backing_file).toBe(disk);
    expect(blk.inserted.backing_file_depth).toBe(1);
    expect(blk.inserted.image["backing-image"].filename).toBe(disk);
    const overlay: string = blk.inserted.image.filename;
    expect(overlay).not.toBe(disk);
    expect(fs.existsSync(overlay)).toBe(true);
    expect(await vm.hmp("info block")).toContain(`Backing file:     ${disk} (chain depth: 1)`);
    vm.type("poweroff\n");
    expect(await vm.exited).toBe(0);
    expect(sha(disk)).toBe(before);
    expect(fs.existsSync(overlay)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 180_000);
});
