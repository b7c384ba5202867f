#!/usr/bin/env node
// npm run fuzz:core -- [INSTRUCTIONS=10000000] [SEED=1]
// Random instruction words, CSR writes and page tables in every privilege mode on core.wasm (see
// tools/fuzz/core.mjs). Exit 0 when no host exception happened; 1 with the seed and episode otherwise.
import { readFileSync } from "node:fs";
import { fuzzCore } from "./fuzz/core.mjs";
import { makeDeviceImports } from "../dist/machine/device-imports.js";
import { MemoryBlockBackend } from "../dist/block/memory.js";

const n = Number(process.argv[2] ?? 10_000_000);
const seed = Number(process.argv[3] ?? 1);
if (!Number.isSafeInteger(n) || n <= 0 || !Number.isSafeInteger(seed)) {
  console.error("usage: npm run fuzz:core -- [INSTRUCTIONS] [SEED]");
  process.exit(2);
}
const module = new WebAssembly.Module(readFileSync(new URL("../build/core.wasm", import.meta.url)));
const disk = new MemoryBlockBackend(1 << 20);
const rss0 = process.memoryUsage().rss;
try {
  const s = await fuzzCore({
    module,
    instructions: n,
    seed,
    deviceImports: (mem) => makeDeviceImports(mem, { disks: [disk] }),
    onProgress: process.stderr.isTTY
      ? (s) => process.stderr.write(`\r${s.instructions} instructions, ${s.episodes} episodes`)
      : undefined,
  });
  if (process.stderr.isTTY) process.stderr.write("\n");
  const total = s.privSeen.M + s.privSeen.S + s.privSeen.U;
  const pct = (k) => ((100 * s.privSeen[k]) / total).toFixed(1);
  console.log(
    `fuzz:core seed ${seed}: ${s.instructions} instructions in ${s.episodes} episodes, ${(s.ms / 1000).toFixed(1)} s ` +
      `(${(Number(s.instructions) / s.ms / 1000).toFixed(1)} M/s); slices ending in M ${pct("M")}% / S ${pct("S")}% / U ${pct("U")}%; ` +
      `${s.poweroffs} power-offs, ${s.resets} resets, ${s.idle} idle returns; host exceptions: 0; ` +
      `RSS ${(rss0 / 2 ** 20).toFixed(0)} -> ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`,
  );
} catch (e) {
  if (process.stderr.isTTY) process.stderr.write("\n");
  console.error(`fuzz:core FAILED: ${e.message}`);
  console.error(`reproduce: npm run fuzz:core -- ${n} ${seed}`);
  process.exit(1);
}
