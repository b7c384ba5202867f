// QEMU's migration, as wasmvirt has it: the whole machine state written to a command's stdin
// (`exec:CMD`) or to a file (`file:PATH`), and read back with -incoming / migrate-incoming. One pass
// (the machine is stopped, then saved), so "active" lasts as long as serialising and writing take.
// Status, statistics, capabilities and events follow QEMU 7.2's QMP shapes.
import { spawn, type ChildProcess } from "node:child_process";
import { open, readFile } from "node:fs/promises";
import { openSync, closeSync, fstatSync, read, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { SaveStats } from "../messages.js";
import { RAM_PAGE } from "./format.js";
import { strerror } from "../../errno.js";
import { traceStart } from "../../start-trace.js";

export type MigrationStatus =
  | "none"
  | "setup"
  | "cancelling"
  | "cancelled"
  | "active"
  | "postcopy-active"
  | "postcopy-paused"
  | "postcopy-recover"
  | "completed"
  | "failed"
  | "colo"
  | "pre-switchover"
  | "device"
  | "wait-unplug";

/** QEMU 7.2's migration capabilities, in query-migrate-capabilities order. */
export const CAPABILITIES = [
  "xbzrle",
  "rdma-pin-all",
  "auto-converge",
  "zero-blocks",
  "compress",
  "events",
  "postcopy-ram",
  "x-colo",
  "release-ram",
  "block",
  "return-path",
  "pause-before-switchover",
  "multifd",
  "dirty-bitmaps",
  "postcopy-blocktime",
  "late-block-activate",
  "x-ignore-shared",
  "validate-uuid",
  "background-snapshot",
  "zero-copy-send",
  "postcopy-preempt",
] as const;
export type Capability = (typeof CAPABILITIES)[number];
/** What a wasmvirt state already does or may do: zero pages are always skipped, events and block are real. */
const SUPPORTED: ReadonlySet<string> = new Set(["events", "block", "zero-blocks"]);

export class MigrationError extends Error {}

/** A migration URI: where the state goes to or comes from. */
export type Endpoint = { kind: "exec"; command: string } | { kind: "file"; path: string };

export function parseUri(uri: string): Endpoint {
  if (uri.startsWith("exec:")) {
    if (uri.length === 5) throw new MigrationError("Parameter 'uri' expects a valid migration protocol");
    return { kind: "exec", command: uri.slice(5) };
  }
  if (uri.startsWith("file:")) {
    if (uri.length === 5) throw new MigrationError("Parameter 'uri' expects a valid migration protocol");
    return { kind: "file", path: uri.slice(5) };
  }
  const scheme = /^([a-z]+):/.exec(uri)?.[1];
  if (scheme && ["tcp", "unix", "fd", "rdma", "vsock"].includes(scheme)) {
    throw new MigrationError(`wasmvirt does not support ${scheme}: migration (use exec:COMMAND or file:PATH)`);
  }
  throw new MigrationError("Parameter 'uri' expects a valid migration protocol");
}

/** What the migration needs from the machine. */
export interface MigratableMachine {
  readonly state: string;
  readonly running: boolean;
  readonly ramSize: bigint;
  readonly blockDevices: readonly { size: number }[];
  /** Pause for the save; resolves after STOP. */
  stop(): Promise<void>;
  cont(): Promise<void>;
  setRunState(s: string): void;
  saveState(blk: boolean): Promise<{ parts: Uint8Array[]; stats: SaveStats }>;
  loadState(input: Uint8Array | { state: unknown; size: number }): Promise<void>;
  emit(event: string, ...args: unknown[]): boolean;
}

interface Stats {
  status: MigrationStatus;
  start: number;
  setupMs: number;
  end?: number;
  downtimeMs?: number;
  save?: SaveStats;
  transferred: number;
  blk: boolean;
  error?: string;
  incoming: boolean;
}

/**
 * Starts `sh -c command` with a pipe on its stdin; `write(parts)` feeds the state and resolves when the command
 * has exited. Started before the machine is saved, so that the command's start-up overlaps the save.
 */
function openCommand(command: string): { child: ChildProcess; write(parts: Uint8Array[]): Promise<number> } {
  const child = spawn("/bin/sh", ["-c", command], { stdio: ["pipe", "ignore", "inherit"] });
  let pipeError: string | undefined;
  let spawnError: string | undefined;
  // A command that exits without reading everything (EPIPE) did not get the state, whatever its status.
  child.stdin!.on("error", (e: NodeJS.ErrnoException) => {
    pipeError ??= e.code === "EPIPE" ? "Broken pipe" : e.message;
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("error", (e) => {
      spawnError = e.message;
      resolve({ code: -1, signal: null });
    });
    child.on("close", (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    async write(parts) {
      let written = 0;
      const feed = (async () => {
        for (const p of parts) {
          if (child.stdin!.destroyed) return;
          if (!child.stdin!.write(p)) await Promise.race([new Promise((r) => child.stdin!.once("drain", r)), closed]);
          written += p.length;
        }
        child.stdin!.end();
      })();
      feed.catch(() => {
        /* a closed pipe: pipeError or the exit status reports it */
      });
      const { code, signal } = await closed;
      if (spawnError) throw new MigrationError(`failed to run '${command}': ${spawnError}`);
      if (signal) throw new MigrationError(`'${command}' was killed by ${signal}`);
      if (code !== 0) throw new MigrationError(`'${command}' exited with status ${code}`);
      if (pipeError) throw new MigrationError(`Unable to write to command: ${pipeError}`);
      return written;
    },
  };
}

async function writeToFile(path: string, parts: Uint8Array[]): Promise<number> {
  let fh;
  // 0600: the state file holds all of guest RAM (QEMU creates memsave files 0600 for the same reason).
  try {
    fh = await open(path, "w", 0o600);
  } catch (e) {
    throw new MigrationError(`Could not open '${path}': ${(e as Error).message}`);
  }
  let n = 0;
  try {
    for (const p of parts) {
      await fh.write(p);
      n += p.length;
    }
  } finally {
    await fh.close();
  }
  return n;
}

/** Reads a whole state from a command's stdout or a file. */
export async function readEndpoint(ep: Endpoint): Promise<Uint8Array> {
  if (ep.kind === "file") {
    try {
      return await readFile(ep.path);
    } catch (e) {
      throw new MigrationError(`Could not open '${ep.path}': ${strerror(e)}`);
    }
  }
  const file = anonymousFile();
  return file === undefined ? readCommandPipe(ep.command) : readCommandFile(ep.command, file);
}

/** An open, already unlinked temporary file (nothing is left behind, whatever happens), or undefined. */
function anonymousFile(): number | undefined {
  try {
    const dir = mkdtempSync(join(tmpdir(), "wasmvirt-incoming-"));
    try {
      return openSync(join(dir, "state"), "w+", 0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } catch {
    return undefined;
  }
}

function runCommand(command: string, stdout: "pipe" | number): { child: ChildProcess; done: Promise<void> } {
  const child = spawn("/bin/sh", ["-c", command], { stdio: ["ignore", stdout, "inherit"] });
  const done = new Promise<void>((resolve, reject) => {
    child.on("error", (e) => reject(new MigrationError(`failed to run '${command}': ${e.message}`)));
    child.on("close", (code) => {
      if (code !== 0) reject(new MigrationError(`'${command}' exited with status ${code}`));
      else resolve();
    });
  });
  return { child, done };
}

/**
 * exec:COMMAND writing into a temporary file: the command runs at full speed while this thread builds the
 * machine (through a pipe it would stall every 64 KiB until this thread reads), and the state is read in
 * one go, on the thread pool, once it has exited.
 */
async function readCommandFile(command: string, fd: number): Promise<Uint8Array> {
  try {
    await runCommand(command, fd).done;
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(size);
    for (let at = 0; at < size; ) {
      const n = await new Promise<number>((resolve, reject) =>
        read(fd, buf, at, size - at, at, (e, got) => (e ? reject(e) : resolve(got))),
      );
      if (n === 0) throw new MigrationError(`'${command}': its output shrank while it was read`);
      at += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** exec:COMMAND through a pipe (when no temporary file can be made). */
function readCommandPipe(command: string): Promise<Uint8Array> {
  const { child, done } = runCommand(command, "pipe");
  const chunks: Buffer[] = [];
  child.stdout!.on("data", (d: Buffer) => chunks.push(d));
  return done.then(() => Buffer.concat(chunks));
}

export class Migration {
  private caps = new Set<string>();
  private stats: Stats | undefined;
  private child: ChildProcess | undefined;
  private cancelRequested = false;
  /** -incoming defer: waiting for migrate-incoming. */
  incomingDeferred = false;
  /** The machine was started with -incoming (defer or a URI). */
  incomingExpected = false;
  private incomingStarted = false;
  /** `cont` during inmigrate: run once the state is in (QEMU's autostart). */
  autostart = true;
  /** The outgoing migration's end (completed, failed or cancelled). */
  private finishedPromise: Promise<void> = Promise.resolve();

  constructor(private machine: MigratableMachine) {}

  capabilities(): { capability: string; state: boolean }[] {
    return CAPABILITIES.map((c) => ({ state: this.caps.has(c), capability: c }));
  }

  setCapabilities(list: { capability: string; state: boolean }[]): void {
    if (this.inProgress()) throw new MigrationError("There's a migration process in progress");
    for (const c of list) {
      if (c.state && !SUPPORTED.has(c.capability))
        throw new MigrationError(`Migration capability '${c.capability}' is not supported by wasmvirt`);
    }
    for (const c of list) {
      if (c.state) this.caps.add(c.capability);
      else this.caps.delete(c.capability);
    }
  }

  inProgress(): boolean {
    return !!this.stats && ["setup", "active", "cancelling"].includes(this.stats.status);
  }

  private setStatus(s: MigrationStatus) {
    this.stats!.status = s;
    if (this.caps.has("events")) this.machine.emit("migration", { status: s });
  }

  /** QMP migrate: validates, answers at once (after the setup event), then runs. */
  start(uri: string, blk: boolean): void {
    if (this.inProgress()) throw new MigrationError("There's a migration process in progress");
    if (this.machine.state === "postmigrate")
      throw new MigrationError("Can't migrate the vm that was paused due to previous migration");
    if (this.machine.state === "inmigrate") throw new MigrationError("Guest is waiting for an incoming migration");
    const withBlk = blk || this.caps.has("block");
    this.stats = {
      status: "none",
      start: performance.now(),
      setupMs: 0,
      transferred: 0,
      blk: withBlk,
      incoming: false,
    };
    this.cancelRequested = false;
    this.setStatus("setup");
    // As QEMU: a URI it cannot use is a migration that failed in setup (events setup, failed), and an error.
    let ep: Endpoint;
    try {
      ep = parseUri(uri);
    } catch (e) {
      this.stats.end = performance.now();
      this.setStatus("failed");
      throw e;
    }
    this.finishedPromise = new Promise((resolve) =>
      setImmediate(() => {
        void this.run(ep, withBlk).finally(resolve);
      }),
    );
  }

  private async run(ep: Endpoint, blk: boolean) {
    const st = this.stats!;
    const wasRunning = this.machine.running;
    const stateBefore = this.machine.state;
    st.setupMs = performance.now() - st.start;
    if (this.caps.has("events")) this.machine.emit("migration-pass", { pass: 1 });
    this.setStatus("active");
    let stoppedAt = 0;
    const command = ep.kind === "exec" ? openCommand(ep.command) : undefined;
    this.child = command?.child;
    try {
      if (this.cancelRequested) throw new CancelledError();
      stoppedAt = performance.now();
      traceStart("save: stopping");
      await this.machine.stop();
      traceStart("save: stopped");
      this.machine.setRunState("finish-migrate");
      // The pass that runs with the machine stopped (QEMU's final RAM sync, also its pass 2).
      if (this.caps.has("events")) this.machine.emit("migration-pass", { pass: 2 });
      const { parts, stats } = await this.machine.saveState(blk);
      st.save = stats;
      traceStart("save: state received");
      if (this.cancelRequested) throw new CancelledError();
      st.transferred = command ? await command.write(parts) : await writeToFile((ep as { path: string }).path, parts);
      this.child = undefined;
      traceStart("save: written");
      if (this.cancelRequested) throw new CancelledError();
      st.end = performance.now();
      st.downtimeMs = st.end - stoppedAt;
      this.machine.setRunState("postmigrate");
      this.setStatus("completed");
    } catch (e) {
      if (this.child && this.child.exitCode === null) this.child.kill("SIGTERM");
      this.child = undefined;
      st.end = performance.now();
      if (e instanceof CancelledError || this.cancelRequested) this.setStatus("cancelled");
      else {
        st.error = (e as Error).message;
        this.setStatus("failed");
      }
      // The source keeps its machine: back to where it was.
      if (stoppedAt) {
        if (wasRunning) {
          this.machine.setRunState("paused");
          await this.machine.cont().catch(() => undefined);
        } else this.machine.setRunState(stateBefore);
      }
    }
  }

  /** Resolves when the current outgoing migration has ended; its status says how. */
  finished(): Promise<void> {
    return this.finishedPromise;
  }

  cancel(): void {
    if (!this.inProgress() || this.stats!.incoming) return;
    this.cancelRequested = true;
    this.setStatus("cancelling");
    this.child?.kill("SIGTERM");
  }

  /** migrate-incoming: validates synchronously (so the command can answer the error), then loads. */
  incomingChecked(uri: string): Promise<void> {
    if (this.incomingStarted) throw new MigrationError("The incoming migration has already been started");
    parseUri(uri);
    return this.incoming(uri);
  }

  /**
   * -incoming / migrate-incoming: load the state; resolves when the machine runs (or waits, with -S).
   * `prefetched`: the state's bytes, already being read (the command line starts reading while the
   * machine is still being built).
   */
  async incoming(uri: string, prefetched?: Promise<{ state: unknown; size: number }>): Promise<void> {
    if (this.incomingStarted) throw new MigrationError("The incoming migration has already been started");
    const ep = parseUri(uri);
    this.incomingStarted = true;
    this.incomingDeferred = false;
    this.stats = { status: "none", start: performance.now(), setupMs: 0, transferred: 0, blk: false, incoming: true };
    this.setStatus("setup");
    await new Promise((r) => setImmediate(r));
    this.setStatus("active");
    try {
      const input = await (prefetched ?? readEndpoint(ep));
      this.stats.transferred = input instanceof Uint8Array ? input.length : input.size;
      await this.machine.loadState(input as Uint8Array);
    } catch (e) {
      this.stats.error = (e as Error).message;
      this.stats.end = performance.now();
      this.setStatus("failed");
      throw e;
    }
    this.stats.end = performance.now();
    this.machine.setRunState("paused");
    if (this.autostart) await this.machine.cont();
    this.setStatus("completed");
  }

  /** query-migrate, in QEMU's shape. */
  query(): Record<string, unknown> {
    const st = this.stats;
    if (!st) return {};
    if (st.incoming) {
      const out: Record<string, unknown> = { status: st.status };
      if (st.status === "failed" && st.error) out["error-desc"] = st.error;
      return out;
    }
    if (st.status === "setup") return { status: "setup" };
    const now = st.end ?? performance.now();
    const out: Record<string, unknown> = { status: st.status };
    if (st.status === "cancelled" || st.status === "cancelling") return out;
    if (st.status === "failed") {
      if (st.error) out["error-desc"] = st.error;
      return out;
    }
    out["setup-time"] = Math.round(st.setupMs);
    if (st.downtimeMs !== undefined) out.downtime = Math.round(st.downtimeMs);
    else out["expected-downtime"] = 300;
    out["total-time"] = Math.round(now - st.start);
    const total = Number(this.machine.ramSize);
    const pages = total / RAM_PAGE;
    const normal = st.save?.ramNonZeroPages ?? 0;
    const transferred = st.transferred;
    const seconds = Math.max((now - st.start) / 1000, 1e-3);
    out.ram = {
      total,
      "postcopy-requests": 0,
      "dirty-sync-count": st.status === "completed" ? 1 : 0,
      "multifd-bytes": 0,
      "pages-per-second": 0,
      "downtime-bytes": 0,
      "page-size": RAM_PAGE,
      remaining: st.status === "completed" ? 0 : total,
      "postcopy-bytes": 0,
      mbps: (transferred * 8) / 1e6 / seconds,
      transferred,
      "dirty-sync-missed-zero-copy": 0,
      "precopy-bytes": transferred,
      duplicate: st.save ? pages - normal : 0,
      "dirty-pages-rate": 0,
      skipped: 0,
      "normal-bytes": normal * RAM_PAGE,
      normal,
    };
    if (st.blk) {
      const disk = this.machine.blockDevices.reduce((n, d) => n + d.size, 0);
      out.disk = {
        total: disk,
        remaining: st.status === "completed" ? 0 : disk,
        transferred: st.status === "completed" ? disk : 0,
      };
    }
    return out;
  }

  /** HMP info migrate, in QEMU's layout. */
  infoText(): string {
    let out =
      "globals:\nstore-global-state: on\nonly-migratable: off\nsend-configuration: on\nsend-section-footer: on\n" +
      "decompress-error-check: on\nclear-bitmap-shift: 18\n";
    const q = this.query() as Record<string, any>;
    if (!q.status) return out;
    out += `Migration status: ${q.status}`;
    if (q.status === "failed" && q["error-desc"]) out += ` (${q["error-desc"]})`;
    out += "\n";
    out += `total time: ${q["total-time"] ?? 0} ms\n`;
    if (this.stats!.incoming) return out;
    if (q.downtime !== undefined) out += `downtime: ${q.downtime} ms\n`;
    if (q["expected-downtime"] !== undefined) out += `expected downtime: ${q["expected-downtime"]} ms\n`;
    if (q["setup-time"] !== undefined) out += `setup: ${q["setup-time"]} ms\n`;
    if (q.ram) {
      const r = q.ram;
      out +=
        `transferred ram: ${Math.floor(r.transferred / 1024)} kbytes\nthroughput: ${r.mbps.toFixed(2)} mbps\n` +
        `remaining ram: ${Math.floor(r.remaining / 1024)} kbytes\ntotal ram: ${Math.floor(r.total / 1024)} kbytes\n` +
        `duplicate: ${r.duplicate} pages\nskipped: ${r.skipped} pages\nnormal: ${r.normal} pages\n` +
        `normal bytes: ${Math.floor(r["normal-bytes"] / 1024)} kbytes\ndirty sync count: ${r["dirty-sync-count"]}\n` +
        `page size: ${r["page-size"] / 1024} kbytes\nmultifd bytes: 0 kbytes\npages-per-second: 0\n` +
        `precopy ram: ${Math.floor(r["precopy-bytes"] / 1024)} kbytes\n`;
    }
    if (q.disk) {
      out +=
        `transferred disk: ${Math.floor(q.disk.transferred / 1024)} kbytes\nremaining disk: ${Math.floor(q.disk.remaining / 1024)} kbytes\n` +
        `total disk: ${Math.floor(q.disk.total / 1024)} kbytes\n`;
    }
    return out;
  }
}

class CancelledError extends Error {}
