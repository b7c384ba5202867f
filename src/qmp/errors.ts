// QMP error replies: a QEMU error class and a human-readable description.

export type ErrorClass = "GenericError" | "CommandNotFound" | "DeviceNotFound" | "KVMMissingCap" | "JSONParsing";

export class QmpError extends Error {
  constructor(
    readonly errorClass: ErrorClass,
    desc: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(desc);
  }
}

export const genericError = (desc: string) => new QmpError("GenericError", desc);

/** strerror(3) texts, as QEMU prints them in its error replies (one table for the whole host). */
export { strerror } from "../errno.js";
