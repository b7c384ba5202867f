// gdb against wasmvirt and against QEMU 7.2 on the same ELF (test/gdb/guest), the same script:
// the transcripts must be equal. Without QEMU, wasmvirt's transcript is still checked for what a
// user looks at (the stops, the values, the program's output).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it, expect } from "vitest";
import { startTarget, runGdb, haveGdb, haveQemu, haveCli, type Target } from "./helpers.js";

const run = haveGdb && haveCli;

/** Runs `script` under gdb against a fresh target of each kind; returns both transcripts and UART outputs. */
async function both(
  script: string,
  opts: Parameters<typeof startTarget>[1] = {},
  kinds = haveQemu ? (["wasmvirt", "qemu"] as const) : (["wasmvirt"] as const),
) {
  const out: Record<string, { gdb: string; serial: string }> = {};
  const scriptDir = fs.mkdtempSync(path.join(os.tmpdir(), "wasmvirt-gdbscript-"));
  // One after the other: the machine has two cores and other workers.
  for (const kind of kinds) {
    const t: Target = await startTarget(kind, opts);
    try {
      const gdb = await runGdb(t.port, script, { scriptDir });
      await Promise.race([t.exited, new Promise((r) => setTimeout(r, 3000))]);
      out[kind] = { gdb, serial: t.serial() };
    } finally {
      await t.kill();
    }
  }
  fs.rmSync(scriptDir, { recursive: true, force: true });
  return out;
}

describe.skipIf(!run)("gdb on a bare-metal program, compared with QEMU 7.2", () => {
  it("breakpoint registers, bt, stepi pcs, x/8xg, set var changing the output", async () => {
    const script = [
      "break scale",
      "continue",
      "info registers",
      "bt",
      ...Array.from({ length: 6 }, () => ["stepi", "p $pc"]).flat(),
      "x/8xg &table",
      "p factor",
      "delete",
      "set var factor = 5",
      "set var table[7] = 0x100",
      "continue",
    ].join("\n");
    const r = await both(script);
    const w = r.wasmvirt;
    expect(w.gdb).toContain("Breakpoint 1, scale (v=17, f=3) at ./debugme.c:17");
    expect(w.gdb).toMatch(/#1  0x0+800000fc in accumulate \(n=n@entry=8\) at \.\/debugme\.c:24/);
    expect(w.gdb).toMatch(/#2  0x0+80000126 in main \(\) at \.\/debugme\.c:31/);
    expect(w.gdb).toMatch(/pc +0x800000c6\t0x800000c6 <scale>/);
    expect(w.gdb).toMatch(/a0 +0x11\t17/);
    expect(w.gdb).toContain("0x80000188 <table>:\t0x0000000000000011\t0x0000000000000022");
    expect(w.gdb).toContain("$1 = (void (*)()) 0x800000ca <scale+4>");
    // The first element was scaled by 3 before the change; the rest by 5, with table[7] = 0x100.
    const expected = 0x11 * 3 + 1 + [0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x100].reduce((s, v) => s + v * 5 + 1, 0);
    expect(w.serial).toBe(`result=${expected.toString(16).padStart(16, "0")}\n`);
    if (r.qemu) {
      expect(w.gdb).toBe(r.qemu.gdb);
      expect(w.serial).toBe(r.qemu.serial);
    }
  }, 120_000);

  it("write, read and access watchpoints stop where QEMU's do, with the values gdb shows", async () => {
    const script = [
      "break accumulate",
      "continue",
      "delete",
      "watch counter",
      "continue",
      "p $pc",
      "continue",
      "p $pc",
      "rwatch table[3]",
      "continue",
      "p $pc",
      "awatch factor",
      "continue",
      "p $pc",
      "continue",
      "p $pc",
      "delete",
      "continue",
    ].join("\n");
    const r = await both(script);
    const w = r.wasmvirt;
    expect(w.gdb).toContain("Hardware watchpoint 2: counter\n\nOld value = 0\nNew value = 52");
    expect(w.gdb).toContain("Old value = 52\nNew value = 155");
    expect(w.gdb).toMatch(/Hardware read watchpoint 3: table\[3\]\n\nValue = 68\n0x0+800000f8 in accumulate/);
    expect(w.gdb).toMatch(/Hardware access \(read\/write\) watchpoint 4: factor\n\nValue = 3/);
    expect(w.serial).toBe("result=0000000000000734\n");
    if (r.qemu) expect(w.gdb).toBe(r.qemu.gdb);
  }, 120_000);

  it("info threads with -smp 2, thread switch, per-thread registers", async () => {
    const script = [
      "break scale",
      "continue",
      "continue 3",
      "info threads",
      "thread 2",
      "p $pc >= park && $pc < park + 0x40",
      "thread 1",
      "bt 1",
      "delete",
      "detach",
    ].join("\n");
    const r = await both(script, { smp: 2 });
    // Where in its loop hart 1 was is a matter of timing, on QEMU as here.
    const norm = (s: string) => s.replace(/0x[0-9a-f]+ in park \(\)/g, "park ()");
    const w = r.wasmvirt;
    expect(w.gdb).toMatch(/\* 1    Thread 1\.1 \(CPU#0 \[running\]\) scale \(v=68, f=3\) at \.\/debugme\.c:17/);
    expect(w.gdb).toMatch(/  2    Thread 1\.2 \(CPU#1 \[running\]\) (0x[0-9a-f]+ in )?park \(\) at \.\/debugme\.c:38/);
    expect(w.gdb).toContain("$1 = 1");
    if (r.qemu) expect(norm(w.gdb)).toBe(norm(r.qemu.gdb));
  }, 120_000);

  it("monitor runs HMP commands (info registers shows the stopped hart)", async () => {
    const script = ["break scale", "continue", "monitor info registers", "monitor info status", "monitor nosuch"].join(
      "\n",
    );
    const r = await both(script);
    const pick = (s: string) =>
      s
        .split("\n")
        .filter((l) => /^ (pc|x\d+\/|mhartid|mstatus|VM status|unknown)|^VM status|^unknown/.test(l))
        .join("\n");
    const w = r.wasmvirt;
    expect(w.gdb).toMatch(/ pc +00000000800000c6/);
    expect(w.gdb).toContain("VM status: paused (debug)");
    expect(w.gdb).toContain("unknown command: 'nosuch'");
    if (r.qemu) expect(pick(w.gdb)).toBe(pick(r.qemu.gdb));
  }, 120_000);
});
