// A disk that lives in a byte array: for tests, and for guests that need a scratch disk.
import { type BlockBackend, BlockReadOnlyError } from "./backend.js";

export class MemoryBlockBackend implements BlockBackend {
  readonly data: Uint8Array;
  readonly readOnly: boolean;
  /** How many times flush() was called (tests check that the guest's flushes arrive). */
  flushes = 0;

  constructor(sizeOrData: number | Uint8Array, options: { readOnly?: boolean } = {}) {
    this.data = typeof sizeOrData === "number" ? new Uint8Array(sizeOrData) : sizeOrData;
    this.readOnly = options.readOnly ?? false;
  }

  get size(): number {
    return this.data.length;
  }
  get description(): string {
    return "memory";
  }

  read(buf: Uint8Array, offset: number): void {
    const end = Math.min(offset + buf.length, this.data.length);
    const n = Math.max(0, end - offset);
    if (n > 0) buf.set(this.data.subarray(offset, end));
    buf.fill(0, n);
  }

  write(buf: Uint8Array, offset: number): void {
    if (this.readOnly) throw new BlockReadOnlyError("memory");
    if (offset + buf.length > this.data.length) throw new RangeError("write past the end of the disk");
    this.data.set(buf, offset);
  }

  flush(): void {
    this.flushes++;
  }
  close(): void {}
}
