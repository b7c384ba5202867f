// Builds test/devices/entry.ts (the device models alone, runtime stub, as the core is built)
// and instantiates it with the real host imports (src/machine/device-imports.ts).
import asc from "assemblyscript/asc";
import { fileURLToPath } from "node:url";
import { makeDeviceImports } from "../../src/machine/device-imports.js";
import type { BlockBackend } from "../../src/block/backend.js";

export const RAM_BASE = 0x8000_0000;
export const RAM_SIZE = 16 << 20;
const ENTRY = fileURLToPath(new URL("./entry.ts", import.meta.url));

let binary: Promise<Uint8Array> | undefined;

/** Compile once per test file (asc's API, in memory, nothing written). */
export function compileDevices(): Promise<Uint8Array> {
  binary ??= (async () => {
    let wasm: Uint8Array | undefined;
    const errors: string[] = [];
    const { error } = await asc.main([
      ENTRY, "--runtime", "stub", "--initialMemory", "512", "-O2", "--outFile", "devices.wasm",
      "--config", "none",
    ], {
      writeFile(name: string, contents: string | Uint8Array) {
        if (name.endsWith(".wasm")) wasm = contents as Uint8Array;
      },
      stderr: { write(s: string | Uint8Array) { errors.push(String(s)); return true; } } as never,
    });
    if (error || !wasm) throw new Error(`asc failed: ${error?.message}\n${errors.join("")}`);
    return wasm;
  })();
  return binary;
}

export interface DevicesCore {
  memory: WebAssembly.Memory;
  [name: string]: any;
}

export class Machine {
  core!: DevicesCore;
  ramOffset = 0;
  constructor(public disks: BlockBackend[] = []) {}

  async start(hartCount = 2): Promise<this> {
    const bin = await compileDevices();
    let memory: WebAssembly.Memory | undefined;
    const env = {
      ...makeDeviceImports(() => memory!, { disks: this.disks }),
      abort(_m: number, _f: number, line: number, col: number) { throw new Error(`abort at ${line}:${col}`); },
    };
    const { instance } = await WebAssembly.instantiate(bin, { env } as WebAssembly.Imports);
    this.core = instance.exports as unknown as DevicesCore;
    memory = this.core.memory;
    this.ramOffset = this.core.RAM.value;
    this.core.setRamSize(BigInt(RAM_SIZE));
    this.core.devicesInit(hartCount);
    return this;
  }

  get bytes(): Uint8Array { return new Uint8Array(this.core.memory.buffer); }
  get dv(): DataView { return new DataView(this.core.memory.buffer); }
  /** Linear-memory offset of a guest physical RAM address. */
  lin(gpa: number): number { return this.ramOffset + (gpa - RAM_BASE); }
  ram(gpa: number, len: number): Uint8Array { return this.bytes.subarray(this.lin(gpa), this.lin(gpa) + len); }

  /** mip bits the devices drive into hart h. */
  mip(h: number): number { return Number(this.core.irqLines(h)); }
}

export const MIP_SEIP = 1 << 9;
export const MIP_MEIP = 1 << 11;
