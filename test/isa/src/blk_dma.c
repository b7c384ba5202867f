/*
 * DMA into a page that holds code that has run: a function alone in its 4 KiB page is called until it is
 * hot (the translation tier compiles its page), then a virtio-blk read (a modern virtio-mmio device, as
 * wasmvirt's; QEMU 7.2 with -global virtio-mmio.force-legacy=false) puts the disk's first sector over
 * it. After fence.i the new code must run: the device's write into RAM has to drop the translation.
 * Needs a disk whose sector 0 starts with `li a0, 2; ret` (test/jit/dma.test.ts writes it); the
 * disk-less runs of every other ISA program leave this one out (blk_* programs need a disk).
 */
#include <stdint.h>

extern void fail(void);
const char test_name[] = "blk_dma";

static void check(int n, int ok) {
  if (!ok) {
    register long num asm("gp") = n;
    asm volatile("j fail" : : "r"(num));
  }
}

/* The code page: `li a0, 1; ret`, then padding to the end of the page (nothing else lives there). */
asm(".section .text.dma_page, \"ax\"\n"
    ".balign 4096\n"
    ".globl dma_page\n"
    "dma_page:\n"
    "  li a0, 1\n"
    "  ret\n"
    ".balign 4096\n"
    ".text\n");
extern long dma_page(void);

#define MMIO(base, off) (*(volatile uint32_t *)((base) + (off)))
enum {
  MAGIC = 0x000, VERSION = 0x004, DEVICE_ID = 0x008, DEVICE_FEATURES = 0x010, DEVICE_FEATURES_SEL = 0x014,
  DRIVER_FEATURES = 0x020, DRIVER_FEATURES_SEL = 0x024, QUEUE_SEL = 0x030, QUEUE_NUM_MAX = 0x034,
  QUEUE_NUM = 0x038, QUEUE_READY = 0x044, QUEUE_NOTIFY = 0x050, STATUS = 0x070, QUEUE_DESC_LOW = 0x080,
  QUEUE_DESC_HIGH = 0x084, QUEUE_AVAIL_LOW = 0x090, QUEUE_AVAIL_HIGH = 0x094, QUEUE_USED_LOW = 0x0a0,
  QUEUE_USED_HIGH = 0x0a4,
};
enum { S_ACK = 1, S_DRIVER = 2, S_DRIVER_OK = 4, S_FEATURES_OK = 8 };
enum { D_NEXT = 1, D_WRITE = 2 };

struct desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
static struct desc ring_desc[8] __attribute__((aligned(16)));
static struct { uint16_t flags, idx, ring[8], used_event; } avail __attribute__((aligned(2)));
static struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[8]; uint16_t avail_event; } used
    __attribute__((aligned(4)));
static struct { uint32_t type, reserved; uint64_t sector; } req;
static volatile uint8_t req_status;

static long calls(int n) {
  long (*volatile f)(void) = dma_page;   /* through a pointer: each call is a jump into the page */
  long sum = 0;
  for (int i = 0; i < n; i++) sum += f();
  return sum;
}

static uintptr_t find_blk(void) {
  for (int i = 0; i < 8; i++) {
    uintptr_t base = 0x10001000 + 0x1000 * (uintptr_t)i;
    if (MMIO(base, MAGIC) == 0x74726976 && MMIO(base, VERSION) == 2 && MMIO(base, DEVICE_ID) == 2) return base;
  }
  return 0;
}

static void read_sector0_into(uintptr_t base, void *dst) {
  MMIO(base, STATUS) = 0;
  MMIO(base, STATUS) = S_ACK;
  MMIO(base, STATUS) = S_ACK | S_DRIVER;
  MMIO(base, DEVICE_FEATURES_SEL) = 1;
  check(3, MMIO(base, DEVICE_FEATURES) & 1);   /* VIRTIO_F_VERSION_1 */
  MMIO(base, DRIVER_FEATURES_SEL) = 0;
  MMIO(base, DRIVER_FEATURES) = 0;
  MMIO(base, DRIVER_FEATURES_SEL) = 1;
  MMIO(base, DRIVER_FEATURES) = 1;
  MMIO(base, STATUS) = S_ACK | S_DRIVER | S_FEATURES_OK;
  check(4, MMIO(base, STATUS) & S_FEATURES_OK);
  MMIO(base, QUEUE_SEL) = 0;
  check(5, MMIO(base, QUEUE_NUM_MAX) >= 8);
  MMIO(base, QUEUE_NUM) = 8;
  MMIO(base, QUEUE_DESC_LOW) = (uint32_t)(uintptr_t)ring_desc;
  MMIO(base, QUEUE_DESC_HIGH) = (uint32_t)((uintptr_t)ring_desc >> 32);
  MMIO(base, QUEUE_AVAIL_LOW) = (uint32_t)(uintptr_t)&avail;
  MMIO(base, QUEUE_AVAIL_HIGH) = (uint32_t)((uintptr_t)&avail >> 32);
  MMIO(base, QUEUE_USED_LOW) = (uint32_t)(uintptr_t)&used;
  MMIO(base, QUEUE_USED_HIGH) = (uint32_t)((uintptr_t)&used >> 32);
  MMIO(base, QUEUE_READY) = 1;
  MMIO(base, STATUS) = S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK;

  req.type = 0;   /* VIRTIO_BLK_T_IN: disk to memory */
  req.sector = 0;
  req_status = 0xff;
  ring_desc[0] = (struct desc){ (uintptr_t)&req, sizeof req, D_NEXT, 1 };
  ring_desc[1] = (struct desc){ (uintptr_t)dst, 512, D_WRITE | D_NEXT, 2 };
  ring_desc[2] = (struct desc){ (uintptr_t)&req_status, 1, D_WRITE, 0 };
  avail.ring[0] = 0;
  __sync_synchronize();
  avail.idx = 1;
  __sync_synchronize();
  MMIO(base, QUEUE_NOTIFY) = 0;
  for (long spin = 0; *(volatile uint16_t *)&used.idx == 0; spin++) check(6, spin < 100000000);
  __sync_synchronize();
  check(7, req_status == 0);
  check(8, used.ring[0].len >= 512);
}

void test_main(void) {
  check(1, calls(30000) == 30000);          /* hot: translated before the DMA */
  uintptr_t base = find_blk();
  check(2, base != 0);
  read_sector0_into(base, (void *)dma_page);
  asm volatile("fence.i" ::: "memory");
  check(9, dma_page() == 2);                /* the disk's code runs, not the old translation */
  check(10, calls(30000) == 60000);
}
