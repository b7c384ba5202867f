/*
 * PMP: TOR / NA4 / NAPOT regions for S and U, priority by entry number, partial matches,
 * no matching entry for S/U once any entry is set, locked entries (which bind M-mode too and
 * ignore writes). Also QEMU 7.2's rule that mret to S/U needs at least one PMP entry.
 */
#include "test.h"
    .option norvc
TEST_NAME("pmp")

#define NAPOT4K(reg) srli reg, reg, 2; ori reg, reg, 0x1ff

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)

    /* 1: no PMP entry at all: QEMU 7.2 refuses mret to a lower privilege (illegal instruction) */
    TEST 1
    csrw pmpcfg0, zero
    csrw pmpcfg2, zero
    csrw pmpaddr0, zero
    EXPECT_TRAP 2f
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, PRV_S << 11
    csrs mstatus, t0
    la t0, 1f
    csrw mepc, t0
3:  mret
1:  j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    CHECK_TVAL 0x30200073
    ld t0, trap_epc
    la t1, 3b
    CHECKR t0, t1

    /* regions (pages A..E of pmp_pages):
       e0 NAPOT A R | e1 NA4 B+0x10 R | e2 OFF (TOR base C) | e3 TOR [C, C+4K) R
       e4 NAPOT D none | e5 NAPOT everything RWX (so S/U can run their code) */
    la s0, pmp_pages
    li t0, 4096
    add s1, s0, t0            /* B */
    add s2, s1, t0            /* C */
    add s3, s2, t0            /* D */
    add s4, s3, t0            /* E */
    mv t0, s0
    NAPOT4K(t0)
    csrw pmpaddr0, t0
    addi t0, s1, 0x10
    srli t0, t0, 2
    csrw pmpaddr1, t0
    srli t0, s2, 2
    csrw pmpaddr2, t0
    li t0, 4096
    add t0, s2, t0
    srli t0, t0, 2
    csrw pmpaddr3, t0
    mv t0, s3
    NAPOT4K(t0)
    csrw pmpaddr4, t0
    li t0, -1
    srli t0, t0, 10
    csrw pmpaddr5, t0
    li t0, (PMP_NAPOT | PMP_R) | ((PMP_NA4 | PMP_R) << 8) | (0 << 16) | ((PMP_TOR | PMP_R) << 24)
    li t1, (PMP_NAPOT) | ((PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 8)
    slli t1, t1, 32
    or t0, t0, t1
    csrw pmpcfg0, t0
    csrr a0, pmpcfg0
    CHECKR a0, t0

    /* 2: NAPOT read-only: S load fine, store -> cause 7 with tval = address */
    TEST 2
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  ld a0, 0(s0)
    addi a1, s0, 0x20
    sd zero, 0(a1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    CHECK_TVALR a1
    TEST 3                    /* the last byte of the region too */
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  li t0, 4095
    add a1, s0, t0
    lb a0, 0(a1)
    sb a0, 0(a1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    CHECK_TVALR a1
    TEST 4                    /* fetch from a region without X: cause 1, tval = address */
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  jr s0
    j fail
2:  CHECK_CAUSE CAUSE_FETCH_ACCESS
    CHECK_TVALR s0
    TEST 5                    /* M-mode ignores unlocked entries */
    li t0, 0x77
    sd t0, 0(s0)
    ld a0, 0(s0)
    CHECK a0, 0x77

    /* 6: NA4 covers exactly 4 bytes; an access that only partly matches it fails */
    TEST 6
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  lw a0, 0x10(s1)           /* inside NA4, R: fine */
    lw a0, 0x14(s1)           /* outside: falls to e5 */
    sw zero, 0x14(s1)
    addi a1, s1, 0x10
    sw zero, 0(a1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    CHECK_TVALR a1
    TEST 7
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  addi a1, s1, 0x10
    ld a0, 0(a1)              /* 8 bytes: half inside the NA4 region */
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVALR a1

    /* 8: TOR [C, C+4K) read-only, the byte before C and at C+4K are outside */
    TEST 8
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  ld a0, 0(s2)
    li t0, 4088
    add t0, s2, t0
    ld a0, 0(t0)
    sb zero, -1(s2)           /* page B, not in any region but e5 */
    sb zero, 0(s3)            /* page D: e4 comes first: no access */
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    CHECK_TVALR s3
    TEST 9
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  sw zero, 8(s2)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    addi t0, s2, 8
    CHECK_TVALR t0
    TEST 10                   /* NAPOT with no permissions: loads fault too */
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  addi a1, s3, 0x100
    lbu a0, 0(a1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVALR a1

    /* 11: without the catch-all entry, S/U match nothing: the first fetch faults (cause 1) */
    TEST 11
    csrr s5, pmpcfg0
    li t0, 0xff << 40
    csrc pmpcfg0, t0
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  j fail
2:  CHECK_CAUSE CAUSE_FETCH_ACCESS
    la t0, 1b
    CHECK_TVALR t0
    ld a0, 0(s4)              /* M still fine with no match */
    csrw pmpcfg0, s5

    /* 12: TOR with top <= bottom matches nothing (then e5 applies: store allowed) */
    TEST 12
    srli t0, s2, 2
    csrw pmpaddr3, t0         /* top == bottom */
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  sd zero, 0(s2)
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_S

    /* 13: with only the program's RAM (16M NAPOT, RWX) covered, S data accesses elsewhere in
       RAM match nothing: load -> cause 5, store -> cause 7 */
    TEST 13
    li t0, (0x80000000 >> 2) | (0x1000000 / 8 - 1)
    csrw pmpaddr5, t0
    li s6, 0x87000000
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  ld a0, 0(s6)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVALR s6
    TEST 14
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  sw zero, 4(s6)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    addi t0, s6, 4
    CHECK_TVALR t0
    li t0, -1
    srli t0, t0, 10
    csrw pmpaddr5, t0

    /* 20..: locked entries: bind M-mode, and their cfg/addr are frozen.
       Entry 4 (before the catch-all: the lowest-numbered match decides) becomes a locked
       read-only NAPOT over page E. */
    TEST 20
    li t0, 0xff << 32
    csrc pmpcfg0, t0
    mv t0, s4
    NAPOT4K(t0)
    csrw pmpaddr4, t0
    li t0, (PMP_L | PMP_NAPOT | PMP_R) << 32
    csrs pmpcfg0, t0
    ld a0, 0(s4)              /* M read: allowed */
    EXPECT_TRAP 2f
    sd zero, 8(s4)            /* M write: locked R-only region */
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    addi t0, s4, 8
    CHECK_TVALR t0
    sd zero, 0(s3)            /* page D is no longer covered for M */
    TEST 21                   /* writes to a locked entry's cfg byte and address are ignored */
    csrr a1, pmpaddr4
    li t0, 0x1234
    csrw pmpaddr4, t0
    csrr a0, pmpaddr4
    CHECKR a0, a1
    li t0, 0xff << 32
    csrc pmpcfg0, t0
    csrr a0, pmpcfg0
    srli a0, a0, 32
    andi a0, a0, 0xff
    CHECK a0, PMP_L | PMP_NAPOT | PMP_R
    TEST 22                   /* unlocked neighbours in the same pmpcfg register still change */
    li t0, 0xff << 40
    csrc pmpcfg0, t0
    csrr a0, pmpcfg0
    srli a0, a0, 40
    andi a0, a0, 0xff
    CHECK a0, 0
    TEST 23                   /* locked TOR entry freezes the pmpaddr below it too */
    li t0, 0x100000
    csrw pmpaddr8, t0
    li t0, 0x100400
    csrw pmpaddr9, t0
    li t0, (PMP_L | PMP_TOR | PMP_R | PMP_W | PMP_X) << 8
    csrs pmpcfg2, t0
    li t0, 0x200000
    csrw pmpaddr8, t0
    csrr a0, pmpaddr8
    CHECK a0, 0x100000

    ld ra, 0(sp)
    addi sp, sp, 16
    ret

    .bss
    .align 12
pmp_pages: .space 5 * 4096
