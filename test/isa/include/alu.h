/* Table-driven ALU checks used by rv64ui.S / rv64um.S with the tables from gen/vectors.py. */
#ifndef ISA_ALU_H
#define ISA_ALU_H
#ifdef __ASSEMBLER__
/* For every (a, b) in alu_values x alu_values: op a0, a, b must equal the next dword of exp. */
.macro RR_TABLE n, op, exp
    li gp, \n
    la s2, \exp
    la s0, alu_values
    li s1, alu_value_count
    slli s1, s1, 3
    add s1, s0, s1
    mv s3, s0
10: mv s4, s0
11: ld a1, 0(s3)
    ld a2, 0(s4)
    ld a3, 0(s2)
    \op a0, a1, a2
    bne a0, a3, fail_vec
    addi s2, s2, 8
    addi s4, s4, 8
    bltu s4, s1, 11b
    addi s3, s3, 8
    bltu s3, s1, 10b
.endm
/* For every a in alu_values: op a0, a, imm must equal the next dword of exp. */
.macro RI_TABLE n, op, imm, exp
    li gp, \n
    la s2, \exp
    la s3, alu_values
    li s1, alu_value_count
    slli s1, s1, 3
    add s1, s3, s1
10: ld a1, 0(s3)
    ld a3, 0(s2)
    li a2, \imm
    \op a0, a1, \imm
    bne a0, a3, fail_vec
    addi s2, s2, 8
    addi s3, s3, 8
    bltu s3, s1, 10b
.endm
#endif
#endif
