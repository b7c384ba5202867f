// gdb on the bundled guest: OpenSBI's entry, the kernel's entry (the Image's first instruction,
// where OpenSBI hands over in S-mode), OpenSBI's trap handler on the kernel's first SBI call, and a kernel function found from the hart's own state
// (stvec = the kernel's trap entry, handle_exception) once Linux runs: break, continue, hit,
// detach, and the guest is still a working shell; then by name, with the kernel's System.map
// (images/index.json "symbols"; the image has no kallsyms and no vmlinux is kept).
import { describe, it, expect, beforeAll, afterEach } from "vitest";
import { GuestProcess, wasmvirtBuilt } from "../helpers/guest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  ensureImages,
  ensureKernelSymbols,
  readImagesIndex,
  GUEST_MARKERS,
  type GuestImages,
} from "../../src/machine/images";
import { runGdb, startTarget, haveGdb, haveQemu, haveCrossGcc, symbolElfFromSystemMap } from "./helpers.js";

let images: GuestImages;
const running: GuestProcess[] = [];

const OPENSBI_ENTRY = "0x80000000"; // fw_dynamic's _start
const KERNEL_ENTRY = "0x80200000"; // where the virt boot layout puts the Image (QEMU's and ours)

function args(): string[] {
  return [
    "-M",
    "virt",
    "-m",
    "256M",
    "-bios",
    images.firmware,
    "-kernel",
    images.kernel,
    "-initrd",
    images.initrd,
    "-append",
    readImagesIndex(process.env.WASMVIRT_IMAGES_SRC).kernelCmdline,
  ];
}

async function gdbPort(g: GuestProcess): Promise<number> {
  for (let i = 0; i < 400; i++) {
    const m = /gdbserver listening on tcp:[^:]*:(\d+)/.exec(g.stderr);
    if (m) return Number(m[1]);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no gdbserver: ${g.stderr}`);
}

const ENTRY_SCRIPT = [
  `break *${OPENSBI_ENTRY}`,
  "continue",
  "p $priv",
  "p/x $a0",
  "delete",
  `break *${KERNEL_ENTRY}`,
  "continue",
  "p $priv",
  "p/x $a0",
  "p/x $a1",
  "x/2wx $pc",
  "stepi",
  "p/x $pc",
  "delete",
  // The kernel's first SBI call enters OpenSBI's trap handler (mtvec) in M-mode.
  "p/x $mtvec",
  "break *$mtvec",
  "continue",
  "p $priv",
  "p/x $mcause",
  "p/x $a7",
  "delete",
].join("\n");

describe.skipIf(!wasmvirtBuilt || !haveGdb)("gdb on the bundled Linux guest", () => {
  beforeAll(async () => {
    images = await ensureImages(process.env.WASMVIRT_IMAGES_SRC ? { srcDir: process.env.WASMVIRT_IMAGES_SRC } : {});
  }, 120_000);
  afterEach(() => {
    for (const g of running.splice(0)) g.kill();
  });

  it("stops at OpenSBI's entry and at the kernel's, breaks in the kernel's trap entry at the prompt, detaches; the shell still works", async () => {
    const g = new GuestProcess([...args(), "-nographic", "-gdb", "tcp:127.0.0.1:0", "-S"]);
    running.push(g);
    const port = await gdbPort(g);
    const first = await runGdb(port, ENTRY_SCRIPT + "\ndetach", { elf: null });
    expect(first).toContain(`Breakpoint 1, ${OPENSBI_ENTRY.replace("0x", "0x00000000")} in ?? ()`);
    expect(first).toContain(`Breakpoint 2, ${KERNEL_ENTRY.replace("0x", "0x00000000")} in ?? ()`);
    expect(first).toMatch(/\$1 = 3\n\$2 = 0x0\n/); // OpenSBI: M-mode, hart 0
    expect(first).toMatch(/\$3 = 1\n\$4 = 0x0\n\$5 = 0x8[0-9a-f]+\n/); // kernel: S-mode, a0 = hart 0, a1 = the FDT
    expect(first).toMatch(/Breakpoint 3, 0x0000000080[0-9a-f]{6} in \?\? \(\)\n\$8 = 3\n\$9 = 0x9\n/); // OpenSBI: M-mode, ecall from S
    expect(first).toContain("[Inferior 1 (process 1) detached]");
    await g.waitFor(GUEST_MARKERS.up, 120_000);
    await g.waitFor(GUEST_MARKERS.prompt, 60_000);

    // Attach to the running guest: it stops (paused); the kernel's trap vector is a kernel function.
    const second = await runGdb(
      port,
      [
        "p/x $stvec",
        "p $priv",
        "break *$stvec",
        "continue",
        "p/x $pc == $stvec",
        "p/x $scause",
        "x/2wx $pc",
        "maint packet Qqemu.PhyMemMode:1",
        "x/2wx $pc",
        "maint packet Qqemu.PhyMemMode:0",
        "delete",
        "detach",
      ].join("\n"),
      { elf: null },
    );
    const stvec = /\$1 = (0xffffffff8[0-9a-f]+)/.exec(second);
    expect(stvec, second).not.toBeNull();
    expect(second).toContain(`Breakpoint 1, ${stvec![1].replace(/^0x/, "0x")} in ?? ()`);
    expect(second).toMatch(/\$3 = 0x1\n/);
    // Memory at the kernel's virtual pc reads through the hart's page tables; in physical mode it is not mapped.
    expect(second).toMatch(new RegExp(`${stvec![1]}:\\t0x[0-9a-f]{8}\\t0x[0-9a-f]{8}\\n`));
    expect(second).toContain(`Cannot access memory at address ${stvec![1]}`);
    expect(second).toContain("[Inferior 1 (process 1) detached]");
    // The guest noticed nothing.
    expect(await g.run("echo debugged-$((6*7))")).toBe("debugged-42");
  }, 240_000);

  it.skipIf(!haveQemu)(
    "the entries look the same on QEMU 7.2",
    async () => {
      const out: string[] = [];
      for (const kind of ["wasmvirt", "qemu"] as const) {
        const t = await startTarget(kind, {
          bios: images.firmware,
          kernel: images.kernel,
          m: "256M",
          extra: ["-initrd", images.initrd, "-append", readImagesIndex(process.env.WASMVIRT_IMAGES_SRC).kernelCmdline],
        });
        try {
          out.push(await runGdb(t.port, ENTRY_SCRIPT + "\nkill", { elf: null }));
        } finally {
          await t.kill();
        }
      }
      expect(out[0]).toContain("Breakpoint 2, 0x0000000080200000 in ?? ()");
      expect(out[0]).toBe(out[1]);
    },
    240_000,
  );

  it.skipIf(!haveCrossGcc)(
    "breaks on kernel functions by name (System.map), continues, detaches, and the guest reaches its prompt; as on QEMU 7.2",
    async () => {
      const map = await ensureKernelSymbols(
        process.env.WASMVIRT_IMAGES_SRC ? { srcDir: process.env.WASMVIRT_IMAGES_SRC } : {},
      );
      expect(map, "images/index.json lists the kernel's System.map").toBeDefined();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasmvirt-ksyms-"));
      try {
        const elf = symbolElfFromSystemMap(map!, dir);
        const script = [
          `symbol-file ${elf}`,
          "break start_kernel",
          "break kernel_init",
          "continue",
          "p $priv",
          "p/x $pc == start_kernel",
          "continue",
          "info symbol $pc",
          "delete",
        ].join("\n");
        const g = new GuestProcess([...args(), "-nographic", "-gdb", "tcp:127.0.0.1:0", "-S"]);
        running.push(g);
        const out = await runGdb(await gdbPort(g), script + "\ndetach", { elf: null, scriptDir: dir });
        expect(out).toMatch(/Breakpoint 1, 0xffffffff8[0-9a-f]+ in start_kernel \(\)/);
        expect(out).toMatch(/\$1 = 1\n\$2 = 0x1\n/);
        expect(out).toMatch(/Breakpoint 2, 0xffffffff8[0-9a-f]+ in kernel_init \(\)/);
        expect(out).toContain("kernel_init in section .ktext");
        await g.waitFor(GUEST_MARKERS.prompt, 120_000);
        expect(await g.run("echo symbols-$((6*7))")).toBe("symbols-42");
        if (haveQemu) {
          const t = await startTarget("qemu", {
            bios: images.firmware,
            kernel: images.kernel,
            m: "256M",
            extra: [
              "-initrd",
              images.initrd,
              "-append",
              readImagesIndex(process.env.WASMVIRT_IMAGES_SRC).kernelCmdline,
            ],
          });
          try {
            const q = await runGdb(t.port, script + "\ndetach", { elf: null, scriptDir: dir });
            expect(out).toBe(q);
          } finally {
            await t.kill();
          }
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    240_000,
  );
});
