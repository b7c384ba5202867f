// Disk-image locking as QEMU's file-posix driver does it (block/file-posix.c, "locking=auto|on|off"):
// each holder takes a shared (read) OFD lock on byte 100+i for every permission i it uses and on byte
// 200+i for every permission it does not let others have; before that it checks, with a test for an
// exclusive lock, that nobody else holds 200+i for a permission it wants nor 100+i for one it refuses
// to share. The bytes are QEMU's, so a wasmvirt and a QEMU on one image refuse each other the same way.
//
// What a virtio-blk drive uses, as read from /proc/locks under QEMU 7.2:
//   read-write: permissions consistent-read + write (bytes 100, 101), does not share write (201)
//   read-only:  permission consistent-read (100), does not share write (201)
// So readers share with readers; a writer excludes every other user, and a reader excludes writers.
import { createRequire } from "node:module";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

interface OfdLockModule {
  setLock(fd: number, type: number, start: number, len: number): number;
  testLock(fd: number, type: number, start: number, len: number): number;
  RDLCK: number;
  WRLCK: number;
  UNLCK: number;
}

const PERM_BASE = 100;
const SHARED_BASE = 200;
/** QEMU's BLK_PERM_* bit numbers and the names its messages use. */
const PERMS = ["consistent read", "write", "write unchanged", "resize"] as const;
const CONSISTENT_READ = 1 << 0;
const WRITE = 1 << 1;
const WRITE_UNCHANGED = 1 << 2;
const RESIZE = 1 << 3;
const ALL = CONSISTENT_READ | WRITE | WRITE_UNCHANGED | RESIZE;

let loaded: OfdLockModule | null | undefined;
let loadError = "";

/** The native helper (build/ofd_lock.node), or null where it could not be built or loaded. */
function ofd(): OfdLockModule | null {
  if (loaded !== undefined) return loaded;
  const path = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "build", "ofd_lock.node");
  try {
    loaded = createRequire(import.meta.url)(path) as OfdLockModule;
  } catch (e) {
    loaded = null;
    loadError = (e as Error).message.split("\n")[0];
  }
  return loaded;
}

/** Whether image locking works here; the reason when it does not. */
export function lockingAvailable(): { ok: true } | { ok: false; why: string } {
  if (ofd()) return { ok: true };
  return {
    ok: false,
    why:
      process.platform !== "linux"
        ? "OFD locks are Linux-only"
        : `build/ofd_lock.node: ${loadError} (run npm run build with a C compiler)`,
  };
}

export class ImageLockError extends Error {}

const ERRNO: Record<number, string> = {
  11: "Resource temporarily unavailable",
  13: "Permission denied",
  22: "Invalid argument",
  37: "No locks available",
  38: "Function not implemented",
  95: "Operation not supported",
};

/**
 * Take QEMU's locks for a virtio-blk drive on the open descriptor `fd` of image `path`. Throws
 * ImageLockError with QEMU's message when another process holds a conflicting lock; returns false
 * (nothing locked) when this host cannot lock. The locks go away when fd is closed.
 */
export function lockImage(fd: number, path: string, readOnly: boolean): boolean {
  const m = ofd();
  if (!m) return false;
  const perm = readOnly ? CONSISTENT_READ : CONSISTENT_READ | WRITE;
  const shared = CONSISTENT_READ | WRITE_UNCHANGED | RESIZE;
  const fail = (what: string, errno: number): never => {
    const hint = errno === -11 || errno === -13 ? `\nIs another process using the image [${path}]?` : "";
    throw new ImageLockError(
      `${what}${errno === -11 || errno === -13 ? "" : `: ${ERRNO[-errno] ?? `errno ${-errno}`}`}${hint}`,
    );
  };
  // Apply first (shared locks never conflict with shared locks), then look for the holders that exclude us.
  for (let i = 0; i < PERMS.length; i++) {
    const bit = 1 << i;
    if (perm & bit) {
      const r = m.setLock(fd, m.RDLCK, PERM_BASE + i, 1);
      if (r < 0) fail(`Failed to lock byte ${PERM_BASE + i}`, r);
    }
  }
  for (let i = 0; i < PERMS.length; i++) {
    const bit = 1 << i;
    if (ALL & ~shared & bit) {
      const r = m.setLock(fd, m.RDLCK, SHARED_BASE + i, 1);
      if (r < 0) fail(`Failed to lock byte ${SHARED_BASE + i}`, r);
    }
  }
  for (let i = 0; i < PERMS.length; i++) {
    if (!(perm & (1 << i))) continue;
    const r = m.testLock(fd, m.WRLCK, SHARED_BASE + i, 1);
    if (r < 0) fail(`Failed to get "${PERMS[i]}" lock`, r);
    if (r !== m.UNLCK) fail(`Failed to get "${PERMS[i]}" lock`, -11);
  }
  for (let i = 0; i < PERMS.length; i++) {
    if (shared & (1 << i)) continue;
    const r = m.testLock(fd, m.WRLCK, PERM_BASE + i, 1);
    if (r < 0) fail(`Failed to get shared "${PERMS[i]}" lock`, r);
    if (r !== m.UNLCK) fail(`Failed to get shared "${PERMS[i]}" lock`, -11);
  }
  return true;
}
