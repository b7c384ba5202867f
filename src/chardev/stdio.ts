// The serial console on the terminal, with QEMU's -nographic escapes (Ctrl-A then a key).
// Raw mode while the guest runs; the terminal is restored on every way out.

export interface ConsoleActions {
  toGuest(bytes: Uint8Array): void;
  quit(): void;
  powerButton(): void;
  /** Text for the user (escape help, notices), written to the terminal, not to the guest. */
  notice(text: string): void;
  /** Flow control: stop (true) / restart (false) the guest's console output (see Machine.holdConsole). */
  hold?(on: boolean): void;
}

/** Console bytes queued for a slow stdout (a pipe nobody reads fast) before the guest is made to wait. */
export const CONSOLE_HIGH_WATER = 256 * 1024;

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
    const flush = () => {
      if (out.length) {
        this.actions.toGuest(Uint8Array.from(out));
        out.length = 0;
      }
    };
    for (const b of data) {
      if (this.sawEscape) {
        this.sawEscape = false;
        const k = String.fromCharCode(b).toLowerCase();
        if (b === CTRL_A || k === "a") {
          out.push(CTRL_A);
          continue;
        }
        flush();
        if (k === "x") {
          this.actions.notice("wasmvirt: Terminated\r\n");
          this.actions.quit();
        } else if (k === "h" || k === "?") this.actions.notice("\r\n" + ESCAPE_HELP);
        else if (k === "p") this.actions.powerButton();
        else if (k === "c")
          this.actions.notice("\r\nwasmvirt: the monitor is not multiplexed on the console; use -qmp\r\n");
        continue;
      }
      if (b === CTRL_A) {
        this.sawEscape = true;
        continue;
      }
      out.push(b);
    }
    flush();
  }
}

export class StdioConsole {
  private rawSet = false;
  private decoder: EscapeDecoder;
  private onData = (d: Buffer) => this.decoder.feed(d);

  constructor(private actions: ConsoleActions) {
    this.decoder = new EscapeDecoder(actions);
    process.stdout.on("error", () => {
      this.broken = true;
      this.release();
    });
  }

  start(): void {
    const stdin = process.stdin;
    if (stdin.isTTY) {
      stdin.setRawMode(true);
      this.rawSet = true;
    }
    stdin.on("data", this.onData);
    stdin.on("error", () => {
      /* a closed stdin is not a reason to stop the guest */
    });
    stdin.resume();
  }

  private held = false;
  private broken = false;

  /**
   * Guest output to stdout. Node queues writes to a pipe in memory without bound; past
   * CONSOLE_HIGH_WATER queued bytes the guest's UART is held until stdout drains, so a slow reader
   * slows the guest instead of growing the heap. A closed stdout (EPIPE) drops output; the guest runs on.
   */
  write(bytes: Uint8Array): void {
    if (this.broken) return;
    process.stdout.write(bytes);
    if (!this.held && process.stdout.writableLength > CONSOLE_HIGH_WATER) {
      this.held = true;
      this.actions.hold?.(true);
      process.stdout.once("drain", () => this.release());
    }
  }

  private release(): void {
    if (!this.held) return;
    this.held = false;
    this.actions.hold?.(false);
  }

  stop(): void {
    process.stdin.off("data", this.onData);
    if (this.rawSet) {
      try {
        process.stdin.setRawMode(false);
      } catch {
        /* terminal gone */
      }
      this.rawSet = false;
    }
    process.stdin.pause();
  }
}
