#!/usr/bin/env node
// Checks our encoder against GNU as: generates programs, assembles the listing's text form of
// every instruction with riscv64-unknown-elf-as, and compares the bytes with ours.
// Usage: node tools/rvgen/encode-check.mjs [programs=20] [length=400] [seed=1]
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateProgram, BASE } from "./gen.mjs";

export function checkEncoder(programs = 20, length = 400, seed = 1) {
  const dir = mkdtempSync(join(tmpdir(), "rvgen-"));
  let checked = 0;
  try {
    for (let i = 0; i < programs; i++) {
      const p = generateProgram(seed + i, length);
      const lines = [".text"];
      const ours = [];
      for (const l of p.listing) {
        const [, text] = l.split(": ");
        lines.push(text.startsWith("c.") ? ".option rvc" : ".option norvc", text);
        ours.push(l);
      }
      writeFileSync(join(dir, "p.s"), lines.join("\n") + "\n");
      execFileSync("riscv64-unknown-elf-as", [
        "-march=rv64imac_zicsr_zifencei",
        "-o",
        join(dir, "p.o"),
        join(dir, "p.s"),
      ]);
      execFileSync("riscv64-unknown-elf-objcopy", [
        "-O",
        "binary",
        "-j",
        ".text",
        join(dir, "p.o"),
        join(dir, "p.bin"),
      ]);
      const gas = readFileSync(join(dir, "p.bin"));
      const img = p.elf.subarray(0x1000, 0x1000 + gas.length);
      if (Buffer.compare(Buffer.from(img), gas) !== 0) {
        const addrs = ours.map((l) => Number(BigInt("0x" + l.split(":")[0]) - BASE));
        addrs.push(gas.length);
        for (let k = 0; k < ours.length; k++) {
          const a = Buffer.from(img.subarray(addrs[k], addrs[k + 1])),
            b = gas.subarray(addrs[k], addrs[k + 1]);
          if (Buffer.compare(a, b) !== 0) {
            throw new Error(
              `seed ${seed + i}: encoding differs from GNU as at ${ours[k]} (ours ${a.toString("hex")}, as ${b.toString("hex")})`,
            );
          }
        }
        throw new Error(`seed ${seed + i}: image differs from GNU as`);
      }
      checked += ours.length;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return checked;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [n = "20", len = "400", seed = "1"] = process.argv.slice(2);
  const count = checkEncoder(Number(n), Number(len), Number(seed));
  console.log(`encoder matches GNU as on ${count} instructions`);
}
