// strerror(3): the texts glibc prints for the error codes a host file or socket operation can hit,
// which is how QEMU words every such error ("Could not open 'x': No such file or directory").
// The one table for them: start-up errors, QMP replies, log and monitor messages all use it.

const STRERROR: Record<string, string> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  EIO: "Input/output error",
  ENXIO: "No such device or address",
  EAGAIN: "Resource temporarily unavailable",
  EACCES: "Permission denied",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  ENFILE: "Too many open files in system",
  EMFILE: "Too many open files",
  EFBIG: "File too large",
  ENOSPC: "No space left on device",
  EROFS: "Read-only file system",
  EPIPE: "Broken pipe",
  ENAMETOOLONG: "File name too long",
  ELOOP: "Too many levels of symbolic links",
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Cannot assign requested address",
  ECONNRESET: "Connection reset by peer",
  ECONNREFUSED: "Connection refused",
};

/** The strerror text of an error's code; for an error without a known code, its own message. */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code && Object.hasOwn(STRERROR, code)) return STRERROR[code];
  return e instanceof Error ? e.message : String(e);
}
