// The serial console on the terminal, with QEMU's -nographic escapes (Ctrl-A then a key).
// Raw mode while the guest runs; the terminal is restored on every way out.

export interface ConsoleActions {
  toGuest(bytes: Uint8Array): void;
  quit(): void;
  powerButton(): void;
  /** Text for the user (escape help, notices), written to the terminal, not to the guest. */
  notice(text: string): void;
}

const CTRL_A = 0x01;
export const ESCAPE_HELP = [
  "C-a h    print this help",
  "C-a x    exit emulator",
  "C-a p    press the power button (virtio keyboard KEY_POWER)",
  "C-a a    sends C-a",
  "",
].join("\r\n");

/** Splits terminal input into guest bytes and escape commands. */
export class EscapeDecoder {
  private sawEscape = false;
  constructor(private actions: ConsoleActions) {}

  feed(data: Uint8Array): void {
    const out: number[] = [];
    const flush = () => { if (out.length) { this.actions.toGuest(Uint8Array.from(out)); out.length = 0; } };
    for (const b of data) {
      if (this.sawEscape) {
        this.sawEscape = false;
        const k = String.fromCharCode(b).toLowerCase();
        if (b === CTRL_A || k === "a") { out.push(CTRL_A); continue; }
        flush();
        if (k === "x") { this.actions.notice("wasmvirt: Terminated\r\n"); this.actions.quit(); }
        else if (k === "h" || k === "?") this.actions.notice("\r\n" + ESCAPE_HELP);
        else if (k === "p") this.actions.powerButton();
        else if (k === "c") this.actions.notice("\r\nwasmvirt: the monitor is not multiplexed on the console; use -qmp\r\n");
        continue;
      }
      if (b === CTRL_A) { this.sawEscape = true; continue; }
      out.push(b);
    }
    flush();
  }
}

export class StdioConsole {
  private rawSet = false;
  private decoder: EscapeDecoder;
  private onData = (d: Buffer) => this.decoder.feed(d);

  constructor(actions: ConsoleActions) {
    this.decoder = new EscapeDecoder(actions);
  }

  start(): void {
    const stdin = process.stdin;
    if (stdin.isTTY) {
      stdin.setRawMode(true);
      this.rawSet = true;
    }
    stdin.on("data", this.onData);
    stdin.on("error", () => { /* a closed stdin is not a reason to stop the guest */ });
    stdin.resume();
  }

  write(bytes: Uint8Array): void { process.stdout.write(bytes); }

  stop(): void {
    process.stdin.off("data", this.onData);
    if (this.rawSet) { try { process.stdin.setRawMode(false); } catch { /* terminal gone */ } this.rawSet = false; }
    process.stdin.pause();
  }
}
