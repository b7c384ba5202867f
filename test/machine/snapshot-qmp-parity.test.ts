// The same migration conversation against QEMU 7.2 and wasmvirt: the state formats differ (QEMU cannot
// load ours), but commands, replies, errors, events and run states must have the same shapes.
import { describe, it, expect, afterEach } from "vitest";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { wasmvirtBuilt } from "../helpers/guest";
import { type Vm, wasmvirt, qemu, tempDir } from "./snapshot-helpers";

const haveQemu = spawnSync("qemu-system-riscv64", ["--version"], { stdio: "ignore" }).status === 0;
const vms: Vm[] = [];
afterEach(() => {
  for (const v of vms.splice(0)) v.kill();
});

type Start = (dir: string, args: string[], sock: string) => Vm;

/** Runs the conversation; returns what must agree between the two. */
async function conversation(start: Start, dir: string, kernel: string) {
  const args = ["-M", "virt", "-m", "64M", "-bios", "none", "-kernel", kernel, "-nographic", "-serial", "null"];
  const out: Record<string, unknown> = {};
  const src = start(dir, args, "src.sock");
  vms.push(src);
  await src.connect();
  out.queryBefore = (await src.cmd("query-migrate")).return;
  out.caps = (
    await src.cmd("migrate-set-capabilities", { capabilities: [{ capability: "events", state: true }] })
  ).return;
  out.capList = (await src.cmd("query-migrate-capabilities")).return.map((c: any) => c.capability);
  out.badUri = (await src.cmd("migrate", { uri: "bogus:x" })).error;
  const state = path.join(dir, "vm.state");
  out.migrate = await src.cmd("migrate", { uri: `exec:cat > ${state}` });
  await src.waitEvent("MIGRATION", (d) => d.status === "completed");
  out.sourceEvents = (await src.events(200)).map((e) => [e.event, e.data]);
  const q = (await src.cmd("query-migrate")).return;
  out.queryAfter = { status: q.status, keys: Object.keys(q).sort(), ramKeys: Object.keys(q.ram).sort() };
  out.statusAfter = (await src.cmd("query-status")).return;
  out.again = (await src.cmd("migrate", { uri: `exec:cat > ${state}.2` })).error;
  out.infoMigrate = (await src.hmp("info migrate")).split("\r\n").map((l: string) => l.split(":")[0]);
  out.cont = (await src.cmd("cont")).return;
  out.contEvents = (await src.events(200)).map((e) => e.event);
  out.statusCont = (await src.cmd("query-status")).return;
  await src.cmd("quit");

  const dst = start(dir, [...args, "-incoming", "defer"], "dst.sock");
  vms.push(dst);
  await dst.connect();
  out.dstStatus = (await dst.cmd("query-status")).return;
  out.dstQuery = (await dst.cmd("query-migrate")).return;
  await dst.cmd("migrate-set-capabilities", { capabilities: [{ capability: "events", state: true }] });
  // Before the state is in, cont only asks for the machine to run once loaded (QEMU's autostart).
  out.dstCont = await dst.cmd("cont");
  out.dstStatusCont = (await dst.cmd("query-status")).return;
  out.incoming = await dst.cmd("migrate-incoming", { uri: `exec:cat ${state}` });
  await dst.waitEvent("MIGRATION", (d) => d.status === "completed");
  out.dstEvents = (await dst.events(200)).map((e) => [e.event, e.data]);
  out.dstStatusAfter = (await dst.cmd("query-status")).return;
  out.dstQueryAfter = (await dst.cmd("query-migrate")).return;
  out.incomingAgain = (await dst.cmd("migrate-incoming", { uri: `exec:cat ${state}` })).error;
  await dst.cmd("quit");
  return out;
}

describe.skipIf(!haveQemu || !wasmvirtBuilt)("migration over QMP: wasmvirt and QEMU 7.2 answer alike", () => {
  it("migrate exec:, query-migrate, events, run states, -incoming defer + migrate-incoming", async () => {
    const dir = tempDir();
    const kernel = path.join(dir, "loop.bin");
    fs.writeFileSync(kernel, Buffer.from([0x6f, 0, 0, 0])); // jal x0, 0
    const ours = await conversation(wasmvirt, dir, kernel);
    const theirs = await conversation(qemu, dir, kernel);
    // Events: the same sequence. The completed MIGRATION event is consumed by waitEvent on both.
    expect(ours.sourceEvents).toEqual(theirs.sourceEvents);
    // (The first two: migrate to a URI that is no protocol fails in setup.)
    expect(ours.sourceEvents).toEqual([
      ["MIGRATION", { status: "setup" }],
      ["MIGRATION", { status: "failed" }],
      ["MIGRATION", { status: "setup" }],
      ["MIGRATION_PASS", { pass: 1 }],
      ["MIGRATION", { status: "active" }],
      ["STOP", undefined],
      ["MIGRATION_PASS", { pass: 2 }],
    ]);
    expect(ours.dstEvents).toEqual(theirs.dstEvents);
    for (const k of [
      "queryBefore",
      "caps",
      "capList",
      "migrate",
      "statusAfter",
      "again",
      "cont",
      "contEvents",
      "statusCont",
      "dstStatus",
      "dstCont",
      "dstStatusCont",
      "dstQuery",
      "incoming",
      "dstStatusAfter",
      "dstQueryAfter",
      "incomingAgain",
      "badUri",
    ]) {
      expect(ours[k], k).toEqual(theirs[k]);
    }
    // query-migrate once completed: the same keys (values are timings and counts).
    expect(ours.queryAfter).toEqual(theirs.queryAfter);
    expect(ours.infoMigrate).toEqual(theirs.infoMigrate);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});

describe.skipIf(!wasmvirtBuilt)("migration that does not complete", () => {
  it("a destination command that fails: status failed with the reason, the source runs on", async () => {
    const dir = tempDir();
    const kernel = path.join(dir, "loop.bin");
    fs.writeFileSync(kernel, Buffer.from([0x6f, 0, 0, 0]));
    const vm = wasmvirt(dir, [
      "-M",
      "virt",
      "-m",
      "64M",
      "-bios",
      "none",
      "-kernel",
      kernel,
      "-nographic",
      "-serial",
      "null",
    ]);
    vms.push(vm);
    await vm.connect();
    await vm.cmd("migrate-set-capabilities", { capabilities: [{ capability: "events", state: true }] });
    expect(await vm.cmd("migrate", { uri: "exec:exit 3" })).toEqual({ return: {} });
    await vm.waitEvent("MIGRATION", (d) => d.status === "failed");
    expect((await vm.cmd("query-migrate")).return).toEqual({
      status: "failed",
      "error-desc": "'exit 3' exited with status 3",
    });
    await vm.waitEvent("RESUME");
    expect((await vm.cmd("query-status")).return.status).toBe("running");
    expect(await vm.hmp("info migrate")).toContain(
      "Migration status: failed ('exit 3' exited with status 3)\r\ntotal time: ",
    );

    // Cancelled while the destination is still reading: cancelled, running again.
    await vm.events(100); // forget the events so far: the STOP below must be this migration's
    expect(await vm.cmd("migrate", { uri: "exec:sleep 5; cat > /dev/null" })).toEqual({ return: {} });
    await vm.waitEvent("STOP");
    expect(await vm.cmd("migrate_cancel")).toEqual({ return: {} });
    await vm.waitEvent("MIGRATION", (d) => d.status === "cancelled", 10_000);
    expect((await vm.cmd("query-migrate")).return).toEqual({ status: "cancelled" });
    await vm.waitEvent("RESUME");
    expect((await vm.cmd("query-status")).return.status).toBe("running");
    // HMP: migrate waits for the end; -d does not.
    const file = path.join(dir, "hmp.state");
    expect(await vm.hmp(`migrate exec:cat > ${file}`)).toBe("");
    expect((await vm.cmd("query-status")).return.status).toBe("postmigrate");
    expect(fs.statSync(file).size).toBeGreaterThan(0);
    expect(await vm.hmp("migrate file:/x")).toBe(
      "Error: Can't migrate the vm that was paused due to previous migration\r\n",
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
