// The command line as a user meets it: clear one-line errors for bad input, -h/-version,
// dumpdtb, and bare-metal programs whose sifive_test write becomes the exit status.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, wasmvirtBin, wasmvirtBuilt } from "./helpers/guest";

function run(args: string[], timeout = 20_000) {
  const r = spawnSync(process.execPath, [wasmvirtBin, ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    timeout,
    input: "",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const elf = (name: string) => join(repoRoot, "test", "isa", "bin", `${name}.elf`);
const qmpFixture = (name: string) => join(repoRoot, "test", "qmp", "fixtures", `${name}.elf`);

describe.skipIf(!wasmvirtBuilt)("wasmvirt command line", () => {
  it("runs a bare-metal ELF and exits with its sifive_test status", () => {
    const r = run(["-M", "virt", "-bios", "none", "-kernel", elf("rv64ui"), "-nographic"]);
    expect(r.stdout).toContain("rv64ui: PASS");
    expect(r.status).toBe(0);
  });

  it("sends the console to a file with -serial file:PATH, and nowhere with -serial null", () => {
    const dir = mkdtempSync(join(tmpdir(), "wasmvirt-cli-"));
    try {
      const out = join(dir, "serial.txt");
      writeFileSync(out, "old contents\n");
      const r = run(["-M", "virt", "-bios", "none", "-kernel", elf("rv64ui"), "-serial", `file:${out}`]);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe("");
      expect(readFileSync(out, "utf8")).toBe("rv64ui: PASS\n");
      const n = run(["-M", "virt", "-bios", "none", "-kernel", elf("rv64ui"), "-serial", "null"]);
      expect(n.status).toBe(0);
      expect(n.stdout).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the problem for bad input and exits 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "wasmvirt-cli-"));
    try {
      const notElf = join(dir, "notelf.elf");
      writeFileSync(notElf, "");
      const cases: [string[], RegExp][] = [
        [
          ["-M", "virt", "-bios", "none", "-kernel", join(dir, "missing.elf")],
          /could not load kernel '.*missing\.elf': No such file or directory/,
        ],
        [["-M", "virt", "-bios", "none", "-kernel", notElf], /kernel file is empty/],
        [["-M", "virt", "-bios", "none", "-kernel", "/bin/sh"], /not RISC-V/],
        [["-frobnicate"], /-frobnicate: invalid option/],
        [["-M", "pc"], /unsupported machine type/],
        [["-m", "8G", "-bios", "none", "-kernel", elf("rv64ui")], /at most 3072 MiB/],
        [["-m", "lots"], /invalid size 'lots'/],
        [["-smp", "9"], /at most 8 harts/],
        [["-device", "e1000"], /unsupported device \(supported: virtio-blk-device/],
        [
          ["-drive", `file=${join(dir, "nodisk.img")},format=raw,if=virtio`, "-bios", "none", "-kernel", elf("rv64ui")],
          /-drive file=.*nodisk.img,format=raw,if=virtio: Could not open '.*nodisk.img': No such file or directory/,
        ],
        [["-drive", "file=x.img,format=qcow2"], /format 'qcow2' is not supported/],
        [["-kernel"], /-kernel needs an argument/],
        [["-serial", "pty"], /-serial pty: unsupported/],
        [
          ["-serial", `file:${join(dir, "no", "such", "dir")}`, "-bios", "none", "-kernel", elf("rv64ui")],
          /No such file or directory/,
        ],
      ];
      for (const [args, message] of cases) {
        const r = run(args);
        expect(r.stderr, args.join(" ")).toMatch(message);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.status, args.join(" ")).toBe(1);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits with the guest's status even when the guest powers off before the monitor is up", () => {
    const dir = mkdtempSync(join(tmpdir(), "wasmvirt-cli-"));
    try {
      const sock = join(dir, "qmp.sock");
      writeFileSync(sock, "a stale regular file where the socket goes\n"); // QEMU replaces it; so do we
      const r = run([
        "-M",
        "virt",
        "-bios",
        "none",
        "-kernel",
        elf("rv64ui"),
        "-nographic",
        "-qmp",
        `unix:${sock},server=on,wait=off`,
      ]);
      expect(r.stdout).toContain("rv64ui: PASS");
      expect(r.status).toBe(0);
      expect(existsSync(sock)).toBe(false); // the socket is removed on exit
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("prints help and version", () => {
    const h = run(["-h"]);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/-kernel FILE/);
    const v = run(["-version"]);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^wasmvirt \d+\.\d+\.\d+/);
  });

  it("writes the device tree with -M virt,dumpdtb=FILE and runs nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "wasmvirt-cli-"));
    try {
      const out = join(dir, "virt.dtb");
      const r = run([
        "-M",
        `virt,dumpdtb=${out}`,
        "-m",
        "128M",
        "-smp",
        "2",
        "-bios",
        "none",
        "-kernel",
        elf("rv64ui"),
      ]);
      expect(r.status).toBe(0);
      expect(r.stdout).not.toContain("PASS");
      const dtb = readFileSync(out);
      expect(dtb.readUInt32BE(0)).toBe(0xd00dfeed);
      expect(dtb.toString("latin1")).toContain("riscv-virtio");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("with -no-reboot a guest reset ends the process instead of rebooting", () => {
    expect(existsSync(qmpFixture("reset"))).toBe(true);
    const r = run(["-M", "virt", "-bios", "none", "-kernel", qmpFixture("reset"), "-nographic", "-no-reboot"]);
    expect(r.status).toBe(0);
  });
});
