/*
 * Hot loops: the translator turns an innermost loop into a wasm loop that keeps the registers it
 * names in locals (a "loop superblock", docs/jit.md). Every way out of such a loop must put the
 * registers back first. Each test leaves its loop one way and checks every register the loop
 * wrote (run the suite with WASMVIRT_JIT=eager or lockstep to translate every loop at once):
 *  1  a counted loop with a forward branch inside (collatz steps): falls out at the end
 *  2  a load fault in iteration 50: registers written earlier in that iteration are seen by the handler
 *  3  a store to a device register (UART scratch) in every iteration
 *  4  an AMO in the loop (run by the interpreter from inside the loop), its rd used next
 *  5  a call and return inside the loop (the loop is left and re-entered in every iteration)
 *  6  a CSR access inside the loop (left to the interpreter), and an outer loop around it
 *  7  a loop of 3,000,000 iterations (the instruction budget ends it again and again)
 */
#include "test.h"
    .option norvc
TEST_NAME("loops")

#define UART_SCR (UART_BASE + 7)

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)

    /* 1: collatz steps of 1..299 summed */
    TEST 1
    li a0, 0                  /* sum of steps */
    li a1, 1                  /* n */
    li a3, 300
10: mv a2, a1
    li a4, 0                  /* steps */
    li a5, 1
11: andi t0, a2, 1
    srli t1, a2, 1
    beqz t0, 12f
    slli t1, a2, 1
    add t1, t1, a2
    addi t1, t1, 1
12: mv a2, t1
    addi a4, a4, 1
    bne a2, a5, 11b
    add a0, a0, a4
    addi a1, a1, 1
    bne a1, a3, 10b
    /* steps(n) counted as this loop does (steps(1) = 3): sum over 1..299, and steps(299) */
    CHECK a2, 1
    CHECK a4, 117
    CHECK a0, 14154
    CHECK a1, 300

    /* 2: a load fault in the 50th iteration */
    TEST 2
    la s3, table
    li s2, 0                  /* iterations started */
    li s4, 0                  /* sum of loaded values */
    li s5, 49                 /* iterations left before the bad address */
    li s6, 0x10010000         /* nothing is there (on QEMU 7.2 either): load access fault */
    EXPECT_TRAP 22f
20: addi s2, s2, 1
    mv t0, s3
    bnez s5, 21f
    mv t0, s6
21: ld t1, 0(t0)
    add s4, s4, t1
    addi s5, s5, -1
    j 20b
22: CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVAL 0x10010000
    CHECK s2, 50
    CHECK s5, 0
    CHECK t0, 0x10010000
    li t2, 49 * 5
    CHECKR s4, t2

    /* 3: a device register written in every iteration */
    TEST 3
    li s3, UART_SCR
    li s2, 0
    li s4, 200
30: sb s4, 0(s3)
    lbu t0, 0(s3)
    add s2, s2, t0
    addi s4, s4, -1
    bnez s4, 30b
    CHECK s2, 20100           /* 200 + 199 + ... + 1 */
    CHECK s4, 0

    /* 4: an AMO whose result the loop uses */
    TEST 4
    la s3, counter
    sd zero, 0(s3)
    li s2, 0
    li s4, 100
    li s5, 3
40: amoadd.d t1, s5, (s3)
    add s2, s2, t1
    addi s4, s4, -1
    bnez s4, 40b
    ld t0, 0(s3)
    CHECK t0, 300
    CHECK s2, 14850           /* 3 * (0 + 1 + ... + 99) */

    /* 5: a call and return in every iteration */
    TEST 5
    li s2, 0
    li s4, 100
50: mv a0, s4
    call square
    add s2, s2, a0
    addi s4, s4, -1
    bnez s4, 50b
    CHECK s2, 338350          /* 1^2 + ... + 100^2 */

    /* 6: a CSR access inside, then a backward branch out of the loop */
    TEST 6
    csrr s6, sscratch         /* (the S-mode trap stack; put back below) */
    csrw sscratch, zero
    li s2, 0
    li s5, 0
60: li s4, 20
61: csrrw t0, sscratch, s4
    add s2, s2, t0
    addi s4, s4, -1
    bnez s4, 61b
    addi s5, s5, 1
    li t1, 3
    bne s5, t1, 60b
    csrrw t0, sscratch, s6
    CHECK t0, 1
    /* sscratch held 0 first, then 20..2 in each round, and the previous round's 1 */
    CHECK s2, 3 * 209 + 2 * 1

    /* 7: 3,000,000 iterations */
    TEST 7
    li s2, 0
    li s4, 3000000
    li s5, 0
70: xor s5, s5, s4
    add s2, s2, s5
    addi s4, s4, -1
    bnez s4, 70b
    CHECK s4, 0
    la t0, expect7
    ld t0, 0(t0)
    CHECKR s2, t0

    ld ra, 0(sp)
    addi sp, sp, 16
    ret

square:
    mul a0, a0, a0
    ret

    .data
    .balign 8
table:
    .rept 64
    .dword 5
    .endr
counter:
    .dword 0
/* s2 after test 7: the sum over k = 3,000,000 .. 1 of x ^= k (64-bit wrap), computed in Python */
expect7:
    .dword 0x754b8f60400
