#!/usr/bin/env node
// npm run fuzz:qmp -- [INPUTS=1000000] [SEED=1] [BATCH=2000]
// Malformed, oversized, concurrent and random-but-valid QMP inputs against a real wasmvirt, with a
// liveness check after every batch (tools/fuzz/qmp.mjs). Exit 0 when the process never died and every
// liveness check was answered in time.
import { fuzzQmp } from "./fuzz/qmp.mjs";

const inputs = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
const batch = Number(process.argv[4] ?? 2000);
if (![inputs, seed, batch].every(Number.isSafeInteger) || inputs <= 0 || batch <= 0) {
  console.error("usage: npm run fuzz:qmp -- [INPUTS] [SEED] [BATCH]");
  process.exit(2);
}
const s = await fuzzQmp({
  inputs,
  seed,
  batch,
  onBatch: process.stderr.isTTY
    ? (s) =>
        process.stderr.write(`\r${s.inputs} inputs, ${s.batches} batches, RSS ${(s.rssMaxKb / 1024).toFixed(0)} MB max`)
    : undefined,
});
if (process.stderr.isTTY) process.stderr.write("\n");
console.log(
  `fuzz:qmp seed ${seed}: ${s.inputs} inputs in ${s.batches} batches, ${(s.ms / 1000).toFixed(1)} s; deaths ${s.deaths}, ` +
    `liveness failures ${s.livenessFailures} (slowest check ${s.maxLatencyMs.toFixed(0)} ms); RSS ${(s.rssStartKb / 1024).toFixed(0)} MB at start, ` +
    `${(s.rssMaxKb / 1024).toFixed(0)} MB max, ${(s.rssEndKb / 1024).toFixed(0)} MB at end`,
);
if (s.deaths || s.livenessFailures) {
  console.error(`fuzz:qmp FAILED: ${s.failure}\nreproduce: npm run fuzz:qmp -- ${inputs} ${seed} ${batch}`);
  process.exit(1);
}
