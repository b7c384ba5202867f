// The benchmark parts. Each runs its workload `runs` times on wasmvirt and on QEMU, interleaved (wasmvirt, QEMU,
// wasmvirt, QEMU, ...) so that a change in the machine's load hits both columns alike, and returns table rows:
// { metric, unit, better: "lower"|"higher", wasmvirt: number[], qemu: number[] } plus notes and raw per-run data.
import { join } from "node:path";
import { runTimed } from "./proc.mjs";
import { QEMU } from "./machine.mjs";
import { median } from "./stats.mjs";
import { writeNullElf } from "./nullelf.mjs";
import { saveRestore } from "./saverestore.mjs";

/** The two emulators, started the same way: the same machine words, the same files. */
function emulator(ctx, which) {
  return which === "wasmvirt" ? { cmd: process.execPath, pre: [ctx.wasmvirtCli] } : { cmd: QEMU, pre: [] };
}

function cpuSeconds(r) {
  return r.cpu ? r.cpu.user + r.cpu.sys : undefined;
}

/** For run i: wasmvirt then QEMU (QEMU left out with --no-qemu or when absent). Failures are recorded, not fatal. */
async function interleave(ctx, label, once) {
  const results = { wasmvirt: [], qemu: [] };
  const emus = ctx.qemu ? ["wasmvirt", "qemu"] : ["wasmvirt"];
  for (let i = 0; i < ctx.runs; i++) {
    const line = [];
    for (const which of emus) {
      try {
        const r = await once(which, emulator(ctx, which));
        results[which].push(r);
        line.push(`${which} ${(r.exitMs / 1000).toFixed(2)} s`);
      } catch (e) {
        results[which].push({ error: e.message });
        ctx.notes.push(`${label} run ${i + 1} on ${which} failed: ${e.message}`);
        line.push(`${which} FAILED (${e.message})`);
        if (e.output) ctx.log(`--- last output of the failed run ---\n${e.output}\n---`);
      }
    }
    ctx.log(`  ${label} ${i + 1}/${ctx.runs}: ${line.join(", ")}`);
  }
  return results;
}

const ok = (rs) => rs.filter((r) => !r.error);
const col = (rs, f) => ok(rs).map(f);

/** The translation tier's counters of the last wasmvirt run (WASMVIRT_JIT_STATS=1 prints them at power-off). */
function jitCounters(runs) {
  for (const r of [...ok(runs)].reverse()) {
    const m = /^jit: (\{.*\})$/m.exec(r.err ?? "");
    if (m) {
      const c = JSON.parse(m[1]);
      return {
        regionsCompiled: c.compiled,
        compileMs: Math.round(c.compileMs),
        bytesCompiled: c.bytesCompiled,
        translatedInstructions: c.jitInstructions,
        regionEntries: c.entered,
        invalidated: c.invalidated,
        evicted: c.evicted,
        backedOff: c.backedOff,
      };
    }
  }
  return undefined;
}

// ---- 1. bare metal -------------------------------------------------------------------------------------------------

const bareArgs = (elf) => ["-M", "virt", "-bios", "none", "-kernel", elf, "-nographic"];

async function startup(ctx) {
  const elf = writeNullElf(join(ctx.root, "build", "bench"));
  const res = await interleave(ctx, "startup", (_which, emu) =>
    runTimed({ cmd: emu.cmd, args: [...emu.pre, ...bareArgs(elf)], marks: { ok: "ok\n" }, timeoutMs: 60_000 }),
  );
  for (const which of ["wasmvirt", "qemu"]) ctx.startupS[which] = median(col(res[which], (r) => r.exitMs / 1000));
  return {
    rows: [
      {
        metric: "start-up + exit, trivial ELF (wall)",
        unit: "s",
        better: "lower",
        wasmvirt: col(res.wasmvirt, (r) => r.exitMs / 1000),
        qemu: col(res.qemu, (r) => r.exitMs / 1000),
      },
      {
        metric: "start-up to first console byte",
        unit: "s",
        better: "lower",
        wasmvirt: col(res.wasmvirt, (r) => r.marks.ok / 1000),
        qemu: col(res.qemu, (r) => r.marks.ok / 1000),
      },
    ],
    raw: res,
  };
}

function bareMetal(name) {
  return async (ctx) => {
    const elf = join(ctx.root, "bench", "guest", "bin", `${name}.elf`);
    const res = await interleave(ctx, name, async (_which, emu) => {
      const r = await runTimed({
        cmd: emu.cmd,
        args: [...emu.pre, ...bareArgs(elf)],
        marks: { result: "result=" },
        timeoutMs: 300_000,
      });
      const m = /result=([0-9a-f]+) instret=(\d+)/.exec(r.out);
      if (!m) throw new Error(`no "result=<hex> instret=<n>" line in the output: ${JSON.stringify(r.out.slice(-200))}`);
      return { ...r, out: undefined, result: m[1], instretPrinted: Number(m[2]) };
    });
    // The instruction count is a property of the program, not of the emulator: take it from wasmvirt, whose minstret
    // counts retired instructions (QEMU 7.2 without -icount reads a host clock there, so its figure is meaningless).
    const counts = [...new Set(col(res.wasmvirt, (r) => r.instretPrinted))];
    const instret = counts.length ? median(counts) : undefined;
    if (counts.length > 1) ctx.notes.push(`${name}: wasmvirt reported different instret values across runs: ${counts}`);
    const results = new Set([...ok(res.wasmvirt), ...ok(res.qemu)].map((r) => r.result));
    if (results.size > 1) ctx.notes.push(`${name}: RESULT MISMATCH between runs/emulators: ${[...results].join(", ")}`);
    const wall = (rs) => col(rs, (r) => r.exitMs / 1000);
    const net = (rs, which) =>
      ctx.startupS[which] === undefined ? [] : col(rs, (r) => r.exitMs / 1000 - ctx.startupS[which]);
    const mips = (secs) => (instret === undefined ? [] : secs.map((s) => instret / s / 1e6));
    const rows = [
      { metric: "process wall time", unit: "s", better: "lower", wasmvirt: wall(res.wasmvirt), qemu: wall(res.qemu) },
      {
        metric: "MIPS = instret / wall",
        unit: "MIPS",
        better: "higher",
        wasmvirt: mips(wall(res.wasmvirt)),
        qemu: mips(wall(res.qemu)),
      },
      {
        metric: "MIPS net of start-up",
        unit: "MIPS",
        better: "higher",
        wasmvirt: mips(net(res.wasmvirt, "wasmvirt")),
        qemu: mips(net(res.qemu, "qemu")),
      },
      {
        metric: "CPU time (user+sys)",
        unit: "s",
        better: "lower",
        wasmvirt: col(res.wasmvirt, cpuSeconds),
        qemu: col(res.qemu, cpuSeconds),
      },
      // Less sensitive to other processes on the machine than wall time (start-up included, all threads counted).
      {
        metric: "MIPS per CPU second",
        unit: "MIPS",
        better: "higher",
        wasmvirt: mips(col(res.wasmvirt, cpuSeconds)),
        qemu: mips(col(res.qemu, cpuSeconds)),
      },
    ];
    return {
      rows,
      raw: res,
      info: { elf: `bench/guest/bin/${name}.elf`, instret, result: [...results][0], jit: jitCounters(res.wasmvirt) },
    };
  };
}

// ---- 2./3. the Linux guest -----------------------------------------------------------------------------------------

/** The bundled guest's command line (images.ts guestArgs), the same for both emulators. */
const linuxArgs = (ctx, append) => ctx.guestArgs(append);

async function boot(ctx) {
  const M = ctx.markers;
  const res = await interleave(ctx, "boot", async (_which, emu) => {
    const r = await runTimed({
      cmd: emu.cmd,
      args: [...emu.pre, ...linuxArgs(ctx, ctx.index.kernelCmdline)],
      timeoutMs: 180_000,
      marks: { opensbi: "OpenSBI v", linux: "Linux version", up: M.up, prompt: M.prompt },
      onMark: (name, child) => {
        if (name !== "prompt") return;
        child.stdin.write("poweroff\n");
      },
    });
    if (r.marks.prompt === undefined) throw new Error("exited before the shell prompt");
    return { ...r, out: undefined, poweroffS: (r.exitMs - r.marks.prompt) / 1000, promptAt: undefined };
  });
  const mark = (k) => (rs) => col(rs, (r) => r.marks[k] / 1000);
  const row = (metric, f, better = "lower") => ({
    metric,
    unit: "s",
    better,
    wasmvirt: f(res.wasmvirt),
    qemu: f(res.qemu),
  });
  return {
    rows: [
      row("to 'OpenSBI v'", mark("opensbi")),
      row("to 'Linux version'", mark("linux")),
      row(`to '${M.up}'`, mark("up")),
      row("to the shell prompt", mark("prompt")),
      row("'poweroff' typed → process exit", (rs) => col(rs, (r) => r.poweroffS)),
      row("CPU time (user+sys)", (rs) => col(rs, cpuSeconds)),
    ],
    raw: res,
  };
}

async function guestbench(ctx) {
  const M = ctx.markers;
  const res = await interleave(ctx, "guestbench", async (_which, emu) => {
    const r = await runTimed({
      cmd: emu.cmd,
      args: [...emu.pre, ...linuxArgs(ctx, ctx.index.benchCmdline)],
      timeoutMs: 600_000,
      marks: { up: M.up, done: M.benchDone },
    });
    if (r.marks.done === undefined) throw new Error(`exited without '${M.benchDone}'`);
    const parts = {};
    const checks = {};
    for (const m of r.out.matchAll(/^wasmvirt-bench: (\w+) ms=(\d+)(.*)$/gm)) {
      parts[m[1]] = Number(m[2]) / 1000;
      if (m[3].trim()) checks[m[1]] = m[3].trim().replace(/\r$/, "");
    }
    return { ...r, out: undefined, parts, checks };
  });
  // The guest prints a result beside each time (a hash or a sum): both emulators must print the same ones.
  const all = [...ok(res.wasmvirt), ...ok(res.qemu)];
  const names = [...new Set(all.flatMap((r) => Object.keys(r.parts)))];
  for (const name of names) {
    const seen = new Set(all.map((r) => r.checks[name]).filter((x) => x !== undefined));
    if (seen.size > 1) ctx.notes.push(`guestbench ${name}: RESULT MISMATCH: ${[...seen].join(" | ")}`);
  }
  const row = (metric, f) => ({
    metric,
    unit: "s",
    better: "lower",
    wasmvirt: col(res.wasmvirt, f),
    qemu: col(res.qemu, f),
  });
  return {
    rows: [
      row(`to '${M.up}'`, (r) => r.marks.up / 1000),
      ...names.map((n) => row(`guest-measured '${n}'`, (r) => r.parts[n])),
      row(`to '${M.benchDone}' (from spawn)`, (r) => r.marks.done / 1000),
      row("process wall time", (r) => r.exitMs / 1000),
      row("CPU time (user+sys)", cpuSeconds),
    ],
    raw: res,
    info: {
      jit: jitCounters(res.wasmvirt),
      append: ctx.index.benchCmdline,
      results: Object.fromEntries(names.map((n) => [n, all[0]?.checks[n]])),
    },
  };
}

// ---- 4. QMP latency (bench/qmp-latency.mjs, run as it is: it starts the working tree's build, not the snapshot) -----

/** Parses the console.table that qmp-latency.mjs prints into objects keyed by its header row. */
export function parseConsoleTable(text) {
  const lines = text.split("\n").filter((l) => l.startsWith("│"));
  if (lines.length < 2) return [];
  const cells = (l) =>
    l
      .split("│")
      .slice(1, -1)
      .map((c) => c.trim().replace(/^'(.*)'$/, "$1"));
  const head = cells(lines[0]);
  return lines.slice(1).map((l) => Object.fromEntries(cells(l).map((c, i) => [head[i], c])));
}

async function qmp(ctx) {
  const script = join(ctx.root, "bench", "qmp-latency.mjs");
  const res = await interleave(ctx, "qmp", async (which) => {
    const r = await runTimed({
      cmd: process.execPath,
      args: [script, "--target", which, "--n", "1000"],
      timeoutMs: 120_000,
    });
    const row = parseConsoleTable(r.out).find((x) => x.target === which);
    if (!row) throw new Error(`qmp-latency.mjs printed no result for ${which}: ${r.out.slice(-300)}`);
    return { exitMs: r.exitMs, ...Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) };
  });
  const row = (metric, unit, key, better) => ({
    metric,
    unit,
    better,
    wasmvirt: col(res.wasmvirt, (r) => r[key]),
    qemu: col(res.qemu, (r) => r[key]),
  });
  return {
    rows: [
      row("query-status round trip p50 (guest busy)", "µs", "p50_us", "lower"),
      row("query-status round trip p99", "µs", "p99_us", "lower"),
      row("sequential commands per second", "cmd/s", "seq_cmds_per_s", "higher"),
      row("pipelined commands per second", "cmd/s", "pipelined_cmds_per_s", "higher"),
    ],
    raw: res,
  };
}

/** In the order they run; `needs` parts are added when a part is picked alone. */
export const PARTS = [
  {
    name: "startup",
    group: "baremetal",
    title: "process start-up (trivial ELF: prints 'ok', powers off)",
    run: startup,
  },
  {
    name: "intloop",
    group: "baremetal",
    title: "bare metal: bench/guest/bin/intloop.elf (integer)",
    run: bareMetal("intloop"),
    needs: ["startup"],
  },
  {
    name: "memory",
    group: "baremetal",
    title: "bare metal: bench/guest/bin/memory.elf (memory-heavy)",
    run: bareMetal("memory"),
    needs: ["startup"],
  },
  {
    name: "tlbmiss",
    group: "baremetal",
    title: "bare metal: bench/guest/bin/tlbmiss.elf (Sv39, a page walk on most accesses)",
    run: bareMetal("tlbmiss"),
    needs: ["startup"],
  },
  {
    name: "jitchurn",
    group: "baremetal",
    title: "bare metal: bench/guest/bin/jitchurn.elf (code rewritten every round: retranslation)",
    run: bareMetal("jitchurn"),
    needs: ["startup"],
  },
  {
    name: "boot",
    group: "linux",
    title: "Linux boot to a shell and poweroff (bundled images, -m 256M, one hart)",
    run: boot,
    linux: true,
  },
  {
    name: "guestbench",
    group: "linux",
    title: "guest benchmark mode (benchCmdline), times printed by the guest",
    run: guestbench,
    linux: true,
  },
  {
    name: "saverestore",
    group: "linux",
    title: "the booted guest saved at the prompt (migrate exec:) and restored (-incoming exec:)",
    run: (ctx) => saveRestore(ctx, interleave, linuxArgs, col),
    linux: true,
  },
  { name: "qmp", group: "qmp", title: "QMP latency (bench/qmp-latency.mjs --n 1000, one connection)", run: qmp },
];
