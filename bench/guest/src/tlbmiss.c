// Paging workload: Sv39 in S-mode over 16 MiB of 4 KiB pages mapped in a scrambled order, touched in a
// stride that visits 4,096 pages (four times the soft TLB) again and again: a page walk on most accesses.
#include <stdint.h>
#define PAGES 4096u
#define VBASE 0x40000000ull          // the workload's virtual window (root index 1)
#define DATA_PA 0x81000000ull        // its physical backing: RAM + 16 MiB
#define ROUNDS 100u
#define PTE_V 1u
#define PTE_RWX 0xeu
#define PTE_RW 0x6u
#define PTE_AD 0xc0u
static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t mid[512] __attribute__((aligned(4096)));
static uint64_t leaf[PAGES / 512][512] __attribute__((aligned(4096)));
uint64_t saved_sp;
extern uint64_t enter_s(void (*entry)(void), uint64_t satp);
extern void s_entry(void);
static inline uint64_t pte(uint64_t pa, uint64_t flags) { return ((pa >> 12) << 10) | flags; }

uint64_t s_work(void) {
  uint64_t acc = 0;
  for (uint32_t r = 0; r < ROUNDS; r++) {
    for (uint32_t i = 0; i < PAGES; i++) {
      uint32_t page = (i * 2053u + r) % PAGES;
      volatile uint64_t *p = (volatile uint64_t *)(VBASE + ((uint64_t)page << 12) + ((i & 511u) << 3));
      uint64_t x = *p;
      *p = x + i;
      acc += x ^ page;
    }
  }
  return acc;
}

uint64_t main(void) {
  root[0] = pte(0x0, PTE_V | PTE_RWX | PTE_AD);                 // MMIO, identity (1 GiB)
  root[2] = pte(0x80000000ull, PTE_V | PTE_RWX | PTE_AD);       // RAM: code, stack, tables (1 GiB)
  root[1] = pte((uint64_t)(uintptr_t)mid, PTE_V);
  for (uint32_t t = 0; t < PAGES / 512; t++) mid[t] = pte((uint64_t)(uintptr_t)leaf[t], PTE_V);
  for (uint32_t v = 0; v < PAGES; v++) {
    uint32_t p = (v * 1597u) % PAGES;                               // scrambled physical order
    leaf[v / 512][v % 512] = pte(DATA_PA + ((uint64_t)p << 12), PTE_V | PTE_RW | PTE_AD);
  }
  for (uint64_t *q = (uint64_t *)DATA_PA; q < (uint64_t *)(DATA_PA + PAGES * 4096ull); q += 512) *q = 0;
  return enter_s(s_entry, (8ull << 60) | ((uint64_t)(uintptr_t)root >> 12));
}

__asm__(
  "  .globl enter_s\n"
  "enter_s:\n"                       // a0 = S-mode entry, a1 = satp; returns what S-mode passed to ecall in a0
  "  addi sp, sp, -16\n  sd ra, 0(sp)\n  sd s0, 8(sp)\n"
  "  la t0, saved_sp\n  sd sp, 0(t0)\n"
  "  li t0, -1\n  csrw pmpaddr0, t0\n  li t0, 0x1f\n  csrw pmpcfg0, t0\n"   // S-mode may access everything
  "  la t0, m_trap\n  csrw mtvec, t0\n"
  "  csrw mepc, a0\n  csrw satp, a1\n  sfence.vma\n"
  "  li t0, 0x1800\n  csrc mstatus, t0\n  li t0, 0x0800\n  csrs mstatus, t0\n"
  "  mret\n"
  "  .balign 4\n"
  "m_trap:\n"                        // the ecall from S-mode: back to M with paging off
  "  csrw satp, zero\n  sfence.vma\n"
  "  la t0, saved_sp\n  ld sp, 0(t0)\n"
  "  ld ra, 0(sp)\n  ld s0, 8(sp)\n  addi sp, sp, 16\n  ret\n"
  "  .globl s_entry\n"
  "s_entry:\n"
  "  call s_work\n  ecall\n"
);
