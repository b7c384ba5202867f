/*
 * Zicsr: the six CSR instructions, read-only and missing CSRs, privilege checks, WARL fields
 * (as QEMU 7.2 legalizes them, restricted to the bits an RV64IMAC hart has: fields that only exist
 * because QEMU's default CPU also has F/D/V/H are masked out), boot registers and counters.
 */
#include "test.h"
    .option norvc
TEST_NAME("csr")

/* The instruction at `1:` in the body must raise illegal-instruction with tval = its bits. */
.macro ILLEGAL_INSN n, insn:vararg
    TEST \n
    EXPECT_TRAP 92f
91: \insn
    j fail
92: CHECK_CAUSE CAUSE_ILLEGAL
    la t0, 91b
    lwu t0, 0(t0)
    CHECK_TVALR t0
.endm
/* The instruction must not trap. */
.macro LEGAL_INSN n, insn:vararg
    TEST \n
    CLEAR_TRAPS
    \insn
    CHECK_TRAPS 0
.endm
/* csrw csr, value; then (csr & mask) must be expect. */
.macro WARL n, csr, value, mask, expect
    TEST \n
    li a1, \value
    csrw \csr, a1
    csrr a0, \csr
    li a2, \mask
    and a0, a0, a2
    li a3, \expect
    bne a0, a3, fail_vec      /* prints value written (a), mask (b), got, expected */
.endm

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)

    /* 1..6: the six instructions (on sscratch): old value to rd, new value written */
    TEST 1
    li t0, 0x00ff00ff00ff00ff
    csrw sscratch, t0
    li a1, 0x123456789abcdef0
    csrrw a0, sscratch, a1
    CHECK a0, 0x00ff00ff00ff00ff
    csrr a0, sscratch
    CHECKR a0, a1
    TEST 2
    li a1, 0x0f
    csrrs a0, sscratch, a1
    CHECK a0, 0x123456789abcdef0
    csrr a0, sscratch
    CHECK a0, 0x123456789abcdeff
    TEST 3
    li a1, 0xff00000000000000
    csrrc a0, sscratch, a1
    CHECK a0, 0x123456789abcdeff
    csrr a0, sscratch
    CHECK a0, 0x003456789abcdeff
    TEST 4
    csrrwi a0, sscratch, 0x15
    CHECK a0, 0x003456789abcdeff
    csrr a0, sscratch
    CHECK a0, 0x15
    TEST 5
    csrrsi a0, sscratch, 0x0a
    CHECK a0, 0x15
    csrr a0, sscratch
    CHECK a0, 0x1f
    TEST 6
    csrrci a0, sscratch, 0x11
    CHECK a0, 0x1f
    csrr a0, sscratch
    CHECK a0, 0x0e
    /* rd == rs1, and rd = x0 still writes */
    TEST 7
    li a0, 0x55
    csrrw a0, sscratch, a0
    CHECK a0, 0x0e
    csrr a1, sscratch
    CHECK a1, 0x55
    li a2, 0x66
    csrrw x0, sscratch, a2
    csrr a1, sscratch
    CHECK a1, 0x66
    csrrs x0, sscratch, x0
    csrr a1, sscratch
    CHECK a1, 0x66
    /* mscratch works too (the trap handler relies on it: restore it) */
    TEST 8
    csrr s0, mscratch
    li a1, -1
    csrw mscratch, a1
    csrr a0, mscratch
    CHECK a0, -1
    csrw mscratch, s0

    /* 10..: read-only CSRs: reads (csrrs/csrrc with x0 or uimm 0) are fine, writes are illegal */
    LEGAL_INSN 10, csrrs a0, mhartid, x0
    LEGAL_INSN 11, csrrsi a0, mvendorid, 0
    LEGAL_INSN 12, csrrc a0, marchid, x0
    LEGAL_INSN 13, csrrci a0, mimpid, 0
    ILLEGAL_INSN 14, csrrw a0, mhartid, a1
    ILLEGAL_INSN 15, csrrw x0, mvendorid, x0
    li a1, 1
    ILLEGAL_INSN 16, csrrs a0, mhartid, a1
    /* QEMU 7.2 decides "is this a write" by the mask value, not by rs1 != x0: a csrrs/csrrc of
       a read-only CSR with a zero-valued register does not trap there (the spec says it should) */
    li a1, 0
    LEGAL_INSN 26, csrrs a0, mhartid, a1
    ILLEGAL_INSN 17, csrrwi a0, marchid, 0
    ILLEGAL_INSN 18, csrrsi a0, mimpid, 1
    ILLEGAL_INSN 19, csrw cycle, a1
    li a1, 1
    ILLEGAL_INSN 20, csrrs a0, time, a1
    ILLEGAL_INSN 21, csrw instret, zero
    /* 22: missing CSRs are illegal */
    ILLEGAL_INSN 22, csrr a0, 0x8c0
    ILLEGAL_INSN 23, csrw 0x5c0, a1
    ILLEGAL_INSN 24, csrr a0, 0x3ff
    /* 25: the value of a failed CSR write is not written to rd */
    TEST 25
    li a0, 0x77
    EXPECT_TRAP 1f
    csrrw a0, mhartid, a0
1:  CHECK a0, 0x77

    /* 30..: boot state: a0 = mhartid = 0, a1 = FDT (magic 0xd00dfeed big-endian) */
    TEST 30
    csrr a0, mhartid
    CHECK a0, 0
    ld a1, boot_a0
    CHECK a1, 0
    TEST 31
    ld a1, boot_a1
    beqz a1, fail
    lwu a0, 0(a1)
    CHECK a0, 0xedfe0dd0

    /* 40..: misa: MXL = 2, I M A C S U present; writes do not break it */
    TEST 40
    csrr a0, misa
    srli a1, a0, 62
    CHECK a1, 2
    li t0, (1 << 0) | (1 << 2) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)
    and a1, a0, t0
    CHECKR a1, t0
    csrw misa, zero
    csrr a1, misa
    CHECKR a1, a0

    /* 41..: mstatus: the IMAC fields are writable, WPRI/endianness bits read 0, SXL = UXL = 2 */
    /* (UXL is left alone: QEMU 7.2 lets M-mode write it) */
    WARL 41, mstatus, 0x0000003cff7f99ff, 0x0000003cff7f99ff, 0x00000008007e19aa
    WARL 42, mstatus, 0, 0x0000003cff7f99ff, 0x0000000800000000
    TEST 43                   /* SXL = 2 after writes that try to change it */
    li t0, 0x0000000c00000000
    csrs mstatus, t0
    csrr a0, mstatus
    srli a0, a0, 34
    andi a0, a0, 3
    CHECK a0, 2
    csrw mstatus, zero
    WARL 44, mstatus, MSTATUS_MPP, MSTATUS_MPP, MSTATUS_MPP
    WARL 45, mstatus, (PRV_S << 11), MSTATUS_MPP, (PRV_S << 11)
    WARL 46, mstatus, 0, MSTATUS_MPP, 0
    /* 47: sstatus is a restricted view: only SIE SPIE SPP SUM MXR change through it */
    TEST 47
    csrw mstatus, zero
    li t0, 0x00000000000fffff | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR
    li t1, ~(MSTATUS_FS | (3 << 9))
    and t0, t0, t1
    csrw sstatus, t0
    csrr a0, mstatus
    li t0, 0x7e19aa
    and a0, a0, t0
    mv a1, t0
    li a3, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR
    bne a0, a3, fail_vec
    TEST 48
    li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR
    csrw mstatus, t0
    csrr a0, sstatus
    li t0, 0x7e19aa
    and a0, a0, t0
    CHECK a0, 0
    csrr a0, sstatus
    li t0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR
    csrs sstatus, t0
    csrr a0, sstatus
    li t1, 0x7e19aa
    and a0, a0, t1
    CHECKR a0, t0
    csrw mstatus, zero

    /* 50..: mtvec/stvec: modes 0 and 1 accepted, 2 and 3 leave the register unchanged */
    csrr s0, mtvec
    WARL 50, mtvec, 0x80001004, -1, 0x80001004
    WARL 51, mtvec, 0x80001005, -1, 0x80001005
    WARL 52, mtvec, 0x80002002, -1, 0x80001005
    WARL 53, mtvec, 0x80002003, -1, 0x80001005
    csrw mtvec, s0
    WARL 54, stvec, 0x80001005, -1, 0x80001005
    WARL 55, stvec, 0x80003003, -1, 0x80001005
    WARL 56, stvec, 0x80003000, -1, 0x80003000
    csrw stvec, zero

    /* 60..: delegation: the standard delegable exceptions (0-9, 12, 13, 15) and S interrupts */
    WARL 60, medeleg, -1, 0xb3ff, 0xb3ff
    WARL 61, medeleg, 0, -1, 0
    WARL 62, mideleg, -1, 0xaaa, 0x222
    WARL 63, mideleg, 0, 0xaaa, 0

    /* 64..: mie (M and S bits writable), sie = mie & mideleg */
    WARL 64, mie, -1, 0xaaa, 0xaaa
    WARL 65, mie, 0, -1, 0
    TEST 66
    li t0, 0x222
    csrw mideleg, t0
    li t0, -1
    csrw sie, t0
    csrr a0, mie
    andi a0, a0, 0x7ff
    CHECK a0, 0x222
    csrr a0, sie
    andi a0, a0, 0x7ff
    CHECK a0, 0x222
    csrw sie, zero
    csrr a0, mie
    andi a0, a0, 0x7ff
    CHECK a0, 0
    li t0, 0x888
    csrw mie, t0
    csrr a0, sie
    CHECK a0, 0
    csrw mie, zero
    csrw mideleg, zero

    /* 67..: mip: SSIP STIP SEIP writable from M; MSIP/MTIP/MEIP are not; sip writes only SSIP */
    TEST 67
    li t0, -1
    csrw mip, t0
    csrr a0, mip
    andi a0, a0, 0x22a     /* MTIP (bit 7) reflects mtimecmp: not checked here */
    CHECK a0, 0x222
    csrw mip, zero
    csrr a0, mip
    andi a0, a0, 0x22a
    CHECK a0, 0
    TEST 68
    li t0, 0x222
    csrw mideleg, t0
    li t0, -1
    csrw sip, t0
    csrr a0, mip
    andi a0, a0, 0x22a
    CHECK a0, 0x2
    csrr a0, sip
    andi a0, a0, 0x7ff
    CHECK a0, 0x2
    csrw sip, zero
    csrr a0, sip
    CHECK a0, 0
    csrw mideleg, zero
    TEST 69                   /* MTIP: set while mtime >= mtimecmp (reset value 0) */
    li t0, CLINT_BASE + CLINT_MTIMECMP
    li t1, -1
    sd t1, 0(t0)
    csrr a0, mip
    andi a0, a0, 0x80
    CHECK a0, 0
    sd zero, 0(t0)
    csrr a0, mip
    andi a0, a0, 0x80
    CHECK a0, 0x80

    /* 70..: satp: Sv39/Sv48 with 16 ASID bits and 44 PPN bits; reserved modes leave it unchanged */
    WARL 70, satp, 0x8fffffffffffffff, -1, 0x8fffffffffffffff
    WARL 71, satp, 0xbfffffffffffffff, -1, 0x8fffffffffffffff
    WARL 72, satp, 0xf000000000000000, -1, 0x8fffffffffffffff
    WARL 73, satp, 0x1000000000000000, -1, 0x8fffffffffffffff
    WARL 74, satp, 0x9000000000012345, -1, 0x9000000000012345
    WARL 75, satp, 0x5000000000000001, -1, 0x9000000000012345
    WARL 76, satp, 0, -1, 0
    /* in Bare mode the ASID/PPN fields are still plain storage on QEMU */
    WARL 77, satp, 0x0000000000000001, -1, 1
    csrw satp, zero

    /* 80..: PMP registers: even pmpcfg only on RV64, 16 entries, cfg bytes, locks ignore writes */
    /* (entry 0 is the runtime's allow-all entry: keep it) */
    WARL 80, pmpaddr14, 0x0000000012345678, -1, 0x12345678
    WARL 81, pmpaddr15, 0x00000000000fffff, -1, 0xfffff
    WARL 82, pmpcfg0, 0x1f18101f, -1, 0x1f18101f
    WARL 83, pmpcfg2, 0x0f, -1, 0x0f
    ILLEGAL_INSN 84, csrr a0, pmpcfg1
    ILLEGAL_INSN 85, csrw pmpcfg3, a1
    WARL 86, pmpcfg0, 0x1f, -1, 0x1f
    WARL 87, pmpcfg2, 0, -1, 0
    csrw pmpaddr14, zero
    csrw pmpaddr15, zero

    /* 90..: counters: cycle/instret advance, time follows the CLINT's mtime */
    TEST 90
    rdcycle a0
    rdcycle a1
    bltu a1, a0, fail
    rdinstret a0
    nop
    nop
    rdinstret a1
    bgeu a0, a1, fail
    TEST 91
    li s1, CLINT_BASE + CLINT_MTIME
    rdtime a0
    ld a1, 0(s1)
    rdtime a2
    bltu a1, a0, fail
    bltu a2, a1, fail
    TEST 92                   /* minstret is writable; it keeps counting from the new value */
    li t0, 0x100000000
    csrw minstret, t0
    csrr a0, minstret
    bltu a0, t0, fail
    csrw mcycle, t0
    csrr a0, mcycle
    bltu a0, t0, fail
    WARL 93, mcounteren, 7, 7, 7
    WARL 94, scounteren, 5, 7, 5

    /* 100..: privilege: S cannot touch M CSRs, U cannot touch S CSRs, counters need mcounteren */
    csrw mcounteren, zero
    csrw scounteren, zero
    TEST 100
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  csrr a0, mstatus
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    ld t0, trap_status
    srli t0, t0, 11
    andi t0, t0, 3
    CHECK t0, PRV_S          /* MPP recorded the trapping mode */
    TEST 101
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  csrr a0, sstatus        /* fine in S */
    csrr a0, sscratch
    ecall
    j fail
2:  CHECK_CAUSE CAUSE_ECALL_S
    TEST 102
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  csrr a0, sstatus
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    TEST 103
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  rdtime a0               /* mcounteren.TM = 0 */
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    TEST 104
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  rdcycle a0
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    TEST 105
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  rdinstret a0
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    TEST 106
    li t0, 7
    csrw mcounteren, t0
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  rdtime a0
    rdcycle a0
    rdinstret a0
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_S
    TEST 107                  /* U: also needs scounteren */
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  rdtime a0
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    TEST 108
    li t0, 2
    csrw scounteren, t0
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  rdtime a0
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_U
    TEST 109                  /* mcounteren = 0 wins over scounteren in U */
    csrw mcounteren, zero
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  rdtime a0
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    csrw scounteren, zero

    ld ra, 0(sp)
    addi sp, sp, 16
    ret
