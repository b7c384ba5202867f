// RV64C: each 16-bit encoding is expanded to the 32-bit instruction it stands for, so one
// decoder executes both. Reserved encodings expand to 0 (illegal instruction).

@inline function encR(op: u32, rd: u32, f3: u32, rs1: u32, rs2: u32, f7: u32): u32 {
  return op | (rd << 7) | (f3 << 12) | (rs1 << 15) | (rs2 << 20) | (f7 << 25);
}
@inline function encI(op: u32, rd: u32, f3: u32, rs1: u32, imm: i32): u32 {
  return op | (rd << 7) | (f3 << 12) | (rs1 << 15) | ((<u32>imm & 0xfff) << 20);
}
@inline function encS(op: u32, f3: u32, rs1: u32, rs2: u32, imm: i32): u32 {
  const u = <u32>imm;
  return op | ((u & 0x1f) << 7) | (f3 << 12) | (rs1 << 15) | (rs2 << 20) | (((u >> 5) & 0x7f) << 25);
}
@inline function encB(f3: u32, rs1: u32, rs2: u32, imm: i32): u32 {
  const u = <u32>imm;
  return 0x63 | (((u >> 11) & 1) << 7) | (((u >> 1) & 0xf) << 8) | (f3 << 12) | (rs1 << 15) | (rs2 << 20) |
    (((u >> 5) & 0x3f) << 25) | (((u >> 12) & 1) << 31);
}
@inline function encJ(rd: u32, imm: i32): u32 {
  const u = <u32>imm;
  return 0x6f | (rd << 7) | (((u >> 12) & 0xff) << 12) | (((u >> 11) & 1) << 20) | (((u >> 1) & 0x3ff) << 21) |
    (((u >> 20) & 1) << 31);
}
@inline function bit(c: u32, n: u32): u32 { return (c >> n) & 1; }
@inline function sext(v: u32, bits: i32): i32 { return (<i32>(v << (32 - bits))) >> (32 - bits); }

export function expandCompressed(c: u32): u32 {
  const op = c & 3;
  const f3 = (c >> 13) & 7;
  const rdp = ((c >> 2) & 7) + 8;      // rd' / rs2'
  const rs1p = ((c >> 7) & 7) + 8;     // rs1' / rd'
  const rd = (c >> 7) & 31;
  const rs2 = (c >> 2) & 31;
  if (op == 0) {
    switch (f3) {
      case 0: { // c.addi4spn
        const imm = (((c >> 11) & 3) << 4) | (((c >> 7) & 0xf) << 6) | (bit(c, 6) << 2) | (bit(c, 5) << 3);
        if (imm == 0) return 0;
        return encI(0x13, rdp, 0, 2, <i32>imm);
      }
      case 1: { // c.fld
        const imm = (((c >> 10) & 7) << 3) | (((c >> 5) & 3) << 6);
        return encI(0x07, rdp, 3, rs1p, <i32>imm);
      }
      case 2: { // c.lw
        const imm = (((c >> 10) & 7) << 3) | (bit(c, 6) << 2) | (bit(c, 5) << 6);
        return encI(0x03, rdp, 2, rs1p, <i32>imm);
      }
      case 3: { // c.ld
        const imm = (((c >> 10) & 7) << 3) | (((c >> 5) & 3) << 6);
        return encI(0x03, rdp, 3, rs1p, <i32>imm);
      }
      case 5: { // c.fsd
        const imm = (((c >> 10) & 7) << 3) | (((c >> 5) & 3) << 6);
        return encS(0x27, 3, rs1p, rdp, <i32>imm);
      }
      case 6: { // c.sw
        const imm = (((c >> 10) & 7) << 3) | (bit(c, 6) << 2) | (bit(c, 5) << 6);
        return encS(0x23, 2, rs1p, rdp, <i32>imm);
      }
      case 7: { // c.sd
        const imm = (((c >> 10) & 7) << 3) | (((c >> 5) & 3) << 6);
        return encS(0x23, 3, rs1p, rdp, <i32>imm);
      }
      default: return 0;
    }
  }
  if (op == 1) {
    const imm6 = sext((bit(c, 12) << 5) | ((c >> 2) & 0x1f), 6);
    switch (f3) {
      case 0: return encI(0x13, rd, 0, rd, imm6);                 // c.addi / c.nop
      case 1: if (rd == 0) return 0; return encI(0x1b, rd, 0, rd, imm6);   // c.addiw
      case 2: return encI(0x13, rd, 0, 0, imm6);                  // c.li
      case 3: {
        if (rd == 2) { // c.addi16sp
          const imm = sext((bit(c, 12) << 9) | (bit(c, 6) << 4) | (bit(c, 5) << 6) | (((c >> 3) & 3) << 7) | (bit(c, 2) << 5), 10);
          if (imm == 0) return 0;
          return encI(0x13, 2, 0, 2, imm);
        }
        if (imm6 == 0) return 0;                                  // c.lui with zero immediate is reserved
        return 0x37 | (rd << 7) | ((<u32>imm6 & 0xfffff) << 12);  // c.lui
      }
      case 4: {
        const f2 = (c >> 10) & 3;
        const shamt = (bit(c, 12) << 5) | ((c >> 2) & 0x1f);
        if (f2 == 0) return encI(0x13, rs1p, 5, rs1p, <i32>shamt);              // c.srli
        if (f2 == 1) return encI(0x13, rs1p, 5, rs1p, <i32>(shamt | 0x400));    // c.srai
        if (f2 == 2) return encI(0x13, rs1p, 7, rs1p, imm6);                     // c.andi
        const sub = (c >> 5) & 3;
        if (bit(c, 12) == 0) {
          if (sub == 0) return encR(0x33, rs1p, 0, rs1p, rdp, 0x20);   // c.sub
          if (sub == 1) return encR(0x33, rs1p, 4, rs1p, rdp, 0);      // c.xor
          if (sub == 2) return encR(0x33, rs1p, 6, rs1p, rdp, 0);      // c.or
          return encR(0x33, rs1p, 7, rs1p, rdp, 0);                    // c.and
        }
        if (sub == 0) return encR(0x3b, rs1p, 0, rs1p, rdp, 0x20);     // c.subw
        if (sub == 1) return encR(0x3b, rs1p, 0, rs1p, rdp, 0);        // c.addw
        return 0;
      }
      case 5: { // c.j
        const imm = sext((bit(c, 12) << 11) | (bit(c, 11) << 4) | (((c >> 9) & 3) << 8) | (bit(c, 8) << 10) |
          (bit(c, 7) << 6) | (bit(c, 6) << 7) | (((c >> 3) & 7) << 1) | (bit(c, 2) << 5), 12);
        return encJ(0, imm);
      }
      default: { // c.beqz / c.bnez
        const imm = sext((bit(c, 12) << 8) | (((c >> 10) & 3) << 3) | (((c >> 5) & 3) << 6) | (((c >> 3) & 3) << 1) |
          (bit(c, 2) << 5), 9);
        return encB(f3 == 6 ? 0 : 1, rs1p, 0, imm);
      }
    }
  }
  if (op == 2) {
    switch (f3) {
      case 0: { // c.slli
        const shamt = (bit(c, 12) << 5) | ((c >> 2) & 0x1f);
        return encI(0x13, rd, 1, rd, <i32>shamt);
      }
      case 1: { // c.fldsp
        const imm = (bit(c, 12) << 5) | (((c >> 5) & 3) << 3) | (((c >> 2) & 7) << 6);
        return encI(0x07, rd, 3, 2, <i32>imm);
      }
      case 2: { // c.lwsp
        if (rd == 0) return 0;
        const imm = (bit(c, 12) << 5) | (((c >> 4) & 7) << 2) | (((c >> 2) & 3) << 6);
        return encI(0x03, rd, 2, 2, <i32>imm);
      }
      case 3: { // c.ldsp
        if (rd == 0) return 0;
        const imm = (bit(c, 12) << 5) | (((c >> 5) & 3) << 3) | (((c >> 2) & 7) << 6);
        return encI(0x03, rd, 3, 2, <i32>imm);
      }
      case 4: {
        if (bit(c, 12) == 0) {
          if (rs2 == 0) { if (rd == 0) return 0; return encI(0x67, 0, 0, rd, 0); }   // c.jr
          return encR(0x33, rd, 0, 0, rs2, 0);                                       // c.mv
        }
        if (rs2 == 0) {
          if (rd == 0) return 0x00100073;                                            // c.ebreak
          return encI(0x67, 1, 0, rd, 0);                                            // c.jalr
        }
        return encR(0x33, rd, 0, rd, rs2, 0);                                        // c.add
      }
      case 5: { // c.fsdsp
        const imm = (((c >> 10) & 7) << 3) | (((c >> 7) & 7) << 6);
        return encS(0x27, 3, 2, rs2, <i32>imm);
      }
      case 6: { // c.swsp
        const imm = (((c >> 9) & 0xf) << 2) | (((c >> 7) & 3) << 6);
        return encS(0x23, 2, 2, rs2, <i32>imm);
      }
      default: { // c.sdsp
        const imm = (((c >> 10) & 7) << 3) | (((c >> 7) & 7) << 6);
        return encS(0x23, 3, 2, rs2, <i32>imm);
      }
    }
  }
  return 0;
}
