/*
 * Hardware performance-monitor CSRs as QEMU 7.2's virt CPU has them: 16 programmable counters
 * (mhpmcounter3..18 read back what is written, mhpmcounter19..31 are illegal), mhpmevent3..31
 * all read back what is written, and mcountinhibit. OpenSBI counts the counters that read back a written value and prints the
 * number at boot ("Boot HART MHPM Count"), so this shows up in a boot log.
 */
#include "test.h"
    .option norvc
TEST_NAME("hpm")

.macro RW n, csr, value
    TEST \n
    li a1, \value
    csrw \csr, a1
    csrr a0, \csr
    CHECKR a0, a1
    csrw \csr, zero
.endm
.macro ILLEGAL n, csr
    TEST \n
    EXPECT_TRAP 2f
    csrr a0, \csr
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
.endm

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)
    csrw mcountinhibit, zero

    RW 1, mhpmcounter3, 0x55
    RW 2, mhpmcounter10, 0x12345678
    RW 3, mhpmcounter18, 0x1
    RW 4, mhpmevent3, 0x55
    RW 5, mhpmevent18, 0x7
    ILLEGAL 6, mhpmcounter19
    ILLEGAL 7, mhpmcounter31
    RW 8, mhpmevent19, 0x55
    RW 9, mhpmevent31, 0x55
    RW 10, mcountinhibit, 0x5
    /* 11: the user views hpmcounter3..18 read the same counters from M-mode */
    TEST 11
    li a1, 0x77
    csrw mhpmcounter4, a1
    csrr a0, hpmcounter4
    CHECKR a0, a1
    csrw mhpmcounter4, zero

    ld ra, 0(sp)
    addi sp, sp, 16
    ret
