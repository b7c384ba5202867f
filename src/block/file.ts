// Raw disk images in host files: -drive file=IMG,format=raw,if=virtio[,readonly=on].
import * as fs from "node:fs";
import { type BlockBackend, BlockReadOnlyError } from "./backend.js";
import { strerror } from "../errno.js";

export interface FileBlockOptions {
  readOnly?: boolean;
  /** An already opened (and checked, and locked) descriptor of path: see open.ts. The backend owns it. */
  fd?: number;
  /** cache=unsafe: flush() does nothing (writes still reach the host file before they complete). */
  ignoreFlush?: boolean;
}

/** Turn an fs error into the message a user needs (as QEMU words it: "Could not open 'x': ..."). */
function openError(path: string, err: NodeJS.ErrnoException, readOnly: boolean): Error {
  let why: string;
  switch (err.code) {
    case "EACCES":
    case "EPERM":
      why = readOnly ? "Permission denied" : "Permission denied (use readonly=on for a read-only image)";
      break;
    case "EROFS":
      why = "Read-only file system (use readonly=on)";
      break;
    default:
      why = strerror(err);
  }
  const e = new Error(`Could not open '${path}': ${why}`);
  (e as NodeJS.ErrnoException).code = err.code;
  return e;
}

export class FileBlockBackend implements BlockBackend {
  readonly path: string;
  readonly readOnly: boolean;
  readonly size: number;
  private fd: number;
  private readonly ignoreFlush: boolean;

  constructor(path: string, options: FileBlockOptions = {}) {
    this.path = path;
    this.readOnly = options.readOnly ?? false;
    this.ignoreFlush = options.ignoreFlush ?? false;
    let fd: number;
    if (options.fd !== undefined) fd = options.fd;
    else {
      try {
        fd = fs.openSync(path, this.readOnly ? "r" : "r+");
      } catch (err) {
        throw openError(path, err as NodeJS.ErrnoException, this.readOnly);
      }
    }
    try {
      const st = fs.fstatSync(fd);
      if (st.isDirectory())
        throw openError(path, Object.assign(new Error("EISDIR"), { code: "EISDIR" }), this.readOnly);
      if (!st.isFile() && !st.isBlockDevice()) {
        throw new Error(`Could not open '${path}': not a regular file or block device`);
      }
      // A block device reports size 0 in stat: find its end instead.
      this.size = st.isFile() ? st.size : seekEnd(fd);
      // Read one byte so that an unreadable file fails now, with its name, not in the guest.
      if (this.size > 0) fs.readSync(fd, Buffer.alloc(1), 0, 1, 0);
    } catch (err) {
      fs.closeSync(fd);
      if (err instanceof Error && err.message.startsWith("Could not open")) throw err;
      throw new Error(`Could not read '${path}': ${(err as Error).message}`);
    }
    this.fd = fd;
  }

  get description(): string {
    return this.path;
  }

  read(buf: Uint8Array, offset: number): void {
    let done = 0;
    while (done < buf.length) {
      const n = fs.readSync(this.fd, buf, done, buf.length - done, offset + done);
      if (n === 0) {
        buf.fill(0, done);
        return;
      } // past the end of the image
      done += n;
    }
  }

  write(buf: Uint8Array, offset: number): void {
    if (this.readOnly) throw new BlockReadOnlyError(this.path);
    let done = 0;
    while (done < buf.length) {
      done += fs.writeSync(this.fd, buf, done, buf.length - done, offset + done);
    }
  }

  flush(): void {
    if (!this.readOnly && !this.ignoreFlush) fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/** Size of an open block device: binary search for the last readable byte. */
function seekEnd(fd: number): number {
  const one = Buffer.alloc(1);
  let lo = 0,
    hi = 1;
  while (fs.readSync(fd, one, 0, 1, hi - 1) === 1) {
    lo = hi;
    hi *= 2;
    if (hi > 2 ** 52) break;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fs.readSync(fd, one, 0, 1, mid - 1) === 1) lo = mid;
    else hi = mid;
  }
  return lo;
}
