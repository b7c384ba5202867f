// Where the firmware, kernel, initrd and device tree go in guest RAM: QEMU 7.2's rules for the
// riscv64 virt machine (hw/riscv/boot.c and virt.c's machine-done hook), so that the same files
// land at the same addresses under wasmvirt and under qemu-system-riscv64.
//
//  firmware  (-bios default/FILE) raw binary at the RAM base; an ELF at its physical addresses.
//  kernel    ELF: at its physical addresses; its entry (fw_dynamic next_addr) is the lowest loaded
//            address, not e_entry, as QEMU does. Raw binary or RISC-V Image: at the firmware's end
//            rounded up to 2 MiB (the RAM base with -bios none). For an Image we also honour the
//            header's text_offset as a minimum offset from the RAM base (QEMU ignores it; the two
//            agree whenever firmware is present, or text_offset is 0) and its image_size (which
//            includes .bss) for the fit checks.
//  initrd    at kernel entry + min(RAM size / 2, 128 MiB).
//  FDT       at align_down(min(RAM end, 3 GiB) - reserve, 2 MiB), where reserve is what QEMU
//            reserves: 1 MiB for its own tree, (file size + 10000) * 2 for -dtb FILE.
//  start     the reset vector jumps to the RAM base (the firmware); with -bios none, to the
//            kernel entry (QEMU always jumps to the RAM base, which is the same address for
//            every kernel QEMU can boot that way).
//
// Where QEMU would silently load something outside RAM or over something else, we throw a
// BootLayoutError that says what does not fit and where.

import { ElfError, isElf, parseElf as parseElfFile, type ElfImage, type ElfSegment } from "./elf.js";

const MiB = 1n << 20n;
const GiB = 1n << 30n;
/** RV64 kernels go on a 2 MiB boundary (riscv_calc_kernel_start_addr). */
const KERNEL_ALIGN = 2n * MiB;
const FDT_ALIGN = 2n * MiB;
/** QEMU builds its own tree in a buffer of this size and reserves all of it in RAM. */
export const QEMU_FDT_BUFFER_SIZE = 1n * MiB;
const FDT_ADDRESSABLE_LIMIT = 3n * GiB;
const INITRD_MAX_OFFSET = 128n * MiB;

const UIMAGE_MAGIC = 0x27051956;
const RISCV_IMAGE_MAGIC = "RISCV\0\0\0"; // header offset 48 (deprecated, still written)
const RISCV_IMAGE_MAGIC2 = "RSC\x05"; // header offset 56
const RISCV_IMAGE_HEADER_SIZE = 64;

export class BootLayoutError extends Error {
  override name = "BootLayoutError";
}

/** One piece to copy into RAM: fileSize bytes from fileOffset, then zeros up to memSize. */
export type LoadSegment = ElfSegment;

export interface BootLayoutInput {
  ramBase: bigint;
  ramSize: bigint;
  /** -bios default/FILE: a raw binary (size) or its bytes (raw or ELF). Absent = -bios none. */
  firmware?: { size: number } | { bytes: Uint8Array };
  /** -kernel: ELF, RISC-V Image, or raw binary. */
  kernel?: { bytes: Uint8Array };
  /** -initrd */
  initrd?: { size: number };
  /**
   * Size of the DTB that will be written at the FDT address. The address does not depend on it
   * (QEMU reserves a fixed amount), so a layout computed before the final tree is built stays
   * valid; it is only checked to fit. Default: the whole reservation, as QEMU checks overlaps.
   */
  fdtSize?: number;
  /** With -dtb FILE: the file's size, which is what QEMU's FDT placement depends on. */
  dtbFileSize?: number;
}

export interface FirmwarePlacement {
  format: "raw" | "elf";
  addr: bigint;
  /** One past the last byte (QEMU's firmware_end_addr). */
  end: bigint;
  segments: LoadSegment[];
}

export interface KernelPlacement {
  format: "elf" | "image" | "raw";
  /** Lowest address loaded. */
  addr: bigint;
  /** One past the last byte the kernel occupies, .bss included where known. */
  end: bigint;
  /** Where the firmware hands over (fw_dynamic next_addr); QEMU's kernel_entry. */
  entry: bigint;
  /** The ELF header's entry point (physical), for information. */
  elfEntry?: bigint;
  /** From the RISC-V Image header. */
  textOffset?: bigint;
  imageSize?: bigint;
  segments: LoadSegment[];
}

export interface BootLayout {
  /** Where the boot ROM jumps (its start address). */
  startAddr: bigint;
  /** fw_dynamic next_addr: the kernel entry, 0 without a kernel (as QEMU). */
  nextAddr: bigint;
  firmware?: FirmwarePlacement;
  kernel?: KernelPlacement;
  /** End exclusive, as /chosen/linux,initrd-end. */
  initrd?: { start: bigint; end: bigint };
  /** addr: where the DTB goes; reserved: how much RAM QEMU sets aside for it there. */
  fdt: { addr: bigint; size: number; reserved: bigint };
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;
const alignUp = (v: bigint, a: bigint): bigint => ((v + a - 1n) / a) * a;
const alignDown = (v: bigint, a: bigint): bigint => (v / a) * a;
const sizeText = (v: bigint): string =>
  v % MiB === 0n ? `${v / MiB} MiB` : v >= MiB ? `${v} bytes (${(Number(v) / 2 ** 20).toFixed(1)} MiB)` : `${v} bytes`;

/** An ELF's placement, its errors as BootLayoutErrors. */
function parseElf(bytes: Uint8Array, what: string): ElfImage {
  try {
    return parseElfFile(bytes, what);
  } catch (e) {
    if (e instanceof ElfError) throw new BootLayoutError(e.message);
    throw e;
  }
}

interface ImageHeader {
  textOffset: bigint;
  imageSize: bigint;
}

/** The 64-byte header of a RISC-V Linux Image (Documentation/riscv/boot-image-header.rst), if present. */
function parseImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  if (bytes.length < RISCV_IMAGE_HEADER_SIZE) return undefined;
  const ascii = (off: number, len: number): string => String.fromCharCode(...bytes.subarray(off, off + len));
  if (ascii(56, 4) !== RISCV_IMAGE_MAGIC2 && ascii(48, 8) !== RISCV_IMAGE_MAGIC) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { textOffset: view.getBigUint64(8, true), imageSize: view.getBigUint64(16, true) };
}

/**
 * Segments that stick out of RAM only partly (typically the ELF headers that a linker puts in
 * the page before a text segment linked at the RAM base) are cut to RAM, as QEMU 7.2 effectively
 * does: its loader drops what lands on no memory, and its start address is then the RAM part.
 * A segment wholly outside RAM stays an error (checked by the caller).
 */
function clipToRam(elf: ElfImage, ramBase: bigint, ramEnd: bigint): ElfImage {
  const segments: LoadSegment[] = [];
  for (const seg of elf.segments) {
    const end = seg.addr + seg.memSize;
    if (end <= ramBase || seg.addr >= ramEnd || (seg.addr >= ramBase && end <= ramEnd)) {
      segments.push(seg);
      continue;
    }
    const start = seg.addr < ramBase ? ramBase : seg.addr;
    const stop = end > ramEnd ? ramEnd : end;
    const skip = start - seg.addr;
    const fileSize = BigInt(seg.fileSize) > skip ? Number(BigInt(seg.fileSize) - skip) : 0;
    segments.push({
      addr: start,
      fileOffset: seg.fileOffset + Number(skip),
      fileSize: Math.min(fileSize, Number(stop - start)),
      memSize: stop - start,
    });
  }
  let low = segments[0].addr,
    high = 0n;
  for (const seg of segments) {
    if (seg.addr < low) low = seg.addr;
    if (seg.addr + seg.memSize > high) high = seg.addr + seg.memSize;
  }
  return { ...elf, low, high, segments };
}

export function computeBootLayout(input: BootLayoutInput): BootLayout {
  const { ramBase, ramSize } = input;
  if (ramSize <= 0n) throw new BootLayoutError(`RAM size must be positive (got ${ramSize})`);
  const ramEnd = ramBase + ramSize;
  const ramText = `RAM is ${hex(ramBase)}..${hex(ramEnd - 1n)} (${sizeText(ramSize)})`;
  const checkInRam = (what: string, start: bigint, end: bigint): void => {
    if (start < ramBase || end > ramEnd) {
      throw new BootLayoutError(
        `${what} does not fit in RAM: it needs ${hex(start)}..${hex(end - 1n)} (${sizeText(end - start)}) ` +
          `but ${ramText}; give the machine more memory with -m`,
      );
    }
  };
  // Occupied ranges so far, to report overlaps as QEMU's ROM loader would.
  const occupied: { what: string; start: bigint; end: bigint }[] = [];
  const claim = (what: string, start: bigint, end: bigint): void => {
    if (end <= start) return;
    for (const o of occupied) {
      if (start < o.end && o.start < end) {
        throw new BootLayoutError(
          `${what} (${hex(start)}..${hex(end - 1n)}) overlaps the ${o.what} (${hex(o.start)}..${hex(o.end - 1n)})` +
            (what === "initrd" || what === "device tree" ? "; give the machine more memory with -m" : ""),
        );
      }
    }
    occupied.push({ what, start, end });
  };

  // Firmware.
  let firmware: FirmwarePlacement | undefined;
  if (input.firmware) {
    const fw = input.firmware;
    if ("bytes" in fw && isElf(fw.bytes)) {
      const elf = clipToRam(parseElf(fw.bytes, "firmware"), ramBase, ramEnd);
      firmware = { format: "elf", addr: elf.low, end: elf.high, segments: elf.segments };
      for (const s of elf.segments) checkInRam("the firmware", s.addr, s.addr + s.memSize);
    } else {
      const size = "bytes" in fw ? fw.bytes.length : fw.size;
      if (size <= 0) throw new BootLayoutError("the firmware file is empty");
      firmware = {
        format: "raw",
        addr: ramBase,
        end: ramBase + BigInt(size),
        segments: [{ addr: ramBase, fileOffset: 0, fileSize: size, memSize: BigInt(size) }],
      };
      checkInRam("the firmware", firmware.addr, firmware.end);
    }
    for (const s of firmware.segments) claim("firmware", s.addr, s.addr + s.memSize);
  }
  const firmwareEnd = firmware ? firmware.end : ramBase;

  // Kernel.
  let kernel: KernelPlacement | undefined;
  if (input.kernel) {
    const bytes = input.kernel.bytes;
    if (bytes.length === 0) throw new BootLayoutError("the kernel file is empty");
    if (bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, false) === UIMAGE_MAGIC) {
      throw new BootLayoutError(
        "the kernel is a U-Boot uImage, which is not supported: use the raw Image or the ELF vmlinux",
      );
    }
    if (isElf(bytes)) {
      const elf = clipToRam(parseElf(bytes, "kernel"), ramBase, ramEnd);
      kernel = {
        format: "elf",
        addr: elf.low,
        end: elf.high,
        entry: elf.low,
        elfEntry: elf.entry,
        segments: elf.segments,
      };
      for (const s of elf.segments) checkInRam("the kernel", s.addr, s.addr + s.memSize);
    } else {
      const header = parseImageHeader(bytes);
      let addr = alignUp(firmwareEnd, KERNEL_ALIGN);
      let memSize = BigInt(bytes.length);
      if (header) {
        if (ramBase + header.textOffset > addr) addr = ramBase + header.textOffset;
        if (header.imageSize > memSize) memSize = header.imageSize;
      }
      kernel = {
        format: header ? "image" : "raw",
        addr,
        end: addr + memSize,
        entry: addr,
        textOffset: header?.textOffset,
        imageSize: header?.imageSize,
        segments: [{ addr, fileOffset: 0, fileSize: bytes.length, memSize }],
      };
      checkInRam(header ? `the kernel Image (image_size ${sizeText(memSize)})` : "the kernel", addr, addr + memSize);
    }
    for (const s of kernel.segments) claim("kernel", s.addr, s.addr + s.memSize);
  }

  // Initrd.
  let initrd: BootLayout["initrd"];
  if (input.initrd) {
    if (!kernel) throw new BootLayoutError("an initrd needs a kernel (-initrd without -kernel)");
    const half = ramSize / 2n;
    const start = kernel.entry + (half < INITRD_MAX_OFFSET ? half : INITRD_MAX_OFFSET);
    const end = start + BigInt(input.initrd.size);
    checkInRam("the initrd", start, end);
    claim("initrd", start, end);
    initrd = { start, end };
  }

  // Device tree.
  const reserved = input.dtbFileSize !== undefined ? (BigInt(input.dtbFileSize) + 10000n) * 2n : QEMU_FDT_BUFFER_SIZE;
  const fdtSize = input.fdtSize ?? Number(reserved);
  if (BigInt(fdtSize) > reserved) {
    throw new BootLayoutError(
      `the device tree (${fdtSize} bytes) is larger than the ${reserved} bytes reserved for it`,
    );
  }
  const top = ramBase < FDT_ADDRESSABLE_LIMIT && ramEnd > FDT_ADDRESSABLE_LIMIT ? FDT_ADDRESSABLE_LIMIT : ramEnd;
  if (top - ramBase < reserved) {
    throw new BootLayoutError(
      `RAM (${sizeText(ramSize)}) is too small to hold the device tree (${sizeText(reserved)} reserved); give the machine more memory with -m`,
    );
  }
  const fdtAddr = alignDown(top - reserved, FDT_ALIGN);
  checkInRam("the device tree", fdtAddr, fdtAddr + BigInt(fdtSize));
  claim("device tree", fdtAddr, fdtAddr + BigInt(fdtSize));

  const startAddr = firmware ? ramBase : kernel ? kernel.entry : ramBase;
  return {
    startAddr,
    nextAddr: kernel ? kernel.entry : 0n,
    firmware,
    kernel,
    initrd,
    fdt: { addr: fdtAddr, size: fdtSize, reserved },
  };
}
