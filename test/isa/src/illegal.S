/*
 * Illegal 32-bit encodings: each raises illegal-instruction with mtval = the instruction bits,
 * and execution resumes normally. Only encodings that are illegal both for an RV64IMAC hart and
 * for QEMU 7.2's default CPU (which also has F/D/H/Zba/Zbb/Zbc/Zbs) are listed. Compressed
 * illegal encodings are in rv64uc.S.
 */
#include "test.h"
    .option norvc
TEST_NAME("illegal")

.macro ILLEGAL32 n, bits
    TEST \n
    EXPECT_TRAP 90f
89: .word \bits
    j fail
90: CHECK_CAUSE CAUSE_ILLEGAL
    CHECK_TVAL \bits
    ld t5, trap_epc
    la t6, 89b
    bne t5, t6, fail
.endm

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)
    csrr a0, mstatus          /* FS is Off from reset: FP encodings are illegal too */
    srli a0, a0, 13
    andi a0, a0, 3
    CHECK a0, 0

    ILLEGAL32 1, 0x00000000   /* all zero */
    ILLEGAL32 2, 0xffffffff   /* all ones */
    ILLEGAL32 3, 0x0000000b   /* custom-0 */
    ILLEGAL32 4, 0x0000002b   /* custom-1 */
    ILLEGAL32 5, 0x0000005b   /* custom-2 */
    ILLEGAL32 6, 0x0000007b   /* custom-3 */
    ILLEGAL32 7, 0x00007003   /* LOAD funct3 7 */
    ILLEGAL32 8, 0x00004023   /* STORE funct3 4 */
    ILLEGAL32 9, 0x00007023   /* STORE funct3 7 */
    ILLEGAL32 10, 0x00002063  /* BRANCH funct3 2 */
    ILLEGAL32 11, 0x00003063  /* BRANCH funct3 3 */
    ILLEGAL32 12, 0x00001067  /* JALR funct3 1 */
    ILLEGAL32 13, 0x04000033  /* OP funct7 0x02 */
    ILLEGAL32 14, 0x40001033  /* OP funct7 0x20 funct3 1 */
    ILLEGAL32 15, 0x40003033  /* OP funct7 0x20 funct3 3 */
    ILLEGAL32 16, 0x0000201b  /* OP-IMM-32 funct3 2 */
    ILLEGAL32 17, 0x0200101b  /* slliw with shamt[5] set */
    ILLEGAL32 18, 0x0200203b  /* OP-32 funct7 0x01 funct3 1..3 (mulw is 0, divw 4..remuw 7) */
    ILLEGAL32 19, 0x0200103b
    ILLEGAL32 20, 0x4000103b  /* OP-32 funct7 0x20 funct3 1 */
    ILLEGAL32 21, 0x00004073  /* SYSTEM funct3 4 */
    ILLEGAL32 22, 0x00300073  /* SYSTEM funct12 3 */
    ILLEGAL32 23, 0x00200073  /* uret (N extension, gone) */
    ILLEGAL32 24, 0x0000002f  /* AMO on bytes */
    ILLEGAL32 25, 0x0000102f  /* AMO on halves */
    ILLEGAL32 26, 0x2800302f  /* AMO funct5 00101 */
    ILLEGAL32 27, 0x00000053  /* fadd.s with FS = Off */
    ILLEGAL32 28, 0x00002007  /* flw with FS = Off */
    ILLEGAL32 29, 0x00302073  /* csrr x0, fcsr with FS = Off */
    ILLEGAL32 30, 0x0000001f  /* 48-bit length prefix */
    ILLEGAL32 31, 0x0000003f  /* 64-bit length prefix */
    ILLEGAL32 32, 0x0000006b  /* reserved major opcode 11010 */
    ILLEGAL32 33, 0x00000057  /* OP-V */
    ILLEGAL32 34, 0x0000500f  /* MISC-MEM funct3 5 */
    ILLEGAL32 35, 0x10400073  /* SYSTEM funct7 0x08 rs2 4 (unassigned) */
    ILLEGAL32 36, 0x0000303b  /* OP-32 funct7 0 funct3 3 */

    ld ra, 0(sp)
    addi sp, sp, 16
    ret
