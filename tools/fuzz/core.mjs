// Core fuzzing: random instruction words, random CSR writes and random page tables executed in every
// privilege mode, on core.wasm in this thread, with the real device models behind it (virtio queues
// included, with a memory disk). The property: nothing the guest does raises a host exception out of
// core.run() (a wasm trap, an abort, a JS error from a device import) and every run() returns.
//
// Each episode writes a fresh random machine into RAM and resets the harts into it:
//   0x80000000  prologue (M-mode): registers from a table of interesting values (RAM, every MMIO base,
//               unmapped, random), random values into the CSRs that shape execution (mstatus with a random
//               MPP, medeleg/mideleg, mie, mtvec/stvec, satp with a random mode over random page tables,
//               PMP, counters enables, menvcfg, stimecmp, mepc), then mret: M, S or U from there on
//   0x80004000  M and S trap handlers: skip the trapping instruction and return (mepc/sepc + 4)
//   0x80010000  64 KiB of random code: raw random words, random compressed halves, words with real
//               opcodes, CSR instructions on real CSR numbers, mret/sret/ecall/ebreak/wfi/sfence.vma/fence.i,
//               loads and stores through the interesting registers
//   0x80030000  the value table
//   0x80100000  page tables: valid pointers, leaves with random permissions, garbage
import { Prng } from "../rvgen/prng.mjs";
import { makeJitHost, JIT_MODES } from "../../dist/machine/jit-host.js";

const RAM_BASE = 0x80000000n;
const RAM_BYTES = 64 << 20;
const PROLOGUE = 0x80000000n,
  HANDLERS = 0x80004000n,
  CODE = 0x80010000n,
  CODE_BYTES = 64 << 10;
const TABLE = 0x80030000n,
  PT = 0x80100000n,
  PT_PAGES = 64;
const MMIO = [
  0x100000n,
  0x101000n,
  0x2000000n,
  0x2004000n,
  0x200bff8n,
  0xc000000n,
  0xc200000n,
  0x10000000n,
  0x10001000n,
  0x10008000n,
  0x10008050n,
  0x10007000n,
  0x1000n,
  0x0n,
];
const CSRS = [
  0x300, 0x302, 0x303, 0x304, 0x305, 0x306, 0x30a, 0x320, 0x340, 0x341, 0x342, 0x343, 0x344, 0x3a0, 0x3a2, 0x3b0, 0x3b1,
  0x3b2, 0x3b3, 0x100, 0x104, 0x105, 0x106, 0x10a, 0x140, 0x141, 0x142, 0x143, 0x144, 0x180, 0x14d, 0xb00, 0xb02, 0xc00,
  0xc01, 0xc02, 0x001, 0x002, 0x003, 0xf11, 0xf14, 0x7a0, 0x323, 0xb03,
];
const OPCODES = [
  0x03, 0x07, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x27, 0x2f, 0x33, 0x37, 0x3b, 0x43, 0x47, 0x4b, 0x4f, 0x53, 0x63, 0x67,
  0x6f, 0x73,
];

// Just the encodings this needs (RISC-V base formats).
const I = (op, f3, rd, rs1, imm) => (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const U = (op, rd, imm20) => (((imm20 & 0xfffff) << 12) | (rd << 7) | op) >>> 0;
const CSRRW = (csr, rs1) => I(0x73, 1, 0, rs1, csr);
const CSRR = (rd, csr) => I(0x73, 2, rd, 0, csr);
const LD = (rd, rs1, off) => I(0x03, 3, rd, rs1, off);
const ADDI = (rd, rs1, imm) => I(0x13, 0, rd, rs1, imm);
const SD = (rs2, rs1, off) =>
  ((((off >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (3 << 12) | ((off & 0x1f) << 7) | 0x23) >>> 0;
const SLLI = (rd, rs1, sh) => I(0x13, 1, rd, rs1, sh);
const SRLI = (rd, rs1, sh) => I(0x13, 5, rd, rs1, sh);
const MRET = 0x30200073,
  SRET = 0x10200073;
const JAL = (rd, off) =>
  ((((off >> 20) & 1) << 31) |
    (((off >> 1) & 0x3ff) << 21) |
    (((off >> 11) & 1) << 20) |
    (((off >> 12) & 0xff) << 12) |
    (rd << 7) |
    0x6f) >>>
  0;
const JAL0_128 = JAL(0, 0x80);
const PRIVILEGED = [MRET, SRET, 0x00000073, 0x00100073, 0x10500073, 0x12000073, 0x0000100f, 0x0ff0000f];

const big = (p) => (BigInt(p.u32()) << 32n) | BigInt(p.u32());

function interesting(p) {
  switch (p.int(6)) {
    case 0:
      return big(p);
    case 1:
      return (RAM_BASE + BigInt(p.int(RAM_BYTES))) & ~7n;
    case 2:
      return p.pick(MMIO) + BigInt(p.int(0x100)) * 4n;
    case 3:
      return (BigInt(p.int(4096)) - 2048n) & 0xffffffffffffffffn;
    case 4:
      return CODE + BigInt(p.int(CODE_BYTES));
    default:
      return RAM_BASE + BigInt(RAM_BYTES) - 8n + BigInt(p.int(64)); // the end of RAM
  }
}

function randomPte(p) {
  const table = PT + BigInt(p.int(PT_PAGES)) * 4096n;
  switch (p.int(4)) {
    case 0:
      return ((table >> 12n) << 10n) | 1n; // pointer
    case 1:
    case 2: {
      // leaf
      const target = p.chance(0.5) ? RAM_BASE : (RAM_BASE + BigInt(p.int(RAM_BYTES))) & ~0xfffn;
      return ((target >> 12n) << 10n) | BigInt(p.u32() & 0xff) | 1n;
    }
    default:
      return big(p) & 0x3fffffffffffffn; // garbage (reserved bits clear or not)
  }
}

function codeWord(p) {
  const r = p.int(100);
  if (r < 25) return p.u32();
  if (r < 35) {
    const lo = p.u32() & 0xffff,
      hi = p.u32() & 0xffff;
    return ((hi << 16) | ((lo & ~3) | p.int(3))) >>> 0;
  }
  if (r < 60) return ((p.u32() & ~0x7f) | p.pick(OPCODES)) >>> 0;
  if (r < 75)
    return I(0x73, p.pick([1, 2, 3, 5, 6, 7]), p.int(32), p.int(32), p.chance(0.85) ? p.pick(CSRS) : p.int(4096));
  if (r < 85) {
    const w = p.pick(PRIVILEGED);
    return w === 0x12000073 ? (w | (p.int(32) << 20) | (p.int(32) << 15)) >>> 0 : w;
  }
  const f3 = p.int(8);
  return p.chance(0.5)
    ? I(0x03, f3 === 7 ? 3 : f3, p.int(32), p.int(32), p.int(4096))
    : (((p.int(4096) >> 5) << 25) |
        (p.int(32) << 20) |
        (p.int(32) << 15) |
        ((f3 & 3) << 12) |
        (p.int(32) << 7) |
        0x23) >>>
        0;
}

/** Write one episode's machine into RAM. */
function writeEpisode(core, p) {
  const mem = new DataView(core.memory.buffer);
  const at = (pa) => core.physToHost(pa);
  const put32 = (pa, v) => mem.setUint32(at(pa), v >>> 0, true);
  const put64 = (pa, v) => mem.setBigUint64(at(pa), BigInt.asUintN(64, v), true);

  // Value table: x1..x31, then CSR values.
  const table = [];
  for (let r = 1; r < 32; r++) table.push(interesting(p));
  const csrValues = [];
  const mppBits = BigInt(p.pick([0, 1, 3, 2])) << 11n;
  // MIE off while the prologue finishes (mret takes MIE from the random MPIE).
  const mstatus = (big(p) & ~(3n << 11n) & ~8n) | mppBits;
  const satpMode = BigInt(p.pick([0, 8, 9, 10, 8, 9, p.int(16)]));
  const root = PT + BigInt(p.int(4)) * 4096n;
  const handlerM = HANDLERS | BigInt(p.chance(0.2) ? 1 : 0); // sometimes vectored
  const handlerS = HANDLERS + 0x100n;
  const entry = p.chance(0.7) ? CODE + BigInt(p.int(CODE_BYTES / 4) * 4) : interesting(p);
  // Trap vectors first (anything after them may trap), mstatus last (its MPRV would redirect the loads).
  const plan = [
    [0x305, handlerM],
    [0x105, p.chance(0.9) ? handlerS : interesting(p)],
    [0x302, p.chance(0.7) ? big(p) : 0n],
    [0x303, p.chance(0.7) ? big(p) : 0n],
    [0x304, big(p)],
    [0x180, (satpMode << 60n) | (BigInt(p.int(16)) << 44n) | (root >> 12n)],
    // PMP: mostly one rule allowing everything (without any rule QEMU's mret to S/U is illegal), sometimes random.
    ...(p.chance(0.3)
      ? [
          [0x3a0, big(p)],
          [0x3b0, interesting(p) >> 2n],
        ]
      : [
          [0x3a0, 0x1fn],
          [0x3b0, (1n << 54n) - 1n],
        ]),
    [0x3b1, big(p)],
    [0x306, big(p)],
    [0x106, big(p)],
    [0x30a, big(p)],
    [0x14d, p.chance(0.5) ? big(p) : BigInt(p.int(100000))],
    [0x340, interesting(p)],
    [0x140, interesting(p)],
    [0x341, entry],
    [0x003, BigInt(p.int(256))],
    [0x300, mstatus],
  ];
  for (const [, v] of plan) csrValues.push(v);
  [...table, ...csrValues].forEach((v, i) => put64(TABLE + BigInt(i * 8), v));

  // Prologue: t0 (x5) = TABLE; CSRs first (through x6), then the registers, t0 last; mret.
  const code = [
    U(0x37, 5, Number(TABLE >> 12n) & 0xfffff),
    SLLI(5, 5, 32),
    SRLI(5, 5, 32),
    // mtimecmp of both harts far away (at reset it is 0: a timer interrupt pending at every instruction);
    // the random code may still bring it back.
    U(0x37, 6, 0x2004),
    ADDI(7, 0, -1),
    SD(7, 6, 0),
    SD(7, 6, 8),
  ];
  plan.forEach(([csr], i) => {
    if (csr === 0x300) {
      // Registers (all but t0/t1, the table base and the temporary), then mstatus, then mret.
      for (let r = 31; r >= 1; r--) if (r !== 5 && r !== 6) code.push(LD(r, 5, (r - 1) * 8));
    }
    code.push(LD(6, 5, (31 + i) * 8));
    code.push(CSRRW(csr, 6));
  });
  code.push(MRET);
  // Should mret fail (an illegal target mode, PMP), the random code runs in M-mode instead.
  code.push(JAL(0, Number(CODE - PROLOGUE) - code.length * 4));
  code.forEach((w, i) => put32(PROLOGUE + BigInt(i * 4), w));

  // Handlers: skip the trapping instruction (4 bytes; a compressed one makes the next fetch odd-aligned — fine).
  // mtvec slot 0 (every trap in direct mode, exceptions in vectored mode) jumps to the skipping handler at
  // +0x80; slots 1..15 (interrupts in vectored mode) just return.
  const skip = (epc, ret) => [CSRR(31, epc), ADDI(31, 31, 4), CSRRW(epc, 31), ret];
  put32(HANDLERS, JAL0_128);
  for (let c = 1; c < 16; c++) put32(HANDLERS + BigInt(c * 4), MRET);
  skip(0x341, MRET).forEach((w, i) => put32(HANDLERS + 0x80n + BigInt(i * 4), w));
  skip(0x141, SRET).forEach((w, i) => put32(handlerS + BigInt(i * 4), w));

  for (let i = 0; i < CODE_BYTES / 4; i++) put32(CODE + BigInt(i * 4), codeWord(p));
  for (let i = 0; i < PT_PAGES * 512; i++) put64(PT + BigInt(i * 8), p.chance(0.6) ? randomPte(p) : 0n);
  // Often map the low RAM gigapage (Sv39 index 2) so S/U code actually runs through translation.
  if (p.chance(0.6))
    put64(root + 16n, ((RAM_BASE >> 12n) << 10n) | BigInt(p.pick([0xcf, 0xdf, 0xcb, 0xdb, 0xc7, 0xff])));
  core.noteRamWrite(RAM_BASE, 4 << 20);
  core.noteRamWrite(PT, PT_PAGES * 4096);
}

/**
 * Run `instructions` fuzzed instructions with `seed`. Returns stats; throws (with the seed and episode)
 * on the first host exception.
 */
export async function fuzzCore({
  module,
  instructions,
  seed,
  harts = 2,
  episodeInstructions = 200_000,
  slice = 20_000,
  deviceImports,
  onProgress,
  onSlice,
  jitMode = process.env.WASMVIRT_JIT ?? "eager",
}) {
  let core;
  // The translation tier is fuzzed too: by default every page is translated on first execution.
  const jit = makeJitHost(() => core);
  const env = {
    ...jit.env,
    hostMonotonicNs: () => performance.now() * 1e6,
    abort: (_m, _f, line, col) => {
      throw new Error(`core aborted at ${line}:${col}`);
    },
    ...deviceImports(() => core.memory),
  };
  core = new WebAssembly.Instance(module, { env }).exports;
  if (core.init(RAM_BYTES, harts) !== 0) throw new Error("init failed");
  core.jitSetMode(JIT_MODES[jitMode] ?? JIT_MODES.eager, 1);
  core.virtioAttach(7, 2, 0, 0, 1 << 20); // blk on a memory disk
  core.virtioAttach(6, 4, 0, 0, 0); // rng
  core.virtioAttach(5, 18, 0, 0, 0); // keyboard
  const stats = {
    instructions: 0n,
    episodes: 0,
    slices: 0,
    poweroffs: 0,
    resets: 0,
    idle: 0,
    privSeen: { M: 0, S: 0, U: 0 },
    ms: 0,
  };
  const t0 = performance.now();
  const privOf = () => {
    core.syncState();
    const dv = new DataView(core.memory.buffer);
    return Number(dv.getBigUint64(core.hartContext(0) + 0x400 + 8, true));
  };
  for (let ep = 0; stats.instructions < BigInt(instructions); ep++) {
    const p = new Prng((seed * 1000003 + ep) >>> 0);
    writeEpisode(core, p);
    core.resetMachine(Number(PROLOGUE));
    stats.episodes++;
    const start = core.instretOf(0) + (harts > 1 ? core.instretOf(1) : 0n);
    let idleRuns = 0;
    for (let done = 0n; done < BigInt(episodeInstructions); ) {
      let r;
      try {
        r = core.run(slice);
      } catch (e) {
        const err = new Error(
          `host exception in core.run (seed ${seed}, episode ${ep}, slice ${stats.slices}): ${e?.stack ? e.stack : e}`,
        );
        err.seed = seed;
        err.episode = ep;
        throw err;
      }
      stats.slices++;
      const now = core.instretOf(0) + (harts > 1 ? core.instretOf(1) : 0n);
      done = now - start;
      const priv = privOf();
      onSlice?.(core, ep);
      stats.privSeen[priv === 3 ? "M" : priv === 1 ? "S" : "U"]++;
      if (r === 2) {
        stats.poweroffs++;
        core.clearExit();
        break;
      }
      if (r === 3) {
        stats.resets++;
        core.clearExit();
        break;
      }
      if (r === 1) {
        stats.idle++;
        if (++idleRuns > 20) break;
      } // every hart in WFI with nothing pending
      // Drop console output (the UART keeps it otherwise and the guest would wait).
      let n;
      while ((n = core.consoleOutPending()) > 0) core.consoleOutConsume(n);
    }
    stats.instructions += core.instretOf(0) + (harts > 1 ? core.instretOf(1) : 0n) - start;
    if (onProgress && ep % 10 === 0) onProgress(stats);
    if (ep % 20 === 19) await new Promise((r) => setImmediate(r));
  }
  stats.ms = performance.now() - t0;
  return stats;
}
