/*
 * F/D integration with the rest of the hart: misa F and D, mstatus.FS Off/Initial/Clean/Dirty and SD
 * (which instructions make FS dirty, as QEMU 7.2 does it), FS = Off making every FP instruction and
 * the FP CSRs illegal (in M and U mode, compressed forms too), the fflags/frm/fcsr CSRs (masks,
 * aliasing, every CSR instruction form, flag accumulation), rounding-mode encodings (static rm in
 * every instruction that rounds, DYN through frm, rm = 5/6 and frm = 5/6/7 illegal), and reserved
 * OP-FP / LOAD-FP / STORE-FP encodings. Expected values were taken from QEMU 7.2.
 */
#include "test.h"
    .option norvc
TEST_NAME("fp_csr")

#define FS_OFF     0
#define FS_INITIAL 1
#define FS_CLEAN   2
#define FS_DIRTY   3
#define MSTATUS_SD (1 << 63)

#define FFLAGS_NX 0x01
#define FFLAGS_UF 0x02
#define FFLAGS_OF 0x04
#define FFLAGS_DZ 0x08
#define FFLAGS_NV 0x10

/* double bit patterns */
#define D_ONE      0x3ff0000000000000
#define D_TWO      0x4000000000000000
#define D_THREE    0x4008000000000000
#define D_MONE     0xbff0000000000000
#define D_HALFULP  0x3ca0000000000000   /* 2^-53: half an ulp of 1.0 */
#define D_MAX      0x7fefffffffffffff
#define D_MINNORM  0x0010000000000000
#define D_INF      0x7ff0000000000000
#define D_QNAN     0x7ff8000000000000
#define D_SNAN     0x7ff0000000000001
/* single bit patterns (boxed by fmv.w.x) */
#define S_ONE      0x3f800000
#define S_THREE    0x40400000
#define S_MONE     0xbf800000

/* mstatus.FS = v (clobbers t0) */
.macro SET_FS v
    li t0, MSTATUS_FS
    csrc mstatus, t0
    li t0, (\v) << 13
    csrs mstatus, t0
.endm
/* Fail unless mstatus.FS == v and mstatus.SD == (v == Dirty); prints mstatus (clobbers t0, t5, t6). */
.macro CHECK_FS v
    csrr t5, mstatus
    li t6, MSTATUS_FS | MSTATUS_SD
    and t5, t5, t6
    .if (\v) == FS_DIRTY
    li t6, ((\v) << 13) | MSTATUS_SD
    .else
    li t6, (\v) << 13
    .endif
    bne t5, t6, fail_fs
.endm
/* f register = 64-bit pattern / boxed single (clobbers t0) */
.macro FLI freg, bits
    li t0, \bits
    fmv.d.x \freg, t0
.endm
.macro FLIS freg, bits
    li t0, \bits
    fmv.w.x \freg, t0
.endm
/* Fail unless the raw 64 bits of freg are `bits` (clobbers t0, t6) */
.macro FCHECK freg, bits
    fmv.x.d t0, \freg
    CHECK t0, \bits
.endm
/* Fail unless fflags == v (clobbers t0, t6) */
.macro CHECK_FLAGS v
    csrr t0, fflags
    CHECK t0, \v
.endm

/* The instruction at 91: must raise illegal-instruction with mtval = its 32 bits. */
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
/* Like ILLEGAL_INSN within the current test number; a failure prints the instruction bits (clobbers t0, t1, t4-t6). */
.macro ILLEGAL_SUB insn:vararg
    EXPECT_TRAP 92f
91: \insn
    j 93f
92: la t4, 91b
    lwu t4, 0(t4)
    ld t5, trap_cause
    li t6, CAUSE_ILLEGAL
    bne t5, t6, 93f
    ld t5, trap_tval
    bne t5, t4, 93f
    j 94f
93: la a0, 91b
    j fail_insn
94:
.endm
/* The same for a 16-bit instruction (mtval = the 16 bits). */
.macro ILLEGAL_C n, insn:vararg
    TEST \n
    EXPECT_TRAP 92f
    .option push
    .option rvc
91: \insn
    .option pop
    j fail
92: CHECK_CAUSE CAUSE_ILLEGAL
    la t0, 91b
    lhu t0, 0(t0)
    CHECK_TVALR t0
.endm
/* FS goes from `from` to `to` when insn executes (no trap). */
.macro FS_AFTER n, from, to, insn:vararg
    TEST \n
    SET_FS \from
    CHECK_FS \from
    CLEAR_TRAPS
    \insn
    CHECK_TRAPS 0
    CHECK_FS \to
.endm
/* FS_AFTER for a 16-bit instruction */
.macro FS_AFTER_C n, from, to, insn:vararg
    TEST \n
    SET_FS \from
    CLEAR_TRAPS
    .option push
    .option rvc
    \insn
    .option pop
    CHECK_TRAPS 0
    CHECK_FS \to
.endm

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)

    /* 1: misa: MXL = 2 and I M A F D C S U; a write does not remove F or D */
    TEST 1
    csrr a0, misa
    srli a1, a0, 62
    CHECK a1, 2
    li t0, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)
    and a1, a0, t0
    CHECKR a1, t0
    csrw misa, zero
    csrr a1, misa
    CHECKR a1, a0

    /* 2: out of reset FS = Off and SD = 0 (-bios none: nothing enabled it) */
    TEST 2
    CHECK_FS FS_OFF
    csrr a0, sstatus
    li t0, MSTATUS_FS | MSTATUS_SD
    and a0, a0, t0
    CHECK a0, 0

    /* 3..6: FS is a WARL field holding all four values, SD follows FS == Dirty (mstatus and sstatus) */
    TEST 3
    SET_FS FS_INITIAL
    CHECK_FS FS_INITIAL
    csrr a0, fcsr             /* out of reset fcsr = 0 (as QEMU 7.2 resets it) */
    CHECK a0, 0
    CHECK_FS FS_INITIAL
    TEST 4
    SET_FS FS_CLEAN
    CHECK_FS FS_CLEAN
    TEST 5
    SET_FS FS_DIRTY
    CHECK_FS FS_DIRTY
    csrr a0, sstatus
    li t0, MSTATUS_FS | MSTATUS_SD
    and a0, a0, t0
    CHECKR a0, t0
    TEST 6                    /* sstatus writes FS too; SD is read-only (writing it does nothing) */
    li t0, MSTATUS_FS
    csrc sstatus, t0
    CHECK_FS FS_OFF
    li t0, (FS_CLEAN << 13) | MSTATUS_SD
    csrs sstatus, t0
    CHECK_FS FS_CLEAN
    csrr a0, sstatus
    li t0, MSTATUS_FS | MSTATUS_SD
    and a0, a0, t0
    CHECK a0, FS_CLEAN << 13
    li t0, MSTATUS_SD
    csrs mstatus, t0
    CHECK_FS FS_CLEAN

    /* 7: the FP state survives FS = Off: set registers and fcsr, turn FP off and on again */
    TEST 7
    SET_FS FS_DIRTY
    FLI f0, 0x0123456789abcdef
    FLI f31, 0xfedcba9876543210
    li t0, 0x5a
    csrw fcsr, t0
    SET_FS FS_OFF
    SET_FS FS_CLEAN
    FCHECK f0, 0x0123456789abcdef
    FCHECK f31, 0xfedcba9876543210
    csrr a0, fcsr
    CHECK a0, 0x5a

    /* 10..: FS = Off: every kind of FP instruction is illegal (tval = the instruction) */
    SET_FS FS_DIRTY
    FLI fa0, D_ONE
    FLI fa1, D_TWO
    FLI fa2, D_THREE
    FLI fa3, 0x5555aaaa5555aaaa
    la a1, fp_buf
    SET_FS FS_OFF
    ILLEGAL_INSN 10, flw fa3, 0(a1)
    ILLEGAL_INSN 11, fld fa3, 8(a1)
    ILLEGAL_INSN 12, fsw fa0, 0(a1)
    ILLEGAL_INSN 13, fsd fa0, 8(a1)
    ILLEGAL_INSN 14, fadd.s fa3, fa0, fa1
    ILLEGAL_INSN 15, fadd.d fa3, fa0, fa1, rne
    ILLEGAL_INSN 16, fmadd.d fa3, fa0, fa1, fa2
    ILLEGAL_INSN 17, fnmsub.s fa3, fa0, fa1, fa2, rtz
    ILLEGAL_INSN 18, fsqrt.d fa3, fa0
    ILLEGAL_INSN 19, fsgnj.d fa3, fa0, fa1
    ILLEGAL_INSN 20, fmin.s fa3, fa0, fa1
    ILLEGAL_INSN 21, feq.d a0, fa0, fa1
    ILLEGAL_INSN 22, flt.s a0, fa0, fa1
    ILLEGAL_INSN 23, fclass.d a0, fa0
    ILLEGAL_INSN 24, fmv.x.w a0, fa0
    ILLEGAL_INSN 25, fmv.x.d a0, fa0
    ILLEGAL_INSN 26, fmv.w.x fa3, a1
    ILLEGAL_INSN 27, fmv.d.x fa3, a1
    ILLEGAL_INSN 28, fcvt.w.d a0, fa0, rtz
    ILLEGAL_INSN 29, fcvt.d.l fa3, a1
    ILLEGAL_INSN 30, fcvt.s.d fa3, fa0
    ILLEGAL_INSN 31, fcvt.d.s fa3, fa0
    ILLEGAL_INSN 32, csrr a0, fflags
    ILLEGAL_INSN 33, csrr a0, frm
    ILLEGAL_INSN 34, csrr a0, fcsr
    ILLEGAL_INSN 35, csrw fflags, zero
    ILLEGAL_INSN 36, csrwi frm, 1
    ILLEGAL_INSN 37, csrrs a0, fcsr, x0
    ILLEGAL_C 38, c.fld fa3, 8(a1)
    ILLEGAL_C 39, c.fsd fa0, 8(a1)
    ILLEGAL_C 40, c.fldsp fa3, 8(sp)
    ILLEGAL_C 41, c.fsdsp fa0, 8(sp)
    TEST 42                   /* nothing changed: FS still Off, registers and memory untouched */
    CHECK_FS FS_OFF
    SET_FS FS_CLEAN
    FCHECK fa3, 0x5555aaaa5555aaaa
    la a1, fp_buf
    ld a0, 0(a1)
    CHECK a0, 0
    ld a0, 8(a1)
    CHECK a0, 0
    CHECK_FLAGS 0x1a          /* from test 7 */
    csrr a0, frm
    CHECK a0, 2

    /* 45..: the same from U-mode; with FS on, U-mode uses FP and the FP CSRs (fcsr is unprivileged) */
    TEST 45
    SET_FS FS_OFF
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  fadd.d fa3, fa0, fa1
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    ld t0, trap_epc
    lwu t0, 0(t0)
    CHECK_TVALR t0
    TEST 46
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  csrr a0, fcsr
    j fail
2:  CHECK_CAUSE CAUSE_ILLEGAL
    TEST 47
    SET_FS FS_INITIAL
    EXPECT_TRAP 2f
    ENTER_MODE PRV_U, 1f
1:  csrwi fflags, 0
    fdiv.d fa3, fa0, fa2, rne
    csrr a2, fflags
    csrr a3, fcsr
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_U
    CHECK a2, FFLAGS_NX
    CHECK a3, 0x41
    FCHECK fa3, 0x3fd5555555555555
    CHECK_FS FS_DIRTY

    /* 48, 49: delegated to S-mode (medeleg bit 2): scause 2, stval = the instruction bits */
    la t0, s_trap_entry
    csrw stvec, t0
    la t0, s_trap_stack_top
    csrw sscratch, t0
    li t0, 1 << CAUSE_ILLEGAL
    csrw medeleg, t0
    TEST 48
    SET_FS FS_OFF
    EXPECT_TRAP 4f
    ENTER_MODE PRV_S, 1f
1:  S_EXPECT_TRAP 3f
2:  fmadd.s fa3, fa0, fa1, fa2, rup
    j fail
3:  ecall
4:  CHECK_CAUSE CAUSE_ECALL_S
    S_CHECK_CAUSE CAUSE_ILLEGAL
    la t0, 2b
    lwu t0, 0(t0)
    S_CHECK_TVALR t0
    TEST 49
    EXPECT_TRAP 4f
    ENTER_MODE PRV_S, 1f
1:  S_EXPECT_TRAP 3f
    .option push
    .option rvc
2:  c.fsdsp fa0, 16(sp)
    .option pop
    j fail
3:  ecall
4:  CHECK_CAUSE CAUSE_ECALL_S
    S_CHECK_CAUSE CAUSE_ILLEGAL
    la t0, 2b
    lhu t0, 0(t0)
    S_CHECK_TVALR t0
    csrw medeleg, zero

    /* 50..: which instructions make FS Dirty (QEMU 7.2): loads, anything that writes an f register,
       writes to the FP CSRs. Stores, compares, fclass, fmv.x.*, fcvt to integer and reads of
       the FP CSRs leave it as it was. Operands: */
    SET_FS FS_DIRTY
    FLI fa0, D_ONE
    FLI fa1, D_THREE
    FLIS fa2, S_ONE
    FLIS fa4, S_THREE
    FLI fa5, D_QNAN
    la a1, fp_buf
    li a2, 5
    csrw fcsr, zero
    FS_AFTER 50, FS_CLEAN, FS_DIRTY, flw fa3, 0(a1)
    FS_AFTER 51, FS_CLEAN, FS_DIRTY, fld fa3, 0(a1)
    FS_AFTER 52, FS_INITIAL, FS_DIRTY, fld fa3, 0(a1)
    FS_AFTER 53, FS_CLEAN, FS_CLEAN, fsw fa0, 0(a1)
    FS_AFTER 54, FS_CLEAN, FS_CLEAN, fsd fa0, 0(a1)
    FS_AFTER 55, FS_INITIAL, FS_INITIAL, fsd fa0, 8(a1)
    FS_AFTER 56, FS_CLEAN, FS_DIRTY, fadd.d fa3, fa0, fa1
    FS_AFTER 57, FS_INITIAL, FS_DIRTY, fadd.s fa3, fa2, fa4
    FS_AFTER 58, FS_CLEAN, FS_DIRTY, fmadd.d fa3, fa0, fa1, fa0
    FS_AFTER 59, FS_CLEAN, FS_DIRTY, fnmadd.s fa3, fa2, fa4, fa2
    FS_AFTER 60, FS_CLEAN, FS_DIRTY, fsqrt.d fa3, fa1
    FS_AFTER 61, FS_CLEAN, FS_DIRTY, fdiv.s fa3, fa2, fa4
    FS_AFTER 62, FS_CLEAN, FS_DIRTY, fsgnj.d fa3, fa0, fa1
    FS_AFTER 63, FS_CLEAN, FS_DIRTY, fsgnjx.s fa3, fa2, fa4
    FS_AFTER 64, FS_CLEAN, FS_DIRTY, fmin.d fa3, fa0, fa1
    FS_AFTER 65, FS_CLEAN, FS_DIRTY, fmax.s fa3, fa2, fa4
    FS_AFTER 66, FS_CLEAN, FS_DIRTY, fmv.w.x fa3, a2
    FS_AFTER 67, FS_CLEAN, FS_DIRTY, fmv.d.x fa3, a2
    FS_AFTER 68, FS_CLEAN, FS_DIRTY, fcvt.s.w fa3, a2
    FS_AFTER 69, FS_CLEAN, FS_DIRTY, fcvt.d.lu fa3, a2
    FS_AFTER 70, FS_CLEAN, FS_DIRTY, fcvt.s.d fa3, fa0
    FS_AFTER 71, FS_CLEAN, FS_DIRTY, fcvt.d.s fa3, fa2
    FS_AFTER 72, FS_CLEAN, FS_CLEAN, feq.d a0, fa0, fa1
    FS_AFTER 73, FS_CLEAN, FS_CLEAN, flt.s a0, fa2, fa4
    FS_AFTER 74, FS_CLEAN, FS_CLEAN, fle.d a0, fa0, fa1
    FS_AFTER 75, FS_CLEAN, FS_CLEAN, fclass.d a0, fa0
    FS_AFTER 76, FS_CLEAN, FS_CLEAN, fclass.s a0, fa2
    FS_AFTER 77, FS_CLEAN, FS_CLEAN, fmv.x.w a0, fa2
    FS_AFTER 78, FS_CLEAN, FS_CLEAN, fmv.x.d a0, fa0
    FS_AFTER 79, FS_CLEAN, FS_CLEAN, fcvt.w.d a0, fa1
    FS_AFTER 80, FS_CLEAN, FS_CLEAN, fcvt.lu.s a0, fa4
    FS_AFTER 81, FS_INITIAL, FS_INITIAL, fcvt.l.d a0, fa0
    FS_AFTER 82, FS_CLEAN, FS_CLEAN, csrr a0, fflags
    FS_AFTER 83, FS_CLEAN, FS_CLEAN, csrr a0, frm
    FS_AFTER 84, FS_CLEAN, FS_CLEAN, csrr a0, fcsr
    FS_AFTER 85, FS_CLEAN, FS_CLEAN, csrrs a0, fflags, x0
    FS_AFTER 86, FS_CLEAN, FS_CLEAN, csrrci a0, fcsr, 0
    FS_AFTER 87, FS_CLEAN, FS_DIRTY, csrw fflags, zero
    FS_AFTER 88, FS_CLEAN, FS_DIRTY, csrwi frm, 0
    FS_AFTER 89, FS_INITIAL, FS_DIRTY, csrw fcsr, zero
    FS_AFTER 90, FS_CLEAN, FS_DIRTY, csrrsi a0, fflags, 1
    FS_AFTER_C 91, FS_CLEAN, FS_DIRTY, c.fld fa3, 0(a1)
    FS_AFTER_C 92, FS_CLEAN, FS_DIRTY, c.fldsp fa3, 0(sp)
    FS_AFTER_C 93, FS_CLEAN, FS_CLEAN, c.fsd fa0, 0(a1)
    FS_AFTER_C 94, FS_CLEAN, FS_CLEAN, c.fsdsp fa0, 8(sp)
    /* 95: a compare / conversion that raises a flag sets fflags but still leaves FS Clean */
    TEST 95
    SET_FS FS_DIRTY
    csrw fflags, zero
    SET_FS FS_CLEAN
    flt.d a0, fa5, fa0
    CHECK a0, 0
    CHECK_FS FS_CLEAN
    fcvt.w.d a0, fa5, rtz
    CHECK a0, 0x7fffffff
    CHECK_FS FS_CLEAN
    CHECK_FLAGS FFLAGS_NV
    CHECK_FS FS_CLEAN
    /* 96: csrrs/csrrc of fflags with a register holding 0 */
    li a2, 0
    FS_AFTER 96, FS_CLEAN, FS_CLEAN, csrrs a0, fflags, a2
    FS_AFTER 97, FS_CLEAN, FS_CLEAN, csrrc a0, frm, a2
    /* 98: a trap does not change FS */
    TEST 98
    SET_FS FS_CLEAN
    EXPECT_TRAP 1f
    ecall
1:  CHECK_FS FS_CLEAN

    /* 100..: fcsr = frm << 5 | fflags; masks; old values returned by every CSR instruction form */
    SET_FS FS_DIRTY
    TEST 100
    li a1, -1
    csrw fcsr, a1
    csrr a0, fcsr
    CHECK a0, 0xff
    csrr a0, fflags
    CHECK a0, 0x1f
    csrr a0, frm
    CHECK a0, 7
    TEST 101
    csrw fflags, zero
    csrr a0, fcsr
    CHECK a0, 0xe0
    li a1, 0xfd
    csrrw a0, frm, a1
    CHECK a0, 7
    csrr a0, frm
    CHECK a0, 5
    csrr a0, fcsr
    CHECK a0, 0xa0
    TEST 102
    li a1, 0x3c3
    csrrw a0, fflags, a1
    CHECK a0, 0
    csrr a0, fflags
    CHECK a0, 0x03
    csrr a0, fcsr
    CHECK a0, 0xa3
    TEST 103
    li a1, 0x10
    csrrs a0, fflags, a1
    CHECK a0, 0x03
    csrr a0, fflags
    CHECK a0, 0x13
    csrrc a0, fflags, a1
    CHECK a0, 0x13
    csrr a0, fflags
    CHECK a0, 0x03
    TEST 104
    csrrsi a0, fflags, 0x1c
    CHECK a0, 0x03
    csrrci a0, fflags, 0x01
    CHECK a0, 0x1f
    csrr a0, fflags
    CHECK a0, 0x1e
    csrrwi a0, fflags, 0x08
    CHECK a0, 0x1e
    csrr a0, fcsr
    CHECK a0, 0xa8
    TEST 105
    csrrwi a0, frm, 3
    CHECK a0, 5
    csrrsi a0, frm, 4
    CHECK a0, 3
    csrrci a0, frm, 1
    CHECK a0, 7
    csrr a0, frm
    CHECK a0, 6
    csrr a0, fcsr
    CHECK a0, 0xc8
    TEST 106
    li a1, 0x1ff
    csrrw a0, fcsr, a1
    CHECK a0, 0xc8
    csrr a0, fcsr
    CHECK a0, 0xff
    li a1, 0x21
    csrrc a0, fcsr, a1
    CHECK a0, 0xff
    csrr a0, fcsr
    CHECK a0, 0xde
    csrrsi a0, fcsr, 0x1
    csrr a0, fcsr
    CHECK a0, 0xdf
    csrrwi a0, fcsr, 0x15
    CHECK a0, 0xdf
    csrr a0, fcsr
    CHECK a0, 0x15
    csrr a0, frm
    CHECK a0, 0

    /* 110..: each flag from one operation, and accumulation */
    FLI fa0, D_ONE
    FLI fa1, D_THREE
    FLI fa2, 0
    FLI fa4, D_MAX
    FLI fa5, D_MINNORM
    FLI fa6, D_MONE
    FLI fa7, D_TWO
    TEST 110
    csrw fcsr, zero
    fdiv.d fa3, fa0, fa1
    CHECK_FLAGS FFLAGS_NX
    TEST 111
    csrw fflags, zero
    fmul.d fa3, fa5, fa5
    CHECK_FLAGS FFLAGS_UF | FFLAGS_NX
    FCHECK fa3, 0
    TEST 112
    csrw fflags, zero
    fmul.d fa3, fa4, fa7
    CHECK_FLAGS FFLAGS_OF | FFLAGS_NX
    FCHECK fa3, D_INF
    TEST 113
    csrw fflags, zero
    fdiv.d fa3, fa0, fa2
    CHECK_FLAGS FFLAGS_DZ
    FCHECK fa3, D_INF
    TEST 114
    csrw fflags, zero
    fsqrt.d fa3, fa6
    CHECK_FLAGS FFLAGS_NV
    FCHECK fa3, D_QNAN
    TEST 115                  /* flags accumulate; exact operations and moves leave them alone */
    csrw fflags, zero
    fdiv.d fa3, fa0, fa1
    fadd.d fa3, fa0, fa0
    CHECK_FLAGS FFLAGS_NX
    fdiv.s fa3, fa2, fa2      /* fa2 = 0 is not a boxed single: canonical NaN / canonical NaN, quiet */
    CHECK_FLAGS FFLAGS_NX
    fdiv.d fa3, fa0, fa2
    CHECK_FLAGS FFLAGS_NX | FFLAGS_DZ
    fsgnjn.d fa3, fa6, fa6
    fmv.x.d a0, fa3
    fmv.d.x fa3, a0
    fmin.d fa3, fa0, fa1
    feq.d a0, fa0, fa1
    fclass.d a0, fa0
    CHECK_FLAGS FFLAGS_NX | FFLAGS_DZ
    fsqrt.d fa3, fa6
    fmul.d fa3, fa4, fa7
    fmul.d fa3, fa5, fa5
    CHECK_FLAGS 0x1f
    csrr a0, fcsr
    CHECK a0, 0x1f
    TEST 116                  /* an exact operation with all flags set clears none */
    fadd.d fa3, fa0, fa0
    CHECK_FLAGS 0x1f
    csrwi fflags, FFLAGS_OF
    fadd.d fa3, fa0, fa1
    CHECK_FLAGS FFLAGS_OF
    TEST 117                  /* writes to x0 still raise flags */
    csrw fflags, zero
    FLI fa3, D_INF
    fcvt.w.d x0, fa3, rtz
    CHECK_FLAGS FFLAGS_NV
    csrw fflags, zero
    FLI fa3, D_SNAN
    feq.d x0, fa3, fa3
    CHECK_FLAGS FFLAGS_NV
    csrw fflags, zero
    fcvt.l.d x0, fa1, rtz
    CHECK_FLAGS 0
    TEST 118                  /* the same through a single: NV from an sNaN in fcvt.s.d / fmax */
    csrw fflags, zero
    fcvt.s.d fa3, fa3
    CHECK_FLAGS FFLAGS_NV
    FCHECK fa3, 0xffffffff7fc00000
    csrw fflags, zero
    FLIS fa3, 0x7f800001
    FLIS fa7, S_ONE
    fmax.s fa4, fa3, fa7
    CHECK_FLAGS FFLAGS_NV
    FCHECK fa4, 0xffffffff3f800000

    /* 120..: static rounding modes ignore frm (even a reserved one), DYN follows frm. Operands:
       1 + 2^-53 (a tie), -1 - 2^-53, 1 + 3*2^-54 */
    FLI fa0, D_ONE
    FLI fa1, D_HALFULP
    FLI fa2, D_MONE
    FLI fa4, 0xbca0000000000000
    FLI fa5, 0x3cac000000000000   /* 1.75 * 2^-53 */
    csrwi frm, 7
    TEST 120
    fadd.d fa3, fa0, fa1, rne
    FCHECK fa3, 0x3ff0000000000000
    fadd.d fa3, fa0, fa1, rtz
    FCHECK fa3, 0x3ff0000000000000
    fadd.d fa3, fa0, fa1, rdn
    FCHECK fa3, 0x3ff0000000000000
    fadd.d fa3, fa0, fa1, rup
    FCHECK fa3, 0x3ff0000000000001
    fadd.d fa3, fa0, fa1, rmm
    FCHECK fa3, 0x3ff0000000000001
    TEST 121
    csrwi frm, 5
    fadd.d fa3, fa2, fa4, rne
    FCHECK fa3, 0xbff0000000000000
    fadd.d fa3, fa2, fa4, rtz
    FCHECK fa3, 0xbff0000000000000
    csrwi frm, 6
    fadd.d fa3, fa2, fa4, rdn
    FCHECK fa3, 0xbff0000000000001
    fadd.d fa3, fa2, fa4, rup
    FCHECK fa3, 0xbff0000000000000
    fadd.d fa3, fa2, fa4, rmm
    FCHECK fa3, 0xbff0000000000001
    /* 122..126: DYN with frm = 0..4 gives what the static mode gives */
.macro DYN_CASE n, frmval, r1, r2, r3
    TEST \n
    csrwi frm, \frmval
    fadd.d fa3, fa0, fa1, dyn
    FCHECK fa3, \r1
    fadd.d fa3, fa2, fa4, dyn
    FCHECK fa3, \r2
    fadd.d fa3, fa0, fa5, dyn
    FCHECK fa3, \r3
    csrr a0, frm
    CHECK a0, \frmval
.endm
    DYN_CASE 122, 0, 0x3ff0000000000000, 0xbff0000000000000, 0x3ff0000000000001
    DYN_CASE 123, 1, 0x3ff0000000000000, 0xbff0000000000000, 0x3ff0000000000000
    DYN_CASE 124, 2, 0x3ff0000000000000, 0xbff0000000000001, 0x3ff0000000000000
    DYN_CASE 125, 3, 0x3ff0000000000001, 0xbff0000000000000, 0x3ff0000000000001
    DYN_CASE 126, 4, 0x3ff0000000000001, 0xbff0000000000001, 0x3ff0000000000001
    /* 127: instructions without a rounding mode work with a reserved frm */
    TEST 127
    csrwi frm, 7
    fsgnjn.d fa3, fa0, fa0
    FCHECK fa3, D_MONE
    fmin.d fa3, fa0, fa2
    FCHECK fa3, D_MONE
    fmax.s fa3, fa0, fa0      /* unboxed operands: canonical NaN */
    FCHECK fa3, 0xffffffff7fc00000
    feq.d a0, fa0, fa0
    CHECK a0, 1
    flt.d a0, fa2, fa0
    CHECK a0, 1
    fclass.d a0, fa2
    CHECK a0, 0x2
    fmv.x.d a0, fa1
    CHECK a0, D_HALFULP
    fmv.w.x fa3, a0
    FCHECK fa3, 0xffffffff00000000
    la a1, fp_buf
    fsd fa0, 0(a1)
    fld fa3, 0(a1)
    FCHECK fa3, D_ONE

    /* 140..144: rm = 5 and rm = 6 are reserved in every instruction with an rm field; so is
       DYN while frm holds 5, 6 or 7. The destination, fflags and FS (Clean) stay unchanged. */
#define OPFP 0x53
.macro RM_ILLEGAL n, rm
    TEST \n
    ILLEGAL_SUB .insn r OPFP, \rm, 0x00, f13, f10, f11     /* fadd.s */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x01, f13, f10, f11     /* fadd.d */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x05, f13, f10, f11     /* fsub.d */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x08, f13, f10, f11     /* fmul.s */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x0d, f13, f10, f11     /* fdiv.d */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x2c, f13, f10, f0      /* fsqrt.s */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x2d, f13, f10, f0      /* fsqrt.d */
    ILLEGAL_SUB .insn r4 0x43, \rm, 0, f13, f10, f11, f12  /* fmadd.s */
    ILLEGAL_SUB .insn r4 0x47, \rm, 1, f13, f10, f11, f12  /* fmsub.d */
    ILLEGAL_SUB .insn r4 0x4b, \rm, 0, f13, f10, f11, f12  /* fnmsub.s */
    ILLEGAL_SUB .insn r4 0x4f, \rm, 1, f13, f10, f11, f12 /* fnmadd.d */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x60, x10, f10, x0     /* fcvt.w.s */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x61, x10, f10, x1     /* fcvt.wu.d */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x60, x10, f10, x2     /* fcvt.l.s */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x61, x10, f10, x3     /* fcvt.lu.d */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x68, f13, x11, x0     /* fcvt.s.w */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x69, f13, x11, x1     /* fcvt.d.wu (exact) */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x68, f13, x11, x2     /* fcvt.s.l */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x69, f13, x11, x3     /* fcvt.d.lu */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x20, f13, f10, f1     /* fcvt.s.d */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x21, f13, f10, f0     /* fcvt.d.s (exact) */
    ILLEGAL_SUB .insn r OPFP, \rm, 0x69, f13, x11, x0     /* fcvt.d.w (exact) */
    CHECK_FS FS_CLEAN         /* an illegal instruction does not make FS dirty */
.endm
    FLI fa0, D_ONE
    FLI fa1, D_THREE
    FLI fa2, D_TWO
    li a1, 3
    FLI fa3, 0x5555aaaa5555aaaa
    csrw fcsr, zero
    SET_FS FS_CLEAN
    RM_ILLEGAL 140, 5
    RM_ILLEGAL 141, 6
    csrwi frm, 5
    SET_FS FS_CLEAN
    RM_ILLEGAL 142, 7
    csrwi frm, 6
    SET_FS FS_CLEAN
    RM_ILLEGAL 143, 7
    csrwi frm, 7
    SET_FS FS_CLEAN
    RM_ILLEGAL 144, 7
    TEST 145
    FCHECK fa3, 0x5555aaaa5555aaaa
    csrr a0, fcsr
    CHECK a0, 0xe0
    /* 146: the same encodings with a valid rm work (the .insn forms above are right) */
    TEST 146
    csrwi frm, 3
    .insn r OPFP, 7, 0x01, f13, f10, f11
    FCHECK fa3, 0x4010000000000000
    .insn r OPFP, 1, 0x61, x10, f10, x3
    CHECK a0, 1
    .insn r4 0x4f, 0, 1, f13, f10, f11, f12
    FCHECK fa3, 0xc014000000000000
    .insn r OPFP, 4, 0x68, f13, x11, x2
    FCHECK fa3, 0xffffffff40400000

    /* 150: reserved encodings next to the real ones */
    csrw fcsr, zero
    TEST 150
    ILLEGAL_SUB .insn r OPFP, 3, 0x10, f13, f10, f11        /* fsgnj funct3 = 3 */
    ILLEGAL_SUB .insn r OPFP, 7, 0x11, f13, f10, f11        /* fsgnj.d funct3 = 7 */
    ILLEGAL_SUB .insn r OPFP, 2, 0x14, f13, f10, f11        /* fmin/fmax funct3 = 2 */
    ILLEGAL_SUB .insn r OPFP, 3, 0x51, x10, f10, f11        /* feq/flt/fle funct3 = 3 */
    ILLEGAL_SUB .insn r OPFP, 2, 0x70, x10, f10, f0         /* fmv.x.w/fclass funct3 = 2 */
    ILLEGAL_SUB .insn r OPFP, 0, 0x71, x10, f10, f1         /* fmv.x.d with rs2 = 1 */
    ILLEGAL_SUB .insn r OPFP, 1, 0x78, f13, x11, x0         /* fmv.w.x funct3 = 1 */
    ILLEGAL_SUB .insn r OPFP, 0, 0x79, f13, x11, x1         /* fmv.d.x rs2 = 1 */
    ILLEGAL_SUB .insn r OPFP, 0, 0x2d, f13, f10, f1         /* fsqrt.d rs2 = 1 */
    ILLEGAL_SUB .insn r OPFP, 1, 0x61, x10, f10, x4         /* fcvt.?.d rs2 = 4 */
    ILLEGAL_SUB .insn r OPFP, 1, 0x69, f13, x11, x5         /* fcvt.d.? rs2 = 5 */
    ILLEGAL_SUB .insn r OPFP, 0, 0x20, f13, f10, f0         /* fcvt.s.s */
    ILLEGAL_SUB .insn r OPFP, 0, 0x21, f13, f10, f1         /* fcvt.d.d */
    ILLEGAL_SUB .insn r OPFP, 0, 0x02, f13, f10, f11        /* fadd.h (no Zfh) */
    ILLEGAL_SUB .insn r OPFP, 0, 0x03, f13, f10, f11        /* fadd.q */
    ILLEGAL_SUB .insn r4 0x43, 0, 2, f13, f10, f11, f12     /* fmadd.h */
    ILLEGAL_SUB .insn r4 0x43, 0, 3, f13, f10, f11, f12     /* fmadd.q */
    ILLEGAL_SUB .insn r OPFP, 0, 0x19, f13, f10, f11        /* funct5 = 6 */
    ILLEGAL_SUB .insn r OPFP, 0, 0x3d, f13, f10, f11        /* funct5 = 15 */
    ILLEGAL_SUB .insn r OPFP, 0, 0x7d, f13, f10, f11        /* funct5 = 31 */
    ILLEGAL_SUB .insn i 0x07, 1, f13, 0(a1)                 /* flh */
    ILLEGAL_SUB .insn i 0x07, 4, f13, 0(a1)                 /* flq */
    ILLEGAL_SUB .insn s 0x27, 1, f13, 0(a1)                 /* fsh */
    ILLEGAL_SUB .insn s 0x27, 4, f13, 0(a1)                 /* fsq */
    ILLEGAL_SUB .insn i 0x07, 0, f13, 0(a1)                 /* vector load (no V) */
    ILLEGAL_SUB .insn s 0x27, 7, f13, 0(a1)                 /* vector store (no V) */
    TEST 151
    CHECK_FLAGS 0

    csrw fcsr, zero
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

fail_insn:                    /* a0 = address of an instruction that should have trapped */
    mv s5, a0
    la a0, str_insn
    call puts
    lwu a0, 0(s5)
    call puthex
    li a0, '\n'
    call putc
    j fail

fail_fs:                      /* t5 = mstatus & (FS | SD), t6 = expected */
    mv s5, t5
    mv s6, t6
    la a0, str_fs
    call puts
    mv a0, s5
    call puthex
    la a0, str_fs_exp
    call puts
    mv a0, s6
    call puthex
    li a0, '\n'
    call putc
    j fail

    .section .rodata
str_fs: .asciz "mstatus & (SD | FS) = "
str_fs_exp: .asciz " expected "
str_insn: .asciz "instruction did not raise illegal-instruction (or wrong cause/tval): "
    .data
    .align 4
fp_buf: .space 32
