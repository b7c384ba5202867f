// ensureImages(): the committed .gz files become the exact files index.json describes, are reused while intact,
// restored when changed, and a damaged archive is refused rather than handed to a machine.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureImages, freshDisk, imagesDir, readImagesIndex } from "../../src/machine/images.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("ensureImages", () => {
  const tmp = mkdtempSync(join(tmpdir(), "wasmvirt-ensure-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const index = readImagesIndex();

  it("decompresses every artifact to the size and sha256 that index.json lists", async () => {
    const paths = await ensureImages({ outDir: join(tmp, "out") });
    for (const a of index.artifacts) {
      const data = readFileSync(paths[a.role]);
      expect(data.length).toBe(a.size);
      expect(sha256(data)).toBe(a.sha256);
    }
  });

  it("keeps an intact file and restores a modified one", async () => {
    const outDir = join(tmp, "out");
    const first = await ensureImages({ outDir });
    const kernelMtime = statSync(first.kernel).mtimeMs;
    writeFileSync(first.disk, "scribbled over");
    const second = await ensureImages({ outDir });
    expect(statSync(second.kernel).mtimeMs).toBe(kernelMtime);
    expect(sha256(readFileSync(second.disk))).toBe(index.artifacts.find((a) => a.role === "disk")!.sha256);
    // Intact files are known by their .verified stamp (not hashed at every start); a change of the same size
    // is still caught (the stamp holds size and modification time).
    expect(readFileSync(`${second.initrd}.verified`, "utf8")).toContain(
      index.artifacts.find((a) => a.role === "initrd")!.sha256,
    );
    const initrd = readFileSync(second.initrd);
    initrd[100] ^= 0xff;
    await new Promise((r) => setTimeout(r, 5));
    writeFileSync(second.initrd, initrd);
    const third = await ensureImages({ outDir });
    expect(sha256(readFileSync(third.initrd))).toBe(index.artifacts.find((a) => a.role === "initrd")!.sha256);
  });

  it("refuses an archive that does not match index.json", async () => {
    const src = join(tmp, "src");
    rmSync(src, { recursive: true, force: true });
    mkdirSync(src);
    copyFileSync(join(imagesDir, "index.json"), join(src, "index.json"));
    for (const a of index.artifacts) copyFileSync(join(imagesDir, a.file), join(src, a.file));
    const initrd = index.artifacts.find((a) => a.role === "initrd")!;
    const damaged = readFileSync(join(src, initrd.file));
    damaged[damaged.length >> 1] ^= 0xff;
    writeFileSync(join(src, initrd.file), damaged);
    await expect(ensureImages({ srcDir: src, outDir: join(tmp, "out2") })).rejects.toThrow(/initramfs\.cpio\.gz/);
  });

  it("freshDisk gives a private copy that leaves the cached disk alone", async () => {
    const images = await ensureImages({ outDir: join(tmp, "out") });
    const copy = await freshDisk(join(tmp, "mine.ext2"), images);
    writeFileSync(copy, "mine");
    expect(sha256(readFileSync(images.disk))).toBe(index.artifacts.find((a) => a.role === "disk")!.sha256);
  });
});

describe("images/PROVENANCE.md", () => {
  it("names the sha256 of every artifact that index.json lists (the note is kept in step with the build)", () => {
    const note = readFileSync(join(imagesDir, "PROVENANCE.md"), "utf8");
    for (const a of readImagesIndex().artifacts) expect(note, a.name).toContain(a.sha256);
  });
});
