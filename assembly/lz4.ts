// LZ4 block compression (the block format of the LZ4 project: sequences of a token byte, literals, a
// 2-byte offset and extra length bytes; no frame) for the RAM pages of a saved machine state. It lives
// in the core because the pages do: a save compresses runs of RAM where they lie, a restore decompresses
// into the codec buffers and the host scatters the pages into RAM with copies inside this memory.
// Chosen over the host's brotli for the restore: it decompresses a booted guest's 12 MB of pages in
// ~5 ms instead of ~45 ms of CPU, which was most of what a restore waited for.
import { LZ_IN, LZ_OUT, LZ_BUF_SIZE, LZ_HASH, LZ_HASH_BITS } from "./layout";

const MIN_MATCH: u32 = 4;
/** The format's end rules: the last 5 bytes are literals, and no match starts in the last 12. */
const LAST_LITERALS: u32 = 5;
const MF_LIMIT: u32 = 12;
const MAX_OFFSET: u32 = 65535;
const SKIP_SHIFT: u32 = 3;

export function lzInBuffer(): u32 { return LZ_IN; }
export function lzOutBuffer(): u32 { return LZ_OUT; }
export function lzBufferSize(): u32 { return LZ_BUF_SIZE; }

/** Bytes an incompressible input of `len` bytes can take in the block format. */
export function lzBound(len: u32): u32 { return len + len / 255 + 16; }

@inline function hashOf(seq: u32): u32 { return (seq * 2654435761) >>> (32 - LZ_HASH_BITS); }

/** Writes a length's continuation bytes (the token holds the first 15). */
@inline function putLength(op: u32, n: u32): u32 {
  while (n >= 255) { store<u8>(op++, 255); n -= 255; }
  store<u8>(op++, <u8>n);
  return op;
}

function emitSequence(op: u32, oend: u32, anchor: u32, litLen: u32, offset: u32, matchLen: u32): u32 {
  const token = op++;
  let t: u32 = (litLen >= 15 ? 15 : litLen) << 4;
  if (litLen >= 15) op = putLength(op, litLen - 15);
  if (litLen <= 64 && oend - op >= litLen + 8) {
    for (let k: u32 = 0; k < litLen; k += 8) store<u64>(op + k, load<u64>(anchor + k));
  } else memory.copy(op, anchor, litLen);
  op += litLen;
  if (offset != 0) {
    store<u16>(op, <u16>offset);
    op += 2;
    const m = matchLen - MIN_MATCH;
    t |= m >= 15 ? 15 : m;
    if (m >= 15) op = putLength(op, m - 15);
  }
  store<u8>(token, <u8>t);
  return op;
}

/**
 * Compresses [src, src+len) into dst (room for `cap` bytes, at least lzBound(len)). Returns the
 * compressed length, or -1 if `cap` is too small. Greedy matching on a hash of the next 4 bytes;
 * the step grows through data that does not match, so incompressible pages cost little.
 */
export function lzCompress(src: u32, len: u32, dst: u32, cap: u32): i32 {
  if (cap < lzBound(len)) return -1;
  const end = src + len;
  const oend = dst + cap;
  let op = dst;
  let anchor = src;
  if (len > MF_LIMIT) {
    // Table entries are positions + 1 relative to src (0: empty), so a stale table never points before src.
    memory.fill(LZ_HASH, 0, 4 << LZ_HASH_BITS);
    const matchLimit = end - LAST_LITERALS;
    const limit = end - MF_LIMIT;
    let ip = src;
    while (ip < limit) {
      const seq = load<u32>(ip);
      const slot = LZ_HASH + (hashOf(seq) << 2);
      const prev = load<u32>(slot);
      store<u32>(slot, ip - src + 1);
      let ref = src + prev - 1;
      if (prev == 0 || ip - ref > MAX_OFFSET || load<u32>(ref) != seq) {
        // Past a match, the step grows by one every 8 bytes that found none (LZ4's own default is 64): on a
        // booted guest's pages the state is 17% larger (5.7 MB instead of 4.9) and compresses in ~11 ms
        // instead of ~33 (and decompresses in ~5 ms instead of ~9), which the pause of a save and a restore's
        // wait both see.
        ip += 1 + ((ip - anchor) >> SKIP_SHIFT);
        continue;
      }
      let start = ip;
      while (start > anchor && ref > src && load<u8>(start - 1) == load<u8>(ref - 1)) { start--; ref--; }
      // Extend the match eight bytes at a time, then byte by byte, stopping short of the last literals.
      let a = ip + MIN_MATCH, b = ref + (ip - start) + MIN_MATCH;
      while (a + 8 <= matchLimit && load<u64>(a) == load<u64>(b)) { a += 8; b += 8; }
      while (a < matchLimit && load<u8>(a) == load<u8>(b)) { a++; b++; }
      op = emitSequence(op, oend, anchor, start - anchor, start - ref, a - start);
      ip = a;
      anchor = ip;
      if (ip - 2 >= src && ip < limit) store<u32>(LZ_HASH + (hashOf(load<u32>(ip - 2)) << 2), ip - 2 - src + 1);
    }
  }
  op = emitSequence(op, oend, anchor, end - anchor, 0, 0);
  return <i32>(op - dst);
}

/** Reads a length's continuation bytes from `ip`; the result's high word is the new ip, -1 when the input ends. */
@inline function readLength(ip: u32, iend: u32, n: u32): u64 {
  for (;;) {
    if (ip >= iend) return <u64>-1;
    const b = <u32>load<u8>(ip++);
    n += b;
    if (b != 255) return (<u64>ip << 32) | n;
    if (n > 0x7fff_ffff) return <u64>-1;
  }
  return <u64>-1; // not reached: the loop returns
}

/**
 * Decompresses the block [src, src+len) into dst (at most `cap` bytes). Returns the decompressed
 * length, or -1 for a block that is malformed or would write past `cap`: every length and offset is
 * checked, so no input reads or writes outside the two ranges.
 */
export function lzDecompress(src: u32, len: u32, dst: u32, cap: u32): i32 {
  let ip = src;
  const iend = src + len;
  let op = dst;
  const oend = dst + cap;
  for (;;) {
    if (ip >= iend) return -1;
    const token = <u32>load<u8>(ip++);
    let lit = token >> 4;
    if (lit == 15) {
      const r = readLength(ip, iend, lit);
      if (r == <u64>-1) return -1;
      ip = <u32>(r >> 32);
      lit = <u32>r;
    }
    if (lit > iend - ip || lit > oend - op) return -1;
    // Most literal runs are short: 8-byte moves (which may write past the run, never past cap) beat a
    // memory.copy call, which is a call into the engine.
    if (lit <= 256 && iend - ip >= lit + 8 && oend - op >= lit + 8) {
      for (let k: u32 = 0; k < lit; k += 8) store<u64>(op + k, load<u64>(ip + k));
    } else memory.copy(op, ip, lit);
    op += lit;
    ip += lit;
    if (ip == iend) return <i32>(op - dst); // the last sequence has literals only
    if (iend - ip < 2) return -1;
    const offset = <u32>load<u16>(ip);
    ip += 2;
    if (offset == 0 || offset > op - dst) return -1;
    let m = token & 15;
    if (m == 15) {
      const r = readLength(ip, iend, m);
      if (r == <u64>-1) return -1;
      ip = <u32>(r >> 32);
      m = <u32>r;
    }
    m += MIN_MATCH;
    if (m > oend - op) return -1;
    const from = op - offset;
    if (offset >= 8 && oend - op >= m + 8) {
      // Eight bytes at a time: with offset >= 8 each move reads only bytes already written, so this is
      // right for overlapping matches too.
      for (let k: u32 = 0; k < m; k += 8) store<u64>(op + k, load<u64>(from + k));
    } else if (offset >= m) memory.copy(op, from, m);
    else if (offset == 1 && m > 32) memory.fill(op, load<u8>(from), m);
    else {
      // A short repeating pattern: byte by byte (memory.copy is a call into the engine, costly for a few bytes).
      for (let k: u32 = 0; k < m; k++) store<u8>(op + k, load<u8>(from + k));
    }
    op += m;
  }
  return -1; // not reached: the loop returns
}
