// The logger: pino, written to the file given with `-D FILE` / `--log FILE`, and never to stdout
// (stdout is the guest's console). Without a file, logging is silent.
import { pino, type Logger as PinoLogger } from "pino";

export type Logger = PinoLogger;

export interface LogOptions {
  /** Log file path (`-D FILE` or `--log FILE`); undefined = no logging. */
  file?: string;
  level?: pino.LevelWithSilent;
  name?: string;
}

/**
 * Create the process logger. Writes synchronously so that the last lines before an exit (a quit,
 * a signal) reach the file.
 */
export function createLogger(opts: LogOptions = {}): Logger {
  const name = opts.name ?? "wasmvirt";
  if (!opts.file) return pino({ name, level: "silent" });
  const dest = pino.destination({ dest: opts.file, sync: true, mkdir: true });
  return pino({ name, level: opts.level ?? (process.env.WASMVIRT_LOG_LEVEL as pino.LevelWithSilent) ?? "info" }, dest);
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
export const silentLogger = (): Logger => pino({ level: "silent" });
