/*
 * RV64I: every base instruction. ALU register/immediate forms come from the generated
 * tables (gen/vectors.py); control transfer, loads/stores, x0 and aliasing are written out here.
 */
#include "test.h"
#include "alu.h"
    .option norvc           /* the 32-bit encodings are what this program tests */
TEST_NAME("rv64ui")

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)

    /* 1: lui (sign extension of bit 31 into the upper half) */
    TEST 1
    lui a0, 0x12345
    CHECK a0, 0x12345000
    lui a0, 0x80000
    CHECK a0, 0xffffffff80000000
    lui a0, 0xfffff
    CHECK a0, 0xfffffffffffff000
    lui a0, 0x7ffff
    CHECK a0, 0x7ffff000

    /* 2: auipc is relative to its own address */
    TEST 2
1:  auipc a0, 0
    la a1, 1b
    CHECKR a0, a1
2:  auipc a0, 0x1
    la a1, 2b
    li t0, 0x1000
    add a1, a1, t0
    CHECKR a0, a1
3:  auipc a0, 0xfffff        /* -0x1000 */
    la a1, 3b
    li t0, -0x1000
    add a1, a1, t0
    CHECKR a0, a1

    /* 3: jal links pc+4, jumps forward and backward */
    TEST 3
    li a0, 0
    jal ra, 1f
4:  addi a0, a0, 100          /* must not run before 1f */
    j 5f
1:  la t0, 4b
    CHECKR ra, t0
    addi a0, a0, 1
    jal x0, 6f
7:  addi a0, a0, 10
    j 8f
6:  j 7b
8:  CHECK a0, 11
    j 9f
5:  j fail
9:

    /* 4: jalr: offset added, bit 0 cleared, rd == rs1 uses the old rs1 */
    TEST 4
    la t0, 1f
    jalr t1, 0(t0)
    j fail
1:  la t2, 1b - 4
    CHECKR t1, t2             /* link = address after the jalr */
    la t0, 2f - 3             /* odd target after adding 4 -> bit 0 cleared (2f is even) */
    jalr t1, 4(t0)
    j fail
2:  la t0, 3f
    jalr t0, 0(t0)            /* rd == rs1 */
    j fail
3:  la t2, 3b - 4
    CHECKR t0, t2
    la t0, 4f
    jalr x0, -8(t0)
    j fail
    j 5f                      /* 4f - 8 lands here */
    j fail
4:  j fail
5:

    /* 5..10: branches taken / not taken, signed vs unsigned */
    TEST 5
    li a1, 5
    li a2, 5
    li a3, -1
    beq a1, a2, 1f
    j fail
1:  beq a1, a3, fail
    TEST 6
    bne a1, a3, 1f
    j fail
1:  bne a1, a2, fail
    TEST 7
    blt a3, a1, 1f            /* -1 < 5 signed */
    j fail
1:  blt a1, a3, fail
    blt a1, a2, fail
    TEST 8
    bge a1, a3, 1f
    j fail
1:  bge a1, a2, 2f
    j fail
2:  bge a3, a1, fail
    TEST 9
    bltu a1, a3, 1f           /* 5 < 0xffff... unsigned */
    j fail
1:  bltu a3, a1, fail
    bltu a1, a2, fail
    TEST 10
    bgeu a3, a1, 1f
    j fail
1:  bgeu a1, a2, 2f
    j fail
2:  bgeu a1, a3, fail
    li a4, 0x8000000000000000
    li a5, 0x7fffffffffffffff
    blt a5, a4, fail
    bltu a4, a5, fail
    /* backward taken branch loop */
    li a0, 0
    li a1, 10
1:  addi a0, a0, 1
    bne a0, a1, 1b
    CHECK a0, 10

    /* 11..14: loads sign/zero extend, stores write exactly their width */
    TEST 11
    la s0, ldst_buf
    li t0, 0x8182838485868788
    sd t0, 0(s0)
    li t0, 0x7172737475767778
    sd t0, 8(s0)
    lb a0, 0(s0)
    CHECK a0, 0xffffffffffffff88
    lbu a0, 0(s0)
    CHECK a0, 0x88
    lb a0, 15(s0)
    CHECK a0, 0x71
    lh a0, 6(s0)
    CHECK a0, 0xffffffffffff8182
    lhu a0, 6(s0)
    CHECK a0, 0x8182
    lh a0, 8(s0)
    CHECK a0, 0x7778
    lw a0, 4(s0)
    CHECK a0, 0xffffffff81828384
    lwu a0, 4(s0)
    CHECK a0, 0x81828384
    lw a0, 12(s0)
    CHECK a0, 0x71727374
    ld a0, 0(s0)
    CHECK a0, 0x8182838485868788
    TEST 12
    li t0, 0xa1a2a3a4a5a6a7a8
    sb t0, 1(s0)
    ld a0, 0(s0)
    CHECK a0, 0x818283848586a888
    sh t0, 2(s0)
    ld a0, 0(s0)
    CHECK a0, 0x81828384a7a8a888
    sw t0, 4(s0)
    ld a0, 0(s0)
    CHECK a0, 0xa5a6a7a8a7a8a888
    sd t0, 8(s0)
    ld a0, 8(s0)
    CHECK a0, 0xa1a2a3a4a5a6a7a8
    TEST 13                   /* negative offsets */
    addi s1, s0, 16
    ld a0, -8(s1)
    CHECK a0, 0xa1a2a3a4a5a6a7a8
    li t0, 0x55
    sb t0, -16(s1)
    lbu a0, -16(s1)
    CHECK a0, 0x55
    li t0, -2048
    add s2, s0, t0
    li t0, 0x1122334455667788
    sd t0, 2040(s2)           /* = s0 - 8 */
    ld a0, -8(s0)
    CHECK a0, 0x1122334455667788
    TEST 14                   /* load into the base register */
    mv a0, s0
    ld a0, 0(a0)
    CHECK a0, 0xa5a6a7a8a7a8a855

    /* 15: x0 ignores writes and reads as zero */
    TEST 15
    li t0, 123
    add x0, t0, t0
    addi x0, x0, 5
    lui x0, 0x12345
    ld x0, 0(s0)
    mv a0, x0
    CHECK a0, 0
    sub a0, x0, t0
    CHECK a0, -123
    jal x0, 1f
1:  mv a0, zero
    CHECK a0, 0

    /* 16: aliasing rd == rs1 == rs2 */
    TEST 16
    li a0, 21
    add a0, a0, a0
    CHECK a0, 42
    li a0, 3
    sll a0, a0, a0
    CHECK a0, 24
    li a0, -1
    srlw a0, a0, a0           /* shift by 31 of 0xffffffff */
    CHECK a0, 1

    /* 17: fence / fence.i; self-modifying code becomes visible after fence.i */
    TEST 17
    fence
    fence rw, rw
    fence.i
    la t0, smc_site
    li t1, 0x00700513         /* addi a0, x0, 7 */
    sw t1, 0(t0)
    fence.i
    li a0, 0
    call smc_site
    CHECK a0, 7
    la t0, smc_site
    li t1, 0x00900513         /* addi a0, x0, 9 */
    sw t1, 0(t0)
    fence.i
    call smc_site
    CHECK a0, 9

    /* 18: nop-like hints and the 32-bit wrap behaviour of W ops on huge values */
    TEST 18
    li a0, 0x7fffffff
    addiw a0, a0, 1
    CHECK a0, 0xffffffff80000000
    li a0, 0xffffffff00000005
    addiw a0, a0, 0           /* sext.w */
    CHECK a0, 5

    /* 19: fence.i after modifying an instruction later in the same straight-line run */
    TEST 19
    la t0, 1f
    li t1, 0x00200513         /* addi a0, x0, 2 */
    li a0, 0
    sw t1, 0(t0)
    fence.i
1:  addi a0, x0, 1
    CHECK a0, 2
    /* 20: a 32-bit instruction straddling a physical page boundary (halves in two pages) */
    TEST 20
    la s0, smc_pages + 4096 - 2
    li t1, 0x0513             /* addi a0, x0, 77 = 0x04d00513 */
    sh t1, 0(s0)
    li t1, 0x04d0
    sh t1, 2(s0)
    li t1, 0x8082             /* c.jr ra (ret) */
    sh t1, 4(s0)
    fence.i
    li a0, 0
    jalr ra, 0(s0)
    CHECK a0, 77
    /* 21: rewrite only the upper half (in the second page): the new immediate is used */
    TEST 21
    li t1, 0x0630             /* addi a0, x0, 99 = 0x06300513 */
    sh t1, 2(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK a0, 99
    call rr_tests
    call ri_tests

    ld ra, 0(sp)
    addi sp, sp, 16
    ret

smc_site:
    addi a0, x0, 1
    ret

#include "rv64ui_rr_gen.inc"
#include "rv64ui_ri_gen.inc"

    .bss
    .align 12
smc_pages: .space 8192

    .data
    .align 4
    .space 16
ldst_buf:
    .space 32
