// The gdbserver device words of QEMU's command line and HMP (-gdb DEV, -s, gdbserver DEV).

export type GdbDevice =
  | { kind: "tcp"; host: string | undefined; port: number }
  | { kind: "unix"; path: string }
  | { kind: "none" };

export class GdbDeviceError extends Error {}

export const DEFAULT_GDB_DEVICE = "tcp::1234";

/** QEMU's gdbserver device strings: tcp:[HOST]:PORT[,opts], unix:PATH,server=on[,wait=off], none. */
export function parseGdbDevice(dev: string): GdbDevice {
  if (dev === "none") return { kind: "none" };
  const [addr, ...opts] = dev.split(",");
  for (const o of opts) {
    const [k, v] = o.split("=");
    const known = ["server", "wait", "nodelay", "ipv4", "ipv6", "reconnect"];
    if (!known.includes(k.replace(/^no/, ""))) throw new GdbDeviceError(`-gdb ${dev}: option '${k}' is not supported`);
    if (k === "server" && (v === "off" || v === "no"))
      throw new GdbDeviceError(`-gdb ${dev}: wasmvirt's gdbserver only listens (server=on)`);
  }
  if (addr.startsWith("tcp:")) {
    const rest = addr.slice(4);
    const colon = rest.lastIndexOf(":");
    if (colon < 0) throw new GdbDeviceError(`-gdb ${dev}: expected tcp:[HOST]:PORT`);
    const host = rest.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
    const port = Number(rest.slice(colon + 1));
    if (!Number.isInteger(port) || port < 0 || port > 65535 || rest.slice(colon + 1) === "") {
      throw new GdbDeviceError(`-gdb ${dev}: invalid port '${rest.slice(colon + 1)}'`);
    }
    return { kind: "tcp", host: host === "" ? undefined : host, port };
  }
  if (addr.startsWith("unix:")) {
    if (addr.length === 5) throw new GdbDeviceError(`-gdb ${dev}: missing socket path`);
    if (!opts.some((o) => o === "server" || o === "server=on")) {
      throw new GdbDeviceError(`-gdb ${dev}: wasmvirt's gdbserver only listens: add server=on`);
    }
    return { kind: "unix", path: addr.slice(5) };
  }
  throw new GdbDeviceError(`-gdb ${dev}: unsupported device (tcp:[HOST]:PORT, unix:PATH,server=on or none)`);
}
