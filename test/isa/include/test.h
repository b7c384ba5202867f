/*
 * Shared definitions for the bare-metal ISA test programs (see runtime.S for the code behind them).
 *
 * Conventions:
 *  - gp (x3) holds the current test number (TEST n). On failure the program prints
 *    "<name>: FAIL test <n>" and exits through sifive_test with (n << 16) | 0x3333.
 *  - Every program defines `test_main` (M-mode, called with ra) and a string `test_name`
 *    (TEST_NAME macro). Returning from test_main prints "<name>: PASS" and writes 0x5555.
 *  - Expected traps: EXPECT_TRAP label arms the M-mode handler; the next trap records
 *    mcause/mtval/mepc/mstatus into trap_cause/... and resumes at `label` in M-mode
 *    (the handler forces MPP = M). Any trap that is not armed fails the current test.
 *    S-mode has the same thing (S_EXPECT_TRAP, s_trap_*), resuming in S-mode.
 */
#ifndef ISA_TEST_H
#define ISA_TEST_H

#define UART_BASE     0x10000000
#define UART_LSR      5
#define TESTDEV_BASE  0x100000
#define TESTDEV_PASS  0x5555
#define TESTDEV_FAIL  0x3333
#define CLINT_BASE    0x2000000
#define CLINT_MSIP    0x0
#define CLINT_MTIMECMP 0x4000
#define CLINT_MTIME   0xbff8
#define RAM_BASE      0x80000000

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

#define MSTATUS_SIE   (1 << 1)
#define MSTATUS_MIE   (1 << 3)
#define MSTATUS_SPIE  (1 << 5)
#define MSTATUS_UBE   (1 << 6)
#define MSTATUS_MPIE  (1 << 7)
#define MSTATUS_SPP   (1 << 8)
#define MSTATUS_MPP   (3 << 11)
#define MSTATUS_FS    (3 << 13)
#define MSTATUS_XS    (3 << 15)
#define MSTATUS_MPRV  (1 << 17)
#define MSTATUS_SUM   (1 << 18)
#define MSTATUS_MXR   (1 << 19)
#define MSTATUS_TVM   (1 << 20)
#define MSTATUS_TW    (1 << 21)
#define MSTATUS_TSR   (1 << 22)

#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS     1
#define CAUSE_ILLEGAL          2
#define CAUSE_BREAKPOINT       3
#define CAUSE_MISALIGNED_LOAD  4
#define CAUSE_LOAD_ACCESS      5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS     7
#define CAUSE_ECALL_U          8
#define CAUSE_ECALL_S          9
#define CAUSE_ECALL_M          11
#define CAUSE_FETCH_PAGE       12
#define CAUSE_LOAD_PAGE        13
#define CAUSE_STORE_PAGE       15
#define INTR                   (1 << 63)

#define IRQ_SSI 1
#define IRQ_MSI 3
#define IRQ_STI 5
#define IRQ_MTI 7
#define IRQ_SEI 9
#define IRQ_MEI 11

/* Page-table entry bits */
#define PTE_V (1 << 0)
#define PTE_R (1 << 1)
#define PTE_W (1 << 2)
#define PTE_X (1 << 3)
#define PTE_U (1 << 4)
#define PTE_G (1 << 5)
#define PTE_A (1 << 6)
#define PTE_D (1 << 7)

#define SATP_SV39 (8 << 60)
#define SATP_SV48 (9 << 60)

/* PMP cfg bits */
#define PMP_R 0x01
#define PMP_W 0x02
#define PMP_X 0x04
#define PMP_TOR 0x08
#define PMP_NA4 0x10
#define PMP_NAPOT 0x18
#define PMP_L 0x80

#ifdef __ASSEMBLER__

/* The program's name, printed in every line it writes. */
#define TEST_NAME(s) .section .rodata; .globl test_name; test_name: .asciz s; .text

.macro TEST n
    li gp, \n
.endm

/* Fail the current test unless reg == value (clobbers t6). */
.macro CHECK reg, value
    li t6, \value
    bne \reg, t6, fail
.endm

/* Fail unless two registers are equal. */
.macro CHECKR a, b
    bne \a, \b, fail
.endm

/* Arm the M-mode trap handler: the next trap resumes at label (in M-mode). Clobbers t0, t1. */
.macro EXPECT_TRAP label
    la t0, \label
    la t1, trap_resume
    sd t0, 0(t1)
.endm

/* After an expected trap: fail unless the recorded mcause / mtval are as given (clobbers t5, t6). */
.macro CHECK_CAUSE cause
    ld t5, trap_cause
    li t6, \cause
    bne t5, t6, fail_cause
.endm
.macro CHECK_TVAL tval
    ld t5, trap_tval
    li t6, \tval
    bne t5, t6, fail_tval
.endm
.macro CHECK_TVALR reg
    ld t5, trap_tval
    mv t6, \reg
    bne t5, t6, fail_tval
.endm
/* Fail unless a trap was taken since the last CLEAR_TRAPS (or unless none, for CHECK_NO_TRAP). */
.macro CLEAR_TRAPS
    la t5, trap_count
    sd zero, 0(t5)
.endm
.macro CHECK_TRAPS n
    ld t5, trap_count
    li t6, \n
    bne t5, t6, fail
.endm

/* Same for the S-mode handler (only used when traps are delegated). */
.macro S_EXPECT_TRAP label
    la t0, \label
    la t1, s_trap_resume
    sd t0, 0(t1)
.endm
.macro S_CHECK_CAUSE cause
    ld t5, s_trap_cause
    li t6, \cause
    bne t5, t6, fail_cause
.endm
.macro S_CHECK_TVAL tval
    ld t5, s_trap_tval
    li t6, \tval
    bne t5, t6, fail_tval
.endm
.macro S_CHECK_TVALR reg
    ld t5, s_trap_tval
    mv t6, \reg
    bne t5, t6, fail_tval
.endm

/* Leave M-mode: mret into privilege `mode` at `label` (MPIE cleared). Clobbers t0. */
.macro ENTER_MODE mode, label
    li t0, MSTATUS_MPP | MSTATUS_MPIE
    csrc mstatus, t0
    li t0, (\mode) << 11
    csrs mstatus, t0
    la t0, \label
    csrw mepc, t0
    mret
.endm

/* Print helpers (runtime.S); clobber a0, t0-t2 only. */
.macro PUTS label
    la a0, \label
    call puts
.endm

#endif /* __ASSEMBLER__ */
#endif
