// Monitor listeners (unix, tcp, stdio, or a client connection) and event delivery: one session per
// connection, many connections per listener, machine events broadcast to every operational session.
import net from "node:net";
import fs from "node:fs";
import path from "node:path";
import type { ChardevInfo, MachineControl } from "../machine/control.js";
import type { Logger } from "../log.js";
import type { GdbControl, VersionInfo } from "./context.js";
import { toJson, type JsonObject } from "./json.js";
import { chardevFilename, type MonitorSpec } from "./options.js";
import { Session } from "./session.js";
import { strerror } from "./errors.js";

export interface StartOptions {
  version: VersionInfo;
  logger: Logger;
  gdbserver?: GdbControl;
}

export interface MonitorHandle {
  /** Stop listening, let each session finish the command it runs, close connections, remove sockets. */
  close(): Promise<void>;
  /** Number of open sessions (for tests and diagnostics). */
  readonly sessionCount: number;
}

function packageVersion(): string {
  try {
    // dist/qmp/server.js and src/qmp/server.ts both sit two levels below package.json.
    const pkg = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    return typeof pkg.version === "string" ? pkg.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}

/** Our version: QEMU 7.2 is the QEMU whose QMP we speak; `package` names wasmvirt itself. */
export const DEFAULT_VERSION: VersionInfo = {
  qemu: { major: 7, minor: 2, micro: 0 },
  package: `wasmvirt ${packageVersion()}`,
};

export class MonitorStartError extends Error {}

/** Sessions one listener serves at once unless max-sessions= says otherwise (QEMU serves one). */
export const DEFAULT_MAX_SESSIONS = 256;
/**
 * Bytes of output a session may leave unread before it is disconnected unless max-buffer= says
 * otherwise: thousands of ordinary replies, ~500 query-qmp-schema replies. QEMU buffers without limit.
 */
export const DEFAULT_MAX_BUFFER = 8 << 20;

/** Event timestamp as QEMU sends it: wall clock, microseconds. */
function timestamp(): { seconds: number; microseconds: number } {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return { seconds: Math.floor(us / 1e6), microseconds: us % 1e6 };
}

const MACHINE_EVENTS: [string, string][] = [
  ["stop", "STOP"],
  ["resume", "RESUME"],
  ["reset", "RESET"],
  ["powerdown", "POWERDOWN"],
  ["shutdown", "SHUTDOWN"],
  ["migration", "MIGRATION"],
  ["migration-pass", "MIGRATION_PASS"],
];

export async function startMonitors(
  specs: MonitorSpec[],
  machine: MachineControl,
  opts: StartOptions,
): Promise<MonitorHandle> {
  const logger = opts.logger.child({ component: "qmp" });
  const sessions = new Set<Session>();
  const servers: net.Server[] = [];
  const clientSockets: net.Socket[] = [];
  /** Every connection the listeners accepted and that is still open. */
  const accepted = new Set<net.Socket>();
  const unixPaths: string[] = [];
  let closing = false;

  const monitorChardevs = (): ChardevInfo[] =>
    specs.map((s) => ({ label: s.label, filename: chardevFilename(s.transport), frontendOpen: true }));

  const openSession = (
    input: NodeJS.ReadableStream,
    output: NodeJS.WritableStream,
    spec: MonitorSpec,
    peer: string,
  ) => {
    const session = new Session(
      input as any,
      output as any,
      {
        machine,
        version: opts.version,
        logger,
        monitorChardevs,
        pretty: spec.pretty,
        maxBuffer: spec.limits?.maxBuffer ?? DEFAULT_MAX_BUFFER,
        gdbserver: opts.gdbserver,
      },
      peer,
    );
    sessions.add(session);
    session.onClose(() => sessions.delete(session));
    session.start();
    return session;
  };

  // Events: serialised once per event (and layout), delivered in emission order.
  const listeners: [string, (...a: any[]) => void][] = [];
  for (const [name, event] of MACHINE_EVENTS) {
    const f = (data?: { guest: boolean; reason: string } & JsonObject) => {
      const msg: JsonObject = { timestamp: timestamp(), event };
      if (event === "RESET" || event === "SHUTDOWN")
        msg.data = { guest: !!data?.guest, reason: data?.reason ?? "none" };
      else if (data && (event === "MIGRATION" || event === "MIGRATION_PASS")) msg.data = { ...data };
      logger.info({ event, data: msg.data }, "qmp event");
      const lines = new Map<boolean, string>();
      for (const s of sessions) {
        const pretty = s.pretty;
        let line = lines.get(pretty);
        if (!line) {
          line = toJson(msg, pretty) + "\r\n";
          lines.set(pretty, line);
        }
        s.deliverEvent(line);
      }
    };
    machine.on(name, f);
    listeners.push([name, f]);
  }

  const removeSocketFiles = () => {
    for (const p of unixPaths) {
      try {
        fs.unlinkSync(p);
      } catch {
        /* already gone */
      }
    }
  };
  process.on("exit", removeSocketFiles);

  const handle: MonitorHandle = {
    get sessionCount() {
      return sessions.size;
    },
    async close() {
      if (closing) return;
      closing = true;
      for (const [name, f] of listeners) machine.off(name, f);
      // Stop listening, let each session finish its command and send its last replies, then drop
      // every connection still open: server.close() waits for all of them, and a client that never
      // reads or never hangs up must not keep the process from exiting.
      const stopped = Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      await Promise.all([...sessions].map((s) => s.close()));
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 200))]);
      for (const s of accepted) s.destroy();
      await stopped;
      for (const s of clientSockets) s.destroy();
      removeSocketFiles();
      process.off("exit", removeSocketFiles);
    },
  };

  try {
    for (const spec of specs) {
      const t = spec.transport;
      if (t.kind === "stdio") {
        openSession(process.stdin, process.stdout, spec, "stdio");
        continue;
      }
      if (!t.server) {
        // Client mode: wasmvirt connects to a listening QMP client (QEMU's server=off).
        const sock = await new Promise<net.Socket>((resolve, reject) => {
          const s = t.kind === "unix" ? net.connect(t.path) : net.connect(t.port, t.host);
          s.once("connect", () => resolve(s));
          s.once("error", (e) =>
            reject(
              new MonitorStartError(
                `${spec.source}: Failed to connect to '${
                  t.kind === "unix" ? t.path : `${t.host}:${t.port}`
                }': ${strerror(e)}`,
              ),
            ),
          );
        });
        clientSockets.push(sock);
        openSession(sock, sock, spec, "client");
        continue;
      }
      let firstClient: (() => void) | undefined;
      const firstConnection = new Promise<void>((r) => {
        firstClient = r;
      });
      const maxSessions = spec.limits?.maxSessions ?? DEFAULT_MAX_SESSIONS;
      let open = 0;
      const server = net.createServer({ allowHalfOpen: true }, (sock) => {
        if (closing) {
          sock.destroy();
          return;
        }
        accepted.add(sock);
        sock.once("close", () => accepted.delete(sock));
        sock.setNoDelay(true);
        const peer = t.kind === "unix" ? `unix:${t.path}` : `${sock.remoteAddress}:${sock.remotePort}`;
        if (open >= maxSessions) {
          // Beyond the bound: one clear line instead of the greeting, then close.
          logger.warn({ source: spec.source, peer, maxSessions }, "qmp session refused: listener full");
          sock.on("error", () => {
            /* the client may already be gone */
          });
          sock.end(
            toJson({
              error: {
                class: "GenericError",
                desc: `Too many QMP sessions on ${chardevFilename(t)} (max-sessions=${maxSessions}); try again later`,
              },
            }) + "\r\n",
          );
          sock.setTimeout(2000, () => sock.destroy());
          return;
        }
        open++;
        firstClient?.();
        openSession(sock, sock, spec, peer).onClose(() => {
          open--;
        });
      });
      server.on("error", (e) => logger.error({ err: e.message, source: spec.source }, "qmp listener error"));
      await new Promise<void>((resolve, reject) => {
        const onError = (e: Error) =>
          reject(
            new MonitorStartError(
              `${spec.source}: Failed to bind socket${t.kind === "unix" ? ` to ${t.path}` : ""}: ${strerror(e)}`,
            ),
          );
        server.once("error", onError);
        if (t.kind === "unix") {
          // The directory must exist: bind(2) in a missing one reports EACCES through libuv's rename
          // dance below, where QEMU names the real problem.
          try {
            const dir = fs.statSync(path.dirname(t.path));
            if (!dir.isDirectory()) throw Object.assign(new Error("ENOTDIR"), { code: "ENOTDIR" });
          } catch (e) {
            reject(new MonitorStartError(`${spec.source}: Failed to bind socket to ${t.path}: ${strerror(e)}`));
            return;
          }
          // A stale socket file from an earlier run is replaced, as QEMU does.
          try {
            if (fs.lstatSync(t.path).isSocket()) fs.unlinkSync(t.path);
          } catch {
            /* does not exist */
          }
          // Bind and listen under a temporary name, then rename into place: a client that sees the
          // path can always connect (no window between bind(2) and listen(2)), and the socket is
          // created 0600 (only its owner may connect).
          const tmp = Buffer.byteLength(t.path) + 12 < 107 ? `${t.path}.${process.pid}~` : t.path;
          try {
            fs.unlinkSync(tmp);
          } catch {
            /* not there */
          }
          const old = process.umask(0o177);
          try {
            server.listen(tmp, () => {
              server.off("error", onError);
              try {
                fs.chmodSync(tmp, 0o600);
                if (tmp !== t.path) fs.renameSync(tmp, t.path);
                resolve();
              } catch (e) {
                reject(new MonitorStartError(`${spec.source}: ${strerror(e)}`));
              }
            });
          } finally {
            process.umask(old);
          }
          unixPaths.push(t.path);
        } else {
          server.listen(t.port, t.host, () => {
            server.off("error", onError);
            resolve();
          });
        }
      });
      servers.push(server);
      logger.info({ source: spec.source, label: spec.label }, "qmp listening");
      if (t.wait) {
        process.stderr.write(`wasmvirt: waiting for connection on: ${chardevFilename(t)}\n`);
        await firstConnection;
      }
    }
  } catch (e) {
    await handle.close();
    throw e;
  }
  return handle;
}
