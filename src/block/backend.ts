// The small interface a virtio-blk device needs from its storage (TinyEMU's BlockDevice
// idea): byte-addressed synchronous reads and writes, a flush, a size. The CPU runs in a
// worker thread, so blocking file calls are fine here.

export interface BlockBackend {
  /** Image size in bytes (the guest sees floor(size / 512) sectors). */
  readonly size: number;
  readonly readOnly: boolean;
  /** What to show the user (file name, "memory"...). */
  readonly description: string;
  /** Fill buf from byte offset; bytes past the end of the image read as zeros. Throws on I/O error. */
  read(buf: Uint8Array, offset: number): void;
  /** Write buf at byte offset. Throws on I/O error or on a read-only backend. */
  write(buf: Uint8Array, offset: number): void;
  /** Make every completed write durable. */
  flush(): void;
  close(): void;
}

export class BlockReadOnlyError extends Error {
  constructor(description: string) {
    super(`Block device '${description}' is read-only`);
    this.name = "BlockReadOnlyError";
  }
}
