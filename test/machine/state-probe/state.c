/* Bare-metal machine-state probe for save/restore (M-mode, -bios none, -smp 1): puts a distinctive
 * value into every CSR the hart has and into the device registers (PLIC, UART, RTC, CLINT), prints
 * READY, waits for one byte on the UART, then reads everything back and prints "name=hex" lines.
 * test/machine/snapshot-state.test.ts saves the machine at READY, restores it in a new process and
 * compares the lines with those of an uninterrupted run. Build: see state.test's compile step. */
typedef unsigned char uint8_t;
typedef unsigned int uint32_t;
typedef unsigned long uint64_t;
typedef unsigned long uintptr_t;

#define UART   0x10000000UL
#define PLIC   0x0c000000UL
#define TEST   0x00100000UL
#define RTC    0x00101000UL
#define CLINT  0x02000000UL

static inline uint8_t rb(uintptr_t a) { return *(volatile uint8_t *)a; }
static inline void wb(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline uint32_t rl(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void wl(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint64_t rq(uintptr_t a) { return *(volatile uint64_t *)a; }
static inline void wq(uintptr_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

static void putc_(char c) { while (!(rb(UART + 5) & 0x20)) {} wb(UART, (uint8_t)c); }
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void hex(uint64_t v) {
  char b[17]; int i = 16; b[16] = 0;
  do { b[--i] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v && i > 0);
  puts_(&b[i]);
}
static void line(const char *n, uint64_t v) { puts_(n); putc_('='); hex(v); putc_('\n'); }

#define CSRW(name, v) __asm__ volatile("csrw " #name ", %0" :: "r"((uint64_t)(v)))
#define CSRR(name) ({ uint64_t _v; __asm__ volatile("csrr %0, " #name : "=r"(_v)); _v; })
#define SHOW(name) line(#name, CSRR(name))

/* Values in memory too: the RAM part of the state. */
static volatile uint64_t pattern[512];

void main(void) {
  for (int i = 0; i < 512; i++) pattern[i] = 0x9e3779b97f4a7c15UL * (uint64_t)(i + 1);
  /* CSRs (M-mode: satp and the S registers hold values without taking effect). */
  CSRW(mstatus, (1UL << 18) | (1UL << 19) | (1UL << 11) | (3UL << 13) | (1UL << 7) | (1UL << 5));
  CSRW(medeleg, 0xb1ff); CSRW(mideleg, 0x222); CSRW(mie, 0x0); CSRW(mip, 0x2);
  CSRW(mtvec, 0x80001001); CSRW(stvec, 0x80002000); CSRW(mepc, 0x80003004); CSRW(sepc, 0x80004008);
  CSRW(mcause, 0x800000000000000bUL); CSRW(scause, 0xd); CSRW(mtval, 0x1234); CSRW(stval, 0x5678);
  CSRW(mscratch, 0xfeedfacecafebeefUL); CSRW(sscratch, 0x0123456789abcdefUL);
  CSRW(mcounteren, 0x5); CSRW(scounteren, 0x2); CSRW(mcountinhibit, 0x4);
  CSRW(menvcfg, (1UL << 63)); CSRW(senvcfg, 0x0); CSRW(stimecmp, 0x7fffffffffff0000UL);
  CSRW(satp, (8UL << 60) | (0x1234UL << 44) | 0x80123UL);
  CSRW(pmpaddr0, 0x20000400); CSRW(pmpaddr1, 0x3fffffffffffffUL); CSRW(pmpaddr2, 0x11111); CSRW(pmpaddr3, 0x22222);
  CSRW(pmpaddr4, 0x33333); CSRW(pmpaddr5, 0x44444); CSRW(pmpaddr6, 0x55555); CSRW(pmpaddr7, 0x66666);
  CSRW(pmpaddr8, 0x77777); CSRW(pmpaddr9, 0x88888); CSRW(pmpaddr10, 0x99999); CSRW(pmpaddr11, 0xaaaaa);
  CSRW(pmpaddr12, 0xbbbbb); CSRW(pmpaddr13, 0xccccc); CSRW(pmpaddr14, 0xddddd); CSRW(pmpaddr15, 0xeeeee);
  CSRW(pmpcfg0, 0x000000000000180fUL); CSRW(pmpcfg2, 0x0000000000000000UL);
  CSRW(mhpmcounter3, 0x333); CSRW(mhpmcounter10, 0xaaa); CSRW(mhpmcounter18, 0x181818);
  CSRW(mhpmevent3, 0x3); CSRW(mhpmevent17, 0x17); CSRW(mhpmevent31, 0x31);
  CSRW(fcsr, 0x45);
  __asm__ volatile("li t0, 0x4009000000000000\n fmv.d.x f1, t0\n li t0, 0x3ff8000000000000\n fmv.d.x f31, t0" ::: "t0");
  /* Devices. */
  for (int s = 1; s <= 11; s++) wl(PLIC + 4 * s, (uint32_t)(s % 8));
  wl(PLIC + 0x2000, 0x0aaa); wl(PLIC + 0x2080, 0x0554);          /* enables, M and S contexts */
  wl(PLIC + 0x200000, 3); wl(PLIC + 0x201000, 5);               /* thresholds */
  wb(UART + 3, 0x80); wb(UART + 0, 0x0c); wb(UART + 1, 0x00); wb(UART + 3, 0x1b);
  wb(UART + 7, 0x5a); wb(UART + 4, 0x0b); wb(UART + 2, 0xc7); wb(UART + 1, 0x01);
  wl(RTC + 0x10, 1);                                             /* RTC irq enable */
  wl(RTC + 0x0c, 0x7fffffff); wl(RTC + 0x08, 0x1234);            /* alarm far away */
  wq(CLINT + 0x4000, 0x7ffffffffff00000UL);
  /* A pending software interrupt (not enabled in mie): must survive the save. */
  wl(CLINT + 0x0, 1);
  puts_("READY\n");
  while (!(rb(UART + 5) & 1)) {}
  uint8_t got = rb(UART + 0);
  puts_("STATE-BEGIN\n");
  line("got", got);
  SHOW(mstatus); SHOW(medeleg); SHOW(mideleg); SHOW(mie); SHOW(mip); SHOW(mtvec); SHOW(stvec);
  SHOW(mepc); SHOW(sepc); SHOW(mcause); SHOW(scause); SHOW(mtval); SHOW(stval); SHOW(mscratch); SHOW(sscratch);
  SHOW(mcounteren); SHOW(scounteren); SHOW(mcountinhibit); SHOW(menvcfg); SHOW(senvcfg); SHOW(stimecmp); SHOW(satp);
  SHOW(pmpaddr0); SHOW(pmpaddr1); SHOW(pmpaddr2); SHOW(pmpaddr3); SHOW(pmpaddr4); SHOW(pmpaddr5); SHOW(pmpaddr6);
  SHOW(pmpaddr7); SHOW(pmpaddr8); SHOW(pmpaddr9); SHOW(pmpaddr10); SHOW(pmpaddr11); SHOW(pmpaddr12);
  SHOW(pmpaddr13); SHOW(pmpaddr14); SHOW(pmpaddr15); SHOW(pmpcfg0); SHOW(pmpcfg2);
  SHOW(mhpmcounter3); SHOW(mhpmcounter10); SHOW(mhpmcounter18); SHOW(mhpmevent3); SHOW(mhpmevent17); SHOW(mhpmevent31);
  SHOW(fcsr); SHOW(misa); SHOW(mhartid);
  { uint64_t a, b; __asm__ volatile("fmv.x.d %0, f1\n fmv.x.d %1, f31" : "=r"(a), "=r"(b)); line("f1", a); line("f31", b); }
  for (int s = 1; s <= 11; s++) { char n[] = "plic.prio.00"; n[10] = '0' + s / 10; n[11] = '0' + s % 10; line(n, rl(PLIC + 4 * s)); }
  line("plic.enable.m", rl(PLIC + 0x2000)); line("plic.enable.s", rl(PLIC + 0x2080));
  line("plic.thresh.m", rl(PLIC + 0x200000)); line("plic.thresh.s", rl(PLIC + 0x201000));
  line("uart.ier", rb(UART + 1)); line("uart.lcr", rb(UART + 3)); line("uart.mcr", rb(UART + 4));
  line("uart.scr", rb(UART + 7)); line("uart.iir", rb(UART + 2));
  { wb(UART + 3, 0x9b); uint8_t dll = rb(UART + 0), dlm = rb(UART + 1); wb(UART + 3, 0x1b);
    line("uart.dll", dll); line("uart.dlm", dlm); }
  line("rtc.irq_enabled", rl(RTC + 0x10)); line("rtc.alarm_low", rl(RTC + 0x08)); line("rtc.alarm_high", rl(RTC + 0x0c));
  line("rtc.alarm_status", rl(RTC + 0x18));
  line("clint.msip", rl(CLINT)); line("clint.mtimecmp", rq(CLINT + 0x4000));
  uint64_t sum = 0;
  for (int i = 0; i < 512; i++) sum = sum * 31 + pattern[i];
  line("ram.sum", sum);
  puts_("STATE-END\n");
  wl(TEST, 0x5555);
  for (;;) {}
}

__asm__(".section .text.init\n.globl _start\n_start:\n"
        "  csrr t0, mhartid\n  bnez t0, 1f\n"
        "  la sp, _stack_top\n  li t0, 0x6000\n  csrs mstatus, t0\n  call main\n"
        "1: wfi\n  j 1b\n");
