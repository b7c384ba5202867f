// A minimal ELF64 (little-endian, RISC-V) writer: one PT_LOAD segment, no sections.
// That is all `-kernel prog.elf` needs on QEMU and wasmvirt: they load program headers.

/**
 * @param {Uint8Array} image bytes to load at `base`
 * @param {bigint} base physical = virtual load address (also the entry point unless `entry` is given)
 * @param {bigint} [entry]
 * @returns {Uint8Array}
 */
export function writeElf(image, base, entry = base) {
  const EHDR = 64,
    PHDR = 56,
    OFFSET = 0x1000;
  const out = new Uint8Array(OFFSET + image.length);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2 /* 64-bit */, 1 /* LE */, 1 /* version */, 0 /* SysV */], 0);
  v.setUint16(16, 2, true); // e_type EXEC
  v.setUint16(18, 243, true); // e_machine RISC-V
  v.setUint32(20, 1, true); // e_version
  v.setBigUint64(24, entry, true); // e_entry
  v.setBigUint64(32, BigInt(EHDR), true); // e_phoff
  v.setBigUint64(40, 0n, true); // e_shoff
  v.setUint32(48, 0x1, true); // e_flags: RVC, soft-float ABI
  v.setUint16(52, EHDR, true); // e_ehsize
  v.setUint16(54, PHDR, true); // e_phentsize
  v.setUint16(56, 1, true); // e_phnum
  v.setUint16(58, 64, true); // e_shentsize
  v.setUint16(60, 0, true); // e_shnum
  v.setUint16(62, 0, true); // e_shstrndx
  const p = EHDR;
  v.setUint32(p + 0, 1, true); // PT_LOAD
  v.setUint32(p + 4, 7, true); // RWX
  v.setBigUint64(p + 8, BigInt(OFFSET), true);
  v.setBigUint64(p + 16, base, true); // p_vaddr
  v.setBigUint64(p + 24, base, true); // p_paddr
  v.setBigUint64(p + 32, BigInt(image.length), true); // p_filesz
  v.setBigUint64(p + 40, BigInt(image.length), true); // p_memsz
  v.setBigUint64(p + 48, 0x1000n, true); // p_align
  out.set(image, OFFSET);
  return out;
}
