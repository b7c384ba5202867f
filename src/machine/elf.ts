// A minimal ELF64 reader: enough to place a RISC-V program's PT_LOAD segments at their
// physical addresses and find its entry point, with errors that name the problem.

export interface ElfSegment { paddr: bigint; data: Uint8Array; memSize: bigint }
export interface ElfImage { entry: bigint; segments: ElfSegment[]; lowest: bigint; highest: bigint }

const EM_RISCV = 243;
const PT_LOAD = 1;

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export function parseElf(bytes: Uint8Array, name: string): ElfImage {
  if (!isElf(bytes)) throw new Error(`${name}: not an ELF file`);
  if (bytes.length < 64) throw new Error(`${name}: truncated ELF header`);
  if (bytes[4] !== 2) throw new Error(`${name}: not a 64-bit ELF (ELFCLASS${bytes[4] === 1 ? "32" : "?"}): wasmvirt runs RISC-V 64 programs`);
  if (bytes[5] !== 1) throw new Error(`${name}: not a little-endian ELF`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_RISCV) throw new Error(`${name}: ELF machine ${machine} is not RISC-V (243)`);
  const entry = dv.getBigUint64(24, true);
  const phoff = Number(dv.getBigUint64(32, true));
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  if (phoff + phnum * phentsize > bytes.length || phentsize < 56) throw new Error(`${name}: program headers outside the file`);
  const segments: ElfSegment[] = [];
  let lowest = -1n, highest = 0n;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (dv.getUint32(o, true) !== PT_LOAD) continue;
    const offset = Number(dv.getBigUint64(o + 8, true));
    const paddr = dv.getBigUint64(o + 24, true);
    const fileSize = Number(dv.getBigUint64(o + 32, true));
    const memSize = dv.getBigUint64(o + 40, true);
    if (memSize === 0n) continue;
    if (offset + fileSize > bytes.length) throw new Error(`${name}: segment ${i} extends past the end of the file`);
    if (BigInt(fileSize) > memSize) throw new Error(`${name}: segment ${i} has file size larger than memory size`);
    segments.push({ paddr, data: bytes.subarray(offset, offset + fileSize), memSize });
    if (lowest < 0n || paddr < lowest) lowest = paddr;
    if (paddr + memSize > highest) highest = paddr + memSize;
  }
  if (segments.length === 0) throw new Error(`${name}: no loadable segments`);
  return { entry, segments, lowest, highest };
}
