// The README lists the monitor's commands for readers; the tables in src/qmp are what runs. This test
// keeps the two in step, so that adding a command without documenting it (or the reverse) fails.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../src/qmp/commands.js";
import { runHmp } from "../src/qmp/hmp.js";
import type { CommandContext } from "../src/qmp/context.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8").replace(/\s*\n\s*/g, " ");
const between = (from: string, to: string) => {
  const i = readme.indexOf(from);
  const j = readme.indexOf(to, i);
  expect(i >= 0 && j > i, `README has "${from}" … "${to}"`).toBe(true);
  return readme.slice(i + from.length, j);
};

/** `help` and `help info` of the HMP table, first names only. */
async function hmpNames(topic: string): Promise<string[]> {
  const text = await runHmp(`help ${topic}`.trim(), {} as CommandContext, async () => ({}));
  // A help text may go on over lines that start with tabs (QEMU's migrate); names start a line.
  return text
    .split("\r\n")
    .filter((l) => /^[a-z?]/.test(l))
    .map((l) => l.split(" ")[topic === "info" ? 1 : 0].split("|")[0]);
}

describe("README's command lists", () => {
  it("name every QMP command of the table, and no other", () => {
    const listed = between("all come from it):", " - HMP through")
      .split(",")
      .map((w) => w.replace(/\(oob\)|\./g, "").trim());
    expect([...listed].sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });

  it("name every HMP command and info subcommand, and no other", async () => {
    const text = between("- HMP through `human-monitor-command`:", "; unknown words");
    const items = text.split(/,(?![^[]*\])/).map((s) => s.trim());
    const info = items
      .find((s) => s.startsWith("info "))!
      .slice(5)
      .replace(/\[[^\]]*\]/g, "")
      .split("|")
      .map((s) => s.trim());
    const commands = items.flatMap((s) => (s.startsWith("info ") ? ["info"] : s.split(" ")[0].split("/")));
    expect([...commands].sort()).toEqual((await hmpNames("")).sort());
    expect([...info].sort()).toEqual((await hmpNames("info")).sort());
  });
});
