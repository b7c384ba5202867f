// Code generation churn: 16 pages of generated functions (a chain of addi then ret) are rewritten with new
// immediates every round, made visible with fence.i and each called several times: what a guest JIT, a
// module loader or exec-heavy userland does to a translator (retranslation, invalidation, back-off).
#include <stdint.h>
#define FUNCS 16u
#define INSNS 1000u                    // addi a0, a0, imm; 1,000 per function (one page)
#define ROUNDS 100u
#define CALLS 8u
static uint32_t code[FUNCS][1024] __attribute__((aligned(4096)));
typedef uint64_t (*fn_t)(uint64_t);

uint64_t main(void) {
  uint64_t acc = 0;
  for (uint32_t r = 0; r < ROUNDS; r++) {
    for (uint32_t f = 0; f < FUNCS; f++) {
      for (uint32_t k = 0; k < INSNS; k++) {
        uint32_t imm = (r * 7u + f * 13u + k) & 0x3ffu;
        code[f][k] = 0x00050513u | (imm << 20);     // addi a0, a0, imm
      }
      code[f][INSNS] = 0x00008067u;                  // ret
    }
    __asm__ volatile("fence.i" ::: "memory");
    for (uint32_t c = 0; c < CALLS; c++)
      for (uint32_t f = 0; f < FUNCS; f++) acc = ((fn_t)(uintptr_t)code[f])(acc) * 3u + c;
  }
  return acc;
}
