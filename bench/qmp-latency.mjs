#!/usr/bin/env node
// QMP latency and throughput on one connection while the guest runs a busy loop.
//   npm run build && node bench/qmp-latency.mjs [--target wasmvirt|fake|qemu|all] [--n 2000]
// wasmvirt: the real CLI running test/qmp/fixtures/loop.elf (a bare-metal busy loop), not paused.
// fake:     test/qmp/serve-fake.mjs (the fake machine, no CPU work; the monitor's own cost).
// qemu:     qemu-system-riscv64 running the same ELF, as the reference.
// Measures: query-status round-trip latency (p50/p99/max, sequential), commands/s sequential, and
// commands/s pipelined (all requests written at once, replies awaited).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { QmpClient } = await import(pathToFileURL(path.join(root, "dist/qmp-client/client.js")).href);
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const N = Number(opt("--n", "2000"));
const which = opt("--target", "all");
const elf = path.join(root, "test/qmp/fixtures/loop.elf");

async function launch(target, sock) {
  let cmd, argv;
  if (target === "wasmvirt") {
    cmd = process.execPath;
    argv = [
      path.join(root, "bin/wasmvirt.js"),
      "-M",
      "virt",
      "-bios",
      "none",
      "-kernel",
      elf,
      "-nographic",
      "-serial",
      "null",
      "-qmp",
      `unix:${sock},server=on,wait=off`,
    ];
  } else if (target === "fake") {
    cmd = process.execPath;
    argv = [path.join(root, "test/qmp/serve-fake.mjs"), "-qmp", `unix:${sock},server=on,wait=off`];
  } else {
    cmd = "qemu-system-riscv64";
    argv = [
      "-M",
      "virt",
      "-bios",
      "none",
      "-kernel",
      elf,
      "-nographic",
      "-serial",
      "null",
      "-monitor",
      "none",
      "-qmp",
      `unix:${sock},server=on,wait=off`,
    ];
  }
  const proc = spawn(cmd, argv, { stdio: ["ignore", "ignore", "inherit"] });
  for (let i = 0; i < 400 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 25));
  if (!fs.existsSync(sock)) {
    proc.kill("SIGKILL");
    throw new Error(`${target}: no QMP socket`);
  }
  return proc;
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function measure(target) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qmp-bench-"));
  const sock = path.join(dir, "qmp.sock");
  const proc = await launch(target, sock);
  const c = new QmpClient();
  try {
    await c.connect(sock);
    await c.negotiate();
    const st = await c.execute("query-status");
    if (st.return?.status !== "running") throw new Error(`${target}: guest not running: ${JSON.stringify(st)}`);
    await new Promise((r) => setTimeout(r, 500)); // let the guest settle into its loop
    for (let i = 0; i < 200; i++) await c.execute("query-status");
    const lat = [];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      const s = process.hrtime.bigint();
      const r = await c.execute("query-status");
      lat.push(Number(process.hrtime.bigint() - s) / 1e3);
      if (!("return" in r)) throw new Error(JSON.stringify(r));
    }
    const seqSecs = Number(process.hrtime.bigint() - t0) / 1e9;
    const t1 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: N }, () => c.execute("query-status")));
    const pipeSecs = Number(process.hrtime.bigint() - t1) / 1e9;
    const still = await c.execute("query-status");
    lat.sort((a, b) => a - b);
    return {
      target,
      n: N,
      guestRunning: still.return?.running === true,
      p50_us: Math.round(pct(lat, 50)),
      p99_us: Math.round(pct(lat, 99)),
      max_us: Math.round(lat[lat.length - 1]),
      seq_cmds_per_s: Math.round(N / seqSecs),
      pipelined_cmds_per_s: Math.round(N / pipeSecs),
    };
  } finally {
    c.close();
    proc.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const targets = which === "all" ? ["wasmvirt", "fake", "qemu"] : [which];
const haveQemu = spawnSync("qemu-system-riscv64", ["--version"]).status === 0;
const haveCli = fs.existsSync(path.join(root, "dist/cli.js")) && fs.existsSync(path.join(root, "build/core.wasm"));
const results = [];
for (const t of targets) {
  if (t === "qemu" && !haveQemu) {
    console.log("qemu: qemu-system-riscv64 not installed, skipped");
    continue;
  }
  if (t === "wasmvirt" && !haveCli) {
    console.log("wasmvirt: not built (npm run build), skipped");
    continue;
  }
  results.push(await measure(t));
}
console.log(`QMP query-status on one unix-socket connection, ${os.cpus().length} cores, node ${process.version}`);
console.table(results);
