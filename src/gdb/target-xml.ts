// The target description wasmvirt sends gdb: QEMU 7.2's for riscv64 (the same documents, names
// and register numbers), so that gdb sees the same machine. Register numbers: 0..31 x, 32 pc,
// 33..64 f, 65 priv, 66 + n the CSR numbered n.
import { CSRS } from "../machine/csrs.js";
import { REG_CSR0 } from "../machine/core.js";

const XML_HEAD = `<?xml version="1.0"?>`;
const FEATURE_DOCTYPE = `<!DOCTYPE feature SYSTEM "gdb-target.dtd">`;

// biome-ignore format: a table of names, kept filled to the line width rather than one per line
const XNAMES = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
  "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"];
const XTYPES: Record<string, string> = {
  ra: "code_ptr",
  sp: "data_ptr",
  gp: "data_ptr",
  tp: "data_ptr",
  fp: "data_ptr",
};
// biome-ignore format: a table of names, kept filled to the line width rather than one per line
const FNAMES = ["ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3",
  "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9",
  "ft10", "ft11"];

function feature(name: string, body: string): string {
  return `${XML_HEAD}\n${FEATURE_DOCTYPE}\n<feature name="${name}">\n${body}</feature>\n`;
}

const cpuXml = feature(
  "org.gnu.gdb.riscv.cpu",
  XNAMES.map((n) => `  <reg name="${n}" bitsize="64" type="${XTYPES[n] ?? "int"}"/>\n`).join("") +
    `  <reg name="pc" bitsize="64" type="code_ptr"/>\n`,
);

const fpuXml = feature(
  "org.gnu.gdb.riscv.fpu",
  `\n  <union id="riscv_double">\n    <field name="float" type="ieee_single"/>\n    <field name="double" type="ieee_double"/>\n  </union>\n\n` +
    FNAMES.map((n) => `  <reg name="${n}" bitsize="64" type="riscv_double"/>\n`).join(""),
);

const virtualXml = feature("org.gnu.gdb.riscv.virtual", `  <reg name="priv" bitsize="64"/>\n`);

const TARGET_XML =
  `${XML_HEAD}<!DOCTYPE target SYSTEM "gdb-target.dtd"><target><architecture>riscv:rv64</architecture>` +
  `<xi:include href="riscv-64bit-cpu.xml"/><xi:include href="riscv-64bit-fpu.xml"/>` +
  `<xi:include href="riscv-64bit-virtual.xml"/><xi:include href="riscv-csr.xml"/></target>`;

/** The CSR feature: every named CSR the core implements (`implemented`), in number order, as QEMU generates it. */
export function csrXml(implemented: (n: number) => boolean): string {
  const regs = [...CSRS]
    .filter((c) => c.inTargetDescription !== false && implemented(c.number))
    .sort((a, b) => a.number - b.number)
    .map((c) => `<reg name="${c.name}" bitsize="64" regnum="${REG_CSR0 + c.number}"/>`)
    .join("");
  return `${XML_HEAD}${FEATURE_DOCTYPE}<feature name="org.gnu.gdb.riscv.csr">${regs}</feature>`;
}

/** The documents gdb may ask for with qXfer:features:read, by annex. */
export function targetDocuments(implementedCsr: (n: number) => boolean): Map<string, string> {
  return new Map([
    ["target.xml", TARGET_XML],
    ["riscv-64bit-cpu.xml", cpuXml],
    ["riscv-64bit-fpu.xml", fpuXml],
    ["riscv-64bit-virtual.xml", virtualXml],
    ["riscv-csr.xml", csrXml(implementedCsr)],
  ]);
}
