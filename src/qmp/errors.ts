// QMP error replies: a QEMU error class and a human-readable description.

export type ErrorClass = "GenericError" | "CommandNotFound" | "DeviceNotFound" | "KVMMissingCap" | "JSONParsing";

export class QmpError extends Error {
  constructor(readonly errorClass: ErrorClass, desc: string, readonly data?: Record<string, unknown>) {
    super(desc);
  }
}

export const genericError = (desc: string) => new QmpError("GenericError", desc);

/** strerror(3) texts for the errors a file operation can hit, as QEMU prints them. */
const STRERROR: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  EROFS: "Read-only file system",
  ENOSPC: "No space left on device",
  EEXIST: "File exists",
  ENAMETOOLONG: "File name too long",
  ELOOP: "Too many levels of symbolic links",
  EMFILE: "Too many open files",
  EIO: "Input/output error",
};

export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && STRERROR[code]) return STRERROR[code];
  return e instanceof Error ? e.message : String(e);
}
