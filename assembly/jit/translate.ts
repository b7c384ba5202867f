// The translator: one physical page of guest code → one WebAssembly module with one function
//   f(entryBlock: i32, budget: i32, vbase: i64) -> executed: i32
// Blocks are found from the page's recorded entry points (branch targets, return sites);
// all of them go into one function, laid out in address order inside a dispatch loop:
//
//   block $exit  loop $L  block $d[N-1] … block $d[0]  br_table($next)  end  code[0]  end  code[1] … end $L  end $exit
//
// so a forward transfer to block k is a direct `br` out to the end of $d[k], and only backward
// transfers (loops) go round $L, where the instruction budget is checked. Guest registers stay in
// the core's register file in linear memory, except inside an innermost loop: a loop whose blocks
// are contiguous gets a copy of its blocks in a real wasm `loop` (a "loop superblock", hosted in
// its header's slot) that keeps the registers it uses in locals, loaded when the loop is entered
// and written back on every way out. Loads and stores hit the soft
// TLB inline and call the core's slow paths otherwise. pc values are vbase + page offset, so a
// region is valid for every virtual mapping of its physical page.
//
// Instructions outside RV64IM + loads/stores + branches (SYSTEM, AMO, FP, illegal encodings,
// one that straddles the page end) end a block: the region leaves (R_INTERP) and the
// interpreter executes them, so privileged semantics have one implementation.
import { XREGS, C_EXPAND, TLB_LOAD, TLB_STORE, JIT_BODY_BUF, JIT_BODY_BUF_SIZE, JIT_MODULE_BUF,
  JIT_MODULE_BUF_SIZE, JIT_SCRATCH } from "../layout";
import { TLB_MASK } from "../cpu/mmu";
import * as W from "./wasm";
import { W_EXIT_PC, W_EXIT_REASON, W_STATUS, W_DATA_TAG, R_BRANCH, R_INTERP, R_FAULT, R_EVENT, markCode, clearCode } from "./cache";

// ---- scratch tables (JIT_SCRATCH) ----
const VISITED: u32 = JIT_SCRATCH;               // u8 per half-word: an instruction was decoded here
const LEADER: u32 = JIT_SCRATCH + 0x800;        // u8 per half-word: a block starts here
const WORK: u32 = JIT_SCRATCH + 0x1000;         // u16 worklist
const BLOCK_OF: u32 = JIT_SCRATCH + 0x2000;     // u16 per half-word: block index + 1
const BLOCK_START: u32 = JIT_SCRATCH + 0x3000;  // u16 per block: offset / 2
const B_COUNT: u32 = JIT_SCRATCH + 0x4000;      // u16 per block: instructions
const B_USED: u32 = JIT_SCRATCH + 0x4400;       // u32 per block: registers named (bit per x-register)
const B_WRITTEN: u32 = JIT_SCRATCH + 0x4c00;    // u32 per block: registers it may write
const SB_LABEL: u32 = JIT_SCRATCH + 0x5800;     // i32 per block of the open superblock: its label
const ENTRY_FLAG: u32 = JIT_SCRATCH + 0x6000;   // u8 per half-word: a recorded entry
const B_TARGET: u32 = JIT_SCRATCH + 0x6800;     // i16 per block: the block its branch or jal goes to, -1
const B_FLAGS: u32 = JIT_SCRATCH + 0x6c00;      // u8 per block: F_ENTERED, F_ELIDED
const B_TAIL: u32 = JIT_SCRATCH + 0x7000;       // i16 per block: loopTail, -1
const F_ENTERED: u8 = 1;   // a recorded entry or a return site: control can come from anywhere
const F_ELIDED: u8 = 2;    // runs only inside its loop's superblock: no copy of its own
const F_LEAVES: u8 = 4;    // calls, jumps indirectly or stops at an instruction left to the interpreter:
                           // a loop with such a block leaves its superblock every time round, so it gets none
const PROLOGUE: u32 = JIT_SCRATCH + 0x8000;     // the function's locals + register loads (0x1000)
/** u16 list of entry offsets / 2: the caller's input to translatePage (runtime.ts). */
export const ENTRY_LIST: u32 = JIT_SCRATCH + 0x9000;
const PROLOGUE_SIZE: u32 = 0x1000;

export const MAX_BLOCKS: i32 = 512;

// ---- locals ----
const L_ENTRY: u32 = 0, L_BUDGET: u32 = 1, L_VBASE: u32 = 2;
const L_VA: u32 = 3, L_EPC: u32 = 4, L_TAG: u32 = 5, L_T: u32 = 6;     // i64
const L_DONE: u32 = 7, L_NEXT: u32 = 8, L_REASON: u32 = 9, L_E: u32 = 10;  // i32
const L_X: u32 = 11;           // 32 i64: guest registers cached by a loop superblock (L_X + r)
const L_A: u32 = L_X;          // (x0 is never cached: its slot and one more are division operands)
const L_B: u32 = L_X + 32;
const N_I64_LOCALS: u32 = 4;   // va, epc, tag, t
const N_I32_LOCALS: u32 = 4;

// Loop superblocks: the largest loop copied into one (blocks, instructions).
const SB_MAX_BLOCKS: i32 = 12;
const SB_MAX_INSNS: i32 = 96;

// Function indices in the generated module: imports first.
const F_LOAD: u32 = 0;     // jitLoad(va: i64, size: i32) -> i64 (zero-extended; W_STATUS = R_FAULT on a fault)
const F_STORE: u32 = 1;    // jitStore(va: i64, size: i32, v: i64) -> i32 (R_NONE, R_BRANCH, R_FAULT, R_EVENT)
const F_MULDIV: u32 = 2;   // jitMulDiv(a: i64, b: i64, op: i32) -> i64
const F_STEP: u32 = 3;     // jitStep(pc: i64) -> i32 (R_NONE, or a reason to leave with W_EXIT_PC set)

// ---- translation state ----
let host: u32 = 0;          // linear-memory address of the page
let region: i32 = 0;        // the region being built (its code bitmap)
let entryMapBase: u32 = 0;  // its entry map (for computed jumps)
let nblocks: i32 = 0;
let lvl: i32 = 0;           // open structured constructs at the write position
let curBlock: i32 = 0;
let blockCount: i32 = 0;    // instructions in the current block (including its last)
// The open loop superblock: blocks sbHead..sbTail, emitted in sbHead's slot of the layout.
let sbActive: bool = false;
let sbHead: i32 = 0;
let sbTail: i32 = 0;
let sbCached: u32 = 0;      // registers held in locals
let sbDirty: u32 = 0;       // registers the loop may write (written back on the way out)
let sbLoopLabel: i32 = 0;
let sbOutLabel: i32 = 0;    // every way out of the superblock: registers written back once, there


// ---- decoding ----
/** The 32-bit form of the instruction at page offset `off` (compressed ones expanded), 0 for illegal / straddling. */
function fetchAt(off: u32): u32 {
  const lo = <u32>load<u16>(host + off);
  if ((lo & 3) != 3) return load<u32>(C_EXPAND + (lo << 2));
  if (off > 0xffc) return 0;
  return load<u32>(host + off);
}
@inline function lenAt(off: u32): u32 { return (load<u16>(host + off) & 3) == 3 ? 4 : 2; }

const K_NORMAL: i32 = 0;
const K_BRANCH: i32 = 1;
const K_JAL: i32 = 2;
const K_JALR: i32 = 3;
const K_FENCEI: i32 = 4;
const K_UNSUPPORTED: i32 = 5;
const K_STEP: i32 = 6;        // run by the interpreter from inside the region (FP, AMO): no exit unless it traps

function kindOf(inst: u32): i32 {
  if (inst == 0) return K_UNSUPPORTED;
  const f3 = (inst >> 12) & 7;
  switch ((inst >> 2) & 31) {
    case 13: case 5: return K_NORMAL;                                  // LUI, AUIPC
    case 27: return K_JAL;
    case 25: return f3 == 0 ? K_JALR : K_UNSUPPORTED;
    case 24: return (f3 == 2 || f3 == 3) ? K_UNSUPPORTED : K_BRANCH;
    case 0: return f3 == 7 ? K_UNSUPPORTED : K_NORMAL;                 // LOAD
    case 8: return f3 <= 3 ? K_NORMAL : K_UNSUPPORTED;                 // STORE
    case 4: {                                                          // OP-IMM
      if (f3 == 1) return (inst >> 26) == 0 ? K_NORMAL : K_UNSUPPORTED;
      if (f3 == 5) { const hi = inst >> 26; return (hi == 0 || hi == 0x10) ? K_NORMAL : K_UNSUPPORTED; }
      return K_NORMAL;
    }
    case 6: {                                                          // OP-IMM-32
      if (f3 == 0) return K_NORMAL;
      if (f3 == 1) return (inst >> 25) == 0 ? K_NORMAL : K_UNSUPPORTED;
      if (f3 == 5) { const hi = inst >> 25; return (hi == 0 || hi == 0x20) ? K_NORMAL : K_UNSUPPORTED; }
      return K_UNSUPPORTED;
    }
    case 12: {                                                         // OP
      const f7 = inst >> 25;
      if (f7 == 0 || f7 == 1) return K_NORMAL;
      if (f7 == 0x20) return (f3 == 0 || f3 == 5) ? K_NORMAL : K_UNSUPPORTED;
      return K_UNSUPPORTED;
    }
    case 14: {                                                         // OP-32
      const f7 = inst >> 25;
      if (f7 == 0) return (f3 == 0 || f3 == 1 || f3 == 5) ? K_NORMAL : K_UNSUPPORTED;
      if (f7 == 0x20) return (f3 == 0 || f3 == 5) ? K_NORMAL : K_UNSUPPORTED;
      if (f7 == 1) return (f3 == 0 || f3 >= 4) ? K_NORMAL : K_UNSUPPORTED;
      return K_UNSUPPORTED;
    }
    case 3: return f3 == 0 ? K_NORMAL : f3 == 1 ? K_FENCEI : K_UNSUPPORTED;
    case 1: case 9: case 11: case 16: case 17: case 18: case 19: case 20: return K_STEP;
    default: return K_UNSUPPORTED;
  }
}

@inline function branchImm(inst: u32): i32 {
  return ((<i32>inst >> 19) & ~0xfff) | ((<i32>(inst << 4)) & 0x800) | ((<i32>(inst >> 20)) & 0x7e0) | ((<i32>(inst >> 7)) & 0x1e);
}
@inline function jalImm(inst: u32): i32 {
  return ((<i32>inst >> 11) & ~0xfffff) | (<i32>inst & 0xff000) | ((<i32>(inst >> 9)) & 0x800) | ((<i32>(inst >> 20)) & 0x7fe);
}

// ---- pass 1: blocks ----
let nleaders: i32 = 0;
let nwork: i32 = 0;

function addLeader(off: i32): void {
  if (off < 0 || off >= 4096 || (off & 1) != 0) return;
  if (load<u8>(LEADER + (<u32>off >> 1)) != 0) return;
  if (nleaders >= MAX_BLOCKS) return;
  store<u8>(LEADER + (<u32>off >> 1), 1);
  nleaders++;
  store<u16>(WORK + (<u32>nwork << 1), <u16>(off >> 1));
  nwork++;
}

function discover(entries: u32, nentries: u32): void {
  memory.fill(VISITED, 0, 0x800);
  memory.fill(LEADER, 0, 0x800);
  memory.fill(ENTRY_FLAG, 0, 0x800);
  nleaders = 0; nwork = 0;
  for (let i: u32 = 0; i < nentries; i++) {
    const h = <u32>load<u16>(entries + (i << 1));
    store<u8>(ENTRY_FLAG + h, 1);
    addLeader(<i32>h << 1);
  }
  while (nwork > 0) {
    nwork--;
    let off = <u32>load<u16>(WORK + (<u32>nwork << 1)) << 1;
    for (;;) {
      if (off >= 4096) break;
      const h = off >> 1;
      if (load<u8>(VISITED + h) != 0) break;
      store<u8>(VISITED + h, 1);
      const inst = fetchAt(off);
      const k = kindOf(inst);
      const len = lenAt(off);
      if (k == K_NORMAL || k == K_STEP) { off += len; continue; }
      if (k == K_BRANCH) { addLeader(<i32>off + branchImm(inst)); addLeader(<i32>(off + len)); }
      else if (k == K_JAL) { addLeader(<i32>off + jalImm(inst)); addLeader(<i32>(off + len)); }
      else if (k == K_JALR || k == K_FENCEI) addLeader(<i32>(off + len));
      break;
    }
  }
  // Blocks in address order.
  memory.fill(BLOCK_OF, 0, 0x1000);
  nblocks = 0;
  for (let h: u32 = 0; h < 2048; h++) {
    if (load<u8>(LEADER + h) != 0) {
      store<u16>(BLOCK_START + (<u32>nblocks << 1), <u16>h);
      nblocks++;
      store<u16>(BLOCK_OF + (h << 1), <u16>nblocks);
    }
  }
}

// ---- pass 2: what each block does (for loop superblocks) ----
function scanBlocks(): void {
  memory.fill(B_FLAGS, 0, <usize>nblocks);
  for (let b = 0; b < nblocks; b++) {
    const start = <i32>load<u16>(BLOCK_START + (<u32>b << 1)) << 1;
    if (load<u8>(ENTRY_FLAG + (<u32>start >> 1)) != 0) store<u8>(B_FLAGS + <u32>b, load<u8>(B_FLAGS + <u32>b) | F_ENTERED);
    let off = start, count = 0, target = -1;
    let used: u32 = 0, written: u32 = 0;
    for (;;) {
      if (off >= 4096) break;
      if (off != start && blockAt(off) >= 0) break;
      const inst = fetchAt(<u32>off);
      const k = kindOf(inst);
      if (k == K_UNSUPPORTED) { store<u8>(B_FLAGS + <u32>b, load<u8>(B_FLAGS + <u32>b) | F_LEAVES); break; }
      count++;
      if (k == K_JALR || (k == K_JAL && ((inst >> 7) & 31) != 0)) store<u8>(B_FLAGS + <u32>b, load<u8>(B_FLAGS + <u32>b) | F_LEAVES);
      const rd: u32 = 1 << ((inst >> 7) & 31), rs1: u32 = 1 << ((inst >> 15) & 31), rs2: u32 = 1 << ((inst >> 20) & 31);
      switch ((inst >> 2) & 31) {
        case 13: case 5: case 27: used |= rd; written |= rd; break;             // LUI, AUIPC, JAL
        case 25: case 0: case 4: case 6: used |= rd | rs1; written |= rd; break; // JALR, LOAD, OP-IMM(-32)
        case 12: case 14: used |= rd | rs1 | rs2; written |= rd; break;          // OP(-32)
        case 8: case 24: used |= rs1 | rs2; break;                               // STORE, BRANCH
        case 3: break;                                                           // fences
        default: used |= rd | rs1 | rs2;   // run by the interpreter: written back before, rd reloaded after
      }
      if (k == K_BRANCH || k == K_JAL) {
        const j = blockAt(off + (k == K_BRANCH ? branchImm(inst) : jalImm(inst)));
        target = j;
      }
      if ((k == K_JAL || k == K_JALR) && ((inst >> 7) & 31) != 0) {
        // a call: the return lands after it, from wherever the callee returns
        const ret = blockAt(off + <i32>lenAt(<u32>off));
        if (ret > b) store<u8>(B_FLAGS + <u32>ret, load<u8>(B_FLAGS + <u32>ret) | F_ENTERED);
      }
      if (k != K_NORMAL && k != K_STEP) break;
      off += <i32>lenAt(<u32>off);
    }
    store<u16>(B_COUNT + (<u32>b << 1), <u16>count);
    store<u32>(B_USED + (<u32>b << 2), used & ~1);
    store<u32>(B_WRITTEN + (<u32>b << 2), written & ~1);
    store<i16>(B_TARGET + (<u32>b << 1), <i16>target);
  }
  for (let b = 0; b < nblocks; b++) store<i16>(B_TAIL + (<u32>b << 1), <i16>loopTail(b));
  for (let b = 0; b < nblocks; b++) {
    const t = <i32>load<i16>(B_TAIL + (<u32>b << 1));
    if (t <= b) continue;
    // Loops whose blocks need copies of their own are left to the dispatch loop: the copies made
    // Linux's modules a third bigger (more for TurboFan to compile) for little gain.
    if (canElide(b, t)) { for (let j = b + 1; j <= t; j++) store<u8>(B_FLAGS + <u32>j, F_ELIDED); }
    else store<i16>(B_TAIL + (<u32>b << 1), -1);
  }
}

/**
 * The blocks after a loop's header need no copy of their own (their slot gets `unreachable`,
 * their entry-map slot 0) when nothing but the loop's own blocks can reach them: no recorded
 * entry or return site among them, no jump into them from outside the loop, and no other loop
 * superblock overlapping (its exits go through the dispatch loop).
 */
function canElide(b: i32, t: i32): bool {
  for (let j = b + 1; j <= t; j++) if ((load<u8>(B_FLAGS + <u32>j) & F_ENTERED) != 0) return false;
  for (let k = 0; k < nblocks; k++) {
    if (k >= b && k <= t) continue;
    const j = <i32>load<i16>(B_TARGET + (<u32>k << 1));
    if (j > b && j <= t) return false;
    const t2 = <i32>load<i16>(B_TAIL + (<u32>k << 1));
    if (t2 >= 0 && k <= t && t2 >= b) return false;    // another loop overlapping this one
  }
  return true;
}

/**
 * The last block of an innermost loop headed by block `b` (blocks b..t contiguous, a backward
 * jump to b from t, no other loop inside, small enough to copy), or -1.
 */
function loopTail(b: i32): i32 {
  let t = -1;
  const last = min(b + SB_MAX_BLOCKS - 1, nblocks - 1);
  for (let k = b; k <= last; k++) if (<i32>load<i16>(B_TARGET + (<u32>k << 1)) == b) t = k;   // k >= b: a backward jump
  if (t < 0) return -1;
  let insns = 0;
  for (let k = b; k <= t; k++) {
    const j = <i32>load<i16>(B_TARGET + (<u32>k << 1));
    if (j > b && j <= k) return -1;  // an inner loop: that one gets the superblock
    if ((load<u8>(B_FLAGS + <u32>k) & F_LEAVES) != 0) return -1;
    insns += <i32>load<u16>(B_COUNT + (<u32>k << 1));
  }
  return insns <= SB_MAX_INSNS ? t : -1;
}

@inline function blockAt(off: i32): i32 {
  if (off < 0 || off >= 4096 || (off & 1) != 0) return -1;
  return <i32>load<u16>(BLOCK_OF + (<u32>off)) - 1;   // off/2 * 2 bytes = off
}

// ---- emission helpers ----
@inline function open(kind: u32, type: u32): void { W.byte(kind); W.byte(type); lvl++; }
@inline function close(): void { W.byte(W.OP_END); lvl--; }
@inline function labelOfBlock(k: i32): i32 { return nblocks + 2 - k; }
const LABEL_EXIT: i32 = 1;
const LABEL_LOOP: i32 = 2;
@inline function depthTo(label: i32): u32 { return <u32>(lvl - label); }

// Guest registers stay in the core's XREGS (fixed addresses): regions are entered and left
// tens of millions of times in a Linux workload, and loading/writing back locals at every
// entry and exit cost more than the locals saved inside (measured: guest benchmark int part
// 3.0 s interpreted, 4.1 s with locals, see docs/jit.md).
function getX(r: u32): void {
  if (r == 0) { W.i64Const(0); return; }
  if (sbActive && (sbCached & (1 << r)) != 0) { W.localGet(L_X + r); return; }
  W.i32Const(0); W.mem(W.OP_I64_LOAD, 3, XREGS + (r << 3));
}
function setX(r: u32): void {
  if (r == 0) { W.op(W.OP_DROP); return; }
  if (sbActive && (sbCached & (1 << r)) != 0) { W.localSet(L_X + r); return; }
  W.localSet(L_T);
  W.i32Const(0); W.localGet(L_T); W.mem(W.OP_I64_STORE, 3, XREGS + (r << 3));
}
/** The registers a superblock may have written go back to XREGS (before the interpreter runs, and on the way out). */
function writeBack(): void {
  if (!sbActive) return;
  for (let r: u32 = 1; r < 32; r++) {
    if ((sbDirty & (1 << r)) == 0) continue;
    W.i32Const(0); W.localGet(L_X + r); W.mem(W.OP_I64_STORE, 3, XREGS + (r << 3));
  }
}
function reloadX(r: u32): void {
  if (r == 0 || !sbActive || (sbCached & (1 << r)) == 0) return;
  W.i32Const(0); W.mem(W.OP_I64_LOAD, 3, XREGS + (r << 3)); W.localSet(L_X + r);
}
function pcConst(off: i32): void {
  W.localGet(L_VBASE);
  if (off != 0) { W.i64Const(<i64>off); W.op(W.OP_I64_ADD); }
}

/**
 * Leaves the region: `reason`, exit pc already in L_EPC, and the instruction count corrected for
 * the part of the current block that did not run (`notRun` instructions).
 */
function exitNow(reason: i32, notRun: i32): void {
  W.i32Const(reason); W.localSet(L_REASON);
  if (notRun != 0) { W.localGet(L_DONE); W.i32Const(notRun); W.op(W.OP_I32_SUB); W.localSet(L_DONE); }
  leave();
}
/** Leaves the region (L_REASON, L_EPC, L_DONE set); from a superblock through its way out (L_NEXT = -1: leave). */
function leave(): void {
  if (sbActive) { W.i32Const(-1); W.localSet(L_NEXT); W.br(depthTo(sbOutLabel)); return; }
  W.br(depthTo(LABEL_EXIT));
}
function exitAt(reason: i32, off: i32, notRun: i32): void {
  pcConst(off); W.localSet(L_EPC);
  exitNow(reason, notRun);
}

/** Control goes to page offset `target` (a block of this region, or out of it). */
function transfer(target: i32): void {
  const k = blockAt(target);
  if (sbActive) {
    if (k > curBlock && k <= sbTail) { W.br(depthTo(<i32>load<i32>(SB_LABEL + (<u32>k << 2)))); return; }
    if (k == sbHead) {
      // The loop's back edge: round the wasm loop with the registers in locals, unless the budget is spent.
      W.localGet(L_DONE); W.localGet(L_BUDGET); W.op(W.OP_I32_GE_S);
      open(W.OP_IF, W.T_VOID);
      exitAt(R_BRANCH, target, 0);
      close();
      W.br(depthTo(sbLoopLabel));
      return;
    }
    // Out of the loop: through the superblock's way out (registers written back) to the dispatch loop.
    if (k < 0) { exitAt(R_BRANCH, target, 0); return; }
    if (k < sbHead) {
      W.localGet(L_DONE); W.localGet(L_BUDGET); W.op(W.OP_I32_GE_S);
      open(W.OP_IF, W.T_VOID);
      exitAt(R_BRANCH, target, 0);
      close();
    }
    W.i32Const(k); W.localSet(L_NEXT);
    W.br(depthTo(sbOutLabel));
    return;
  }
  if (k < 0) { exitAt(R_BRANCH, target, 0); return; }
  if (k > curBlock) { W.br(depthTo(labelOfBlock(k))); return; }
  // Backward: round the dispatch loop, unless the budget is spent.
  W.i32Const(k); W.localSet(L_NEXT);
  W.localGet(L_DONE); W.localGet(L_BUDGET); W.op(W.OP_I32_GE_S);
  open(W.OP_IF, W.T_VOID);
  exitAt(R_BRANCH, target, 0);
  close();
  W.br(depthTo(LABEL_LOOP));
}

// ---- instructions ----
/** One instruction executed by the interpreter (jitStep); leave if it trapped, touched a device or rewrote code. */
function emitStep(inst: u32, off: i32, idx: i32): void {
  writeBack();   // the interpreter reads the registers from XREGS
  pcConst(off); W.call(F_STEP); W.localTee(L_REASON);
  open(W.OP_IF, W.T_VOID);
  W.i32Const(0); W.mem(W.OP_I64_LOAD, 3, W_EXIT_PC); W.localSet(L_EPC);
  const notRun = blockCount - (idx + 1);
  if (notRun != 0) { W.localGet(L_DONE); W.i32Const(notRun); W.op(W.OP_I32_SUB); W.localSet(L_DONE); }
  reloadX((inst >> 7) & 31);   // (a superblock's way out writes its locals back: they must hold what the instruction wrote)
  leave();
  close();
  reloadX((inst >> 7) & 31);   // the one x-register an FP or AMO instruction can write
}

/**
 * A computed jump (target in L_EPC): when it lands on an entry of this page, go round the
 * dispatch loop (returns and switch tables stay inside the region); otherwise leave.
 */
function emitIndirect(): void {
  // off = target - vbase; in the page when off < 4096 (unsigned)
  W.localGet(L_EPC); W.localGet(L_VBASE); W.op(W.OP_I64_SUB); W.localTee(L_VA);
  W.i64Const(4096); W.op(W.OP_I64_LT_U);
  open(W.OP_IF, W.T_VOID);
  // next = entryMap[off / 2] - 1 (0: no entry, 0xffff: not translated here)
  W.localGet(L_VA); W.op(W.OP_I32_WRAP_I64); W.mem(W.OP_I32_LOAD16_U, 1, entryMapBase);
  W.localTee(L_NEXT);
  W.i32Const(1); W.op(W.OP_I32_SUB); W.localTee(L_NEXT);
  W.i32Const(nblocks); W.op(W.OP_I32_LT_U);
  open(W.OP_IF, W.T_VOID);
  W.localGet(L_DONE); W.localGet(L_BUDGET); W.op(W.OP_I32_LT_S);
  W.brIf(depthTo(sbActive ? sbOutLabel : LABEL_LOOP));   // a superblock's way out goes on to the dispatch loop
  close();
  close();
  exitNow(R_BRANCH, 0);
}

function emitLoad(inst: u32, off: i32, idx: i32): void {
  const f3 = (inst >> 12) & 7;
  const rd = (inst >> 7) & 31, rs1 = (inst >> 15) & 31;
  const size: i32 = 1 << (f3 & 3);
  getX(rs1); W.i64Const(<i64>(<i32>inst >> 20)); W.op(W.OP_I64_ADD); W.localSet(L_VA);
  tlbHit(TLB_LOAD, size);
  open(W.OP_IF, W.T_I64);
  W.localGet(L_VA); W.op(W.OP_I32_WRAP_I64);
  W.localGet(L_E); W.mem(W.OP_I32_LOAD, 2, TLB_LOAD + 8);
  W.op(W.OP_I32_ADD);
  let o: u32;
  switch (f3) {
    case 0: o = W.OP_I64_LOAD8_S; break;
    case 1: o = W.OP_I64_LOAD16_S; break;
    case 2: o = W.OP_I64_LOAD32_S; break;
    case 3: o = W.OP_I64_LOAD; break;
    case 4: o = W.OP_I64_LOAD8_U; break;
    case 5: o = W.OP_I64_LOAD16_U; break;
    default: o = W.OP_I64_LOAD32_U;
  }
  W.mem(o, 0, 0);
  W.byte(W.OP_ELSE);
  W.localGet(L_VA); W.i32Const(size); W.call(F_LOAD);
  W.i32Const(0); W.mem(W.OP_I32_LOAD, 2, W_STATUS);
  open(W.OP_IF, W.T_VOID);
  exitAt(R_FAULT, off, blockCount - (idx + 1));
  close();
  if (f3 == 0) W.op(W.OP_I64_EXTEND8_S);
  else if (f3 == 1) W.op(W.OP_I64_EXTEND16_S);
  else if (f3 == 2) W.op(W.OP_I64_EXTEND32_S);
  close();
  setX(rd);
}

/** Leaves i32 (TLB hit and the access stays in the page) on the stack; L_VA holds the address, L_E the entry offset. */
function tlbHit(tlb: u32, size: i32): void {
  W.localGet(L_VA); W.i64Const(12); W.op(W.OP_I64_SHR_U); W.op(W.OP_I32_WRAP_I64);
  W.i32Const(<i32>TLB_MASK); W.op(W.OP_I32_AND); W.i32Const(4); W.op(W.OP_I32_SHL); W.localTee(L_E);
  W.mem(W.OP_I64_LOAD, 3, tlb);
  W.localGet(L_VA); W.i64Const(~<i64>0xfff); W.op(W.OP_I64_AND); W.localGet(L_TAG); W.op(W.OP_I64_OR);
  W.op(W.OP_I64_EQ);
  W.localGet(L_VA); W.op(W.OP_I32_WRAP_I64); W.i32Const(0xfff); W.op(W.OP_I32_AND);
  W.i32Const(0x1000 - size); W.op(W.OP_I32_LE_U);
  W.op(W.OP_I32_AND);
}

function emitStore(inst: u32, off: i32, idx: i32, len: i32): void {
  const f3 = (inst >> 12) & 7;
  const rs1 = (inst >> 15) & 31, rs2 = (inst >> 20) & 31;
  const size: i32 = 1 << f3;
  const imm = ((<i32>inst >> 25) << 5) | <i32>((inst >> 7) & 31);
  getX(rs1); W.i64Const(<i64>imm); W.op(W.OP_I64_ADD); W.localSet(L_VA);
  tlbHit(TLB_STORE, size);
  open(W.OP_IF, W.T_VOID);
  W.localGet(L_VA); W.op(W.OP_I32_WRAP_I64);
  W.localGet(L_E); W.mem(W.OP_I32_LOAD, 2, TLB_STORE + 8);
  W.op(W.OP_I32_ADD);
  getX(rs2);
  W.mem(f3 == 0 ? W.OP_I64_STORE8 : f3 == 1 ? W.OP_I64_STORE16 : f3 == 2 ? W.OP_I64_STORE32 : W.OP_I64_STORE, 0, 0);
  W.byte(W.OP_ELSE);
  W.localGet(L_VA); W.i32Const(size); getX(rs2); W.call(F_STORE);
  W.localTee(L_REASON);
  open(W.OP_IF, W.T_VOID);
  // A fault leaves at this instruction; MMIO and self-modification leave after it (both counted).
  W.localGet(L_VBASE);
  W.i64Const(<i64>off); W.i64Const(<i64>(off + len));
  W.localGet(L_REASON); W.i32Const(R_FAULT); W.op(W.OP_I32_EQ);
  W.op(W.OP_SELECT);
  W.op(W.OP_I64_ADD); W.localSet(L_EPC);
  const notRun = blockCount - (idx + 1);
  if (notRun != 0) { W.localGet(L_DONE); W.i32Const(notRun); W.op(W.OP_I32_SUB); W.localSet(L_DONE); }
  leave();
  close();
  close();
}

/** ALU and upper-immediate instructions (kind K_NORMAL, not loads/stores/fences). */
function emitAlu(inst: u32, off: i32): void {
  const rd = (inst >> 7) & 31, rs1 = (inst >> 15) & 31, rs2 = (inst >> 20) & 31;
  const f3 = (inst >> 12) & 7;
  if (rd == 0) return;   // writes to x0 with no side effect: hints / nops
  const imm = <i64>(<i32>inst >> 20);
  switch ((inst >> 2) & 31) {
    case 13: W.i64Const(<i64><i32>(inst & 0xfffff000)); setX(rd); return;                  // LUI
    case 5: pcConst(off + <i32>(inst & 0xfffff000)); setX(rd); return;                     // AUIPC
    case 4: {                                                                               // OP-IMM
      getX(rs1);
      switch (f3) {
        case 0: W.i64Const(imm); W.op(W.OP_I64_ADD); break;
        case 1: W.i64Const(imm & 63); W.op(W.OP_I64_SHL); break;
        case 2: W.i64Const(imm); W.op(W.OP_I64_LT_S); W.op(W.OP_I64_EXTEND_I32_U); break;
        case 3: W.i64Const(imm); W.op(W.OP_I64_LT_U); W.op(W.OP_I64_EXTEND_I32_U); break;
        case 4: W.i64Const(imm); W.op(W.OP_I64_XOR); break;
        case 5: W.i64Const(imm & 63); W.op((inst >> 26) == 0 ? W.OP_I64_SHR_U : W.OP_I64_SHR_S); break;
        case 6: W.i64Const(imm); W.op(W.OP_I64_OR); break;
        default: W.i64Const(imm); W.op(W.OP_I64_AND); break;
      }
      setX(rd);
      return;
    }
    case 6: {                                                                               // OP-IMM-32
      getX(rs1); W.op(W.OP_I32_WRAP_I64);
      if (f3 == 0) { W.i32Const(<i32>imm); W.op(W.OP_I32_ADD); }
      else if (f3 == 1) { W.i32Const(<i32>rs2); W.op(W.OP_I32_SHL); }
      else { W.i32Const(<i32>rs2); W.op((inst >> 25) == 0 ? W.OP_I32_SHR_U : W.OP_I32_SHR_S); }
      W.op(W.OP_I64_EXTEND_I32_S);
      setX(rd);
      return;
    }
    case 12: {                                                                              // OP
      const f7 = inst >> 25;
      if (f7 == 1 && f3 != 0) {
        if (f3 >= 4) { emitDiv(rs1, rs2, f3, false); setX(rd); return; }
        getX(rs1); getX(rs2); W.i32Const(<i32>f3); W.call(F_MULDIV); setX(rd);
        return;
      }
      getX(rs1); getX(rs2);
      if (f7 == 1) W.op(W.OP_I64_MUL);
      else if (f7 == 0x20) W.op(f3 == 0 ? W.OP_I64_SUB : W.OP_I64_SHR_S);
      else {
        switch (f3) {
          case 0: W.op(W.OP_I64_ADD); break;
          case 1: W.op(W.OP_I64_SHL); break;
          case 2: W.op(W.OP_I64_LT_S); W.op(W.OP_I64_EXTEND_I32_U); break;
          case 3: W.op(W.OP_I64_LT_U); W.op(W.OP_I64_EXTEND_I32_U); break;
          case 4: W.op(W.OP_I64_XOR); break;
          case 5: W.op(W.OP_I64_SHR_U); break;
          case 6: W.op(W.OP_I64_OR); break;
          default: W.op(W.OP_I64_AND); break;
        }
      }
      setX(rd);
      return;
    }
    case 14: {                                                                              // OP-32
      const f7 = inst >> 25;
      if (f7 == 1 && f3 != 0) {
        emitDiv(rs1, rs2, f3, true); setX(rd);
        return;
      }
      getX(rs1); W.op(W.OP_I32_WRAP_I64); getX(rs2); W.op(W.OP_I32_WRAP_I64);
      if (f7 == 1) W.op(W.OP_I32_MUL);
      else if (f7 == 0x20) W.op(f3 == 0 ? W.OP_I32_SUB : W.OP_I32_SHR_S);
      else W.op(f3 == 0 ? W.OP_I32_ADD : f3 == 1 ? W.OP_I32_SHL : W.OP_I32_SHR_U);
      W.op(W.OP_I64_EXTEND_I32_S);
      setX(rd);
      return;
    }
  }
}

/**
 * DIV(U)/REM(U)[W] of x[rs1] by x[rs2] inline (leaves the i64 result), with RISC-V's results where
 * wasm would trap: division by zero gives all ones (div) or the dividend (rem); the signed overflow
 * MIN / -1 gives MIN (div; wasm's rem_s already gives 0). The same rules as cpu/muldiv.ts mulDiv.
 */
function emitDiv(rs1: u32, rs2: u32, f3: u32, w: bool): void {
  xLocalsUsed = true;
  getX(rs1); W.localSet(L_A);
  getX(rs2); W.localSet(L_B);
  W.localGet(L_B);
  if (w) { W.op(W.OP_I32_WRAP_I64); W.op(W.OP_I32_EQZ); } else W.op(W.OP_I64_EQZ);
  open(W.OP_IF, W.T_I64);
  if (f3 == 4 || f3 == 5) W.i64Const(-1);
  else { W.localGet(L_A); if (w) { W.op(W.OP_I32_WRAP_I64); W.op(W.OP_I64_EXTEND_I32_S); } }
  W.byte(W.OP_ELSE);
  if (f3 == 4) {
    // MIN / -1
    W.localGet(L_A);
    if (w) { W.op(W.OP_I32_WRAP_I64); W.i32Const(i32.MIN_VALUE); W.op(W.OP_I32_EQ); } else { W.i64Const(i64.MIN_VALUE); W.op(W.OP_I64_EQ); }
    W.localGet(L_B);
    if (w) { W.op(W.OP_I32_WRAP_I64); W.i32Const(-1); W.op(W.OP_I32_EQ); } else { W.i64Const(-1); W.op(W.OP_I64_EQ); }
    W.op(W.OP_I32_AND);
    open(W.OP_IF, W.T_I64);
    if (w) W.i64Const(<i64>i32.MIN_VALUE); else W.i64Const(i64.MIN_VALUE);
    W.byte(W.OP_ELSE);
  }
  W.localGet(L_A); if (w) W.op(W.OP_I32_WRAP_I64);
  W.localGet(L_B); if (w) W.op(W.OP_I32_WRAP_I64);
  if (w) {
    W.op(f3 == 4 ? W.OP_I32_DIV_S : f3 == 5 ? W.OP_I32_DIV_U : f3 == 6 ? W.OP_I32_REM_S : W.OP_I32_REM_U);
    W.op(W.OP_I64_EXTEND_I32_S);
  } else {
    W.op(f3 == 4 ? W.OP_I64_DIV_S : f3 == 5 ? W.OP_I64_DIV_U : f3 == 6 ? W.OP_I64_REM_S : W.OP_I64_REM_U);
  }
  if (f3 == 4) close();
  close();
}

function emitBranch(inst: u32, off: i32, len: i32): void {
  const rs1 = (inst >> 15) & 31, rs2 = (inst >> 20) & 31;
  const f3 = (inst >> 12) & 7;
  const target = off + branchImm(inst);
  getX(rs1); getX(rs2);
  switch (f3) {
    case 0: W.op(W.OP_I64_EQ); break;
    case 1: W.op(W.OP_I64_NE); break;
    case 4: W.op(W.OP_I64_LT_S); break;
    case 5: W.op(W.OP_I64_GE_S); break;
    case 6: W.op(W.OP_I64_LT_U); break;
    default: W.op(W.OP_I64_GE_U); break;
  }
  const k = blockAt(target);
  if (sbActive && k > curBlock && k <= sbTail) {
    W.brIf(depthTo(<i32>load<i32>(SB_LABEL + (<u32>k << 2))));
  } else if (!sbActive && k > curBlock) {
    W.brIf(depthTo(labelOfBlock(k)));
  } else {
    open(W.OP_IF, W.T_VOID);
    transfer(target);
    close();
  }
  fallTo(off + len);
}

/** Sequential flow reaches page offset `next` at the end of the current block. */
function fallTo(next: i32): void {
  const k = blockAt(next);
  if (k == curBlock + 1 && (!sbActive || k <= sbTail)) return;    // the next block in the layout: just run into it
  transfer(next);
}

/** Emits block b. */
function emitBlock(b: i32): void {
  curBlock = b;
  const start = <i32>load<u16>(BLOCK_START + (<u32>b << 1)) << 1;
  // Pre-scan: how many instructions run to the end of the block.
  let off = start;
  let count = 0;
  for (;;) {
    if (off >= 4096) break;
    if (off != start && blockAt(off) >= 0) break;
    const inst = fetchAt(<u32>off);
    const k = kindOf(inst);
    if (k == K_UNSUPPORTED) break;
    count++;
    if (k != K_NORMAL && k != K_STEP) break;
    off += <i32>lenAt(<u32>off);
  }
  blockCount = count;
  if (count > 0) { W.localGet(L_DONE); W.i32Const(count); W.op(W.OP_I32_ADD); W.localSet(L_DONE); }
  off = start;
  let idx = 0;
  for (;;) {
    if (off >= 4096) { exitAt(R_BRANCH, 4096, 0); return; }
    if (off != start && blockAt(off) >= 0) { fallTo(off); return; }
    const inst = fetchAt(<u32>off);
    const k = kindOf(inst);
    if (k == K_UNSUPPORTED) { exitAt(R_INTERP, off, 0); return; }
    const len = <i32>lenAt(<u32>off);
    markCode(region, <u32>off, <u32>len);
    if (k == K_NORMAL) {
      const major = (inst >> 2) & 31;
      if (major == 0) emitLoad(inst, off, idx);
      else if (major == 8) emitStore(inst, off, idx, len);
      else if (major != 3) emitAlu(inst, off);       // fence: nothing to order here
      off += len; idx++;
      continue;
    }
    if (k == K_STEP) {
      emitStep(inst, off, idx);
      off += len; idx++;
      continue;
    }
    if (k == K_BRANCH) { emitBranch(inst, off, len); return; }
    const rd = (inst >> 7) & 31;
    if (k == K_JAL) {
      if (rd != 0) { pcConst(off + len); setX(rd); }
      transfer(off + jalImm(inst));
      return;
    }
    if (k == K_JALR) {
      const rs1 = (inst >> 15) & 31;
      getX(rs1); W.i64Const(<i64>(<i32>inst >> 20)); W.op(W.OP_I64_ADD); W.i64Const(~<i64>1); W.op(W.OP_I64_AND);
      W.localSet(L_EPC);
      if (rd != 0) { pcConst(off + len); setX(rd); }
      emitIndirect();
      return;
    }
    // fence.i: leave, so the next fetch sees code as it is now.
    exitAt(R_BRANCH, off + len, 0);
    return;
  }
}

/**
 * Blocks b..t as one wasm loop with the registers they name in locals, loaded on entry:
 *   block $out  [load]  loop $S  block $s[t] … block $s[b+1]  code[b]  end  code[b+1] … code[t]  end  end
 *   [write back]  L_NEXT < 0 ? leave : dispatch to block L_NEXT
 * Every way out (an exit, a jump to a block outside the loop) sets L_NEXT and branches to $out,
 * so the write-back is emitted once.
 */
function emitSuperblock(b: i32, t: i32): void {
  let cached: u32 = 0, dirty: u32 = 0;
  for (let k = b; k <= t; k++) {
    cached |= load<u32>(B_USED + (<u32>k << 2));
    dirty |= load<u32>(B_WRITTEN + (<u32>k << 2));
  }
  xLocalsUsed = true;
  open(W.OP_BLOCK, W.T_VOID);
  sbOutLabel = lvl;
  for (let r: u32 = 1; r < 32; r++) {
    if ((cached & (1 << r)) == 0) continue;
    W.i32Const(0); W.mem(W.OP_I64_LOAD, 3, XREGS + (r << 3)); W.localSet(L_X + r);
  }
  open(W.OP_LOOP, W.T_VOID);
  sbLoopLabel = lvl;
  for (let k = t; k > b; k--) { open(W.OP_BLOCK, W.T_VOID); store<i32>(SB_LABEL + (<u32>k << 2), lvl); }
  sbActive = true; sbHead = b; sbTail = t; sbCached = cached; sbDirty = dirty;
  for (let k = b; k <= t; k++) {
    if (k > b) close();
    emitBlock(k);
    if (W.overflow) break;
  }
  close();                         // $S: every path inside has left by a branch
  close();                         // $out
  writeBack();
  sbActive = false;
  W.localGet(L_NEXT); W.i32Const(0); W.op(W.OP_I32_LT_S);
  W.brIf(depthTo(LABEL_EXIT));
  W.br(depthTo(LABEL_LOOP));
  sbLoops++;
}

// ---- the module ----
let bodyLen: u32 = 0;
let sbLoops: i32 = 0;
/**
 * Whether the body uses L_X..L_B (a loop superblock or a division). V8 zero-fills every local at each call
 * of the function, and regions are called tens of millions of times: a region without them declares none.
 */
let xLocalsUsed = false;

function emitBody(): void {
  W.begin(JIT_BODY_BUF, JIT_BODY_BUF_SIZE);
  lvl = 0;
  open(W.OP_BLOCK, W.T_VOID);      // $exit
  open(W.OP_LOOP, W.T_VOID);       // $L
  for (let k = nblocks - 1; k >= 0; k--) open(W.OP_BLOCK, W.T_VOID);
  W.localGet(L_NEXT);
  W.byte(W.OP_BR_TABLE); W.uleb(<u32>nblocks);
  for (let k = 0; k < nblocks; k++) W.uleb(<u32>k);
  W.uleb(0);
  sbLoops = 0;
  xLocalsUsed = false;
  for (let b = 0; b < nblocks; b++) {
    close();                       // end of $d[b]: block b's code follows
    const t = <i32>load<i16>(B_TAIL + (<u32>b << 1));
    if ((load<u8>(B_FLAGS + <u32>b) & F_ELIDED) != 0) W.byte(W.OP_UNREACHABLE);
    else if (t >= 0) emitSuperblock(b, t);
    else emitBlock(b);
    if (W.overflow) return;
  }
  W.byte(W.OP_UNREACHABLE);
  close();                         // $L
  close();                         // $exit
  // Epilogue: report where and why, return the count.
  W.i32Const(0); W.localGet(L_EPC); W.mem(W.OP_I64_STORE, 3, W_EXIT_PC);
  W.i32Const(0); W.localGet(L_REASON); W.mem(W.OP_I32_STORE, 2, W_EXIT_REASON);
  W.localGet(L_DONE);
  W.byte(W.OP_END);                  // function
  bodyLen = W.at - JIT_BODY_BUF;
}

let prologueLen: u32 = 0;

function emitPrologue(): void {
  W.begin(PROLOGUE, PROLOGUE_SIZE);
  W.uleb(xLocalsUsed ? 3 : 2);
  W.uleb(N_I64_LOCALS); W.byte(W.T_I64);
  W.uleb(N_I32_LOCALS); W.byte(W.T_I32);
  if (xLocalsUsed) { W.uleb(33); W.byte(W.T_I64); }   // L_X: registers of loop superblocks; L_B
  W.i32Const(0); W.mem(W.OP_I64_LOAD, 3, W_DATA_TAG); W.localSet(L_TAG);
  W.localGet(L_ENTRY); W.localSet(L_NEXT);
  prologueLen = W.at - PROLOGUE;
}

function section(id: u32, contentStart: u32): void {
  // Sections are written with a padded 5-byte size, patched when their end is known.
  const len = W.at - contentStart;
  W.ulebPadded(contentStart - 5, len);
  store<u8>(contentStart - 6, <u8>id);
}
@inline function sectionStart(): u32 { W.byte(0); W.byte(0); W.byte(0); W.byte(0); W.byte(0); W.byte(0); return W.at; }

function name(s0: u32, s1: u32): void { W.uleb(s1 == 0 ? 1 : 2); W.byte(s0); if (s1 != 0) W.byte(s1); }

/** Assembles the module around the emitted body. Returns its length, or 0 when it does not fit. */
function emitModule(): u32 {
  W.begin(JIT_MODULE_BUF, JIT_MODULE_BUF_SIZE);
  W.byte(0); W.byte(0x61); W.byte(0x73); W.byte(0x6d); W.byte(1); W.byte(0); W.byte(0); W.byte(0);
  // types: 0 region, 1 load, 2 store, 3 muldiv, 4 step
  let s = sectionStart();
  W.uleb(5);
  W.byte(0x60); W.uleb(3); W.byte(W.T_I32); W.byte(W.T_I32); W.byte(W.T_I64); W.uleb(1); W.byte(W.T_I32);
  W.byte(0x60); W.uleb(2); W.byte(W.T_I64); W.byte(W.T_I32); W.uleb(1); W.byte(W.T_I64);
  W.byte(0x60); W.uleb(3); W.byte(W.T_I64); W.byte(W.T_I32); W.byte(W.T_I64); W.uleb(1); W.byte(W.T_I32);
  W.byte(0x60); W.uleb(3); W.byte(W.T_I64); W.byte(W.T_I64); W.byte(W.T_I32); W.uleb(1); W.byte(W.T_I64);
  W.byte(0x60); W.uleb(1); W.byte(W.T_I64); W.uleb(1); W.byte(W.T_I32);
  section(1, s);
  // imports: e.m memory, e.l / e.s / e.d / e.x functions
  s = sectionStart();
  W.uleb(5);
  name(0x65, 0); name(0x6d, 0); W.byte(2); W.byte(0); W.uleb(0);
  name(0x65, 0); name(0x6c, 0); W.byte(0); W.uleb(1);
  name(0x65, 0); name(0x73, 0); W.byte(0); W.uleb(2);
  name(0x65, 0); name(0x64, 0); W.byte(0); W.uleb(3);
  name(0x65, 0); name(0x78, 0); W.byte(0); W.uleb(4);
  section(2, s);
  s = sectionStart(); W.uleb(1); W.uleb(0); section(3, s);                       // one function of type 0
  s = sectionStart(); W.uleb(1); name(0x66, 0); W.byte(0); W.uleb(4); section(7, s);  // export "f" = function 4
  s = sectionStart();
  W.uleb(1);
  W.uleb(prologueLen + bodyLen);
  W.bytes(PROLOGUE, prologueLen);
  W.bytes(JIT_BODY_BUF, bodyLen);
  section(10, s);
  if (W.overflow) return 0;
  return W.at - JIT_MODULE_BUF;
}

/**
 * Translates the page at linear-memory address `pageHost` from the given entry offsets
 * (u16 each, offset / 2). Fills `entryMapPtr` (u16 per half-word: block + 1, 0xffff where an
 * entry cannot run translated code). Returns the module length in JIT_MODULE_BUF, 0 on failure.
 */
export function translatePage(r: i32, pageHost: u32, entries: u32, nentries: u32, entryMapPtr: u32): u32 {
  host = pageHost;
  region = r;
  entryMapBase = entryMapPtr;
  clearCode(r);
  discover(entries, nentries);
  if (nblocks == 0) return 0;
  scanBlocks();
  emitBody();
  if (W.overflow) return 0;
  emitPrologue();
  const len = emitModule();
  if (len == 0) return 0;
  for (let b = 0; b < nblocks; b++) {
    const h = <u32>load<u16>(BLOCK_START + (<u32>b << 1));
    // A block that starts with an instruction the translator leaves to the interpreter is no entry.
    const k = kindOf(fetchAt(h << 1));
    const elided = (load<u8>(B_FLAGS + <u32>b) & F_ELIDED) != 0;
    store<u16>(entryMapPtr + (h << 1), k == K_UNSUPPORTED ? 0xffff : elided ? 0 : <u16>(b + 1));
  }
  return len;
}

export function blocksOfLast(): i32 { return nblocks; }
export function loopsOfLast(): i32 { return sbLoops; }
