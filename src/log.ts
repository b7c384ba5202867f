// The logger: pino, written to the file given with `-D FILE` / `--log FILE`, and never to stdout
// (stdout is the guest's console). Without a file, logging is silent.
import type { Logger as PinoLogger, LevelWithSilent } from "pino";
import { createRequire } from "node:module";
import * as fs from "node:fs";
import { strerror } from "./errno.js";

export type Logger = PinoLogger;

// pino is loaded only when a log file is asked for: it costs ~40 ms of start-up otherwise.
const require = createRequire(import.meta.url);
const loadPino = (): typeof import("pino").pino => (require("pino") as typeof import("pino")).pino;

/** A logger that drops everything without loading pino (the default: no -D/--log). */
function droppingLogger(): Logger {
  const noop = () => {};
  const l: Record<string, unknown> = { level: "silent", isLevelEnabled: () => false, flush: noop };
  for (const k of ["fatal", "error", "warn", "info", "debug", "trace", "silent"]) l[k] = noop;
  l.child = () => l;
  return l as unknown as Logger;
}

export interface LogOptions {
  /** Log file path (`-D FILE` or `--log FILE`); undefined = no logging. */
  file?: string;
  /** The log file already opened with openLogFile (preferred: errors were reported at start-up). */
  fd?: number;
  level?: LevelWithSilent;
  name?: string;
}

/**
 * Create the process logger. Writes synchronously so that the last lines before an exit (a quit,
 * a signal) reach the file.
 */
export function createLogger(opts: LogOptions = {}): Logger {
  const name = opts.name ?? "wasmvirt";
  if (opts.fd === undefined && !opts.file) return droppingLogger();
  const pino = loadPino();
  const dest = pino.destination({ fd: opts.fd ?? openLogFile(opts.file!), sync: true });
  return pino({ name, level: opts.level ?? (process.env.WASMVIRT_LOG_LEVEL as LevelWithSilent) ?? "info" }, dest);
}

export class LogFileError extends Error {}

/**
 * Open (create 0600, append) the log file, as QEMU's -D does but never creating directories; a
 * FIFO nobody reads is refused instead of waited on. Throws LogFileError with QEMU's one-line message.
 */
export function openLogFile(path: string): number {
  const fail = (e: unknown): never => {
    throw new LogFileError(`Error opening logfile ${path}: ${strerror(e)}`);
  };
  const { O_WRONLY, O_APPEND, O_CREAT, O_NONBLOCK } = fs.constants;
  let isFifo = false;
  try {
    isFifo = fs.statSync(path).isFIFO();
  } catch {
    /* created below */
  }
  try {
    if (isFifo) fs.closeSync(fs.openSync(path, O_WRONLY | O_NONBLOCK)); // ENXIO when nobody reads
    const fd = fs.openSync(path, O_WRONLY | O_APPEND | O_CREAT, 0o600);
    if (fs.fstatSync(fd).isDirectory()) {
      fs.closeSync(fd);
      fail(Object.assign(new Error(), { code: "EISDIR" }));
    }
    return fd;
  } catch (e) {
    if (e instanceof LogFileError) throw e;
    return fail(e);
  }
}

/** Pull `-D FILE` / `--log FILE` / `--log=FILE` out of an argument list; returns the file and the rest. */
export function extractLogOption(argv: string[]): { file?: string; rest: string[] } {
  const rest: string[] = [];
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if ((a === "-D" || a === "--log") && i + 1 < argv.length) {
      file = argv[++i];
      continue;
    }
    if (a.startsWith("--log=")) {
      file = a.slice(6);
      continue;
    }
    rest.push(a);
  }
  return { file, rest };
}

/** A logger that drops everything (tests, library use). */
export const silentLogger = (): Logger => droppingLogger();
