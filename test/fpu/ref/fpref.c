/*
 * fpref: executes RISC-V F/D instructions on the real (emulated) hart and prints the outcome.
 * It is the oracle for wasmvirt's FPU: run it under qemu-riscv64 (softfloat) and compare bit for bit.
 *
 * Input, one record per line, hex without 0x:   INST FCSR F6 F7 F8 X6
 *   INST  a 32-bit OP-FP / FMADD / FMSUB / FNMSUB / FNMADD instruction whose register fields name only
 *         rd = 5, rs1 = 6, rs2 = 7, rs3 = 28 (integer t0/t1, FP ft5/ft6/ft7/ft8), as the harness builds them
 *   FCSR  the fcsr value before (frm in 7:5, flags in 4:0)
 *   F6 F7 F8  raw 64-bit contents of f6, f7, f28 (singles NaN-boxed or not, as the test wants)
 *   X6    contents of x6 (integer source)
 * Output, one line per record:   F5 X5 FCSR   (f5 and x5 start as 0), or "ILL" when the hart raised SIGILL.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct state { uint64_t f6, f7, f8, x6, f5, x5; uint32_t fcsr_in, fcsr_out; };

void tramp(struct state *s, void *code);
__asm__(
    ".text\n.globl tramp\n.type tramp,@function\ntramp:\n"
    " addi sp,sp,-16\n sd ra,0(sp)\n sd a0,8(sp)\n"
    " fld ft6,0(a0)\n fld ft7,8(a0)\n fld ft8,16(a0)\n ld t1,24(a0)\n"
    " fld ft5,32(a0)\n ld t0,40(a0)\n lw a2,48(a0)\n fscsr a2\n"
    " jalr a1\n"
    " frcsr a2\n ld a0,8(sp)\n sw a2,52(a0)\n fsd ft5,32(a0)\n sd t0,40(a0)\n"
    " ld ra,0(sp)\n addi sp,sp,16\n ret\n"
    ".size tramp,.-tramp\n");

/* One slot per distinct instruction word: "inst; ret". Written once, so the code is not rewritten per record. */
#define SLOTS 8192
static uint32_t *code;
static uint32_t slot_inst[SLOTS];
static unsigned char slot_used[SLOTS];

static void *slot_for(uint32_t inst) {
  unsigned h = (inst * 2654435761u) >> 19;
  for (;;) {
    h &= SLOTS - 1;
    if (!slot_used[h]) {
      slot_used[h] = 1;
      slot_inst[h] = inst;
      code[2 * h] = inst;
      code[2 * h + 1] = 0x00008067; /* ret */
      __builtin___clear_cache((char *)&code[2 * h], (char *)&code[2 * h + 2]);
      return &code[2 * h];
    }
    if (slot_inst[h] == inst) return &code[2 * h];
    h++;
  }
}

static sigjmp_buf on_ill;
static void ill_handler(int sig) { (void)sig; siglongjmp(on_ill, 1); }

int main(void) {
  code = mmap(0, SLOTS * 8, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) { perror("mmap"); return 1; }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = ill_handler;
  sigaction(SIGILL, &sa, 0);
  static char obuf[1 << 16];
  setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    char *p = line;
    uint32_t inst = strtoul(p, &p, 16);
    struct state s;
    s.fcsr_in = strtoul(p, &p, 16);
    s.f6 = strtoull(p, &p, 16);
    s.f7 = strtoull(p, &p, 16);
    s.f8 = strtoull(p, &p, 16);
    s.x6 = strtoull(p, &p, 16);
    s.f5 = 0;
    s.x5 = 0;
    s.fcsr_out = 0;
    void *fn = slot_for(inst);
    if (sigsetjmp(on_ill, 1)) {
      fputs("ILL\n", stdout);
      continue;
    }
    tramp(&s, fn);
    printf("%llx %llx %x\n", (unsigned long long)s.f5, (unsigned long long)s.x5, s.fcsr_out);
  }
  fflush(stdout);
  return 0;
}
