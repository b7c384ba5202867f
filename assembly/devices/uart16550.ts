// 16550A UART at 0x1000_0000 (regshift 0), interrupt on PLIC source 10. Register
// behaviour follows QEMU 7.2's hw/char/serial.c (our own code): 16-byte FIFOs, DLAB divisor
// latch, IIR priorities RLS > RX timeout > RX data > THR empty > modem status, loopback.
//
// Transmit: bytes go from THR through the TX FIFO into the CONSOLE_OUT ring (console_ring.ts).
// If the ring is full they wait in the FIFO with LSR.THRE=0 until the host drains it.
// Receive: uartPoll() (between slices) and reads of RBR move bytes from the CONSOLE_IN
// ring into the RX FIFO. The character-timeout interrupt fires at the first poll that
// finds data in the FIFO and no receive/read activity since the previous poll (QEMU
// uses 4 character times; our unit of time is the slice).
import { UART_STATE } from "./state-map";
import { plicSetIrq } from "./plic";
import { outPut, inEmpty, inTake } from "./console_ring";

import { UART0_IRQ as UART_IRQ } from "../generated/memmap";
const FIFO_LEN: u32 = 16;

// State bytes inside UART_STATE.
const RBR: u32 = UART_STATE + 0;
const IER: u32 = UART_STATE + 1;
const IIR: u32 = UART_STATE + 2;
const LCR: u32 = UART_STATE + 3;
const MCR: u32 = UART_STATE + 4;
const LSR: u32 = UART_STATE + 5;
const MSR: u32 = UART_STATE + 6;
const SCR: u32 = UART_STATE + 7;
const FCR: u32 = UART_STATE + 8;
const THR_IPENDING: u32 = UART_STATE + 9;
const TIMEOUT_IPENDING: u32 = UART_STATE + 10;
const RX_ITL: u32 = UART_STATE + 11;
const RX_ACTIVITY: u32 = UART_STATE + 12;
const IRQ_LEVEL: u32 = UART_STATE + 13;
const DIVIDER: u32 = UART_STATE + 14;     // u16
const RX_HEAD: u32 = UART_STATE + 16;
const RX_COUNT: u32 = UART_STATE + 17;
const TX_HEAD: u32 = UART_STATE + 18;
const TX_COUNT: u32 = UART_STATE + 19;
const RX_FIFO: u32 = UART_STATE + 32;
const TX_FIFO: u32 = UART_STATE + 48;

const LCR_DLAB: u32 = 0x80;
const IER_RDI: u32 = 0x01, IER_THRI: u32 = 0x02, IER_RLSI: u32 = 0x04, IER_MSI: u32 = 0x08;
const IIR_NO_INT: u32 = 0x01, IIR_MSI: u32 = 0x00, IIR_THRI: u32 = 0x02, IIR_RDI: u32 = 0x04;
const IIR_RLSI: u32 = 0x06, IIR_CTI: u32 = 0x0c, IIR_FE: u32 = 0xc0, IIR_ID: u32 = 0x06;
const LSR_DR: u32 = 0x01, LSR_OE: u32 = 0x02, LSR_BI: u32 = 0x10, LSR_THRE: u32 = 0x20, LSR_TEMT: u32 = 0x40;
const LSR_INT_ANY: u32 = 0x1e;
const MCR_OUT2: u32 = 0x08, MCR_LOOP: u32 = 0x10;
const MSR_DCD: u32 = 0x80, MSR_DSR: u32 = 0x20, MSR_CTS: u32 = 0x10, MSR_ANY_DELTA: u32 = 0x0f;
const FCR_FE: u32 = 0x01, FCR_RFR: u32 = 0x02, FCR_XFR: u32 = 0x04;

@inline function r8(p: u32): u32 { return <u32>load<u8>(p); }
@inline function w8(p: u32, v: u32): void { store<u8>(p, <u8>v); }

function updateIrq(): void {
  const ier = r8(IER), lsr = r8(LSR);
  let id = IIR_NO_INT;
  if ((ier & IER_RLSI) && (lsr & LSR_INT_ANY)) {
    id = IIR_RLSI;
  } else if ((ier & IER_RDI) && r8(TIMEOUT_IPENDING)) {
    id = IIR_CTI;
  } else if ((ier & IER_RDI) && (lsr & LSR_DR) && (!(r8(FCR) & FCR_FE) || r8(RX_COUNT) >= r8(RX_ITL))) {
    id = IIR_RDI;
  } else if ((ier & IER_THRI) && r8(THR_IPENDING)) {
    id = IIR_THRI;
  } else if ((ier & IER_MSI) && (r8(MSR) & MSR_ANY_DELTA)) {
    id = IIR_MSI;
  }
  w8(IIR, id | (r8(IIR) & 0xf0));
  const level: u32 = id != IIR_NO_INT ? 1 : 0;
  if (level != r8(IRQ_LEVEL)) {
    w8(IRQ_LEVEL, level);
    plicSetIrq(UART_IRQ, level != 0);
  }
}

function rxPush(b: u32): void {
  const n = r8(RX_COUNT);
  if (n < FIFO_LEN) {
    w8(RX_FIFO + ((r8(RX_HEAD) + n) & (FIFO_LEN - 1)), b);
    w8(RX_COUNT, n + 1);
  } else {
    w8(LSR, r8(LSR) | LSR_OE);            // overruns do not overwrite the FIFO
  }
}

function rxPop(): u32 {
  const n = r8(RX_COUNT);
  if (n == 0) return 0;
  const h = r8(RX_HEAD);
  const b = r8(RX_FIFO + h);
  w8(RX_HEAD, (h + 1) & (FIFO_LEN - 1));
  w8(RX_COUNT, n - 1);
  return b;
}

/** A byte arrives on the line (from the host, or from THR in loopback). */
function receive(b: u32): void {
  if (r8(FCR) & FCR_FE) {
    rxPush(b);
  } else {
    if (r8(LSR) & LSR_DR) w8(LSR, r8(LSR) | LSR_OE);
    w8(RBR, b);
  }
  w8(LSR, r8(LSR) | LSR_DR);
  w8(RX_ACTIVITY, 1);
}

/** How many bytes the receiver takes from the host now. */
function canReceive(): u32 {
  if (r8(FCR) & FCR_FE) return FIFO_LEN - r8(RX_COUNT);
  return (r8(LSR) & LSR_DR) ? 0 : 1;
}

/** Move host input into the receiver; true if anything moved. */
function pullInput(): bool {
  if (r8(MCR) & MCR_LOOP) return false;      // in loopback the line is disconnected
  let n = canReceive();
  let moved = false;
  while (n > 0 && !inEmpty()) {
    receive(inTake());
    n--;
    moved = true;
  }
  return moved;
}

/** Send what the TX FIFO holds; sets THRE/TEMT and the THR interrupt once it is empty. */
function transmit(): void {
  let n = r8(TX_COUNT);
  if (n == 0) return;
  let h = r8(TX_HEAD);
  const loop = (r8(MCR) & MCR_LOOP) != 0;
  while (n > 0) {
    const b = r8(TX_FIFO + h);
    if (loop) receive(b);
    else if (!outPut(b)) break;               // ring full: keep it, the host will drain
    h = (h + 1) & (FIFO_LEN - 1);
    n--;
  }
  w8(TX_HEAD, h);
  w8(TX_COUNT, n);
  if (n == 0) {
    w8(LSR, r8(LSR) | LSR_THRE | LSR_TEMT);
    w8(THR_IPENDING, 1);
  }
  updateIrq();
}

function writeFcr(val: u32): void {
  w8(FCR, val & 0xc9);
  if (val & FCR_FE) {
    w8(IIR, r8(IIR) | IIR_FE);
    const t = val & 0xc0;
    w8(RX_ITL, t == 0 ? 1 : t == 0x40 ? 4 : t == 0x80 ? 8 : 14);
  } else {
    w8(IIR, r8(IIR) & ~IIR_FE);
  }
}

export function uartReset(): void {
  memory.fill(UART_STATE, 0, 64);
  w8(IIR, IIR_NO_INT);
  w8(LSR, LSR_TEMT | LSR_THRE);
  w8(MSR, MSR_DCD | MSR_DSR | MSR_CTS);
  store<u16>(DIVIDER, 0x0c);
  w8(MCR, MCR_OUT2);
  w8(RX_ITL, 1);
  plicSetIrq(UART_IRQ, false);
}

export function uartRead(offset: u32, size: i32): u64 {
  let ret: u32 = 0;
  switch (offset & 7) {
    case 0: {
      if (r8(LCR) & LCR_DLAB) {
        ret = <u32>load<u16>(DIVIDER) & 0xff;
      } else {
        if (r8(FCR) & FCR_FE) {
          ret = rxPop();
          if (r8(RX_COUNT) == 0) w8(LSR, r8(LSR) & ~(LSR_DR | LSR_BI));
          else w8(RX_ACTIVITY, 1);
          w8(TIMEOUT_IPENDING, 0);
        } else {
          ret = r8(RBR);
          w8(LSR, r8(LSR) & ~(LSR_DR | LSR_BI));
        }
        pullInput();                          // the host's bytes keep flowing while the guest reads
        updateIrq();
      }
      break;
    }
    case 1:
      ret = (r8(LCR) & LCR_DLAB) ? (<u32>load<u16>(DIVIDER) >> 8) : r8(IER);
      break;
    case 2:
      ret = r8(IIR);
      if ((ret & IIR_ID) == IIR_THRI && !(ret & 0x08)) {
        w8(THR_IPENDING, 0);
        updateIrq();
      }
      break;
    case 3: ret = r8(LCR); break;
    case 4: ret = r8(MCR); break;
    case 5: {
      ret = r8(LSR);
      if (ret & (LSR_BI | LSR_OE)) {
        w8(LSR, ret & ~(LSR_BI | LSR_OE));
        updateIrq();
      }
      break;
    }
    case 6: {
      const mcr = r8(MCR);
      if (mcr & MCR_LOOP) {
        // Loopback: OUT2→DCD, OUT1→RI, RTS→CTS, DTR→DSR.
        ret = ((mcr & 0x0c) << 4) | ((mcr & 0x02) << 3) | ((mcr & 0x01) << 5);
      } else {
        ret = r8(MSR);
        if (ret & MSR_ANY_DELTA) {
          w8(MSR, ret & 0xf0);
          updateIrq();
        }
      }
      break;
    }
    case 7: ret = r8(SCR); break;
  }
  return <u64>ret;
}

export function uartWrite(offset: u32, size: i32, value: u64): void {
  const val = <u32>value & 0xff;
  switch (offset & 7) {
    case 0: {
      if (r8(LCR) & LCR_DLAB) {
        store<u16>(DIVIDER, <u16>((<u32>load<u16>(DIVIDER) & 0xff00) | val));
        break;
      }
      const fifo = (r8(FCR) & FCR_FE) != 0;
      const cap: u32 = fifo ? FIFO_LEN : 1;
      let n = r8(TX_COUNT);
      if (n >= cap) {                         // overrun: the oldest byte is lost (as QEMU)
        w8(TX_HEAD, (r8(TX_HEAD) + 1) & (FIFO_LEN - 1));
        n--;
      }
      w8(TX_FIFO + ((r8(TX_HEAD) + n) & (FIFO_LEN - 1)), val);
      w8(TX_COUNT, n + 1);
      w8(THR_IPENDING, 0);
      w8(LSR, r8(LSR) & ~(LSR_THRE | LSR_TEMT));
      updateIrq();
      transmit();
      break;
    }
    case 1: {
      if (r8(LCR) & LCR_DLAB) {
        store<u16>(DIVIDER, <u16>((<u32>load<u16>(DIVIDER) & 0x00ff) | (val << 8)));
        break;
      }
      const changed = (r8(IER) ^ val) & 0x0f;
      w8(IER, val & 0x0f);
      // Enabling THRI with THR empty raises the THR interrupt again (QEMU, Bochs, Windows rely on it).
      if (changed & IER_THRI) {
        w8(THR_IPENDING, ((val & IER_THRI) && (r8(LSR) & LSR_THRE)) ? 1 : 0);
      }
      if (changed) updateIrq();
      break;
    }
    case 2: {
      let v = val;
      if ((v ^ r8(FCR)) & FCR_FE) v |= FCR_XFR | FCR_RFR;   // toggling FIFO mode flushes both
      if (v & FCR_RFR) {
        w8(LSR, r8(LSR) & ~(LSR_DR | LSR_BI));
        w8(TIMEOUT_IPENDING, 0);
        w8(RX_HEAD, 0); w8(RX_COUNT, 0);
      }
      if (v & FCR_XFR) {
        w8(LSR, r8(LSR) | LSR_THRE | LSR_TEMT);
        w8(THR_IPENDING, 1);
        w8(TX_HEAD, 0); w8(TX_COUNT, 0);
      }
      writeFcr(v);
      updateIrq();
      break;
    }
    case 3: w8(LCR, val); break;
    case 4: {
      const old = r8(MCR);
      w8(MCR, val & 0x1f);
      if ((old ^ val) & MCR_LOOP) pullInput();
      break;
    }
    case 5: break;                            // LSR, MSR: read-only
    case 6: break;
    case 7: w8(SCR, val); break;
  }
}

/** Between slices: retry a blocked transmit, take host input, run the RX timeout. */
export function uartPoll(): void {
  transmit();
  pullInput();
  if ((r8(FCR) & FCR_FE) && r8(RX_COUNT) > 0 && !r8(RX_ACTIVITY)) {
    w8(TIMEOUT_IPENDING, 1);
  }
  w8(RX_ACTIVITY, 0);
  updateIrq();
}

/** The host drained CONSOLE_OUT: bytes waiting in the TX FIFO can go now. */
export function uartTxKick(): void {
  transmit();
}
