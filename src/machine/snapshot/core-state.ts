// Saving and restoring the machine inside the CPU worker, where the core and the disks live.
// The core names the regions of its linear memory that make up the state (snapshotRegion*), so this
// file never retypes the layout; RAM is everything from ramOffset() on.
import { performance } from "node:perf_hooks";
import { traceStart } from "../../start-trace.js";
import type { CoreExports } from "../core.js";
import { RESTORE_ERRORS } from "../core.js";
import type { BlockBackend } from "../../block/backend.js";
import type { SaveStats } from "../messages.js";
import {
  encodeStateAsync,
  decodeState,
  decodeStateAsync,
  incompatibility,
  FORMAT_VERSION,
  unpackNonZero,
  unpackRam,
  packNonZero,
  RAM_PAGE,
  DISK_CHUNK,
  StateFormatError,
  type MachineDescription,
  type HostState,
  type MachineState,
  type Lz4Codec,
} from "./format.js";

export interface StateContext {
  core: CoreExports;
  disks: BlockBackend[];
  description: MachineDescription;
  coreId: string;
  wasmvirtVersion: string;
  /** Host state that is not in the core (console input waiting for room in the UART's ring). */
  hostState(): HostState;
  setHostState(h: HostState): void;
}

/** The core's map of RAM pages that were ever written (bit per page). */
function touchedMap(core: CoreExports): Uint8Array {
  const pages = Math.ceil(Number(core.ramBytes()) / RAM_PAGE);
  return new Uint8Array(core.memory.buffer, core.ramTouchedOffset(), (pages + 7) >> 3);
}

/**
 * The core's LZ4 codec over its two buffers. A piece that is a view of the core's memory (a run of RAM) is
 * compressed where it lies; anything else is copied into the input buffer first. Results are views of the
 * output buffer (decompress: valid until the next call) or copies (compress).
 */
export function coreLz4(core: CoreExports): Lz4Codec {
  const size = core.lzBufferSize();
  const input = core.lzInBuffer(),
    output = core.lzOutBuffer();
  const mem = () => new Uint8Array(core.memory.buffer);
  const place = (bytes: Uint8Array): number => {
    if (bytes.buffer === core.memory.buffer) return bytes.byteOffset;
    mem().set(bytes, input);
    return input;
  };
  return {
    compress(raw) {
      if (raw.length > size || core.lzBound(raw.length) > size) return undefined;
      const n = core.lzCompress(place(raw), raw.length, output, size);
      return n < 0 ? undefined : mem().slice(output, output + n);
    },
    decompress(block, rawLength, into) {
      if (block.length > size) return undefined;
      if (into?.buffer === core.memory.buffer && into.length === rawLength) {
        const n = core.lzDecompress(place(block), block.length, into.byteOffset, rawLength);
        return n === rawLength ? into : undefined;
      }
      if (rawLength > size) return undefined;
      const n = core.lzDecompress(place(block), block.length, output, rawLength);
      return n !== rawLength ? undefined : mem().subarray(output, output + n);
    },
  };
}

/** Zeroes the pages a page map names (and no others: untouched RAM stays uncommitted). */
function clearPages(bitmap: Uint8Array, ram: Uint8Array): void {
  for (let i = 0; i < bitmap.length * 8 && i * RAM_PAGE < ram.length; i++)
    if (bitmap[i >> 3] & (1 << (i & 7))) ram.fill(0, i * RAM_PAGE, Math.min(ram.length, (i + 1) * RAM_PAGE));
}

function ramView(core: CoreExports): Uint8Array {
  const base = core.ramOffset();
  return new Uint8Array(core.memory.buffer, base, Number(core.ramBytes()));
}

/**
 * The paused machine as a state file (in parts, to be written in order). Long runs of RAM are compressed
 * in place on the thread pool: the caller keeps the machine (RAM included) unchanged until this settles.
 */
export async function saveState(ctx: StateContext, blk: boolean): Promise<{ parts: Uint8Array[]; stats: SaveStats }> {
  const t0 = performance.now();
  const { core } = ctx;
  core.snapshotSave();
  const regions = [];
  for (let i = 0; i < core.snapshotRegionCount(); i++) {
    const start = core.snapshotRegionStart(i),
      size = core.snapshotRegionSize(i);
    regions.push({ start, bytes: new Uint8Array(core.memory.buffer, start, size) });
  }
  const disks = blk
    ? ctx.disks.map((d, index) => {
        const bytes = new Uint8Array(d.size);
        d.read(bytes, 0);
        return { index, bytes };
      })
    : undefined;
  const encoded = encodeStateAsync({
    header: {
      format: FORMAT_VERSION,
      wasmvirt: ctx.wasmvirtVersion,
      core: ctx.coreId,
      machine: ctx.description,
      blk,
      savedAt: new Date().toISOString(),
    },
    regions,
    ram: ramView(core),
    ramCandidates: touchedMap(core),
    lz4: coreLz4(core),
    host: ctx.hostState(),
    disks,
  });
  traceStart("save: pages copied");
  const verify = process.env.WASMVIRT_SNAPSHOT_VERIFY === "1" ? packNonZero(ramView(core), RAM_PAGE).count : undefined;
  const r = await encoded;
  traceStart("save: compressed");
  // WASMVIRT_SNAPSHOT_VERIFY=1 (the tests set it): prove that the touched map missed no written page.
  if (verify !== undefined && verify !== r.ramNonZeroPages) {
    throw new Error(
      `internal error: ${verify - r.ramNonZeroPages} written RAM pages are missing from the core's touched map`,
    );
  }
  // Parts stored uncompressed (incompressible pages) may be views of RAM: copy them out of the core's memory,
  // or posting them would clone all of it once per part. (Not p.slice(): on a Buffer that is a view too.)
  const parts = r.parts.map((p) => (p.buffer === core.memory.buffer ? new Uint8Array(p) : p));
  return {
    parts,
    stats: { bytes: r.bytes, ramPages: r.ramPages, ramNonZeroPages: r.ramNonZeroPages, ms: performance.now() - t0 },
  };
}

/**
 * Parses and verifies a state file for this machine (main thread, while the CPU worker may still be
 * starting): checksums, machine description, core build. Throws StateFormatError with the reason.
 */
export function verifyState(file: Uint8Array, description: MachineDescription, coreId: string): MachineState {
  return checkFits(decodeState(file), description, coreId);
}

/** verifyState with the decompression on the thread pool (this thread stays free meanwhile). */
export async function verifyStateAsync(
  file: Uint8Array,
  description: Promise<MachineDescription>,
  coreId: string,
): Promise<MachineState> {
  const st = await decodeStateAsync(file);
  return checkFits(st, await description, coreId);
}

function checkFits(st: MachineState, description: MachineDescription, coreId: string): MachineState {
  const why = incompatibility(st.header, description, coreId);
  if (why) throw new StateFormatError(why);
  if (st.ram.size !== description.ramSize)
    throw new StateFormatError(`the state's RAM has ${st.ram.size} bytes, this machine ${description.ramSize}`);
  return st;
}

/**
 * Replaces the machine with a verified state (CPU worker). What only the core can check (its
 * regions) is checked before the first byte changes; a refusal throws with the reason.
 * `ramIsZero`: RAM was never written (a machine started with -incoming), so zero pages need no fill.
 */
export function applyState(ctx: StateContext, st: MachineState, ramIsZero: boolean): void {
  const { core } = ctx;
  const ram = ramView(core);
  if (st.ram.size !== ram.length)
    throw new StateFormatError(`the state's RAM has ${st.ram.size} bytes, this machine ${ram.length}`);
  if (st.regions.length !== core.snapshotRegionCount())
    throw new StateFormatError("the state's core regions do not match this core build");
  for (let i = 0; i < core.snapshotRegionCount(); i++) {
    const r = st.regions[i];
    if (r.start !== core.snapshotRegionStart(i) || r.bytes.length !== core.snapshotRegionSize(i)) {
      throw new StateFormatError("the state's core regions do not match this core build");
    }
  }
  for (const d of st.disks) {
    const disk = ctx.disks[d.index];
    if (!disk || disk.size !== d.size)
      throw new StateFormatError(
        `the state carries disk ${d.index} (${d.size} bytes), which this machine does not have`,
      );
    if (disk.readOnly)
      throw new StateFormatError(`the state carries the contents of disk ${d.index}, but it is read-only here`);
  }
  // Verified: apply. RAM first: only the core can tell that an LZ4 block is malformed, and then nothing else
  // has changed (RAM is cleared again; this machine has not run since it was made to wait for a state).
  if (!ramIsZero) ram.fill(0);
  try {
    unpackRam(st.ram, ram, coreLz4(core));
    traceStart("worker: RAM unpacked");
  } catch (e) {
    clearPages(st.ram.bitmap, ram);
    throw e;
  }
  // Disks next (a write error leaves the machine's registers and devices untouched), then the core's regions.
  for (const d of st.disks) {
    const disk = ctx.disks[d.index];
    const image = new Uint8Array(d.size);
    unpackNonZero(d.bitmap, d.data, DISK_CHUNK, image);
    for (let off = 0; off < d.size; off += 1 << 20)
      disk.write(image.subarray(off, Math.min(d.size, off + (1 << 20))), off);
    disk.flush();
  }
  const mem = new Uint8Array(core.memory.buffer);
  for (const r of st.regions) mem.set(r.bytes, r.start);
  const rc = core.snapshotRestore();
  if (rc !== 0) throw new StateFormatError(RESTORE_ERRORS[rc] ?? `the core refused the state (${rc})`);
  core.noteRamWrite(BigInt(0x8000_0000), ram.length);
  // The touched map is exactly the state's non-zero pages (noteRamWrite just marked them all).
  const touched = touchedMap(core);
  touched.fill(0);
  touched.set(st.ram.bitmap.subarray(0, touched.length));
  ctx.setHostState(st.host);
}
