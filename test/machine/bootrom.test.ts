// The reset-vector ROM: what its code does (disassembled by binutils), the fw_dynamic_info it
// hands to OpenSBI, and byte equality with the ROM QEMU 7.2 builds for the same command line.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BOOT_ROM_BASE,
  buildBootRom,
  FW_DYNAMIC_INFO_MAGIC,
  FW_DYNAMIC_INFO_OFFSET,
} from "../../src/machine/bootrom.js";
import { computeBootLayout } from "../../src/machine/boot-layout.js";
import memmap from "../../src/machine/memmap.json" with { type: "json" };
import { hasTool, HAVE_QEMU } from "./dt-tools.js";
import { qemuReadPhys } from "./qemu-probe.js";

const OBJDUMP = "riscv64-unknown-elf-objdump";
const params = { startAddr: 0x8000_0000n, fdtAddr: 0x8fe0_0000n, kernelEntry: 0x8020_0000n };

const u64 = (rom: Uint8Array, off: number): bigint => new DataView(rom.buffer, rom.byteOffset).getBigUint64(off, true);

/** The fw_dynamic_info struct as OpenSBI reads it: six XLEN (u64) fields at a2. */
function fwDynamicInfo(rom: Uint8Array, a2: bigint) {
  const off = Number(a2 - BOOT_ROM_BASE);
  const f = (i: number): bigint => u64(rom, off + 8 * i);
  return { magic: f(0), version: f(1), nextAddr: f(2), nextMode: f(3), options: f(4), bootHart: f(5) };
}

describe("boot ROM", () => {
  it("is the whole mrom region of memmap.json, mapped at its base", () => {
    const mrom = memmap.regions.find((r) => r.kind === "rom")!;
    expect(BOOT_ROM_BASE).toBe(BigInt(mrom.base));
    expect(buildBootRom(params).length).toBe(Number(BigInt(mrom.size)));
  });

  it("carries fw_dynamic_info v2: next_addr = kernel entry, next mode S, options 0, boot hart 0", () => {
    const rom = buildBootRom(params);
    expect(fwDynamicInfo(rom, BOOT_ROM_BASE + BigInt(FW_DYNAMIC_INFO_OFFSET))).toEqual({
      magic: BigInt(FW_DYNAMIC_INFO_MAGIC),
      version: 2n,
      nextAddr: 0x8020_0000n,
      nextMode: 1n,
      options: 0n,
      bootHart: 0n,
    });
    expect(FW_DYNAMIC_INFO_MAGIC).toBe(0x4942534f);
    expect(rom.subarray(FW_DYNAMIC_INFO_OFFSET + 48).every((b) => b === 0)).toBe(true);
  });

  it("rejects addresses that are not 64-bit", () => {
    expect(() => buildBootRom({ ...params, fdtAddr: -1n })).toThrow(/FDT address/);
    expect(() => buildBootRom({ ...params, startAddr: 1n << 64n })).toThrow(/start address/);
  });

  it.skipIf(!hasTool(OBJDUMP))("disassembles to: a2 = &info, a0 = mhartid, a1 = FDT, jump to start", () => {
    const rom = buildBootRom(params);
    const dir = mkdtempSync(join(tmpdir(), "wasmvirt-rom-"));
    let listing: string;
    try {
      writeFileSync(join(dir, "rom.bin"), rom.subarray(0, 0x18));
      // no-aliases: canonical mnemonics (some binutils print "add" for addi with an immediate).
      const r = spawnSync(
        OBJDUMP,
        [
          "-M",
          "no-aliases",
          "-D",
          "-b",
          "binary",
          "-m",
          "riscv:rv64",
          `--adjust-vma=0x${BOOT_ROM_BASE.toString(16)}`,
          join(dir, "rom.bin"),
        ],
        { encoding: "utf8" },
      );
      expect(r.status, r.stderr).toBe(0);
      listing = r.stdout;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const insns = listing
      .split("\n")
      .map((l) => /^\s*([0-9a-f]+):\s+[0-9a-f]+\s+(.+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({
        pc: BigInt(`0x${m[1]}`),
        text: m[2]
          .replace(/\s+/g, " ")
          .replace(/\s*#.*$/, "")
          .trim(),
      }));
    expect(insns.map((i) => i.text.split(" ")[0])).toEqual(["auipc", "addi", "csrrs", "ld", "ld", "jalr"]);

    // Follow the code as a hart would, from the operands objdump printed.
    const ops = (i: number): string[] => insns[i].text.split(" ").slice(1).join("").split(",");
    expect(ops(0)).toEqual(["t0", "0x0"]);
    const t0 = insns[0].pc;
    expect(t0).toBe(BOOT_ROM_BASE);
    const [a2reg, a2base, a2imm] = ops(1);
    expect([a2reg, a2base]).toEqual(["a2", "t0"]);
    const a2 = t0 + BigInt(Number(a2imm));
    expect(ops(2)).toEqual(["a0", "mhartid", "zero"]);
    const ldOperand = (i: number): [string, bigint] => {
      const [rd, mem] = ops(i);
      const m = /^(-?\d+)\(t0\)$/.exec(mem)!;
      return [rd, u64(rom, Number(t0 - BOOT_ROM_BASE) + Number(m[1]))];
    };
    expect(ldOperand(3)).toEqual(["a1", params.fdtAddr]);
    expect(ldOperand(4)).toEqual(["t0", params.startAddr]);
    expect(ops(5)).toEqual(["zero", "0(t0)"]);
    expect(fwDynamicInfo(rom, a2).magic).toBe(0x4942534fn);
    expect(fwDynamicInfo(rom, a2).nextAddr).toBe(params.kernelEntry);
  });

  describe.skipIf(!HAVE_QEMU)("equals QEMU 7.2's ROM for the same command line", () => {
    const ramBase = BigInt(memmap.regions.find((r) => r.kind === "ram")!.base);
    const romBytes = FW_DYNAMIC_INFO_OFFSET + 48;
    const cases = [
      { name: "-bios FILE -kernel Image -m 256M", bios: true, ram: 256n << 20n },
      { name: "-bios none -kernel raw -m 128M", bios: false, ram: 128n << 20n },
      { name: "-bios FILE, no kernel, -m 4G", bios: true, ram: 4n << 30n, noKernel: true },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const dir = mkdtempSync(join(tmpdir(), "wasmvirt-romq-"));
        try {
          const fw = new Uint8Array(0x1c280).fill(0x73);
          const kernel = new Uint8Array(0x3000).fill(0x13);
          writeFileSync(join(dir, "fw.bin"), fw);
          writeFileSync(join(dir, "k.bin"), kernel);
          const args = ["-m", `${c.ram >> 20n}M`, "-bios", c.bios ? join(dir, "fw.bin") : "none"];
          if (!c.noKernel) args.push("-kernel", join(dir, "k.bin"));
          const layout = computeBootLayout({
            ramBase,
            ramSize: c.ram,
            firmware: c.bios ? { bytes: fw } : undefined,
            kernel: c.noKernel ? undefined : { bytes: kernel },
            fdtSize: 4096,
          });
          const ours = buildBootRom({
            startAddr: layout.startAddr,
            fdtAddr: layout.fdt.addr,
            kernelEntry: layout.nextAddr,
          });
          const theirs = qemuReadPhys(args, BOOT_ROM_BASE, romBytes);
          expect(Buffer.from(ours.subarray(0, romBytes)).toString("hex")).toBe(Buffer.from(theirs).toString("hex"));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
});
