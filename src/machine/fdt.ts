// Flattened device tree (DTB) writer and reader.
//
// The writer keeps nodes and properties in insertion order and emits exactly that order, so a
// builder can reproduce another tool's layout (QEMU's virt tree) property for property.
// The reader parses any DTB of version 16 or 17 into the same node objects: tests use it for
// round trips, the machine uses it to validate and edit a `-dtb FILE`.
//
// Format: Devicetree Specification v0.4, chapter 5 ("Flattened Devicetree (DTB) Format").
// No npm package fits (the few that exist are unmaintained or only parse), hence our own.

const FDT_MAGIC = 0xd00dfeed;
const FDT_VERSION = 17;
const FDT_LAST_COMP_VERSION = 16;
const HEADER_SIZE = 40;

const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_NOP = 4;
const FDT_END = 9;

const U32_MAX = 0xffff_ffff;
const U64_MAX = (1n << 64n) - 1n;

/** A malformed tree or a value that cannot be encoded. */
export class FdtError extends Error {
  override name = "FdtError";
}

export interface FdtProperty {
  name: string;
  value: Uint8Array;
}

export interface MemReserveEntry {
  address: bigint;
  size: bigint;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** Property value encoders, for setBytes. */
export function encodeCells(cells: readonly number[]): Uint8Array {
  const out = new Uint8Array(cells.length * 4);
  const view = new DataView(out.buffer);
  cells.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c > U32_MAX) throw new FdtError(`cell value ${c} is not a u32`);
    view.setUint32(i * 4, c);
  });
  return out;
}

export function encodeU64s(values: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (v < 0n || v > U64_MAX) throw new FdtError(`value ${v} is not a u64`);
    view.setBigUint64(i * 8, v);
  });
  return out;
}

export function encodeStrings(list: readonly string[]): Uint8Array {
  const parts = list.map((s) => {
    if (s.includes("\0")) throw new FdtError(`string ${JSON.stringify(s)} contains a NUL`);
    return textEncoder.encode(s + "\0");
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const NODE_NAME = /^[A-Za-z0-9,._+-]{1,31}(@[A-Za-z0-9,._+-]+)?$/;
const PROP_NAME = /^[A-Za-z0-9,._+?#-]{1,31}$/;

/** One node: its properties and children, both in the order they will be written. */
export class FdtNode {
  readonly properties: FdtProperty[] = [];
  readonly children: FdtNode[] = [];

  constructor(readonly name: string) {}

  /** Appends a child node and returns it. */
  addNode(name: string): FdtNode {
    if (!NODE_NAME.test(name)) throw new FdtError(`invalid node name ${JSON.stringify(name)}`);
    if (this.child(name))
      throw new FdtError(`node ${JSON.stringify(name)} already exists under ${JSON.stringify(this.name || "/")}`);
    const node = new FdtNode(name);
    this.children.push(node);
    return node;
  }

  child(name: string): FdtNode | undefined {
    return this.children.find((c) => c.name === name);
  }

  /**
   * Sets a property: replaces the value in place if it exists, otherwise appends it (or, with
   * "first", inserts it before the others, which is where libfdt's fdt_setprop puts a new one).
   */
  setBytes(name: string, value: Uint8Array, where: "last" | "first" = "last"): this {
    if (!PROP_NAME.test(name)) throw new FdtError(`invalid property name ${JSON.stringify(name)}`);
    const existing = this.properties.find((p) => p.name === name);
    if (existing) existing.value = value;
    else if (where === "first") this.properties.unshift({ name, value });
    else this.properties.push({ name, value });
    return this;
  }
  /** A property with no value (a boolean flag such as `interrupt-controller`). */
  setEmpty(name: string): this {
    return this.setBytes(name, new Uint8Array(0));
  }
  /** One or more 32-bit cells. */
  setU32(name: string, ...cells: number[]): this {
    return this.setBytes(name, encodeCells(cells));
  }
  /** One or more 64-bit values, each written as two cells (high, low). */
  setU64(name: string, ...values: bigint[]): this {
    return this.setBytes(name, encodeU64s(values));
  }
  setString(name: string, value: string): this {
    return this.setBytes(name, encodeStrings([value]));
  }
  setStrings(name: string, values: readonly string[]): this {
    return this.setBytes(name, encodeStrings(values));
  }

  removeProperty(name: string): boolean {
    const i = this.properties.findIndex((p) => p.name === name);
    if (i < 0) return false;
    this.properties.splice(i, 1);
    return true;
  }

  prop(name: string): Uint8Array | undefined {
    return this.properties.find((p) => p.name === name)?.value;
  }

  /** The property as 32-bit cells; throws if its length is not a multiple of 4. */
  propCells(name: string): number[] | undefined {
    const v = this.prop(name);
    if (v === undefined) return undefined;
    if (v.length % 4 !== 0) throw new FdtError(`property ${name} is ${v.length} bytes, not a list of cells`);
    const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
    return Array.from({ length: v.length / 4 }, (_, i) => view.getUint32(i * 4));
  }

  /** The property as one number: a single cell, or two cells read as a u64. */
  propNumber(name: string): bigint | undefined {
    const cells = this.propCells(name);
    if (cells === undefined) return undefined;
    if (cells.length === 1) return BigInt(cells[0]);
    if (cells.length === 2) return (BigInt(cells[0]) << 32n) | BigInt(cells[1]);
    throw new FdtError(`property ${name} has ${cells.length} cells, expected 1 or 2`);
  }

  propStrings(name: string): string[] | undefined {
    const v = this.prop(name);
    if (v === undefined) return undefined;
    if (v.length === 0 || v[v.length - 1] !== 0)
      throw new FdtError(`property ${name} is not a NUL-terminated string list`);
    return textDecoder.decode(v.subarray(0, v.length - 1)).split("\0");
  }

  propString(name: string): string | undefined {
    const list = this.propStrings(name);
    if (list === undefined) return undefined;
    if (list.length !== 1) throw new FdtError(`property ${name} holds ${list.length} strings, expected one`);
    return list[0];
  }

  /** The phandle of this node, if it has one. */
  get phandle(): number | undefined {
    const cells = this.propCells("phandle");
    return cells?.length === 1 ? cells[0] : undefined;
  }
}

/** A whole tree: the root node, the memory reservation block and the boot CPU id. */
export class Fdt {
  readonly root = new FdtNode("");
  readonly memReserve: MemReserveEntry[] = [];
  bootCpuidPhys = 0;
  private nextPhandle = 1;

  /** Hands out phandles in order (1, 2, ...), skipping any already used in the tree. */
  allocatePhandle(): number {
    const used = new Set<number>();
    this.walk((node) => {
      const p = node.phandle;
      if (p !== undefined) used.add(p);
    });
    while (used.has(this.nextPhandle)) this.nextPhandle++;
    return this.nextPhandle++;
  }

  /** Finds a node by absolute path ("/soc/serial@10000000"). */
  find(path: string): FdtNode | undefined {
    if (!path.startsWith("/")) throw new FdtError(`path ${JSON.stringify(path)} is not absolute`);
    let node: FdtNode | undefined = this.root;
    for (const part of path.split("/").filter((p) => p.length > 0)) {
      node = node.child(part);
      if (!node) return undefined;
    }
    return node;
  }

  /** Finds the node with this phandle. */
  byPhandle(phandle: number): FdtNode | undefined {
    let found: FdtNode | undefined;
    this.walk((node) => {
      if (!found && node.phandle === phandle) found = node;
    });
    return found;
  }

  /** Visits every node depth-first, parents before children, with its absolute path. */
  walk(visit: (node: FdtNode, path: string) => void): void {
    const go = (node: FdtNode, path: string): void => {
      visit(node, path);
      for (const c of node.children) go(c, path === "/" ? `/${c.name}` : `${path}/${c.name}`);
    };
    go(this.root, "/");
  }

  /** Serializes to a DTB (version 17): header, memory reservation block, structure block, strings block. */
  toDtb(): Uint8Array {
    const phandles = new Map<number, string>();
    this.walk((node, path) => {
      const p = node.phandle;
      if (p === undefined) return;
      if (p === 0 || p === U32_MAX) throw new FdtError(`node ${path} has the reserved phandle ${p}`);
      const other = phandles.get(p);
      if (other !== undefined) throw new FdtError(`phandle ${p} is used by both ${other} and ${path}`);
      phandles.set(p, path);
    });

    // Strings block: each name once.
    const stringOffsets = new Map<string, number>();
    const stringChunks: Uint8Array[] = [];
    let stringsSize = 0;
    const nameOffset = (name: string): number => {
      let off = stringOffsets.get(name);
      if (off === undefined) {
        off = stringsSize;
        const bytes = textEncoder.encode(name + "\0");
        stringChunks.push(bytes);
        stringsSize += bytes.length;
        stringOffsets.set(name, off);
      }
      return off;
    };

    // Structure block: big-endian tokens, every item padded to 4 bytes.
    const words: Uint8Array[] = [];
    let structSize = 0;
    const push = (bytes: Uint8Array): void => {
      const padded = new Uint8Array((bytes.length + 3) & ~3);
      padded.set(bytes);
      words.push(padded);
      structSize += padded.length;
    };
    const token = (...cells: number[]): void => push(encodeCells(cells));
    const emit = (node: FdtNode): void => {
      token(FDT_BEGIN_NODE);
      push(textEncoder.encode(node.name + "\0"));
      for (const p of node.properties) {
        token(FDT_PROP, p.value.length, nameOffset(p.name));
        push(p.value);
      }
      for (const c of node.children) emit(c);
      token(FDT_END_NODE);
    };
    emit(this.root);
    token(FDT_END);

    const offMemRsv = HEADER_SIZE; // already 8-byte aligned
    const memRsvSize = (this.memReserve.length + 1) * 16;
    const offStruct = offMemRsv + memRsvSize;
    const offStrings = offStruct + structSize;
    const totalSize = offStrings + stringsSize;

    const out = new Uint8Array(totalSize);
    const view = new DataView(out.buffer);
    const header = [
      FDT_MAGIC,
      totalSize,
      offStruct,
      offStrings,
      offMemRsv,
      FDT_VERSION,
      FDT_LAST_COMP_VERSION,
      this.bootCpuidPhys,
      stringsSize,
      structSize,
    ];
    header.forEach((v, i) => view.setUint32(i * 4, v));
    this.memReserve.forEach((r, i) => {
      if (r.size === 0n) throw new FdtError("a memory reservation of size 0 would end the reservation list");
      view.setBigUint64(offMemRsv + i * 16, r.address);
      view.setBigUint64(offMemRsv + i * 16 + 8, r.size);
    });
    let at = offStruct;
    for (const w of words) {
      out.set(w, at);
      at += w.length;
    }
    for (const s of stringChunks) {
      out.set(s, at);
      at += s.length;
    }
    return out;
  }
}

/**
 * Parses a DTB (versions 16 and 17). Throws FdtError naming what is wrong and where, so a bad
 * `-dtb FILE` gets a clear message rather than a guest that hangs.
 */
export function parseDtb(bytes: Uint8Array): Fdt {
  const fail = (msg: string): never => {
    throw new FdtError(`invalid device tree blob: ${msg}`);
  };
  if (bytes.length < HEADER_SIZE) fail(`${bytes.length} bytes is shorter than the 40-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = (i: number): number => view.getUint32(i * 4);
  const [magic, totalSize, offStruct, offStrings, offMemRsv, version, lastComp, bootCpuid] = [
    h(0),
    h(1),
    h(2),
    h(3),
    h(4),
    h(5),
    h(6),
    h(7),
  ];
  if (magic !== FDT_MAGIC) fail(`bad magic 0x${magic.toString(16)} (expected 0xd00dfeed)`);
  if (version < 16) fail(`version ${version} is older than 16`);
  if (lastComp > FDT_VERSION) fail(`last compatible version ${lastComp} is newer than ${FDT_VERSION}`);
  if (totalSize > bytes.length) fail(`header says ${totalSize} bytes but only ${bytes.length} are present`);
  const sizeStrings = h(8);
  const sizeStruct = version >= 17 ? h(9) : totalSize - offStruct;
  const inside = (off: number, len: number, what: string): void => {
    if (off > totalSize || len > totalSize - off) fail(`${what} (offset ${off}, ${len} bytes) lies outside the blob`);
  };
  inside(offStruct, sizeStruct, "structure block");
  inside(offStrings, sizeStrings, "strings block");
  if (offMemRsv % 8 !== 0) fail(`memory reservation block at ${offMemRsv} is not 8-byte aligned`);
  if (offStruct % 4 !== 0) fail(`structure block at ${offStruct} is not 4-byte aligned`);

  const fdt = new Fdt();
  fdt.bootCpuidPhys = bootCpuid;
  for (let off = offMemRsv; ; off += 16) {
    inside(off, 16, "memory reservation entry");
    const address = view.getBigUint64(off);
    const size = view.getBigUint64(off + 8);
    if (address === 0n && size === 0n) break;
    fdt.memReserve.push({ address, size });
  }

  const structEnd = offStruct + sizeStruct;
  const stringAt = (off: number): string => {
    if (off >= sizeStrings) fail(`property name offset ${off} is outside the strings block`);
    const start = offStrings + off;
    const end = bytes.indexOf(0, start);
    if (end < 0 || end >= offStrings + sizeStrings) fail(`property name at strings offset ${off} is not terminated`);
    return new TextDecoder().decode(bytes.subarray(start, end));
  };
  let pos = offStruct;
  const word = (): number => {
    if (pos + 4 > structEnd) fail(`structure block ends inside a token at offset ${pos}`);
    const v = view.getUint32(pos);
    pos += 4;
    return v;
  };
  const align4 = (): void => {
    pos = (pos + 3) & ~3;
  };

  const stack: FdtNode[] = [];
  let sawRoot = false;
  for (;;) {
    const at = pos;
    const tok = word();
    if (tok === FDT_BEGIN_NODE) {
      const end = bytes.indexOf(0, pos);
      if (end < 0 || end >= structEnd) fail(`node name at offset ${pos} is not terminated`);
      const name = new TextDecoder().decode(bytes.subarray(pos, end));
      pos = end + 1;
      align4();
      if (stack.length === 0) {
        if (sawRoot) fail(`a second root node starts at offset ${at}`);
        if (name !== "") fail(`the root node is named ${JSON.stringify(name)}, expected ""`);
        sawRoot = true;
        stack.push(fdt.root);
      } else {
        const parent = stack[stack.length - 1];
        if (parent.child(name)) fail(`duplicate node ${JSON.stringify(name)} at offset ${at}`);
        const node = new FdtNode(name);
        parent.children.push(node);
        stack.push(node);
      }
    } else if (tok === FDT_END_NODE) {
      if (stack.length === 0) fail(`unbalanced end of node at offset ${at}`);
      stack.pop();
    } else if (tok === FDT_PROP) {
      if (stack.length === 0) fail(`property outside any node at offset ${at}`);
      const len = word();
      const nameOff = word();
      if (pos + len > structEnd) fail(`property value at offset ${pos} runs past the structure block`);
      const node = stack[stack.length - 1];
      const name = stringAt(nameOff);
      if (node.properties.some((p) => p.name === name)) fail(`duplicate property ${name} at offset ${at}`);
      node.properties.push({ name, value: bytes.slice(pos, pos + len) });
      pos += len;
      align4();
    } else if (tok === FDT_NOP) {
    } else if (tok === FDT_END) {
      if (stack.length !== 0) fail(`structure ends with ${stack.length} node(s) still open`);
      if (!sawRoot) fail("no root node");
      break;
    } else {
      fail(`unknown token 0x${tok.toString(16)} at offset ${at}`);
    }
  }
  return fdt;
}
