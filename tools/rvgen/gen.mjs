// Random RV64IMAC program generator for differential testing against QEMU.
//
// A program is: prologue (mtvec -> trap reporter, every register loaded with a random value,
// x2 and x8 pointed at the middle of a 2 KiB scratch buffer), a body of random valid instructions
// (no traps, no backward jumps: control flow only skips forward over whole instruction groups,
// loads/stores only through x2/x8 into the buffer, AMO/LR/SC through a register computed from x8
// right before), and an epilogue that saves x1..x31, mscratch, sscratch and a hash of the buffer,
// prints them as hex over the 16550 UART and powers off through sifive_test (0x5555).
// Any trap prints "TRAP mcause mepc mtval" and exits with status 3.
// Options: { traps } mixes in instructions that must trap (hashed and skipped by the handler);
// { paging: "sv39" | "sv48", priv: "S" | "U" } runs the body in S/U-mode under an identity map
// whose leaf PTEs start with A = D = 0 (an ecall at the end returns to M for the dump).
import * as E from "./encode.mjs";
import { Prng } from "./prng.mjs";
import { writeElf } from "./elf.mjs";

const addi = (rd, rs1, imm) => E.ri("addi", rd, rs1, imm);

export const BASE = 0x80000000n;
const SCRATCH = 2048; // bytes of scratch buffer; x2 = x8 = its middle
const HALF = SCRATCH / 2;
const SLOTS = 38; // regsave: x0..x31, mscratch, sscratch, memory hash, trap count, trap hash, PTE hash
const UART = 0x10000000,
  TESTDEV = 0x100000;
const MSCRATCH = 0x340,
  SSCRATCH = 0x140;
const RESERVED = new Set([2, 8]); // never written by the body
const WRITABLE = Array.from({ length: 32 }, (_, i) => i).filter((r) => !RESERVED.has(r));
const WRITABLE_NZ = WRITABLE.filter((r) => r !== 0);
const C_WRITABLE = [9, 10, 11, 12, 13, 14, 15]; // x8..x15 minus x8
const C_ANY = [8, 9, 10, 11, 12, 13, 14, 15];
export const DUMP_NAMES = [
  ...Array.from({ length: 31 }, (_, i) => `x${String(i + 1).padStart(2, "0")}`),
  "msc",
  "ssc",
  "mem",
  "trp",
  "trh",
  "pte",
];

// biome-ignore format: a table of names, kept filled to the line width rather than one per line
const INTERESTING = [0n, 1n, 2n, 0xffffffffffffffffn, 0x7fffffffffffffffn, 0x8000000000000000n, 0x7fffffffn,
  0x80000000n, 0xffffffffn, 0xffffffff80000000n, 0x100000000n, 0xfffffffffffffffen, 31n, 32n, 63n, 64n];

/** One mini-assembler for the fixed prologue/epilogue code: 4-byte instructions, labels, fixups. */
class Asm {
  constructor() {
    this.items = [];
    this.labels = new Map();
    this.size = 0;
  }
  emit(insn) {
    this.items.push({ at: this.size, insn });
    this.size += insn.size;
    return this;
  }
  /** an instruction that needs label addresses: fn(pcOffset, labelOffset) -> insn (must be 4 bytes) */
  fix(fn) {
    this.items.push({ at: this.size, fn });
    this.size += 4;
    return this;
  }
  label(name) {
    this.labels.set(name, this.size);
    return this;
  }
  /** pad to a 4-byte boundary (mtvec ignores its two low bits) */
  align4() {
    if (this.size % 4) this.emit(E.cNop());
    return this;
  }
  /** rd = address of label (auipc + addi) */
  la(rd, label, plus = 0) {
    this.fix((pc, L) => {
      const d = L(label) + plus - pc;
      return E.auipc(rd, ((d + 0x800) >> 12) & 0xfffff);
    });
    this.fix((pc, L) => {
      const d = L(label) + plus - (pc - 4);
      return addi(rd, rd, d - (((d + 0x800) >> 12) << 12));
    });
    return this;
  }
  b(name, rs1, rs2, label) {
    return this.fix((pc, L) => E.branch(name, rs1, rs2, L(label) - pc));
  }
  jal(rd, label) {
    return this.fix((pc, L) => E.jal(rd, L(label) - pc));
  }
  /** 32-bit signed constant */
  li32(rd, v) {
    const lo = ((v & 0xfff) << 20) >> 20;
    const hi = ((v - lo) >>> 12) & 0xfffff;
    if (hi) {
      this.emit(E.lui(rd, hi));
      if (lo) this.emit(E.ri("addiw", rd, rd, lo));
    } else this.emit(E.ri("addi", rd, 0, lo));
    return this;
  }
}

/** Generate the random body as groups: { size, build(skipBytes) -> insn[] , skip } */
function genBody(rng, count, traps, csrs) {
  const groups = [];
  const one = (insn) => groups.push({ size: insn.size, build: () => [insn] });
  const reg = () => rng.int(32);
  const wr = () => (rng.chance(0.05) ? 0 : rng.pick(WRITABLE_NZ));
  const imm12 = () =>
    rng.weighted([
      [3, rng.range(-2048, 2047)],
      [1, rng.range(-16, 16)],
      [1, rng.pick([0, -1, 2047, -2048, 1])],
    ]);
  const memOff = (size, signed = true) => {
    const lo = signed ? -HALF : 0,
      hi = HALF - size;
    let off = rng.range(lo, hi);
    if (!rng.chance(0.25)) off -= ((off % size) + size) % size; // 75% naturally aligned
    return Math.max(lo, off);
  };
  const skipGroup = (size, build) => groups.push({ size, build, skip: rng.range(1, 3) });
  const kinds = [
    [20, () => one(E.rr(rng.pick(E.RR_OPS), wr(), reg(), reg()))],
    [8, () => one(E.ri(rng.pick(E.RI_OPS), wr(), reg(), imm12()))],
    [
      6,
      () => {
        const op = rng.pick(E.SH_OPS);
        one(E.sh(op, wr(), reg(), rng.int(op.endsWith("w") ? 32 : 64)));
      },
    ],
    [2, () => one(E.lui(wr(), rng.int(1 << 20)))],
    [1, () => one(E.auipc(wr(), rng.int(1 << 20)))],
    [
      8,
      () => {
        const op = rng.pick(E.LOAD_OPS);
        one(E.load(op, wr(), rng.pick([2, 8]), memOff(E.ACCESS_SIZE[op])));
      },
    ],
    [
      8,
      () => {
        const op = rng.pick(E.STORE_OPS);
        one(E.store(op, reg(), rng.pick([2, 8]), memOff(E.ACCESS_SIZE[op])));
      },
    ],
    [
      4,
      () => {
        // AMO through a fresh address register
        const width = rng.pick(["w", "d"]);
        const rt = rng.pick(WRITABLE_NZ);
        const off = memOff(width === "d" ? 8 : 4) & ~(width === "d" ? 7 : 3);
        const seq = [
          addi(rt, 8, Math.max(off, -HALF)),
          E.amo(rng.pick(E.AMO_OPS), width, wr(), reg(), rt, rng.int(2), rng.int(2)),
        ];
        groups.push({ size: 8, build: () => seq });
      },
    ],
    [
      2,
      () => {
        // LR, a few ALU ops that leave the address alone, SC
        const width = rng.pick(["w", "d"]);
        const rt = rng.pick(WRITABLE_NZ);
        const off = Math.max(memOff(8) & ~7, -HALF);
        const notRt = () => {
          let r;
          do {
            r = wr();
          } while (r === rt);
          return r;
        };
        const seq = [addi(rt, 8, off), E.lr(width, notRt(), rt)];
        for (let i = rng.int(3); i > 0; i--) seq.push(E.rr(rng.pick(E.RR_OPS), notRt(), reg(), reg()));
        if (rng.chance(0.2)) seq.push(E.store("sd", reg(), 8, off)); // kills the reservation
        seq.push(E.sc(width, wr(), reg(), rt));
        groups.push({ size: seq.length * 4, build: () => seq });
      },
    ],
    [
      4,
      () => {
        const op = rng.pick(E.BRANCH_OPS);
        const a = reg(),
          b = reg();
        skipGroup(4, (s) => [E.branch(op, a, b, 4 + s)]);
      },
    ],
    [
      1,
      () => {
        const rd = wr();
        skipGroup(4, (s) => [E.jal(rd, 4 + s)]);
      },
    ],
    [
      1,
      () => {
        const rt = rng.pick(WRITABLE_NZ),
          rd = wr();
        skipGroup(8, (s) => [E.auipc(rt, 0), E.jalr(rd, rt, 8 + s)]);
      },
    ],
    [
      csrs.length ? 2 : 0,
      () => {
        // csr ops on the scratch registers
        const op = rng.pick(E.CSR_OPS);
        const c = rng.pick(csrs);
        one(E.csr(op, wr(), c, op.endsWith("i") ? rng.int(32) : reg()));
      },
    ],
    [1, () => one(rng.chance(0.5) ? E.fence() : E.fenceI())],
    // ---- compressed ----
    [2, () => one(E.cAddi(rng.pick(WRITABLE_NZ), rng.pick([-32, -1, 1, 31, rng.range(1, 31), -rng.range(1, 32)])))],
    [2, () => one(E.cAddiw(rng.pick(WRITABLE_NZ), rng.range(-32, 31)))],
    [2, () => one(E.cLi(rng.pick(WRITABLE_NZ), rng.range(-32, 31)))],
    [1, () => one(E.cLui(rng.pick(WRITABLE_NZ), rng.pick([rng.range(1, 31), -rng.range(1, 32)])))],
    [2, () => one(rng.pick([E.cSrli, E.cSrai])(rng.pick(C_WRITABLE), rng.range(1, 63)))],
    [1, () => one(E.cAndi(rng.pick(C_WRITABLE), rng.range(-32, 31)))],
    [4, () => one(E.ca(rng.pick(E.CA_OPS), rng.pick(C_WRITABLE), rng.pick(C_ANY)))],
    [1, () => one(E.cSlli(rng.pick(WRITABLE_NZ), rng.range(1, 63)))],
    [2, () => one(E.cMv(rng.pick(WRITABLE_NZ), rng.range(1, 31)))],
    [2, () => one(E.cAdd(rng.pick(WRITABLE_NZ), rng.range(1, 31)))],
    [1, () => one(E.cNop())],
    [
      2,
      () =>
        one(
          rng.chance(0.5)
            ? E.cLw(rng.pick(C_WRITABLE), 8, rng.int(32) * 4)
            : E.cLd(rng.pick(C_WRITABLE), 8, rng.int(32) * 8),
        ),
    ],
    [
      2,
      () =>
        one(rng.chance(0.5) ? E.cSw(rng.pick(C_ANY), 8, rng.int(32) * 4) : E.cSd(rng.pick(C_ANY), 8, rng.int(32) * 8)),
    ],
    [
      2,
      () =>
        one(
          rng.chance(0.5)
            ? E.cLwsp(rng.pick(WRITABLE_NZ), rng.int(64) * 4)
            : E.cLdsp(rng.pick(WRITABLE_NZ), rng.int(64) * 8),
        ),
    ],
    [2, () => one(rng.chance(0.5) ? E.cSwsp(reg(), rng.int(64) * 4) : E.cSdsp(reg(), rng.int(64) * 8))],
    [1, () => one(E.cAddi4spn(rng.pick(C_WRITABLE), rng.range(1, 255) * 4))],
    [
      1,
      () => {
        const d = rng.pick([-1, 1]) * rng.range(1, 31) * 16;
        const a = E.cAddi16sp(d),
          b = E.cAddi16sp(-d);
        groups.push({ size: 4, build: () => [a, b] });
      },
    ],
    [
      2,
      () => {
        const r = rng.pick(C_ANY);
        const f = rng.pick([E.cBeqz, E.cBnez]);
        skipGroup(2, (s) => [f(r, 2 + s)]);
      },
    ],
    [1, () => skipGroup(2, (s) => [E.cJ(2 + s)])],
    [
      1,
      () => {
        // auipc + addi + c.jr / c.jalr
        const rt = rng.pick(WRITABLE_NZ);
        const link = rng.chance(0.5);
        skipGroup(10, (s) => [E.auipc(rt, 0), addi(rt, rt, 10 + s), link ? E.cJalr(rt) : E.cJr(rt)]);
      },
    ],
  ];
  if (traps) kinds.push(...trapKinds(rng, groups, wr, reg));
  while (groups.length < count) rng.weighted(kinds)();
  // lay out: a skip lands at the start of the group `skip` groups further on (or the epilogue)
  const starts = [];
  let at = 0;
  for (const g of groups) {
    starts.push(at);
    at += g.size;
  }
  starts.push(at);
  const insns = [];
  groups.forEach((g, i) => {
    const skipBytes = g.skip ? starts[Math.min(i + 1 + g.skip, groups.length)] - starts[i + 1] : 0;
    const built = g.build(skipBytes);
    if (built.reduce((a, x) => a + x.size, 0) !== g.size) throw new Error("group size mismatch");
    insns.push(...built);
  });
  return { insns, size: at };
}

/**
 * Instructions that must trap (trap mode only): the handler hashes mcause/mtval/mepc and resumes
 * after the instruction, so a wrong cause, tval, epc or a missing trap shows up in the dump.
 * Only encodings illegal both for RV64IMAC and for QEMU 7.2's default CPU (which also has
 * F/D/H/Zba/Zbb/Zbc/Zbs/Zicbom) are used; FP ones rely on mstatus.FS = Off.
 */
function trapKinds(rng, groups, wr, reg) {
  const one = (insn) => groups.push({ size: insn.size, build: () => [insn] });
  const word = (bitsv, text) => ({
    bits: bitsv >>> 0,
    size: 4,
    text: `.word 0x${(bitsv >>> 0).toString(16)} # ${text}`,
  });
  const half = (bitsv, text) => ({
    bits: bitsv & 0xffff,
    size: 2,
    text: `.hword 0x${(bitsv & 0xffff).toString(16)} # ${text}`,
  });
  const r32 = () => rng.u32();
  const illegal32 = () => {
    const v = r32();
    const f3 = (f) => (v & ~0x707f) | (f << 12);
    return rng.pick([
      () => word((v & ~0x7f) | rng.pick([0x0b, 0x2b, 0x5b, 0x7b]), "custom opcode"),
      () => word(f3(7) | 0x03, "load funct3 7"),
      () => word(f3(rng.range(4, 7)) | 0x23, "store funct3 4..7"),
      () => word(f3(rng.range(2, 3)) | 0x63, "branch funct3 2/3"),
      () => word(f3(rng.range(1, 7)) | 0x67, "jalr funct3 != 0"),
      () => word(f3(rng.pick([0, 1, 4, 5, 6, 7])) | 0x2f, "amo width"),
      () => word((f3(rng.range(1, 3)) & 0x01ffffff) | (0x01 << 25) | 0x3b, "op-32 funct7 1"),
      () => word((f3(rng.pick([2, 3, 6, 7])) & 0x01ffffff) | 0x3b, "op-32 funct7 0"),
      () =>
        word(
          (f3(rng.range(0, 7)) & 0x01ffffff) | (rng.pick([0x02, 0x03, 0x08, 0x40, 0x7f, 0x11, 0x60]) << 25) | 0x33,
          "op funct7",
        ),
      () => word((f3(4) & 0x01ffffff) | 0x73, "system funct3 4"),
      () => word((v & ~0x7f) | rng.pick([0x53, 0x07, 0x27, 0x43, 0x47, 0x4b, 0x4f]), "fp with FS off"),
      () => word((v & ~0x7f) | 0x57, "op-v"),
      () => word((v & ~0x7f) | rng.pick([0x1f, 0x3f]), "long-instruction prefix"),
    ])();
  };
  const illegal16 = () => {
    const v = rng.u32() & 0xffff;
    return rng.pick([
      () => half(0x0000, "all zero"),
      () => half(rng.range(1, 7) << 2, "c.addi4spn imm 0"),
      () => half(0x6101, "c.addi16sp 0"),
      () => half(0x6001 | (rng.pick([1, 3, 4, 5, 6, 7, 9, 15, 31]) << 7), "c.lui imm 0"),
      () => half((v & 0x107c) | 0x2001, "c.addiw rd 0"),
      () => half((v & 0x107c) | 0x4002, "c.lwsp rd 0"),
      () => half((v & 0x107c) | 0x6002, "c.ldsp rd 0"),
      () => half(0x8002, "c.jr x0"),
      () => half((v & 0x039c) | 0x9c41 | (rng.int(2) << 5), "reserved CA"),
      () => half((v & 0x1ffc) | 0x8000, "Q0 funct3 100"),
      () => half((v & 0x1ffc) | rng.pick([0x2000, 0xa000]), "c.fld/c.fsd with FS off"),
      () => half((v & 0x1ffc) | rng.pick([0x2002, 0xa002]), "c.fldsp/c.fsdsp with FS off"),
    ])();
  };
  // A random word from the integer compute spaces (OP, OP-IMM, OP-32, OP-IMM-32, LUI, AUIPC):
  // valid ones execute, reserved ones must be illegal. Encodings that QEMU's default CPU runs
  // as Zba/Zbb/Zbc/Zbs are left out (an RV64IMAC hart rightly calls them illegal).
  const isBitmanip = (v) => {
    const op = v & 0x7f,
      f3 = (v >> 12) & 7,
      f7 = v >>> 25,
      f6 = v >>> 26,
      imm = v >>> 20;
    if (op === 0x33)
      return [0x04, 0x05, 0x10, 0x14, 0x24, 0x30, 0x34].includes(f7) || (f7 === 0x20 && [4, 6, 7].includes(f3));
    if (op === 0x3b) return [0x04, 0x10, 0x30].includes(f7);
    if (op === 0x13 && (f3 === 1 || f3 === 5))
      return [0x0a, 0x12, 0x18, 0x1a].includes(f6) || (f3 === 5 && imm === 0x287);
    if (op === 0x1b && (f3 === 1 || f3 === 5)) return f6 === 0x02 || f7 === 0x30;
    return false;
  };
  const randomCompute = () => {
    for (;;) {
      let v = rng.u32();
      v = ((v & ~0x7f) | rng.pick([0x33, 0x13, 0x3b, 0x1b, 0x37, 0x17])) >>> 0;
      if (rng.chance(0.7)) v = (v & ~(0x7f << 25)) | (rng.pick([0x00, 0x01, 0x20, 0x02, 0x40, 0x21, 0x60]) << 25); // near-valid funct7
      if (((v >> 7) & 31) === 2 || ((v >> 7) & 31) === 8) v &= ~(31 << 7); // never write x2/x8 (x0 instead)
      if (!isBitmanip(v >>> 0))
        return { bits: v >>> 0, size: 4, text: `.word 0x${(v >>> 0).toString(16)} # random compute` };
    }
  };
  return [
    [4, () => one(randomCompute())],
    [2, () => one(rng.pick([E.ecall, E.ebreak, E.cEbreak])())],
    [4, () => one(illegal32())],
    [3, () => one(illegal16())],
    [
      2,
      () => {
        // misaligned AMO / LR: cause 4 on QEMU, tval = address
        const rt = rng.pick(WRITABLE_NZ);
        const d = rng.chance(0.5);
        const off = rng.range(-HALF / 8, HALF / 8 - 1) * 8 + rng.range(1, d ? 7 : 3);
        const acc = rng.chance(0.3)
          ? E.lr(d ? "d" : "w", wr(), rt)
          : E.amo(rng.pick(E.AMO_OPS), d ? "d" : "w", wr(), reg(), rt);
        groups.push({ size: 8, build: () => [addi(rt, 8, off), acc] });
      },
    ],
    [
      2,
      () => {
        // loads / stores / AMOs to physical holes: access faults with tval = address
        const rt = rng.pick(WRITABLE_NZ);
        const setup = rng.chance(0.5) ? addi(rt, 0, rng.range(0, 2047)) : E.lui(rt, rng.range(0x88000, 0xfffff));
        const k = rng.int(3);
        const op =
          k === 0
            ? E.load(rng.pick(E.LOAD_OPS), wr(), rt, 0)
            : k === 1
              ? E.store(rng.pick(E.STORE_OPS), reg(), rt, 0)
              : E.amo(rng.pick(E.AMO_OPS), "d", wr(), reg(), rt);
        groups.push({ size: 8, build: () => [setup, op] });
      },
    ],
  ];
}

/**
 * @param {number} seed
 * @param {number} length number of body instruction groups
 * @returns {{ elf: Uint8Array, listing: string[], seed: number, length: number }}
 */
export function generateProgram(seed, length, { traps = false, paging = null, priv = "S" } = {}) {
  if (paging !== null && paging !== "sv39" && paging !== "sv48") throw new Error(`paging: sv39 or sv48, not ${paging}`);
  if (priv !== "S" && priv !== "U") throw new Error(`priv: S or U, not ${priv}`);
  const rng = new Prng(seed);
  // the trap handler keeps its context behind mscratch whenever it has to resume (traps, or the
  // ecall that ends a paged body): then the body only touches sscratch (and no CSR at all in U)
  const useCtx = traps || paging !== null;
  const csrs = !useCtx ? [MSCRATCH, SSCRATCH] : paging && priv === "U" ? [] : [SSCRATCH];
  const body = genBody(rng, length, traps, csrs);
  const a = new Asm();
  // ---- prologue ----
  a.la(5, "trap").emit(E.csr("csrrw", 0, 0x305, 5)); // mtvec
  a.la(5, "trapctx")
    .emit(E.csr("csrrw", 0, MSCRATCH, useCtx ? 5 : 0))
    .emit(E.csr("csrrw", 0, SSCRATCH, 0));
  if (paging) {
    // one allow-all PMP entry (QEMU 7.2 refuses mret to S/U without any), satp, then mret to S/U
    a.emit(addi(5, 0, -1))
      .emit(E.sh("srli", 5, 5, 10))
      .emit(E.csr("csrrw", 0, 0x3b0, 5));
    a.emit(addi(5, 0, 0x1f)).emit(E.csr("csrrw", 0, 0x3a0, 5));
    a.la(5, "pt_root")
      .emit(E.sh("srli", 5, 5, 12))
      .emit(addi(6, 0, paging === "sv39" ? 8 : 9))
      .emit(E.sh("slli", 6, 6, 60))
      .emit(E.rr("or", 5, 5, 6))
      .emit(E.csr("csrrw", 0, 0x180, 5))
      .emit({ bits: 0x12000073, size: 4, text: "sfence.vma" });
    a.li32(5, 0x1800).emit(E.csr("csrrc", 0, 0x300, 5));
    if (priv === "S") a.li32(5, 0x800).emit(E.csr("csrrs", 0, 0x300, 5));
    a.la(5, "body").emit(E.csr("csrrw", 0, 0x341, 5));
  }
  a.la(8, "regtable");
  for (let r = 1; r < 32; r++) if (!RESERVED.has(r)) a.emit(E.load("ld", r, 8, r * 8));
  a.la(2, "scratch", HALF).la(8, "scratch", HALF);
  if (paging) a.emit(E.mret());
  a.label("body");
  for (const insn of body.insns) a.emit(insn);
  if (paging) a.label("body_end").emit(E.ecall()).label("epilogue"); // back to M for the dump
  // ---- epilogue: save everything through x8 (= scratch + HALF; regsave follows the buffer) ----
  const save = (slot) => HALF + slot * 8;
  for (let r = 1; r < 32; r++) a.emit(E.store("sd", r, 8, save(r)));
  a.emit(E.csr("csrrs", 5, MSCRATCH, 0)).emit(E.store("sd", 5, 8, save(32)));
  a.emit(E.csr("csrrs", 5, SSCRATCH, 0)).emit(E.store("sd", 5, 8, save(33)));
  // memory hash: h = (h ^ dword) * K over the buffer
  a.la(10, "scratch")
    .li32(11, SCRATCH / 8)
    .emit(E.ri("addi", 12, 0, 0))
    .la(13, "hashk")
    .emit(E.load("ld", 13, 13, 0));
  a.label("hash")
    .emit(E.load("ld", 14, 10, 0))
    .emit(E.rr("xor", 12, 12, 14))
    .emit(E.rr("mul", 12, 12, 13))
    .emit(E.ri("addi", 10, 10, 8))
    .emit(E.ri("addi", 11, 11, -1))
    .b("bne", 11, 0, "hash");
  a.emit(E.store("sd", 12, 8, save(34)));
  a.la(5, "trapctx")
    .emit(E.load("ld", 6, 5, 32))
    .emit(E.store("sd", 6, 8, save(35)))
    .emit(E.load("ld", 6, 5, 16))
    .emit(E.store("sd", 6, 8, save(36)));
  a.emit(E.store("sd", 0, 8, save(37)));
  if (paging) {
    // hash of the leaf page table: the A/D bits the hardware set
    a.la(10, "pt_l0")
      .li32(11, 512)
      .emit(E.ri("addi", 12, 0, 0))
      .la(13, "hashk")
      .emit(E.load("ld", 13, 13, 0));
    a.label("pthash")
      .emit(E.load("ld", 14, 10, 0))
      .emit(E.rr("xor", 12, 12, 14))
      .emit(E.rr("mul", 12, 12, 13))
      .emit(E.ri("addi", 10, 10, 8))
      .emit(E.ri("addi", 11, 11, -1))
      .b("bne", 11, 0, "pthash");
    a.emit(E.store("sd", 12, 8, save(37)));
  }
  // print "NNN=<16 hex>\n" for each slot 1..34
  a.la(20, "names")
    .emit(E.ri("addi", 21, 8, save(1)))
    .li32(22, SLOTS - 1);
  a.label("line");
  for (let i = 0; i < 4; i++) a.emit(E.load("lbu", 10, 20, i)).jal(1, "putc");
  a.emit(E.load("ld", 23, 21, 0)).li32(24, 60);
  a.label("nib")
    .emit(E.rr("srl", 10, 23, 24))
    .emit(E.ri("andi", 10, 10, 15))
    .emit(E.ri("addi", 10, 10, 48))
    .li32(25, 58)
    .b("blt", 10, 25, "digit")
    .emit(E.ri("addi", 10, 10, 39));
  a.label("digit")
    .jal(1, "putc")
    .emit(E.ri("addi", 24, 24, -4))
    .b("bge", 24, 0, "nib");
  a.li32(10, 10).jal(1, "putc");
  a.emit(E.ri("addi", 20, 20, 4))
    .emit(E.ri("addi", 21, 21, 8))
    .emit(E.ri("addi", 22, 22, -1))
    .b("bne", 22, 0, "line");
  a.jal(1, "drain")
    .li32(5, TESTDEV)
    .li32(6, 0x5555)
    .emit(E.store("sw", 6, 5, 0));
  a.label("halt").emit(E.wfi()).jal(0, "halt");
  // drain: wait for LSR.TEMT, so that QEMU, which exits on the sifive_test write, has sent every byte
  a.label("drain").li32(5, UART);
  a.label("drain_wait")
    .emit(E.load("lbu", 6, 5, 5))
    .emit(E.ri("andi", 6, 6, 0x40))
    .b("beq", 6, 0, "drain_wait")
    .emit(E.jalr(0, 1, 0));
  // putc(a0): clobbers x5, x6
  a.label("putc").li32(5, UART);
  a.label("putc_wait")
    .emit(E.load("lbu", 6, 5, 5))
    .emit(E.ri("andi", 6, 6, 0x20))
    .b("beq", 6, 0, "putc_wait")
    .emit(E.store("sb", 10, 5, 0))
    .emit(E.jalr(0, 1, 0));
  if (useCtx) {
    // x31 is swapped with mscratch (= trapctx); x29/x30 are saved in trapctx.
    a.align4()
      .label("trap")
      .emit(E.csr("csrrw", 31, MSCRATCH, 31))
      .emit(E.store("sd", 30, 31, 0))
      .emit(E.store("sd", 29, 31, 8));
    if (paging) {
      // the ecall that ends the body: continue with the epilogue in M-mode
      a.emit(E.csr("csrrs", 30, 0x341, 0))
        .emit(E.load("ld", 29, 31, 40))
        .b("bne", 29, 30, "trap_other");
      a.emit(E.load("ld", 29, 31, 48))
        .emit(E.csr("csrrw", 0, 0x341, 29))
        .li32(30, 0x1800)
        .emit(E.csr("csrrs", 0, 0x300, 30));
      a.emit(E.load("ld", 30, 31, 0))
        .emit(E.load("ld", 29, 31, 8))
        .emit(E.csr("csrrw", 31, MSCRATCH, 31))
        .emit(E.mret());
      a.label("trap_other");
    }
    if (!traps) a.jal(0, "trap_report");
  }
  if (traps) {
    // trap mode: hash mcause, mtval, mepc into trapctx, count, resume after the instruction.
    a.emit(E.load("ld", 29, 31, 16));
    for (const csrno of [0x342, 0x343, 0x341]) {
      a.emit(E.csr("csrrs", 30, csrno, 0))
        .emit(E.rr("xor", 29, 29, 30))
        .emit(E.load("ld", 30, 31, 24))
        .emit(E.rr("mul", 29, 29, 30));
    }
    a.emit(E.store("sd", 29, 31, 16));
    a.emit(E.load("ld", 29, 31, 32))
      .emit(E.ri("addi", 29, 29, 1))
      .emit(E.store("sd", 29, 31, 32));
    a.li32(30, 100000).b("bge", 29, 30, "trap_report"); // runaway: report
    a.emit(E.csr("csrrs", 30, 0x342, 0)).b("blt", 30, 0, "trap_report"); // interrupts are not expected
    a.emit(E.csr("csrrs", 30, 0x341, 0))
      .emit(E.load("lhu", 29, 30, 0))
      .emit(E.ri("andi", 29, 29, 3))
      .emit(E.ri("addi", 29, 29, -3))
      .b("bne", 29, 0, "trap_c")
      .emit(E.ri("addi", 30, 30, 2));
    a.label("trap_c")
      .emit(E.ri("addi", 30, 30, 2))
      .emit(E.csr("csrrw", 0, 0x341, 30));
    a.emit(E.load("ld", 30, 31, 0))
      .emit(E.load("ld", 29, 31, 8))
      .emit(E.csr("csrrw", 31, MSCRATCH, 31))
      .emit(E.mret());
  }
  // trap report: "TRAP" + mcause, mepc, mtval as hex, exit status 3
  a.align4().label(useCtx ? "trap_report" : "trap");
  for (const c of "TRAP") a.li32(10, c.charCodeAt(0)).jal(1, "putc");
  for (const csrno of [0x342, 0x341, 0x343]) {
    a.li32(10, 32)
      .jal(1, "putc")
      .emit(E.csr("csrrs", 23, csrno, 0))
      .li32(24, 60);
    const l = `tnib${csrno}`,
      d = `tdig${csrno}`;
    a.label(l)
      .emit(E.rr("srl", 10, 23, 24))
      .emit(E.ri("andi", 10, 10, 15))
      .emit(E.ri("addi", 10, 10, 48))
      .li32(25, 58)
      .b("blt", 10, 25, d)
      .emit(E.ri("addi", 10, 10, 39));
    a.label(d)
      .jal(1, "putc")
      .emit(E.ri("addi", 24, 24, -4))
      .b("bge", 24, 0, l);
  }
  a.li32(10, 10).jal(1, "putc").jal(1, "drain");
  a.li32(5, TESTDEV)
    .li32(6, (3 << 16) | 0x3333)
    .emit(E.store("sw", 6, 5, 0));
  a.label("thalt").emit(E.wfi()).jal(0, "thalt");

  // ---- data ----
  const codeSize = a.size;
  const align = (n, k) => Math.ceil(n / k) * k;
  const regtable = align(codeSize, 64);
  const hashk = regtable + 32 * 8;
  const trapctx = hashk + 8;
  const names = trapctx + 56;
  const scratch = align(names + SLOTS * 4, 64);
  const mapped = align(scratch + SCRATCH + SLOTS * 8, 4096); // pages the body may touch
  const tables = paging === "sv48" ? ["pt_root", "pt_l2", "pt_l1", "pt_l0"] : ["pt_root", "pt_l1", "pt_l0"];
  const total = paging ? mapped + tables.length * 4096 : scratch + SCRATCH + SLOTS * 8;
  const labelAt = { regtable, hashk, names, scratch, trapctx };
  if (paging)
    tables.forEach((t, i) => {
      labelAt[t] = mapped + i * 4096;
    });
  const L = (name) => {
    if (a.labels.has(name)) return a.labels.get(name);
    if (name in labelAt) return labelAt[name];
    throw new Error(`no label ${name}`);
  };
  const image = new Uint8Array(total);
  const dv = new DataView(image.buffer);
  const listing = [];
  for (const it of a.items) {
    const insn = it.insn ?? it.fn(it.at, L);
    if (insn.size === 4) dv.setUint32(it.at, insn.bits, true);
    else dv.setUint16(it.at, insn.bits, true);
    listing.push(`${(BASE + BigInt(it.at)).toString(16)}: ${insn.text}`);
  }
  // initial state from its own stream: a shorter program with the same seed is a prefix of a longer one
  const init = new Prng(seed ^ 0x5eed1e55);
  for (let r = 0; r < 32; r++)
    dv.setBigUint64(regtable + r * 8, init.chance(0.3) ? init.pick(INTERESTING) : init.u64(), true);
  dv.setBigUint64(hashk, 0x9e3779b97f4a7c15n, true);
  dv.setBigUint64(trapctx + 24, 0x9e3779b97f4a7c15n, true);
  if (paging) {
    dv.setBigUint64(trapctx + 40, BASE + BigInt(L("body_end")), true);
    dv.setBigUint64(trapctx + 48, BASE + BigInt(L("epilogue")), true);
    // identity map: devices through a 1G leaf, this image through 4K leaves with A = D = 0
    const U = priv === "U" ? 0x10n : 0n;
    const pte = (pa, flags) => ((pa >> 12n) << 10n) | flags;
    const setPte = (table, idx, v) => dv.setBigUint64(labelAt[table] + idx * 8, v, true);
    const root39 = paging === "sv48" ? "pt_l2" : "pt_root";
    if (paging === "sv48") setPte("pt_root", 0, pte(BASE + BigInt(labelAt.pt_l2), 1n));
    setPte(root39, 0, pte(0n, 0xc7n | U)); // V R W A D
    setPte(root39, Number(BASE >> 30n), pte(BASE + BigInt(labelAt.pt_l1), 1n));
    setPte("pt_l1", 0, pte(BASE + BigInt(labelAt.pt_l0), 1n));
    for (let i = 0; i < mapped / 4096; i++) setPte("pt_l0", i, pte(BASE + BigInt(i * 4096), 0x0fn | U)); // V R W X
  }
  DUMP_NAMES.forEach((n, i) => {
    for (let k = 0; k < 3; k++) image[names + i * 4 + k] = n.charCodeAt(k);
    image[names + i * 4 + 3] = 61;
  });
  for (let i = 0; i < SCRATCH; i++) image[scratch + i] = init.int(256);
  return { elf: writeElf(image, BASE), listing, seed, length };
}

/** Parse the dump printed by a generated program: { x01: "...", ..., mem: "..." } or null. */
export function parseDump(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const m = /^([a-z0-9]{3})=([0-9a-f]{16})$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return Object.keys(out).length === DUMP_NAMES.length ? out : null;
}
