import type { JitInfo } from "./jit-host.js";
// Messages between the main thread (machine.ts) and the CPU worker (worker.ts).
import type { MachineDescription, MachineState } from "./snapshot/format.js";

export interface WorkerVirtio {
  slot: number;
  type: number;
  backend: number;
  flags: number;
  capacity: number;
}

export interface WorkerConfig {
  module: WebAssembly.Module;
  ramSize: number;
  harts: number;
  rom: Uint8Array;
  blobs: { addr: string; bytes: Uint8Array }[];
  startPc: string;
  /** Images opened (and locked) by the main thread; the worker uses the descriptors. */
  /** overlay: -snapshot's temporary file (the image at fd is then only read). */
  disks: {
    path: string;
    readOnly: boolean;
    fd: number;
    ignoreFlush?: boolean;
    overlay?: { path: string; fd: number };
  }[];
  virtio: WorkerVirtio[];
  startPaused: boolean;
  /** -incoming: the machine waits for a state instead of booting (RAM stays empty until the state arrives). */
  incoming: boolean;
  /** What a saved state must match to load here (snapshot/format.ts). */
  description: MachineDescription;
  /** Identifies the core build (a state's memory layout belongs to one build). */
  coreId: string;
  wasmvirtVersion: string;
  /** Translation tier: mode (jit-host.ts JIT_MODES) and hotness threshold. */
  jit: { mode: number; threshold: number };
}

export interface SaveStats {
  bytes: number;
  ramPages: number;
  ramNonZeroPages: number;
  ms: number;
}

export type ToWorker =
  | { type: "pause" }
  | { type: "resume" }
  | { type: "reset" }
  | { type: "quit" }
  | { type: "input"; bytes: number[] }
  /** Stop (true) or restart taking console output from the UART: the host's output is backed up. */
  | { type: "console-hold"; on: boolean }
  | { type: "key"; id: number; code: number; down: boolean }
  | { type: "powerbutton"; id: number }
  | { type: "regs"; id: number }
  | { type: "jit-info"; id: number }
  | { type: "mem"; id: number; addr: string; length: number; hart: number | null }
  /** Serialise the paused machine (snapshot/format.ts); blk: with the disks' contents. */
  | { type: "save"; id: number; blk: boolean }
  /** Replace the whole machine with a saved state (verified by the main thread; nothing changes if refused). */
  | { type: "load"; id: number; state: MachineState }
  | { type: "dbg"; id: number; req: DebugRequest }
  | { type: "dbg-step"; hart: number; irqs: boolean };

/**
 * A debugger's requests (src/gdb/ through machine.ts), answered by a "dbg" reply with the same id.
 * Memory addresses are virtual on `hart` (its current translation) or physical when hart is null.
 */
export type DebugRequest =
  | { op: "breakpoint"; insert: boolean; addr: bigint }
  | { op: "watchpoint"; insert: boolean; addr: bigint; len: bigint; kind: 1 | 2 | 3 }
  | { op: "clear" }
  | { op: "read-regs"; hart: number; regs: number[] }
  | { op: "halted"; hart: number }
  | { op: "write-regs"; hart: number; regs: [number, bigint][] }
  | { op: "read-mem"; hart: number | null; addr: bigint; length: number }
  | { op: "write-mem"; hart: number | null; addr: bigint; bytes: Uint8Array };

/** Why the machine stopped for the debugger. */
export interface DebugStopInfo {
  hart: number;
  reason: "breakpoint" | "watchpoint" | "step";
  /** The watchpoint's address and kind (1 write, 2 read, 3 access) when reason is "watchpoint". */
  watchAddr?: bigint;
  watchKind?: number;
}

export interface RawRegs {
  hart: number;
  x: bigint[];
  f: bigint[];
  csrs: Record<string, bigint>;
}

export type FromWorker =
  | { type: "ready" }
  | { type: "paused" }
  | { type: "resumed" }
  | { type: "flushed" }
  | { type: "console"; bytes: Uint8Array }
  | { type: "reset-done"; guest: boolean }
  | { type: "poweroff"; status: number }
  | { type: "key-done"; id: number; ok: boolean }
  | { type: "regs"; id: number; regs: RawRegs[] }
  | { type: "jit-info"; id: number; info: JitInfo }
  | { type: "mem"; id: number; bytes?: Uint8Array; error?: string }
  | { type: "saved"; id: number; parts?: Uint8Array[]; stats?: SaveStats; error?: string }
  | { type: "loaded"; id: number; error?: string }
  | { type: "dbg"; id: number; ok: boolean; values?: (bigint | null)[]; bytes?: Uint8Array; error?: string }
  | ({ type: "debug-stop" } & DebugStopInfo)
  | { type: "fatal"; message: string }
  | { type: "log"; level: string; message: string };
