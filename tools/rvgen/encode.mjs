// RV64IMAC machine-code encoder (our own, from the ISA manual's format tables).
// Each function returns { bits, size, text }: the encoding, its length in bytes (2 or 4), and the
// same instruction in GNU as syntax (compressed ones with their explicit c.* mnemonic), so the
// encoder can be checked against the assembler (see encode-check.mjs).

const X = (r) => `x${r}`;
const u32 = (v) => v >>> 0;

function checkImm(v, bits, signed, align, what) {
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  if (!Number.isInteger(v) || v < lo || v > hi || v % align !== 0)
    throw new RangeError(`${what}: immediate ${v} out of range`);
}
function checkReg(r, what) {
  if (!Number.isInteger(r) || r < 0 || r > 31) throw new RangeError(`${what}: bad register ${r}`);
}
function checkCReg(r, what) {
  if (!Number.isInteger(r) || r < 8 || r > 15) throw new RangeError(`${what}: register x${r} is not x8..x15`);
}
const bit = (v, n) => (v >> n) & 1;
const bits = (v, hi, lo) => (v >> lo) & ((1 << (hi - lo + 1)) - 1);

// ---- 32-bit formats ----
export const R = (op, f3, f7, rd, rs1, rs2) =>
  u32((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op);
export const I = (op, f3, rd, rs1, imm) => u32(((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op);
export const S = (op, f3, rs1, rs2, imm) =>
  u32((bits(imm, 11, 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (bits(imm, 4, 0) << 7) | op);
export const B = (op, f3, rs1, rs2, imm) =>
  u32(
    (bit(imm, 12) << 31) |
      (bits(imm, 10, 5) << 25) |
      (rs2 << 20) |
      (rs1 << 15) |
      (f3 << 12) |
      (bits(imm, 4, 1) << 8) |
      (bit(imm, 11) << 7) |
      op,
  );
export const U = (op, rd, imm20) => u32(((imm20 & 0xfffff) << 12) | (rd << 7) | op);
export const J = (op, rd, imm) =>
  u32(
    (bit(imm, 20) << 31) | (bits(imm, 10, 1) << 21) | (bit(imm, 11) << 20) | (bits(imm, 19, 12) << 12) | (rd << 7) | op,
  );

const w = (bitsv, text) => ({ bits: u32(bitsv), size: 4, text });
const h = (bitsv, text) => ({ bits: bitsv & 0xffff, size: 2, text });

// ---- RV64I / M: register-register ----
const RR = {
  add: [0x33, 0, 0x00],
  sub: [0x33, 0, 0x20],
  sll: [0x33, 1, 0x00],
  slt: [0x33, 2, 0x00],
  sltu: [0x33, 3, 0x00],
  xor: [0x33, 4, 0x00],
  srl: [0x33, 5, 0x00],
  sra: [0x33, 5, 0x20],
  or: [0x33, 6, 0x00],
  and: [0x33, 7, 0x00],
  addw: [0x3b, 0, 0x00],
  subw: [0x3b, 0, 0x20],
  sllw: [0x3b, 1, 0x00],
  srlw: [0x3b, 5, 0x00],
  sraw: [0x3b, 5, 0x20],
  mul: [0x33, 0, 0x01],
  mulh: [0x33, 1, 0x01],
  mulhsu: [0x33, 2, 0x01],
  mulhu: [0x33, 3, 0x01],
  div: [0x33, 4, 0x01],
  divu: [0x33, 5, 0x01],
  rem: [0x33, 6, 0x01],
  remu: [0x33, 7, 0x01],
  mulw: [0x3b, 0, 0x01],
  divw: [0x3b, 4, 0x01],
  divuw: [0x3b, 5, 0x01],
  remw: [0x3b, 6, 0x01],
  remuw: [0x3b, 7, 0x01],
};
export const RR_OPS = Object.keys(RR);
export function rr(name, rd, rs1, rs2) {
  const e = RR[name];
  if (!e) throw new Error(`unknown op ${name}`);
  [rd, rs1, rs2].forEach((r) => checkReg(r, name));
  return w(R(e[0], e[1], e[2], rd, rs1, rs2), `${name} ${X(rd)}, ${X(rs1)}, ${X(rs2)}`);
}

// ---- register-immediate ----
const RI = {
  addi: [0x13, 0],
  slti: [0x13, 2],
  sltiu: [0x13, 3],
  xori: [0x13, 4],
  ori: [0x13, 6],
  andi: [0x13, 7],
  addiw: [0x1b, 0],
};
export const RI_OPS = Object.keys(RI);
export function ri(name, rd, rs1, imm) {
  const e = RI[name];
  if (!e) throw new Error(`unknown op ${name}`);
  checkReg(rd, name);
  checkReg(rs1, name);
  checkImm(imm, 12, true, 1, name);
  return w(I(e[0], e[1], rd, rs1, imm), `${name} ${X(rd)}, ${X(rs1)}, ${imm}`);
}
// shifts by immediate: [opcode, funct3, high bits (funct6/funct7 << 26 or 25), max shamt]
const SH = {
  slli: [0x13, 1, 0x00, 63],
  srli: [0x13, 5, 0x00, 63],
  srai: [0x13, 5, 0x10, 63],
  slliw: [0x1b, 1, 0x00, 31],
  srliw: [0x1b, 5, 0x00, 31],
  sraiw: [0x1b, 5, 0x20, 31],
};
export const SH_OPS = Object.keys(SH);
export function sh(name, rd, rs1, shamt) {
  const e = SH[name];
  if (!e) throw new Error(`unknown op ${name}`);
  checkReg(rd, name);
  checkReg(rs1, name);
  checkImm(shamt, e[3] === 63 ? 6 : 5, false, 1, name);
  const hi = e[3] === 63 ? e[2] << 26 : e[2] << 25;
  return w(hi | (shamt << 20) | (rs1 << 15) | (e[1] << 12) | (rd << 7) | e[0], `${name} ${X(rd)}, ${X(rs1)}, ${shamt}`);
}
export function lui(rd, imm20) {
  checkReg(rd, "lui");
  checkImm(imm20, 20, false, 1, "lui");
  return w(U(0x37, rd, imm20), `lui ${X(rd)}, ${imm20}`);
}
export function auipc(rd, imm20) {
  checkReg(rd, "auipc");
  checkImm(imm20, 20, false, 1, "auipc");
  return w(U(0x17, rd, imm20), `auipc ${X(rd)}, ${imm20}`);
}
// ---- loads / stores ----
const LD = { lb: 0, lh: 1, lw: 2, ld: 3, lbu: 4, lhu: 5, lwu: 6 };
const ST = { sb: 0, sh: 1, sw: 2, sd: 3 };
export const LOAD_OPS = Object.keys(LD);
export const STORE_OPS = Object.keys(ST);
export const ACCESS_SIZE = { lb: 1, lh: 2, lw: 4, ld: 8, lbu: 1, lhu: 2, lwu: 4, sb: 1, sh: 2, sw: 4, sd: 8 };
export function load(name, rd, rs1, imm) {
  checkReg(rd, name);
  checkReg(rs1, name);
  checkImm(imm, 12, true, 1, name);
  return w(I(0x03, LD[name], rd, rs1, imm), `${name} ${X(rd)}, ${imm}(${X(rs1)})`);
}
export function store(name, rs2, rs1, imm) {
  checkReg(rs2, name);
  checkReg(rs1, name);
  checkImm(imm, 12, true, 1, name);
  return w(S(0x23, ST[name], rs1, rs2, imm), `${name} ${X(rs2)}, ${imm}(${X(rs1)})`);
}
// ---- control transfer (offsets in bytes, relative to this instruction) ----
const BR = { beq: 0, bne: 1, blt: 4, bge: 5, bltu: 6, bgeu: 7 };
export const BRANCH_OPS = Object.keys(BR);
export function branch(name, rs1, rs2, off) {
  checkReg(rs1, name);
  checkReg(rs2, name);
  checkImm(off, 13, true, 2, name);
  return w(B(0x63, BR[name], rs1, rs2, off), `${name} ${X(rs1)}, ${X(rs2)}, .${off >= 0 ? "+" : ""}${off}`);
}
export function jal(rd, off) {
  checkReg(rd, "jal");
  checkImm(off, 21, true, 2, "jal");
  return w(J(0x6f, rd, off), `jal ${X(rd)}, .${off >= 0 ? "+" : ""}${off}`);
}
export function jalr(rd, rs1, imm) {
  checkReg(rd, "jalr");
  checkReg(rs1, "jalr");
  checkImm(imm, 12, true, 1, "jalr");
  return w(I(0x67, 0, rd, rs1, imm), `jalr ${X(rd)}, ${imm}(${X(rs1)})`);
}
// ---- A ----
const AMO = {
  amoadd: 0x00,
  amoswap: 0x01,
  amoxor: 0x04,
  amoor: 0x08,
  amoand: 0x0c,
  amomin: 0x10,
  amomax: 0x14,
  amominu: 0x18,
  amomaxu: 0x1c,
};
export const AMO_OPS = Object.keys(AMO);
export function amo(name, width, rd, rs2, rs1, aq = 0, rl = 0) {
  [rd, rs1, rs2].forEach((r) => checkReg(r, name));
  const f3 = width === "d" ? 3 : 2;
  const suffix = aq && rl ? ".aqrl" : aq ? ".aq" : rl ? ".rl" : "";
  return w(
    (AMO[name] << 27) | (aq << 26) | (rl << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x2f,
    `${name}.${width}${suffix} ${X(rd)}, ${X(rs2)}, (${X(rs1)})`,
  );
}
export function lr(width, rd, rs1, aq = 0, rl = 0) {
  checkReg(rd, "lr");
  checkReg(rs1, "lr");
  const suffix = aq && rl ? ".aqrl" : aq ? ".aq" : rl ? ".rl" : "";
  return w(
    (0x02 << 27) | (aq << 26) | (rl << 25) | (rs1 << 15) | ((width === "d" ? 3 : 2) << 12) | (rd << 7) | 0x2f,
    `lr.${width}${suffix} ${X(rd)}, (${X(rs1)})`,
  );
}
export function sc(width, rd, rs2, rs1, aq = 0, rl = 0) {
  [rd, rs1, rs2].forEach((r) => checkReg(r, "sc"));
  const suffix = aq && rl ? ".aqrl" : aq ? ".aq" : rl ? ".rl" : "";
  return w(
    (0x03 << 27) |
      (aq << 26) |
      (rl << 25) |
      (rs2 << 20) |
      (rs1 << 15) |
      ((width === "d" ? 3 : 2) << 12) |
      (rd << 7) |
      0x2f,
    `sc.${width}${suffix} ${X(rd)}, ${X(rs2)}, (${X(rs1)})`,
  );
}
// ---- Zicsr / Zifencei / misc ----
const CSR = { csrrw: 1, csrrs: 2, csrrc: 3, csrrwi: 5, csrrsi: 6, csrrci: 7 };
export const CSR_OPS = Object.keys(CSR);
export function csr(name, rd, csrno, src) {
  checkReg(rd, name);
  checkImm(csrno, 12, false, 1, name);
  checkImm(src, 5, false, 1, name);
  return w(I(0x73, CSR[name], rd, src, csrno), `${name} ${X(rd)}, ${csrno}, ${name.endsWith("i") ? src : X(src)}`);
}
export const fence = () => w(0x0ff0000f, "fence iorw, iorw");
export const fenceI = () => w(0x0000100f, "fence.i");
export const ecall = () => w(0x00000073, "ecall");
export const ebreak = () => w(0x00100073, "ebreak");
export const mret = () => w(0x30200073, "mret");
export const wfi = () => w(0x10500073, "wfi");

// ---- RV64C (no F/D) ----
const cr = (r) => r - 8;
export function cAddi4spn(rd, imm) {
  checkCReg(rd, "c.addi4spn");
  checkImm(imm, 10, false, 4, "c.addi4spn");
  if (imm === 0) throw new RangeError("c.addi4spn: imm 0 is reserved");
  return h(
    (bits(imm, 5, 4) << 11) | (bits(imm, 9, 6) << 7) | (bit(imm, 2) << 6) | (bit(imm, 3) << 5) | (cr(rd) << 2),
    `c.addi4spn ${X(rd)}, x2, ${imm}`,
  );
}
export function cLw(rd, rs1, imm) {
  checkCReg(rd, "c.lw");
  checkCReg(rs1, "c.lw");
  checkImm(imm, 7, false, 4, "c.lw");
  return h(
    (2 << 13) | (bits(imm, 5, 3) << 10) | (cr(rs1) << 7) | (bit(imm, 2) << 6) | (bit(imm, 6) << 5) | (cr(rd) << 2),
    `c.lw ${X(rd)}, ${imm}(${X(rs1)})`,
  );
}
export function cLd(rd, rs1, imm) {
  checkCReg(rd, "c.ld");
  checkCReg(rs1, "c.ld");
  checkImm(imm, 8, false, 8, "c.ld");
  return h(
    (3 << 13) | (bits(imm, 5, 3) << 10) | (cr(rs1) << 7) | (bits(imm, 7, 6) << 5) | (cr(rd) << 2),
    `c.ld ${X(rd)}, ${imm}(${X(rs1)})`,
  );
}
export function cSw(rs2, rs1, imm) {
  checkCReg(rs2, "c.sw");
  checkCReg(rs1, "c.sw");
  checkImm(imm, 7, false, 4, "c.sw");
  return h(
    (6 << 13) | (bits(imm, 5, 3) << 10) | (cr(rs1) << 7) | (bit(imm, 2) << 6) | (bit(imm, 6) << 5) | (cr(rs2) << 2),
    `c.sw ${X(rs2)}, ${imm}(${X(rs1)})`,
  );
}
export function cSd(rs2, rs1, imm) {
  checkCReg(rs2, "c.sd");
  checkCReg(rs1, "c.sd");
  checkImm(imm, 8, false, 8, "c.sd");
  return h(
    (7 << 13) | (bits(imm, 5, 3) << 10) | (cr(rs1) << 7) | (bits(imm, 7, 6) << 5) | (cr(rs2) << 2),
    `c.sd ${X(rs2)}, ${imm}(${X(rs1)})`,
  );
}
const ci = (f3, rd, imm, op) => (f3 << 13) | (bit(imm, 5) << 12) | (rd << 7) | (bits(imm, 4, 0) << 2) | op;
export const cNop = () => h(0x0001, "c.nop");
export function cAddi(rd, imm) {
  checkReg(rd, "c.addi");
  checkImm(imm, 6, true, 1, "c.addi");
  if (rd === 0 || imm === 0) throw new RangeError("c.addi: rd 0 / imm 0 are hints");
  return h(ci(0, rd, imm, 1), `c.addi ${X(rd)}, ${imm}`);
}
export function cAddiw(rd, imm) {
  checkReg(rd, "c.addiw");
  checkImm(imm, 6, true, 1, "c.addiw");
  if (rd === 0) throw new RangeError("c.addiw: rd 0 is reserved");
  return h(ci(1, rd, imm, 1), `c.addiw ${X(rd)}, ${imm}`);
}
export function cLi(rd, imm) {
  checkReg(rd, "c.li");
  checkImm(imm, 6, true, 1, "c.li");
  if (rd === 0) throw new RangeError("c.li: rd 0 is a hint");
  return h(ci(2, rd, imm, 1), `c.li ${X(rd)}, ${imm}`);
}
export function cAddi16sp(imm) {
  checkImm(imm, 10, true, 16, "c.addi16sp");
  if (imm === 0) throw new RangeError("c.addi16sp: imm 0 is reserved");
  return h(
    (3 << 13) |
      (bit(imm, 9) << 12) |
      (2 << 7) |
      (bit(imm, 4) << 6) |
      (bit(imm, 6) << 5) |
      (bits(imm, 8, 7) << 3) |
      (bit(imm, 5) << 2) |
      1,
    `c.addi16sp x2, ${imm}`,
  );
}
export function cLui(rd, imm6) {
  // imm6: the signed 6-bit value of nzimm[17:12] (-32..31, not 0)
  checkReg(rd, "c.lui");
  checkImm(imm6, 6, true, 1, "c.lui");
  if (rd === 0 || rd === 2 || imm6 === 0) throw new RangeError("c.lui: bad rd or imm");
  return h(ci(3, rd, imm6, 1), `c.lui ${X(rd)}, ${imm6 & 0xfffff}`);
}
function cShift(f2, name, rd, shamt) {
  checkCReg(rd, name);
  checkImm(shamt, 6, false, 1, name);
  if (shamt === 0) throw new RangeError(`${name}: shamt 0 is a hint`);
  return h(
    (4 << 13) | (bit(shamt, 5) << 12) | (f2 << 10) | (cr(rd) << 7) | (bits(shamt, 4, 0) << 2) | 1,
    `${name} ${X(rd)}, ${shamt}`,
  );
}
export const cSrli = (rd, shamt) => cShift(0, "c.srli", rd, shamt);
export const cSrai = (rd, shamt) => cShift(1, "c.srai", rd, shamt);
export function cAndi(rd, imm) {
  checkCReg(rd, "c.andi");
  checkImm(imm, 6, true, 1, "c.andi");
  return h(
    (4 << 13) | (bit(imm, 5) << 12) | (2 << 10) | (cr(rd) << 7) | (bits(imm, 4, 0) << 2) | 1,
    `c.andi ${X(rd)}, ${imm}`,
  );
}
const CA = { "c.sub": [0, 0], "c.xor": [0, 1], "c.or": [0, 2], "c.and": [0, 3], "c.subw": [1, 0], "c.addw": [1, 1] };
export const CA_OPS = Object.keys(CA);
export function ca(name, rd, rs2) {
  checkCReg(rd, name);
  checkCReg(rs2, name);
  const [b12, f2] = CA[name];
  return h(
    (4 << 13) | (b12 << 12) | (3 << 10) | (cr(rd) << 7) | (f2 << 5) | (cr(rs2) << 2) | 1,
    `${name} ${X(rd)}, ${X(rs2)}`,
  );
}
export function cJ(off) {
  checkImm(off, 12, true, 2, "c.j");
  return h(
    (5 << 13) |
      (bit(off, 11) << 12) |
      (bit(off, 4) << 11) |
      (bits(off, 9, 8) << 9) |
      (bit(off, 10) << 8) |
      (bit(off, 6) << 7) |
      (bit(off, 7) << 6) |
      (bits(off, 3, 1) << 3) |
      (bit(off, 5) << 2) |
      1,
    `c.j .${off >= 0 ? "+" : ""}${off}`,
  );
}
function cB(f3, name, rs1, off) {
  checkCReg(rs1, name);
  checkImm(off, 9, true, 2, name);
  return h(
    (f3 << 13) |
      (bit(off, 8) << 12) |
      (bits(off, 4, 3) << 10) |
      (cr(rs1) << 7) |
      (bits(off, 7, 6) << 5) |
      (bits(off, 2, 1) << 3) |
      (bit(off, 5) << 2) |
      1,
    `${name} ${X(rs1)}, .${off >= 0 ? "+" : ""}${off}`,
  );
}
export const cBeqz = (rs1, off) => cB(6, "c.beqz", rs1, off);
export const cBnez = (rs1, off) => cB(7, "c.bnez", rs1, off);
export function cSlli(rd, shamt) {
  checkReg(rd, "c.slli");
  checkImm(shamt, 6, false, 1, "c.slli");
  if (rd === 0 || shamt === 0) throw new RangeError("c.slli: hint");
  return h(ci(0, rd, shamt, 2), `c.slli ${X(rd)}, ${shamt}`);
}
export function cLwsp(rd, imm) {
  checkReg(rd, "c.lwsp");
  checkImm(imm, 8, false, 4, "c.lwsp");
  if (rd === 0) throw new RangeError("c.lwsp: rd 0 is reserved");
  return h(
    (2 << 13) | (bit(imm, 5) << 12) | (rd << 7) | (bits(imm, 4, 2) << 4) | (bits(imm, 7, 6) << 2) | 2,
    `c.lwsp ${X(rd)}, ${imm}(x2)`,
  );
}
export function cLdsp(rd, imm) {
  checkReg(rd, "c.ldsp");
  checkImm(imm, 9, false, 8, "c.ldsp");
  if (rd === 0) throw new RangeError("c.ldsp: rd 0 is reserved");
  return h(
    (3 << 13) | (bit(imm, 5) << 12) | (rd << 7) | (bits(imm, 4, 3) << 5) | (bits(imm, 8, 6) << 2) | 2,
    `c.ldsp ${X(rd)}, ${imm}(x2)`,
  );
}
export function cSwsp(rs2, imm) {
  checkReg(rs2, "c.swsp");
  checkImm(imm, 8, false, 4, "c.swsp");
  return h(
    (6 << 13) | (bits(imm, 5, 2) << 9) | (bits(imm, 7, 6) << 7) | (rs2 << 2) | 2,
    `c.swsp ${X(rs2)}, ${imm}(x2)`,
  );
}
export function cSdsp(rs2, imm) {
  checkReg(rs2, "c.sdsp");
  checkImm(imm, 9, false, 8, "c.sdsp");
  return h(
    (7 << 13) | (bits(imm, 5, 3) << 10) | (bits(imm, 8, 6) << 7) | (rs2 << 2) | 2,
    `c.sdsp ${X(rs2)}, ${imm}(x2)`,
  );
}
export function cJr(rs1) {
  checkReg(rs1, "c.jr");
  if (rs1 === 0) throw new RangeError("c.jr: rs1 0 is reserved");
  return h((8 << 12) | (rs1 << 7) | 2, `c.jr ${X(rs1)}`);
}
export function cJalr(rs1) {
  checkReg(rs1, "c.jalr");
  if (rs1 === 0) throw new RangeError("c.jalr: rs1 0 is c.ebreak");
  return h((9 << 12) | (rs1 << 7) | 2, `c.jalr ${X(rs1)}`);
}
export function cMv(rd, rs2) {
  checkReg(rd, "c.mv");
  checkReg(rs2, "c.mv");
  if (rd === 0 || rs2 === 0) throw new RangeError("c.mv: hint / c.jr");
  return h((8 << 12) | (rd << 7) | (rs2 << 2) | 2, `c.mv ${X(rd)}, ${X(rs2)}`);
}
export function cAdd(rd, rs2) {
  checkReg(rd, "c.add");
  checkReg(rs2, "c.add");
  if (rd === 0 || rs2 === 0) throw new RangeError("c.add: hint / c.jalr");
  return h((9 << 12) | (rd << 7) | (rs2 << 2) | 2, `c.add ${X(rd)}, ${X(rs2)}`);
}
export const cEbreak = () => h(0x9002, "c.ebreak");
