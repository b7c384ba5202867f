// The ISA of our harts as the host shows it (device tree riscv,isa), derived from isa.json, the
// same table the core's misa is generated from (tools/gen-core-constants.mjs).
import isa from "./isa.json" with { type: "json" };

/** riscv,isa of every hart, QEMU 7.2's spelling: rv64 + letters, then _ + each multi-letter extension. */
export const RISCV_ISA = `rv${isa.xlen}${isa.letters}${isa.multiLetter.map((e) => `_${e}`).join("")}`;
