// A small bare-metal program for debugger tests: a call chain to break in and backtrace, a
// global to watch, a table to dump and a variable whose change shows in the output.
#include <stdint.h>

#define UART ((volatile uint8_t *)0x10000000)

volatile uint64_t counter;
uint64_t table[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
int factor = 3;
volatile uint64_t spins;

static void put_char(char c) { while ((UART[5] & 0x20) == 0) {} UART[0] = c; }
static void put_str(const char *s) { while (*s) put_char(*s++); }
static void put_hex(uint64_t v) { for (int i = 60; i >= 0; i -= 4) put_char("0123456789abcdef"[(v >> i) & 15]); }

__attribute__((noinline)) uint64_t scale(uint64_t v, int f) {
  uint64_t r = v * (uint64_t)f;
  return r + 1;
}

__attribute__((noinline)) uint64_t accumulate(int n) {
  uint64_t sum = 0;
  for (int i = 0; i < n; i++) {
    sum += scale(table[i], factor);
    counter = sum;
  }
  return sum;
}

int main(void) {
  uint64_t r = accumulate(8);
  put_str("result=");
  put_hex(r);
  put_str("\n");
  return 0;
}

void park(void) { for (;;) spins++; }
