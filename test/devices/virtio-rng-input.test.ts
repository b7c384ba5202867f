// virtio-rng (host entropy) and the virtio keyboard that carries our power button.
import { describe, it, expect } from "vitest";
import { Machine, RAM_BASE } from "./core.js";
import { VirtioDriver, REG, F } from "./virtio-driver.js";

const BUF = RAM_BASE + 0x20_0000;

describe("virtio-rng", () => {
  it("fills the driver's buffers with host randomness", async () => {
    const m = await new Machine().start(1);
    expect(m.core.virtioAttach(6, 4, 0, 0, 0)).toBe(0);
    const d = new VirtioDriver(m, 6);
    expect(d.read(REG.DEVICE_ID)).toBe(4);
    expect(d.negotiate(F.VERSION_1 | F.INDIRECT_DESC | F.EVENT_IDX)).toBe(true);
    const q = d.setupQueue(0, 8, RAM_BASE + 0x10_0000);
    d.driverOk();
    m.ram(BUF, 128).fill(0);
    q.add([{ addr: BUF, len: 64, write: true }]);
    q.add([{ addr: BUF + 64, len: 64, write: true }]);
    q.kick();
    expect(q.takeUsed()).toEqual([
      { id: 0, len: 64 },
      { id: 1, len: 64 },
    ]);
    const a = m.ram(BUF, 64),
      b = m.ram(BUF + 64, 64);
    expect(a.some((x) => x !== 0)).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(new Set(a).size).toBeGreaterThan(20); // 64 random bytes hit many values
    expect(m.core.plicPending(7)).not.toBe(0);
  });
});

describe("virtio-input keyboard", () => {
  async function keyboard() {
    const m = await new Machine().start(1);
    expect(m.core.virtioAttach(5, 18, 0, 0, 0)).toBe(0);
    const d = new VirtioDriver(m, 5);
    return { m, d };
  }
  /** What Linux's virtio_input does for each config item: select, subsel, then size and data. */
  function cfg(d: VirtioDriver, select: number, subsel: number): Uint8Array {
    d.write(REG.CONFIG + 0, select, 1);
    d.write(REG.CONFIG + 1, subsel, 1);
    const size = Number(d.config(2, 1));
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = Number(d.config(8 + i, 1));
    return out;
  }

  it("describes itself as QEMU's virtio keyboard, with KEY_POWER among its keys", async () => {
    const { d } = await keyboard();
    expect(d.read(REG.DEVICE_ID)).toBe(18);
    const name = new TextDecoder().decode(cfg(d, 0x01, 0)).replace(/\0+$/, "");
    expect(name).toBe("QEMU Virtio Keyboard");
    const ids = cfg(d, 0x03, 0);
    expect(new DataView(ids.buffer).getUint16(0, true)).toBe(6); // BUS_VIRTUAL
    const keys = cfg(d, 0x11, 1); // EV_BITS, EV_KEY
    const has = (code: number) => (keys[code >> 3] >> (code & 7)) & 1;
    expect(has(116)).toBe(1); // KEY_POWER
    expect(has(30)).toBe(1); // KEY_A
    expect(has(0)).toBe(0); // KEY_RESERVED
    expect(cfg(d, 0x11, 0x11)).toEqual(new Uint8Array([7])); // EV_LED: num, caps, scroll lock
    expect(cfg(d, 0x11, 0x14).length).toBe(1); // EV_REP
    expect(cfg(d, 0x11, 0x02).length).toBe(0); // no EV_REL: not a mouse
    expect(cfg(d, 0x12, 0).length).toBe(0); // no ABS_INFO
  });

  it("delivers the power button as EV_KEY 116 down/up, each followed by EV_SYN", async () => {
    const { m, d } = await keyboard();
    expect(d.negotiate(F.VERSION_1 | F.EVENT_IDX)).toBe(true);
    const evq = d.setupQueue(0, 64, RAM_BASE + 0x10_0000);
    d.setupQueue(1, 64, RAM_BASE + 0x11_0000);
    d.driverOk();
    for (let i = 0; i < 8; i++) evq.add([{ addr: BUF + 8 * i, len: 8, write: true }]);
    evq.kick();
    expect(evq.usedIdx()).toBe(0); // nothing to say yet
    expect(m.core.inputPowerButton()).toBe(1);
    const used = evq.takeUsed();
    expect(used.map((u) => u.len)).toEqual([8, 8, 8, 8]);
    const dv = m.dv;
    const ev = used.map(({ id }) => {
      const p = m.lin(BUF + 8 * id);
      return [dv.getUint16(p, true), dv.getUint16(p + 2, true), dv.getUint32(p + 4, true)];
    });
    expect(ev).toEqual([
      [1, 116, 1],
      [0, 0, 0],
      [1, 116, 0],
      [0, 0, 0],
    ]);
    expect(d.isr() & 1).toBe(1);
    expect(m.core.plicPending(6)).not.toBe(0);
  });

  it("keeps key events until the driver posts buffers", async () => {
    const { m, d } = await keyboard();
    expect(d.negotiate(F.VERSION_1)).toBe(true);
    const evq = d.setupQueue(0, 64, RAM_BASE + 0x10_0000);
    d.driverOk();
    expect(m.core.inputSendKey(30, 1)).toBe(1); // no buffer posted yet
    expect(evq.usedIdx()).toBe(0);
    evq.add([{ addr: BUF, len: 8, write: true }]);
    evq.kick();
    expect(evq.usedIdx()).toBe(1);
    expect(m.dv.getUint16(m.lin(BUF) + 2, true)).toBe(30);
    evq.add([{ addr: BUF + 8, len: 8, write: true }]);
    m.core.virtioPoll(); // delivered between slices too
    expect(evq.usedIdx()).toBe(2);
    expect(m.dv.getUint16(m.lin(BUF + 8), true)).toBe(0); // the EV_SYN
  });

  it("reports that no keyboard is attached", async () => {
    const m = await new Machine().start(1);
    expect(m.core.inputPowerButton()).toBe(0);
  });
});
