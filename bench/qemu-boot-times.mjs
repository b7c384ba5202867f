#!/usr/bin/env node
// Boot times of the bundled guest on QEMU's virt machine, the reference for wasmvirt's own boot:
// wall time from starting qemu-system-riscv64 to the kernel's "Linux version" line, to the guest's marker line, to
// the shell prompt, and to QEMU's exit after `poweroff`. Medians (and min/max) over N runs.
//
//   node bench/qemu-boot-times.mjs [--runs 10] [--smp 1] [--bench]
//     --bench  boot in benchmark mode instead and report the guest's own per-part timings as well
//     --extra "quiet"  words appended to the kernel command line (e.g. to see what the boot log costs)
//
// Uses the committed images (images/index.json), decompressed into build/images/ as src/machine/images.ts does.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt("--runs", "10"));
const smp = Number(opt("--smp", "1"));
const benchMode = args.includes("--bench");

const sha256 = (b) => createHash("sha256").update(b).digest("hex");
function ensureImages() {
  const index = JSON.parse(readFileSync(join(repo, "images", "index.json"), "utf8"));
  const out = join(repo, "build", "images");
  mkdirSync(out, { recursive: true });
  const paths = {};
  for (const a of index.artifacts) {
    const target = join(out, a.name);
    if (!existsSync(target) || sha256(readFileSync(target)) !== a.sha256) {
      const data = gunzipSync(readFileSync(join(repo, "images", a.file)));
      if (sha256(data) !== a.sha256) throw new Error(`${a.file}: sha256 mismatch`);
      writeFileSync(`${target}.partial`, data);
      renameSync(`${target}.partial`, target);
    }
    paths[a.role] = target;
  }
  return { index, paths };
}

function bootOnce(paths, append) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
    const q = spawn("qemu-system-riscv64", [
      "-M",
      "virt",
      "-m",
      "256M",
      "-smp",
      String(smp),
      "-bios",
      paths.firmware,
      "-kernel",
      paths.kernel,
      "-initrd",
      paths.initrd,
      "-append",
      append,
      "-display",
      "none",
      "-serial",
      "stdio",
      "-monitor",
      "none",
      "-no-reboot",
    ]);
    let out = "";
    const marks = {};
    const timer = setTimeout(() => {
      q.kill("SIGKILL");
      reject(new Error(`timeout; output:\n${out.slice(-2000)}`));
    }, 120_000);
    const mark = (name, text) => {
      if (marks[name] === undefined && out.includes(text)) marks[name] = ms();
    };
    q.stdout.on("data", (d) => {
      out += d.toString("latin1");
      mark("linux", "Linux version");
      mark("marker", "wasmvirt-guest: up");
      if (!benchMode && marks.prompt === undefined && out.includes("root@wasmvirt:~# ")) {
        marks.prompt = ms();
        q.stdin.write("poweroff\n");
      }
    });
    q.on("exit", (code) => {
      clearTimeout(timer);
      marks.exit = ms();
      if (code !== 0) return reject(new Error(`qemu exit ${code}; output:\n${out.slice(-2000)}`));
      if (benchMode) {
        for (const m of out.matchAll(/^wasmvirt-bench: (\w+) ms=(\d+)/gm)) marks[`guest ${m[1]}`] = Number(m[2]);
      }
      resolve(marks);
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const { index, paths } = ensureImages();
const extra = opt("--extra", "");
const append = (benchMode ? index.benchCmdline : index.kernelCmdline) + (extra ? ` ${extra}` : "");
const all = [];
for (let i = 0; i < runs; i++) {
  const r = await bootOnce(paths, append);
  all.push(r);
  process.stderr.write(
    `run ${i + 1}/${runs}: ${Object.entries(r)
      .map(([k, v]) => `${k}=${v.toFixed(0)}ms`)
      .join(" ")}\n`,
  );
}
console.log(`qemu-system-riscv64 -M virt -m 256M -smp ${smp}, -append "${append}", ${runs} runs (ms from spawn):`);
console.log("| point | median | min | max |\n|---|---|---|---|");
for (const key of Object.keys(all[0])) {
  const xs = all.map((r) => r[key]).filter((v) => v !== undefined);
  console.log(`| ${key} | ${median(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)} | ${Math.max(...xs).toFixed(0)} |`);
}
