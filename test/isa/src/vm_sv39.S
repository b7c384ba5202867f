/*
 * Sv39 paging (satp MODE 8): 4K pages, 2M and 1G superpages, misaligned superpages, A/D updates,
 * R/W/X/U permission faults with their causes and tval, SUM, MXR, MPRV, sfence.vma.
 */
#include "test.h"
#include "vm.h"
    .option norvc
TEST_NAME("vm_sv39")
#define VA_NONCANONICAL 0x0000004000000000   /* bit 38 set, bits 63:39 clear */

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)
    MAP_PA root39, 0, 0x00000000, PTE_LEAF_RW
    MAP_LABEL root39, 1, l1a, PTE_V
    MAP_PA root39, 2, 0x80000000, PTE_LEAF_RWX
    MAP_PA root39, 3, 0x80000000, PTE_V | PTE_R | PTE_A
    MAP_PA root39, 4, 0x80000000, PTE_LEAF_RWX | PTE_U
    la s11, root39
    srli s11, s11, 12
    li t0, SATP_SV39
    or s11, s11, t0
    call vm_common_tests

    /* 50: misaligned gigapage */
    TEST 50
    MAP_PA root39, 5, 0x80200000, PTE_LEAF_RW
    csrw satp, s11
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  li s1, 0x140000008
    ld a0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_PAGE
    CHECK_TVALR s1
    /* 51: the highest Sv39 address (sign-extended bit 38) goes through root39[511] */
    TEST 51
    MAP_PA root39, 511, 0x80000000, PTE_LEAF_RW
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  la t0, vm_marker
    li t1, 0x80000000
    sub t0, t0, t1
    li t1, 0xffffffffc0000000
    add t0, t0, t1
    ld a0, 0(t0)
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_S
    CHECK a0, 0x5a5a5a5a12345678
    csrw satp, zero

    ld ra, 0(sp)
    addi sp, sp, 16
    ret

#include "vm_common.inc"

    .bss
    .align 12
root39: .space 4096
