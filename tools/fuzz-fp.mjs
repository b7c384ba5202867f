#!/usr/bin/env node
// Long differential run of the FPU against QEMU: random F/D instructions (all rounding modes, dynamic
// rounding, NaN-boxing, reserved encodings) executed by QEMU's softfloat (test/fpu/ref/fpref under
// qemu-riscv64) and by our execFp, results and fcsr compared bit for bit.
//
//   npm run fuzz:fp                     # 4,000,000 cases, seed 1
//   npm run fuzz:fp -- --cases 10000000 --seed 7
//   npm run fuzz:fp -- --ops fmadd.d,fnmsub.d     # only these instructions
import { buildFpuWasm, compare, loadFpu, qemuAvailable, randomRecords, runQemu } from "../test/fpu/harness.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const total = opt("cases", 4_000_000);
const seed = opt("seed", 1);
const batch = 400_000;
const opsArg = args.indexOf("--ops");
const only = opsArg >= 0 ? args[opsArg + 1].split(",") : null;

if (!qemuAvailable()) {
  console.error("fuzz:fp needs qemu-riscv64 (Debian package qemu-user) and test/fpu/ref/fpref");
  process.exit(2);
}
buildFpuWasm();
const fpu = await loadFpu();
let compared = 0;
let differing = 0;
const t0 = Date.now();
for (let done = 0, b = 0; done < total; done += batch, b++) {
  const n = Math.min(batch, total - done);
  // Each batch has its own seed derived from the run's seed, so a batch can be replayed alone.
  const records = randomRecords(seed * 100003 + b, n, only);
  const lines = await runQemu(records);
  const r = compare(records, lines, fpu, 10);
  compared += r.compared;
  differing += r.differing;
  for (const e of r.examples) console.log(`DIFF ${e}`);
  console.log(`batch ${b}: ${compared} compared, ${differing} differing (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
console.log(
  `fuzz:fp seed ${seed}${only ? ` (${only.join(",")})` : ""}: ${compared} random cases compared with QEMU, ${differing} differed`,
);
process.exit(differing === 0 ? 0 : 1);
