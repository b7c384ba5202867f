/*
 * Self-modifying code: what a translator can get wrong and an interpreter cannot. Each routine
 * is called often enough first to be translated (wasmvirt translates hot pages; run the suite
 * with WASMVIRT_JIT=eager to translate everything at once), then rewritten:
 *  1  a function in this page rewritten by a store, then fence.i: the new code runs
 *  2  an instruction rewritten by a store without fence.i, reached by a jump right after the
 *     store: QEMU 7.2 sees such a store from the next translation block on, wasmvirt from the
 *     end of the region that stored (the interpreter at once). The instruction right after the
 *     store, in the same block, is left alone here: QEMU 7.2 runs the old one, wasmvirt the new.
 *  3  a function in another page rewritten from this page, fence.i
 *  4  a code buffer in a data page regenerated 100 times (li a0, N; ret), each one run:
 *     the JIT-churn case (the page is rewritten again and again)
 *  5  data stored in the same page as hot code (next to it, not over it) leaves the code alone
 *  6  a trap in the middle of a hot loop: mepc and mtval are the faulting instruction's
 */
#include "test.h"
    .option norvc
TEST_NAME("smc")

#define LI_A0(n) (0x00000513 | ((n) << 20))   /* addi a0, x0, n */
#define RET 0x00008067                       /* jalr x0, 0(ra) */

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)

    /* 1: same page, fence.i */
    TEST 1
    li s1, 200
1:  call patch_same
    CHECK a0, 1
    addi s1, s1, -1
    bnez s1, 1b
    la t0, patch_same
    li t1, LI_A0(7)
    sw t1, 0(t0)
    fence.i
    call patch_same
    CHECK a0, 7

    /* 2: the next instruction, rewritten by the store just before it, no fence.i */
    TEST 2
    li s1, 200
2:  call next_insn
    CHECK a0, 3
    addi s1, s1, -1
    bnez s1, 2b
    li a1, LI_A0(9)
    call next_insn_patch
    CHECK a0, 9

    /* 3: another page */
    TEST 3
    li s1, 200
3:  call patch_far
    CHECK a0, 2
    addi s1, s1, -1
    bnez s1, 3b
    la t0, patch_far
    li t1, LI_A0(11)
    sw t1, 0(t0)
    fence.i
    call patch_far
    CHECK a0, 11

    /* 4: generated code, regenerated 100 times */
    TEST 4
    li s1, 0
    la s2, code_buf
4:  li t1, LI_A0(0)
    slli t2, s1, 20
    or t1, t1, t2
    sw t1, 0(s2)
    li t1, RET
    sw t1, 4(s2)
    fence.i
    li s3, 20                 /* run each version several times so it gets hot */
5:  jalr ra, 0(s2)
    CHECKR a0, s1
    addi s3, s3, -1
    bnez s3, 5b
    addi s1, s1, 1
    li t0, 100
    bne s1, t0, 4b

    /* 5: data next to hot code */
    TEST 5
    li s1, 300
    la s2, near_data
6:  sd s1, 0(s2)
    call patch_same
    CHECK a0, 7
    ld t0, 0(s2)
    CHECKR t0, s1
    addi s1, s1, -1
    bnez s1, 6b

    /* 6: a fault in the middle of a hot loop */
    TEST 6
    li s1, 100
    li s2, 0
    la s3, near_data
    EXPECT_TRAP 8f
7:  ld t0, 0(s3)
    add s2, s2, t0
    addi s1, s1, -1
    bnez s1, 7b
    li s3, 0x10010000         /* nothing is there (on QEMU 7.2 either): load access fault */
fault_pc:
    ld t0, 0(s3)
    j fail                    /* the load must trap */
8:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVAL 0x10010000
    la t0, fault_pc
    la t1, trap_epc
    ld t1, 0(t1)
    CHECKR t0, t1
9:
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

patch_same:
    li a0, 1
    ret

next_insn:
    li a0, 3
    ret
/* a1 = the instruction to put at next_slot, stored right before it runs */
next_insn_patch:
    la t0, next_slot
    sw a1, 0(t0)
    j next_slot
next_slot:
    li a0, 3
    ret

    .balign 8
near_data:
    .dword 0

    .section .text.far, "ax"
    .balign 4096
patch_far:
    li a0, 2
    ret

    .data
    .balign 4096
code_buf:
    .space 64
