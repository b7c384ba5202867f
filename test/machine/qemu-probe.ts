// Test helper: start qemu-system-riscv64 -M virt paused (-S), ask its monitor some questions
// over QMP (human-monitor-command), quit. Used to read where QEMU put things (`info roms`) and
// what its boot ROM holds (`xp`), so our numbers are checked against QEMU's, not against a table.
import { spawnSync } from "node:child_process";

export function qemuMonitor(args: string[], commands: string[]): string[] {
  const input =
    [
      { execute: "qmp_capabilities" },
      ...commands.map((c) => ({ execute: "human-monitor-command", arguments: { "command-line": c } })),
      { execute: "quit" },
    ]
      .map((m) => JSON.stringify(m))
      .join("\n") + "\n";
  const r = spawnSync(
    "qemu-system-riscv64",
    ["-M", "virt", "-S", "-display", "none", "-serial", "null", "-monitor", "none", "-qmp", "stdio", ...args],
    { input, encoding: "utf8", timeout: 30_000 },
  );
  if (r.status !== 0) throw new Error(`qemu-system-riscv64 ${args.join(" ")} failed (exit ${r.status}): ${r.stderr}`);
  const replies = r.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l))
    .filter((m) => "return" in m || "error" in m);
  // replies[0] answers qmp_capabilities; the last one answers quit.
  const answers = replies.slice(1, 1 + commands.length);
  for (const a of answers) if ("error" in a) throw new Error(`QEMU monitor: ${a.error.desc}`);
  return answers.map((a) => String(a.return));
}

export interface QemuRom {
  addr: bigint;
  size: bigint;
  name: string;
}

/** QEMU's `info roms`: every blob it placed in guest memory. */
export function qemuRoms(args: string[]): QemuRom[] {
  const [text] = qemuMonitor(args, ["info roms"]);
  return text
    .split(/\r?\n/)
    .filter((l) => l.startsWith("addr="))
    .map((l) => {
      const m = /^addr=([0-9a-f]+) size=0x([0-9a-f]+) mem=\w+ name="(.*)"$/.exec(l.trim());
      if (!m) throw new Error(`unexpected info roms line: ${l}`);
      return { addr: BigInt(`0x${m[1]}`), size: BigInt(`0x${m[2]}`), name: m[3] };
    });
}

/** Guest physical memory as QEMU sees it (`xp /Nwx`), as bytes. */
export function qemuReadPhys(args: string[], addr: bigint, bytes: number): Uint8Array {
  const words = Math.ceil(bytes / 4);
  const [text] = qemuMonitor(args, [`xp /${words}wx 0x${addr.toString(16)}`]);
  const out = new Uint8Array(words * 4);
  const view = new DataView(out.buffer);
  let i = 0;
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    for (const w of line
      .slice(colon + 1)
      .trim()
      .split(/\s+/))
      view.setUint32(4 * i++, Number(w), true);
  }
  if (i !== words) throw new Error(`xp returned ${i} words, expected ${words}`);
  return out.subarray(0, bytes);
}
