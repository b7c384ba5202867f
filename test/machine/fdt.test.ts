// The DTB writer and reader on their own, and against dtc (the reference implementation).
import { describe, expect, it } from "vitest";
import { Fdt, FdtError, parseDtb } from "../../src/machine/fdt.js";
import { dtcCompile, dtcDecompile, HAVE_DTC } from "./dt-tools.js";

function sampleTree(): Fdt {
  const fdt = new Fdt();
  fdt.memReserve.push({ address: 0x8000_0000n, size: 0x20_0000n }, { address: 0x1_0000_0000n, size: 0x1000n });
  fdt.bootCpuidPhys = 1;
  fdt.root.setU32("#address-cells", 2).setU32("#size-cells", 2).setString("model", "sample");
  const intc = fdt.root.addNode("intc@1000");
  const ph = fdt.allocatePhandle();
  intc.setU32("phandle", ph).setEmpty("interrupt-controller").setU64("reg", 0x1000n, 0x100n);
  const dev = fdt.root.addNode("dev@2000");
  dev
    .setStrings("compatible", ["vendor,dev-2", "vendor,dev"])
    .setU32("interrupts-extended", ph, 5)
    .setBytes("blob", new Uint8Array([1, 2, 3]))
    .setU64("big", 0x1234_5678_9abc_def0n);
  dev.addNode("child").setString("label", "x");
  return fdt;
}

describe("fdt writer and reader", () => {
  it("round-trips every kind of value, the reservation block and the boot cpu", () => {
    const dtb = sampleTree().toDtb();
    const back = parseDtb(dtb);
    expect(back.memReserve).toEqual([
      { address: 0x8000_0000n, size: 0x20_0000n },
      { address: 0x1_0000_0000n, size: 0x1000n },
    ]);
    expect(back.bootCpuidPhys).toBe(1);
    expect(back.root.propString("model")).toBe("sample");
    const dev = back.find("/dev@2000")!;
    expect(dev.propStrings("compatible")).toEqual(["vendor,dev-2", "vendor,dev"]);
    expect(dev.prop("blob")).toEqual(new Uint8Array([1, 2, 3]));
    expect(dev.propNumber("big")).toBe(0x1234_5678_9abc_def0n);
    expect(back.byPhandle(dev.propCells("interrupts-extended")![0])!.name).toBe("intc@1000");
    expect(back.find("/intc@1000")!.prop("interrupt-controller")).toEqual(new Uint8Array(0));
    expect(back.find("/dev@2000/child")!.propString("label")).toBe("x");
    expect(back.toDtb()).toEqual(dtb);
  });

  it("writes a v17 header whose blocks are where it says", () => {
    const dtb = sampleTree().toDtb();
    const v = new DataView(dtb.buffer);
    expect(v.getUint32(0)).toBe(0xd00dfeed);
    expect(v.getUint32(4)).toBe(dtb.length);
    expect(v.getUint32(20)).toBe(17);
    expect(v.getUint32(24)).toBe(16);
    expect(v.getUint32(16) % 8).toBe(0);
    expect(v.getUint32(12)).toBe(v.getUint32(8) + v.getUint32(36)); // strings follow the structure
    expect(v.getUint32(12) + v.getUint32(32)).toBe(dtb.length);
  });

  it("keeps insertion order and replaces a property in place", () => {
    const fdt = new Fdt();
    fdt.root.setU32("a", 1).setU32("b", 2).setU32("a", 3);
    fdt.root.addNode("z");
    fdt.root.addNode("y");
    const back = parseDtb(fdt.toDtb());
    expect(back.root.properties.map((p) => [p.name, back.root.propCells(p.name)])).toEqual([
      ["a", [3]],
      ["b", [2]],
    ]);
    expect(back.root.children.map((c) => c.name)).toEqual(["z", "y"]);
  });

  it("refuses what cannot be encoded", () => {
    const fdt = new Fdt();
    expect(() => fdt.root.setU32("x", -1)).toThrow(FdtError);
    expect(() => fdt.root.setU32("x", 2 ** 32)).toThrow(/not a u32/);
    expect(() => fdt.root.setU64("x", 1n << 64n)).toThrow(/not a u64/);
    expect(() => fdt.root.setString("x", "a\0b")).toThrow(/NUL/);
    expect(() => fdt.root.addNode("bad name")).toThrow(/invalid node name/);
    fdt.root.addNode("n");
    expect(() => fdt.root.addNode("n")).toThrow(/already exists/);
    fdt.root.child("n")!.setU32("phandle", 1);
    fdt.root.addNode("m").setU32("phandle", 1);
    expect(() => fdt.toDtb()).toThrow(/phandle 1 is used by both \/n and \/m/);
  });

  it("hands out phandles not already used", () => {
    const fdt = new Fdt();
    fdt.root.addNode("a").setU32("phandle", 1);
    fdt.root.addNode("b").setU32("phandle", 2);
    expect(fdt.allocatePhandle()).toBe(3);
    expect(fdt.allocatePhandle()).toBe(4);
  });

  describe("rejects broken blobs with a message that says what is wrong", () => {
    const good = (): Uint8Array => sampleTree().toDtb();
    const put32 = (b: Uint8Array, off: number, v: number): Uint8Array => {
      new DataView(b.buffer).setUint32(off, v);
      return b;
    };
    it("too short", () => expect(() => parseDtb(new Uint8Array(10))).toThrow(/shorter than the 40-byte header/));
    it("bad magic", () => expect(() => parseDtb(put32(good(), 0, 0x12345678))).toThrow(/bad magic 0x12345678/));
    it("truncated", () => {
      const b = good();
      expect(() => parseDtb(b.subarray(0, b.length - 8))).toThrow(/header says \d+ bytes but only \d+ are present/);
    });
    it("old version", () => expect(() => parseDtb(put32(good(), 20, 3))).toThrow(/version 3 is older than 16/));
    it("unknown token", () => {
      const b = good();
      const offStruct = new DataView(b.buffer).getUint32(8);
      put32(b, offStruct, 7);
      expect(() => parseDtb(b)).toThrow(/unknown token 0x7 at offset/);
    });
    it("string offset outside the strings block", () => {
      const b = good();
      const offStruct = new DataView(b.buffer).getUint32(8);
      put32(b, offStruct + 8 + 8, 0xffff); // root's first FDT_PROP: tag, len, nameoff
      expect(() => parseDtb(b)).toThrow(/property name offset 65535 is outside the strings block/);
    });
    it("unterminated structure", () => {
      const fdt = new Fdt();
      fdt.root.addNode("a");
      const b = fdt.toDtb();
      const v = new DataView(b.buffer);
      const end = v.getUint32(8) + v.getUint32(36);
      put32(b, end - 4, 4); // FDT_END -> FDT_NOP
      put32(b, end - 8, 4); // root's FDT_END_NODE -> FDT_NOP
      expect(() => parseDtb(b)).toThrow(/structure block ends inside a token|still open/);
    });
  });

  it.skipIf(!HAVE_DTC)("dtc reads our blob: values, reservations and boot cpu as written", () => {
    const { dts, diagnostics } = dtcDecompile(sampleTree().toDtb());
    expect(diagnostics.filter((d) => /error/i.test(d))).toEqual([]);
    expect(dts).toContain("/memreserve/\t0x0000000080000000 0x0000000000200000;");
    expect(dts).toContain("/memreserve/\t0x0000000100000000 0x0000000000001000;");
    expect(dts).toContain('compatible = "vendor,dev-2\\0vendor,dev";');
    expect(dts).toContain("big = <0x12345678 0x9abcdef0>;");
    expect(dts).toContain("blob = [01 02 03];");
    expect(dts).toContain("reg = <0x00 0x1000 0x00 0x100>;");
    expect(dts).toMatch(/interrupts-extended = <0x01 0x05>;/);
  });

  it.skipIf(!HAVE_DTC)("we read dtc's blob, and write it back so that dtc sees the same tree", () => {
    const source = `/dts-v1/;
/memreserve/ 0x80000000 0x1000;
/ {
  #address-cells = <2>; #size-cells = <2>;
  model = "from dtc";
  cpus { #address-cells = <1>; #size-cells = <0>; cpu@0 { reg = <0>; intc: interrupt-controller { interrupt-controller; #interrupt-cells = <1>; }; }; };
  soc { dev@10 { interrupts-extended = <&intc 9>; names = "a", "bc"; data = [de ad be ef]; }; };
};`;
    const { dtb } = dtcCompile(source);
    const fdt = parseDtb(dtb);
    expect(fdt.root.propString("model")).toBe("from dtc");
    expect(fdt.memReserve).toEqual([{ address: 0x80000000n, size: 0x1000n }]);
    const ref = fdt.find("/soc/dev@10")!.propCells("interrupts-extended")!;
    expect(fdt.byPhandle(ref[0])!.name).toBe("interrupt-controller");
    expect(fdt.find("/soc/dev@10")!.propStrings("names")).toEqual(["a", "bc"]);
    expect(dtcDecompile(fdt.toDtb()).dts).toBe(dtcDecompile(dtb).dts);
  });
});
