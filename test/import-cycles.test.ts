// No module of the host (src/) imports itself back through others: a cycle makes load order decide
// what is initialised (an undefined at start-up) and ties the layers together. Type-only imports
// count too (they are a dependency for the reader even though tsc erases them); import() does not.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** The relative modules a file imports statically (import/export ... from "./x.js"). */
function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+["'](\.[^"']+)["']/gm)) {
    out.push(resolve(dirname(file), m[1].replace(/\.js$/, ".ts")));
  }
  return out;
}

/** Every cycle found by a depth-first walk, each as the list of files around it. */
function findCycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, imports(f).filter((t) => files.includes(t))]));
  const cycles: string[][] = [];
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "active");
    stack.push(f);
    for (const t of graph.get(f)!) {
      if (state.get(t) === "active") cycles.push([...stack.slice(stack.indexOf(t)), t]);
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return cycles;
}

describe("src/ imports", () => {
  it("form no cycle", () => {
    const cycles = findCycles(sources(SRC)).map((c) => c.map((f) => relative(SRC, f)).join(" -> "));
    expect(cycles).toEqual([]);
  });

  it("the check sees the statements it must (a cycle it is shown is found)", () => {
    const files = sources(SRC);
    const session = files.find((f) => f.endsWith("qmp/session.ts"))!;
    expect(imports(session).map((f) => relative(SRC, f))).toContain("qmp/commands.ts");
    expect(imports(join(SRC, "qmp/hmp.ts")).map((f) => relative(SRC, f))).toContain("qmp/context.ts");
  });
});
