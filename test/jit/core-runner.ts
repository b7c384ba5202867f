// Runs a bare-metal ELF on core.wasm in this process (no worker, no CLI) with a chosen
// translation mode: for tests of the translation tier itself (the lockstep checker's counters,
// host writes through the RAM-write seam, region counts), and for tests of the hart that would
// otherwise start a CLI process per program (runInProcess).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseElf, segmentBytes } from "../../src/machine/elf.js";
import { buildBootRom } from "../../src/machine/bootrom.js";
import { drainConsoleOut } from "../../src/machine/device-imports.js";
import { RUN_POWEROFF, RUN_RESET } from "../../src/machine/core.js";
import { VIRTIO_ID, VIRTIO_SLOTS } from "../../src/machine/machine.js";
import {
  makeJitHost,
  JIT_MODES,
  DEFAULT_JIT_THRESHOLD,
  jitModeFromEnv,
  type JitModeName,
} from "../../src/machine/jit-host.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const wasmPath = join(repoRoot, "build", "core.wasm");
let module: WebAssembly.Module | undefined;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Core = Record<string, any> & { memory: WebAssembly.Memory };

export class CoreRunner {
  core!: Core;
  jit = makeJitHost(() => this.core as never);
  output = "";
  status: number | null = null;

  /** `disk`: the bytes of a virtio-blk disk in the slot QEMU fills first (-drive if=virtio), in memory. */
  constructor(elfPath: string, mode: JitModeName, threshold = 1, disk?: Uint8Array) {
    module ??= new WebAssembly.Module(readFileSync(wasmPath));
    const io = (write: boolean) => (_dev: number, offset: number, ptr: number, len: number) => {
      if (!disk || offset + len > disk.length) return -5;
      const ram = new Uint8Array(this.core.memory.buffer, ptr, len);
      if (write) disk.set(ram, offset);
      else ram.set(disk.subarray(offset, offset + len));
      return 0;
    };
    const env = {
      ...this.jit.env,
      hostMonotonicNs: () => performance.now() * 1e6,
      hostTimeNs: () => Date.now() * 1e6,
      abort: () => {
        throw new Error("core abort");
      },
      blkRead: io(false),
      blkWrite: io(true),
      blkFlush: () => (disk ? 0 : -5),
      rngFill: () => {},
    };
    this.core = new WebAssembly.Instance(module, { env } as WebAssembly.Imports).exports as Core;
    this.core.init(128 * 1024 * 1024, 1); // the CLI's default -m (the ISA programs probe the end of RAM)
    this.core.jitSetMode(JIT_MODES[mode], threshold);
    if (disk && this.core.virtioAttach(VIRTIO_SLOTS - 1, VIRTIO_ID.blk, 0, 0, disk.length) !== 0)
      throw new Error("cannot attach the disk");
    const file = readFileSync(elfPath);
    const elf = parseElf(file, elfPath);
    const fdtAddr = 0x80000000n + (120n << 20n);
    const rom = buildBootRom({ startAddr: elf.entry, fdtAddr, kernelEntry: 0n });
    this.bytes.set(rom, this.core.romOffset());
    this.core.resetMachine(0x1000);
    for (const s of elf.segments) this.writePhys(s.addr, segmentBytes(file, s));
    this.writePhys(fdtAddr, Uint8Array.of(0xd0, 0x0d, 0xfe, 0xed)); // an FDT header's magic, which csr.elf checks
  }

  get bytes(): Uint8Array {
    return new Uint8Array(this.core.memory.buffer);
  }

  /** A host write into guest RAM, reported through the seam as every host writer must. */
  writePhys(pa: bigint, data: Uint8Array): void {
    this.bytes.set(data, this.core.physToHost(pa));
    this.core.noteRamWrite(pa, data.length);
  }

  /** Runs until the guest powers off or `maxSlices` slices of `budget` instructions have run. */
  run(maxSlices = 100_000, budget = 200_000): this {
    for (let i = 0; i < maxSlices && this.status === null; i++) {
      const r = this.core.run(budget);
      this.drain();
      if (r === RUN_POWEROFF) this.status = this.core.exitStatus();
      else if (r === RUN_RESET) throw new Error("guest asked for a reset");
    }
    return this;
  }

  /** Runs until the guest powers off or the wall clock passes `deadline` (ms since the epoch). */
  runUntil(deadline: number, budget = 200_000): this {
    while (this.status === null && Date.now() < deadline) this.run(1, budget);
    return this;
  }

  drain(): void {
    this.output += Buffer.from(drainConsoleOut(this.core as never, this.core.memory)).toString("latin1");
  }

  counters(): Record<string, number> {
    return this.jit.counters(this.core as never);
  }

  /** The lockstep checker's first mismatch, readable. */
  lockstepReport(): string {
    const [pc, what, index, region, interp] = [0, 1, 2, 3, 4].map((i) => this.core.jitLockstepReport(i) as bigint);
    const kind = ["", "hart context word at +0x", "memory at host 0x", "instruction count / exit pc, ran "][
      Number(what)
    ];
    return `region entered at 0x${pc.toString(16)}: ${kind}${index.toString(16)}: translated 0x${region.toString(16)}, interpreter 0x${interp.toString(16)}`;
  }
}

/** What a run of a bare-metal program gives, in the shape test/isa/emu.ts reports a QEMU run. */
export interface ProgramRun {
  status: number | null;
  signal: null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/**
 * `wasmvirt -M virt -bios none -kernel ELF -nographic` without the process: the same core, boot ROM
 * and translation mode (WASMVIRT_JIT, the CLI's default threshold), the console as stdout and the
 * sifive_test code as status. For tests of the hart; the CLI has its own tests (test/cli.test.ts).
 */
export function runInProcess(elfPath: string, timeoutMs = 20_000, disk?: Uint8Array): ProgramRun {
  const t0 = Date.now();
  const r = new CoreRunner(elfPath, jitModeFromEnv(), DEFAULT_JIT_THRESHOLD, disk).runUntil(t0 + timeoutMs);
  return {
    status: r.status,
    signal: null,
    stdout: r.output,
    stderr: "",
    timedOut: r.status === null,
    ms: Date.now() - t0,
  };
}

/** Whether the core is built (runInProcess needs build/core.wasm). */
export const coreBuilt = existsSync(wasmPath);
