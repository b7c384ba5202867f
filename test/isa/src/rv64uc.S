/*
 * RV64C: every compressed encoding that does not need F/D, written with the assembler's
 * explicit c.* mnemonics, plus reserved/illegal compressed encodings (mtval = the 16 bits).
 */
#include "test.h"
TEST_NAME("rv64uc")

/* An illegal 16-bit encoding: cause 2, mtval = the halfword. */
.macro ILLEGAL16 n, bits
    TEST \n
    EXPECT_TRAP 90f
    .hword \bits
    j fail
90: CHECK_CAUSE CAUSE_ILLEGAL
    CHECK_TVAL \bits
.endm

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)
    sd s0, 8(sp)

    /* 1: c.addi4spn (rd' = sp + nzuimm) */
    TEST 1
    mv s0, sp
    la sp, c_buf
    c.addi4spn a0, sp, 16
    la t0, c_buf + 16
    CHECKR a0, t0
    c.addi4spn a1, sp, 1020
    la t0, c_buf + 1020
    CHECKR a1, t0
    mv sp, s0

    /* 2: c.ld / c.sd / c.lw / c.sw (rs1' based, scaled offsets, lw sign-extends) */
    TEST 2
    la a0, c_buf
    li a1, 0x8877665544332211
    c.sd a1, 0(a0)
    c.sd a1, 248(a0)
    c.ld a2, 248(a0)
    CHECKR a2, a1
    li a3, 0x00000000f0000001
    c.sw a3, 124(a0)
    c.lw a4, 124(a0)
    CHECK a4, 0xfffffffff0000001
    c.lw a4, 4(a0)
    CHECK a4, 0xffffffff88776655
    c.ld a5, 0(a0)
    CHECKR a5, a1

    /* 3: c.nop, c.addi (negative too), c.addiw (sign-extends), c.li */
    TEST 3
    c.nop
    li a0, 10
    c.addi a0, 31
    CHECK a0, 41
    c.addi a0, -32
    CHECK a0, 9
    li a0, 0x7fffffff
    c.addiw a0, 1
    CHECK a0, 0xffffffff80000000
    li a0, 0x100000005
    c.addiw a0, 0             /* sext.w */
    CHECK a0, 5
    c.li a0, -32
    CHECK a0, -32
    c.li a0, 31
    CHECK a0, 31

    /* 4: c.addi16sp, c.lui (sign extension from bit 17) */
    TEST 4
    mv s0, sp
    c.addi16sp sp, -512
    addi t0, s0, -512
    CHECKR sp, t0
    c.addi16sp sp, 496
    addi t0, s0, -16
    CHECKR sp, t0
    mv sp, s0
    c.lui a0, 1
    CHECK a0, 0x1000
    c.lui a0, 0x1f
    CHECK a0, 0x1f000
    c.lui a0, 0xfffe0         /* nzimm = -32 -> 0xfffffffffffe0000 */
    CHECK a0, 0xfffffffffffe0000

    /* 5: c.srli / c.srai / c.andi / c.slli (shamt up to 63) */
    TEST 5
    li a0, 0x8000000000000010
    c.srli a0, 4
    CHECK a0, 0x0800000000000001
    li a0, 0x8000000000000010
    c.srai a0, 4
    CHECK a0, 0xf800000000000001
    li a0, 0x8000000000000000
    c.srli a0, 63
    CHECK a0, 1
    li a0, 0x8000000000000000
    c.srai a0, 63
    CHECK a0, -1
    li a0, 0x12345678
    c.andi a0, -16
    CHECK a0, 0x12345670
    li a0, -1
    c.andi a0, 0x1f
    CHECK a0, 0x1f
    li a0, 1
    c.slli a0, 63
    CHECK a0, 0x8000000000000000
    li a0, 3
    c.slli a0, 32
    CHECK a0, 0x300000000

    /* 6: c.sub c.xor c.or c.and c.subw c.addw */
    TEST 6
    li a0, 100
    li a1, 58
    c.sub a0, a1
    CHECK a0, 42
    li a0, 0xff00
    li a1, 0x0ff0
    c.xor a0, a1
    CHECK a0, 0xf0f0
    li a0, 0xff00
    c.or a0, a1
    CHECK a0, 0xfff0
    li a0, 0xff00
    c.and a0, a1
    CHECK a0, 0x0f00
    li a0, 0x80000000
    li a1, 1
    c.subw a0, a1
    CHECK a0, 0x7fffffff
    li a0, 0x7fffffff
    c.addw a0, a1
    CHECK a0, 0xffffffff80000000

    /* 7: c.j forward/backward, c.beqz, c.bnez */
    TEST 7
    li a0, 0
    c.j 1f
    j fail
2:  addi a0, a0, 1
    c.j 3f
1:  c.j 2b
3:  CHECK a0, 1
    li a1, 0
    c.beqz a1, 4f
    j fail
4:  c.bnez a1, fail_near
    li a1, 5
    c.bnez a1, 5f
    j fail
5:  c.beqz a1, fail_near
    li a1, 3                  /* backward c.bnez loop */
6:  addi a1, a1, -1
    c.bnez a1, 6b
    CHECK a1, 0

    /* 8: c.mv, c.add, c.jr, c.jalr (links pc + 2) */
    TEST 8
    li a1, 0x123
    c.mv a0, a1
    CHECK a0, 0x123
    c.add a0, a1
    CHECK a0, 0x246
    la t0, 1f
    c.jr t0
    j fail
1:  la t0, 2f
    c.jalr t0
3:  j 4f
2:  la t1, 3b
    CHECKR ra, t1
    c.jr ra
4:

    /* 9: c.lwsp / c.ldsp / c.swsp / c.sdsp */
    TEST 9
    mv s0, sp
    la sp, c_buf
    li a0, 0x0123456789abcdef
    c.sdsp a0, 504(sp)
    c.ldsp a1, 504(sp)
    CHECKR a1, a0
    c.swsp a0, 252(sp)
    c.lwsp a2, 252(sp)
    mv sp, s0
    CHECK a2, 0xffffffff89abcdef

    /* 10: c.ebreak: cause 3, mepc = its address, tval 0 */
    TEST 10
    EXPECT_TRAP 2f
1:  c.ebreak
    j fail
2:  CHECK_CAUSE CAUSE_BREAKPOINT
    CHECK_TVAL 0
    ld t0, trap_epc
    la t1, 1b
    CHECKR t0, t1

    /* 11..: reserved / illegal compressed encodings */
    ILLEGAL16 11, 0x0000      /* all-zero halfword */
    ILLEGAL16 12, 0x0008      /* c.addi4spn s0, sp, 0 (nzuimm = 0) */
    ILLEGAL16 13, 0x6101      /* c.addi16sp sp, 0 */
    ILLEGAL16 14, 0x6501      /* c.lui a0, 0 */
    ILLEGAL16 15, 0x2001      /* c.addiw x0, 0 */
    ILLEGAL16 16, 0x4002      /* c.lwsp x0, 0(sp) */
    ILLEGAL16 17, 0x6002      /* c.ldsp x0, 0(sp) */
    ILLEGAL16 18, 0x8002      /* c.jr x0 */
    ILLEGAL16 19, 0x9c41      /* reserved: funct6 100111 with funct2 10 */
    ILLEGAL16 20, 0x9c61      /* reserved: funct6 100111 with funct2 11 */

    ld s0, 8(sp)
    ld ra, 0(sp)
    addi sp, sp, 16
    ret
fail_near:
    j fail

    .data
    .align 4
c_buf:
    .space 1040
