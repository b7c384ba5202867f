/*
 * Traps and delegation: ecall causes from U/S/M, ebreak, illegal tval, medeleg to S-mode,
 * what mret/sret do to MIE/MPIE/MPP/MPRV and SIE/SPIE/SPP, and the TVM/TW/TSR traps.
 */
#include "test.h"
    .option norvc
TEST_NAME("traps")

/* fail unless ((reg >> shift) & mask) == value; clobbers t6, t4 */
.macro CHECK_FIELD reg, shift, mask, value
    srli t4, \reg, \shift
    andi t4, t4, \mask
    li t6, \value
    bne t4, t6, fail
.endm

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)
    la t0, s_trap_entry
    csrw stvec, t0
    la t0, s_trap_stack_top
    csrw sscratch, t0

    /* 1: ecall from M: cause 11, mepc = the ecall, tval 0, MPP = M */
    TEST 1
    csrw mtval, a0            /* make sure tval is really written by the trap */
    EXPECT_TRAP 2f
1:  ecall
    j fail
2:  CHECK_CAUSE CAUSE_ECALL_M
    CHECK_TVAL 0
    ld t0, trap_epc
    la t1, 1b
    CHECKR t0, t1
    ld t0, trap_status
    CHECK_FIELD t0, 11, 3, PRV_M

    /* 2: ecall from S: cause 9; 3: from U: cause 8 */
    TEST 2
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  ecall
    j fail
2:  CHECK_CAUSE CAUSE_ECALL_S
    ld t0, trap_epc
    la t1, 1b
    CHECKR t0, t1
    ld t0, trap_status
    CHECK_FIELD t0, 11, 3, PRV_S
    TEST 3
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  ecall
    j fail
2:  CHECK_CAUSE CAUSE_ECALL_U
    ld t0, trap_status
    CHECK_FIELD t0, 11, 3, PRV_U

    /* 4..6: ebreak: cause 3, tval 0, mepc = the ebreak (M, S, U) */
    TEST 4
    li t0, 0x1234
    csrw mtval, t0
    EXPECT_TRAP 2f
1:  ebreak
    j fail
2:  CHECK_CAUSE CAUSE_BREAKPOINT
    CHECK_TVAL 0
    ld t0, trap_epc
    la t1, 1b
    CHECKR t0, t1
    TEST 5
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  ebreak
    j fail
2:  CHECK_CAUSE CAUSE_BREAKPOINT
    CHECK_TVAL 0
    TEST 6
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  ebreak
    j fail
2:  CHECK_CAUSE CAUSE_BREAKPOINT

    /* 7: illegal instruction: tval = the instruction bits; all-zero word gives tval 0 */
    TEST 7
    EXPECT_TRAP 2f
1:  .word 0xffffffff
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    CHECK_TVAL 0xffffffff
    TEST 8
    EXPECT_TRAP 2f
1:  .word 0x00000000
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    CHECK_TVAL 0

    /* 10: a trap saves MIE into MPIE and clears MIE */
    TEST 10
    csrsi mstatus, MSTATUS_MIE
    EXPECT_TRAP 2f
    ecall
2:  csrr a0, mstatus
    ld t0, trap_status        /* in the handler: MIE = 0, MPIE = 1 */
    CHECK_FIELD t0, 3, 1, 0
    CHECK_FIELD t0, 7, 1, 1
    CHECK_FIELD a0, 3, 1, 1   /* and mret restored MIE = 1 */
    csrci mstatus, MSTATUS_MIE

    /* 11: mret: MIE = MPIE, MPIE = 1, MPP = U, returns to mepc */
    TEST 11
    li t0, MSTATUS_MPP
    csrs mstatus, t0          /* MPP = M */
    li t0, MSTATUS_MPIE
    csrs mstatus, t0
    csrci mstatus, MSTATUS_MIE
    la t0, 1f
    csrw mepc, t0
    mret
    j fail
1:  csrr a0, mstatus
    CHECK_FIELD a0, 3, 1, 1
    CHECK_FIELD a0, 7, 1, 1
    CHECK_FIELD a0, 11, 3, PRV_U
    TEST 12                   /* mret with MPIE = 0 */
    li t0, MSTATUS_MPP
    csrs mstatus, t0
    li t0, MSTATUS_MPIE
    csrc mstatus, t0
    la t0, 1f
    csrw mepc, t0
    mret
    j fail
1:  csrr a0, mstatus
    CHECK_FIELD a0, 3, 1, 0
    CHECK_FIELD a0, 7, 1, 1

    /* 13: mret to S: QEMU 7.2 leaves MPRV set (priv spec 1.12 would clear it; QEMU is the
       reference here); mret to M keeps it in any case */
    TEST 13
    li t0, MSTATUS_MPRV
    csrs mstatus, t0
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  ecall
2:  ld t0, trap_status
    CHECK_FIELD t0, 17, 1, 1
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    TEST 14
    li t0, MSTATUS_MPRV | MSTATUS_MPP    /* MPP = M: MPRV stays (M-mode ignores it for its own accesses only through MPP=M) */
    csrs mstatus, t0
    la t0, 1f
    csrw mepc, t0
    mret
1:  csrr a0, mstatus
    CHECK_FIELD a0, 17, 1, 1
    li t0, MSTATUS_MPRV
    csrc mstatus, t0

    /* 15: sret from M: SIE = SPIE, SPIE = 1, SPP = U, into the SPP mode */
    TEST 15
    li t0, MSTATUS_SPP | MSTATUS_SPIE
    csrs mstatus, t0
    csrci mstatus, MSTATUS_SIE
    la t0, 1f
    csrw sepc, t0
    EXPECT_TRAP 2f
    sret
    j fail
1:  csrr a0, sstatus          /* only legal in S (or M): we are in S */
    ecall
    j fail
2:  CHECK_CAUSE CAUSE_ECALL_S
    CHECK_FIELD a0, 1, 1, 1
    CHECK_FIELD a0, 5, 1, 1
    CHECK_FIELD a0, 8, 1, 0
    TEST 16                   /* sret to U with SPIE = 0 */
    li t0, MSTATUS_SPP | MSTATUS_SPIE
    csrc mstatus, t0
    la t0, 1f
    csrw sepc, t0
    EXPECT_TRAP 2f
    sret
    j fail
1:  ecall
2:  CHECK_CAUSE CAUSE_ECALL_U
    csrr a0, mstatus
    CHECK_FIELD a0, 1, 1, 0
    CHECK_FIELD a0, 5, 1, 1

    /* 20..: medeleg: U ecall delegated to S (scause 8, SPP = U, sepc); S ecall still goes to M */
    TEST 20
    li t0, 1 << CAUSE_ECALL_U
    csrw medeleg, t0
    csrw sstatus, zero
    EXPECT_TRAP 4f
    ENTER_MODE PRV_S, 1f
1:  S_EXPECT_TRAP 3f          /* now in S: arm the S handler, drop to U */
    li t0, MSTATUS_SPP
    csrc sstatus, t0
    li t0, MSTATUS_SPIE       /* U runs with SIE = 1 */
    csrs sstatus, t0
    la t0, 2f
    csrw sepc, t0
    sret
2:  ecall                     /* U -> S */
    j fail
3:  csrr a0, sstatus          /* back in S after the S handler */
    ecall                     /* S -> M */
    j fail
4:  CHECK_CAUSE CAUSE_ECALL_S
    S_CHECK_CAUSE CAUSE_ECALL_U
    S_CHECK_TVAL 0
    ld t0, s_trap_epc
    la t1, 2b
    CHECKR t0, t1
    ld t0, s_trap_status      /* SPP = U, SPIE = old SIE (1), SIE = 0 */
    CHECK_FIELD t0, 8, 1, 0
    CHECK_FIELD t0, 5, 1, 1
    CHECK_FIELD t0, 1, 1, 0
    ld t0, trap_status        /* the M trap came from S */
    CHECK_FIELD t0, 11, 3, PRV_S

    /* 21: delegated illegal instruction from S: scause 2, stval = bits, SPP = S */
    TEST 21
    li t0, (1 << CAUSE_ILLEGAL) | (1 << CAUSE_BREAKPOINT)
    csrw medeleg, t0
    EXPECT_TRAP 4f
    ENTER_MODE PRV_S, 1f
1:  S_EXPECT_TRAP 3f
2:  .word 0xffffffff
    j fail
3:  ecall
4:  CHECK_CAUSE CAUSE_ECALL_S
    S_CHECK_CAUSE CAUSE_ILLEGAL
    S_CHECK_TVAL 0xffffffff
    ld t0, s_trap_epc
    la t1, 2b
    CHECKR t0, t1
    ld t0, s_trap_status
    CHECK_FIELD t0, 8, 1, 1
    /* 22: delegated ebreak from U */
    TEST 22
    EXPECT_TRAP 4f
    ENTER_MODE PRV_S, 1f
1:  S_EXPECT_TRAP 3f
    li t0, MSTATUS_SPP
    csrc sstatus, t0
    la t0, 2f
    csrw sepc, t0
    sret
2:  ebreak
    j fail
3:  ecall
4:  CHECK_CAUSE CAUSE_ECALL_S
    S_CHECK_CAUSE CAUSE_BREAKPOINT
    S_CHECK_TVAL 0
    /* 23: traps taken in M are never delegated */
    TEST 23
    la t0, s_trap_count
    sd zero, 0(t0)
    EXPECT_TRAP 2f
    .word 0xffffffff
2:  CHECK_CAUSE CAUSE_ILLEGAL
    ld t0, s_trap_count
    CHECK t0, 0
    csrw medeleg, zero

    /* 30..: TVM: satp and sfence.vma are illegal in S; fine in M */
    TEST 30
    li t0, MSTATUS_TVM
    csrs mstatus, t0
    csrr a0, satp
    sfence.vma
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  csrr a0, satp
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    TEST 31
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  sfence.vma
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    CHECK_TVAL 0x12000073
    TEST 32                   /* TVM = 0: both fine in S */
    li t0, MSTATUS_TVM
    csrc mstatus, t0
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  csrr a0, satp
    sfence.vma
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_S

    /* 33: TW: wfi in S is illegal when TW = 1 */
    TEST 33
    li t0, MSTATUS_TW
    csrs mstatus, t0
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  wfi
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    CHECK_TVAL 0x10500073
    li t0, MSTATUS_TW
    csrc mstatus, t0
    /* 34: wfi in U is illegal (S-mode exists), even with TW = 0 */
    TEST 34
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  wfi
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL

    /* 35: TSR: sret in S is illegal when TSR = 1 */
    TEST 35
    li t0, MSTATUS_TSR
    csrs mstatus, t0
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  sret
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    CHECK_TVAL 0x10200073
    li t0, MSTATUS_TSR
    csrc mstatus, t0
    /* 36: mret in S and sret/mret in U are illegal */
    TEST 36
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  mret
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    CHECK_TVAL 0x30200073
    TEST 37
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  sret
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    TEST 38
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  sfence.vma
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL

    /* 40: mepc/sepc keep bits 1 and above (QEMU 7.2 also keeps bit 0: not checked) */
    TEST 40
    li t0, 0x80000006
    csrw mepc, t0
    csrr a0, mepc
    CHECK a0, 0x80000006
    csrw sepc, t0
    csrr a0, sepc
    CHECK a0, 0x80000006

    /* 41: mcause/scause and mtval/stval are plain read/write */
    TEST 41
    li t0, 0x8000000000000005
    csrw scause, t0
    csrr a0, scause
    CHECKR a0, t0
    li t0, 0x123456789
    csrw stval, t0
    csrr a0, stval
    CHECKR a0, t0

    ld ra, 0(sp)
    addi sp, sp, 16
    ret
