/* Bare-metal RTC alarm latency probe (M-mode, -bios none, -smp 1). The hart idles in WFI with no timer
 * armed (mtimecmp = ~0, as a tickless kernel leaves it) while the goldfish RTC's alarm, 2 ms ahead, is the
 * only thing that can wake it through PLIC source 11 (MEIE on, mstatus.MIE off: WFI resumes without a
 * trap). For each of ROUNDS alarms it prints "late=<ns>": the RTC's time when the hart saw MEIP minus the
 * alarm time. test/devices/rtc-wfi.test.ts checks that the alarms come on time (a host that slept its
 * whole idle cap instead of until the alarm makes every one ~8 ms late). Build: ./build.sh */
typedef unsigned int uint32_t;
typedef unsigned long uint64_t;
typedef unsigned long uintptr_t;

#define UART   0x10000000UL
#define PLIC   0x0c000000UL
#define TEST   0x00100000UL
#define RTC    0x00101000UL
#define CLINT  0x02000000UL
#define RTC_IRQ 11
#define ROUNDS 12
#define DELAY_NS 2000000UL

static inline unsigned char rb(uintptr_t a) { return *(volatile unsigned char *)a; }
static inline void wb(uintptr_t a, unsigned char v) { *(volatile unsigned char *)a = v; }
static inline uint32_t rl(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void wl(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }

static void putc_(char c) { while (!(rb(UART + 5) & 0x20)) {} wb(UART, (unsigned char)c); }
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void dec(long v) {
  char b[24]; int i = 23; b[23] = 0;
  int neg = v < 0; unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;
  do { b[--i] = (char)('0' + u % 10); u /= 10; } while (u && i > 1);
  if (neg) b[--i] = '-';
  puts_(&b[i]);
}

/* goldfish RTC: reading TIME_LOW latches TIME_HIGH. */
static uint64_t rtc_now(void) { uint32_t lo = rl(RTC + 0x00); return ((uint64_t)rl(RTC + 0x04) << 32) | lo; }

static uint64_t mip(void) { uint64_t v; __asm__ volatile("csrr %0, mip" : "=r"(v)); return v; }

void main(void) {
  /* No timer: mtimecmp of hart 0 at the far future. */
  wl(CLINT + 0x4000, 0xffffffff); wl(CLINT + 0x4004, 0xffffffff);
  /* PLIC: source 11 at priority 1, enabled for hart 0's M context (0), threshold 0. */
  wl(PLIC + 4 * RTC_IRQ, 1);
  wl(PLIC + 0x2000, 1u << RTC_IRQ);
  wl(PLIC + 0x200000, 0);
  __asm__ volatile("csrc mstatus, %0" :: "r"(1UL << 3));   /* MIE off: WFI wakes, no trap is taken */
  __asm__ volatile("csrw mie, %0" :: "r"(1UL << 11));      /* MEIE */
  wl(RTC + 0x10, 1);                                       /* IRQ_ENABLED */
  for (int round = 0; round < ROUNDS; round++) {
    uint64_t at = rtc_now() + DELAY_NS;
    wl(RTC + 0x0c, (uint32_t)(at >> 32));                  /* ALARM_HIGH, then ALARM_LOW arms it */
    wl(RTC + 0x08, (uint32_t)at);
    while (!(mip() & (1UL << 11))) __asm__ volatile("wfi");
    long late = (long)(rtc_now() - at);
    uint32_t src = rl(PLIC + 0x200004);                    /* claim */
    wl(RTC + 0x1c, 1);                                     /* CLEAR_INTERRUPT */
    wl(PLIC + 0x200004, src);                              /* complete */
    puts_("late="); dec(late); puts_(" src="); dec((long)src); putc_('\n');
  }
  puts_("done\n");
  wl(TEST, 0x5555);
  for (;;) {}
}
