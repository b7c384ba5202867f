// -snapshot: the guest writes to a temporary overlay file; the image underneath is opened read-only
// and never modified (QEMU's meaning of -snapshot). Reads come from the overlay for every 4 KiB
// cluster the guest has written, from the image otherwise. The overlay is a sparse file of the
// image's size, deleted when the machine exits.
import * as fs from "node:fs";
import type { BlockBackend } from "./backend.js";

const CLUSTER = 4096;

export class OverlayBlockBackend implements BlockBackend {
  readonly readOnly = false;
  readonly size: number;
  private written: Uint8Array;
  private scratch = new Uint8Array(CLUSTER);

  /** base: the image (read-only); overlayFd: an empty file opened read-write. */
  constructor(
    private base: BlockBackend,
    private overlayFd: number,
    readonly overlayPath: string,
  ) {
    this.size = base.size;
    this.written = new Uint8Array(Math.ceil(this.size / CLUSTER / 8) + 1);
    fs.ftruncateSync(overlayFd, this.size);
  }

  get description(): string {
    return this.overlayPath;
  }

  private isWritten(c: number): boolean {
    return (this.written[c >> 3] & (1 << (c & 7))) !== 0;
  }

  read(buf: Uint8Array, offset: number): void {
    let done = 0;
    while (done < buf.length) {
      const pos = offset + done;
      const c = Math.floor(pos / CLUSTER);
      const n = Math.min(buf.length - done, (c + 1) * CLUSTER - pos);
      const part = buf.subarray(done, done + n);
      if (this.isWritten(c)) readFully(this.overlayFd, part, pos);
      else this.base.read(part, pos);
      done += n;
    }
  }

  write(buf: Uint8Array, offset: number): void {
    let done = 0;
    while (done < buf.length) {
      const pos = offset + done;
      const c = Math.floor(pos / CLUSTER);
      const start = c * CLUSTER;
      const n = Math.min(buf.length - done, start + CLUSTER - pos);
      if (!this.isWritten(c) && n < CLUSTER) {
        // First write to a cluster that is only partly covered: bring the rest over from the image.
        const len = Math.min(CLUSTER, this.size - start);
        this.base.read(this.scratch.subarray(0, len), start);
        this.scratch.set(buf.subarray(done, done + n), pos - start);
        writeFully(this.overlayFd, this.scratch.subarray(0, len), start);
      } else {
        writeFully(this.overlayFd, buf.subarray(done, done + n), pos);
      }
      this.written[c >> 3] |= 1 << (c & 7);
      done += n;
    }
  }

  /** The overlay is thrown away at exit: nothing to make durable. */
  flush(): void {}

  close(): void {
    try {
      fs.closeSync(this.overlayFd);
    } catch {
      /* already closed */
    }
    this.base.close();
  }
}

function readFully(fd: number, buf: Uint8Array, pos: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = fs.readSync(fd, buf, done, buf.length - done, pos + done);
    if (n === 0) {
      buf.fill(0, done);
      return;
    }
    done += n;
  }
}

function writeFully(fd: number, buf: Uint8Array, pos: number): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, pos + done);
}
