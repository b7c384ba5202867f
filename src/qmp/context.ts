// What a monitor command sees: the machine, the session, and the server's other parts. Shared by the
// QMP command table (commands.ts) and the human monitor (hmp.ts), which sits on top of it.
import type { ChardevInfo, MachineControl } from "../machine/control.js";
import type { Logger } from "../log.js";
import type { JsonObject, JsonValue } from "./json.js";

export enum SessionMode {
  Handshake = "handshake",
  Operational = "operational",
}

export interface VersionInfo {
  qemu: { major: number; minor: number; micro: number };
  package: string;
}

/** Per-session HMP state: the current CPU and the last x/xp format, as QEMU keeps them. */
export interface HmpState {
  cpuIndex: number;
  lastFormat: string;
  lastSize: number;
}

/** What a command handler may see and change. */
export interface CommandContext {
  machine: MachineControl;
  version: VersionInfo;
  logger: Logger;
  session: {
    mode: SessionMode;
    oobEnabled: boolean;
    /** Set by qmp_capabilities / qmp_switch_mode; applied right after the reply is written. */
    switchTo?: { mode: SessionMode; oob: boolean };
    /** Close the connection after this command's reply (quit). */
    closeAfterReply?: boolean;
    hmp: HmpState;
  };
  /** Chardevs of the monitors themselves, merged into query-chardev like QEMU's compat_monitorN. */
  monitorChardevs(): ChardevInfo[];
  /** HMP gdbserver: (re)open the debugger port on a device, or close it ("none"). */
  gdbserver?: GdbControl;
}

export interface GdbControl {
  open(device: string): Promise<unknown>;
}

/** Runs a QMP command's handler (arguments checked against its schema), as HMP's commands do. */
export type QmpCall = (name: string, args?: JsonObject) => Promise<JsonValue>;
