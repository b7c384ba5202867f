// Builds test/devices/entry.ts (the device models alone, runtime stub, as the core is built)
// and instantiates it with the real host imports (src/machine/device-imports.ts).
import asc from "assemblyscript/asc";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { makeDeviceImports } from "../../src/machine/device-imports.js";
import type { BlockBackend } from "../../src/block/backend.js";

export const RAM_BASE = 0x8000_0000;
export const RAM_SIZE = 16 << 20;
const ENTRY = fileURLToPath(new URL("./entry.ts", import.meta.url));

let binary: Promise<Uint8Array> | undefined;

/** Every source the entry compiles from, hashed: the test files share one build per source state. */
function sourceHash(): string {
  const h = createHash("sha256");
  const root = fileURLToPath(new URL("../../assembly/", import.meta.url));
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(".ts")) h.update(p).update(fs.readFileSync(p));
    }
  };
  walk(path.join(root, "devices"));
  walk(path.join(root, "generated")); // the device table's dispatch and hooks
  walk(path.join(root, "jit"));
  for (const f of ["irq.ts", "layout.ts", "ram.ts"]) h.update(fs.readFileSync(path.join(root, f)));
  h.update(fs.readFileSync(ENTRY));
  return h.digest("hex").slice(0, 16);
}

/** Compile test/devices/entry.ts (asc's API, in memory), cached in the temp dir by source hash. */
export function compileDevices(): Promise<Uint8Array> {
  binary ??= (async () => {
    const cached = path.join(os.tmpdir(), `wasmvirt-devices-${sourceHash()}.wasm`);
    if (fs.existsSync(cached)) return new Uint8Array(fs.readFileSync(cached));
    let wasm: Uint8Array | undefined;
    const errors: string[] = [];
    const { error } = await asc.main(
      [ENTRY, "--runtime", "stub", "--initialMemory", "1024", "-O2", "--outFile", "devices.wasm", "--config", "none"],
      {
        writeFile(name: string, contents: string | Uint8Array) {
          if (name.endsWith(".wasm")) wasm = contents as Uint8Array;
        },
        stderr: {
          write(s: string | Uint8Array) {
            errors.push(String(s));
            return true;
          },
        } as never,
      },
    );
    if (error || !wasm) throw new Error(`asc failed: ${error?.message}\n${errors.join("")}`);
    const part = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(part, wasm);
    fs.renameSync(part, cached); // atomic: parallel test files never see half a file
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
      abort(_m: number, _f: number, line: number, col: number) {
        throw new Error(`abort at ${line}:${col}`);
      },
    };
    const { instance } = await WebAssembly.instantiate(bin, { env } as WebAssembly.Imports);
    this.core = instance.exports as unknown as DevicesCore;
    memory = this.core.memory;
    this.ramOffset = this.core.RAM.value;
    this.core.setRamSize(BigInt(RAM_SIZE));
    this.core.devicesInit(hartCount);
    return this;
  }

  get bytes(): Uint8Array {
    return new Uint8Array(this.core.memory.buffer);
  }
  get dv(): DataView {
    return new DataView(this.core.memory.buffer);
  }
  /** Linear-memory offset of a guest physical RAM address. */
  lin(gpa: number): number {
    return this.ramOffset + (gpa - RAM_BASE);
  }
  ram(gpa: number, len: number): Uint8Array {
    return this.bytes.subarray(this.lin(gpa), this.lin(gpa) + len);
  }

  /** mip bits the devices drive into hart h. */
  mip(h: number): number {
    return Number(this.core.irqLines(h));
  }
}

export const MIP_SEIP = 1 << 9;
export const MIP_MEIP = 1 << 11;
