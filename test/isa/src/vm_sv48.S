/*
 * Sv48 paging (satp MODE 9): the common paging tests through a 4-level walk, plus 512G
 * "terapages" (aligned and misaligned) and Sv48's canonical-address rule.
 */
#include "test.h"
#include "vm.h"
    .option norvc
TEST_NAME("vm_sv48")
#define VA_NONCANONICAL 0x0000800000000000   /* bit 47 set, bits 63:48 clear */

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)
    MAP_LABEL root48, 0, root39, PTE_V
    MAP_PA root39, 0, 0x00000000, PTE_LEAF_RW
    MAP_LABEL root39, 1, l1a, PTE_V
    MAP_PA root39, 2, 0x80000000, PTE_LEAF_RWX
    MAP_PA root39, 3, 0x80000000, PTE_V | PTE_R | PTE_A
    MAP_PA root39, 4, 0x80000000, PTE_LEAF_RWX | PTE_U
    la s11, root48
    srli s11, s11, 12
    li t0, SATP_SV48
    or s11, s11, t0
    call vm_common_tests
    csrw satp, s11
    sfence.vma

    /* 50: 512G terapage: VA 0x80_0000_0000 + x -> PA x; it gets A and D too */
    TEST 50
    MAP_PA root48, 1, 0x0, PTE_V | PTE_R | PTE_W
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  la t0, vm_marker
    li t1, 0x8000000000
    add t0, t0, t1
    ld a0, 0(t0)
    sd a0, 8(t0)
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_S
    CHECK a0, 0x5a5a5a5a12345678
    LOAD_PTE a0, root48, 1
    andi a0, a0, PTE_A | PTE_D
    CHECK a0, PTE_A | PTE_D
    /* 51: misaligned terapage */
    TEST 51
    MAP_PA root48, 2, 0x80000000, PTE_LEAF_RW
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  li s1, 0x10000000010
    ld a0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_PAGE
    CHECK_TVALR s1
    /* 52: misaligned gigapage at level 2 of a 4-level walk */
    TEST 52
    MAP_PA root39, 5, 0x80200000, PTE_LEAF_RW
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  li s1, 0x140000000
    sd zero, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_PAGE
    CHECK_TVALR s1
    /* 53: the top of the Sv48 space (sign-extended bit 47) through root48[511] */
    TEST 53
    MAP_LABEL root48, 511, root39, PTE_V
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  la t0, vm_marker
    li t1, 0xffffff8000000000
    add t0, t0, t1
    ld a0, 0(t0)
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_S
    CHECK a0, 0x5a5a5a5a12345678
    /* 54: an Sv39-canonical but Sv48-unmapped address is just unmapped here */
    TEST 54
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  li s1, 0x0000004000000000
    ld a0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_PAGE
    CHECK_TVALR s1
    csrw satp, zero
    sfence.vma

    ld ra, 0(sp)
    addi sp, sp, 16
    ret

#include "vm_common.inc"

    .bss
    .align 12
root48: .space 4096
root39: .space 4096
