// The logger: pino, written to the file given with `-D FILE` / `--log FILE`, and never to stdout
// (stdout is the guest's console). Without a file, logging is silent.
import type { Logger as PinoLogger, LevelWithSilent } from "pino";
import { createRequire } from "node:module";

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
  level?: LevelWithSilent;
  name?: string;
}

/**
 * Create the process logger. Writes synchronously so that the last lines before an exit (a quit,
 * a signal) reach the file.
 */
export function createLogger(opts: LogOptions = {}): Logger {
  const name = opts.name ?? "wasmvirt";
  if (!opts.file) return droppingLogger();
  const pino = loadPino();
  const dest = pino.destination({ dest: opts.file, sync: true, mkdir: true });
  return pino({ name, level: opts.level ?? (process.env.WASMVIRT_LOG_LEVEL as LevelWithSilent) ?? "info" }, dest);
}

/** Pull `-D FILE` / `--log FILE` / `--log=FILE` out of an argument list; returns the file and the rest. */
export function extractLogOption(argv: string[]): { file?: string; rest: string[] } {
  const rest: string[] = [];
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if ((a === "-D" || a === "--log") && i + 1 < argv.length) { file = argv[++i]; continue; }
    if (a.startsWith("--log=")) { file = a.slice(6); continue; }
    rest.push(a);
  }
  return { file, rest };
}

/** A logger that drops everything (tests, library use). */
export const silentLogger = (): Logger => droppingLogger();
