# Bare-metal start for the debugger test program: hart 0 clears .bss and runs main, then
# powers off through sifive_test; every other hart parks in park() on a stack of its own.
    .section .text.init
    .globl _start
_start:
    csrr t0, mhartid
    bnez t0, 3f
    la sp, _stack_top
    la t0, _bss_start
    la t1, _bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call main
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
4:  j 4b
3:  la sp, _stack_top
    slli t0, t0, 12
    sub sp, sp, t0
    addi sp, sp, -1024
    call park
    j 3b
