#!/usr/bin/env node
// A hostile guest for minutes: test/hardening/fixtures/mmio-storm.c (random writes of random sizes to every
// MMIO window, virtio devices DMAing from garbage) on two harts, query-status every 100 ms, then quit.
//   node bench/hostile-guest.mjs [SECONDS=120]        (needs riscv64-unknown-elf-gcc)
import net from "node:net";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, execFileSync } from "node:child_process";
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasmvirt-storm-"));
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
const elf = path.join(dir, "storm.elf"),
  disk = path.join(dir, "disk.img"),
  sock = path.join(dir, "qmp.sock");
fs.writeFileSync(disk, Buffer.alloc(1 << 20));
const fx = path.join(root, "test/hardening/fixtures");
execFileSync("riscv64-unknown-elf-gcc", [
  "-march=rv64imac_zicsr",
  "-mabi=lp64",
  "-O1",
  "-ffreestanding",
  "-nostdlib",
  "-nostartfiles",
  "-static",
  "-mcmodel=medany",
  "-T",
  path.join(fx, "edges.ld"),
  "-Wl,--build-id=none",
  "-Wl,--no-warn-rwx-segments",
  "-o",
  elf,
  path.join(fx, "mmio-storm.c"),
]);
const p = spawn(
  process.execPath,
  [
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
    "-smp",
    "2",
    "-drive",
    `file=${disk},format=raw,if=virtio`,
    "-device",
    "virtio-rng-device",
    "-qmp",
    `unix:${sock},server=on,wait=off`,
  ],
  { stdio: "ignore" },
);
while (!fs.existsSync(sock)) await new Promise((r) => setTimeout(r, 20));
const s = net.connect(sock);
s.setEncoding("utf8");
let buf = "";
const lines = [];
s.on("data", (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf("\n")) >= 0) {
    lines.push(JSON.parse(buf.slice(0, i)));
    buf = buf.slice(i + 1);
  }
});
const next = async () => {
  while (!lines.length) await new Promise((r) => setTimeout(r, 1));
  return lines.shift();
};
await next();
s.write('{"execute":"qmp_capabilities"}\n');
await next();
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p.pid}/status`, "utf8"))[1]);
const lat = [];
const rss0 = rssKb();
let rssMax = rss0,
  rounds0,
  rounds1;
const secs = Number(process.argv[2] ?? 120);
const t0 = Date.now();
while (Date.now() - t0 < secs * 1000) {
  await new Promise((r) => setTimeout(r, 100));
  const a = performance.now();
  s.write('{"execute":"query-status"}\n');
  const st = await next();
  lat.push(performance.now() - a);
  if (st.return.status !== "running") {
    console.log("status", st);
    break;
  }
  s.write('{"execute":"human-monitor-command","arguments":{"command-line":"xp /1gx 0x80100000"}}\n');
  rssMax = Math.max(rssMax, rssKb());
  const x = Number(/: (0x[0-9a-f]+)/.exec((await next()).return)[1]);
  if (rounds0 === undefined) rounds0 = x;
  rounds1 = x;
}
lat.sort((a, b) => a - b);
const q0 = performance.now();
s.write('{"execute":"quit"}\n');
const code = await new Promise((r) => p.on("exit", (c) => r(c)));
console.log(
  `mmio storm ${secs} s, -smp 2: ${lat.length} query-status, median ${lat[lat.length >> 1].toFixed(1)} ms, p99 ${lat[Math.floor(lat.length * 0.99)].toFixed(1)} ms, max ${lat[lat.length - 1].toFixed(1)} ms; ` +
    `storm rounds ${rounds0} -> ${rounds1} (x1000 accesses); RSS ${(rss0 / 1024).toFixed(0)} MB at start, ${(rssMax / 1024).toFixed(0)} MB max; quit exit ${code} in ${(performance.now() - q0).toFixed(0)} ms`,
);
