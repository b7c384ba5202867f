// A byte writer for WebAssembly binaries: the translator writes opcodes and LEB128
// immediates straight into a buffer in linear memory (no allocation, no host calls).
// `at` is the write position; callers check `overflow` once per instruction.

export let at: u32 = 0;
let end: u32 = 0;
export let overflow: bool = false;

export function begin(buf: u32, size: u32): void { at = buf; end = buf + size - 64; overflow = false; }

@inline export function byte(b: u32): void {
  if (at >= end) { overflow = true; return; }
  store<u8>(at, <u8>b);
  at++;
}

export function uleb(v: u32): void {
  do {
    let b = v & 0x7f;
    v >>= 7;
    if (v != 0) b |= 0x80;
    byte(b);
  } while (v != 0);
}

export function sleb32(v: i32): void {
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0)) { byte(b); return; }
    byte(b | 0x80);
  }
}

export function sleb64(v: i64): void {
  for (;;) {
    const b = <u32>(v & 0x7f);
    v >>= 7;
    if ((v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0)) { byte(b); return; }
    byte(b | 0x80);
  }
}

/** A 5-byte (padded) unsigned LEB128: lets a size be patched after the bytes it counts are written. */
export function ulebPadded(p: u32, v: u32): void {
  for (let i: u32 = 0; i < 5; i++) {
    store<u8>(p + i, <u8>((v & 0x7f) | (i < 4 ? 0x80 : 0)));
    v >>= 7;
  }
}

export function bytes(src: u32, len: u32): void {
  if (at + len >= end) { overflow = true; return; }
  memory.copy(at, src, len);
  at += len;
}

// ---- opcodes ----
export const OP_UNREACHABLE: u32 = 0x00;
export const OP_BLOCK: u32 = 0x02;
export const OP_LOOP: u32 = 0x03;
export const OP_IF: u32 = 0x04;
export const OP_ELSE: u32 = 0x05;
export const OP_END: u32 = 0x0b;
export const OP_BR: u32 = 0x0c;
export const OP_BR_IF: u32 = 0x0d;
export const OP_BR_TABLE: u32 = 0x0e;
export const OP_RETURN: u32 = 0x0f;
export const OP_CALL: u32 = 0x10;
export const OP_DROP: u32 = 0x1a;
export const OP_SELECT: u32 = 0x1b;
export const OP_LOCAL_GET: u32 = 0x20;
export const OP_LOCAL_SET: u32 = 0x21;
export const OP_LOCAL_TEE: u32 = 0x22;
export const OP_I32_LOAD: u32 = 0x28;
export const OP_I64_LOAD: u32 = 0x29;
export const OP_I64_LOAD8_S: u32 = 0x30;
export const OP_I64_LOAD8_U: u32 = 0x31;
export const OP_I64_LOAD16_S: u32 = 0x32;
export const OP_I64_LOAD16_U: u32 = 0x33;
export const OP_I64_LOAD32_S: u32 = 0x34;
export const OP_I64_LOAD32_U: u32 = 0x35;
export const OP_I32_LOAD16_U: u32 = 0x2f;
export const OP_I32_STORE: u32 = 0x36;
export const OP_I64_STORE: u32 = 0x37;
export const OP_I64_STORE8: u32 = 0x3c;
export const OP_I64_STORE16: u32 = 0x3d;
export const OP_I64_STORE32: u32 = 0x3e;
export const OP_I32_CONST: u32 = 0x41;
export const OP_I64_CONST: u32 = 0x42;
export const OP_I32_EQZ: u32 = 0x45;
export const OP_I32_EQ: u32 = 0x46;
export const OP_I32_NE: u32 = 0x47;
export const OP_I32_LT_S: u32 = 0x48;
export const OP_I32_LT_U: u32 = 0x49;
export const OP_I32_GE_S: u32 = 0x4e;
export const OP_I32_LE_U: u32 = 0x4d;
export const OP_I64_EQZ: u32 = 0x50;
export const OP_I64_EQ: u32 = 0x51;
export const OP_I64_NE: u32 = 0x52;
export const OP_I64_LT_S: u32 = 0x53;
export const OP_I64_LT_U: u32 = 0x54;
export const OP_I64_GE_S: u32 = 0x59;
export const OP_I64_GE_U: u32 = 0x5a;
export const OP_I32_ADD: u32 = 0x6a;
export const OP_I32_SUB: u32 = 0x6b;
export const OP_I32_MUL: u32 = 0x6c;
export const OP_I32_AND: u32 = 0x71;
export const OP_I32_OR: u32 = 0x72;
export const OP_I32_SHL: u32 = 0x74;
export const OP_I32_SHR_S: u32 = 0x75;
export const OP_I32_SHR_U: u32 = 0x76;
export const OP_I64_ADD: u32 = 0x7c;
export const OP_I64_SUB: u32 = 0x7d;
export const OP_I64_MUL: u32 = 0x7e;
export const OP_I64_DIV_S: u32 = 0x7f;
export const OP_I64_DIV_U: u32 = 0x80;
export const OP_I64_REM_S: u32 = 0x81;
export const OP_I64_REM_U: u32 = 0x82;
export const OP_I32_DIV_S: u32 = 0x6d;
export const OP_I32_DIV_U: u32 = 0x6e;
export const OP_I32_REM_S: u32 = 0x6f;
export const OP_I32_REM_U: u32 = 0x70;
export const OP_I64_AND: u32 = 0x83;
export const OP_I64_OR: u32 = 0x84;
export const OP_I64_XOR: u32 = 0x85;
export const OP_I64_SHL: u32 = 0x86;
export const OP_I64_SHR_S: u32 = 0x87;
export const OP_I64_SHR_U: u32 = 0x88;
export const OP_I32_WRAP_I64: u32 = 0xa7;
export const OP_I64_EXTEND_I32_S: u32 = 0xac;
export const OP_I64_EXTEND_I32_U: u32 = 0xad;
export const OP_I64_EXTEND8_S: u32 = 0xc2;
export const OP_I64_EXTEND16_S: u32 = 0xc3;
export const OP_I64_EXTEND32_S: u32 = 0xc4;

export const T_I32: u32 = 0x7f;
export const T_I64: u32 = 0x7e;
export const T_VOID: u32 = 0x40;

@inline export function op(o: u32): void { byte(o); }
export function localGet(i: u32): void { byte(OP_LOCAL_GET); uleb(i); }
export function localSet(i: u32): void { byte(OP_LOCAL_SET); uleb(i); }
export function localTee(i: u32): void { byte(OP_LOCAL_TEE); uleb(i); }
export function i32Const(v: i32): void { byte(OP_I32_CONST); sleb32(v); }
export function i64Const(v: i64): void { byte(OP_I64_CONST); sleb64(v); }
export function br(depth: u32): void { byte(OP_BR); uleb(depth); }
export function brIf(depth: u32): void { byte(OP_BR_IF); uleb(depth); }
export function call(f: u32): void { byte(OP_CALL); uleb(f); }
/** A memory access with alignment hint `align` (log2) and a constant offset. */
export function mem(o: u32, align: u32, offset: u32): void { byte(o); uleb(align); uleb(offset); }
