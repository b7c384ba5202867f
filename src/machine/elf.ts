// The ELF64 reader for everything wasmvirt loads (firmware, kernels, test and benchmark programs):
// a RISC-V program's PT_LOAD segments at their physical addresses and its entry point, with QEMU
// 7.2's load_elf bounds and errors that name the problem.

/** One piece to copy into RAM: fileSize bytes from fileOffset, then zeros up to memSize. */
export interface ElfSegment {
  addr: bigint;
  fileOffset: number;
  fileSize: number;
  memSize: bigint;
}

export interface ElfImage {
  /** Physical entry point (e_entry moved from the virtual to the physical address of its segment). */
  entry: bigint;
  /** Lowest address and one past the highest of every PT_LOAD, as QEMU counts them. */
  low: bigint;
  high: bigint;
  /** The non-empty PT_LOAD segments. */
  segments: ElfSegment[];
}

export class ElfError extends Error {
  override name = "ElfError";
}

export const EM_RISCV = 243;
const PT_LOAD = 1;
const PF_X = 1;

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** Reads the program headers of a little-endian ELF64 RISC-V file; errors start with `what`. */
export function parseElf(bytes: Uint8Array, what: string): ElfImage {
  const fail = (msg: string): never => {
    throw new ElfError(`${what}: ${msg}`);
  };
  if (!isElf(bytes)) fail("not an ELF file");
  if (bytes.length < 64) fail("truncated ELF header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[4] !== 2)
    fail(bytes[4] === 1 ? "32-bit ELF; our harts are RV64, use a 64-bit build" : `unknown ELF class ${bytes[4]}`);
  if (bytes[5] !== 1) fail("big-endian ELF; RISC-V is little-endian");
  const machine = view.getUint16(18, true);
  if (machine !== EM_RISCV) fail(`ELF for machine ${machine}, not RISC-V (${EM_RISCV})`);
  const entry = view.getBigUint64(24, true);
  const phoff = Number(view.getBigUint64(32, true));
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  if (phentsize < 56) fail(`program header entries of ${phentsize} bytes (expected 56)`);
  if (phoff + phnum * phentsize > bytes.length) fail("program headers run past the end of the file");

  let low: bigint | undefined;
  let high = 0n;
  let physEntry = entry;
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (view.getUint32(p, true) !== PT_LOAD) continue;
    const flags = view.getUint32(p + 4, true);
    const offset = view.getBigUint64(p + 8, true);
    const vaddr = view.getBigUint64(p + 16, true);
    const paddr = view.getBigUint64(p + 24, true);
    const filesz = view.getBigUint64(p + 32, true);
    const memsz = view.getBigUint64(p + 40, true);
    if (filesz > memsz) fail(`segment ${i} has file size ${filesz} above its memory size ${memsz}`);
    if (offset + filesz > BigInt(bytes.length)) fail(`segment ${i} runs past the end of the file`);
    // QEMU (load_elf) counts every PT_LOAD in the low/high bounds, loads only non-empty ones.
    if (low === undefined || paddr < low) low = paddr;
    if (paddr + memsz > high) high = paddr + memsz;
    if (memsz > 0n)
      segments.push({ addr: paddr, fileOffset: Number(offset), fileSize: Number(filesz), memSize: memsz });
    if (vaddr !== paddr && flags & PF_X && entry >= vaddr && entry < vaddr + filesz) physEntry = entry - vaddr + paddr;
  }
  if (low === undefined || segments.length === 0) fail("no loadable segments");
  return { entry: physEntry, low: low!, high, segments };
}

/** The bytes a segment takes from the file (the rest, up to memSize, is zeros). */
export function segmentBytes(bytes: Uint8Array, seg: ElfSegment): Uint8Array {
  return bytes.subarray(seg.fileOffset, seg.fileOffset + seg.fileSize);
}
