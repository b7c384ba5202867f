// The device tree of QEMU 7.2's riscv64 `virt` machine, built from our memory map table.
//
// Shape reference: `qemu-system-riscv64 -M virt,dumpdtb=virt.dtb` (see test/machine/fixtures/).
// Nodes, property names, property order and phandle numbering follow that dump; every address,
// size and interrupt number comes from memmap.json, never retyped here.
//
// Nodes QEMU has that we leave out, because we do not emulate the hardware behind them:
//   /pmu                  (SBI PMU event map; our harts have no programmable HPM events)
//   /fw-cfg@10100000      (QEMU's firmware configuration interface)
//   /flash@20000000       (CFI pflash banks)
//   /platform-bus@4000000 (dynamic sysbus devices)
//   /soc/pci@30000000     (PCIe host bridge)
import { randomBytes } from "node:crypto";
import memmapJson from "./memmap.json" with { type: "json" };
import { encodeCells, encodeStrings, encodeU64s, Fdt, type FdtNode } from "./fdt.js";
import { RISCV_ISA } from "./isa.js";

export interface VirtioSlot {
  /** 0..7: the virtio-mmio transport this device sits on. */
  slot: number;
  /** Device kind ("blk", "rng", "input", ...). The tree is the same whatever the kind, as in QEMU. */
  type: string;
}

export interface VirtDtConfig {
  hartCount: number;
  ramSize: bigint;
  /** Kernel command line (`-append`); /chosen/bootargs is written only if non-empty, as QEMU does. */
  bootargs?: string;
  /** Where the initrd was placed (end exclusive), for /chosen/linux,initrd-start/-end. */
  initrd?: { start: bigint; end: bigint };
  /** Occupied virtio-mmio slots. All slots get a node regardless, as in QEMU; this only validates. */
  virtio: VirtioSlot[];
  /** riscv,isa of every hart: what our hart implements. */
  isa?: string;
  mmuType?: "riscv,sv39" | "riscv,sv48";
  timebaseFrequency: number;
  /**
   * /chosen/rng-seed (32 bytes in QEMU 7.2). Default: fresh random bytes, as QEMU does on every
   * boot; pass bytes for a reproducible tree, or null to leave the property out.
   */
  rngSeed?: Uint8Array | null;
}

/** What our harts implement (src/machine/isa.json, which the core's misa also comes from). */
export const DEFAULT_ISA = RISCV_ISA;
export const DEFAULT_MMU_TYPE = "riscv,sv48";

/** 16550A input clock of QEMU's virt UART (3.6864 MHz). */
export const UART_CLOCK_FREQUENCY = 3_686_400;
const RNG_SEED_BYTES = 32;

// Interrupt numbers on the hart's local interrupt controller (mip bit numbers).
const IRQ_M_SOFT = 3;
const IRQ_M_TIMER = 7;
const IRQ_S_EXT = 9;
const IRQ_M_EXT = 11;

/** sifive_test values that the syscon-poweroff/-reboot nodes write (FINISHER_PASS / FINISHER_RESET). */
const TEST_POWEROFF = 0x5555;
const TEST_RESET = 0x7777;

interface Region {
  name: string;
  kind: string;
  base: bigint;
  size?: bigint;
  irq?: number;
  count?: number;
  sources?: number;
}

const regions: Region[] = memmapJson.regions.map((r: Record<string, unknown>) => ({
  name: r.name as string,
  kind: r.kind as string,
  base: BigInt(r.base as string),
  size: r.size === undefined ? undefined : BigInt(r.size as string),
  irq: r.irq as number | undefined,
  count: r.count as number | undefined,
  sources: r.sources as number | undefined,
}));

function region(kind: string): Region & { size: bigint } {
  const r = regions.find((x) => x.kind === kind);
  if (!r) throw new Error(`memmap.json has no region of kind ${kind}`);
  if (r.size === undefined && kind !== "ram") throw new Error(`memmap.json region ${r.name} has no size`);
  return r as Region & { size: bigint };
}

/** PLIC interrupt sources QEMU's virt advertises (riscv,ndev): the device table's, which the core's PLIC has. */
export const PLIC_NDEV: number = region("plic").sources!;

function irqOf(r: Region): number {
  if (r.irq === undefined) throw new Error(`memmap.json region ${r.name} has no irq`);
  return r.irq;
}

/** QEMU's node names: "<name>@<lowercase hex address>". */
function unitName(prefix: string, base: bigint): string {
  return `${prefix}@${base.toString(16)}`;
}

function validate(config: VirtDtConfig, virtioCount: number): void {
  if (!Number.isInteger(config.hartCount) || config.hartCount < 1) {
    throw new RangeError(`hart count must be a positive integer, got ${config.hartCount}`);
  }
  if (config.ramSize <= 0n) throw new RangeError(`RAM size must be positive, got ${config.ramSize}`);
  if (
    !Number.isInteger(config.timebaseFrequency) ||
    config.timebaseFrequency <= 0 ||
    config.timebaseFrequency > 0xffff_ffff
  ) {
    throw new RangeError(`timebase frequency must be a positive 32-bit integer, got ${config.timebaseFrequency}`);
  }
  const seen = new Set<number>();
  for (const v of config.virtio) {
    if (!Number.isInteger(v.slot) || v.slot < 0 || v.slot >= virtioCount) {
      throw new RangeError(`virtio slot ${v.slot} (${v.type}) is outside 0..${virtioCount - 1}`);
    }
    if (seen.has(v.slot)) throw new RangeError(`virtio slot ${v.slot} is used twice`);
    seen.add(v.slot);
  }
  if (config.initrd && config.initrd.end < config.initrd.start) {
    throw new RangeError(
      `initrd end 0x${config.initrd.end.toString(16)} is below its start 0x${config.initrd.start.toString(16)}`,
    );
  }
  if (config.rngSeed && config.rngSeed.length === 0) throw new RangeError("rng seed must not be empty");
}

/** A `reg` entry for #address-cells = #size-cells = 2. */
function setReg(node: FdtNode, base: bigint, size: bigint): void {
  node.setU64("reg", base, size);
}

/** /chosen/linux,initrd-*: one cell as QEMU 7.2 writes them, two if the address needs them. */
function addressValue(value: bigint): Uint8Array {
  return value <= 0xffff_ffffn ? encodeCells([Number(value)]) : encodeU64s([value]);
}

export interface BootChosen {
  bootargs?: string;
  initrd?: { start: bigint; end: bigint };
  /** As VirtDtConfig.rngSeed: default random, null for none. */
  rngSeed?: Uint8Array | null;
}

/**
 * Writes what the boot adds to /chosen, as QEMU 7.2 does both for its own tree and for a
 * `-dtb FILE`: bootargs (if non-empty), rng-seed, linux,initrd-start/-end. New properties go
 * in front of the existing ones and existing ones are replaced in place, as libfdt does, so
 * the result matches QEMU's dump property for property. Creates /chosen if the tree lacks it.
 */
export function applyBootChosen(fdt: Fdt, boot: BootChosen): void {
  const chosen = fdt.root.child("chosen") ?? fdt.root.addNode("chosen");
  if (boot.bootargs) chosen.setBytes("bootargs", encodeStrings([boot.bootargs]), "first");
  const seed = boot.rngSeed === undefined ? randomBytes(RNG_SEED_BYTES) : boot.rngSeed;
  if (seed) chosen.setBytes("rng-seed", new Uint8Array(seed), "first");
  if (boot.initrd) {
    if (boot.initrd.end < boot.initrd.start) {
      throw new RangeError(
        `initrd end 0x${boot.initrd.end.toString(16)} is below its start 0x${boot.initrd.start.toString(16)}`,
      );
    }
    chosen.setBytes("linux,initrd-start", addressValue(boot.initrd.start), "first");
    chosen.setBytes("linux,initrd-end", addressValue(boot.initrd.end), "first");
  }
}

/** Builds the tree (for inspection or editing before serialization). */
export function buildVirtFdt(config: VirtDtConfig): Fdt {
  const test = region("sifive_test");
  const rtc = region("goldfish_rtc");
  const clint = region("clint");
  const plic = region("plic");
  const uart = region("uart16550");
  const virtio = region("virtio_mmio");
  const dram = region("ram");
  const virtioCount = virtio.count ?? 1;
  validate(config, virtioCount);
  const harts = config.hartCount;

  const fdt = new Fdt();
  // Phandles in QEMU's order: harts from last to first (cpu, then its interrupt controller),
  // then the PLIC, then the test device.
  const cpuPhandle: number[] = [];
  const intcPhandle: number[] = [];
  for (let h = harts - 1; h >= 0; h--) {
    cpuPhandle[h] = fdt.allocatePhandle();
    intcPhandle[h] = fdt.allocatePhandle();
  }
  const plicPhandle = fdt.allocatePhandle();
  const testPhandle = fdt.allocatePhandle();

  const root = fdt.root;
  root.setU32("#address-cells", 2);
  root.setU32("#size-cells", 2);
  root.setString("compatible", "riscv-virtio");
  root.setString("model", "riscv-virtio,qemu");

  const socPath = "/soc";
  const uartName = unitName("serial", uart.base);

  root.addNode("chosen").setString("stdout-path", `${socPath}/${uartName}`);
  applyBootChosen(fdt, config);

  root
    .addNode("poweroff")
    .setU32("value", TEST_POWEROFF)
    .setU32("offset", 0)
    .setU32("regmap", testPhandle)
    .setString("compatible", "syscon-poweroff");
  root
    .addNode("reboot")
    .setU32("value", TEST_RESET)
    .setU32("offset", 0)
    .setU32("regmap", testPhandle)
    .setString("compatible", "syscon-reboot");

  const memory = root.addNode(unitName("memory", dram.base));
  memory.setString("device_type", "memory");
  setReg(memory, dram.base, config.ramSize);

  const cpus = root.addNode("cpus");
  cpus.setU32("#address-cells", 1);
  cpus.setU32("#size-cells", 0);
  cpus.setU32("timebase-frequency", config.timebaseFrequency);
  for (let h = 0; h < harts; h++) {
    const cpu = cpus.addNode(unitName("cpu", BigInt(h)));
    cpu.setU32("phandle", cpuPhandle[h]);
    cpu.setString("device_type", "cpu");
    cpu.setU32("reg", h);
    cpu.setString("status", "okay");
    cpu.setString("compatible", "riscv");
    cpu.setString("riscv,isa", config.isa ?? DEFAULT_ISA);
    cpu.setString("mmu-type", config.mmuType ?? DEFAULT_MMU_TYPE);
    cpu
      .addNode("interrupt-controller")
      .setU32("#interrupt-cells", 1)
      .setEmpty("interrupt-controller")
      .setString("compatible", "riscv,cpu-intc")
      .setU32("phandle", intcPhandle[h]);
  }
  const cluster = cpus.addNode("cpu-map").addNode("cluster0");
  for (let h = 0; h < harts; h++) cluster.addNode(`core${h}`).setU32("cpu", cpuPhandle[h]);

  const soc = root.addNode(socPath.slice(1));
  soc.setU32("#address-cells", 2);
  soc.setU32("#size-cells", 2);
  soc.setString("compatible", "simple-bus");
  soc.setEmpty("ranges");

  const rtcNode = soc.addNode(unitName("rtc", rtc.base));
  rtcNode.setU32("interrupts", irqOf(rtc));
  rtcNode.setU32("interrupt-parent", plicPhandle);
  setReg(rtcNode, rtc.base, rtc.size);
  rtcNode.setString("compatible", "google,goldfish-rtc");

  const serial = soc.addNode(uartName);
  serial.setU32("interrupts", irqOf(uart));
  serial.setU32("interrupt-parent", plicPhandle);
  serial.setU32("clock-frequency", UART_CLOCK_FREQUENCY);
  setReg(serial, uart.base, uart.size);
  serial.setString("compatible", "ns16550a");

  const testNode = soc.addNode(unitName("test", test.base));
  testNode.setU32("phandle", testPhandle);
  setReg(testNode, test.base, test.size);
  testNode.setStrings("compatible", ["sifive,test1", "sifive,test0", "syscon"]);

  // QEMU lists the transports from the last slot down to the first.
  for (let slot = virtioCount - 1; slot >= 0; slot--) {
    const base = virtio.base + BigInt(slot) * virtio.size;
    const node = soc.addNode(unitName("virtio_mmio", base));
    node.setU32("interrupts", irqOf(virtio) + slot);
    node.setU32("interrupt-parent", plicPhandle);
    setReg(node, base, virtio.size);
    node.setString("compatible", "virtio,mmio");
  }

  const plicNode = soc.addNode(unitName("plic", plic.base));
  plicNode.setU32("phandle", plicPhandle);
  plicNode.setU32("riscv,ndev", PLIC_NDEV);
  setReg(plicNode, plic.base, plic.size);
  // Context 2h is hart h's M-mode external interrupt, 2h+1 its S-mode one.
  plicNode.setU32("interrupts-extended", ...intcPhandle.flatMap((p) => [p, IRQ_M_EXT, p, IRQ_S_EXT]));
  plicNode.setEmpty("interrupt-controller");
  plicNode.setStrings("compatible", ["sifive,plic-1.0.0", "riscv,plic0"]);
  plicNode.setU32("#address-cells", 0);
  plicNode.setU32("#interrupt-cells", 1);

  const clintNode = soc.addNode(unitName("clint", clint.base));
  clintNode.setU32("interrupts-extended", ...intcPhandle.flatMap((p) => [p, IRQ_M_SOFT, p, IRQ_M_TIMER]));
  setReg(clintNode, clint.base, clint.size);
  clintNode.setStrings("compatible", ["sifive,clint0", "riscv,clint0"]);

  return fdt;
}

/** The DTB the machine places in RAM and `-machine dumpdtb=FILE` writes. */
export function buildVirtDtb(config: VirtDtConfig): Uint8Array {
  return buildVirtFdt(config).toDtb();
}
