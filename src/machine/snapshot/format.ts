// The saved-machine file format ("wasmvirt machine state", what `migrate` writes and `-incoming` reads).
// Pure encoding and decoding: no core, no files. Documented in README.md ("Saved machine state").
//
//   file    = MAGIC (8 bytes "WVMSTATE") · version u32 · section* · END section
//   section = tag (4 ASCII bytes) · flags u32 (bit 1: brotli-compressed; bit 2, RAMD only: an LZ4 block; other
//             bits must be 0) · raw length u64 · stored length u64 ·
//             crc32 of the stored bytes u32 · stored bytes
//   END     = tag "END " · crc32 over every byte before it u32
// All integers little-endian. Sections, in this order:
//   HEAD  JSON: format, wasmvirt version, core build id, the machine (RAM size, harts, virtio slots, drives)
//   CORE  the core's linear-memory regions: per region start u32 · size u32 · bytes
//   RAM   page size u32 · page count u32 · bitmap of non-zero pages
//   RAMD  (zero or more) the non-zero pages in bitmap order, at most RAM_CHUNK bytes per section, split where the
//         writer likes (wasmvirt: at runs of consecutive pages); each section is compressed on its own. wasmvirt
//         writes them as LZ4 blocks (the LZ4 project's block format, no frame), compressed and decompressed by
//         the core where the pages are (assembly/lz4.ts): a restore's decompression is a few milliseconds
//   HOST  JSON: host-side state (console bytes typed but not yet taken by the UART)
//   DISK  (only with blk) drive index u32 · size u64 · chunk size u32 · bitmap of non-zero chunks · chunks
// A reader checks every crc and the END checksum before anything is applied: a truncated or corrupted
// file is refused as a whole; an LZ4 block that does not decompress to its length is refused by the core
// before anything else of the machine changes. Versions 1 (one RAM section holding the map and all pages) and
// 2 (brotli RAMD sections) are still read.
import { createRequire } from "node:module";
import type * as Zlib from "node:zlib";
import memmap from "../memmap.json" with { type: "json" };
import virtioKinds from "../virtio-devices.json" with { type: "json" };

const virtioMmio = memmap.regions.find((r) => r.kind === "virtio_mmio")!;
const VIRTIO_MMIO_BASE = Number(virtioMmio.base),
  VIRTIO_MMIO_SIZE = Number(virtioMmio.size);
const VIRTIO_SLOTS = ("count" in virtioMmio ? virtioMmio.count : undefined) ?? 1;
const VIRTIO_BLK_ID = virtioKinds.kinds.find((k) => k.name === "blk")!.id;

export const MAGIC = Buffer.from("WVMSTATE", "latin1");
export const FORMAT_VERSION = 3;
export const RAM_PAGE = 4096;
/** Raw bytes of RAM pages per RAMD section: small enough that a booted guest's RAM is a dozen pieces for the thread pool. */
export const RAM_CHUNK = 1 << 20;
export const DISK_CHUNK = 65536;
const FLAG_BROTLI = 2;
const FLAG_LZ4 = 4;

// zlib on first use: the CPU worker loads this module at start-up but compresses only when saving.
let zlibModule: typeof Zlib | undefined;
const zlib = (): typeof Zlib => (zlibModule ??= createRequire(import.meta.url)("node:zlib") as typeof Zlib);

export class StateFormatError extends Error {}

/** The machine a state belongs to; a state loads only into a machine that describes itself the same way. */
export interface MachineDescription {
  ramSize: number;
  harts: number;
  /** virtio-mmio slots in use: slot, device id (virtio-devices.json), read-only flag, capacity in bytes */
  virtio: { slot: number; type: number; flags: number; capacity: number }[];
}

export interface StateHeader {
  format: number;
  wasmvirt: string;
  /** sha256 (hex, 16 digits) of core.wasm: the core's memory layout is only valid for the same build */
  core: string;
  machine: MachineDescription;
  blk: boolean;
  savedAt: string;
}

export interface HostState {
  consoleInput: number[];
}

/** A piece of the non-zero RAM pages: its bytes, or an LZ4 block of `rawLength` bytes (left for the core). */
export interface RamChunk {
  bytes: Uint8Array;
  rawLength: number;
  lz4: boolean;
}

/** The core's LZ4 block codec (assembly/lz4.ts): undefined when a block does not fit or is malformed. */
export interface Lz4Codec {
  compress(raw: Uint8Array): Uint8Array | undefined;
  /** Into the codec's buffer, or into `into` (rawLength bytes) when the codec can write there. */
  decompress(block: Uint8Array, rawLength: number, into?: Uint8Array): Uint8Array | undefined;
}

export interface MachineState {
  header: StateHeader;
  regions: { start: number; bytes: Uint8Array }[];
  /** The non-zero pages (bitmap order) are the concatenation of `chunks` (decompressed). */
  ram: { size: number; bitmap: Uint8Array; chunks: RamChunk[] };
  host: HostState;
  disks: { index: number; size: number; bitmap: Uint8Array; data: Uint8Array }[];
}

// ---- writing --------------------------------------------------------------------------------------

/**
 * Brotli at quality 0 (Node's zlib): on a booted guest's RAM it is 3-4x faster than deflate level 1 for
 * about the same size (measured: 12.5 MB of pages → 3.9 MB in 25 ms, deflate 3.6 MB in 80-110 ms), which
 * is what a save that pauses the guest needs.
 */
const brotliOptions = (n: number) => ({
  params: { [zlib().constants.BROTLI_PARAM_QUALITY]: 0, [zlib().constants.BROTLI_PARAM_SIZE_HINT]: n },
  chunkSize: outputChunk(n >> 1),
});
/**
 * zlib's output buffer size: Node hands each full buffer back separately (on the thread pool, one round trip to
 * this thread per buffer) and joins them at the end, so one buffer of the expected size is much cheaper than
 * the 16 KiB default (measured: half the CPU time of a thread-pool decompression of a booted guest's RAM).
 */
const outputChunk = (n: number) => Math.max(n, 64);
const inflateOptions = (rawLen: number) => ({ maxOutputLength: Math.max(rawLen, 1), chunkSize: outputChunk(rawLen) });

/** Compressed bytes are kept when they save at least an eighth. */
const worthIt = (raw: Uint8Array, z: Uint8Array) => z.length < raw.length - (raw.length >> 3);

/** A section before framing: its raw bytes and which compression is tried. */
interface PlainSection {
  tag: string;
  raw: Uint8Array;
  compress: "none" | "brotli" | "lz4";
}

function frame(tag: string, raw: Uint8Array, flags: number, stored: Uint8Array): Uint8Array[] {
  const h = Buffer.alloc(28);
  h.write(tag, 0, 4, "latin1");
  h.writeUInt32LE(flags, 4);
  h.writeBigUInt64LE(BigInt(raw.length), 8);
  h.writeBigUInt64LE(BigInt(stored.length), 16);
  // Over the stored bytes: checked before decompressing, and a third of the work of the raw bytes.
  h.writeUInt32LE(zlib().crc32(stored), 24);
  return [h, stored];
}

const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};

/**
 * Which pages of `mem` hold anything but zeros: a bitmap, and the non-zero pages as views of `mem`, one per
 * run of consecutive pages. Buffer.equals is memcmp, so a mostly-zero RAM is scanned at memory speed.
 */
export function nonZeroRuns(
  mem: Uint8Array,
  unit: number,
  candidates?: Uint8Array,
): { bitmap: Uint8Array; runs: Uint8Array[]; count: number } {
  const n = Math.ceil(mem.length / unit);
  const bitmap = new Uint8Array((n + 7) >> 3);
  const zero = Buffer.alloc(unit);
  const buf = Buffer.from(mem.buffer, mem.byteOffset, mem.length);
  const runs: Uint8Array[] = [];
  let runStart = -1,
    runEnd = -1;
  let count = 0;
  for (let i = 0; i < n; i++) {
    // Only pages the writer map marks can hold data: skip whole bytes of the map at once.
    if (candidates && (i & 7) === 0 && candidates[i >> 3] === 0) {
      i += 7;
      continue;
    }
    if (candidates && (candidates[i >> 3] & (1 << (i & 7))) === 0) continue;
    const start = i * unit;
    const end = Math.min(start + unit, mem.length);
    const page = buf.subarray(start, end);
    if (end - start === unit ? page.equals(zero) : page.every((b) => b === 0)) continue;
    bitmap[i >> 3] |= 1 << (i & 7);
    count++;
    if (start !== runEnd) {
      if (runStart >= 0) runs.push(buf.subarray(runStart, runEnd));
      runStart = start;
    }
    runEnd = end;
  }
  if (runStart >= 0) runs.push(buf.subarray(runStart, runEnd));
  return { bitmap, runs, count };
}

/** nonZeroRuns with the pages copied into one buffer. */
export function packNonZero(
  mem: Uint8Array,
  unit: number,
  candidates?: Uint8Array,
): { bitmap: Uint8Array; data: Uint8Array; count: number } {
  const { bitmap, runs, count } = nonZeroRuns(mem, unit, candidates);
  return { bitmap, data: Buffer.concat(runs), count };
}

/**
 * The RAMD sections' contents: long runs of pages stay views of RAM (compressed where they are, no copy),
 * split at RAM_CHUNK; short runs are gathered into copies of up to RAM_CHUNK. Bitmap order is kept.
 */
function ramPieces(runs: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let gathered: Uint8Array[] = [];
  let gatheredLen = 0;
  const flush = () => {
    if (gatheredLen > 0) out.push(Buffer.concat(gathered, gatheredLen));
    gathered = [];
    gatheredLen = 0;
  };
  for (const r of runs) {
    if (r.length >= RAM_CHUNK >> 3) {
      flush();
      for (let at = 0; at < r.length; at += RAM_CHUNK) out.push(r.subarray(at, Math.min(r.length, at + RAM_CHUNK)));
    } else {
      if (gatheredLen + r.length > RAM_CHUNK) flush();
      gathered.push(r);
      gatheredLen += r.length;
    }
  }
  flush();
  return out;
}

export interface EncodeInput {
  header: StateHeader;
  regions: { start: number; bytes: Uint8Array }[];
  ram: Uint8Array;
  /** Pages that may be non-zero (the core's RAM_TOUCHED map); without it every page is scanned. */
  ramCandidates?: Uint8Array;
  /** The core's codec: RAMD sections become LZ4 blocks (without it, brotli like the other sections). */
  lz4?: Lz4Codec;
  host: HostState;
  disks?: { index: number; bytes: Uint8Array }[];
}

export interface EncodeResult {
  parts: Uint8Array[];
  bytes: number;
  ramPages: number;
  ramNonZeroPages: number;
}

/**
 * The sections of a state, uncompressed. Long runs of RAM pages are views of `input.ram`; everything else
 * is a copy.
 */
function plainSections(input: EncodeInput): { sections: PlainSection[]; ramPages: number; ramNonZeroPages: number } {
  const sections: PlainSection[] = [];
  sections.push({ tag: "HEAD", raw: Buffer.from(JSON.stringify(input.header)), compress: "none" });
  const coreParts: Uint8Array[] = [];
  for (const r of input.regions) coreParts.push(u32(r.start), u32(r.bytes.length), r.bytes);
  sections.push({ tag: "CORE", raw: Buffer.concat(coreParts), compress: "brotli" });
  const ram = nonZeroRuns(input.ram, RAM_PAGE, input.ramCandidates);
  const pages = Math.ceil(input.ram.length / RAM_PAGE);
  sections.push({ tag: "RAM ", raw: Buffer.concat([u32(RAM_PAGE), u32(pages), ram.bitmap]), compress: "brotli" });
  for (const piece of ramPieces(ram.runs))
    sections.push({ tag: "RAMD", raw: piece, compress: input.lz4 ? "lz4" : "brotli" });
  sections.push({ tag: "HOST", raw: Buffer.from(JSON.stringify(input.host)), compress: "none" });
  for (const d of input.disks ?? []) {
    const packed = packNonZero(d.bytes, DISK_CHUNK);
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(d.bytes.length));
    sections.push({
      tag: "DISK",
      raw: Buffer.concat([u32(d.index), size, u32(DISK_CHUNK), packed.bitmap, packed.data]),
      compress: "brotli",
    });
  }
  return { sections, ramPages: pages, ramNonZeroPages: ram.count };
}

function assemble(framed: Uint8Array[][], ramPages: number, ramNonZeroPages: number): EncodeResult {
  const head = Buffer.alloc(12);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(FORMAT_VERSION, 8);
  const out: Uint8Array[] = [head, ...framed.flat()];
  let crc = 0;
  for (const p of out) crc = zlib().crc32(p, crc);
  const end = Buffer.alloc(8);
  end.write("END ", 0, 4, "latin1");
  end.writeUInt32LE(crc, 4);
  out.push(end);
  const bytes = out.reduce((n, p) => n + p.length, 0);
  return { parts: out, bytes, ramPages, ramNonZeroPages };
}

/** An LZ4 section (synchronous: the core compresses where the pages are), or the raw bytes when that does not pay. */
function lz4Frame(tag: string, raw: Uint8Array, codec: Lz4Codec): Uint8Array[] {
  const z = codec.compress(raw);
  return z && worthIt(raw, z) ? frame(tag, raw, FLAG_LZ4, z) : frame(tag, raw, 0, raw);
}

export function encodeState(input: EncodeInput): EncodeResult {
  const { sections, ramPages, ramNonZeroPages } = plainSections(input);
  const framed = sections.map(({ tag, raw, compress }) => {
    if (compress === "none" || raw.length < 256) return frame(tag, raw, 0, raw);
    if (compress === "lz4" && input.lz4) return lz4Frame(tag, raw, input.lz4);
    const z = zlib().brotliCompressSync(raw, brotliOptions(raw.length));
    return worthIt(raw, z) ? frame(tag, raw, FLAG_BROTLI, z) : frame(tag, raw, 0, raw);
  });
  return assemble(framed, ramPages, ramNonZeroPages);
}

/**
 * encodeState with the sections compressed in parallel on libuv's thread pool (what a save uses: the
 * pause is about as long as the largest share of one core). Long runs of RAM are compressed in place:
 * `input.ram` must not change until the promise settles, and uncompressed parts may be views of it.
 */
export async function encodeStateAsync(input: EncodeInput): Promise<EncodeResult> {
  const { sections, ramPages, ramNonZeroPages } = plainSections(input);
  const z = zlib();
  // The brotli sections start on the thread pool first; the LZ4 ones are compressed here meanwhile.
  const pending = sections.map(({ tag, raw, compress }) => {
    if (compress === "none" || raw.length < 256) return frame(tag, raw, 0, raw);
    if (compress === "lz4") return undefined;
    return new Promise<Uint8Array[]>((resolve, reject) =>
      z.brotliCompress(raw, brotliOptions(raw.length), (err, out) => {
        if (err) reject(err);
        else resolve(worthIt(raw, out) ? frame(tag, raw, FLAG_BROTLI, out) : frame(tag, raw, 0, raw));
      }),
    );
  });
  const framed = await Promise.all(pending.map((p, i) => p ?? lz4Frame(sections[i].tag, sections[i].raw, input.lz4!)));
  return assemble(framed, ramPages, ramNonZeroPages);
}

// ---- reading --------------------------------------------------------------------------------------

/**
 * Puts the pieces of a bitmap + data pair into `target` (which must be zero-filled where the bitmap says zero),
 * in order, as they come: the data of the set bits' units, runs of consecutive units copied at once. A piece
 * may be a buffer that is reused for the next one (the core's codec buffer): it is copied before push returns.
 */
export class PageScatter {
  private readonly units: number;
  /** The next unit to look at for a run, and the run being filled: [dst, stop) of target. */
  private next = 0;
  private dst = 0;
  private stop = 0;

  constructor(
    private readonly bitmap: Uint8Array,
    private readonly unit: number,
    private readonly target: Uint8Array,
  ) {
    this.units = Math.ceil(target.length / unit);
  }

  /** Starts the next run of set bits; false when there is none. */
  private nextRun(): boolean {
    const { bitmap, units } = this;
    let i = this.next;
    while (i < units) {
      if ((i & 7) === 0 && bitmap[i >> 3] === 0) i += 8;
      else if ((bitmap[i >> 3] & (1 << (i & 7))) === 0) i++;
      else break;
    }
    if (i >= units) return false;
    let end = i + 1;
    while (end < units && (bitmap[end >> 3] & (1 << (end & 7))) !== 0) end++;
    this.dst = i * this.unit;
    this.stop = Math.min(end * this.unit, this.target.length);
    this.next = end;
    return true;
  }

  /**
   * Where the next `n` bytes go when they are one stretch of target (a piece of a long run of pages): a
   * view to write them into directly, then `skip(n)`. Undefined when they are split.
   */
  stretch(n: number): Uint8Array | undefined {
    if (this.dst === this.stop && !this.nextRun()) return undefined;
    return n <= this.stop - this.dst ? this.target.subarray(this.dst, this.dst + n) : undefined;
  }

  /** The bytes stretch() returned were written. */
  skip(n: number): void {
    this.dst += n;
  }

  push(piece: Uint8Array): void {
    for (let at = 0; at < piece.length; ) {
      if (this.dst === this.stop && !this.nextRun())
        throw new StateFormatError("the machine state is corrupted (a section is longer than its page map says)");
      const take = Math.min(this.stop - this.dst, piece.length - at);
      this.target.set(piece.subarray(at, at + take), this.dst);
      at += take;
      this.dst += take;
    }
  }

  /** Every set bit's unit was filled. */
  finish(): void {
    if (this.dst !== this.stop || this.nextRun())
      throw new StateFormatError("the machine state is corrupted (a section is shorter than its page map says)");
  }
}

/** PageScatter over pieces that are all at hand. */
export function unpackNonZero(
  bitmap: Uint8Array,
  data: Uint8Array | Uint8Array[],
  unit: number,
  target: Uint8Array,
): void {
  const scatter = new PageScatter(bitmap, unit, target);
  for (const piece of Array.isArray(data) ? data : [data]) scatter.push(piece);
  scatter.finish();
}

/**
 * The state's RAM pages into `target` (the machine's RAM, zero-filled): LZ4 chunks are decompressed by `codec`
 * one at a time and scattered at once. Throws StateFormatError for a block that does not decompress to its
 * length; what was written before it stays (the caller clears RAM again).
 */
export function unpackRam(ram: MachineState["ram"], target: Uint8Array, codec?: Lz4Codec): void {
  const scatter = new PageScatter(ram.bitmap, RAM_PAGE, target);
  for (const c of ram.chunks) {
    if (!c.lz4) {
      scatter.push(c.bytes);
      continue;
    }
    if (!codec) throw new StateFormatError("internal error: no LZ4 codec to load the state's RAM with");
    // A piece of a long run goes straight into place; a gathered one through the codec's buffer.
    const into = scatter.stretch(c.rawLength);
    const raw = codec.decompress(c.bytes, c.rawLength, into);
    if (!raw || raw.length !== c.rawLength) throw undecompressable("RAMD");
    if (into && raw === into) scatter.skip(c.rawLength);
    else scatter.push(raw);
  }
  scatter.finish();
}

interface StoredSection {
  tag: string;
  flags: number;
  rawLen: number;
  bytes: Uint8Array;
}

/** Every header, checksum and the end marker: only a file that passes them all is decompressed. */
function storedSections(file: Uint8Array): { version: number; stored: StoredSection[] } {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.length);
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC))
    throw new StateFormatError("Not a wasmvirt machine state (bad magic)");
  const version = buf.readUInt32LE(8);
  if (version < 1 || version > FORMAT_VERSION) {
    throw new StateFormatError(
      `machine state format version ${version} is not supported (this wasmvirt reads versions 1 to ${FORMAT_VERSION})`,
    );
  }
  const { crc32 } = zlib();
  let at = 12;
  const stored: StoredSection[] = [];
  let ended = false;
  while (at < buf.length) {
    if (at + 8 <= buf.length && buf.toString("latin1", at, at + 4) === "END ") {
      const want = buf.readUInt32LE(at + 4);
      if (crc32(buf.subarray(0, at)) !== want)
        throw new StateFormatError("the machine state is corrupted (file checksum mismatch)");
      at += 8;
      ended = true;
      break;
    }
    if (at + 28 > buf.length) throw new StateFormatError("the machine state is truncated");
    const tag = buf.toString("latin1", at, at + 4);
    const flags = buf.readUInt32LE(at + 4);
    const rawLen = Number(buf.readBigUInt64LE(at + 8));
    const storedLen = Number(buf.readBigUInt64LE(at + 16));
    const crc = buf.readUInt32LE(at + 24);
    at += 28;
    if (at + storedLen > buf.length) throw new StateFormatError("the machine state is truncated");
    const bytes = buf.subarray(at, at + storedLen);
    at += storedLen;
    if (crc32(bytes) !== crc)
      throw new StateFormatError(`the machine state is corrupted (section ${tag.trim()} checksum mismatch)`);
    // LZ4 only for RAMD sections, and from version 3 on: the core decompresses them into its codec buffers.
    const lz4Ok = tag === "RAMD" && version >= 3 && flags === FLAG_LZ4;
    if (flags & ~FLAG_BROTLI && !lz4Ok)
      throw new StateFormatError(`the machine state is corrupted (section ${tag.trim()} has unknown flags)`);
    stored.push({ tag, flags, rawLen, bytes });
  }
  if (!ended) throw new StateFormatError("the machine state is truncated (no end marker)");
  if (at !== buf.length) throw new StateFormatError("the machine state has trailing bytes after its end marker");
  return { version, stored };
}

const undecompressable = (tag: string) =>
  new StateFormatError(`the machine state is corrupted (section ${tag.trim()} does not decompress)`);

/** A section as parseSections takes it: its raw bytes, or (RAMD) an LZ4 block and its raw length. */
interface ReadSection {
  tag: string;
  raw: Uint8Array;
  lz4RawLength?: number;
}

function checkedLength(s: StoredSection, raw: Uint8Array): ReadSection {
  if (s.flags & FLAG_LZ4) return { tag: s.tag, raw, lz4RawLength: s.rawLen };
  if (raw.length !== s.rawLen)
    throw new StateFormatError(`the machine state is corrupted (section ${s.tag.trim()} has the wrong length)`);
  return { tag: s.tag, raw };
}

/** Parses and verifies a whole state file; throws StateFormatError with a user-facing reason. */
export function decodeState(file: Uint8Array): MachineState {
  const { version, stored } = storedSections(file);
  return parseSections(
    version,
    stored.map((s) => {
      if (!(s.flags & FLAG_BROTLI)) return checkedLength(s, s.bytes);
      let raw: Uint8Array;
      try {
        raw = zlib().brotliDecompressSync(s.bytes, inflateOptions(s.rawLen));
      } catch {
        throw undecompressable(s.tag);
      }
      return checkedLength(s, raw);
    }),
  );
}

/**
 * decodeState with the sections decompressed in parallel on libuv's thread pool, leaving this thread free
 * (a restore decompresses while the CPU worker starts). The same checks and the same refusals.
 */
export async function decodeStateAsync(file: Uint8Array): Promise<MachineState> {
  const { version, stored } = storedSections(file);
  const z = zlib();
  const raws = await Promise.allSettled(
    stored.map((s) => {
      if (!(s.flags & FLAG_BROTLI)) return checkedLength(s, s.bytes);
      return new Promise<ReadSection>((resolve, reject) => {
        z.brotliDecompress(s.bytes, inflateOptions(s.rawLen), (err, raw) => {
          if (err) reject(undecompressable(s.tag));
          else {
            try {
              resolve(checkedLength(s, raw));
            } catch (e) {
              reject(e);
            }
          }
        });
      });
    }),
  );
  const failed = raws.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return parseSections(
    version,
    raws.map((r) => (r as PromiseFulfilledResult<ReadSection>).value),
  );
}

function parseSections(version: number, sections: ReadSection[]): MachineState {
  const get = (tag: string) => {
    const s = sections.find((x) => x.tag === tag);
    if (!s) throw new StateFormatError(`the machine state has no ${tag.trim()} section`);
    return Buffer.from(s.raw.buffer, s.raw.byteOffset, s.raw.length);
  };
  let header: StateHeader, host: HostState;
  try {
    header = JSON.parse(get("HEAD").toString("utf8"));
    host = JSON.parse(get("HOST").toString("utf8"));
  } catch (e) {
    if (e instanceof StateFormatError) throw e;
    throw new StateFormatError("the machine state is corrupted (header is not JSON)");
  }
  const core = get("CORE");
  const regions: MachineState["regions"] = [];
  for (let p = 0; p < core.length; ) {
    if (p + 8 > core.length) throw new StateFormatError("the machine state is corrupted (CORE section)");
    const start = core.readUInt32LE(p),
      size = core.readUInt32LE(p + 4);
    if (p + 8 + size > core.length) throw new StateFormatError("the machine state is corrupted (CORE section)");
    regions.push({ start, bytes: core.subarray(p + 8, p + 8 + size) });
    p += 8 + size;
  }
  const ramSec = get("RAM ");
  if (ramSec.length < 8) throw new StateFormatError("the machine state is corrupted (RAM section)");
  const pageSize = ramSec.readUInt32LE(0),
    pages = ramSec.readUInt32LE(4);
  if (pageSize !== RAM_PAGE) throw new StateFormatError(`the machine state uses ${pageSize}-byte pages`);
  const bmLen = (pages + 7) >> 3;
  if (ramSec.length < 8 + bmLen || (version > 1 && ramSec.length !== 8 + bmLen))
    throw new StateFormatError("the machine state is corrupted (RAM section)");
  // Version 1 keeps the pages in the RAM section after the map; version 2 in the RAMD sections.
  const chunks: RamChunk[] = (
    version === 1 ? [{ tag: "RAM ", raw: ramSec.subarray(8 + bmLen) }] : sections.filter((x) => x.tag === "RAMD")
  ).map((x: ReadSection) => ({
    bytes: x.raw,
    rawLength: x.lz4RawLength ?? x.raw.length,
    lz4: x.lz4RawLength !== undefined,
  }));
  const ram = { size: pages * RAM_PAGE, bitmap: ramSec.subarray(8, 8 + bmLen), chunks };
  const disks: MachineState["disks"] = [];
  for (const s of sections.filter((x) => x.tag === "DISK")) {
    const d = Buffer.from(s.raw.buffer, s.raw.byteOffset, s.raw.length);
    const index = d.readUInt32LE(0),
      size = Number(d.readBigUInt64LE(4)),
      chunk = d.readUInt32LE(12);
    if (chunk !== DISK_CHUNK) throw new StateFormatError(`the machine state uses ${chunk}-byte disk chunks`);
    const n = Math.ceil(size / DISK_CHUNK);
    const bm = (n + 7) >> 3;
    disks.push({ index, size, bitmap: d.subarray(16, 16 + bm), data: d.subarray(16 + bm) });
  }
  return { header, regions, ram, host, disks };
}

const sizeText = (n: number) => (n % (1 << 30) === 0 ? `${n / (1 << 30)}G` : `${Math.round(n / (1 << 20))}M`);

/** Why `state` cannot load into `machine`/`core` (QEMU's wording where it has one), or undefined. */
export function incompatibility(h: StateHeader, machine: MachineDescription, coreId: string): string | undefined {
  const m = h.machine;
  if (!m || typeof m.ramSize !== "number") return "the machine state header is incomplete";
  if (m.ramSize !== machine.ramSize) {
    return (
      `Size mismatch: riscv_virt_board.ram: 0x${m.ramSize.toString(16)} != 0x${machine.ramSize.toString(16)} ` +
      `(the state was saved with -m ${sizeText(m.ramSize)}, this machine has -m ${sizeText(machine.ramSize)})`
    );
  }
  if (m.harts !== machine.harts)
    return `the state was saved with -smp ${m.harts}, this machine has -smp ${machine.harts}`;
  const name = (t: number) => virtioKinds.kinds.find((k) => k.id === t)?.qemuDevice ?? `virtio device ${t}`;
  const slots = (d: MachineDescription) => new Map(d.virtio.map((v) => [v.slot, v]));
  const a = slots(m),
    b = slots(machine);
  for (let s = VIRTIO_SLOTS - 1; s >= 0; s--) {
    const x = a.get(s),
      y = b.get(s);
    const base = `virtio-mmio@${(VIRTIO_MMIO_BASE + s * VIRTIO_MMIO_SIZE).toString(16)}`;
    if (x && !y)
      return `the state has a ${name(x.type)} at ${base}, this machine has none there (check -device/-drive)`;
    if (!x && y)
      return `this machine has a ${name(y.type)} at ${base}, the state has none there (check -device/-drive)`;
    if (x && y && x.type !== y.type)
      return `the state has a ${name(x.type)} at ${base}, this machine has a ${name(y.type)}`;
    if (x && y && x.type === VIRTIO_BLK_ID && x.capacity !== y.capacity) {
      return `the disk at ${base} has ${x.capacity} bytes in the state and ${y.capacity} bytes here (use the same image)`;
    }
    if (x && y && x.type === 2 && x.flags !== y.flags)
      return `the disk at ${base} is ${x.flags & 1 ? "read-only" : "writable"} in the state and ${y.flags & 1 ? "read-only" : "writable"} here`;
  }
  if (h.core !== coreId)
    return `the state was saved by another core build (${h.core}, this is ${coreId}): save and restore with the same wasmvirt`;
  return undefined;
}
