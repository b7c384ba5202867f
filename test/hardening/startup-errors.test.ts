// Start-up errors as a user meets them: every input that cannot be used (a disk image that is a
// directory, a FIFO, a character device, not writable; a kernel that is /dev/zero or larger than RAM;
// an unusable -D log or -qmp socket path; a checkout that was never built) is one line naming the
// file, and exit status 1 — never a hang, a stack trace, or a silent exit 0.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import {
  mkdtempSync,
  writeFileSync,
  rmSync,
  chmodSync,
  mkdirSync,
  copyFileSync,
  statSync,
  truncateSync,
  existsSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, wasmvirtBin, wasmvirtBuilt } from "../helpers/guest";

const elf = join(repoRoot, "test", "isa", "bin", "rv64ui.elf");
function run(args: string[], opts: { uid?: number; gid?: number; bin?: string } = {}) {
  const r = spawnSync(process.execPath, [opts.bin ?? wasmvirtBin, ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    timeout: 20_000,
    input: "",
    uid: opts.uid,
    gid: opts.gid,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}
const base = ["-M", "virt", "-bios", "none", "-kernel", elf, "-nographic", "-serial", "null"];

let dir: string;
let fifo: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wasmvirt-startup-"));
  chmodSync(dir, 0o755);
  fifo = join(dir, "fifo");
  spawnSync("mkfifo", [fifo]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectOneLine(r: ReturnType<typeof run>, message: RegExp, what: string) {
  expect(r.signal, what).toBeNull(); // answered at once, not killed by the timeout
  expect(r.stderr, what).toMatch(message);
  expect(r.stderr.trim().split("\n"), what).toHaveLength(1);
  expect(r.status, what).toBe(1);
}

describe.skipIf(!wasmvirtBuilt)("start-up errors", () => {
  it("refuses disk images that are no regular file, with QEMU's message and the -drive word", () => {
    expect(existsSync(fifo)).toBe(true);
    const cases: [string, RegExp][] = [
      [dir, /'file' driver requires '.*' to be a regular file/],
      [
        "/dev/null",
        /-drive file=\/dev\/null,format=raw,if=virtio: 'file' driver requires '\/dev\/null' to be a regular file/,
      ],
      ["/dev/zero", /'file' driver requires '\/dev\/zero' to be a regular file/],
      [fifo, /'file' driver requires '.*fifo' to be a regular file/],
      [join(dir, "missing.img"), /Could not open '.*missing\.img': No such file or directory/],
    ];
    for (const [file, message] of cases) {
      expectOneLine(run([...base, "-drive", `file=${file},format=raw,if=virtio`]), message, file);
    }
  });

  it.skipIf(process.getuid?.() !== 0)(
    "refuses an image its user cannot write unless readonly=on (run as nobody)",
    () => {
      const img = join(dir, "ro.img");
      writeFileSync(img, Buffer.alloc(64 * 1024));
      chmodSync(img, 0o444);
      const nobody = { uid: 65534, gid: 65534 };
      expectOneLine(
        run([...base, "-drive", `file=${img},format=raw,if=virtio`], nobody),
        /-drive file=.*ro\.img,format=raw,if=virtio: Could not open '.*ro\.img': Permission denied/,
        "read-write",
      );
      const ro = run([...base, "-serial", "stdio", "-drive", `file=${img},format=raw,if=virtio,readonly=on`], nobody);
      expect(ro.stdout).toContain("rv64ui: PASS");
      expect(ro.status).toBe(0);
    },
  );

  it("keeps QEMU's cache= words it can honour and refuses the ones it cannot", () => {
    const img = join(dir, "cache.img");
    writeFileSync(img, Buffer.alloc(64 * 1024));
    for (const mode of ["writeback", "writethrough", "unsafe"]) {
      const r = run([...base, "-serial", "stdio", "-drive", `file=${img},format=raw,if=virtio,cache=${mode}`]);
      expect(r.stdout, mode).toContain("rv64ui: PASS");
      expect(r.status, mode).toBe(0);
    }
    for (const mode of ["none", "directsync"]) {
      expectOneLine(
        run([...base, "-drive", `file=${img},format=raw,if=virtio,cache=${mode}`]),
        new RegExp(`cache=${mode} is not supported: wasmvirt cannot bypass the host page cache \\(O_DIRECT\\)`),
        mode,
      );
    }
    expectOneLine(
      run([...base, "-drive", `file=${img},format=raw,if=virtio,cache=fast`]),
      /invalid cache option 'fast'/,
      "fast",
    );
  });

  it("checks -kernel/-initrd/-bios/-dtb for type and size before reading them", () => {
    const big = join(dir, "big.bin");
    writeFileSync(big, "");
    truncateSync(big, 5 * 2 ** 30); // sparse: 5 GiB that take no disk
    const cases: [string[], RegExp][] = [
      [["-bios", "none", "-kernel", "/dev/zero"], /could not load kernel '\/dev\/zero': not a regular file/],
      [["-bios", "none", "-kernel", fifo], /could not load kernel '.*fifo': not a regular file/],
      [["-bios", "none", "-kernel", dir], /could not load kernel '.*': Is a directory/],
      [
        ["-bios", "none", "-kernel", big],
        /could not load kernel '.*big\.bin': file too large \(5368709120 bytes; at most 134217728 fit\)/,
      ],
      [["-bios", "/dev/zero", "-kernel", elf], /could not load firmware '\/dev\/zero': not a regular file/],
      [
        ["-bios", "none", "-kernel", elf, "-initrd", "/dev/zero"],
        /could not load initrd '\/dev\/zero': not a regular file/,
      ],
      [["-bios", "none", "-kernel", elf, "-initrd", big], /could not load initrd '.*': file too large/],
      [
        ["-bios", "none", "-kernel", elf, "-dtb", "/dev/zero"],
        /could not load device tree '\/dev\/zero': not a regular file/,
      ],
      [["-bios", "none", "-kernel", elf, "-dtb", big], /could not load device tree '.*': file too large/],
    ];
    for (const [args, message] of cases) expectOneLine(run(["-M", "virt", ...args]), message, args.join(" "));
  });

  it("-D: a directory or a missing directory is a one-line error (nothing created); the log is created 0600", () => {
    expectOneLine(run([...base, "-D", dir]), /^wasmvirt: Error opening logfile .*: Is a directory$/m, "-D dir");
    const deep = join(dir, "no", "such", "log.txt");
    expectOneLine(
      run([...base, "-D", deep]),
      /Error opening logfile .*log\.txt: No such file or directory/,
      "-D missing/dir",
    );
    expect(existsSync(join(dir, "no"))).toBe(false);
    const log = join(dir, "vm.log");
    const ok = run([...base, "-D", log]);
    expect(ok.status).toBe(0);
    expect(statSync(log).mode & 0o777).toBe(0o600);
  });

  it("-qmp unix: in a missing directory names it", () => {
    expectOneLine(
      run([...base, "-S", "-qmp", `unix:${join(dir, "missing", "dir", "s")},server=on,wait=off`]),
      /-qmp unix:.*missing\/dir\/s,server=on,wait=off: Failed to bind socket to .*missing\/dir\/s: No such file or directory/,
      "-qmp",
    );
  });

  it("a checkout that was never built says what to run", () => {
    const clone = join(dir, "clone");
    mkdirSync(join(clone, "bin"), { recursive: true });
    copyFileSync(wasmvirtBin, join(clone, "bin", "wasmvirt.js"));
    writeFileSync(join(clone, "package.json"), JSON.stringify({ type: "module" }));
    const r = run(["-h"], { bin: join(clone, "bin", "wasmvirt.js") });
    expectOneLine(
      r,
      /wasmvirt: not built yet \(dist\/cli\.js, build\/core\.wasm missing\): run 'npm install && npm run build'/,
      "fresh clone",
    );
  });
});
