// Integer workload: arithmetic, branches, calls, a small table (fits in L1), ~400M instructions.
#include <stdint.h>
static uint32_t crc_table[256];
static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) { uint32_t c = i; for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1; crc_table[i] = c; }
}
static uint64_t collatz(uint64_t n) { uint64_t steps = 0; while (n != 1) { n = (n & 1) ? 3 * n + 1 : n >> 1; steps++; } return steps; }
uint64_t main(void) {
  crc_init();
  uint64_t acc = 0;
  for (uint64_t i = 1; i < 300000; i++) acc += collatz(i);
  uint32_t crc = 0xffffffffu;
  for (uint32_t i = 0; i < 3000000; i++) crc = crc_table[(crc ^ i) & 0xff] ^ (crc >> 8);
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 5000000; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; acc += x % 1000003; }
  return acc ^ crc;
}
