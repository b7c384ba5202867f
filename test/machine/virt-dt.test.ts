// The virt device tree against QEMU 7.2's own (`-M virt,dumpdtb=`): the dumps checked in under
// fixtures/, and fresh dumps when qemu-system-riscv64 is installed (with -append and -initrd too).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Fdt, parseDtb } from "../../src/machine/fdt.js";
import {
  applyBootChosen,
  buildVirtDtb,
  buildVirtFdt,
  DEFAULT_ISA,
  type VirtDtConfig,
} from "../../src/machine/virt-dt.js";
import { computeBootLayout } from "../../src/machine/boot-layout.js";
import { CoreRunner, repoRoot } from "../jit/core-runner.js";
import memmap from "../../src/machine/memmap.json" with { type: "json" };
import {
  dtcCompile,
  dtcDecompile,
  HAVE_DTC,
  HAVE_QEMU,
  parseDtsText,
  qemuDumpDtb,
  resolvePhandles,
  type DtsNode,
} from "./dt-tools.js";

/** QEMU nodes for hardware we do not emulate (listed in virt-dt.ts's header comment too). */
const OMITTED = ["/pmu", "/fw-cfg@10100000", "/flash@20000000", "/platform-bus@4000000", "/soc/pci@30000000"];

const fixture = (smp: number): string =>
  readFileSync(new URL(`./fixtures/virt-smp${smp}-m128M.dts`, import.meta.url), "utf8");

const MiB = 1n << 20n;

function config(over: Partial<VirtDtConfig> = {}): VirtDtConfig {
  return { hartCount: 1, ramSize: 128n * MiB, virtio: [], timebaseFrequency: 10_000_000, ...over };
}

/** Reference tree without the omitted nodes; rng-seed values are random, so only their shape is kept. */
function normalize(nodes: Map<string, DtsNode>): Map<string, DtsNode> {
  const out = new Map<string, DtsNode>();
  const omitted = (p: string): boolean => OMITTED.some((o) => p === o || p.startsWith(`${o}/`));
  for (const [path, n] of resolvePhandles(nodes)) {
    if (omitted(path)) continue;
    out.set(path, {
      path,
      children: n.children.filter((c) => !omitted(c)),
      properties: n.properties.map(([k, v]): [string, string] =>
        k === "rng-seed" ? [k, `<${v.split(/\s+/).length} cells>`] : [k, v],
      ),
    });
  }
  return out;
}

/** Node-by-node comparison so a failure names the node. */
function expectSameTree(ours: Map<string, DtsNode>, reference: Map<string, DtsNode>): void {
  expect([...ours.keys()]).toEqual([...reference.keys()]);
  for (const [path, ref] of reference) {
    const mine = ours.get(path)!;
    expect({ path, properties: mine.properties, children: mine.children }).toEqual({
      path,
      properties: ref.properties,
      children: ref.children,
    });
  }
}

const isaOf = (dts: string): string => /riscv,isa = "([^"]+)"/.exec(dts)![1];

describe("virt device tree", () => {
  for (const smp of [1, 2]) {
    it.skipIf(!HAVE_DTC)(`-smp ${smp} -m 128M decompiles to QEMU's tree, node by node`, () => {
      const ref = fixture(smp);
      const dtb = buildVirtDtb(config({ hartCount: smp, isa: isaOf(ref) }));
      const { dts } = dtcDecompile(dtb);
      expectSameTree(normalize(parseDtsText(dts)), normalize(parseDtsText(ref)));
    });

    it.skipIf(!HAVE_DTC)(`-smp ${smp}: dtc reports no errors and no warning QEMU's own tree does not get`, () => {
      const ours = dtcDecompile(buildVirtDtb(config({ hartCount: smp })));
      // QEMU's tree as a blob too, so that dtc runs the same checks on both.
      const reference = dtcDecompile(dtcCompile(fixture(smp)).dtb);
      expect(reference.diagnostics.length).toBeGreaterThan(0); // dtc does flag QEMU's tree (cpu-intc without #address-cells)
      expect(ours.diagnostics.filter((d) => /error/i.test(d))).toEqual([]);
      for (const d of ours.diagnostics) expect(reference.diagnostics).toContain(d);
    });
  }

  it("round-trips through our reader byte for byte", () => {
    for (const hartCount of [1, 2, 4]) {
      const dtb = buildVirtDtb(
        config({ hartCount, bootargs: "console=ttyS0", initrd: { start: 0x88200000n, end: 0x88300000n } }),
      );
      expect(parseDtb(dtb).toDtb()).toEqual(dtb);
    }
  });

  it("derives every address, size and interrupt from memmap.json", () => {
    const fdt = buildVirtFdt(config({ hartCount: 2, ramSize: 256n * MiB }));
    const cellsToBig = (c: number[]): bigint[] => [
      (BigInt(c[0]) << 32n) | BigInt(c[1]),
      (BigInt(c[2]) << 32n) | BigInt(c[3]),
    ];
    const nodeName: Record<string, string> = {
      sifive_test: "test",
      goldfish_rtc: "rtc",
      clint: "clint",
      plic: "plic",
      uart16550: "serial",
      virtio_mmio: "virtio_mmio",
    };
    let checked = 0;
    for (const r of memmap.regions) {
      const base = BigInt(r.base);
      if (r.kind === "rom") continue; // the boot ROM is not described in QEMU's tree
      if (r.kind === "ram") {
        const mem = fdt.find(`/memory@${base.toString(16)}`)!;
        expect(cellsToBig(mem.propCells("reg")!)).toEqual([base, 256n * MiB]);
        checked++;
        continue;
      }
      const size = BigInt(r.size!);
      const count = (r as { count?: number }).count ?? 1;
      for (let i = 0; i < count; i++) {
        const at = base + BigInt(i) * size;
        const node = fdt.find(`/soc/${nodeName[r.kind]}@${at.toString(16)}`);
        expect(node, `${r.name}[${i}]`).toBeDefined();
        expect(cellsToBig(node!.propCells("reg")!)).toEqual([at, size]);
        if (r.irq !== undefined) expect(node!.propCells("interrupts")).toEqual([r.irq + i]);
        checked++;
      }
    }
    const expected = memmap.regions
      .filter((r) => r.kind !== "rom")
      .reduce((n, r) => n + ((r as { count?: number }).count ?? 1), 0);
    expect(checked).toBe(expected);
  });

  it("writes the config: harts, RAM, ISA, MMU type, bootargs, initrd, rng-seed, timebase", () => {
    const seed = new Uint8Array(32).map((_, i) => i);
    const fdt = parseDtb(
      buildVirtDtb(
        config({
          hartCount: 3,
          ramSize: 3n << 30n,
          isa: "rv64imac",
          mmuType: "riscv,sv39",
          bootargs: "root=/dev/vda rw",
          initrd: { start: 0x88200000n, end: 0x88203039n },
          rngSeed: seed,
          timebaseFrequency: 1_000_000,
        }),
      ),
    );
    expect(fdt.find("/cpus")!.children.map((c) => c.name)).toEqual(["cpu@0", "cpu@1", "cpu@2", "cpu-map"]);
    expect(fdt.find("/cpus/cpu@2")!.propString("riscv,isa")).toBe("rv64imac");
    expect(fdt.find("/cpus/cpu@2")!.propString("mmu-type")).toBe("riscv,sv39");
    expect(fdt.find("/cpus")!.propCells("timebase-frequency")).toEqual([1_000_000]);
    expect(fdt.find("/memory@80000000")!.propCells("reg")).toEqual([0, 0x80000000, 0, 0xc0000000]);
    const chosen = fdt.find("/chosen")!;
    expect(chosen.propString("bootargs")).toBe("root=/dev/vda rw");
    expect(chosen.propCells("linux,initrd-start")).toEqual([0x88200000]);
    expect(chosen.propCells("linux,initrd-end")).toEqual([0x88203039]);
    expect(chosen.prop("rng-seed")).toEqual(seed);
    expect(chosen.propString("stdout-path")).toBe("/soc/serial@10000000");
    expect(fdt.find(chosen.propString("stdout-path")!)!.propString("compatible")).toBe("ns16550a");
    // Each hart's interrupt controller gets M/S external (PLIC) and M soft/timer (CLINT) lines.
    const intc = [0, 1, 2].map((h) => fdt.find(`/cpus/cpu@${h}/interrupt-controller`)!.phandle!);
    expect(fdt.find("/soc/plic@c000000")!.propCells("interrupts-extended")).toEqual(intc.flatMap((p) => [p, 11, p, 9]));
    expect(fdt.find("/soc/clint@2000000")!.propCells("interrupts-extended")).toEqual(intc.flatMap((p) => [p, 3, p, 7]));
    const cores = fdt.find("/cpus/cpu-map/cluster0")!.children.map((c) => fdt.byPhandle(c.propCells("cpu")![0])!.name);
    expect(cores).toEqual(["cpu@0", "cpu@1", "cpu@2"]);
  });

  it("riscv,isa and the hart's misa come from one table: the same single-letter extensions, S and U modes", () => {
    const core = new CoreRunner(join(repoRoot, "test/isa/bin/csr.elf"), "off").core;
    const misa = BigInt.asUintN(64, core.debugReadReg(0, 66 + 0x301)); // CSR n is debugger register 66 + n
    expect(misa >> 62n).toBe(2n); // MXL: 64-bit
    const letters = /^rv64([a-z]+)/.exec(DEFAULT_ISA)![1];
    const bits = [..."abcdefghijklmnopqrstuvwxyz"].filter((_, i) => (misa >> BigInt(i)) & 1n).join("");
    expect(bits).toBe([...letters, "s", "u"].sort().join(""));
  });

  it("defaults: our hart's ISA, Sv48, a fresh 32-byte rng-seed per tree, no bootargs or initrd", () => {
    const a = parseDtb(buildVirtDtb(config()));
    const b = parseDtb(buildVirtDtb(config()));
    expect(a.find("/cpus/cpu@0")!.propString("riscv,isa")).toBe(DEFAULT_ISA);
    // The machine's own tree says what the hart does: Sstc (stimecmp) included.
    expect(DEFAULT_ISA).toBe("rv64imafdc_zicsr_zifencei_sstc");
    expect(a.find("/cpus/cpu@0")!.propString("mmu-type")).toBe("riscv,sv48");
    expect(a.find("/chosen")!.prop("rng-seed")!.length).toBe(32);
    expect(a.find("/chosen")!.prop("rng-seed")).not.toEqual(b.find("/chosen")!.prop("rng-seed"));
    expect(a.find("/chosen")!.prop("bootargs")).toBeUndefined();
    expect(a.find("/chosen")!.prop("linux,initrd-start")).toBeUndefined();
    expect(
      parseDtb(buildVirtDtb(config({ rngSeed: null })))
        .find("/chosen")!
        .prop("rng-seed"),
    ).toBeUndefined();
  });

  it("applyBootChosen edits a loaded tree as QEMU edits a -dtb FILE (new properties first, old ones in place)", () => {
    const bare = parseDtb(buildVirtDtb(config({ rngSeed: null })));
    applyBootChosen(bare, {
      bootargs: "a",
      initrd: { start: 0x1_2000_0000n, end: 0x1_2000_1000n },
      rngSeed: new Uint8Array(32),
    });
    const chosen = bare.find("/chosen")!;
    expect(chosen.properties.map((p) => p.name)).toEqual([
      "linux,initrd-end",
      "linux,initrd-start",
      "rng-seed",
      "bootargs",
      "stdout-path",
    ]);
    expect(chosen.propNumber("linux,initrd-start")).toBe(0x1_2000_0000n); // above 4 GiB: two cells
    applyBootChosen(bare, { bootargs: "b", rngSeed: null });
    expect(chosen.properties.map((p) => p.name)).toEqual([
      "linux,initrd-end",
      "linux,initrd-start",
      "rng-seed",
      "bootargs",
      "stdout-path",
    ]);
    expect(chosen.propString("bootargs")).toBe("b");
    const noChosen = parseDtb(new Fdt().toDtb());
    applyBootChosen(noChosen, { bootargs: "c", rngSeed: null });
    expect(noChosen.find("/chosen")!.propString("bootargs")).toBe("c");
  });

  it("rejects bad configs with errors that say what is wrong", () => {
    expect(() => buildVirtDtb(config({ hartCount: 0 }))).toThrow(/hart count/);
    expect(() => buildVirtDtb(config({ ramSize: 0n }))).toThrow(/RAM size/);
    expect(() => buildVirtDtb(config({ virtio: [{ slot: 8, type: "blk" }] }))).toThrow(
      /slot 8 \(blk\) is outside 0\.\.7/,
    );
    expect(() =>
      buildVirtDtb(
        config({
          virtio: [
            { slot: 7, type: "blk" },
            { slot: 7, type: "rng" },
          ],
        }),
      ),
    ).toThrow(/used twice/);
    expect(() => buildVirtDtb(config({ initrd: { start: 10n, end: 5n } }))).toThrow(/initrd end/);
  });

  describe.skipIf(!HAVE_QEMU || !HAVE_DTC)("against a fresh QEMU dump", () => {
    const cases: { name: string; smp: number; ram: bigint; append?: string; initrdSize?: number }[] = [
      { name: "-smp 1 -m 128M", smp: 1, ram: 128n * MiB },
      { name: "-smp 2 -m 128M", smp: 2, ram: 128n * MiB },
      {
        name: "-smp 2 -m 256M -kernel -initrd -append",
        smp: 2,
        ram: 256n * MiB,
        append: "console=ttyS0 rdinit=/init quiet",
        initrdSize: 12345,
      },
      { name: "-smp 4 -m 3G -kernel -initrd", smp: 4, ram: 3072n * MiB, initrdSize: 100_000 },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const dir = mkdtempSync(join(tmpdir(), "wasmvirt-dtq-"));
        try {
          const kernelBytes = new Uint8Array(8192).fill(0x13);
          const args = ["-smp", String(c.smp), "-m", `${c.ram / MiB}M`, "-bios", "default"];
          let initrd: { start: bigint; end: bigint } | undefined;
          if (c.initrdSize !== undefined) {
            writeFileSync(join(dir, "k.bin"), kernelBytes);
            writeFileSync(join(dir, "i.bin"), new Uint8Array(c.initrdSize));
            args.push("-kernel", join(dir, "k.bin"), "-initrd", join(dir, "i.bin"));
            // OpenSBI's size does not move the kernel below 2 MiB, so any firmware size under 2 MiB will do.
            initrd = computeBootLayout({
              ramBase: BigInt(memmap.regions.find((r) => r.kind === "ram")!.base),
              ramSize: c.ram,
              firmware: { size: 0x1c280 },
              kernel: { bytes: kernelBytes },
              initrd: { size: c.initrdSize },
              fdtSize: 4096,
            }).initrd;
          }
          if (c.append) args.push("-append", c.append);
          const reference = dtcDecompile(qemuDumpDtb(args)).dts;
          const ours = dtcDecompile(
            buildVirtDtb(
              config({
                hartCount: c.smp,
                ramSize: c.ram,
                isa: isaOf(reference),
                bootargs: c.append,
                initrd,
              }),
            ),
          ).dts;
          expectSameTree(normalize(parseDtsText(ours)), normalize(parseDtsText(reference)));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }

    it("-dtb FILE: /chosen gets bootargs, rng-seed and the initrd range as QEMU adds them", () => {
      const dir = mkdtempSync(join(tmpdir(), "wasmvirt-dtbfile-"));
      try {
        // A -dtb file that already has a /chosen with stdout-path and an old bootargs.
        const file = buildVirtFdt(config({ hartCount: 2, rngSeed: null }));
        file.find("/chosen")!.setString("bootargs", "old");
        const fileDtb = file.toDtb();
        writeFileSync(join(dir, "in.dtb"), fileDtb);
        writeFileSync(join(dir, "k.bin"), new Uint8Array(4096));
        writeFileSync(join(dir, "i.bin"), new Uint8Array(777));
        const reference = dtcDecompile(
          qemuDumpDtb([
            "-m",
            "256M",
            "-dtb",
            join(dir, "in.dtb"),
            "-kernel",
            join(dir, "k.bin"),
            "-initrd",
            join(dir, "i.bin"),
            "-append",
            "console=ttyS0 new",
          ]),
        ).dts;
        const layout = computeBootLayout({
          ramBase: 0x8000_0000n,
          ramSize: 256n * MiB,
          firmware: { size: 0x1c280 },
          kernel: { bytes: new Uint8Array(4096) },
          initrd: { size: 777 },
          fdtSize: fileDtb.length,
          dtbFileSize: fileDtb.length,
        });
        const ours = parseDtb(fileDtb);
        applyBootChosen(ours, { bootargs: "console=ttyS0 new", initrd: layout.initrd });
        expectSameTree(normalize(parseDtsText(dtcDecompile(ours.toDtb()).dts)), normalize(parseDtsText(reference)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    // OpenSBI as Debian ships it (the firmware our machine runs), else QEMU's bundled copy.
    const opensbi = [
      "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin",
      "/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin",
    ].find((p) => existsSync(p));
    it.skipIf(!opensbi)(
      "OpenSBI on QEMU, given our tree with -dtb, finds the harts, CLINT, UART and sifive_test",
      async () => {
        const dir = mkdtempSync(join(tmpdir(), "wasmvirt-sbi-"));
        try {
          const dtb = buildVirtDtb(config({ hartCount: 2 }));
          writeFileSync(join(dir, "virt.dtb"), dtb);
          const layout = computeBootLayout({
            ramBase: 0x8000_0000n,
            ramSize: 128n * MiB,
            firmware: { size: readFileSync(opensbi!).length },
            fdtSize: dtb.length,
            dtbFileSize: dtb.length,
          });
          const banner = await new Promise<string>((resolve, reject) => {
            const qemu = spawn(
              "qemu-system-riscv64",
              [
                "-M",
                "virt",
                "-smp",
                "2",
                "-m",
                "128M",
                "-dtb",
                join(dir, "virt.dtb"),
                "-bios",
                opensbi!,
                "-nographic",
                "-monitor",
                "none",
                "-serial",
                "stdio",
              ],
              { stdio: ["ignore", "pipe", "pipe"] },
            );
            let out = "";
            const finish = (): void => {
              clearTimeout(timer);
              qemu.kill("SIGKILL");
              resolve(out);
            };
            const timer = setTimeout(finish, 15_000);
            qemu.stdout.on("data", (d: Buffer) => {
              out += d.toString();
              if (/Boot HART ISA[^\n]*\n/.test(out)) finish();
            });
            qemu.on("error", reject);
          });
          const field = (name: string): string | undefined =>
            new RegExp(`^${name}\\s*: (.*?)\\s*$`, "m").exec(banner)?.[1];
          expect(field("Platform Name"), banner).toBe("riscv-virtio,qemu");
          expect(field("Platform HART Count")).toBe("2");
          expect(field("Platform IPI Device")).toBe("aclint-mswi");
          expect(field("Platform Timer Device")).toBe("aclint-mtimer @ 10000000Hz");
          expect(field("Platform Console Device")).toBe("uart8250");
          expect(field("Platform Reboot Device")).toBe("sifive_test");
          expect(field("Platform Shutdown Device")).toBe("sifive_test");
          expect(field("Domain0 Next Arg1")).toBe(`0x${layout.fdt.addr.toString(16).padStart(16, "0")}`);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  });
});
