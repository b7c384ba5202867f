#!/usr/bin/env node
// Random-instruction differential test: wasmvirt against QEMU on generated RV64IMAC programs.
//
//   node tools/fuzz-isa.mjs [count=200] [length=500] [seed=1] [--traps] [--paging=sv39|sv48] [--priv=S|U]
//                           [--qemu-only] [--jobs=2] [--keep=DIR]
//
// Each program (seed, seed+1, ...) runs on both; their register/CSR/memory dumps must match.
// --traps mixes in instructions that must trap (illegal encodings, ecall/ebreak, misaligned
// AMO/LR, accesses to unbacked addresses); the dump then also carries a hash of every trap's
// mcause/mtval/mepc and the trap count. --paging runs the body in S-mode (or U with --priv=U)
// under an identity Sv39/Sv48 map whose leaf PTEs start with A = D = 0; the dump then also carries
// a hash of the leaf page table after the run.
// --qemu-only checks the generator alone: every program must run trap-free on QEMU and print
// the same dump twice. Failing programs are written to --keep (default /tmp/fuzz-isa) with
// their listing. Exit status 1 if anything differs.
import { mkdirSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateProgram, parseDump, DUMP_NAMES } from "./rvgen/gen.mjs";
import { runQemu, runWasmvirt, hasQemu, hasWasmvirt } from "./rvgen/run.mjs";

/** Compare two dumps; returns null when equal, else a description of the first difference. */
export function compareDumps(a, b) {
  for (const n of DUMP_NAMES) if (a[n] !== b[n]) return { name: n, a: a[n], b: b[n] };
  return null;
}

/**
 * Run one seed. mode "diff": QEMU vs wasmvirt; "qemu": QEMU twice. `runWasmvirtOn` runs the program on
 * wasmvirt (default: the CLI, as a user would; the tests pass an in-process hart instead).
 * @returns {Promise<{ok: boolean, seed: number, message?: string, first?: object}>}
 */
export async function fuzzOne(
  seed,
  length,
  mode,
  dir,
  timeoutMs = 20000,
  genOptions = {},
  runWasmvirtOn = runWasmvirt,
) {
  const prog = generateProgram(seed, length, genOptions);
  const elf = join(dir, `seed-${seed}.elf`);
  writeFileSync(elf, prog.elf);
  const qemu = runQemu(elf, timeoutMs);
  const [a, b] = await Promise.all([qemu, mode === "qemu" ? runQemu(elf, timeoutMs) : runWasmvirtOn(elf, timeoutMs)]);
  const names = ["qemu", mode === "qemu" ? "qemu (again)" : "wasmvirt"];
  const res = { seed, prog, outputs: [a, b] };
  for (const [i, r] of [a, b].entries()) {
    if (r.timedOut) return { ...res, ok: false, message: `${names[i]} timed out` };
    if (/TRAP /.test(r.stdout))
      return { ...res, ok: false, message: `${names[i]} trapped: ${r.stdout.trim().split("\n").pop()}` };
    if (r.status !== 0)
      return {
        ...res,
        ok: false,
        message: `${names[i]} exit status ${r.status}: ${(r.stdout + r.stderr).slice(-300)}`,
      };
  }
  const da = parseDump(a.stdout),
    db = parseDump(b.stdout);
  if (!da) return { ...res, ok: false, message: `no dump from ${names[0]}` };
  if (!db) return { ...res, ok: false, message: `no dump from ${names[1]}: ${b.stdout.slice(-300)}` };
  const first = compareDumps(da, db);
  if (first) {
    const all = DUMP_NAMES.filter((n) => da[n] !== db[n]);
    return {
      ...res,
      ok: false,
      first,
      message: `first difference ${first.name}: ${names[0]}=${first.a} ${names[1]}=${first.b} (differing: ${all.join(" ")})`,
    };
  }
  return { ...res, ok: true };
}

async function main(argv) {
  const pos = argv.filter((x) => !x.startsWith("--"));
  const opt = Object.fromEntries(
    argv
      .filter((x) => x.startsWith("--"))
      .map((x) => {
        const [k, v] = x.slice(2).split("=");
        return [k, v ?? true];
      }),
  );
  const count = Number(pos[0] ?? 200),
    length = Number(pos[1] ?? 500),
    seed0 = Number(pos[2] ?? 1);
  const jobs = Number(opt.jobs ?? 2);
  const mode = opt["qemu-only"] ? "qemu" : "diff";
  const traps = Boolean(opt.traps);
  const genOptions = {
    traps,
    paging: typeof opt.paging === "string" ? opt.paging : null,
    priv: typeof opt.priv === "string" ? opt.priv : "S",
  };
  const flags = `${traps ? " --traps" : ""}${genOptions.paging ? ` --paging=${genOptions.paging}` : ""}${opt.priv ? ` --priv=${genOptions.priv}` : ""}`;
  try {
    generateProgram(1, 1, genOptions);
  } catch (e) {
    console.error(`fuzz-isa: ${e.message}`);
    return 2;
  }
  const keep = typeof opt.keep === "string" ? opt.keep : join(tmpdir(), "fuzz-isa");
  if (![count, length, seed0, jobs].every(Number.isInteger) || count < 1 || length < 1) {
    console.error(
      "usage: node tools/fuzz-isa.mjs [count] [length] [seed] [--traps] [--paging=sv39|sv48] [--priv=S|U] [--qemu-only] [--jobs=N] [--keep=DIR]",
    );
    return 2;
  }
  if (!hasQemu()) {
    console.error("fuzz-isa: qemu-system-riscv64 is not installed (apt-get install qemu-system-misc)");
    return 2;
  }
  if (mode === "diff" && !hasWasmvirt()) {
    console.error("fuzz-isa: wasmvirt is not built (npm run build)");
    return 2;
  }
  const work = mkdtempSync(join(tmpdir(), "fuzz-isa-run-"));
  let next = seed0,
    done = 0,
    bad = 0;
  const t0 = Date.now();
  const worker = async () => {
    while (next < seed0 + count) {
      const seed = next++;
      const r = await fuzzOne(seed, length, mode, work, 20000, genOptions);
      done++;
      if (!r.ok) {
        bad++;
        mkdirSync(keep, { recursive: true });
        writeFileSync(join(keep, `seed-${seed}.elf`), r.prog.elf);
        writeFileSync(join(keep, `seed-${seed}.lst`), r.prog.listing.join("\n") + "\n");
        r.outputs.forEach((o, i) =>
          writeFileSync(
            join(keep, `seed-${seed}.${i === 0 ? "qemu" : mode === "qemu" ? "qemu2" : "wasmvirt"}.out`),
            o.stdout + o.stderr,
          ),
        );
        console.log(
          `MISMATCH seed=${seed} length=${length}${flags}: ${r.message}  (reproduce: node tools/fuzz-isa.mjs 1 ${length} ${seed}${flags}; files in ${keep})`,
        );
      }
      if (done % 50 === 0) console.log(`... ${done}/${count} programs, ${bad} mismatches`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  rmSync(work, { recursive: true, force: true });
  const what =
    (mode === "qemu" ? (traps ? "QEMU determinism check" : "QEMU determinism/trap-free check") : "wasmvirt vs QEMU") +
    (flags ? ` (${flags.trim()})` : "");
  console.log(
    `${what}: ${count} programs x ${length} instruction groups from seed ${seed0}: ${bad} mismatches (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  return bad ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((c) => process.exit(c));
}
