// Opening a -drive image in the main thread, before anything runs: every reason it cannot be used
// (missing, a directory, a FIFO or character device, not writable, locked by another process) is a
// one-line start-up error naming the file, as QEMU's are. The CPU worker then uses the descriptor.
import * as fs from "node:fs";
import { lockImage, lockingAvailable, ImageLockError } from "./lock.js";
import { strerror as why } from "../errno.js";

export type LockingMode = "auto" | "on" | "off";

export interface OpenedImage {
  fd: number;
  size: number;
  /** Whether QEMU-style locks are held on fd. */
  locked: boolean;
}

export class ImageOpenError extends Error {}

/** Size of an open block device, which fstat reports as 0: the last readable byte. */
function blockDeviceSize(fd: number): number {
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

const notRegular = (path: string) => new ImageOpenError(`'file' driver requires '${path}' to be a regular file`);

let warnedNoLocking = false;

/**
 * Open `path` for a virtio-blk drive. `onWarning` receives a one-line notice when locking was asked
 * for (auto) but this host cannot lock.
 */
export function openImage(
  path: string,
  opts: { readOnly: boolean; locking?: LockingMode; writeThrough?: boolean; onWarning?: (msg: string) => void },
): OpenedImage {
  // Look before opening: opening a FIFO would wait for a writer (QEMU hangs there), a character
  // device is no disk.
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (e) {
    throw new ImageOpenError(`Could not open '${path}': ${why(e)}`);
  }
  if (!st.isFile() && !st.isBlockDevice()) throw notRegular(path);
  let fd: number;
  try {
    fd = fs.openSync(
      path,
      (opts.readOnly ? fs.constants.O_RDONLY : fs.constants.O_RDWR) |
        fs.constants.O_NONBLOCK |
        (opts.writeThrough && !opts.readOnly ? fs.constants.O_DSYNC : 0),
    );
  } catch (e) {
    throw new ImageOpenError(`Could not open '${path}': ${why(e)}`);
  }
  try {
    const fst = fs.fstatSync(fd); // the file we opened, not the one we looked at
    if (!fst.isFile() && !fst.isBlockDevice()) throw notRegular(path);
    const size = fst.isFile() ? fst.size : blockDeviceSize(fd);
    // Read one byte so that an unreadable image fails now, with its name, not later in the guest.
    if (size > 0) {
      try {
        fs.readSync(fd, Buffer.alloc(1), 0, 1, 0);
      } catch (e) {
        throw new ImageOpenError(`Could not read '${path}': ${why(e)}`);
      }
    }
    let locked = false;
    const mode = opts.locking ?? "auto";
    if (mode !== "off") {
      try {
        locked = lockImage(fd, path, opts.readOnly);
      } catch (e) {
        if (e instanceof ImageLockError) throw new ImageOpenError(e.message);
        throw e;
      }
      if (!locked) {
        const avail = lockingAvailable();
        const reason = avail.ok ? "unknown" : avail.why;
        if (mode === "on")
          throw new ImageOpenError(`Could not lock '${path}': image locking is not available (${reason})`);
        if (!warnedNoLocking) {
          warnedNoLocking = true;
          opts.onWarning?.(
            `warning: disk images are not locked (${reason}); another process could open '${path}' for writing too`,
          );
        }
      }
    }
    return { fd, size, locked };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}
