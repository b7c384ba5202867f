import type { JitInfo } from "./jit-host.js";
// The contract between the machine (CPU worker, devices, disks) and everything that
// controls it: the QMP monitor, the console escapes, signal handlers.
// State changes are reported by events emitted by the machine itself, after they happened.
import type { EventEmitter } from "node:events";
import type { Migration } from "./snapshot/migration.js";

/** QEMU's RunState names, as query-status reports them. */
export type RunState =
  | "prelaunch"
  | "running"
  | "paused"
  | "shutdown"
  | "guest-panicked"
  | "internal-error"
  | "debug"
  | "inmigrate"
  | "finish-migrate"
  | "postmigrate";

export type ShutdownReason =
  | "host-qmp-quit"
  | "host-qmp-system-reset"
  | "host-signal"
  | "host-ui"
  | "guest-shutdown"
  | "guest-reset"
  | "guest-panic"
  | "subsystem-reset";

export interface HartRegisters {
  hart: number;
  pc: bigint;
  x: bigint[]; // x0..x31
  f: bigint[]; // f0..f31 raw bits
  priv: "M" | "S" | "U";
  csrs: Record<string, bigint>; // mstatus, mepc, mcause, satp, ... by name
}

export interface MemoryRegionInfo {
  name: string;
  kind: string;
  base: bigint;
  size: bigint;
  irq?: number;
}

export interface BlockDeviceInfo {
  device: string; // e.g. "virtio0"
  file: string;
  readOnly: boolean;
  format: "raw";
  size: number; // bytes
  /** -snapshot: the temporary file that takes the guest's writes (file is then its backing image). */
  overlay?: string;
}

export interface ChardevInfo {
  label: string;
  filename: string;
  frontendOpen: boolean;
}

/**
 * Events (all emitted after the fact):
 *  - "stop"      ()                               CPU worker has really paused
 *  - "resume"    ()                               CPU worker has really resumed
 *  - "reset"     ({guest: boolean, reason: ShutdownReason})   machine has been reset
 *  - "powerdown" ()                               the power button press was delivered
 *  - "shutdown"  ({guest: boolean, reason: ShutdownReason})   machine is shutting down (disks flushed)
 *  - "exit"      (code: number)                   process should exit with this status
 *  - "migration" ({status})                       migration status changed (only with the events capability)
 *  - "migration-pass" ({pass})                    a RAM pass began (only with the events capability)
 */
export interface MachineControl extends EventEmitter {
  readonly state: RunState;
  readonly running: boolean;
  readonly name: string | undefined; // -name
  readonly uuid: string; // -uuid or all-zero
  readonly hartCount: number;
  readonly ramSize: bigint;
  readonly memoryMap: MemoryRegionInfo[];
  readonly blockDevices: BlockDeviceInfo[];
  readonly chardevs: ChardevInfo[];
  /** Save/restore (QMP migrate, -incoming); absent on machines that cannot be saved. */
  readonly migration?: Migration;

  /** Pause all harts; resolves once the worker is paused (after "stop" was emitted). No-op if already paused. */
  stop(): Promise<void>;
  /** Resume; resolves once running (after "resume"). Throws Error with a QEMU-like message if it cannot run. */
  cont(): Promise<void>;
  /** Full machine reset, as QMP system_reset. Resolves after "reset". */
  reset(reason: ShutdownReason): Promise<void>;
  /** Press the power button (virtio-input KEY_POWER). Resolves after "powerdown". */
  powerdown(): Promise<void>;
  /** Send key events to the virtio keyboard. qcode names as QEMU (e.g. "power", "a", "ret"). */
  sendKeys(events: { qcode: string; down: boolean }[]): Promise<void>;
  /** Flush disks, emit "shutdown", then "exit". */
  quit(reason: ShutdownReason): Promise<void>;
  /** Register state of each hart (machine is briefly paused if running). */
  readRegisters(): Promise<HartRegisters[]>;
  /** The translation tier's mode and counters (HMP info jit); absent where there is no core. */
  jitInfo?(): Promise<JitInfo>;
  /** Guest physical memory; throws Error if the range is not backed by RAM/ROM. */
  readPhysical(addr: bigint, length: number): Promise<Uint8Array>;
  /** Guest virtual memory as seen by a hart's current translation; throws Error on an unmapped page. */
  readVirtual(hart: number, addr: bigint, length: number): Promise<Uint8Array>;
}
