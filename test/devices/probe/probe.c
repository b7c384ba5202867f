/* Bare-metal device probe (M-mode, -bios none): reads and pokes the virt machine's device
 * registers the way firmware and drivers do, records every value first (printing through the
 * UART would disturb it), then prints "name=hex" lines and powers off through sifive_test.
 * Run on QEMU 7.2 and on wasmvirt; test/devices/qemu-parity.test.ts compares the lines. */
/* No libc here (Debian's bare-metal gcc ships without headers): our own fixed-width types. */
typedef unsigned char uint8_t;
typedef unsigned int uint32_t;
typedef unsigned long uint64_t;
typedef unsigned long uintptr_t;

#define UART   0x10000000UL
#define PLIC   0x0c000000UL
#define TEST   0x00100000UL
#define RTC    0x00101000UL
#define VIRTIO(n) (0x10001000UL + (uintptr_t)(n) * 0x1000)

static inline uint8_t rb(uintptr_t a) { return *(volatile uint8_t *)a; }
static inline void wb(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline uint32_t rl(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void wl(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint64_t mip(void) { uint64_t v; __asm__ volatile("csrr %0, mip" : "=r"(v)); return v; }

#define MAXV 160
static const char *names[MAXV];
static uint64_t vals[MAXV];
static int nv;
static void rec(const char *n, uint64_t v) { if (nv < MAXV) { names[nv] = n; vals[nv] = v; nv++; } }

static void putc_(char c) { while (!(rb(UART + 5) & 0x20)) {} wb(UART, (uint8_t)c); }
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void hex(uint64_t v) {
  char b[17]; int i = 16; b[16] = 0;
  do { b[--i] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v && i > 0);
  puts_(&b[i]);
}

#define U(r) (UART + (r))
#define PRIO(s) (PLIC + 4 * (s))
#define PENDING(w) (PLIC + 0x1000 + 4 * (w))
#define ENABLE(c, w) (PLIC + 0x2000 + 0x80 * (c) + 4 * (w))
#define THRESH(c) (PLIC + 0x200000 + 0x1000 * (c))
#define CLAIM(c) (THRESH(c) + 4)

static void uart_probe(void) {
  rec("uart.reset.lsr", rb(U(5))); rec("uart.reset.iir", rb(U(2))); rec("uart.reset.msr", rb(U(6)));
  rec("uart.reset.mcr", rb(U(4))); rec("uart.reset.lcr", rb(U(3))); rec("uart.reset.ier", rb(U(1)));
  wb(U(3), 0x80); rec("uart.dll", rb(U(0))); rec("uart.dlm", rb(U(1)));
  wb(U(0), 0x01); wb(U(1), 0x02); rec("uart.dll.set", rb(U(0))); rec("uart.dlm.set", rb(U(1)));
  wb(U(3), 0x03); rec("uart.lcr", rb(U(3))); rec("uart.ier.after.dlab", rb(U(1)));
  wb(U(7), 0xa5); rec("uart.scr", rb(U(7)));
  wb(U(2), 0x07); rec("uart.fifo.iir", rb(U(2)));
  wb(U(1), 0x02); rec("uart.thri.iir1", rb(U(2))); rec("uart.thri.iir2", rb(U(2)));
  wb(U(1), 0x00); wb(U(1), 0x02); rec("uart.thri.rearm.iir", rb(U(2)));
  wb(U(1), 0x00);
  wb(U(4), 0x1f); rec("uart.loop.msr", rb(U(6)));
  wb(U(4), 0x10); rec("uart.loop0.msr", rb(U(6)));
  wb(U(0), 'Z'); rec("uart.loop.lsr", rb(U(5))); rec("uart.loop.rbr", rb(U(0))); rec("uart.loop.lsr2", rb(U(5)));
  for (int i = 0; i < 17; i++) wb(U(0), (uint8_t)('a' + i));
  wb(U(1), 0x07);
  rec("uart.overrun.iir", rb(U(2))); rec("uart.overrun.lsr", rb(U(5))); rec("uart.overrun.iir2", rb(U(2)));
  int n = 0; uint8_t last = 0;
  while ((rb(U(5)) & 1) && n < 64) { last = rb(U(0)); n++; }
  rec("uart.overrun.count", n); rec("uart.overrun.last", last); rec("uart.drained.iir", rb(U(2)));
  rec("uart.drained.iir2", rb(U(2)));
  wb(U(1), 0x00); wb(U(4), 0x08); wb(U(2), 0x00); rec("uart.nofifo.iir", rb(U(2)));
  wb(U(2), 0x07);
}

static void plic_probe(void) {
  wl(PRIO(10), 0xffffffff); rec("plic.prio.warl", rl(PRIO(10)));
  wl(PRIO(1), 3); rec("plic.prio.3", rl(PRIO(1))); wl(PRIO(1), 0);
  rec("plic.prio0", rl(PRIO(0)));
  rec("plic.prio95", rl(PRIO(95))); wl(PRIO(96), 5); rec("plic.prio96", rl(PRIO(96)));
  wl(ENABLE(0, 0), 0xffffffff); rec("plic.enable.w0", rl(ENABLE(0, 0)));
  wl(ENABLE(0, 2), 0xffffffff); rec("plic.enable.w2", rl(ENABLE(0, 2)));
  wl(ENABLE(0, 3), 0xffffffff); rec("plic.enable.w3", rl(ENABLE(0, 3)));
  wl(ENABLE(0, 0), 0); wl(ENABLE(0, 2), 0); wl(ENABLE(0, 3), 0);
  wl(THRESH(0), 0xffffffff); rec("plic.threshold.warl", rl(THRESH(0))); wl(THRESH(0), 0);
  rec("plic.pending.idle", rl(PENDING(0))); rec("plic.claim.idle", rl(CLAIM(0)));
  rec("plic.ctx2.threshold", rl(THRESH(2)));            /* hart 1 is absent with -smp 1 */
  /* A real interrupt: UART THR empty, PLIC source 10, M context of hart 0. */
  wl(PRIO(10), 1); wl(ENABLE(0, 0), 1u << 10);
  rec("plic.mip.before", mip() & (1 << 11));
  wb(U(1), 0x02);
  rec("plic.pending.uart", rl(PENDING(0)) & (1u << 10));
  rec("plic.mip.meip", mip() & (1 << 11));
  rec("plic.mip.seip", mip() & (1 << 9));
  rec("plic.claim", rl(CLAIM(0)));
  rec("plic.after.claim.pending", rl(PENDING(0)) & (1u << 10));
  rec("plic.after.claim.mip", mip() & (1 << 11));
  rec("plic.claim.again", rl(CLAIM(0)));
  rec("plic.uart.iir", rb(U(2)));                        /* reading IIR drops the UART line */
  wl(CLAIM(0), 10);
  rec("plic.after.complete.pending", rl(PENDING(0)) & (1u << 10));
  rec("plic.after.complete.mip", mip() & (1 << 11));
  wb(U(1), 0x00);
  /* S context of hart 0 (context 1) drives SEIP. */
  wl(ENABLE(1, 0), 1u << 10); wl(ENABLE(0, 0), 0);
  wb(U(1), 0x02);
  rec("plic.s.mip.seip", mip() & (1 << 9));
  rec("plic.s.mip.meip", mip() & (1 << 11));
  rec("plic.s.claim", rl(CLAIM(1)));
  rb(U(2)); wl(CLAIM(1), 10); wb(U(1), 0x00);
  wl(ENABLE(1, 0), 0); wl(PRIO(10), 0);
}

static void virtio_probe(void) {
  uintptr_t e = VIRTIO(0), r = VIRTIO(7), b = VIRTIO(6);
  /* access widths: a 64-bit access is two 32-bit ones; a misaligned load is two aligned ones */
  rec("virtio.rng.ld.version_devid", (uint32_t)*(volatile uint64_t *)(r + 4));
  rec("virtio.rng.ld.version_devid.hi", (uint32_t)(*(volatile uint64_t *)(r + 4) >> 32));
  rec("virtio.rng.lw.misaligned", *(volatile uint32_t *)(r + 2));
  rec("virtio.empty.magic", rl(e)); rec("virtio.empty.version", rl(e + 4));
  rec("virtio.empty.devid", rl(e + 8)); rec("virtio.empty.vendor", rl(e + 0xc));
  rec("virtio.empty.status", rl(e + 0x70)); rec("virtio.empty.qmax", rl(e + 0x34));
  rec("virtio.rng.devid", rl(r + 8)); rec("virtio.rng.version", rl(r + 4));
  wl(r + 0x14, 0); rec("virtio.rng.features0.ring", rl(r + 0x10) & 0x30000000);
  wl(r + 0x14, 1); rec("virtio.rng.features1.v1", rl(r + 0x10) & 1);
  wl(r + 0x30, 0); rec("virtio.rng.qmax", rl(r + 0x34)); rec("virtio.rng.qready", rl(r + 0x44));
  wl(r + 0x30, 1); rec("virtio.rng.q1max", rl(r + 0x34));
  wl(r + 0x70, 1); wl(r + 0x70, 3); rec("virtio.rng.status", rl(r + 0x70));
  wl(r + 0x24, 1); wl(r + 0x20, 1); wl(r + 0x24, 0); wl(r + 0x20, 0);
  wl(r + 0x70, 0xb); rec("virtio.rng.features_ok", rl(r + 0x70));
  wl(r + 0x70, 0); rec("virtio.rng.reset.status", rl(r + 0x70));
  rec("virtio.rng.isr", rl(r + 0x60)); rec("virtio.rng.confgen", rl(r + 0xfc));
  rec("virtio.blk.devid", rl(b + 8));
  wl(b + 0x14, 0); rec("info.blk.features0", rl(b + 0x10));
  wl(b + 0x14, 1); rec("info.blk.features1", rl(b + 0x10));
  wl(b + 0x14, 0); rec("virtio.blk.features0.ours", rl(b + 0x10) & 0x30000266);
  rec("virtio.blk.capacity.lo", rl(b + 0x100)); rec("virtio.blk.capacity.hi", rl(b + 0x104));
  rec("virtio.blk.blk_size", rl(b + 0x114));
  rec("virtio.blk.capacity.byte0", rb(b + 0x100)); rec("virtio.blk.capacity.byte1", rb(b + 0x101));
  {
    static const char *cfg[] = { "virtio.blk.config00", "virtio.blk.config08", "virtio.blk.config10", "virtio.blk.config18",
      "virtio.blk.config20", "virtio.blk.config28", "virtio.blk.config30", "virtio.blk.config38" };
    for (int i = 0; i < 8; i++) rec(cfg[i], rl(b + 0x100 + 8 * i) | ((uint64_t)rl(b + 0x104 + 8 * i) << 32));
  }
  wl(b + 0x30, 0); rec("virtio.blk.qmax", rl(b + 0x34));
}

static void input_probe(void) {
  static const char *kb[] = { "virtio.kbd.evkey.w0", "virtio.kbd.evkey.w1", "virtio.kbd.evkey.w2", "virtio.kbd.evkey.w3",
    "virtio.kbd.evkey.w4", "virtio.kbd.evkey.w5", "virtio.kbd.evkey.w6", "virtio.kbd.evkey.w7" };
  uintptr_t k = VIRTIO(5);
  rec("virtio.kbd.devid", rl(k + 8));
  wb(k + 0x100, 0x01); wb(k + 0x101, 0); rec("virtio.kbd.name.size", rb(k + 0x102)); rec("virtio.kbd.name.w0", rl(k + 0x108));
  wb(k + 0x100, 0x03); rec("virtio.kbd.devids.lo", rl(k + 0x108)); rec("virtio.kbd.devids.hi", rl(k + 0x10c));
  wb(k + 0x100, 0x11); wb(k + 0x101, 0x00); rec("virtio.kbd.evsyn.size", rb(k + 0x102));
  wb(k + 0x101, 0x01); rec("virtio.kbd.evkey.size", rb(k + 0x102));
  for (int i = 0; i < 8; i++) rec(kb[i], rl(k + 0x108 + 4 * i));
  wb(k + 0x101, 0x02); rec("virtio.kbd.evrel.size", rb(k + 0x102));
  wb(k + 0x101, 0x11); rec("virtio.kbd.evled.size", rb(k + 0x102)); rec("virtio.kbd.evled", rb(k + 0x108));
  wb(k + 0x101, 0x14); rec("virtio.kbd.evrep.size", rb(k + 0x102));
  wb(k + 0x100, 0x12); wb(k + 0x101, 0x00); rec("virtio.kbd.absinfo.size", rb(k + 0x102));
  wl(k + 0x30, 1); rec("virtio.kbd.q1max", rl(k + 0x34)); wl(k + 0x30, 2); rec("virtio.kbd.q2max", rl(k + 0x34));
}

static void rtc_probe(void) {
  uint32_t lo1 = rl(RTC), hi1 = rl(RTC + 4);
  for (volatile int i = 0; i < 100000; i++) {}
  uint32_t lo2 = rl(RTC), hi2 = rl(RTC + 4);
  uint64_t t1 = ((uint64_t)hi1 << 32) | lo1, t2 = ((uint64_t)hi2 << 32) | lo2;
  rec("rtc.advances", t2 > t1);
  rec("rtc.after.2020", t1 / 1000000000ull > 1577836800ull);
  rec("rtc.alarm.status", rl(RTC + 0x18)); rec("rtc.irq.enabled", rl(RTC + 0x10));
}

void main_(void) {
  uart_probe();
  plic_probe();
  virtio_probe();
  input_probe();
  rtc_probe();
  puts_("\nPROBE-BEGIN\n");
  for (int i = 0; i < nv; i++) { puts_(names[i]); putc_('='); hex(vals[i]); putc_('\n'); }
  puts_("PROBE-END\n");
  wl(TEST, 0x5555);
  for (;;) __asm__ volatile("wfi");
}

__attribute__((naked, section(".text.init"))) void _start(void) {
  __asm__ volatile(
    "csrr t0, mhartid\n bnez t0, 2f\n"
    "la sp, _stack_top\n call main_\n"
    "2: wfi\n j 2b\n");
}
