// The GDB remote serial protocol's framing, byte by byte as QEMU 7.2's gdbstub reads it:
// `$data#cs` packets with `}` escapes and `*` run-lengths, `+`/`-` acknowledgements, and the
// interrupt byte 0x03 outside packets. A packet with a bad checksum is refused with `-`; one
// longer than the packet size is dropped; bytes outside packets are ignored.

/** QEMU's MAX_PACKET_LENGTH, advertised as PacketSize. */
export const MAX_PACKET_LENGTH = 4096;

enum State {
  Idle,
  Line,
  LineEscape,
  LineRle,
  Checksum1,
  Checksum2,
}

export interface FramingEvents {
  /** A complete packet with a good checksum (already acknowledged unless in no-ack mode). */
  packet(data: Buffer): void;
  /** 0x03 outside a packet. */
  interrupt(): void;
  /** Bytes to send back (acks, retransmissions). */
  write(bytes: string | Buffer): void;
}

export class PacketReader {
  private state = State.Idle;
  private line: number[] = [];
  private sum = 0;
  private csum = 0;
  private overrun = false;
  noAck = false;
  /** The last packet sent, for a `-` (retransmit) from the client. */
  lastPacket: Buffer | null = null;

  constructor(private ev: FramingEvents) {}

  feed(chunk: Buffer): void {
    for (const ch of chunk) this.byte(ch);
  }

  private byte(ch: number): void {
    if (this.state === State.Idle) {
      if (!this.noAck && this.lastPacket) {
        if (ch === 0x2d /* - */) {
          this.ev.write(this.lastPacket);
          return;
        }
        if (ch === 0x2b /* + */) {
          this.lastPacket = null;
          return;
        }
      }
      if (ch === 0x24 /* $ */) {
        this.lastPacket = null;
        this.state = State.Line;
        this.line = [];
        this.sum = 0;
        this.overrun = false;
      } else if (ch === 0x03) {
        this.ev.interrupt();
      }
      return;
    }
    switch (this.state) {
      case State.Line:
        if (ch === 0x23 /* # */) {
          this.state = State.Checksum1;
          return;
        }
        this.sum += ch;
        if (ch === 0x7d /* } */) this.state = State.LineEscape;
        else if (ch === 0x2a /* * */) this.state = State.LineRle;
        else this.append(ch);
        return;
      case State.LineEscape:
        this.sum += ch;
        this.append(ch ^ 0x20);
        this.state = State.Line;
        return;
      case State.LineRle: {
        // Run-length: repeat the previous byte (ch - 29) more times.
        this.sum += ch;
        const repeat = ch - 29;
        if (this.line.length === 0 || repeat < 0) {
          this.overrun = true;
        } else for (let i = 0; i < repeat; i++) this.append(this.line[this.line.length - 1]);
        this.state = State.Line;
        return;
      }
      case State.Checksum1:
        this.csum = hexValue(ch) << 4;
        if (hexValue(ch) < 0) this.csum = -1;
        this.state = State.Checksum2;
        return;
      case State.Checksum2: {
        this.state = State.Idle;
        const lo = hexValue(ch);
        const good = this.csum >= 0 && lo >= 0 && (this.csum | lo) === (this.sum & 0xff);
        if (this.overrun) return;
        if (!good) {
          if (!this.noAck) this.ev.write("-");
          return;
        }
        if (!this.noAck) this.ev.write("+");
        this.ev.packet(Buffer.from(this.line));
        return;
      }
    }
  }

  private append(ch: number) {
    if (this.line.length >= MAX_PACKET_LENGTH) {
      this.overrun = true;
      return;
    }
    this.line.push(ch);
  }
}

function hexValue(ch: number): number {
  if (ch >= 0x30 && ch <= 0x39) return ch - 0x30;
  if (ch >= 0x61 && ch <= 0x66) return ch - 0x61 + 10;
  if (ch >= 0x41 && ch <= 0x46) return ch - 0x41 + 10;
  return -1;
}

/** `$data#cs` with the characters the protocol reserves escaped. */
export function framePacket(data: Buffer | string): Buffer {
  const src = typeof data === "string" ? Buffer.from(data, "latin1") : data;
  const out: number[] = [0x24];
  let sum = 0;
  for (const b of src) {
    if (b === 0x24 || b === 0x23 || b === 0x7d || b === 0x2a) {
      out.push(0x7d, b ^ 0x20);
      sum += 0x7d + (b ^ 0x20);
    } else {
      out.push(b);
      sum += b;
    }
  }
  out.push(0x23);
  const cs = (sum & 0xff).toString(16).padStart(2, "0");
  out.push(cs.charCodeAt(0), cs.charCodeAt(1));
  return Buffer.from(out);
}
