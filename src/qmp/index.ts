// The QMP monitor: what the CLI and the machine lifecycle use.
//
//   const specs = collectMonitorSpecs([["-qmp", "unix:/tmp/x.sock,server=on,wait=off"], ...]);
//   const monitors = await startMonitors(specs, machine, { version: DEFAULT_VERSION, logger });
//   machine.on("exit", async (code) => { await monitors.close(); process.exit(code); });
//
// close() lets each session finish the command it is running (so `quit` gets its reply after the
// SHUTDOWN event, as in QEMU), then closes connections and removes unix socket files.
export { startMonitors, DEFAULT_VERSION, MonitorStartError, type MonitorHandle, type StartOptions } from "./server.js";
export {
  collectMonitorSpecs,
  parseMonitorOption,
  parseQmpValue,
  parseChardev,
  chardevFilename,
  MonitorOptionError,
  type MonitorSpec,
  type MonitorTransport,
} from "./options.js";
export { COMMANDS, EVENTS, introspect } from "./commands.js";
export { SessionMode, type VersionInfo } from "./context.js";
export { Session } from "./session.js";
export { JsonStreamParser, toJson, JsonFloat } from "./json.js";
