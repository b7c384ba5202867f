// The state file format on its own: round trip, zero pages skipped, and every way a file can be
// unusable (truncated, corrupted, another machine) refused with a message naming the reason.
import { describe, it, expect } from "vitest";
import { crc32 } from "node:zlib";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CoreExports } from "../../src/machine/core.js";
import { coreLz4, saveState } from "../../src/machine/snapshot/core-state.js";
import { sectionsOf, reseal, literalsPastEnd } from "./snapshot-helpers";
import {
  encodeState,
  encodeStateAsync,
  decodeState,
  decodeStateAsync,
  incompatibility,
  unpackNonZero,
  unpackRam,
  StateFormatError,
  RAM_PAGE,
  RAM_CHUNK,
  MAGIC,
  type StateHeader,
  type MachineDescription,
} from "../../src/machine/snapshot/format.js";

const machine: MachineDescription = {
  ramSize: 1 << 20,
  harts: 2,
  virtio: [
    { slot: 7, type: 2, flags: 0, capacity: 1 << 20 },
    { slot: 6, type: 18, flags: 0, capacity: 0 },
  ],
};
const header: StateHeader = {
  format: 1,
  wasmvirt: "0.1.0",
  core: "abcd",
  machine,
  blk: false,
  savedAt: "2026-01-01T00:00:00Z",
};

function sample() {
  const ram = new Uint8Array(machine.ramSize);
  ram.fill(7, 3 * RAM_PAGE, 3 * RAM_PAGE + 100); // page 3
  for (let i = 0; i < RAM_PAGE; i++) ram[200 * RAM_PAGE + i] = (i * 31) & 0xff; // page 200, less compressible
  const region = new Uint8Array(8192).fill(1);
  const disk = new Uint8Array(1 << 20);
  disk.fill(9, 70_000, 80_000);
  const enc = encodeState({
    header,
    regions: [{ start: 0x1000, bytes: region }],
    ram,
    host: { consoleInput: [104, 105] },
    disks: [{ index: 0, bytes: disk }],
  });
  return { ram, disk, enc, file: Buffer.concat(enc.parts) };
}

describe("machine state format", () => {
  it("round-trips regions, RAM, host state and disks, storing only non-zero pages", () => {
    const { ram, disk, enc, file } = sample();
    expect(enc.ramPages).toBe(256);
    expect(enc.ramNonZeroPages).toBe(2);
    expect(file.length).toBeLessThan(20_000);
    const st = decodeState(file);
    expect(st.header).toEqual(header);
    expect(st.regions[0].start).toBe(0x1000);
    expect(Buffer.from(st.regions[0].bytes).equals(Buffer.alloc(8192, 1))).toBe(true);
    const back = new Uint8Array(st.ram.size);
    unpackRam(st.ram, back);
    expect(Buffer.from(back).equals(Buffer.from(ram))).toBe(true);
    expect(st.host.consoleInput).toEqual([104, 105]);
    const d = new Uint8Array(st.disks[0].size);
    unpackNonZero(st.disks[0].bitmap, st.disks[0].data, 65536, d);
    expect(Buffer.from(d).equals(Buffer.from(disk))).toBe(true);
  });

  it("refuses a truncated file at every length", () => {
    const { file } = sample();
    for (const n of [0, 5, 11, 12, 40, file.length >> 1, file.length - 9, file.length - 1]) {
      expect(() => decodeState(file.subarray(0, n)), `length ${n}`).toThrow(StateFormatError);
    }
    expect(() => decodeState(file.subarray(0, file.length - 1))).toThrow(/truncated/);
  });

  it("refuses a file with any byte changed, or with bytes added", () => {
    const { file } = sample();
    for (let at = 0; at < file.length; at += Math.max(1, Math.floor(file.length / 97))) {
      const bad = Buffer.from(file);
      bad[at] ^= 0x40;
      expect(() => decodeState(bad), `byte ${at}`).toThrow(StateFormatError);
    }
    expect(() => decodeState(Buffer.concat([file, Buffer.from([0])]))).toThrow(/trailing/);
    expect(() => decodeState(Buffer.from("QEVM\0\0\0\x03 not ours"))).toThrow(/Not a wasmvirt machine state/);
  });

  it("splits RAM into separately compressed pieces; the thread-pool encoder and decoder give the same machine", async () => {
    // About 3 MB of non-zero pages in runs and single pages, some incompressible: several RAMD sections.
    const ram = new Uint8Array(8 << 20);
    let seed = 1;
    for (let p = 0; p < ram.length / RAM_PAGE; p++) {
      if (p % 7 === 3) continue;
      if (p % 5 === 0)
        for (let i = 0; i < RAM_PAGE; i++) ram[p * RAM_PAGE + i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      else if (p % 2 === 0 && p < 1200) ram.fill(p & 0xff || 1, p * RAM_PAGE + 7, p * RAM_PAGE + 300);
    }
    const input = {
      header: { ...header, machine: { ...machine, ramSize: ram.length } },
      regions: [{ start: 0x2000, bytes: new Uint8Array(64).fill(3) }],
      ram,
      host: { consoleInput: [] },
    };
    const sync = Buffer.concat(encodeState(input).parts);
    const asyncEnc = await encodeStateAsync(input);
    const file = Buffer.concat(asyncEnc.parts);
    expect(file.equals(sync)).toBe(true);
    expect(asyncEnc.ramNonZeroPages * RAM_PAGE).toBeGreaterThan(2 * RAM_CHUNK);
    const st = await decodeStateAsync(file);
    expect(st.ram.chunks.length).toBe(Math.ceil((asyncEnc.ramNonZeroPages * RAM_PAGE) / RAM_CHUNK));
    const back = new Uint8Array(ram.length);
    unpackRam(st.ram, back);
    expect(Buffer.from(back).equals(Buffer.from(ram))).toBe(true);
    // A piece missing or one too many is a refusal, not a half-filled RAM.
    expect(() => unpackRam({ ...st.ram, chunks: st.ram.chunks.slice(1) }, new Uint8Array(ram.length))).toThrow(
      /shorter than its page map/,
    );
    const extra = { bytes: new Uint8Array(RAM_PAGE), rawLength: RAM_PAGE, lz4: false };
    expect(() => unpackRam({ ...st.ram, chunks: [...st.ram.chunks, extra] }, new Uint8Array(ram.length))).toThrow(
      /longer than its page map/,
    );
  });

  it("the thread-pool decoder refuses what the other refuses", async () => {
    const { file } = sample();
    await expect(decodeStateAsync(file.subarray(0, file.length - 1))).rejects.toThrow(/truncated/);
    const bad = Buffer.from(file);
    bad[file.length >> 1] ^= 0x40;
    await expect(decodeStateAsync(bad)).rejects.toThrow(StateFormatError);
  });

  it("still reads version 1 files (one RAM section with the map and the pages)", () => {
    const sec = (tag: string, raw: Uint8Array) => {
      const h = Buffer.alloc(28);
      h.write(tag, 0, 4, "latin1");
      h.writeBigUInt64LE(BigInt(raw.length), 8);
      h.writeBigUInt64LE(BigInt(raw.length), 16);
      h.writeUInt32LE(crc32(raw), 24);
      return [h, raw];
    };
    const page = Buffer.alloc(RAM_PAGE, 0x5a);
    const ramSec = Buffer.alloc(8 + 32);
    ramSec.writeUInt32LE(RAM_PAGE, 0);
    ramSec.writeUInt32LE(256, 4);
    ramSec[8] = 0b100; // page 2
    const core = Buffer.alloc(8 + 16, 1);
    core.writeUInt32LE(0x1000, 0);
    core.writeUInt32LE(16, 4);
    const parts = [
      MAGIC,
      Buffer.from([1, 0, 0, 0]),
      ...sec("HEAD", Buffer.from(JSON.stringify(header))),
      ...sec("CORE", core),
      ...sec("RAM ", Buffer.concat([ramSec, page])),
      ...sec("HOST", Buffer.from('{"consoleInput":[]}')),
    ];
    const body = Buffer.concat(parts);
    const end = Buffer.alloc(8);
    end.write("END ", 0, 4, "latin1");
    end.writeUInt32LE(crc32(body), 4);
    const st = decodeState(Buffer.concat([body, end]));
    const back = new Uint8Array(st.ram.size);
    unpackRam(st.ram, back);
    expect(back[2 * RAM_PAGE + 100]).toBe(0x5a);
    expect(back[RAM_PAGE]).toBe(0);
    const v9 = Buffer.concat([body, end]);
    v9[8] = 9;
    expect(() => decodeState(v9)).toThrow(/format version 9 is not supported/);
  });

  it("names the difference when the machine does not match", () => {
    expect(incompatibility(header, machine, "abcd")).toBeUndefined();
    expect(incompatibility(header, { ...machine, ramSize: 2 << 20 }, "abcd")).toMatch(
      /Size mismatch: riscv_virt_board.ram: 0x100000 != 0x200000.*-m 1M.*-m 2M/,
    );
    expect(incompatibility(header, { ...machine, harts: 1 }, "abcd")).toMatch(/-smp 2, this machine has -smp 1/);
    expect(incompatibility(header, { ...machine, virtio: machine.virtio.slice(0, 1) }, "abcd")).toMatch(
      /virtio-keyboard-device at virtio-mmio@10007000, this machine has none/,
    );
    expect(
      incompatibility(
        header,
        { ...machine, virtio: [{ ...machine.virtio[0], capacity: 2 << 20 }, machine.virtio[1]] },
        "abcd",
      ),
    ).toMatch(/disk at virtio-mmio@10008000 has 1048576 bytes in the state and 2097152 bytes here/);
    expect(
      incompatibility(header, { ...machine, virtio: [{ ...machine.virtio[0], flags: 1 }, machine.virtio[1]] }, "abcd"),
    ).toMatch(/writable in the state and read-only here/);
    expect(
      incompatibility(
        header,
        { ...machine, virtio: [{ slot: 7, type: 4, flags: 0, capacity: 0 }, machine.virtio[1]] },
        "abcd",
      ),
    ).toMatch(/virtio-blk-device at virtio-mmio@10008000, this machine has a virtio-rng-device/);
    expect(incompatibility(header, machine, "ffff")).toMatch(/another core build \(abcd, this is ffff\)/);
  });
});

const CORE_WASM = fileURLToPath(new URL("../../build/core.wasm", import.meta.url));

/** The built core with inert imports: only its codec is used here. */
function codecCore(): CoreExports {
  const mod = new WebAssembly.Module(readFileSync(CORE_WASM));
  const imports: Record<string, Record<string, unknown>> = {};
  for (const i of WebAssembly.Module.imports(mod))
    (imports[i.module] ??= {})[i.name] =
      i.kind === "table" ? new WebAssembly.Table({ initial: 1, element: "anyfunc" }) : () => 0;
  const core = new WebAssembly.Instance(mod, imports as WebAssembly.Imports).exports as unknown as CoreExports;
  core.init(16 << 20, 1);
  return core;
}

describe.skipIf(!existsSync(CORE_WASM))("machine state format: RAM as LZ4 blocks (the core's codec)", () => {
  // 8 MB of RAM: runs of text-like pages, sparse pages, incompressible pages, single pages.
  const ram = new Uint8Array(8 << 20);
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (let p = 0; p < ram.length / RAM_PAGE; p++) {
    const at = p * RAM_PAGE;
    if (p % 11 === 5) continue;
    if (p % 13 === 0) for (let i = 0; i < RAM_PAGE; i++) ram[at + i] = rnd();
    else if (p % 3 === 0) for (let i = 0; i < RAM_PAGE; i += 8) ram[at + i] = (i >> 3) & 0xff;
    else if (p < 900) for (let i = 0; i < 200; i++) ram[at + ((i * 37) % RAM_PAGE)] = 65 + (i % 26);
  }
  const input = {
    header: { ...header, machine: { ...machine, ramSize: ram.length } },
    regions: [{ start: 0x2000, bytes: new Uint8Array(64).fill(3) }],
    ram,
    host: { consoleInput: [] },
  };

  it("writes RAMD sections as LZ4 blocks that load back into the same RAM, smaller than the pages", async () => {
    const core = codecCore();
    const codec = coreLz4(core);
    const enc = await encodeStateAsync({ ...input, lz4: codec });
    const file = Buffer.concat(enc.parts);
    expect(Buffer.concat(encodeState({ ...input, lz4: codec }).parts).equals(file)).toBe(true);
    const ramd = sectionsOf(file).filter((s) => s.tag === "RAMD");
    expect(ramd.length).toBeGreaterThan(2);
    expect(ramd.filter((s) => s.flags === 4).length).toBeGreaterThan(2); // LZ4 (incompressible runs may be stored)
    expect(file.length).toBeLessThan(enc.ramNonZeroPages * RAM_PAGE * 0.6);
    const st = await decodeStateAsync(file);
    expect(st.ram.chunks.some((c) => c.lz4)).toBe(true);
    const back = new Uint8Array(ram.length);
    unpackRam(st.ram, back, codec);
    expect(Buffer.from(back).equals(Buffer.from(ram))).toBe(true);
    // Without the core's codec nothing is guessed.
    expect(() => unpackRam(st.ram, new Uint8Array(ram.length))).toThrow(/no LZ4 codec/);
  });

  it("refuses a block that passes its checksums but does not decompress to its length", async () => {
    const codec = coreLz4(codecCore());
    const file = Buffer.concat((await encodeStateAsync({ ...input, lz4: codec })).parts);
    const lz = sectionsOf(file).filter((s) => s.flags === 4);
    const variants: [string, (f: Buffer) => void][] = [
      ["a literal run longer than the block", (f) => literalsPastEnd(f, lz[0].at + 28, lz[0].bytes.length)],
      ["a match with offset 0", (f) => f.fill(0, lz[1].at + 28, lz[1].at + 28 + 3)],
      ["a match before the start of the output", (f) => f.set([0, 1, 0], lz[1].at + 28)],
      ["a shorter raw length", (f) => f.writeBigUInt64LE(f.readBigUInt64LE(lz[0].at + 8) - 1n, lz[0].at + 8)],
      ["a longer raw length", (f) => f.writeBigUInt64LE(f.readBigUInt64LE(lz[0].at + 8) + 4096n, lz[0].at + 8)],
    ];
    for (const [what, edit] of variants) {
      const bad = Buffer.from(file);
      edit(bad);
      const st = decodeState(reseal(bad));
      expect(() => unpackRam(st.ram, new Uint8Array(ram.length), codec), what).toThrow(
        /section RAMD does not decompress/,
      );
    }
    // LZ4 only where a version-3 reader expects it.
    const v2 = Buffer.from(file);
    v2.writeUInt32LE(2, 8);
    expect(() => decodeState(reseal(v2))).toThrow(/section RAMD has unknown flags/);
    const core = sectionsOf(file).find((s) => s.tag === "CORE")!;
    const coreLz = Buffer.from(file);
    coreLz.writeUInt32LE(4, core.at + 4);
    expect(() => decodeState(reseal(coreLz))).toThrow(/section CORE has unknown flags/);
  });

  it("a save hands back no part that is a view of the core's memory, even for pages stored uncompressed", async () => {
    const core = codecCore();
    const base = Number(core.ramOffset());
    const mem = new Uint8Array(core.memory.buffer);
    let x = 12345;
    // 64 pages of noise (a section of its own, stored as it is: LZ4 saves nothing there), a zero page, and 63
    // pages of text.
    for (let i = 0; i < 64 * RAM_PAGE; i++) mem[base + i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
    for (let i = 65 * RAM_PAGE; i < 128 * RAM_PAGE; i++) mem[base + i] = 97 + (i % 13);
    core.noteRamWrite(0x8000_0000n, 128 * RAM_PAGE);
    const { parts } = await saveState(
      {
        core,
        disks: [],
        description: { ...machine, ramSize: 16 << 20 },
        coreId: "test",
        wasmvirtVersion: "0",
        hostState: () => ({ consoleInput: [] }),
        setHostState: () => {},
      },
      false,
    );
    expect(parts.filter((p) => p.buffer === core.memory.buffer)).toEqual([]);
    const st = decodeState(Buffer.concat(parts));
    expect(st.ram.chunks.some((c) => !c.lz4)).toBe(true); // the noise was stored as it is
    const back = new Uint8Array(16 << 20);
    unpackRam(st.ram, back, coreLz4(codecCore()));
    expect(
      Buffer.from(back.subarray(0, 128 * RAM_PAGE)).equals(Buffer.from(mem.subarray(base, base + 128 * RAM_PAGE))),
    ).toBe(true);
  });

  it("the decoder stays inside its buffers on any input", () => {
    const core = codecCore();
    const codec = coreLz4(core);
    let seed2 = 99;
    const r = () => (seed2 = (seed2 * 1103515245 + 12345) >>> 0) >>> 24;
    const guard = new Uint8Array(core.memory.buffer, core.lzOutBuffer() + 4096, 64);
    guard.fill(0xa5);
    for (let k = 0; k < 3000; k++) {
      const junk = Uint8Array.from({ length: 1 + (r() << 3) }, () => (k & 1 ? r() & 0x1f : r()));
      const out = codec.decompress(junk, 4096);
      if (out) expect(out.length).toBe(4096);
    }
    expect(guard.every((b) => b === 0xa5)).toBe(true);
  });
});
