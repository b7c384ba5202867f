/*
 * Misaligned loads and stores: QEMU 7.2 performs them without trapping, in every mode, across
 * physical page boundaries and across virtual pages that map to unrelated physical pages. When
 * the second page is not mapped the access page-faults with tval = the start of that page.
 */
#include "test.h"
#include "vm.h"
    .option norvc
TEST_NAME("misaligned")

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)

    /* buffer: byte i = 0x10 + i (32 bytes) */
    la s0, mis_buf
    li t0, 0
1:  addi t1, t0, 0x10
    add t2, s0, t0
    sb t1, 0(t2)
    addi t0, t0, 1
    li t1, 32
    blt t0, t1, 1b

    /* 1: halfword loads at odd addresses (sign and zero extension) */
    TEST 1
    lhu a0, 1(s0)
    CHECK a0, 0x1211
    lh a0, 3(s0)
    CHECK a0, 0x1413
    li t0, 0xf1
    sb t0, 6(s0)
    lh a0, 5(s0)
    CHECK a0, 0xfffffffffffff115
    li t0, 0x16
    sb t0, 6(s0)
    /* 2: words at +1 +2 +3 */
    TEST 2
    lw a0, 1(s0)
    CHECK a0, 0x14131211
    lwu a0, 2(s0)
    CHECK a0, 0x15141312
    lw a0, 3(s0)
    CHECK a0, 0x16151413
    /* 3: doublewords at every offset 1..7 */
    TEST 3
    ld a0, 1(s0)
    CHECK a0, 0x1817161514131211
    ld a0, 2(s0)
    CHECK a0, 0x1918171615141312
    ld a0, 3(s0)
    CHECK a0, 0x1a19181716151413
    ld a0, 4(s0)
    CHECK a0, 0x1b1a191817161514
    ld a0, 5(s0)
    CHECK a0, 0x1c1b1a1918171615
    ld a0, 6(s0)
    CHECK a0, 0x1d1c1b1a19181716
    ld a0, 7(s0)
    CHECK a0, 0x1e1d1c1b1a191817
    /* 4: misaligned stores write exactly their bytes */
    TEST 4
    li t0, 0xa1a2
    sh t0, 9(s0)
    ld a0, 8(s0)
    CHECK a0, 0x1f1e1d1c1ba1a218
    li t0, 0xb1b2b3b4
    sw t0, 13(s0)
    ld a0, 8(s0)
    CHECK a0, 0xb2b3b41c1ba1a218
    ld a0, 16(s0)
    CHECK a0, 0x2726252423222120 & ~0xff | 0xb1
    li t0, 0xc1c2c3c4c5c6c7c8
    sd t0, 19(s0)
    ld a0, 16(s0)
    CHECK a0, 0xc4c5c6c7c8222120 & ~0xff | 0xb1
    ld a0, 24(s0)
    CHECK a0, 0x2f2e2d2c2bc1c2c3
    /* 5: across a physical page boundary */
    TEST 5
    la s1, mis_pages + 4096
    li t0, 0x0807060504030201
    sd t0, -4(s1)
    lwu a0, -4(s1)
    CHECK a0, 0x04030201
    lwu a0, 0(s1)
    CHECK a0, 0x08070605
    ld a0, -4(s1)
    CHECK a0, 0x0807060504030201
    lh a0, -1(s1)
    CHECK a0, 0x0504
    /* 6: in U-mode too (no paging) */
    TEST 6
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  ld a0, 3(s0)
    sw a0, 1(s0)
    lw a1, 1(s0)
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_U
    CHECK a0, 0xa1a2181716151413
    CHECK a1, 0x16151413

    /* 10..: with Sv39: VA page 0 -> mis_pages[2], VA page 1 -> mis_pages[0], VA page 2 unmapped */
    MAP_PA mis_root, 0, 0x00000000, PTE_LEAF_RW
    MAP_LABEL mis_root, 1, mis_l1, PTE_V
    MAP_PA mis_root, 2, 0x80000000, PTE_LEAF_RWX
    MAP_LABEL mis_l1, 0, mis_l0, PTE_V
    MAP_LABEL mis_l0, 0, mis_pages + 2 * 4096, PTE_LEAF_RW
    MAP_LABEL mis_l0, 1, mis_pages + 0 * 4096, PTE_LEAF_RW
    la t0, mis_pages + 3 * 4096 - 8
    li t1, 0x44332211aaaaaaaa
    sd t1, 0(t0)
    la t0, mis_pages
    li t1, 0xbbbbbbbb88776655
    sd t1, 0(t0)
    la t0, mis_root
    srli t0, t0, 12
    li t1, SATP_SV39
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
    TEST 10                   /* a load spanning two virtual pages reads both physical pages */
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  li t0, 0x40000ffc
    ld a0, 0(t0)
    li t1, 0x0102030405060708
    sd t1, 0(t0)
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_S
    CHECK a0, 0x8877665544332211
    la t0, mis_pages + 3 * 4096 - 4
    lwu a0, 0(t0)
    CHECK a0, 0x05060708
    la t0, mis_pages
    lwu a0, 0(t0)
    CHECK a0, 0x01020304
    TEST 11                   /* the second page unmapped: load page fault */
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  li s1, 0x40001ffd
    ld a0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_PAGE
    CHECK_TVAL 0x40002000     /* QEMU: the first byte of the page that faulted */
    TEST 12                   /* ...store page fault, and nothing is written to the first page */
    la t0, mis_pages + 1 * 4096 - 8
    li t1, 0x5555555555555555
    sd t1, 0(t0)
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  li s1, 0x40001ffe
    sw zero, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_PAGE
    CHECK_TVAL 0x40002000
    csrw satp, zero
    sfence.vma
    la t0, mis_pages + 1 * 4096 - 8
    ld a0, 0(t0)
    CHECK a0, 0x5555555555555555

    ld ra, 0(sp)
    addi sp, sp, 16
    ret

    .data
    .align 3
mis_buf: .space 40
    .bss
    .align 12
mis_root: .space 4096
mis_l1: .space 4096
mis_l0: .space 4096
mis_pages: .space 3 * 4096
