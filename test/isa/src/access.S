/*
 * Physical addresses with nothing behind them: loads and stores raise access faults (cause 5 / 7,
 * tval = the address), instruction fetches raise cause 1. Uses holes of QEMU's virt map that
 * wasmvirt leaves empty too: below the boot ROM, the gap after the CLINT, and above RAM (-m 128M).
 */
#include "test.h"
    .option norvc
TEST_NAME("access")

.macro LOAD_FAULT n, insn, addr
    TEST \n
    li s1, \addr
    EXPECT_TRAP 2f
    \insn a0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVALR s1
.endm
.macro STORE_FAULT n, insn, addr
    TEST \n
    li s1, \addr
    EXPECT_TRAP 2f
    \insn zero, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    CHECK_TVALR s1
.endm
.macro FETCH_FAULT n, addr
    TEST \n
    li s1, \addr
    EXPECT_TRAP 2f
    jalr s1
    j fail
2:  CHECK_CAUSE CAUSE_FETCH_ACCESS
    CHECK_TVALR s1
    ld t0, trap_epc
    CHECKR t0, s1
.endm

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)

    LOAD_FAULT 1, ld, 0x0
    LOAD_FAULT 2, lw, 0x800
    LOAD_FAULT 3, lbu, 0x2010000          /* just past the CLINT */
    LOAD_FAULT 4, ld, 0x90000000          /* above 128M of RAM */
    LOAD_FAULT 5, lh, 0x88000000          /* the first byte after RAM */
    STORE_FAULT 6, sd, 0x0
    STORE_FAULT 7, sb, 0x2010000
    STORE_FAULT 8, sw, 0x90000000
    STORE_FAULT 9, sd, 0x88000000
    FETCH_FAULT 10, 0x0
    FETCH_FAULT 11, 0x90000000
    FETCH_FAULT 12, 0x88000000

    /* 13: the last dword of RAM is fine */
    TEST 13
    li s1, 0x88000000 - 8
    li t0, 0x1234
    sd t0, 0(s1)
    ld a0, 0(s1)
    CHECK a0, 0x1234

    /* 14: an AMO to a hole: QEMU 7.2 reports a load access fault (its AMOs read first) */
    TEST 14
    li s1, 0x90000000
    EXPECT_TRAP 2f
    amoadd.d a0, a0, (s1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVALR s1

    /* 15: the same from S-mode (no paging) */
    TEST 15
    li s1, 0x90000000
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  ld a0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVALR s1

    /* (A 32-bit instruction straddling the end of RAM is not tested: QEMU 7.2 aborts with
       "translator_access: Assertion `phys_page != -1' failed" on it.) */
    li s1, 0x88000000 - 2
    /* 20: a compressed instruction in the last halfword of RAM runs (then the fetch after it faults) */
    TEST 20
    li t0, 0x4505             /* c.li a0, 1 */
    sh t0, 0(s1)
    fence.i
    li a0, 0
    EXPECT_TRAP 2f
    jalr s1
    j fail
2:  CHECK_CAUSE CAUSE_FETCH_ACCESS
    CHECK_TVAL 0x88000000
    CHECK a0, 1

    /* 21..: misaligned accesses to holes. QEMU 7.2 reports a misaligned *load* with tval =
       the address rounded down to the access size (it reads the unassigned region aligned), a
       misaligned *store* with the exact address, and an access running off the end of RAM with
       the first address past RAM. */
    TEST 21
    li s1, 0x33f
    EXPECT_TRAP 2f
    lhu a0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVAL 0x33e
    TEST 22
    li s1, 0x103
    EXPECT_TRAP 2f
    lw a0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVAL 0x100
    li s1, 0x90000005
    EXPECT_TRAP 2f
    ld a0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVAL 0x90000000
    TEST 23
    li s1, 0x203
    EXPECT_TRAP 2f
    sw a0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    CHECK_TVAL 0x203
    li s1, 0x2010007
    EXPECT_TRAP 2f
    sd a0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    CHECK_TVAL 0x2010007
    TEST 24
    li s1, 0x88000000 - 2
    EXPECT_TRAP 2f
    lw a0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVAL 0x88000000
    EXPECT_TRAP 2f
    sw a0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    CHECK_TVAL 0x88000000

    /* 16..: a fault to a hole leaves nothing behind: the next accesses to RAM work */
    TEST 16
    la s2, acc_buf
    li s1, 0xffffffffb0600000
    EXPECT_TRAP 2f
    sw zero, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    CLEAR_TRAPS
    li t0, 5
    sd t0, 0(s2)
    li a2, -7
    amomin.d a0, a2, (s2)     /* an AMO right after the faulting store */
    CHECK a0, 5
    ld a0, 0(s2)
    CHECK a0, -7
    CHECK_TRAPS 0
    TEST 17
    EXPECT_TRAP 2f
    ld a0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CLEAR_TRAPS
    li a2, 3
    amoswap.w a0, a2, (s2)
    sd a2, 8(s2)
    ld a0, 8(s2)
    CHECK a0, 3
    lr.d a0, (s2)
    sc.d a1, a2, (s2)
    CHECK a1, 0
    CHECK_TRAPS 0
    TEST 18
    EXPECT_TRAP 2f
    amoadd.d a0, a0, (s1)
    j fail
2:  CLEAR_TRAPS
    li a2, 1
    sd zero, 0(s2)
    amoadd.d a0, a2, (s2)
    amoadd.d a0, a2, (s2)
    CHECK a0, 1
    CHECK_TRAPS 0

    ld ra, 0(sp)
    addi sp, sp, 16
    ret

    .data
    .align 3
acc_buf: .space 16
