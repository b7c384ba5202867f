// UART output for the benchmark programs (16550 at 0x10000000, as QEMU's virt).
#include <stdint.h>
#define UART ((volatile uint8_t *)0x10000000)
void putc_(char c) { while ((UART[5] & 0x20) == 0) {} UART[0] = c; }
void puts_(const char *s) { while (*s) putc_(*s++); }
void puthex(uint64_t v) { for (int i = 60; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 15]); }
void putdec(uint64_t v) { char b[24]; int n = 0; do { b[n++] = '0' + v % 10; v /= 10; } while (v); while (n) putc_(b[--n]); }
void report(uint64_t result, uint64_t instret) {
  puts_("result="); puthex(result); puts_(" instret="); putdec(instret); puts_("\n");
}
