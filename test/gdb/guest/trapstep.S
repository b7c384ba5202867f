# Single-stepping through trap entries: an ecall, an illegal instruction, and a machine timer
# interrupt that becomes pending while a debugger steps (QEMU holds interrupts during a step
# unless its sstep flags say otherwise). Each trap returns to the next instruction.
    .section .text.init
    .globl _start
_start:
    la t0, handler
    csrw mtvec, t0
    li a0, 1
    .globl do_ecall
do_ecall:
    ecall
    .globl do_illegal
do_illegal:
    .word 0xffffffff             # illegal (32-bit)
    .globl arm_timer
arm_timer:
    li t0, 0x2004000            # CLINT mtimecmp of hart 0: 0, so the timer is due at once
    sd zero, 0(t0)
    li t1, 0x80
    csrs mie, t1                # MTIE
    .globl enable
enable:
    csrsi mstatus, 8            # MIE: the interrupt can be taken after this instruction
    nop
    nop
    .globl done
done:
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
1:  j 1b

    .globl handler
    .balign 4
handler:
    csrr t2, mcause
    bltz t2, irq
    csrr t3, mepc
    addi t3, t3, 4
    csrw mepc, t3
    mret
    .globl irq
irq:
    li t0, 0x2004000
    li t1, -1
    sd t1, 0(t0)                # no more timer interrupts
    mret
