// The state file format on its own: round trip, zero pages skipped, and every way a file can be
// unusable (truncated, corrupted, another machine) refused with a message naming the reason.
import { describe, it, expect } from "vitest";
import {
  encodeState,
  decodeState,
  incompatibility,
  unpackNonZero,
  StateFormatError,
  RAM_PAGE,
  type StateHeader,
  type MachineDescription,
} from "../../src/machine/snapshot/format.js";

const machine: MachineDescription = {
  ramSize: 1 << 20,
  harts: 2,
  virtio: [
    { slot: 7, type: 2, flags: 0, capacity: 1 << 20 },
    { slot: 6, type: 18, flags: 0, capacity: 0 },
  ],
};
const header: StateHeader = {
  format: 1,
  wasmvirt: "0.1.0",
  core: "abcd",
  machine,
  blk: false,
  savedAt: "2026-01-01T00:00:00Z",
};

function sample() {
  const ram = new Uint8Array(machine.ramSize);
  ram.fill(7, 3 * RAM_PAGE, 3 * RAM_PAGE + 100); // page 3
  for (let i = 0; i < RAM_PAGE; i++) ram[200 * RAM_PAGE + i] = (i * 31) & 0xff; // page 200, less compressible
  const region = new Uint8Array(8192).fill(1);
  const disk = new Uint8Array(1 << 20);
  disk.fill(9, 70_000, 80_000);
  const enc = encodeState({
    header,
    regions: [{ start: 0x1000, bytes: region }],
    ram,
    host: { consoleInput: [104, 105] },
    disks: [{ index: 0, bytes: disk }],
  });
  return { ram, disk, enc, file: Buffer.concat(enc.parts) };
}

describe("machine state format", () => {
  it("round-trips regions, RAM, host state and disks, storing only non-zero pages", () => {
    const { ram, disk, enc, file } = sample();
    expect(enc.ramPages).toBe(256);
    expect(enc.ramNonZeroPages).toBe(2);
    expect(file.length).toBeLessThan(20_000);
    const st = decodeState(file);
    expect(st.header).toEqual(header);
    expect(st.regions[0].start).toBe(0x1000);
    expect(Buffer.from(st.regions[0].bytes).equals(Buffer.alloc(8192, 1))).toBe(true);
    const back = new Uint8Array(st.ram.size);
    unpackNonZero(st.ram.bitmap, st.ram.data, RAM_PAGE, back);
    expect(Buffer.from(back).equals(Buffer.from(ram))).toBe(true);
    expect(st.host.consoleInput).toEqual([104, 105]);
    const d = new Uint8Array(st.disks[0].size);
    unpackNonZero(st.disks[0].bitmap, st.disks[0].data, 65536, d);
    expect(Buffer.from(d).equals(Buffer.from(disk))).toBe(true);
  });

  it("refuses a truncated file at every length", () => {
    const { file } = sample();
    for (const n of [0, 5, 11, 12, 40, file.length >> 1, file.length - 9, file.length - 1]) {
      expect(() => decodeState(file.subarray(0, n)), `length ${n}`).toThrow(StateFormatError);
    }
    expect(() => decodeState(file.subarray(0, file.length - 1))).toThrow(/truncated/);
  });

  it("refuses a file with any byte changed, or with bytes added", () => {
    const { file } = sample();
    for (let at = 0; at < file.length; at += Math.max(1, Math.floor(file.length / 97))) {
      const bad = Buffer.from(file);
      bad[at] ^= 0x40;
      expect(() => decodeState(bad), `byte ${at}`).toThrow(StateFormatError);
    }
    expect(() => decodeState(Buffer.concat([file, Buffer.from([0])]))).toThrow(/trailing/);
    expect(() => decodeState(Buffer.from("QEVM\0\0\0\x03 not ours"))).toThrow(/Not a wasmvirt machine state/);
  });

  it("names the difference when the machine does not match", () => {
    expect(incompatibility(header, machine, "abcd")).toBeUndefined();
    expect(incompatibility(header, { ...machine, ramSize: 2 << 20 }, "abcd")).toMatch(
      /Size mismatch: riscv_virt_board.ram: 0x100000 != 0x200000.*-m 1M.*-m 2M/,
    );
    expect(incompatibility(header, { ...machine, harts: 1 }, "abcd")).toMatch(/-smp 2, this machine has -smp 1/);
    expect(incompatibility(header, { ...machine, virtio: machine.virtio.slice(0, 1) }, "abcd")).toMatch(
      /virtio-keyboard-device at virtio-mmio@10007000, this machine has none/,
    );
    expect(
      incompatibility(
        header,
        { ...machine, virtio: [{ ...machine.virtio[0], capacity: 2 << 20 }, machine.virtio[1]] },
        "abcd",
      ),
    ).toMatch(/disk at virtio-mmio@10008000 has 1048576 bytes in the state and 2097152 bytes here/);
    expect(
      incompatibility(header, { ...machine, virtio: [{ ...machine.virtio[0], flags: 1 }, machine.virtio[1]] }, "abcd"),
    ).toMatch(/writable in the state and read-only here/);
    expect(
      incompatibility(
        header,
        { ...machine, virtio: [{ slot: 7, type: 4, flags: 0, capacity: 0 }, machine.virtio[1]] },
        "abcd",
      ),
    ).toMatch(/virtio-blk-device at virtio-mmio@10008000, this machine has a virtio-rng-device/);
    expect(incompatibility(header, machine, "ffff")).toMatch(/another core build \(abcd, this is ffff\)/);
  });
});
