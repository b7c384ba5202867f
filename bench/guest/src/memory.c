// Memory-heavy workload: a 16 MiB array touched with strides, random reads, copies and a sort
// (many pages, many TLB refills), ~300M instructions.
#include <stdint.h>
#define N (2u * 1024 * 1024)
static uint64_t a[N];
static uint64_t b[N / 4];
static void sort(uint64_t *v, long lo, long hi) {
  while (lo < hi) {
    uint64_t p = v[(lo + hi) / 2]; long i = lo, j = hi;
    while (i <= j) { while (v[i] < p) i++; while (v[j] > p) j--; if (i <= j) { uint64_t t = v[i]; v[i] = v[j]; v[j] = t; i++; j--; } }
    if (j - lo < hi - i) { sort(v, lo, j); lo = i; } else { sort(v, i, hi); hi = j; }
  }
}
uint64_t main(void) {
  uint64_t x = 0x9e3779b97f4a7c15ull, acc = 0;
  for (uint32_t i = 0; i < N; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; a[i] = x; }
  for (int pass = 0; pass < 4; pass++) for (uint32_t i = 0; i < N; i += 512 + pass) acc += a[i];
  for (uint32_t r = 0; r < 4000000; r++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; acc += a[x & (N - 1)]; }
  for (int rep = 0; rep < 4; rep++) for (uint32_t i = 0; i < N / 4; i++) b[i] = a[(i * 4 + rep) & (N - 1)];
  sort(b, 0, N / 4 - 1);
  for (uint32_t i = 0; i < N / 4; i += 1024) acc += b[i];
  return acc;
}
