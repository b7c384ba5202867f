/*
 * RV64A: LR/SC (.w/.d) and every AMO in .w and .d form. Checks the value returned (sign-extended
 * for .w), the value left in memory (and that a .w leaves the neighbouring word alone), the SC
 * failure rules (store to the reserved address, no reservation, second SC) and misaligned traps.
 */
#include "test.h"
    .option norvc
TEST_NAME("rv64ua")

/* 64-bit AMO: memory init, rs2 operand -> rd must be init, memory must be new */
.macro AMOD op, init, operand, new
    li t0, \init
    sd t0, 0(s0)
    li a2, \operand
    \op a0, a2, (s0)
    CHECK a0, \init
    ld a1, 0(s0)
    CHECK a1, \new
.endm
/* 32-bit AMO on the low word of a dword whose high word is a sentinel. */
.macro AMOW op, init, operand, old, new
    li t0, 0xa5a5a5a500000000 | \init
    sd t0, 0(s0)
    li a2, \operand
    \op a0, a2, (s0)
    CHECK a0, \old
    ld a1, 0(s0)
    CHECK a1, 0xa5a5a5a500000000 | \new
.endm

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)
    la s0, amo_buf

    /* 1: lr.d / sc.d success: sc writes 0 and stores */
    TEST 1
    li t0, 0x1111222233334444
    sd t0, 0(s0)
    lr.d a0, (s0)
    CHECK a0, 0x1111222233334444
    li a1, 0x5555666677778888
    sc.d a2, a1, (s0)
    CHECK a2, 0
    ld a0, 0(s0)
    CHECK a0, 0x5555666677778888

    /* 2: a second sc without a new lr fails (writes 1, memory unchanged) */
    TEST 2
    li a1, 0x99
    sc.d a2, a1, (s0)
    CHECK a2, 1
    ld a0, 0(s0)
    CHECK a0, 0x5555666677778888

    /* 3: lr.w sign-extends; sc.w stores 32 bits only */
    TEST 3
    li t0, 0x12345678fedcba98
    sd t0, 0(s0)
    lr.w a0, (s0)
    CHECK a0, 0xfffffffffedcba98
    li a1, 0xffffffff00000001
    sc.w a2, a1, (s0)
    CHECK a2, 0
    ld a0, 0(s0)
    CHECK a0, 0x1234567800000001

    /* 4: a store by this hart to the reserved address clears the reservation */
    TEST 4
    sd zero, 0(s0)
    lr.d a0, (s0)
    li t0, 7
    sd t0, 0(s0)
    li a1, 9
    sc.d a2, a1, (s0)
    CHECK a2, 1
    ld a0, 0(s0)
    CHECK a0, 7
    lr.w a0, (s0)
    sw zero, 0(s0)
    sc.w a2, a1, (s0)
    CHECK a2, 1
    ld a0, 0(s0)
    CHECK a0, 0

    /* 5: sc with no reservation at all (after a trap-free sequence that consumed it) */
    TEST 5
    li a1, 3
    sc.w a2, a1, (s0)
    CHECK a2, 1
    lw a0, 0(s0)
    CHECK a0, 0

    /* 6: LR/SC with the aq/rl bits, and a retry loop as compilers emit it */
    TEST 6
    sd zero, 0(s0)
    li a3, 5
1:  lr.d.aq a0, (s0)
    addi a0, a0, 1
    sc.d.rl a2, a0, (s0)
    bnez a2, 1b
    addi a3, a3, -1
    bnez a3, 1b
    ld a0, 0(s0)
    CHECK a0, 5
    lr.w.aqrl a0, (s0)
    sc.w.aqrl a2, zero, (s0)
    CHECK a2, 0

    /* 10..18: AMO .d */
    TEST 10
    AMOD amoswap.d, 0x0123456789abcdef, 0xfedcba9876543210, 0xfedcba9876543210
    TEST 11
    AMOD amoadd.d, 0x7fffffffffffffff, 1, 0x8000000000000000
    AMOD amoadd.d, 0xffffffffffffffff, 2, 1
    TEST 12
    AMOD amoxor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xf0f0f0f0f0f0f0f0
    TEST 13
    AMOD amoand.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0x0f000f000f000f00
    TEST 14
    AMOD amoor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xfff0fff0fff0fff0
    TEST 15
    AMOD amomin.d, 0xffffffffffffffff, 1, 0xffffffffffffffff
    AMOD amomin.d, 5, 0x8000000000000000, 0x8000000000000000
    TEST 16
    AMOD amomax.d, 0xffffffffffffffff, 1, 1
    AMOD amomax.d, 5, 0x8000000000000000, 5
    TEST 17
    AMOD amominu.d, 0xffffffffffffffff, 1, 1
    AMOD amominu.d, 5, 0x8000000000000000, 5
    TEST 18
    AMOD amomaxu.d, 0xffffffffffffffff, 1, 0xffffffffffffffff
    AMOD amomaxu.d, 5, 0x8000000000000000, 0x8000000000000000

    /* 20..28: AMO .w: old value sign-extended, 32-bit arithmetic, high word untouched */
    TEST 20
    AMOW amoswap.w, 0x80000001, 0x1234567876543210, 0xffffffff80000001, 0x76543210
    TEST 21
    AMOW amoadd.w, 0x7fffffff, 1, 0x7fffffff, 0x80000000
    AMOW amoadd.w, 0xffffffff, 0xffffffff00000002, 0xffffffffffffffff, 0x00000001
    TEST 22
    AMOW amoxor.w, 0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0xf0f0f0f0
    TEST 23
    AMOW amoand.w, 0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0x0f000f00
    TEST 24
    AMOW amoor.w, 0x0f00ff00, 0x0ff00ff0, 0x0f00ff00, 0x0ff0fff0
    TEST 25                   /* signed 32-bit compare: 0xffffffff is -1 */
    AMOW amomin.w, 0xffffffff, 1, 0xffffffffffffffff, 0xffffffff
    AMOW amomin.w, 5, 0x0000000180000000, 5, 0x80000000
    TEST 26
    AMOW amomax.w, 0xffffffff, 1, 0xffffffffffffffff, 1
    AMOW amomax.w, 5, 0xffffffff00000007, 5, 7
    TEST 27
    AMOW amominu.w, 0xffffffff, 1, 0xffffffffffffffff, 1
    AMOW amominu.w, 5, 0x0000000180000000, 5, 5
    TEST 28
    AMOW amomaxu.w, 0xffffffff, 1, 0xffffffffffffffff, 0xffffffff
    AMOW amomaxu.w, 5, 0x0000000080000000, 5, 0x80000000

    /* 29: rd == x0 still performs the update; rd == rs2 gets the old value */
    TEST 29
    li t0, 10
    sd t0, 0(s0)
    li a2, 5
    amoadd.d zero, a2, (s0)
    ld a0, 0(s0)
    CHECK a0, 15
    amoadd.d a2, a2, (s0)
    CHECK a2, 15
    ld a0, 0(s0)
    CHECK a0, 20
    /* an AMO to the reserved address also kills the reservation */
    lr.d a0, (s0)
    amoadd.d zero, a2, (s0)
    sc.d a1, a2, (s0)
    CHECK a1, 1

    /* 30..35: misaligned LR/SC/AMO trap (QEMU: cause 4 for LR and AMOs, tval = address) */
    TEST 30
    addi s1, s0, 4
    EXPECT_TRAP 1f
    lr.d a0, (s1)
    j fail
1:  CHECK_CAUSE CAUSE_MISALIGNED_LOAD
    CHECK_TVALR s1
    TEST 31
    addi s1, s0, 2
    EXPECT_TRAP 1f
    lr.w a0, (s1)
    j fail
1:  CHECK_CAUSE CAUSE_MISALIGNED_LOAD
    CHECK_TVALR s1
    TEST 32
    addi s1, s0, 4
    EXPECT_TRAP 1f
    amoadd.d a0, a0, (s1)
    j fail
1:  CHECK_CAUSE CAUSE_MISALIGNED_LOAD
    CHECK_TVALR s1
    TEST 33
    addi s1, s0, 1
    EXPECT_TRAP 1f
    amoswap.w a0, a0, (s1)
    j fail
1:  CHECK_CAUSE CAUSE_MISALIGNED_LOAD
    CHECK_TVALR s1
    /* 34: a misaligned SC without a reservation just fails on QEMU (no trap: the
       reservation address is compared before any memory access) */
    TEST 34
    addi s1, s0, 4
    CLEAR_TRAPS
    li a0, 77
    sc.d a0, a0, (s1)
    CHECK a0, 1
    CHECK_TRAPS 0

    /* 36: an aligned .w at offset 4 is fine */
    TEST 36
    li t0, 0x0000000300000000
    sd t0, 0(s0)
    addi s1, s0, 4
    li a2, 4
    amoadd.w a0, a2, (s1)
    CHECK a0, 3
    ld a0, 0(s0)
    CHECK a0, 0x0000000700000000

    ld ra, 0(sp)
    addi sp, sp, 16
    ret

    .data
    .align 4
amo_buf:
    .space 32
