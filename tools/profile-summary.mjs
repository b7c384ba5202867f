#!/usr/bin/env node
// Where a run's CPU time goes, from the profiles `node --cpu-prof` writes (one per thread: the main thread's
// and the CPU worker's). Self time per function and per part of the emulator; the core's wasm functions are
// named from build/core.wat (the profile only knows them as wasm-function[N]); every translated region is
// "region code". For tuning the translation tier (docs/jit.md, "Where the time goes").
//   node --cpu-prof --cpu-prof-dir=prof bin/wasmvirt.js ...     then
//   node tools/profile-summary.mjs prof [--top N] [--wat build/core.wat]
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const dir = args[0];
if (!dir || dir.startsWith("-")) {
  console.error("usage: node tools/profile-summary.mjs DIR [--top N] [--wat build/core.wat]");
  process.exit(2);
}
const top = Number(opt("--top", 20));

// Function index → name: imported functions come first, then the module's own in order.
const wat = readFileSync(opt("--wat", "build/core.wat"), "utf8");
const imported = (wat.match(/^ \(import .*\(func /gm) ?? []).length;
const coreNames = [...wat.matchAll(/^ \(func \$(\S+)/gm)].map((m) => m[1]);
const coreName = (i) => coreNames[i - imported];

const PARTS = [
  [/^core:.*cpu\/hart\/execute$/, "interpreter: hart loop (incl. region dispatch inlined into it)"],
  [/^core:.*jit\/runtime\/(tryEnter|runRegion)$/, "translation tier: entering regions"],
  [/^core:.*jit\/runtime\/(jitLoad|jitStore|jitStep|jitMulDiv)$/, "translation tier: slow paths called by regions"],
  [/^core:.*jit\//, "translation tier: translator"],
  [/^core:.*cpu\/(mmu|pmp)\//, "MMU and PMP slow paths"],
  [/^core:.*cpu\/(fpu|fp_exec)\//, "floating point"],
  [/^core:.*cpu\//, "interpreter: traps, CSRs, AMOs, other"],
  [/^core:.*devices|^core:.*bus|^core:.*irq/, "devices in the core"],
  [/^core:/, "core: other"],
  [/^region code$/, "translated regions"],
  [/^\((idle|program|garbage collector)\)$/, null],
  [/^(Module|Instance|WebAssembly)/, "compiling regions (V8)"],
  [/./, "host JavaScript and Node"],
];

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith(".cpuprofile"))
  .sort()) {
  const p = JSON.parse(readFileSync(join(dir, file), "utf8"));
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  // The core is the wasm script with functions past index 4 (a region module has one function, index 4).
  const coreUrls = new Set();
  for (const n of p.nodes) {
    const m = /^wasm-function\[(\d+)\]$/.exec(n.callFrame.functionName);
    if (m && Number(m[1]) > 4) coreUrls.add(n.callFrame.url);
  }
  const label = (cf) => {
    const m = /^wasm-function\[(\d+)\]$/.exec(cf.functionName);
    if (coreUrls.has(cf.url)) return `core:${(m && coreName(Number(m[1]))) ?? cf.functionName}`;
    if (cf.url.startsWith("wasm://")) return "region code";
    return cf.url ? `${cf.functionName || "(anonymous)"} ${cf.url.split("/").slice(-2).join("/")}` : cf.functionName;
  };
  // Self time: samples × their intervals.
  const self = new Map();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const k = label(nodes.get(id).callFrame);
    self.set(k, (self.get(k) ?? 0) + dt);
    total += dt;
  });
  const parts = new Map();
  for (const [k, ms] of self) {
    const part = PARTS.find(([re]) => re.test(k))[1] ?? k;
    parts.set(part, (parts.get(part) ?? 0) + ms);
  }
  const line = (ms, what) => `${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${what}`;
  console.log(`\n${file}: ${total.toFixed(0)} ms sampled`);
  for (const [what, ms] of [...parts].sort((a, b) => b[1] - a[1])) console.log(line(ms, what));
  console.log(`  top ${top} functions (self time):`);
  for (const [what, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(line(ms, what));
}
