// Save and restore of every CSR and device register (bare metal): state-probe/state.elf puts a
// distinctive value everywhere, waits at READY; the machine is saved there, restored in a new process,
// and `info registers` plus the probe's own read-back must equal the uninterrupted run's.
import { describe, it, expect, afterEach } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { wasmvirtBuilt } from "../helpers/guest";
import { type Vm, wasmvirt, tempDir, saveTo, sectionsOf, reseal, literalsPastEnd } from "./snapshot-helpers";

const ELF = path.join(path.dirname(fileURLToPath(import.meta.url)), "state-probe", "state.elf");
const ARGS = ["-M", "virt", "-m", "64M", "-bios", "none", "-kernel", ELF, "-nographic"];
const vms: Vm[] = [];
afterEach(() => {
  for (const v of vms.splice(0)) v.kill();
});

/** The probe started in `dir` and saved at READY into probe.state; the source stays (postmigrate). */
async function saveAtReady(dir: string): Promise<{ src: Vm; state: string }> {
  const src = wasmvirt(dir, ARGS, "src.sock");
  vms.push(src);
  await src.waitFor("READY\n");
  await src.connect();
  const state = path.join(dir, "probe.state");
  await saveTo(src, state);
  return { src, state };
}

function stateLines(out: string): string {
  return out.replace(/\r/g, "").split("STATE-BEGIN\n")[1]?.split("STATE-END")[0] ?? `no state in: ${out}`;
}

describe.skipIf(!wasmvirtBuilt)("saved machine state: every CSR and device register", () => {
  it("round-trips through migrate exec: and -incoming file: into a new process", async () => {
    const dir = tempDir();
    // The uninterrupted run.
    const plain = wasmvirt(dir, ARGS, "plain.sock");
    vms.push(plain);
    await plain.waitFor("READY\n");
    plain.type("x");
    await plain.waitFor("STATE-END");
    expect(await plain.exited).toBe(0);

    // Saved at READY, with an interrupt pending in the CLINT.
    const { src, state } = await saveAtReady(dir);
    expect((await src.cmd("query-status")).return.status).toBe("postmigrate");
    const before = await src.hmp("info registers -a");
    await src.cmd("quit");

    const dst = wasmvirt(dir, [...ARGS, "-S", "-incoming", `file:${state}`], "dst.sock");
    vms.push(dst);
    await dst.connect();
    // -S: loaded, then paused (poll: the load runs behind the monitor).
    for (let i = 0; i < 200 && (await dst.cmd("query-status")).return.status === "inmigrate"; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await dst.cmd("query-status")).return).toEqual({ status: "paused", singlestep: false, running: false });
    expect(await dst.hmp("info registers -a")).toBe(before);
    expect((await dst.cmd("query-migrate")).return.status).toBe("completed");
    await dst.cmd("cont");
    dst.type("x");
    await dst.waitFor("STATE-END");
    expect(await dst.exited).toBe(0);
    expect(stateLines(dst.out)).toBe(stateLines(plain.out));
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("refuses RAM that passes its checksums but does not decompress: status 1, a message, nothing runs", async () => {
    const dir = tempDir();
    const { src, state } = await saveAtReady(dir);
    await src.cmd("quit");
    const file = fs.readFileSync(state);
    const block = sectionsOf(file).find((s) => s.tag === "RAMD" && s.flags === 4);
    expect(block, "the RAM pages are stored as an LZ4 block").toBeDefined();
    // A literal run longer than the block: a crafted file, since the checksums are made to match.
    literalsPastEnd(file, block!.at + 28, block!.bytes.length);
    const bad = path.join(dir, "bad.state");
    fs.writeFileSync(bad, reseal(file));
    const dst = wasmvirt(dir, [...ARGS, "-incoming", `file:${bad}`], "dst.sock");
    vms.push(dst);
    expect(await dst.exited).toBe(1);
    expect(dst.err).toMatch(/load of migration failed: .*section RAMD does not decompress/);
    expect(dst.out).toBe("");
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
