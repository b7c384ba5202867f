// A test double for MachineControl: a timer-driven fake "CPU" whose state is real. While running, each
// tick executes a little program (a loop that counts in x5 and stores the count into RAM), so stop/cont
// change what registers and memory show, and events are emitted only after the state has changed, as
// the contract says. It has no MMU: satp is 0 (bare), so virtual addresses are physical ones.
import { EventEmitter } from "node:events";
import type {
  BlockDeviceInfo,
  ChardevInfo,
  HartRegisters,
  MachineControl,
  MemoryRegionInfo,
  RunState,
  ShutdownReason,
} from "../../src/machine/control.js";

export interface FakeMachineOptions {
  startPaused?: boolean; // -S
  harts?: number;
  ramSize?: number;
  name?: string;
  /** The fake guest answers a power-button press by powering off (SHUTDOWN guest-shutdown). */
  guestPowersOffOnButton?: boolean;
  blockDevices?: BlockDeviceInfo[];
  /** Delay of the fake worker's pause/resume acknowledgement, ms. */
  workerLatencyMs?: number;
}

export const RAM_BASE = 0x80000000n;
export const ROM_BASE = 0x1000n;
const ROM_SIZE = 0xf000;
/** Where the fake program stores its loop counter. */
export const COUNTER_ADDR = RAM_BASE + 0x1000n;

export class FakeMachine extends EventEmitter implements MachineControl {
  private _state: RunState;
  private timer: NodeJS.Timeout | undefined;
  readonly name: string | undefined;
  readonly uuid = "00000000-0000-0000-0000-000000000000";
  readonly hartCount: number;
  readonly ramSize: bigint;
  readonly blockDevices: BlockDeviceInfo[];
  readonly chardevs: ChardevInfo[] = [{ label: "serial0", filename: "stdio", frontendOpen: true }];
  readonly memoryMap: MemoryRegionInfo[];
  readonly keysReceived: { qcode: string; down: boolean }[] = [];
  private readonly ram: Uint8Array;
  private readonly rom = new Uint8Array(ROM_SIZE);
  private harts: { pc: bigint; x: bigint[]; f: bigint[] }[] = [];
  ticks = 0;
  private readonly opts: FakeMachineOptions;

  constructor(opts: FakeMachineOptions = {}) {
    super();
    this.opts = opts;
    this.hartCount = opts.harts ?? 1;
    this.name = opts.name;
    this.ramSize = BigInt(opts.ramSize ?? 1 << 20);
    this.ram = new Uint8Array(Number(this.ramSize));
    this.blockDevices = opts.blockDevices ?? [];
    this.memoryMap = [
      { name: "riscv_virt_board.mrom", kind: "rom", base: ROM_BASE, size: BigInt(ROM_SIZE) },
      { name: "serial", kind: "uart16550", base: 0x10000000n, size: 0x100n, irq: 10 },
      { name: "riscv_virt_board.ram", kind: "ram", base: RAM_BASE, size: this.ramSize },
    ];
    // Boot ROM: auipc t0,0 ; addi a2,t0,40 ; csrr a0,mhartid ; ld a1,32(t0) (QEMU's first words)
    new DataView(this.rom.buffer).setUint32(0, 0x00000297, true);
    new DataView(this.rom.buffer).setUint32(4, 0x02828613, true);
    new DataView(this.rom.buffer).setUint32(8, 0xf1402573, true);
    new DataView(this.rom.buffer).setUint32(12, 0x0202b583, true);
    this.resetHarts();
    this._state = opts.startPaused ? "prelaunch" : "running";
    if (!opts.startPaused) this.startTimer();
  }

  get state(): RunState {
    return this._state;
  }
  get running(): boolean {
    return this._state === "running";
  }

  private resetHarts(): void {
    this.harts = Array.from({ length: this.hartCount }, () => ({
      pc: ROM_BASE,
      x: new Array<bigint>(32).fill(0n),
      f: new Array<bigint>(32).fill(0n),
    }));
  }

  private startTimer(): void {
    this.timer = setInterval(() => this.tick(), 1);
  }

  /** One slice of the fake program: count in x5, store the count at COUNTER_ADDR. */
  private tick(): void {
    this.ticks++;
    for (const h of this.harts) {
      h.x[5] = (h.x[5] + 1n) & 0xffffffffffffffffn;
      h.pc = RAM_BASE + ((h.pc + 4n) % 16n);
    }
    new DataView(this.ram.buffer).setBigUint64(Number(COUNTER_ADDR - RAM_BASE), this.harts[0].x[5], true);
  }

  private workerAck(): Promise<void> {
    const ms = this.opts.workerLatencyMs ?? 0;
    return new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));
  }

  async stop(): Promise<void> {
    if (this._state !== "running") return;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.workerAck();
    this._state = "paused";
    this.emit("stop");
  }

  async cont(): Promise<void> {
    if (this._state === "running") return;
    if (this._state === "shutdown") throw new Error("Resetting the Virtual Machine is required");
    await this.workerAck();
    this.startTimer();
    this._state = "running";
    this.emit("resume");
  }

  async reset(reason: ShutdownReason): Promise<void> {
    const wasRunning = this.running;
    if (wasRunning) clearInterval(this.timer);
    await this.workerAck();
    this.resetHarts();
    if (wasRunning) this.startTimer();
    if (this._state === "shutdown") this._state = "paused";
    this.emit("reset", { guest: reason.startsWith("guest"), reason });
  }

  async powerdown(): Promise<void> {
    await this.workerAck();
    this.emit("powerdown");
    if (this.opts.guestPowersOffOnButton && this.running) {
      // The guest notices the button a little later and powers off.
      setTimeout(() => void this.guestPowerOff(), 20);
    }
  }

  private async guestPowerOff(): Promise<void> {
    if (this._state === "shutdown") return;
    clearInterval(this.timer);
    this._state = "shutdown";
    this.emit("shutdown", { guest: true, reason: "guest-shutdown" });
    this.emit("exit", 0);
  }

  async sendKeys(events: { qcode: string; down: boolean }[]): Promise<void> {
    // Keys go to the keyboard only, the power key included: as in QEMU, POWERDOWN is the event of
    // system_powerdown's button press, not of a key event.
    await this.workerAck();
    for (const e of events) this.keysReceived.push(e);
  }

  async quit(reason: ShutdownReason): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.workerAck(); // "disks flushed"
    this._state = "shutdown";
    this.emit("shutdown", { guest: false, reason });
    this.emit("exit", 0);
  }

  async readRegisters(): Promise<HartRegisters[]> {
    return this.harts.map((h, i) => ({
      hart: i,
      pc: h.pc,
      x: [...h.x],
      f: [...h.f],
      priv: "M",
      csrs: {
        mhartid: BigInt(i),
        mstatus: 0xa00000000n,
        mip: 0x80n,
        mie: 0n,
        mideleg: 0n,
        medeleg: 0n,
        mtvec: 0n,
        stvec: 0n,
        mepc: 0n,
        sepc: 0n,
        mcause: 0n,
        scause: 0n,
        mtval: 0n,
        stval: 0n,
        mscratch: 0n,
        sscratch: 0n,
        satp: 0n,
      },
    }));
  }

  async readPhysical(addr: bigint, length: number): Promise<Uint8Array> {
    const end = addr + BigInt(length);
    if (addr >= RAM_BASE && end <= RAM_BASE + this.ramSize) {
      return this.ram.slice(Number(addr - RAM_BASE), Number(end - RAM_BASE));
    }
    if (addr >= ROM_BASE && end <= ROM_BASE + BigInt(ROM_SIZE)) {
      return this.rom.slice(Number(addr - ROM_BASE), Number(end - ROM_BASE));
    }
    throw new Error(`address range 0x${addr.toString(16)}+${length} is not RAM or ROM`);
  }

  async readVirtual(hart: number, addr: bigint, length: number): Promise<Uint8Array> {
    if (hart < 0 || hart >= this.hartCount) throw new Error(`no hart ${hart}`);
    return this.readPhysical(addr, length); // satp = 0: bare translation
  }

  /** Test helper: write guest RAM. */
  writeRam(addr: bigint, bytes: Uint8Array): void {
    this.ram.set(bytes, Number(addr - RAM_BASE));
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
