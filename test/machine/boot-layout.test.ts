// Boot layout: the addresses QEMU 7.2 chooses for firmware, kernel, initrd and FDT, and clear
// errors where something does not fit. Each case lists the addresses QEMU 7.2 reported
// (`info roms`); where qemu-system-riscv64 is installed the same case is also run on QEMU and
// every blob it placed is compared with ours.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync as readFile, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BootLayoutError,
  computeBootLayout,
  type BootLayout,
  type BootLayoutInput,
} from "../../src/machine/boot-layout.js";
import memmap from "../../src/machine/memmap.json" with { type: "json" };
import { HAVE_QEMU } from "./dt-tools.js";
import { qemuMonitor, qemuRoms } from "./qemu-probe.js";

const MiB = 1n << 20n;
const RAM_BASE = BigInt(memmap.regions.find((r) => r.kind === "ram")!.base);

/** A RISC-V Linux Image: 64-byte header (boot-image-header.rst), then filler. */
function makeImage(length: number, textOffset: bigint, imageSize: bigint): Uint8Array {
  const b = new Uint8Array(length).fill(0x13);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x0000006f, true); // code0: j .
  v.setBigUint64(8, textOffset, true);
  v.setBigUint64(16, imageSize, true);
  v.setBigUint64(24, 0n, true); // flags: little-endian kernel
  v.setUint32(32, 2, true); // header version 0.2
  b.set(new TextEncoder().encode("RISCV\0\0\0"), 48);
  b.set(new TextEncoder().encode("RSC\x05"), 56);
  return b;
}

/** File offset of the first PT_LOAD's data in an ELF from makeElf. */
function segmentFileOffset(elf: Uint8Array): number {
  const v = new DataView(elf.buffer, elf.byteOffset);
  const phoff = Number(v.getBigUint64(32, true));
  return Number(v.getBigUint64(phoff + 8, true));
}

interface Segment {
  paddr: bigint;
  vaddr?: bigint;
  filesz: number;
  memsz: bigint;
  flags: number;
}

/** A minimal little-endian ELF64 for RISC-V with the given PT_LOAD segments. */
function makeElf(entry: bigint, segments: Segment[], opts: { machine?: number; elfClass?: number } = {}): Uint8Array {
  const dataStart = 0x1000;
  const size = dataStart + segments.reduce((n, s) => n + s.filesz, 0);
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, opts.elfClass ?? 2, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, opts.machine ?? 243, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(24, entry, true);
  v.setBigUint64(32, 64n, true); // e_phoff
  v.setUint16(52, 64, true);
  v.setUint16(54, 56, true);
  v.setUint16(56, segments.length, true);
  let off = dataStart;
  segments.forEach((s, i) => {
    const p = 64 + i * 56;
    v.setUint32(p, 1, true); // PT_LOAD
    v.setUint32(p + 4, s.flags, true);
    v.setBigUint64(p + 8, BigInt(off), true);
    v.setBigUint64(p + 16, s.vaddr ?? s.paddr, true);
    v.setBigUint64(p + 24, s.paddr, true);
    v.setBigUint64(p + 32, BigInt(s.filesz), true);
    v.setBigUint64(p + 40, s.memsz, true);
    b.fill(0x13, off, off + s.filesz);
    off += s.filesz;
  });
  return b;
}

interface Case {
  name: string;
  ram: bigint;
  firmwareSize?: number; // -bios FILE of this many bytes; absent = -bios none
  kernel?: Uint8Array;
  initrdSize?: number;
  dtbFileSize?: number; // -dtb FILE (QEMU's own dump, padded to this size)
  /** What QEMU 7.2 reported (info roms, and the ROM's start address / next_addr). */
  qemu: { kernel?: bigint[]; initrd?: bigint; fdt: bigint; start: bigint; next: bigint };
}

const image16M = makeImage(0x2000, 0x200000n, 16n * MiB);
const elfKernel = makeElf(0x8020_0100n, [
  { paddr: 0x8020_0000n, filesz: 0x100, memsz: 0x100n, flags: 5 },
  { paddr: 0x8021_0000n, filesz: 0x10, memsz: 0x5000n, flags: 6 },
]);
const bareElf = makeElf(0x8000_0000n, [{ paddr: 0x8000_0000n, filesz: 0x200, memsz: 0x1000n, flags: 5 }]);

const CASES: Case[] = [
  {
    name: "-m 256M -bios FILE -kernel Image -initrd",
    ram: 256n * MiB,
    firmwareSize: 0x1c280,
    kernel: image16M,
    initrdSize: 12345,
    qemu: { kernel: [0x8020_0000n], initrd: 0x8820_0000n, fdt: 0x8fe0_0000n, start: 0x8000_0000n, next: 0x8020_0000n },
  },
  {
    name: "-m 128M: initrd half-way into RAM",
    ram: 128n * MiB,
    firmwareSize: 0x1c280,
    kernel: image16M,
    initrdSize: 0x10000,
    qemu: { kernel: [0x8020_0000n], initrd: 0x8420_0000n, fdt: 0x87e0_0000n, start: 0x8000_0000n, next: 0x8020_0000n },
  },
  {
    name: "-m 129M: RAM end not 2 MiB aligned",
    ram: 129n * MiB,
    firmwareSize: 0x1c280,
    kernel: image16M,
    qemu: { kernel: [0x8020_0000n], fdt: 0x8800_0000n, start: 0x8000_0000n, next: 0x8020_0000n },
  },
  {
    name: "-m 4G: FDT stays below 3 GiB",
    ram: 4096n * MiB,
    firmwareSize: 0x1c280,
    kernel: image16M,
    initrdSize: 4096,
    qemu: { kernel: [0x8020_0000n], initrd: 0x8820_0000n, fdt: 0xbfe0_0000n, start: 0x8000_0000n, next: 0x8020_0000n },
  },
  {
    name: "-bios FILE above 2 MiB pushes the kernel to the next 2 MiB",
    ram: 256n * MiB,
    firmwareSize: 0x21_0000,
    kernel: image16M,
    qemu: { kernel: [0x8040_0000n], fdt: 0x8fe0_0000n, start: 0x8000_0000n, next: 0x8040_0000n },
  },
  {
    name: "-bios FILE -kernel ELF: its physical addresses, entry = lowest address",
    ram: 256n * MiB,
    firmwareSize: 0x1c280,
    kernel: elfKernel,
    initrdSize: 12345,
    qemu: {
      kernel: [0x8020_0000n, 0x8021_0000n],
      initrd: 0x8820_0000n,
      fdt: 0x8fe0_0000n,
      start: 0x8000_0000n,
      next: 0x8020_0000n,
    },
  },
  {
    name: "-bios none -kernel ELF (bare metal)",
    ram: 128n * MiB,
    kernel: bareElf,
    qemu: { kernel: [0x8000_0000n], fdt: 0x87e0_0000n, start: 0x8000_0000n, next: 0x8000_0000n },
  },
  {
    name: "-bios none -kernel raw binary",
    ram: 128n * MiB,
    kernel: new Uint8Array(0x3000).fill(0x13),
    qemu: { kernel: [0x8000_0000n], fdt: 0x87e0_0000n, start: 0x8000_0000n, next: 0x8000_0000n },
  },
  {
    name: "-dtb FILE: QEMU reserves (size + 10000) * 2",
    ram: 256n * MiB,
    firmwareSize: 0x1c280,
    kernel: image16M,
    dtbFileSize: 0x100000,
    qemu: { kernel: [0x8020_0000n], fdt: 0x8fc0_0000n, start: 0x8000_0000n, next: 0x8020_0000n },
  },
  {
    name: "-bios FILE without a kernel: next_addr 0",
    ram: 256n * MiB,
    firmwareSize: 0x1c280,
    qemu: { fdt: 0x8fe0_0000n, start: 0x8000_0000n, next: 0n },
  },
];

function layoutFor(c: Case): BootLayout {
  const input: BootLayoutInput = {
    ramBase: RAM_BASE,
    ramSize: c.ram,
    fdtSize: 0x1000,
    firmware: c.firmwareSize !== undefined ? { size: c.firmwareSize } : undefined,
    kernel: c.kernel ? { bytes: c.kernel } : undefined,
    initrd: c.initrdSize !== undefined ? { size: c.initrdSize } : undefined,
    dtbFileSize: c.dtbFileSize,
  };
  return computeBootLayout(input);
}

describe("boot layout (QEMU 7.2's placement)", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const l = layoutFor(c);
      expect(l.kernel?.segments.map((s) => s.addr)).toEqual(c.qemu.kernel);
      expect(l.initrd?.start).toBe(c.qemu.initrd);
      if (c.initrdSize !== undefined) expect(l.initrd!.end - l.initrd!.start).toBe(BigInt(c.initrdSize));
      expect(l.fdt.addr).toBe(c.qemu.fdt);
      expect(l.startAddr).toBe(c.qemu.start);
      expect(l.nextAddr).toBe(c.qemu.next);
      if (c.firmwareSize !== undefined)
        expect(l.firmware).toMatchObject({ addr: RAM_BASE, end: RAM_BASE + BigInt(c.firmwareSize) });
    });
  }

  it("reads the Image header: text_offset is honoured, image_size counts towards the footprint", () => {
    const l = computeBootLayout({
      ramBase: RAM_BASE,
      ramSize: 256n * MiB,
      fdtSize: 0x1000,
      kernel: { bytes: makeImage(0x2000, 0x40_0000n, 32n * MiB) },
    });
    // -bios none: QEMU would load at the RAM base; the header asks for RAM base + 4 MiB.
    expect(l.kernel).toMatchObject({
      format: "image",
      addr: 0x8040_0000n,
      end: 0x8040_0000n + 32n * MiB,
      textOffset: 0x40_0000n,
    });
    expect(l.startAddr).toBe(0x8040_0000n);
    expect(l.kernel!.segments).toEqual([{ addr: 0x8040_0000n, fileOffset: 0, fileSize: 0x2000, memSize: 32n * MiB }]);
  });

  it("without fdtSize, checks the whole reservation for overlaps, as QEMU's ROM loader does", () => {
    // -m 64M: the FDT reservation is 0x83e00000..0x83efffff; this kernel sits inside it, above the blob itself.
    const kernel = makeElf(0x83e8_0000n, [{ paddr: 0x83e8_0000n, filesz: 0x100, memsz: 0x1000n, flags: 5 }]);
    const input = { ramBase: RAM_BASE, ramSize: 64n * MiB, kernel: { bytes: kernel } };
    expect(computeBootLayout({ ...input, fdtSize: 0x1000 }).fdt.addr).toBe(0x83e0_0000n);
    expect(() => computeBootLayout(input)).toThrow(/device tree \(0x83e00000\.\.0x83efffff\) overlaps the kernel/);
  });

  it("reports an ELF's own entry point separately from the address the firmware jumps to", () => {
    const l = layoutFor(CASES[5]);
    expect(l.kernel).toMatchObject({ format: "elf", entry: 0x8020_0000n, elfEntry: 0x8020_0100n, end: 0x8021_5000n });
    expect(l.kernel!.segments[1]).toEqual({ addr: 0x8021_0000n, fileOffset: 0x1100, fileSize: 0x10, memSize: 0x5000n });
  });

  describe("clear errors", () => {
    const base = { ramBase: RAM_BASE, fdtSize: 0x1000, firmware: { size: 0x1c280 } };
    const fail = (input: BootLayoutInput): string => {
      try {
        computeBootLayout(input);
      } catch (e) {
        expect(e).toBeInstanceOf(BootLayoutError);
        return (e as Error).message;
      }
      throw new Error("expected a BootLayoutError");
    };
    it("a kernel whose image_size does not fit in RAM", () => {
      expect(
        fail({ ...base, ramSize: 16n * MiB, kernel: { bytes: makeImage(0x2000, 0x20_0000n, 20n * MiB) } }),
      ).toMatch(
        /kernel Image \(image_size 20 MiB\) does not fit in RAM: it needs 0x80200000\.\.0x815fffff \(20 MiB\) but RAM is 0x80000000\.\.0x80ffffff \(16 MiB\); give the machine more memory with -m/,
      );
    });
    it("an ELF segment that starts below RAM (headers before a text linked at the RAM base) is cut to RAM, as QEMU runs it", () => {
      const elf = makeElf(0x8000_0000n, [{ paddr: 0x7fff_f000n, filesz: 0x1100, memsz: 0x1100n, flags: 5 }]);
      const layout = computeBootLayout({ ...base, firmware: undefined, ramSize: 256n * MiB, kernel: { bytes: elf } });
      expect(layout.startAddr).toBe(0x8000_0000n);
      expect(layout.kernel!.segments).toEqual([
        { addr: 0x8000_0000n, fileOffset: 0x1000 + segmentFileOffset(elf), fileSize: 0x100, memSize: 0x100n },
      ]);
    });
    it("an ELF kernel linked outside RAM", () => {
      const elf = makeElf(0xffff_ffff_8000_0000n, [
        { paddr: 0xffff_ffff_8000_0000n, filesz: 0x10, memsz: 0x10n, flags: 5 },
      ]);
      expect(fail({ ...base, ramSize: 256n * MiB, kernel: { bytes: elf } })).toMatch(
        /kernel does not fit in RAM: it needs 0xffffffff80000000/,
      );
    });
    it("an initrd that runs past the end of RAM", () => {
      expect(fail({ ...base, ramSize: 64n * MiB, kernel: { bytes: image16M }, initrd: { size: 40 << 20 } })).toMatch(
        /initrd does not fit in RAM: it needs 0x82200000\.\.0x849fffff \(40 MiB\) but RAM is 0x80000000\.\.0x83ffffff/,
      );
    });
    it("an initrd over the kernel's .bss", () => {
      expect(
        fail({
          ...base,
          ramSize: 128n * MiB,
          kernel: { bytes: makeImage(0x2000, 0x20_0000n, 80n * MiB) },
          initrd: { size: 4096 },
        }),
      ).toMatch(/initrd \(0x84200000\.\.0x84200fff\) overlaps the kernel \(0x80200000\.\.0x851fffff\)/);
    });
    it("an initrd over the device tree", () => {
      expect(fail({ ...base, ramSize: 64n * MiB, kernel: { bytes: image16M }, initrd: { size: 30 << 20 } })).toMatch(
        /device tree \(0x83e00000\.\.0x83e00fff\) overlaps the initrd/,
      );
    });
    it("an ELF kernel over the firmware", () => {
      expect(fail({ ...base, ramSize: 128n * MiB, kernel: { bytes: bareElf } })).toMatch(
        /kernel \(0x80000000\.\.0x80000fff\) overlaps the firmware/,
      );
    });
    it("firmware larger than RAM", () => {
      expect(fail({ ...base, ramSize: 1n * MiB, firmware: { size: 2 << 20 } })).toMatch(/firmware does not fit in RAM/);
    });
    it("RAM too small for the device tree", () => {
      expect(fail({ ramBase: RAM_BASE, ramSize: 512n << 10n, fdtSize: 0x1000 })).toMatch(
        /too small to hold the device tree/,
      );
    });
    it("kernels we cannot load", () => {
      expect(fail({ ...base, ramSize: 128n * MiB, kernel: { bytes: makeElf(0x80200000n, [], {}) } })).toMatch(
        /kernel: no loadable segments/,
      );
      expect(fail({ ...base, ramSize: 128n * MiB, kernel: { bytes: makeElf(0n, [], { machine: 62 }) } })).toMatch(
        /ELF for machine 62, not RISC-V/,
      );
      expect(fail({ ...base, ramSize: 128n * MiB, kernel: { bytes: makeElf(0n, [], { elfClass: 1 }) } })).toMatch(
        /32-bit ELF/,
      );
      const uimage = new Uint8Array(64);
      new DataView(uimage.buffer).setUint32(0, 0x27051956);
      expect(fail({ ...base, ramSize: 128n * MiB, kernel: { bytes: uimage } })).toMatch(/uImage/);
      expect(fail({ ...base, ramSize: 128n * MiB, kernel: { bytes: new Uint8Array(0) } })).toMatch(
        /kernel file is empty/,
      );
    });
    it("an initrd without a kernel", () => {
      expect(fail({ ...base, ramSize: 128n * MiB, initrd: { size: 10 } })).toMatch(/-initrd without -kernel/);
    });
  });

  describe.skipIf(!HAVE_QEMU)("the same cases on QEMU 7.2", () => {
    for (const c of CASES) {
      it(c.name, () => {
        const dir = mkdtempSync(join(tmpdir(), "wasmvirt-layout-"));
        try {
          const args = ["-m", `${c.ram / MiB}M`];
          if (c.firmwareSize !== undefined) {
            writeFileSync(join(dir, "fw.bin"), new Uint8Array(c.firmwareSize).fill(0x73));
            args.push("-bios", join(dir, "fw.bin"));
          } else {
            args.push("-bios", "none");
          }
          if (c.kernel) {
            writeFileSync(join(dir, "kernel"), c.kernel);
            args.push("-kernel", join(dir, "kernel"));
          }
          if (c.initrdSize !== undefined) {
            writeFileSync(join(dir, "initrd"), new Uint8Array(c.initrdSize));
            args.push("-initrd", join(dir, "initrd"));
          }
          if (c.dtbFileSize !== undefined) {
            const dtb = new Uint8Array(c.dtbFileSize);
            // Any valid tree, padded: QEMU's placement depends on the file size only.
            qemuDumpTo(join(dir, "virt.dtb"));
            dtb.set(new Uint8Array(readFile(join(dir, "virt.dtb"))).subarray(0, c.dtbFileSize));
            writeFileSync(join(dir, "padded.dtb"), dtb);
            args.push("-dtb", join(dir, "padded.dtb"));
          }
          const roms = qemuRoms(args);
          const blob = (name: string) => roms.filter((r) => r.name.includes(name));
          const l = layoutFor(c);

          expect(blob("fdt").map((r) => r.addr)).toEqual([l.fdt.addr]);
          expect(blob("fdt")[0].size).toBe(l.fdt.reserved);
          expect(blob(join(dir, "fw.bin")).map((r) => [r.addr, r.addr + r.size])).toEqual(
            l.firmware ? [[l.firmware.addr, l.firmware.end]] : [],
          );
          expect(blob(join(dir, "kernel")).map((r) => r.addr)).toEqual(l.kernel?.segments.map((s) => s.addr) ?? []);
          if (l.kernel?.format === "elf") {
            expect(blob(join(dir, "kernel")).map((r) => r.size)).toEqual(l.kernel.segments.map((s) => s.memSize));
          }
          expect(blob(join(dir, "initrd")).map((r) => [r.addr, r.addr + r.size])).toEqual(
            l.initrd ? [[l.initrd.start, l.initrd.end]] : [],
          );

          // The ROM's start address and fw_dynamic next_addr.
          const [start, next] = qemuMonitor(args, ["xp /1gx 0x1018", "xp /1gx 0x1038"]);
          const value = (s: string): bigint => BigInt(s.trim().split(/\s+/).pop()!);
          expect(value(start)).toBe(l.startAddr);
          expect(value(next)).toBe(l.nextAddr);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
});

function qemuDumpTo(path: string): void {
  execFileSync("qemu-system-riscv64", ["-M", `virt,dumpdtb=${path}`, "-nographic"], {
    stdio: "ignore",
    timeout: 30_000,
  });
}
