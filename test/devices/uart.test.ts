// The 16550A as Linux's 8250 driver and OpenSBI's uart8250 use it.
import { describe, it, expect, beforeEach } from "vitest";
import { Machine } from "./core.js";
import { drainConsoleOut, feedConsoleIn } from "../../src/machine/device-imports.js";

const RBR = 0,
  THR = 0,
  DLL = 0,
  IER = 1,
  DLM = 1,
  IIR = 2,
  FCR = 2,
  LCR = 3,
  MCR = 4,
  LSR = 5,
  MSR = 6,
  SCR = 7;
const UART_IRQ = 10;

describe("UART 16550A", () => {
  let m: Machine;
  const rd = (off: number) => Number(m.core.uartRead(off, 1));
  const wr = (off: number, v: number) => m.core.uartWrite(off, 1, BigInt(v));
  const out = () => new TextDecoder().decode(drainConsoleOut(m.core as never, m.core.memory));
  const type = (s: string) => feedConsoleIn(m.core as never, new TextEncoder().encode(s));
  const irq = () => m.core.plicPending(UART_IRQ) !== 0;

  beforeEach(async () => {
    m = await new Machine().start(1);
  });

  it("comes out of reset as QEMU's: THR empty, no interrupt, DCD/DSR/CTS, OUT2", () => {
    expect(rd(LSR)).toBe(0x60);
    expect(rd(IIR)).toBe(0x01);
    expect(rd(MSR)).toBe(0xb0);
    expect(rd(MCR)).toBe(0x08);
    expect(rd(LCR)).toBe(0);
    expect(irq()).toBe(false);
  });

  it("exposes the divisor latch only while LCR.DLAB is set", () => {
    wr(LCR, 0x80);
    wr(DLL, 0x34);
    wr(DLM, 0x12);
    expect(rd(DLL)).toBe(0x34);
    expect(rd(DLM)).toBe(0x12);
    wr(LCR, 0x03); // 8N1, latch closed
    expect(rd(IER)).toBe(0); // IER was not touched by the DLM write
    wr(IER, 0x05);
    expect(rd(IER)).toBe(0x05);
    wr(LCR, 0x83);
    expect(rd(DLM)).toBe(0x12);
    expect(out()).toBe(""); // no byte went out through THR
    wr(SCR, 0x5a);
    expect(rd(SCR)).toBe(0x5a);
  });

  it("sends THR bytes to the host console in order", () => {
    wr(LCR, 0x03);
    for (const c of "Hello, wasmvirt\r\n") wr(THR, c.charCodeAt(0));
    expect(out()).toBe("Hello, wasmvirt\r\n");
    expect(rd(LSR) & 0x60).toBe(0x60);
  });

  it("raises the THR-empty interrupt on IER.THRI and clears it when IIR is read", () => {
    wr(FCR, 0x01);
    wr(IER, 0x02);
    expect(rd(IIR)).toBe(0xc2); // FIFO enabled bits + THRI (reading clears it)
    expect(rd(IIR)).toBe(0xc1);
    expect(irq()).toBe(false);
    wr(THR, 0x41); // transmitted at once: THR empty again
    expect(irq()).toBe(true);
    expect(rd(IIR)).toBe(0xc2);
    expect(irq()).toBe(false);
    expect(out()).toBe("A");
  });

  it("receives host input through the FIFO: trigger level, then character timeout", () => {
    wr(FCR, 0x81); // FIFO on, RX trigger at 8 bytes (as Linux sets it)
    wr(IER, 0x01);
    type("ls\r");
    m.core.uartPoll();
    expect(rd(LSR) & 0x01).toBe(1);
    expect(rd(IIR)).toBe(0xc1); // 3 < 8 bytes, and they just arrived
    m.core.uartPoll(); // a slice without activity: timeout
    expect(rd(IIR)).toBe(0xcc);
    expect(irq()).toBe(true);
    let got = "";
    while (rd(LSR) & 0x01) got += String.fromCharCode(rd(RBR));
    expect(got).toBe("ls\r");
    expect(rd(IIR)).toBe(0xc1);
    expect(irq()).toBe(false);

    type("0123456789abcdefghij"); // more than the FIFO holds
    m.core.uartPoll();
    expect(rd(IIR)).toBe(0xc4); // 16 >= 8: RX data available
    got = "";
    while (rd(LSR) & 0x01) got += String.fromCharCode(rd(RBR));
    expect(got).toBe("0123456789abcdefghij"); // nothing lost: the rest waited in the ring
  });

  it("orders interrupts: line status > RX data > THR empty; loopback connects TX to RX", () => {
    wr(FCR, 0x01); // FIFO on, trigger 1
    wr(MCR, 0x1f); // loopback + all modem outputs
    expect(rd(MSR) & 0xf0).toBe(0xf0);
    for (let i = 0; i < 17; i++) wr(THR, 0x30 + i); // one more than the RX FIFO holds
    expect(out()).toBe(""); // loopback: nothing reaches the line
    wr(IER, 0x07);
    expect(rd(IIR)).toBe(0xc6); // overrun: receiver line status
    expect(rd(LSR) & 0x03).toBe(0x03); // DR + OE, and reading clears OE
    expect(rd(IIR)).toBe(0xc4); // then RX data
    let n = 0;
    while (rd(LSR) & 0x01) {
      expect(rd(RBR)).toBe(0x30 + n);
      n++;
    }
    expect(n).toBe(16);
    expect(rd(IIR)).toBe(0xc2); // then THR empty
    expect(rd(IIR)).toBe(0xc1);
  });

  it("holds output back with LSR.THRE=0 while the host console ring is full, and loses nothing", () => {
    wr(FCR, 0x07);
    let sent = 0;
    // A polling driver: write while THR is empty (16 bytes per THRE, as the FIFO allows).
    for (let guard = 0; guard < 100000 && rd(LSR) & 0x20; guard++) {
      for (let k = 0; k < 16; k++) wr(THR, sent++ & 0xff);
    }
    expect(rd(LSR) & 0x60).toBe(0); // blocked: neither THR nor shifter empty
    expect(sent).toBeGreaterThan(60000); // the ring took about 64 KiB first
    const first = drainConsoleOut(m.core as never, m.core.memory);
    expect(rd(LSR) & 0x60).toBe(0x60); // drained: the FIFO went out too
    expect(first.length).toBe(sent);
    expect(first.every((b, i) => b === (i & 0xff))).toBe(true);
  });

  it("does not raise a modem-status interrupt when no modem line changed", () => {
    wr(IER, 0x08);
    expect(rd(IIR)).toBe(0x01); // no modem change happened
    expect(rd(MSR)).toBe(0xb0);
  });
});
