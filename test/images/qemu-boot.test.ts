// The bundled guest images boot on QEMU 7.2's virt machine, the reference wasmvirt copies: to the marker and a shell
// that runs commands, through the power button and the disk, and through the benchmark mode to power-off.
// The benchmark's results are recomputed here from the parameters it prints, so a guest that computes wrongly fails.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureImages, freshDisk, GUEST_MARKERS, readImagesIndex, type GuestImages } from "../../src/machine/images.js";
import { haveQemu, QemuGuest } from "./qemu-guest.js";

const qemu = haveQemu();
const BOOT_MS = 60_000;
const sha256 = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");

/** Shell line that returns once some process holds an input event device open (the power-button listener). */
const LISTENER_READY =
  "for i in $(seq 300); do ls -l /proc/[0-9]*/fd 2>/dev/null | grep -q /dev/input/event && break; sleep 0.1; done; echo listener-ready";

describe.skipIf(!qemu)("guest images on qemu-system-riscv64 -M virt", () => {
  let images: GuestImages;
  const { kernelCmdline, benchCmdline } = readImagesIndex();
  const guests: QemuGuest[] = [];
  const tmp = mkdtempSync(join(tmpdir(), "wasmvirt-images-"));
  const start = (opts: ConstructorParameters<typeof QemuGuest>[1]) => {
    const g = new QemuGuest(images, opts);
    guests.push(g);
    return g;
  };

  beforeAll(async () => {
    images = await ensureImages();
  });
  afterAll(() => {
    for (const g of guests) g.kill();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("boots to the marker and a job-control shell, runs commands, and `poweroff` exits QEMU with 0", async () => {
    const g = start({ append: kernelCmdline });
    await g.waitFor(/Linux version 6\.1\.\d+/, BOOT_MS);
    await g.waitFor(GUEST_MARKERS.up, BOOT_MS);
    await g.waitFor(GUEST_MARKERS.prompt, BOOT_MS);

    let at = g.type("echo $((6*7))");
    await g.waitFor(/^42\r?$/m, 10_000, at);

    // cttyhack gave the shell the serial port as its controlling terminal (needed for job control and ^C)
    at = g.type("tty; echo tty-done");
    const tty = await g.waitFor(/^(\/dev\/\S+)\r?\n(?:.*\n)?tty-done/m, 10_000, at);
    expect(tty[1]).toBe("/dev/ttyS0");

    g.type("poweroff");
    expect(await g.exited).toBe(0);
    expect(g.output).toContain("wasmvirt-guest: poweroff");
    expect(g.output).toMatch(/reboot: Power down/);
  });

  it("runs the benchmark mode to its done marker with correct results, then powers off", async () => {
    const g = start({ append: benchCmdline });
    await g.waitFor(GUEST_MARKERS.benchDone, BOOT_MS);
    expect(await g.exited).toBe(0);
    expect(g.output).not.toContain(GUEST_MARKERS.prompt); // no shell in benchmark mode

    const field = (part: string, key: string) => {
      const m = new RegExp(`^wasmvirt-bench: ${part} .*\\b${key}=(\\S+)`, "m").exec(g.output);
      if (!m) throw new Error(`no ${part} ${key} in:\n${g.output}`);
      return m[1]!.replace(/\r$/, "");
    };
    const n = (key: string) => Number(field("begin", key));

    // integer part: x <- (x * 1103515245 + 12345) mod 2^31, and sha256 of `seq 1 N`
    let x = 1n;
    for (let i = 0; i < n("int_n"); i++) x = (x * 1103515245n + 12345n) & 0x7fffffffn;
    expect(field("int", "x")).toBe(String(x));
    expect(field("int", "seq_sha256")).toBe(
      sha256(Array.from({ length: n("int_n") }, (_, i) => `${i + 1}\n`).join("")),
    );

    // memory part: the lines 1..N with their digits reversed, sorted bytewise (ASCII, so JS's default order)
    const lines = Array.from({ length: n("mem_n") }, (_, i) => [...String(i + 1)].reverse().join("")).sort();
    expect(field("mem", "sorted_sha256")).toBe(sha256(lines.map((l) => `${l}\n`).join("")));
    expect(field("mem", "gzip")).toBe("ok");

    // floating point: awk's libm and V8's Math may differ in the last bit of a term, not in 6 decimals of the sum
    let s = 0;
    const fpN = n("fp_n");
    for (let i = 1; i <= fpN; i++) s += (Math.sqrt(i) * Math.sin(i)) / (1 + Math.log(i)) + Math.exp(-i / fpN);
    expect(Math.abs(Number(field("fp", "sum")) - s)).toBeLessThan(1e-5);

    // file I/O part: io_mb MiB of bytes 0..255 repeated
    const pattern = Uint8Array.from({ length: 256 }, (_, i) => i);
    const data = new Uint8Array(n("io_mb") * 1024 * 1024);
    for (let off = 0; off < data.length; off += 256) data.set(pattern, off);
    expect(field("io", "sha256")).toBe(sha256(data));

    for (const part of ["int", "mem", "fp", "io", "total"]) expect(Number(field(part, "ms"))).toBeGreaterThanOrEqual(0);
  });

  it("shuts down cleanly on a power-button press (virtio keyboard KEY_POWER), with -smp 2", async () => {
    const g = start({ append: kernelCmdline, smp: 2, keyboard: true, qmp: true });
    await g.waitFor(GUEST_MARKERS.up, BOOT_MS);
    await g.waitFor(GUEST_MARKERS.prompt, BOOT_MS);
    const at = g.type("grep -c ^processor /proc/cpuinfo");
    await g.waitFor(/^2\r?$/m, 10_000, at);
    // The listener starts in the background just before the shell: press only once it has the
    // event device open (an event device keeps no events for readers that are not there yet).
    const ready = g.type(LISTENER_READY);
    await g.waitFor(/^listener-ready\r?$/m, 30_000, ready);
    // the power key as QEMU's input layer sends it: press and release through the virtio keyboard
    const reply = await g.qmp("send-key", { keys: [{ type: "qcode", data: "power" }] });
    expect(reply).toEqual({ return: {} });
    expect(await g.exited).toBe(0);
    expect(g.output).toContain("wasmvirt-guest: power button");
    expect(g.output).toContain("wasmvirt-guest: poweroff");
  });

  it("mounts the bundled ext2 disk on /mnt, reads it, and keeps what the guest wrote across a reboot", async () => {
    const disk = await freshDisk(join(tmp, "disk.ext2"), images);
    const numbers = sha256(Array.from({ length: 1000 }, (_, i) => `${i + 1}\n`).join(""));

    const first = start({ append: kernelCmdline, disk });
    await first.waitFor("wasmvirt-guest: /dev/vda mounted on /mnt", BOOT_MS);
    await first.waitFor(GUEST_MARKERS.prompt, BOOT_MS);
    let at = first.type("sha256sum /mnt/numbers.txt");
    await first.waitFor(`${numbers}  /mnt/numbers.txt`, 10_000, at);
    at = first.type("echo persisted-$((40+2)) > /mnt/note.txt && echo written");
    await first.waitFor(/^written\r?$/m, 10_000, at);
    first.type("poweroff");
    expect(await first.exited).toBe(0);

    const second = start({ append: kernelCmdline, disk });
    await second.waitFor(GUEST_MARKERS.prompt, BOOT_MS);
    at = second.type("cat /mnt/note.txt");
    await second.waitFor(/^persisted-42\r?$/m, 10_000, at);
    second.type("poweroff");
    expect(await second.exited).toBe(0);
    expect(readFileSync(disk).includes(Buffer.from("persisted-42\n"))).toBe(true);
  });
});

describe("images/index.json", () => {
  it("lists a firmware, kernel, initrd and disk whose compressed files are in the repository and small", () => {
    const { artifacts } = readImagesIndex();
    expect(artifacts.map((a) => a.role).sort()).toEqual(["disk", "firmware", "initrd", "kernel"]);
    let total = 0;
    for (const a of artifacts) {
      const packed = readFileSync(join("images", a.file));
      expect(sha256(packed)).toBe(a.gzSha256);
      total += packed.length;
    }
    expect(total).toBeLessThan(10 * 1024 * 1024);
  });
});
