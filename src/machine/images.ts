// The bundled guest images (images/*.gz, listed in images/index.json, built by images/build.sh) and a way to get them
// uncompressed: ensureImages() writes build/images/<name> once and reuses it while its sha256 still matches.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { copyFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

export type ImageRole = "firmware" | "kernel" | "initrd" | "disk";

export interface ImageArtifact {
  role: ImageRole;
  /** compressed file, relative to images/ */
  file: string;
  /** uncompressed file name */
  name: string;
  size: number;
  sha256: string;
  gzSize: number;
  gzSha256: string;
  /** the Debian package (and version) it comes from */
  from: string;
}

export interface ImagesIndex {
  kernelCmdline: string;
  benchCmdline: string;
  /** The kernel's System.map (for debuggers), when the images were built with it. */
  symbols?: Omit<ImageArtifact, "role" | "from"> & { for: string };
  artifacts: ImageArtifact[];
}

export interface GuestImages {
  firmware: string;
  kernel: string;
  initrd: string;
  /** the pristine disk image: copy it (freshDisk) before letting a guest write to it */
  disk: string;
}

/**
 * The bundled guest's machine, as `--bundled`, the benchmarks and the Linux tests boot it (on wasmvirt and on
 * QEMU alike): the virt board with 256 MiB and one hart, the bundled OpenSBI, kernel and initramfs, and `append`
 * as the kernel command line (index.json's kernelCmdline unless given), on the terminal (-nographic).
 */
export function guestArgs(img: GuestImages, append: string = readImagesIndex().kernelCmdline): string[] {
  return [
    "-M",
    "virt",
    "-m",
    "256M",
    "-bios",
    img.firmware,
    "-kernel",
    img.kernel,
    "-initrd",
    img.initrd,
    "-append",
    append,
    "-nographic",
  ];
}

/** Lines the guest prints, for anyone who waits on its console. */
export const GUEST_MARKERS = {
  /** /init: printed once the guest is up, before the shell starts */
  up: "wasmvirt-guest: up",
  /** the shell prompt of the console shell */
  prompt: "root@wasmvirt:~# ",
  /** benchmark mode (wasmvirt.bench=1): last line before power-off */
  benchDone: "wasmvirt-bench: done",
} as const;

// src/machine/images.ts and dist/machine/images.js both sit two levels below the repository root.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const imagesDir = join(repoRoot, "images");
export const defaultOutDir = join(repoRoot, "build", "images");

export function readImagesIndex(dir: string = imagesDir): ImagesIndex {
  return JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as ImagesIndex;
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * A file's identity as far as a later start needs to know it is unchanged: size and modification time. Kept
 * beside each image once its sha256 was checked (IMAGE.verified), so that every `--bundled` start does not
 * read and hash 13 MB again (~20 ms on the reference machine); a changed file is hashed again.
 */
const identity = (path: string): string => {
  const st = statSync(path);
  return `${st.size} ${st.mtimeMs}`;
};

async function markVerified(target: string, sha: string): Promise<void> {
  const partial = `${target}.verified.${process.pid}.partial`;
  await writeFile(partial, `${sha} ${identity(target)}\n`);
  await rename(partial, `${target}.verified`);
}

function knownVerified(target: string, sha: string): boolean {
  try {
    return readFileSync(`${target}.verified`, "utf8").trim() === `${sha} ${identity(target)}`;
  } catch {
    return false;
  }
}

async function ensureOne(artifact: ImageArtifact, srcDir: string, outDir: string): Promise<string> {
  const target = join(outDir, artifact.name);
  if (knownVerified(target, artifact.sha256)) return target;
  if (existsSync(target) && sha256(await readFile(target)) === artifact.sha256) {
    await markVerified(target, artifact.sha256);
    return target;
  }
  const packed = await readFile(join(srcDir, artifact.file));
  if (sha256(packed) !== artifact.gzSha256) {
    throw new Error(
      `images: ${artifact.file} does not match images/index.json (gzSha256); rebuild with images/build.sh`,
    );
  }
  const data = gunzipSync(packed);
  if (sha256(data) !== artifact.sha256) {
    throw new Error(`images: ${artifact.file} decompresses to the wrong content (sha256 mismatch)`);
  }
  // Write then rename, so that concurrent callers (parallel test workers) never see a half-written file.
  const partial = `${target}.${process.pid}.partial`;
  await writeFile(partial, data);
  await rename(partial, target);
  await markVerified(target, artifact.sha256);
  return target;
}

/**
 * Decompress the bundled guest images into outDir (default build/images/) unless they are already there with the
 * right sha256, and return their paths.
 */
export async function ensureImages(options: { srcDir?: string; outDir?: string } = {}): Promise<GuestImages> {
  const srcDir = options.srcDir ?? imagesDir;
  const outDir = options.outDir ?? defaultOutDir;
  await mkdir(outDir, { recursive: true });
  const index = readImagesIndex(srcDir);
  const paths: Partial<GuestImages> = {};
  for (const artifact of index.artifacts) paths[artifact.role] = await ensureOne(artifact, srcDir, outDir);
  for (const role of ["firmware", "kernel", "initrd", "disk"] as const) {
    if (!paths[role]) throw new Error(`images: index.json has no ${role}`);
  }
  return paths as GuestImages;
}

/** The bundled kernel's System.map, uncompressed into outDir (default build/images/); undefined when not bundled. */
export async function ensureKernelSymbols(
  options: { srcDir?: string; outDir?: string } = {},
): Promise<string | undefined> {
  const srcDir = options.srcDir ?? imagesDir;
  const outDir = options.outDir ?? defaultOutDir;
  const { symbols } = readImagesIndex(srcDir);
  if (!symbols || !existsSync(join(srcDir, symbols.file))) return undefined;
  await mkdir(outDir, { recursive: true });
  return ensureOne({ ...symbols, role: "kernel", from: "" }, srcDir, outDir);
}

/** A private, writable copy of the bundled disk image at dest (for tests that write to the disk). */
export async function freshDisk(dest: string, images?: GuestImages): Promise<string> {
  const source = (images ?? (await ensureImages())).disk;
  await mkdir(dirname(dest), { recursive: true });
  await copyFile(source, dest);
  return dest;
}
