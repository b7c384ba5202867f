/*
 * Runtime linked into every ISA test program: entry, console output, pass/fail exits,
 * and the M-mode / S-mode trap handlers that turn "expected" traps into a resume.
 */
#include "test.h"

    .section .text.init
    .globl _start
_start:
    la sp, stack_top
    la t0, boot_a0
    sd a0, 0(t0)
    sd a1, 8(t0)
    la t0, m_trap_stack_top
    csrw mscratch, t0
    la t0, m_trap_entry
    csrw mtvec, t0
    /* One PMP entry granting S/U everything, as firmware does: QEMU 7.2 refuses an mret to a
       lower privilege while no PMP entry is set (illegal instruction). pmp.S tests that case. */
    li t0, -1
    srli t0, t0, 10
    csrw pmpaddr0, t0
    li t0, PMP_NAPOT | PMP_R | PMP_W | PMP_X
    csrw pmpcfg0, t0
    li gp, 0
    call test_main
    j pass

    .text
/* ---- console ---- */
    .globl putc
putc:                       /* a0 = byte; clobbers t0, t1 */
    li t0, UART_BASE
1:  lbu t1, UART_LSR(t0)
    andi t1, t1, 0x20
    beqz t1, 1b
    sb a0, 0(t0)
    ret

/* Wait until the UART has sent everything (LSR.TEMT): QEMU exits on the sifive_test write at
   once, and a byte its chardev could not write yet (a full pipe) would be lost. */
    .globl uart_drain
uart_drain:
    li t0, UART_BASE
1:  lbu t1, UART_LSR(t0)
    andi t1, t1, 0x40
    beqz t1, 1b
    ret

    .globl puts
puts:                       /* a0 = NUL-terminated string; clobbers a0, t0-t2 */
    mv t2, a0
    li t0, UART_BASE
1:  lbu a0, 0(t2)
    beqz a0, 3f
2:  lbu t1, UART_LSR(t0)
    andi t1, t1, 0x20
    beqz t1, 2b
    sb a0, 0(t0)
    addi t2, t2, 1
    j 1b
3:  ret

    .globl puthex
puthex:                     /* a0 = value, printed as 0x + 16 hex digits; clobbers a0, t0-t3 */
    mv t2, a0
    li t3, 60
    li t0, UART_BASE
1:  lbu t1, UART_LSR(t0)
    andi t1, t1, 0x20
    beqz t1, 1b
    li t1, '0'
    sb t1, 0(t0)
1:  lbu t1, UART_LSR(t0)
    andi t1, t1, 0x20
    beqz t1, 1b
    li t1, 'x'
    sb t1, 0(t0)
2:  srl a0, t2, t3
    andi a0, a0, 15
    addi a0, a0, '0'
    li t1, '9'
    ble a0, t1, 3f
    addi a0, a0, 'a' - '0' - 10
3:  lbu t1, UART_LSR(t0)
    andi t1, t1, 0x20
    beqz t1, 3b
    sb a0, 0(t0)
    addi t3, t3, -4
    bgez t3, 2b
    ret

    .globl putdec
putdec:                     /* a0 = unsigned value < 10^6 in decimal; clobbers a0, t0-t4 */
    mv t2, a0
    li t3, 100000
    li t0, 0                /* printed a digit yet? */
1:  divu a0, t2, t3
    remu t2, t2, t3
    bnez a0, 2f
    bnez t0, 2f
    li t1, 1
    bne t3, t1, 4f
2:  li t0, 1
    addi a0, a0, '0'
    li t1, UART_BASE
3:  lbu t4, UART_LSR(t1)
    andi t4, t4, 0x20
    beqz t4, 3b
    sb a0, 0(t1)
4:  li t1, 10
    divu t3, t3, t1
    bnez t3, 1b
    ret

/* "<name>: <msg>\n": a0 = msg. Clobbers a0, t0-t2, ra saved by caller. */
    .globl report
report:
    addi sp, sp, -16
    sd ra, 0(sp)
    sd a0, 8(sp)
    la a0, test_name
    call puts
    la a0, str_colon
    call puts
    ld a0, 8(sp)
    call puts
    li a0, '\n'
    call putc
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

/* ---- exits ---- */
    .globl pass
pass:
    la sp, stack_top
    la a0, str_pass
    call report
    call uart_drain
    li t0, TESTDEV_BASE
    li t1, TESTDEV_PASS
    sw t1, 0(t0)
1:  wfi
    j 1b

    .globl fail
fail:
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    la sp, stack_top
    bnez gp, 1f
    li gp, 255              /* a zero code would look like success */
1:  la a0, test_name
    call puts
    la a0, str_fail
    call puts
    mv a0, gp
    call putdec
    li a0, '\n'
    call putc
    call uart_drain
    slli t1, gp, 16
    li t0, TESTDEV_FAIL
    or t1, t1, t0
    li t0, TESTDEV_BASE
    sw t1, 0(t0)
1:  wfi
    j 1b

/* Table-driven checks: print operands a1, a2, result a0 and expected a3, then fail. */
    .globl fail_vec
fail_vec:
    mv s5, a0
    mv s6, a1
    mv s7, a2
    mv s8, a3
    la a0, str_vec_a
    call puts
    mv a0, s6
    call puthex
    la a0, str_vec_b
    call puts
    mv a0, s7
    call puthex
    la a0, str_vec_got
    call puts
    mv a0, s5
    call puthex
    la a0, str_vec_exp
    call puts
    mv a0, s8
    call puthex
    li a0, '\n'
    call putc
    j fail

/* Trap checks: t5 = recorded value, t6 = expected. Print both, then fail. */
    .globl fail_cause, fail_tval
fail_cause:
    la a0, str_bad_cause
    j 1f
fail_tval:
    la a0, str_bad_tval
1:  mv s5, t5
    mv s6, t6
    call puts
    mv a0, s5
    call puthex
    la a0, str_vec_exp
    call puts
    mv a0, s6
    call puthex
    li a0, '\n'
    call putc
    j fail

/* ---- M-mode trap handler ---- */
    .align 8
    .globl m_trap_entry
m_trap_entry:
    csrrw sp, mscratch, sp
    addi sp, sp, -48
    sd t0, 0(sp)
    sd t1, 8(sp)
    sd t2, 16(sp)
    sd a0, 24(sp)
    sd ra, 32(sp)
    la t0, trap_count
    ld t1, 0(t0)
    addi t1, t1, 1
    sd t1, 0(t0)
    la t0, trap_cause
    csrr t1, mcause
    sd t1, 0(t0)
    csrr t1, mtval
    sd t1, 8(t0)
    csrr t1, mepc
    sd t1, 16(t0)
    csrr t1, mstatus
    sd t1, 24(t0)
    ld t1, 32(t0)           /* trap_resume */
    beqz t1, m_unexpected
    sd zero, 32(t0)
    csrw mepc, t1
    li t0, MSTATUS_MPP
    csrs mstatus, t0        /* resume in M-mode */
    csrr t1, mcause
    bgez t1, 1f
    li t0, MSTATUS_MPIE     /* after an interrupt, resume with MIE = 0: the source is still pending */
    csrc mstatus, t0
1:
    ld t0, 0(sp)
    ld t1, 8(sp)
    ld t2, 16(sp)
    ld a0, 24(sp)
    ld ra, 32(sp)
    addi sp, sp, 48
    csrrw sp, mscratch, sp
    mret

m_unexpected:
    la a0, test_name
    call puts
    la a0, str_unexp_m
    call puts
    csrr a0, mcause
    call puthex
    la a0, str_epc
    call puts
    csrr a0, mepc
    call puthex
    la a0, str_tval
    call puts
    csrr a0, mtval
    call puthex
    li a0, '\n'
    call putc
    j fail

/* ---- S-mode trap handler (used by programs that delegate traps) ---- */
    .align 8
    .globl s_trap_entry
s_trap_entry:
    csrrw sp, sscratch, sp
    addi sp, sp, -48
    sd t0, 0(sp)
    sd t1, 8(sp)
    sd t2, 16(sp)
    sd a0, 24(sp)
    sd ra, 32(sp)
    la t0, s_trap_count
    ld t1, 0(t0)
    addi t1, t1, 1
    sd t1, 0(t0)
    la t0, s_trap_cause
    csrr t1, scause
    sd t1, 0(t0)
    csrr t1, stval
    sd t1, 8(t0)
    csrr t1, sepc
    sd t1, 16(t0)
    csrr t1, sstatus
    sd t1, 24(t0)
    ld t1, 32(t0)
    beqz t1, s_unexpected
    sd zero, 32(t0)
    csrw sepc, t1
    li t0, MSTATUS_SPP
    csrs sstatus, t0        /* resume in S-mode */
    csrr t1, scause
    bgez t1, 1f
    li t0, MSTATUS_SPIE     /* after an interrupt, resume with SIE = 0 */
    csrc sstatus, t0
1:
    ld t0, 0(sp)
    ld t1, 8(sp)
    ld t2, 16(sp)
    ld a0, 24(sp)
    ld ra, 32(sp)
    addi sp, sp, 48
    csrrw sp, sscratch, sp
    sret

s_unexpected:
    la a0, test_name
    call puts
    la a0, str_unexp_s
    call puts
    csrr a0, scause
    call puthex
    la a0, str_epc
    call puts
    csrr a0, sepc
    call puthex
    la a0, str_tval
    call puts
    csrr a0, stval
    call puthex
    li a0, '\n'
    call putc
    j fail

    .section .rodata
str_colon:  .asciz ": "
str_pass:   .asciz "PASS"
str_fail:   .asciz ": FAIL test "
str_unexp_m: .asciz ": unexpected M-mode trap mcause="
str_unexp_s: .asciz ": unexpected S-mode trap scause="
str_epc:    .asciz " epc="
str_tval:   .asciz " tval="
str_vec_a:  .asciz "operands a="
str_bad_cause: .asciz "trap cause="
str_bad_tval: .asciz "trap tval="
str_vec_b:  .asciz " b="
str_vec_got: .asciz " got="
str_vec_exp: .asciz " expected="

    .data
    .align 3
    .globl boot_a0, boot_a1
boot_a0: .dword 0
boot_a1: .dword 0
    .globl trap_cause, trap_tval, trap_epc, trap_status, trap_resume, trap_count
trap_cause:  .dword 0
trap_tval:   .dword 0
trap_epc:    .dword 0
trap_status: .dword 0
trap_resume: .dword 0
trap_count:  .dword 0
    .globl s_trap_cause, s_trap_tval, s_trap_epc, s_trap_status, s_trap_resume, s_trap_count
s_trap_cause:  .dword 0
s_trap_tval:   .dword 0
s_trap_epc:    .dword 0
s_trap_status: .dword 0
s_trap_resume: .dword 0
s_trap_count:  .dword 0

    .bss
    .align 12
    .space 8192
    .globl stack_top
stack_top:
    .space 2048
    .globl m_trap_stack_top
m_trap_stack_top:
    .space 2048
    .globl s_trap_stack_top
s_trap_stack_top:
