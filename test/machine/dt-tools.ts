// Test helpers: run dtc/QEMU when present, and read dtc's decompiled output (`dtc -O dts`) into
// nodes and properties so two trees can be compared with phandle numbers replaced by the paths
// of the nodes they point at.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function hasTool(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

export const HAVE_DTC = hasTool("dtc");
export const HAVE_QEMU = hasTool("qemu-system-riscv64");

export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "wasmvirt-dt-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface DtcResult {
  dts: string;
  diagnostics: string[];
}

/** Decompiles a DTB with dtc; throws if dtc fails. Diagnostics come without the file name. */
export function dtcDecompile(dtb: Uint8Array): DtcResult {
  return withTempDir((dir) => {
    const input = join(dir, "in.dtb");
    writeFileSync(input, dtb);
    const r = spawnSync("dtc", ["-I", "dtb", "-O", "dts", input], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`dtc rejected the blob (exit ${r.status}): ${r.stderr}`);
    return { dts: r.stdout, diagnostics: diagnostics(r.stderr) };
  });
}

/** Compiles dts text with dtc. */
export function dtcCompile(dts: string): { dtb: Uint8Array; diagnostics: string[] } {
  return withTempDir((dir) => {
    const input = join(dir, "in.dts");
    writeFileSync(input, dts);
    const r = spawnSync("dtc", ["-I", "dts", "-O", "dtb", "-o", join(dir, "out.dtb"), input], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`dtc failed (exit ${r.status}): ${r.stderr}`);
    return { dtb: new Uint8Array(readFileSync(join(dir, "out.dtb"))), diagnostics: diagnostics(r.stderr) };
  });
}

function diagnostics(stderr: string): string[] {
  return stderr
    .split("\n")
    .map((l) => l.replace(/^.*?: (?=Warning|ERROR|Error)/, "").trim())
    .filter((l) => l.length > 0);
}

/** `qemu-system-riscv64 -M virt,dumpdtb=...` with extra arguments; returns the packed blob. */
export function qemuDumpDtb(args: string[]): Uint8Array {
  return withTempDir((dir) => {
    const out = join(dir, "virt.dtb");
    execFileSync("qemu-system-riscv64", ["-M", `virt,dumpdtb=${out}`, "-nographic", ...args], {
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 30_000,
    });
    const raw = readFileSync(out);
    // QEMU writes its whole buffer; the blob's own header says how much is the tree.
    return new Uint8Array(raw.subarray(0, raw.readUInt32BE(4)));
  });
}

export interface DtsNode {
  path: string;
  properties: [string, string][];
  children: string[];
}

/** Reads dtc's canonical dts output (one property or node header per line). */
export function parseDtsText(text: string): Map<string, DtsNode> {
  const nodes = new Map<string, DtsNode>();
  const stack: string[] = [];
  const childPath = (name: string): string => {
    if (stack.length === 0) return "/";
    const parent = stack[stack.length - 1];
    return parent === "/" ? `/${name}` : `${parent}/${name}`;
  };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("//") || line.startsWith("/dts-v1/") || line.startsWith("/memreserve/"))
      continue;
    if (line.endsWith("{")) {
      const name = line.slice(0, -1).trim();
      const path = childPath(name);
      if (stack.length > 0) nodes.get(stack[stack.length - 1])!.children.push(path);
      nodes.set(path, { path, properties: [], children: [] });
      stack.push(path);
    } else if (line === "};") {
      stack.pop();
    } else if (line.endsWith(";")) {
      const body = line.slice(0, -1);
      const eq = body.indexOf(" = ");
      const [name, value] = eq < 0 ? [body, ""] : [body.slice(0, eq), body.slice(eq + 3)];
      nodes.get(stack[stack.length - 1])!.properties.push([name, value]);
    } else {
      throw new Error(`unexpected dts line: ${raw}`);
    }
  }
  return nodes;
}

const cellsOf = (value: string): string[] =>
  value
    .replace(/^<|>$/g, "")
    .split(/\s+/)
    .filter((c) => c.length > 0);

/**
 * Replaces phandle numbers by `&/path/of/target`: `phandle` itself becomes `<phandle>`, and the
 * cells of the properties that hold references (all the ones QEMU's virt tree uses) are resolved.
 */
export function resolvePhandles(nodes: Map<string, DtsNode>): Map<string, DtsNode> {
  const byPhandle = new Map<string, string>();
  for (const n of nodes.values()) {
    const p = n.properties.find(([k]) => k === "phandle");
    if (p) byPhandle.set(cellsOf(p[1])[0], n.path);
  }
  const ref = (cell: string): string => {
    const target = byPhandle.get(cell);
    if (!target) throw new Error(`phandle ${cell} points at no node`);
    return `&${target}`;
  };
  const out = new Map<string, DtsNode>();
  for (const n of nodes.values()) {
    const properties = n.properties.map(([k, v]): [string, string] => {
      if (k === "phandle") return [k, "<phandle>"];
      if (k === "interrupt-parent" || k === "regmap" || k === "cpu") return [k, `<${cellsOf(v).map(ref).join(" ")}>`];
      if (k === "interrupts-extended") {
        return [
          k,
          `<${cellsOf(v)
            .map((c, i) => (i % 2 === 0 ? ref(c) : c))
            .join(" ")}>`,
        ];
      }
      return [k, v];
    });
    out.set(n.path, { ...n, properties });
  }
  return out;
}
