// The start-up probe: a bare-metal RISC-V ELF that prints "ok" on the UART and powers off through sifive_test at
// once, so that the wall time of a run is the emulator's own start-up and exit cost. Assembled here (a handful of
// instructions) so that it needs no cross compiler and cannot drift from its description.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const T0 = 5,
  T1 = 6; // x5, x6
const lui = (rd, imm20) => ((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37;
const addi = (rd, rs1, imm) => ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
const store = (funct3, rs2, rs1) => (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | 0x23; // offset 0
const SB = 0,
  SW = 2;
const JAL_SELF = 0x6f; // jal x0, 0: spin until the emulator exits

export const LOAD_ADDR = 0x8000_0000n;

export function nullProgram() {
  const code = [lui(T0, 0x10000)]; // UART0 THR at 0x1000_0000 (the FIFO takes three bytes without waiting)
  for (const ch of "ok\n") code.push(addi(T1, 0, ch.charCodeAt(0)), store(SB, T1, T0));
  code.push(lui(T0, 0x100), lui(T1, 0x5), addi(T1, T1, 0x555), store(SW, T1, T0), JAL_SELF); // 0x5555 → 0x10_0000
  return code;
}

/** The ELF64 image: header, one PT_LOAD program header, the code, loaded at 0x8000_0000 (physical = virtual). */
export function nullElf() {
  const code = nullProgram();
  const codeOff = 64 + 56;
  const buf = Buffer.alloc(codeOff + code.length * 4);
  buf.set([0x7f, 0x45, 0x4c, 0x46, 2 /* 64-bit */, 1 /* little-endian */, 1 /* version */], 0);
  buf.writeUInt16LE(2, 16); // ET_EXEC
  buf.writeUInt16LE(243, 18); // EM_RISCV
  buf.writeUInt32LE(1, 20);
  buf.writeBigUInt64LE(LOAD_ADDR, 24); // entry
  buf.writeBigUInt64LE(64n, 32); // phoff
  buf.writeUInt16LE(64, 52); // ehsize
  buf.writeUInt16LE(56, 54); // phentsize
  buf.writeUInt16LE(1, 56); // phnum
  buf.writeUInt16LE(64, 58); // shentsize (no sections)
  const ph = 64;
  buf.writeUInt32LE(1, ph); // PT_LOAD
  buf.writeUInt32LE(5, ph + 4); // R + X
  buf.writeBigUInt64LE(BigInt(codeOff), ph + 8);
  buf.writeBigUInt64LE(LOAD_ADDR, ph + 16);
  buf.writeBigUInt64LE(LOAD_ADDR, ph + 24);
  buf.writeBigUInt64LE(BigInt(code.length * 4), ph + 32);
  buf.writeBigUInt64LE(BigInt(code.length * 4), ph + 40);
  buf.writeBigUInt64LE(8n, ph + 48);
  code.forEach((word, i) => buf.writeUInt32LE(word >>> 0, codeOff + i * 4));
  return buf;
}

export function writeNullElf(dir) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "startup.elf");
  writeFileSync(path, nullElf());
  return path;
}
