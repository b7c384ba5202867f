// The reset-vector ROM of QEMU 7.2's virt machine (mapped at memmap.json's "mrom" region).
//
// Every hart starts here in M-mode. The ROM sets up OpenSBI's fw_dynamic calling convention
// and jumps to the start address (the firmware, or the kernel with -bios none):
//   a0 = mhartid, a1 = FDT address, a2 = address of the fw_dynamic_info struct.
//
//   0x00  auipc t0, 0            t0 = ROM base
//   0x04  addi  a2, t0, 0x28     a2 = &fw_dynamic_info
//   0x08  csrr  a0, mhartid
//   0x0c  ld    a1, 0x20(t0)     a1 = FDT address
//   0x10  ld    t0, 0x18(t0)     t0 = start address
//   0x14  jr    t0
//   0x18  .dword start address
//   0x20  .dword FDT address
//   0x28  fw_dynamic_info: magic, version, next_addr, next_mode, options, boot_hart (6 × u64)
//
// The code is position independent (auipc), so the bytes do not depend on the ROM base.
import memmapJson from "./memmap.json" with { type: "json" };

const mrom = memmapJson.regions.find((r) => r.kind === "rom");
if (!mrom) throw new Error("memmap.json has no rom region");

/** Guest physical address of the ROM: where the harts' reset vector points. */
export const BOOT_ROM_BASE = BigInt(mrom.base);
/** Size of the ROM region; the bytes after the code and the info struct are zero. */
export const BOOT_ROM_SIZE = Number(BigInt(mrom.size as string));

/** OpenSBI's fw_dynamic_info (include/sbi/fw_dynamic.h), version 2. */
export const FW_DYNAMIC_INFO_MAGIC = 0x4942534f; // "OSBI"
export const FW_DYNAMIC_INFO_VERSION = 2;
export const FW_DYNAMIC_NEXT_MODE_U = 0;
export const FW_DYNAMIC_NEXT_MODE_S = 1;
export const FW_DYNAMIC_NEXT_MODE_M = 3;

/** Byte offsets inside the ROM. */
export const BOOT_ROM_START_ADDR_OFFSET = 0x18;
export const BOOT_ROM_FDT_ADDR_OFFSET = 0x20;
export const FW_DYNAMIC_INFO_OFFSET = 0x28;
const FW_DYNAMIC_INFO_SIZE = 6 * 8;

export interface BootRomParams {
  /** Where the ROM jumps: the firmware's load address, or the kernel's with -bios none. */
  startAddr: bigint;
  /** Where the FDT was placed in RAM (passed in a1). */
  fdtAddr: bigint;
  /** fw_dynamic next_addr: where the firmware continues in S-mode (the kernel), 0 if there is none. */
  kernelEntry: bigint;
}

// Registers and encodings (RISC-V unprivileged spec, RV64I base formats).
const T0 = 5,
  A0 = 10,
  A1 = 11,
  A2 = 12,
  ZERO = 0;
const CSR_MHARTID = 0xf14;

function iType(opcode: number, funct3: number, rd: number, rs1: number, imm: number): number {
  if (imm < -2048 || imm > 2047) throw new RangeError(`immediate ${imm} does not fit in 12 bits`);
  return (((imm & 0xfff) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode) >>> 0;
}
const auipc = (rd: number, imm20: number): number => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x17) >>> 0;
const addi = (rd: number, rs1: number, imm: number): number => iType(0x13, 0, rd, rs1, imm);
const ld = (rd: number, rs1: number, imm: number): number => iType(0x03, 3, rd, rs1, imm);
const jalr = (rd: number, rs1: number, imm: number): number => iType(0x67, 0, rd, rs1, imm);
const csrrs = (rd: number, csr: number, rs1: number): number =>
  iType(0x73, 2, rd, rs1, csr - (csr & 0x800 ? 0x1000 : 0));

const U64_MAX = (1n << 64n) - 1n;

function checkAddress(name: string, v: bigint): void {
  if (v < 0n || v > U64_MAX) throw new RangeError(`${name} 0x${v.toString(16)} is not a 64-bit address`);
}

/** The whole ROM region's contents (BOOT_ROM_SIZE bytes), to be mapped at BOOT_ROM_BASE. */
export function buildBootRom({ startAddr, fdtAddr, kernelEntry }: BootRomParams): Uint8Array {
  checkAddress("start address", startAddr);
  checkAddress("FDT address", fdtAddr);
  checkAddress("kernel entry", kernelEntry);
  if (FW_DYNAMIC_INFO_OFFSET + FW_DYNAMIC_INFO_SIZE > BOOT_ROM_SIZE) {
    throw new Error(`the ${BOOT_ROM_SIZE}-byte ROM region cannot hold the reset vector and fw_dynamic info`);
  }
  const code = [
    auipc(T0, 0),
    addi(A2, T0, FW_DYNAMIC_INFO_OFFSET),
    csrrs(A0, CSR_MHARTID, ZERO),
    ld(A1, T0, BOOT_ROM_FDT_ADDR_OFFSET),
    ld(T0, T0, BOOT_ROM_START_ADDR_OFFSET),
    jalr(ZERO, T0, 0),
  ];
  const rom = new Uint8Array(BOOT_ROM_SIZE);
  const view = new DataView(rom.buffer);
  code.forEach((insn, i) => view.setUint32(i * 4, insn, true));
  if (code.length * 4 !== BOOT_ROM_START_ADDR_OFFSET) throw new Error("reset vector code and data offsets disagree");
  view.setBigUint64(BOOT_ROM_START_ADDR_OFFSET, startAddr, true);
  view.setBigUint64(BOOT_ROM_FDT_ADDR_OFFSET, fdtAddr, true);
  const info = [
    BigInt(FW_DYNAMIC_INFO_MAGIC),
    BigInt(FW_DYNAMIC_INFO_VERSION),
    kernelEntry, // next_addr
    BigInt(FW_DYNAMIC_NEXT_MODE_S), // next_mode
    0n, // options
    0n, // boot_hart (QEMU 7.2 passes 0)
  ];
  info.forEach((v, i) => view.setBigUint64(FW_DYNAMIC_INFO_OFFSET + i * 8, v, true));
  return rom;
}
