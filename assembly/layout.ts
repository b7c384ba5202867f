// Fixed offsets in the core's linear memory. Everything the host reads or writes
// (console rings, hart contexts, RAM) lives at an address declared here once;
// the host reaches them through the core's exports (ramOffset(), consoleOutPtr(), hartContext()...), never by retyping.
//
// AssemblyScript's own static data sits below STATE_BASE; the core never allocates
// (runtime "stub"), so nothing grows into the regions below.

export const STATE_BASE: u32 = 0x0010_0000;

// Active hart's integer registers x0..x31 (u64 each), then f0..f31.
export const XREGS: u32 = STATE_BASE;            // 256 bytes
export const FREGS: u32 = STATE_BASE + 0x100;    // 256 bytes
// fcsr of the active hart (u32: frm in bits 7:5, fflags in bits 4:0).
export const FCSR: u32 = STATE_BASE + 0x200;

// The core's own machine-level state that lives in wasm globals (active hart, hart count, RAM size,
// clocks at the moment of saving, a pending exit), written here by snapshotSave() and read back by
// snapshotRestore(), so that a saved state is nothing but the regions listed in SNAPSHOT_REGIONS.
export const CORE_STATE: u32 = STATE_BASE + 0xc00;
export const CORE_STATE_SIZE: u32 = 0x100;

// Saved contexts of all harts (the active hart's live copy is in globals + XREGS/FREGS).
// The hart limit is the device table's (src/machine/memmap.json maxHarts), generated into memmap.ts.
import { MAX_HARTS } from "./generated/memmap";
export { MAX_HARTS };
export const HART_CTX: u32 = STATE_BASE + 0x1000;   // MAX_HARTS * HART_CTX_SIZE
export const HART_CTX_SIZE: u32 = 0x1000;

// Soft TLBs of the active hart: three arrays (fetch, load, store) of TLB_ENTRIES
// entries of 16 bytes: tag (u64: virtual page | 0 or ~0 for invalid), addend (u64: host - virtual).
export const TLB_BITS: i32 = 10;
export const TLB_ENTRIES: i32 = 1 << TLB_BITS;
export const TLB_FETCH: u32 = STATE_BASE + 0x10000;
export const TLB_LOAD: u32 = TLB_FETCH + (TLB_ENTRIES << 4);
export const TLB_STORE: u32 = TLB_LOAD + (TLB_ENTRIES << 4);

// Console: guest → host ring (UART THR bytes) and host → guest ring (keyboard).
export const CONSOLE_OUT: u32 = STATE_BASE + 0x20000;
export const CONSOLE_OUT_SIZE: u32 = 0x10000;
export const CONSOLE_IN: u32 = STATE_BASE + 0x30000;
export const CONSOLE_IN_SIZE: u32 = 0x1000;

// STATE_BASE + 0x40000 .. + 0x80000: free.

// Pages of guest RAM that were ever written (one bit per 4 KiB page, up to 4 GiB of RAM): set by the
// write-pointer lookup every store's TLB fill goes through and by ramWritten(); a saved state reads
// only these pages, so saving a mostly-empty RAM costs what the guest used, not -m.
export const RAM_TOUCHED: u32 = STATE_BASE + 0x80000;
export const RAM_TOUCHED_SIZE: u32 = 0x20000;

// Device state blocks (PLIC arrays, virtio queues state...), 1 MiB.
export const DEVICE_STATE: u32 = STATE_BASE + 0x100000;
export const DEVICE_STATE_SIZE: u32 = 0x100000;

// Boot ROM contents (mapped at memmap "mrom").
export const ROM: u32 = STATE_BASE + 0x200000;
export const ROM_SIZE: u32 = 0x10000;

// Expansion of every 16-bit compressed encoding to its 32-bit instruction (0 = illegal),
// filled once at start: decoding a compressed instruction is one load.
export const C_EXPAND: u32 = STATE_BASE + 0x300000;   // 65536 * 4 bytes

// ---- Translation tier (assembly/jit/) ----
// Per physical RAM page, 8 bytes: u32 info = region index + 1 (high 16 bits) | flags (low 16 bits),
// then u32 hotness. Sized for the largest RAM the host allows (3 GiB = 786,432 pages).
export const JIT_PAGE_INFO: u32 = 0x0050_0000;         // 6 MiB
export const JIT_MAX_PAGES: u32 = 786432;
// Regions (compiled pages): a 2,048-slot entry map each (u16 per half-word offset: block index + 1).
export const JIT_MAX_REGIONS: i32 = 1024;
export const JIT_ENTRY_MAPS: u32 = 0x00b0_0000;        // JIT_MAX_REGIONS * 4 KiB
export const JIT_REGION_INFO: u32 = 0x00f0_0000;       // JIT_MAX_REGIONS * 512 bytes
export const JIT_REGION_INFO_SIZE: u32 = 512;
// The emitter's buffers: the function body, then the whole module.
export const JIT_BODY_BUF: u32 = 0x00f8_0000;
export const JIT_BODY_BUF_SIZE: u32 = 0x0010_0000;
export const JIT_MODULE_BUF: u32 = 0x0108_0000;
export const JIT_MODULE_BUF_SIZE: u32 = 0x0010_0000;
// Words shared by the core and generated code (status of a slow path, how a region left).
export const JIT_WORDS: u32 = 0x0118_0000;
// The translator's per-page scratch (instruction starts, leaders, block table).
export const JIT_SCRATCH: u32 = 0x0119_0000;           // 64 KiB
// Lockstep checker (test mode): store logs of a region run and of the interpreter's replay.
export const JIT_STORE_LOG: u32 = 0x0120_0000;         // 2 x 512 KiB
export const JIT_STORE_LOG_SIZE: u32 = 0x0008_0000;

// The LZ4 codec of saved states (assembly/lz4.ts): one RAM section's pages in, its compressed block
// out (a save), or the reverse (a restore); sized for the host's RAM_CHUNK (1 MiB) and its bound.
export const LZ_BUF_SIZE: u32 = 0x0014_0000;
export const LZ_IN: u32 = 0x0130_0000;
export const LZ_OUT: u32 = LZ_IN + LZ_BUF_SIZE;
export const LZ_HASH_BITS: u32 = 15;
export const LZ_HASH: u32 = LZ_OUT + LZ_BUF_SIZE;     // 4 << LZ_HASH_BITS bytes

// Guest RAM starts here and runs to the end of linear memory.
export const RAM: u32 = 0x0200_0000;

// What a saved machine state holds of the core's linear memory besides RAM (start, size pairs):
// the AssemblyScript static data (memory.data blocks: CLINT registers, PMP decode), the active
// hart's page (registers, PMP/HPM copies, CORE_STATE), every hart context, both console rings,
// every device's state block and the boot ROM. Left out on purpose: the TLBs (flushed on restore)
// and C_EXPAND (rebuilt by init()).
export const SNAPSHOT_REGIONS: StaticArray<u32> = [
  0, STATE_BASE,
  STATE_BASE, 0x1000,
  HART_CTX, <u32>MAX_HARTS * HART_CTX_SIZE,
  CONSOLE_OUT, CONSOLE_OUT_SIZE,
  CONSOLE_IN, CONSOLE_IN_SIZE,
  DEVICE_STATE, DEVICE_STATE_SIZE,
  ROM, ROM_SIZE,
];
