#!/usr/bin/env node
// wasmvirt against QEMU 7.2, side by side in one invocation: `npm run bench` (builds first) or `node bench/run.mjs`.
//
//   node bench/run.mjs [--runs N] [--quick] [--only PART[,PART...]] [--no-qemu] [--json FILE]
//
// Parts (in this order): startup, intloop, memory (group "baremetal"), boot, guestbench, saverestore (group "linux"), qmp.
// Every part runs N times (default 5) on wasmvirt and on qemu-system-riscv64, interleaved run by run, and the table
// gives medians [min–max] and wasmvirt/QEMU. Results also go to bench/results/latest.json. See bench/README.md.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { renderChart, loadHistory } from "./lib/chart.mjs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { machineInfo, loadAverage } from "./lib/machine.mjs";
import { PARTS } from "./lib/parts.mjs";
import { killAll, haveGnuTime } from "./lib/proc.mjs";
import { snapshotBuild } from "./lib/snapshot.mjs";
import { formatTable, summarizeRows } from "./lib/table.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const USAGE = `usage: node bench/run.mjs [options]   (npm run bench -- [options] builds first)
  --runs N          runs per part and emulator (default 5)
  --quick           one run per part (same as --runs 1)
  --only LIST       comma-separated parts or groups: ${PARTS.map((p) => p.name).join(", ")};
                    groups: baremetal, linux, qmp (intloop/memory also run startup, to subtract it)
  --no-qemu         wasmvirt only (also automatic when qemu-system-riscv64 is not installed)
  --json FILE       where to write the results (default bench/results/latest.json)
  -h, --help        this text`;

function parseOptions(argv) {
  const o = { runs: 5, only: undefined, qemu: true, json: join(root, "bench", "results", "latest.json") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "-h" || a === "--help") o.help = true;
    else if (a === "--quick") o.runs = 1;
    else if (a === "--runs") {
      o.runs = Number(value());
      if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error(`--runs: '${argv[i]}' is not a positive integer`);
    } else if (a === "--only")
      o.only = value()
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a === "--no-qemu") o.qemu = false;
    else if (a === "--json") o.json = resolve(value());
    else throw new Error(`unknown option '${a}'`);
  }
  return o;
}

function selectParts(only) {
  if (!only) return PARTS;
  const picked = new Set();
  for (const word of only) {
    const matches = PARTS.filter((p) => p.name === word || p.group === word);
    if (matches.length === 0) {
      throw new Error(
        `--only: no part or group '${word}' (parts: ${PARTS.map((p) => p.name).join(", ")}; groups: baremetal, linux, qmp)`,
      );
    }
    for (const p of matches) {
      picked.add(p.name);
      for (const n of p.needs ?? []) picked.add(n);
    }
  }
  return PARTS.filter((p) => picked.has(p.name));
}

const fmtLoad = (l) => `${l.one.toFixed(2)} ${l.five.toFixed(2)} ${l.fifteen.toFixed(2)}`;

async function main() {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error(`bench: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  let parts;
  try {
    parts = selectParts(opts.only);
  } catch (e) {
    console.error(`bench: ${e.message}`);
    return 2;
  }
  for (const f of ["dist/cli.js", "build/core.wasm"]) {
    if (!existsSync(join(root, f))) {
      console.error(`bench: ${f} is missing: run 'npm run build' first (npm run bench does)`);
      return 2;
    }
  }

  const info = machineInfo(root);
  const snapshot = snapshotBuild(root);
  info.coreWasmSha256 = snapshot.coreSha256;
  process.on("exit", snapshot.remove);
  const qemuInstalled = info.qemu !== null;
  const useQemu = opts.qemu && qemuInstalled;
  const qemuNote = !opts.qemu ? "not run (--no-qemu)" : !qemuInstalled ? "not installed" : undefined;
  const loadStart = loadAverage();
  const started = new Date();
  const log = (s) => process.stderr.write(`${s}\n`);

  console.log(`wasmvirt benchmark, ${started.toISOString()}, ${opts.runs} run(s) per part and emulator, interleaved`);
  console.log(`  ${info.nproc} cores (${info.cpuModel}), ${info.kernel}, node ${info.node}`);
  console.log(
    `  QEMU: ${info.qemu ?? "qemu-system-riscv64 not found: QEMU columns skipped"}${opts.qemu ? "" : " (not run: --no-qemu)"}`,
  );
  console.log(
    `  wasmvirt: git ${info.gitCommit?.slice(0, 12) ?? "?"}${info.gitDirty ? " + uncommitted changes in assembly/ src/ bin/" : ""}` +
      `, core.wasm sha256 ${snapshot.coreSha256.slice(0, 12)} (a copy of the build, taken at start, is what runs)`,
  );
  console.log(
    `  load average at start: ${fmtLoad(loadStart)}${loadStart.one > info.nproc ? `  ** LOADED: above ${info.nproc} cores **` : ""}`,
  );
  if (!haveGnuTime) console.log("  (no /usr/bin/time: CPU-time rows left out)");

  // wasmvirt prints its translation counters on stderr at power-off; the parts report them.
  process.env.WASMVIRT_JIT_STATS ??= "1";
  const ctx = {
    root,
    runs: opts.runs,
    qemu: useQemu,
    log,
    notes: [],
    startupS: {},
    wasmvirtCli: snapshot.cli,
    images: undefined,
    index: undefined,
    markers: undefined,
  };
  if (parts.some((p) => p.linux)) {
    const images = await import(pathToFileURL(join(root, "dist", "machine", "images.js")).href);
    ctx.images = await images.ensureImages();
    ctx.index = images.readImagesIndex();
    ctx.guestArgs = (append) => images.guestArgs(ctx.images, append);
    ctx.markers = images.GUEST_MARKERS;
  }

  const done = [];
  const t0 = Date.now();
  for (const part of parts) {
    const loadBefore = loadAverage();
    log(`${part.name}: ${part.title} (load ${fmtLoad(loadBefore)})`);
    const notesBefore = ctx.notes.length;
    const r = await part.run(ctx);
    done.push({
      part: part.name,
      title: part.title,
      loadBefore,
      loadAfter: loadAverage(),
      rows: summarizeRows(r.rows),
      info: r.info,
      raw: r.raw,
      notes: ctx.notes.slice(notesBefore),
    });
  }
  const elapsedS = (Date.now() - t0) / 1000;
  const loadEnd = loadAverage();

  console.log("");
  console.log(formatTable(done, qemuNote));
  console.log("");
  for (const p of done.filter((d) => d.info?.jit)) {
    const j = p.info.jit;
    console.log(
      `${p.part}: translation tier (last wasmvirt run): ${j.regionsCompiled} regions compiled in ${j.compileMs} ms ` +
        `(${(j.bytesCompiled / 1024).toFixed(0)} KiB), ${j.translatedInstructions} instructions translated, ${j.regionEntries} entries, ` +
        `${j.invalidated} invalidated, ${j.evicted} evicted, ${j.backedOff} pages backed off`,
    );
  }
  for (const p of done.filter((d) => d.info?.instret)) {
    console.log(
      `${p.part}: instret ${p.info.instret} (wasmvirt's minstret; the same program on both), result ${p.info.result}`,
    );
  }
  if (done.some((d) => d.info?.instret)) {
    console.log(`"net of start-up" subtracts the median start-up + exit time of the same emulator (startup part).`);
  }
  console.log(
    `load average: ${fmtLoad(loadStart)} at start, ${fmtLoad(loadEnd)} at end; ${elapsedS.toFixed(0)} s in all`,
  );
  const loaded = loadStart.one > info.nproc || loadEnd.one > info.nproc;
  if (loaded) {
    console.log(
      `** The machine was LOADED (1-minute load average above its ${info.nproc} cores): absolute figures are ` +
        "inflated; the ratios suffer less because the runs were interleaved. **",
    );
  }
  if (qemuNote) console.log(`QEMU columns: ${qemuNote}.`);
  for (const n of ctx.notes) console.log(`note: ${n}`);

  const json = {
    format: "wasmvirt-bench/1",
    date: started.toISOString(),
    command: `node bench/run.mjs ${process.argv.slice(2).join(" ")}`.trim(),
    runs: opts.runs,
    elapsedS,
    machine: { ...info, qemuRun: useQemu, loadStart, loadEnd, loaded },
    parts: done,
    notes: ctx.notes,
  };
  mkdirSync(dirname(opts.json), { recursive: true });
  writeFileSync(opts.json, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`results: ${relative(process.cwd(), opts.json) || opts.json}`);
  const svg = opts.json.replace(/\.json$/, "") + ".svg";
  writeFileSync(svg, renderChart(json, loadHistory(dirname(opts.json), opts.json)));
  console.log(`chart: ${relative(process.cwd(), svg) || svg}`);
  const failed = ctx.notes.some((n) => / failed: |MISMATCH/.test(n));
  return failed ? 1 : 0;
}

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}
main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    killAll();
    console.error(`bench: ${e.stack ?? e}`);
    process.exitCode = 1;
  },
);
