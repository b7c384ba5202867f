/*
 * F/D memory access: flw/fld/fsw/fsd (offsets, every f register, raw bits incl. signalling NaNs,
 * NaN-boxing by flw and fmv.w.x, fsw/fmv.x.w taking the raw low half of an unboxed register),
 * the compressed c.fld/c.fsd/c.fldsp/c.fsdsp (every offset bit, register fields), misaligned FP
 * accesses (QEMU 7.2 performs them, also across pages; a misaligned MMIO store faults), FP
 * accesses to MMIO (8-byte ones to 4-byte registers fault), FP stores between LR and SC, and
 * faults: access
 * faults on unbacked addresses and PMP, page faults (unmapped, read-only, execute-only, MXR,
 * the second page of a misaligned access) with their cause and tval, A/D updates, and that a
 * faulting FP load changes neither its register nor mstatus.FS. Expected values from QEMU 7.2.
 */
#include "test.h"
#include "vm.h"
    .option norvc
TEST_NAME("fp_mem")

#define FS_CLEAN 2
#define FS_DIRTY 3
#define VA_PAGE(i) (0x40000000 + (i) * 0x1000)

.macro SET_FS v
    li t0, MSTATUS_FS
    csrc mstatus, t0
    li t0, (\v) << 13
    csrs mstatus, t0
.endm
.macro CHECK_FS v
    csrr t5, mstatus
    srli t5, t5, 13
    andi t5, t5, 3
    li t6, \v
    bne t5, t6, fail
.endm
.macro FLI freg, bits
    li t0, \bits
    fmv.d.x \freg, t0
.endm
.macro FCHECK freg, bits
    fmv.x.d t0, \freg
    CHECK t0, \bits
.endm
/* compressed instructions need the assembler's RVC mode */
.macro RVC insn:vararg
    .option push
    .option rvc
    \insn
    .option pop
.endm

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)
    SET_FS FS_DIRTY
    csrw fcsr, zero

    /* pattern buffer: dword i = 0x0101010101010101 * i ^ 0x8040201008040201 */
    la s0, pat
    li t1, 0
    li t2, 0x0101010101010101
    li t3, 0x8040201008040201
1:  mul t4, t1, t2
    xor t4, t4, t3
    slli t5, t1, 3
    add t5, t5, s0
    sd t4, 0(t5)
    addi t1, t1, 1
    li t5, 64
    blt t1, t5, 1b

    /* 1: fld/fsd raw 64 bits: a signalling NaN and a NaN with payload are not touched, no flags */
    TEST 1
    la s0, buf
    li t0, 0x7ff0000000000001
    sd t0, 0(s0)
    li t0, 0xfff8dead0000beef
    sd t0, 8(s0)
    fld fa0, 0(s0)
    fld fa1, 8(s0)
    FCHECK fa0, 0x7ff0000000000001
    FCHECK fa1, 0xfff8dead0000beef
    fsd fa1, 16(s0)
    fsd fa0, 24(s0)
    ld a0, 16(s0)
    CHECK a0, 0xfff8dead0000beef
    ld a0, 24(s0)
    CHECK a0, 0x7ff0000000000001
    csrr a0, fflags
    CHECK a0, 0
    /* 2: flw boxes (upper 32 bits ones), also a signalling NaN; fsw writes only 4 bytes */
    TEST 2
    li t0, 0x123456787f800001
    sd t0, 32(s0)
    flw fa2, 32(s0)
    FCHECK fa2, 0xffffffff7f800001
    flw fa3, 36(s0)
    FCHECK fa3, 0xffffffff12345678
    li t0, -1
    sd t0, 40(s0)
    fsw fa3, 40(s0)
    ld a0, 40(s0)
    CHECK a0, 0xffffffff12345678
    fsw fa2, 44(s0)
    ld a0, 40(s0)
    CHECK a0, 0x7f80000112345678
    csrr a0, fflags
    CHECK a0, 0
    /* 3: fsw of an unboxed register stores its low 32 bits; fmv.x.w reads them sign-extended */
    TEST 3
    FLI fa4, 0x0123456789abcdef
    sd zero, 48(s0)
    fsw fa4, 48(s0)
    ld a0, 48(s0)
    CHECK a0, 0x0000000089abcdef
    fmv.x.w a0, fa4
    CHECK a0, 0xffffffff89abcdef
    FLI fa4, 0x8000000071234567
    fmv.x.w a0, fa4
    CHECK a0, 0x71234567
    /* ...but used as a single it is the canonical NaN (a stored copy through flw is boxed) */
    fsgnj.s fa5, fa4, fa4
    FCHECK fa5, 0xffffffff7fc00000
    fsw fa4, 48(s0)
    flw fa5, 48(s0)
    fsgnj.s fa5, fa5, fa5
    FCHECK fa5, 0xffffffff71234567
    /* 4: fmv.w.x boxes the low 32 bits; fmv.d.x / fmv.x.d are raw */
    TEST 4
    li t1, 0xfedcba9876543210
    fmv.w.x fa6, t1
    FCHECK fa6, 0xffffffff76543210
    fmv.d.x fa6, t1
    fmv.x.d a0, fa6
    CHECK a0, 0xfedcba9876543210
    /* 5: offsets: +2047, -2048, negative and odd-word */
    TEST 5
    la s1, buf + 2048
    li t0, 0x1111222233334444
    sd t0, -2048(s1)
    fld fa0, -2048(s1)
    FCHECK fa0, 0x1111222233334444
    la s1, buf
    li t0, 0x5555666677778888
    sd t0, 2040(s1)
    fld fa0, 2040(s1)
    FCHECK fa0, 0x5555666677778888
    flw fa0, 2044(s1)
    FCHECK fa0, 0xffffffff55556666
    FLI fa1, 0x9999aaaabbbbcccc
    fsd fa1, 2040(s1)
    fsw fa1, 2044(s1)
    ld a0, 2040(s1)
    CHECK a0, 0xbbbbccccbbbbcccc
    la s1, buf + 1024
    fsw fa1, -1020(s1)
    lwu a0, 4(s0)
    CHECK a0, 0xbbbbcccc

    /* 6: every f register: fld f0..f31 from pat[0..31], fsd them to buf[32..63] in reverse order */
    TEST 6
    la s0, pat
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fld f\r, \r*8(s0)
    .endr
    la s1, buf + 256
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fsd f\r, (31-\r)*8(s1)
    .endr
    li t1, 0
1:  slli t2, t1, 3
    add t3, s0, t2
    ld a1, 0(t3)
    li t4, 31
    sub t4, t4, t1
    slli t4, t4, 3
    add t4, t4, s1
    ld a0, 0(t4)
    mv a3, a1
    mv a2, t1
    bne a0, a3, fail_vec
    addi t1, t1, 1
    li t5, 32
    blt t1, t5, 1b
    /* 7: flw into every register boxes, fsw from every register */
    TEST 7
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    flw f\r, \r*4+4(s0)
    .endr
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fsw f\r, \r*4(s1)
    .endr
    fmv.x.d a0, f17
    srli a0, a0, 32
    CHECK a0, 0xffffffff
    li t1, 0
1:  slli t2, t1, 2
    add t3, s0, t2
    lwu a1, 4(t3)
    add t4, s1, t2
    lwu a0, 0(t4)
    mv a3, a1
    mv a2, t1
    bne a0, a3, fail_vec
    addi t1, t1, 1
    li t5, 32
    blt t1, t5, 1b

    /* 10..: compressed: c.fld / c.fsd with every offset bit and register field, c.fldsp / c.fsdsp */
    TEST 10
    la s0, pat
    la a5, pat
    RVC c.fld f8, 0(s0)
    RVC c.fld f9, 8(a5)
    RVC c.fld f10, 16(s0)
    RVC c.fld f11, 32(a5)
    RVC c.fld f12, 64(s0)
    RVC c.fld f13, 128(a5)
    RVC c.fld f14, 248(s0)
    RVC c.fld f15, 168(a5)
    FCHECK f8, 0x8040201008040201
    FCHECK f9, 0x8141211109050300
    FCHECK f10, 0x824222120a060003
    FCHECK f11, 0x844424140c000605
    FCHECK f12, 0x88482818000c0a09
    FCHECK f13, 0x9050300018141211
    FCHECK f14, 0x9f5f3f0f171b1d1e
    FCHECK f15, 0x955535051d111714
    TEST 11
    la s1, buf
    la a4, buf
    RVC c.fsd f8, 0(s1)
    RVC c.fsd f9, 8(a4)
    RVC c.fsd f10, 16(s1)
    RVC c.fsd f11, 40(a4)
    RVC c.fsd f12, 72(s1)
    RVC c.fsd f13, 136(a4)
    RVC c.fsd f14, 248(s1)
    RVC c.fsd f15, 192(a4)
    ld a0, 0(s1)
    CHECK a0, 0x8040201008040201
    ld a0, 8(s1)
    CHECK a0, 0x8141211109050300
    ld a0, 16(s1)
    CHECK a0, 0x824222120a060003
    ld a0, 40(s1)
    CHECK a0, 0x844424140c000605
    ld a0, 72(s1)
    CHECK a0, 0x88482818000c0a09
    ld a0, 136(s1)
    CHECK a0, 0x9050300018141211
    ld a0, 248(s1)
    CHECK a0, 0x9f5f3f0f171b1d1e
    ld a0, 192(s1)
    CHECK a0, 0x955535051d111714
    TEST 12                   /* c.fldsp: any rd, offsets 0..504 */
    mv s2, sp
    la sp, pat
    RVC c.fldsp f0, 0(sp)
    RVC c.fldsp f1, 8(sp)
    RVC c.fldsp f31, 16(sp)
    RVC c.fldsp f17, 32(sp)
    RVC c.fldsp f3, 64(sp)
    RVC c.fldsp f28, 128(sp)
    RVC c.fldsp f5, 256(sp)
    RVC c.fldsp f20, 504(sp)
    mv sp, s2
    FCHECK f0, 0x8040201008040201
    FCHECK f1, 0x8141211109050300
    FCHECK f31, 0x824222120a060003
    FCHECK f17, 0x844424140c000605
    FCHECK f3, 0x88482818000c0a09
    FCHECK f28, 0x9050300018141211
    FCHECK f5, 0xa060003028242221
    FCHECK f20, 0xbf7f1f2f373b3d3e
    TEST 13                   /* c.fsdsp */
    la sp, buf
    RVC c.fsdsp f0, 0(sp)
    RVC c.fsdsp f1, 8(sp)
    RVC c.fsdsp f31, 16(sp)
    RVC c.fsdsp f17, 48(sp)
    RVC c.fsdsp f3, 88(sp)
    RVC c.fsdsp f28, 160(sp)
    RVC c.fsdsp f5, 296(sp)
    RVC c.fsdsp f20, 504(sp)
    mv sp, s2
    la s1, buf
    ld a0, 0(s1)
    CHECK a0, 0x8040201008040201
    ld a0, 8(s1)
    CHECK a0, 0x8141211109050300
    ld a0, 16(s1)
    CHECK a0, 0x824222120a060003
    ld a0, 48(s1)
    CHECK a0, 0x844424140c000605
    ld a0, 88(s1)
    CHECK a0, 0x88482818000c0a09
    ld a0, 160(s1)
    CHECK a0, 0x9050300018141211
    ld a0, 296(s1)
    CHECK a0, 0xa060003028242221
    ld a0, 504(s1)
    CHECK a0, 0xbf7f1f2f373b3d3e
    TEST 14                   /* the same encodings written as raw halfwords (c.fld fs0, 8(a0) etc.) */
    la a0, pat
    .hword 0x2500             /* c.fld fs0, 8(a0) */
    FCHECK fs0, 0x8141211109050300
    .hword 0x3d24             /* c.fld fs1, 120(a0): imm[5:3] = 7, imm[7:6] = 1 */
    FCHECK fs1, 0x8f4f2f1f070b0d0e
    la a0, buf
    .hword 0xbd24             /* c.fsd fs1, 120(a0) */
    ld a1, 120(a0)
    CHECK a1, 0x8f4f2f1f070b0d0e
    la sp, pat
    .hword 0x3f9e             /* c.fldsp ft11, 480(sp): imm[5] = 1, imm[4:3] = 0, imm[8:6] = 7 */
    la sp, buf
    .hword 0xbffe             /* c.fsdsp ft11, 504(sp) */
    mv sp, s2
    FCHECK ft11, 0xbc7c1c2c34383e3d
    ld a1, 504(a0)
    CHECK a1, 0xbc7c1c2c34383e3d

    /* 20..: misaligned FP loads and stores complete (QEMU 7.2), also across a physical page */
    TEST 20
    la s0, buf
    li t0, 0x0706050403020100
    sd t0, 0(s0)
    li t0, 0x0f0e0d0c0b0a0908
    sd t0, 8(s0)
    fld fa0, 1(s0)
    FCHECK fa0, 0x0807060504030201
    fld fa0, 7(s0)
    FCHECK fa0, 0x0e0d0c0b0a090807
    flw fa0, 3(s0)
    FCHECK fa0, 0xffffffff06050403
    flw fa0, 2(s0)
    FCHECK fa0, 0xffffffff05040302
    TEST 21
    FLI fa1, 0xa1a2a3a4a5a6a7a8
    fsd fa1, 3(s0)
    ld a0, 0(s0)
    CHECK a0, 0xa4a5a6a7a8020100
    ld a0, 8(s0)
    CHECK a0, 0x0f0e0d0c0ba1a2a3
    fsw fa1, 9(s0)
    ld a0, 8(s0)
    CHECK a0, 0x0f0e0da5a6a7a8a3
    TEST 22                   /* compressed, misaligned base */
    addi a2, s0, 5
    RVC c.fld fa2, 8(a2)
    FCHECK fa2, 0x120a0600030f0e0d
    TEST 23                   /* across a physical page boundary */
    la s1, pages + 4096
    li t0, 0x8877665544332211
    sd t0, -8(s1)
    li t0, 0xffeeddccbbaa9988
    sd t0, 0(s1)
    fld fa0, -3(s1)
    FCHECK fa0, 0xccbbaa9988887766
    flw fa0, -2(s1)
    FCHECK fa0, 0xffffffff99888877
    fsd fa1, -5(s1)
    ld a0, -8(s1)
    CHECK a0, 0xa4a5a6a7a8332211
    ld a0, 0(s1)
    CHECK a0, 0xffeeddccbba1a2a3

    /* 24..26: FP accesses and LR/SC. QEMU 7.2 keeps the reservation as (address, value loaded):
       an FP store that changes the word makes SC fail, FP loads do not disturb it, and an FP
       store of the same value does not either (that is QEMU's value-based SC) */
    TEST 24
    la s0, buf
    sd zero, 0(s0)
    FLI fa1, 0x0000000100000002
    lr.d a0, (s0)
    fsd fa1, 0(s0)
    li a1, 9
    sc.d a2, a1, (s0)
    CHECK a2, 1
    ld a0, 0(s0)
    CHECK a0, 0x0000000100000002
    TEST 25                   /* storing the value it already holds (and to the other word) does not */
    lr.w a0, (s0)
    fsw fa1, 0(s0)
    fsw fa1, 4(s0)
    sc.w a2, a1, (s0)
    CHECK a2, 0
    ld a0, 0(s0)
    CHECK a0, 0x0000000200000009
    TEST 26
    lr.d a0, (s0)
    fld fa2, 0(s0)
    flw fa2, 4(s0)
    sc.d a2, a1, (s0)
    CHECK a2, 0
    ld a0, 0(s0)
    CHECK a0, 9

    /* 30..: FP loads/stores to MMIO (CLINT mtimecmp): full width, both halves */
    TEST 30
    li s0, CLINT_BASE + CLINT_MTIMECMP
    FLI fa0, 0x7ff0123456789abc
    fsd fa0, 0(s0)
    ld a0, 0(s0)
    CHECK a0, 0x7ff0123456789abc
    li t0, 0x00000000deadbeef
    fmv.w.x fa1, t0
    fsw fa1, 4(s0)
    ld a0, 0(s0)
    CHECK a0, 0xdeadbeef56789abc
    fld fa2, 0(s0)
    FCHECK fa2, 0xdeadbeef56789abc
    flw fa2, 4(s0)
    FCHECK fa2, 0xffffffffdeadbeef
    li t0, -1
    sd t0, 0(s0)

    /* 40..: access faults on unbacked physical addresses: cause 5 / 7, tval = the address;
       the destination register, memory and FS are unchanged */
    FLI fa0, 0x0123456789abcdef
    SET_FS FS_CLEAN
.macro FLOAD_FAULT n, insn, addr, cause, tval
    TEST \n
    li s1, \addr
    EXPECT_TRAP 2f
    \insn fa0, 0(s1)
    j fail
2:  CHECK_CAUSE \cause
    CHECK_TVAL \tval
    FCHECK fa0, 0x0123456789abcdef
    CHECK_FS FS_CLEAN
.endm
    FLOAD_FAULT 40, fld, 0x0, CAUSE_LOAD_ACCESS, 0x0
    FLOAD_FAULT 41, flw, 0x90000000, CAUSE_LOAD_ACCESS, 0x90000000
    FLOAD_FAULT 42, fld, 0x88000000, CAUSE_LOAD_ACCESS, 0x88000000
    FLOAD_FAULT 43, flw, 0x2010000, CAUSE_LOAD_ACCESS, 0x2010000
    FLOAD_FAULT 44, fsd, 0x0, CAUSE_STORE_ACCESS, 0x0
    FLOAD_FAULT 45, fsw, 0x90000004, CAUSE_STORE_ACCESS, 0x90000004
    FLOAD_FAULT 46, fsd, 0x88000000, CAUSE_STORE_ACCESS, 0x88000000
    /* misaligned: loads report the address rounded down to the access size, stores the exact one */
    FLOAD_FAULT 47, fld, 0x90000003, CAUSE_LOAD_ACCESS, 0x90000000
    FLOAD_FAULT 48, flw, 0x90000006, CAUSE_LOAD_ACCESS, 0x90000004
    FLOAD_FAULT 49, fsd, 0x90000005, CAUSE_STORE_ACCESS, 0x90000005
    /* straddling the end of RAM: tval = the first byte past it (QEMU 7.2) */
    FLOAD_FAULT 50, fld, 0x87fffffc, CAUSE_LOAD_ACCESS, 0x88000000
    FLOAD_FAULT 51, fsd, 0x87fffffe, CAUSE_STORE_ACCESS, 0x88000000
    TEST 52
    li s1, 0x87fffff8
    fsd fa0, 0(s1)
    ld a0, 0(s1)
    CHECK a0, 0x0123456789abcdef
    TEST 53                   /* compressed forms fault the same way */
    li a2, 0x90000000
    EXPECT_TRAP 2f
    RVC c.fld fa0, 16(a2)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVAL 0x90000010
    FCHECK fa0, 0x0123456789abcdef
    CHECK_FS FS_CLEAN
    TEST 54
    mv s2, sp
    li sp, 0x90000000
    EXPECT_TRAP 2f
    RVC c.fsdsp fa0, 200(sp)
    j fail
2:  mv sp, s2
    CHECK_CAUSE CAUSE_STORE_ACCESS
    CHECK_TVAL 0x900000c8
    /* 55: a store straddling RAM's end: QEMU 7.2 writes the part inside RAM, then raises the access
       fault (the spec allows a faulting misaligned store to be partly visible; this is QEMU's choice) */
    TEST 55
    li s1, 0x87fffff8
    sd zero, 0(s1)
    EXPECT_TRAP 2f
    fsd fa0, 4(s1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    ld a0, 0(s1)
    CHECK a0, 0x89abcdef00000000
    SET_FS FS_DIRTY

    /* 60..: PMP: an entry before the allow-all one denies S-mode all access to pmp_page */
    TEST 60
    la t0, pmp_page
    srli t0, t0, 2
    ori t0, t0, 0x1ff            /* NAPOT, 4 KiB */
    csrw pmpaddr0, t0
    li t0, -1
    srli t0, t0, 10
    csrw pmpaddr1, t0
    li t0, PMP_NAPOT | ((PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 8)
    csrw pmpcfg0, t0
    la s1, pmp_page
    addi s1, s1, 16
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  fld fa1, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVALR s1
    TEST 61
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  fsw fa1, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    CHECK_TVALR s1
    TEST 62                   /* M-mode is not bound by an unlocked entry */
    fsd fa0, 0(s1)
    fld fa1, 0(s1)
    FCHECK fa1, 0x0123456789abcdef
    li t0, -1
    srli t0, t0, 10
    csrw pmpaddr0, t0
    li t0, PMP_NAPOT | PMP_R | PMP_W | PMP_X
    csrw pmpcfg0, t0

    /* 70..: Sv39, S-mode. VA 0x4000_0000 + i * 4K: page 0 RW, 1 read-only, 2 unmapped,
       3 execute-only, 4 RW with A = D = 0, 5 RW (U) */
    MAP_PA root, 0, 0x00000000, PTE_LEAF_RW
    MAP_LABEL root, 1, l1, PTE_V
    MAP_PA root, 2, 0x80000000, PTE_LEAF_RWX
    MAP_LABEL l1, 0, l0, PTE_V
    MAP_LABEL l0, 0, pages + 0 * 4096, PTE_LEAF_RW
    MAP_LABEL l0, 1, pages + 1 * 4096, PTE_V | PTE_R | PTE_A
    MAP_LABEL l0, 3, pages + 3 * 4096, PTE_V | PTE_X | PTE_A
    MAP_LABEL l0, 4, pages + 4 * 4096, PTE_V | PTE_R | PTE_W
    MAP_LABEL l0, 5, pages + 5 * 4096, PTE_LEAF_RW | PTE_U
    la t0, pages
    li t1, 0x1122334455667788
    sd t1, 0(t0)
    li t1, 4096
    add t0, t0, t1
    li t2, 0x99aabbccddeeff00
    sd t2, 0(t0)
    add t0, t0, t1
    add t0, t0, t1
    li t2, 0x0badf00d0badf00d
    sd t2, 0(t0)
    la t0, root
    srli t0, t0, 12
    li t1, SATP_SV39
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
    FLI fa0, 0x0123456789abcdef
    TEST 70                   /* loads and stores through the page tables */
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  li t0, VA_PAGE(0)
    fld fa1, 0(t0)
    flw fa2, 4(t0)
    fsd fa0, 8(t0)
    fsw fa0, 16(t0)
    li t0, VA_PAGE(1)
    fld fa3, 0(t0)
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_S
    FCHECK fa1, 0x1122334455667788
    FCHECK fa2, 0xffffffff11223344
    FCHECK fa3, 0x99aabbccddeeff00
    la t0, pages
    ld a0, 8(t0)
    CHECK a0, 0x0123456789abcdef
    lwu a0, 16(t0)
    CHECK a0, 0x89abcdef
.macro SPAGE_FAULT n, insn, va, cause, tval
    TEST \n
    FLI fa5, 0x5a5a5a5a5a5a5a5a
    SET_FS FS_CLEAN
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  li s1, \va
    \insn fa5, 0(s1)
    j fail
2:  CHECK_CAUSE \cause
    CHECK_TVAL \tval
    FCHECK fa5, 0x5a5a5a5a5a5a5a5a
    CHECK_FS FS_CLEAN
    SET_FS FS_DIRTY
.endm
    SPAGE_FAULT 71, fld, VA_PAGE(2) + 8, CAUSE_LOAD_PAGE, VA_PAGE(2) + 8
    SPAGE_FAULT 72, flw, VA_PAGE(2) + 0xffc, CAUSE_LOAD_PAGE, VA_PAGE(2) + 0xffc
    SPAGE_FAULT 73, fsd, VA_PAGE(2), CAUSE_STORE_PAGE, VA_PAGE(2)
    SPAGE_FAULT 74, fsw, VA_PAGE(1) + 4, CAUSE_STORE_PAGE, VA_PAGE(1) + 4
    SPAGE_FAULT 75, fsd, VA_PAGE(1) + 0x800, CAUSE_STORE_PAGE, VA_PAGE(1) + 0x800
    SPAGE_FAULT 76, fld, VA_PAGE(3), CAUSE_LOAD_PAGE, VA_PAGE(3)
    SPAGE_FAULT 77, fsw, VA_PAGE(3) + 12, CAUSE_STORE_PAGE, VA_PAGE(3) + 12
    SPAGE_FAULT 78, fld, VA_PAGE(5), CAUSE_LOAD_PAGE, VA_PAGE(5)       /* U page, SUM = 0 */
    SPAGE_FAULT 79, fsd, VA_PAGE(5) + 8, CAUSE_STORE_PAGE, VA_PAGE(5) + 8
    /* misaligned, the second page is the bad one: tval = the start of that page (QEMU 7.2) */
    SPAGE_FAULT 80, fld, VA_PAGE(1) + 0xffd, CAUSE_LOAD_PAGE, VA_PAGE(2)
    SPAGE_FAULT 81, flw, VA_PAGE(1) + 0xffe, CAUSE_LOAD_PAGE, VA_PAGE(2)
    SPAGE_FAULT 82, fsd, VA_PAGE(0) + 0xffa, CAUSE_STORE_PAGE, VA_PAGE(1)
    /* misaligned, the first page is the bad one */
    SPAGE_FAULT 83, fld, VA_PAGE(2) + 0xffd, CAUSE_LOAD_PAGE, VA_PAGE(2) + 0xffd
    SPAGE_FAULT 84, fsw, VA_PAGE(1) + 0xffe, CAUSE_STORE_PAGE, VA_PAGE(1) + 0xffe
    TEST 85                   /* nothing of a faulting misaligned store reaches the first page */
    la t0, pages + 4096 - 8
    sd zero, 0(t0)
    SPAGE_FAULT 86, fsd, VA_PAGE(0) + 0xffc, CAUSE_STORE_PAGE, VA_PAGE(1)
    TEST 87
    la t0, pages + 4096 - 8
    ld a0, 0(t0)
    CHECK a0, 0
    TEST 88                   /* a misaligned load across two good pages */
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  li t0, VA_PAGE(0) + 0xffc
    fld fa1, 0(t0)
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_S
    FCHECK fa1, 0xddeeff0000000000
    TEST 89                   /* MXR makes the execute-only page readable by fld */
    li t0, MSTATUS_MXR
    csrs mstatus, t0
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  li t0, VA_PAGE(3)
    fld fa1, 0(t0)
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_S
    li t0, MSTATUS_MXR
    csrc mstatus, t0
    FCHECK fa1, 0x0badf00d0badf00d
    TEST 90                   /* ...and SUM the U page */
    li t0, MSTATUS_SUM
    csrs mstatus, t0
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  li t0, VA_PAGE(5)
    fsd fa0, 0(t0)
    fld fa1, 0(t0)
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_S
    li t0, MSTATUS_SUM
    csrc mstatus, t0
    FCHECK fa1, 0x0123456789abcdef
    TEST 91                   /* compressed forms through the MMU: c.fldsp from an unmapped page */
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  mv s2, sp
    li sp, VA_PAGE(2)
    RVC c.fldsp fa5, 40(sp)
    j fail
2:  mv sp, s2
    CHECK_CAUSE CAUSE_LOAD_PAGE
    CHECK_TVAL VA_PAGE(2) + 40
    TEST 92
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  li a3, VA_PAGE(1)
    RVC c.fsd fa0, 24(a3)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_PAGE
    CHECK_TVAL VA_PAGE(1) + 24
    TEST 93                   /* A and D set by FP accesses: fld sets A, fsd sets A and D */
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  li t0, VA_PAGE(4)
    fld fa1, 0(t0)
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_S
    LOAD_PTE a0, l0, 4
    andi a0, a0, PTE_A | PTE_D
    CHECK a0, PTE_A
    TEST 94
    EXPECT_TRAP 2f
    ENTER_MODE PRV_S, 1f
1:  li t0, VA_PAGE(4)
    fsw fa0, 0(t0)
    ecall
2:  CHECK_CAUSE CAUSE_ECALL_S
    LOAD_PTE a0, l0, 4
    andi a0, a0, PTE_A | PTE_D
    CHECK a0, PTE_A | PTE_D
    TEST 95                   /* M-mode with MPRV and MPP = S translates FP accesses too */
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPRV | (PRV_S << 11)
    csrs mstatus, t0
    li t0, VA_PAGE(1)
    fld fa1, 0(t0)
    li s1, VA_PAGE(2) + 16
    EXPECT_TRAP 2f
    fsd fa1, 0(s1)
    j fail
2:  li t0, MSTATUS_MPRV
    csrc mstatus, t0
    CHECK_CAUSE CAUSE_STORE_PAGE
    CHECK_TVALR s1
    FCHECK fa1, 0x99aabbccddeeff00
    csrw satp, zero
    sfence.vma

    /* 96, 97: misaligned FP accesses to MMIO (CLINT mtimecmp). QEMU 7.2 performs a misaligned
       MMIO load (as smaller accesses; bytes past mtimecmp read 0), but a misaligned MMIO store
       raises a store access fault with tval = the address and writes nothing */
    TEST 96
    li s0, CLINT_BASE + CLINT_MTIMECMP
    li t0, 0x1122334455667788
    sd t0, 0(s0)
    fld fa0, 4(s0)
    FCHECK fa0, 0x0000000011223344
    flw fa0, 2(s0)
    FCHECK fa0, 0xffffffff33445566
    TEST 97
    FLI fa0, 0xaabbccddeeff0011
    addi s1, s0, 4
    EXPECT_TRAP 2f
    fsd fa0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    CHECK_TVALR s1
    addi s1, s0, 2
    EXPECT_TRAP 2f
    fsw fa0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    CHECK_TVALR s1
    ld a0, 0(s0)
    CHECK a0, 0x1122334455667788
    li t0, -1
    sd t0, 0(s0)

    /* 98, 99: 8-byte FP accesses to MMIO registers that only take 4-byte accesses (CLINT msip,
       PLIC priority): QEMU 7.2 rejects them with an access fault, tval = the address */
    TEST 98
    FLI fa1, 0x5a5a5a5a5a5a5a5a
    li s1, CLINT_BASE + CLINT_MSIP
    EXPECT_TRAP 2f
    fld fa1, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVALR s1
    FCHECK fa1, 0x5a5a5a5a5a5a5a5a
    EXPECT_TRAP 2f
    fsd fa0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    CHECK_TVALR s1
    lw a0, 0(s1)
    CHECK a0, 0
    TEST 99
    li s1, 0x0c000008         /* PLIC priority of source 2 */
    EXPECT_TRAP 2f
    fld fa1, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_LOAD_ACCESS
    CHECK_TVALR s1
    EXPECT_TRAP 2f
    fsd fa0, 0(s1)
    j fail
2:  CHECK_CAUSE CAUSE_STORE_ACCESS
    CHECK_TVALR s1
    lw a0, 0(s1)
    CHECK a0, 0
    li t0, 0x00000000ffffffff
    fmv.d.x fa1, t0
    fsw fa1, 0(s1)            /* a 4-byte FP store works: priority is 3 bits wide */
    flw fa2, 0(s1)
    FCHECK fa2, 0xffffffff00000007
    sw zero, 0(s1)

    ld ra, 0(sp)
    addi sp, sp, 16
    ret

    .data
    .align 12
pat:  .space 512
buf:  .space 2048 + 512
    .bss
    .align 12
root: .space 4096
l1:   .space 4096
l0:   .space 4096
pages: .space 6 * 4096
pmp_page: .space 4096
