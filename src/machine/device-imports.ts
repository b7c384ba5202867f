// The host side of the device models: the functions core.wasm imports from "env" for its
// devices (goldfish RTC clock, virtio-blk storage, virtio-rng entropy), and helpers for
// the console rings that the UART fills and drains (assembly/devices/console_ring.ts).
import { randomFillSync } from "node:crypto";
import type { BlockBackend } from "../block/backend.js";

export interface DeviceBackends {
  /** Disk n is what virtioAttach(slot, 2, n, ...) refers to. */
  disks: BlockBackend[];
  /** Told about every failed disk operation (the guest sees an I/O error status). */
  onDiskError?: (disk: number, op: "read" | "write" | "flush", err: unknown) => void;
}

const EIO = -5;

/**
 * The env imports of the device models:
 *   hostTimeNs(): f64                                   wall clock, ns since the Unix epoch
 *   blkRead(dev, offset: f64, ptr, len): i32            0 or -errno
 *   blkWrite(dev, offset: f64, ptr, len): i32
 *   blkFlush(dev): i32
 *   rngFill(ptr, len): void
 * ptr/len address the core's linear memory (guest RAM for DMA), read through getMemory()
 * on every call because the memory may grow and detach old buffers.
 */
export function makeDeviceImports(
  getMemory: () => WebAssembly.Memory,
  backends: DeviceBackends,
): Record<string, Function> {
  const view = (ptr: number, len: number) => new Uint8Array(getMemory().buffer, ptr >>> 0, len >>> 0);
  const report = (disk: number, op: "read" | "write" | "flush", err: unknown) => {
    backends.onDiskError?.(disk, op, err);
  };
  return {
    hostTimeNs(): number {
      // performance.timeOrigin + now() keeps sub-millisecond resolution (Date.now() has none).
      return (performance.timeOrigin + performance.now()) * 1e6;
    },
    blkRead(dev: number, offset: number, ptr: number, len: number): number {
      const disk = backends.disks[dev];
      if (!disk) return EIO;
      try {
        disk.read(view(ptr, len), offset);
        return 0;
      } catch (err) {
        report(dev, "read", err);
        return EIO;
      }
    },
    blkWrite(dev: number, offset: number, ptr: number, len: number): number {
      const disk = backends.disks[dev];
      if (!disk) return EIO;
      try {
        disk.write(view(ptr, len), offset);
        return 0;
      } catch (err) {
        report(dev, "write", err);
        return EIO;
      }
    },
    blkFlush(dev: number): number {
      const disk = backends.disks[dev];
      if (!disk) return EIO;
      try {
        disk.flush();
        return 0;
      } catch (err) {
        report(dev, "flush", err);
        return EIO;
      }
    },
    rngFill(ptr: number, len: number): void {
      randomFillSync(view(ptr, len));
    },
  };
}

/** The console exports of core.wasm (assembly/devices/exports.ts). */
export interface ConsoleExports {
  consoleOutPending(): number;
  consoleOutPtr(): number;
  consoleOutConsume(n: number): void;
  consoleInFree(): number;
  consoleInPush(byte: number): number;
}

/** Take everything the guest wrote to the UART since the last call (a copy). */
export function drainConsoleOut(core: ConsoleExports, memory: WebAssembly.Memory): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const n = core.consoleOutPending();
    if (n === 0) break;
    parts.push(new Uint8Array(memory.buffer, core.consoleOutPtr(), n).slice());
    total += n;
    core.consoleOutConsume(n); // frees room: the UART may move waiting bytes in, so loop
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Queue keyboard bytes for the UART; returns how many were taken (the rest must be retried later). */
export function feedConsoleIn(core: ConsoleExports, bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && core.consoleInPush(bytes[i])) i++;
  return i;
}
