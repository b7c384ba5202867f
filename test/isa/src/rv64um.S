/*
 * RV64M: mul/mulh/mulhsu/mulhu/mulw, div/divu/rem/remu and the W forms. The generated tables
 * cover every pair of edge values; the special cases the spec defines are also spelled out here.
 */
#include "test.h"
#include "alu.h"
    .option norvc
TEST_NAME("rv64um")

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)

    /* 1: division by zero: quotient all ones, remainder = dividend */
    TEST 1
    li a1, 1234
    div a0, a1, zero
    CHECK a0, -1
    divu a0, a1, zero
    CHECK a0, -1
    rem a0, a1, zero
    CHECK a0, 1234
    remu a0, a1, zero
    CHECK a0, 1234
    /* 2: W forms by zero: the 32-bit dividend, sign-extended */
    TEST 2
    li a1, 0x1234567880000001
    divw a0, a1, zero
    CHECK a0, -1
    divuw a0, a1, zero
    CHECK a0, -1
    remw a0, a1, zero
    CHECK a0, 0xffffffff80000001
    remuw a0, a1, zero
    CHECK a0, 0xffffffff80000001
    /* 3: signed overflow: MIN / -1 = MIN, MIN % -1 = 0 */
    TEST 3
    li a1, 0x8000000000000000
    li a2, -1
    div a0, a1, a2
    CHECKR a0, a1
    rem a0, a1, a2
    CHECK a0, 0
    li a1, 0x0000000080000000
    divw a0, a1, a2
    CHECK a0, 0xffffffff80000000
    remw a0, a1, a2
    CHECK a0, 0
    /* 4: rounding toward zero and remainder sign follows the dividend */
    TEST 4
    li a1, -7
    li a2, 2
    div a0, a1, a2
    CHECK a0, -3
    rem a0, a1, a2
    CHECK a0, -1
    li a1, 7
    li a2, -2
    div a0, a1, a2
    CHECK a0, -3
    rem a0, a1, a2
    CHECK a0, 1
    /* 5: the high halves */
    TEST 5
    li a1, -1
    li a2, -1
    mulh a0, a1, a2
    CHECK a0, 0
    mulhu a0, a1, a2
    CHECK a0, -2
    mulhsu a0, a1, a2
    CHECK a0, -1
    li a1, 0x8000000000000000
    mulh a0, a1, a1
    CHECK a0, 0x4000000000000000
    /* 6: W ops ignore the upper operand halves */
    TEST 6
    li a1, 0xdeadbeef00000003
    li a2, 0x1234567800000005
    mulw a0, a1, a2
    CHECK a0, 15
    li a1, 0x0000000100000000
    divuw a0, a2, a1          /* 5 / 0 (low word of a1 is 0) */
    CHECK a0, -1
    /* 7: aliasing */
    TEST 7
    li a0, 12
    mul a0, a0, a0
    CHECK a0, 144
    li a0, 144
    div a0, a0, a0
    CHECK a0, 1

    call rr_tests
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

#include "rv64um_gen.inc"
