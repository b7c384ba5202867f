// The remote protocol's framing on its own: what the reader makes of bytes, and what it sends back.
import { describe, it, expect } from "vitest";
import { PacketReader, framePacket, MAX_PACKET_LENGTH } from "../../src/gdb/framing.js";

/** A packet framed as is (no escaping), checksum over the bytes as sent. */
const raw = (body: string) =>
  `$${body}#${(body.split("").reduce((a, c) => a + c.charCodeAt(0), 0) & 0xff).toString(16).padStart(2, "0")}`;

function reader() {
  const packets: string[] = [],
    sent: string[] = [];
  let interrupts = 0;
  const r = new PacketReader({
    packet: (d) => packets.push(d.toString("latin1")),
    interrupt: () => {
      interrupts++;
    },
    write: (b) => sent.push(typeof b === "string" ? b : b.toString("latin1")),
  });
  return { r, packets, sent, interrupts: () => interrupts, feed: (s: string) => r.feed(Buffer.from(s, "latin1")) };
}

describe("gdb remote protocol framing", () => {
  it("acknowledges good packets, refuses bad checksums, and decodes escapes and run lengths", () => {
    const x = reader();
    x.feed("$?#3f$?#00");
    expect(x.packets).toEqual(["?"]);
    expect(x.sent).toEqual(["+", "-"]);
    x.feed(framePacket("X0,2:\x7d\x03").toString("latin1")); // escaped as gdb sends it
    x.feed(raw("M0,4:0* 1")); // '0' then 32 - 29 = 3 more
    expect(x.packets.slice(1)).toEqual(["X0,2:\x7d\x03", "M0,4:00001"]);
  });

  it("takes 0x03 outside a packet as an interrupt, drops oversized packets, and resends on '-'", () => {
    const x = reader();
    x.feed("\x03");
    expect(x.interrupts()).toBe(1);
    x.feed(framePacket("m" + "0".repeat(MAX_PACKET_LENGTH + 10)).toString("latin1"));
    expect(x.packets).toEqual([]);
    x.r.lastPacket = framePacket("OK");
    x.feed("-");
    expect(x.sent.at(-1)).toBe("$OK#9a");
    x.feed("+");
    expect(x.r.lastPacket).toBeNull();
  });

  it("escapes the protocol's reserved characters in replies", () => {
    expect(framePacket("a$b#c}d*e").toString("latin1")).toBe(raw("a}\x04b}\x03c}]d}\x0ae"));
  });
});
