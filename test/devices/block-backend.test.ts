// Host block backends: what -drive file=... needs, with the errors a user would see.
import { describe, it, expect, afterEach } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FileBlockBackend } from "../../src/block/file.js";
import { MemoryBlockBackend } from "../../src/block/memory.js";
import { makeDeviceImports } from "../../src/machine/device-imports.js";

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "wasmvirt-bb-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

describe("FileBlockBackend", () => {
  it("reads and writes a raw image at byte offsets, and zero-fills past its end", () => {
    const f = path.join(tmp(), "a.img");
    fs.writeFileSync(f, Buffer.alloc(4096, 0x11));
    const b = new FileBlockBackend(f);
    expect(b.size).toBe(4096);
    expect(b.readOnly).toBe(false);
    b.write(new Uint8Array([1, 2, 3]), 1000);
    b.flush();
    const r = new Uint8Array(8);
    b.read(r, 4092);
    expect([...r]).toEqual([0x11, 0x11, 0x11, 0x11, 0, 0, 0, 0]);
    b.close();
    expect([...fs.readFileSync(f).subarray(999, 1004)]).toEqual([0x11, 1, 2, 3, 0x11]);
  });

  it("refuses writes when opened read-only and leaves the file alone", () => {
    const f = path.join(tmp(), "ro.img");
    fs.writeFileSync(f, Buffer.alloc(512, 7));
    const b = new FileBlockBackend(f, { readOnly: true });
    expect(() => b.write(new Uint8Array(4), 0)).toThrow(/read-only/);
    b.close();
    expect(fs.readFileSync(f).every((x) => x === 7)).toBe(true);
  });

  it("names the file and the reason when it cannot be opened", () => {
    const missing = path.join(tmp(), "nope.img");
    expect(() => new FileBlockBackend(missing)).toThrow(`Could not open '${missing}': No such file or directory`);
    const d = tmp();
    expect(() => new FileBlockBackend(d)).toThrow(/Could not open '.*': Is a directory/);
  });
});

describe("device imports", () => {
  it("turn backend failures into an I/O error status for the guest and report them", () => {
    const mem = new WebAssembly.Memory({ initial: 1 });
    const errors: string[] = [];
    const disk = new MemoryBlockBackend(1024, { readOnly: true });
    const env = makeDeviceImports(() => mem, { disks: [disk], onDiskError: (n, op) => errors.push(`${n}:${op}`) });
    new Uint8Array(mem.buffer).set([9, 9, 9, 9], 100);
    expect(env.blkWrite(0, 0, 100, 4)).toBeLessThan(0);
    expect(env.blkRead(3, 0, 100, 4)).toBeLessThan(0); // no such disk
    expect(env.blkRead(0, 0, 100, 4)).toBe(0);
    expect([...new Uint8Array(mem.buffer, 100, 4)]).toEqual([0, 0, 0, 0]);
    expect(env.blkFlush(0)).toBe(0);
    expect(disk.flushes).toBe(1);
    expect(errors).toEqual(["0:write"]);
    const t = env.hostTimeNs() / 1e6;
    expect(Math.abs(t - Date.now())).toBeLessThan(50);
  });
});
