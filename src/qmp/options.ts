// QEMU's command-line words for monitors: `-qmp unix:PATH,server=on,wait=off`, `-qmp tcp:HOST:PORT,...`,
// `-qmp stdio`, and `-chardev socket,id=ID,...` + `-mon chardev=ID,mode=control`.
import { onOffError, parseOnOff, parseProps, splitOptions } from "../option-props.js";

export type MonitorTransport =
  | { kind: "unix"; path: string; server: boolean; wait: boolean }
  | { kind: "tcp"; host: string; port: number; server: boolean; wait: boolean }
  | { kind: "stdio" };

export interface MonitorSpec {
  /** Chardev label, as query-chardev shows it (compat_monitorN for -qmp, the chardev id for -mon). */
  label: string;
  transport: MonitorTransport;
  pretty: boolean;
  /** The option as the user wrote it, for messages. */
  source: string;
  /** wasmvirt's bounds for a listener (max-sessions=N, max-buffer=SIZE); defaults in server.ts. */
  limits?: ListenerLimits;
}

export interface ListenerLimits {
  /** Sessions one listener serves at once; the next client gets an error line and is closed. */
  maxSessions?: number;
  /** Bytes of replies and events a session may leave unread before it is disconnected. */
  maxBuffer?: number;
}

function parseCount(source: string, key: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || !/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) {
    throw new MonitorOptionError(`${source}: ${key} expects a number of at least ${min}`);
  }
  return n;
}

function parseByteSize(source: string, key: string, v: string | undefined): number {
  const m = v === undefined ? null : /^(\d+)([kKmMgG]?)$/.exec(v);
  const shift = m ? ({ "": 0, k: 10, m: 20, g: 30 } as Record<string, number>)[m[2].toLowerCase()] : 0;
  const n = m ? Number(m[1]) * 2 ** shift : NaN;
  if (!Number.isSafeInteger(n) || n < 4096)
    throw new MonitorOptionError(`${source}: ${key} expects a size of at least 4096 bytes (suffixes k, M, G)`);
  return n;
}

/** max-sessions= and max-buffer= of a listener, when given. */
function parseLimits(props: Map<string, string | undefined>, source: string): ListenerLimits | undefined {
  const limits: ListenerLimits = {};
  if (props.has("max-sessions")) limits.maxSessions = parseCount(source, "max-sessions", props.get("max-sessions"), 1);
  if (props.has("max-buffer")) limits.maxBuffer = parseByteSize(source, "max-buffer", props.get("max-buffer"));
  return Object.keys(limits).length > 0 ? limits : undefined;
}

export class MonitorOptionError extends Error {}

function parseBool(opt: string, v: string | undefined): boolean {
  const b = parseOnOff(v);
  if (b === undefined) throw new MonitorOptionError(onOffError(opt));
  return b;
}

function socketTransport(
  kind: "unix" | "tcp",
  address: string,
  props: Map<string, string | undefined>,
  source: string,
): MonitorTransport {
  const server = props.has("server") ? parseBool("server", props.get("server")) : false;
  const wait = props.has("wait") ? parseBool("wait", props.get("wait")) : true;
  if (kind === "unix") {
    if (!address) throw new MonitorOptionError(`${source}: missing socket path`);
    return { kind, path: address, server, wait: server && wait };
  }
  const colon = address.lastIndexOf(":");
  if (colon < 0) throw new MonitorOptionError(`${source}: address should be HOST:PORT`);
  let host = address.slice(0, colon);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const port = Number(address.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new MonitorOptionError(`${source}: invalid port '${address.slice(colon + 1)}'`);
  }
  return { kind, host: host || "0.0.0.0", port, server, wait: server && wait };
}

/** Parse a `-qmp`/`-qmp-pretty` value into a transport. */
export function parseQmpValue(value: string, source: string): MonitorTransport {
  const [head, ...rest] = splitOptions(value);
  const props = parseProps(rest);
  for (const k of props.keys()) {
    if (!["server", "wait", "nodelay", "telnet", "reconnect", "max-sessions", "max-buffer"].includes(k)) {
      throw new MonitorOptionError(`${source}: unknown option '${k}'`);
    }
  }
  if (head === "stdio") return { kind: "stdio" };
  if (head.startsWith("unix:")) return socketTransport("unix", head.slice(5), props, source);
  if (head.startsWith("tcp:")) return socketTransport("tcp", head.slice(4), props, source);
  throw new MonitorOptionError(`${source}: only unix:PATH, tcp:HOST:PORT and stdio are supported`);
}

/** One `-chardev` value: `socket,id=ID,path=P|host=H,port=N,server=on,wait=off` or `stdio,id=ID`. */
export function parseChardev(value: string): { id: string; transport: MonitorTransport; limits?: ListenerLimits } {
  const [backend, ...rest] = splitOptions(value);
  const props = parseProps(rest);
  const id = props.get("id");
  if (!id) throw new MonitorOptionError(`-chardev ${value}: Parameter 'id' is missing`);
  const source = `-chardev ${value}`;
  if (backend === "stdio") return { id, transport: { kind: "stdio" } };
  if (backend !== "socket")
    throw new MonitorOptionError(`${source}: only socket and stdio chardevs can carry a monitor`);
  const limits = parseLimits(props, source);
  const path = props.get("path");
  if (path !== undefined) return { id, transport: socketTransport("unix", path, props, source), limits };
  const host = props.get("host") ?? "0.0.0.0";
  const port = props.get("port");
  if (port === undefined) throw new MonitorOptionError(`${source}: chardev: socket: no host or path given`);
  return { id, transport: socketTransport("tcp", `${host}:${port}`, props, source), limits };
}

/**
 * Turn the monitor options of a command line, in order, into monitor specs. `pairs` holds
 * [option, value] for every -qmp, -qmp-pretty, -chardev and -mon (other options may be included and
 * are ignored). Chardevs that no -mon uses are left to their other users (e.g. -serial chardev:ID).
 */
export function collectMonitorSpecs(pairs: [string, string][]): MonitorSpec[] {
  const chardevs = new Map<string, MonitorTransport>();
  const chardevLimits = new Map<string, ListenerLimits | undefined>();
  for (const [opt, value] of pairs) {
    if (opt === "-chardev") {
      const c = parseChardev(value);
      chardevs.set(c.id, c.transport);
      chardevLimits.set(c.id, c.limits);
    }
  }
  const specs: MonitorSpec[] = [];
  let compat = 0;
  for (const [opt, value] of pairs) {
    if (opt === "-qmp" || opt === "-qmp-pretty") {
      const source = `${opt} ${value}`;
      const spec: MonitorSpec = {
        label: `compat_monitor${compat++}`,
        transport: parseQmpValue(value, source),
        pretty: opt === "-qmp-pretty",
        source,
      };
      const limits = parseLimits(parseProps(splitOptions(value).slice(1)), source);
      if (limits) spec.limits = limits;
      specs.push(spec);
    } else if (opt === "-mon") {
      const props = parseProps(splitOptions(value));
      const source = `-mon ${value}`;
      const id = props.get("chardev");
      if (!id) throw new MonitorOptionError(`${source}: Parameter 'chardev' is missing`);
      const transport = chardevs.get(id);
      if (!transport) throw new MonitorOptionError(`${source}: chardev "${id}" not found`);
      const mode = props.get("mode") ?? "readline";
      if (mode !== "control") {
        throw new MonitorOptionError(
          `${source}: only mode=control (QMP) monitors are supported; ` + "use human-monitor-command for HMP",
        );
      }
      const pretty = props.has("pretty") ? parseBool("pretty", props.get("pretty")) : false;
      const spec: MonitorSpec = { label: id, transport, pretty, source };
      const limits = chardevLimits.get(id);
      if (limits) spec.limits = limits;
      specs.push(spec);
    }
  }
  return specs;
}

/** Single-option form of collectMonitorSpecs for callers that see options one by one. */
export function parseMonitorOption(kind: "-qmp" | "-qmp-pretty", value: string, index = 0): MonitorSpec {
  return collectMonitorSpecs([[kind, value]]).map((s) => ({ ...s, label: `compat_monitor${index}` }))[0];
}

/** The filename query-chardev reports for a monitor's chardev, as QEMU writes it. */
export function chardevFilename(t: MonitorTransport): string {
  switch (t.kind) {
    case "stdio":
      return "stdio";
    case "unix":
      return `unix:${t.path}${t.server ? ",server=on" : ""}`;
    case "tcp":
      return `tcp:${t.host}:${t.port}${t.server ? ",server=on" : ""}`;
  }
}
