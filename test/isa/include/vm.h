/* Page-table helpers shared by vm_sv39.S and vm_sv48.S (M-mode, physical addresses). */
#ifndef ISA_VM_H
#define ISA_VM_H
#ifdef __ASSEMBLER__
#define PTE_LEAF_RWX (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define PTE_LEAF_RW  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define U_ALIAS_OFFSET 0x80000000   /* VA 0x1_0000_0000 maps RAM 0x8000_0000 with U set */

/* table[idx] = PTE for physical address pa (a constant) with flags. Clobbers t0-t2. */
.macro MAP_PA table, idx, pa, flags
    li t0, (\pa) >> 12
    slli t0, t0, 10
    ori t0, t0, \flags
    la t1, \table
    li t2, (\idx) * 8
    add t1, t1, t2
    sd t0, 0(t1)
    sfence.vma
.endm
/* table[idx] = PTE for the physical address of label with flags (a pointer when flags = PTE_V). */
.macro MAP_LABEL table, idx, label, flags
    la t0, \label
    srli t0, t0, 12
    slli t0, t0, 10
    ori t0, t0, \flags
    la t1, \table
    li t2, (\idx) * 8
    add t1, t1, t2
    sd t0, 0(t1)
    sfence.vma
.endm
/* reg = table[idx] */
.macro LOAD_PTE reg, table, idx
    la \reg, \table
    li t2, (\idx) * 8
    add \reg, \reg, t2
    ld \reg, 0(\reg)
.endm
/* mret into U-mode at the U alias of label */
.macro ENTER_U_ALIAS label
    li t0, MSTATUS_MPP | MSTATUS_MPIE
    csrc mstatus, t0
    la t0, \label
    li t1, U_ALIAS_OFFSET
    add t0, t0, t1
    csrw mepc, t0
    mret
.endm
#endif
#endif
