// Golden comparisons: the client lines of real QEMU 7.2's transcripts (../shared/qmp/qemu-7.2) are
// replayed against our server (on the fake machine) and, where QEMU is installed, against QEMU itself;
// every server message must have the transcript's shape. Our deliberate differences (README, "QMP
// monitor") are spelled out in `ourExpectation`, nowhere else.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { startMonitors, collectMonitorSpecs, DEFAULT_VERSION, COMMANDS } from "../../src/qmp/index.js";
import { silentLogger } from "../../src/log.js";
import { FakeMachine } from "./fake-machine.js";
import { RawClient, type Msg } from "./client.js";
import { GOLDEN_DIR, parseTranscript, normalise, commandOf, type Scenario } from "./golden.js";
import { startWasmvirt, haveCli } from "./cli-process.js";

const haveGolden = fs.existsSync(GOLDEN_DIR);
const haveQemu = spawnSync("qemu-system-riscv64", ["--version"]).status === 0;

// Single-client transcripts that replay line by line. (framing/longline/two-clients/events-handshake/
// sigterm/schema need their own choreography and are covered by protocol.test.ts and the CLI tests.)
const OURS = [
  "greeting",
  "handshake",
  "caps-twice",
  "oob",
  "queries",
  "stop-cont",
  "reset",
  "powerdown",
  "quit",
  "hmp",
  "ids",
  "malformed",
  "tcp",
  "norun-s",
];
const ON_QEMU = ["greeting", "handshake", "ids", "malformed", "stop-cont", "quit"];

interface Target {
  connect(): Promise<RawClient>;
  stop(): Promise<void>;
}

async function ourTarget(s: Scenario, dir: string): Promise<Target> {
  const sock = path.join(dir, "x.sock");
  const machine = new FakeMachine({ startPaused: s.startPaused, ramSize: 128 << 20 });
  const monitors = await startMonitors(collectMonitorSpecs([["-qmp", `unix:${sock},server=on,wait=off`]]), machine, {
    version: DEFAULT_VERSION,
    logger: silentLogger(),
  });
  machine.on("exit", () => void monitors.close());
  return {
    connect: () => RawClient.connect(sock),
    stop: async () => {
      await monitors.close();
      machine.dispose();
    },
  };
}

async function cliTarget(s: Scenario): Promise<Target> {
  const vm = await startWasmvirt({ paused: s.startPaused });
  return { connect: () => RawClient.connect(vm.sock), stop: () => vm.kill() };
}

async function qemuTarget(s: Scenario, dir: string): Promise<Target> {
  const sock = path.join(dir, "q.sock");
  const args = s.qemu
    .split(/\s+/)
    .slice(1)
    .map((a) => (a.startsWith("unix:") || a.startsWith("tcp:") ? `unix:${sock},server=on,wait=off` : a));
  const proc: ChildProcess = spawn("qemu-system-riscv64", args, { stdio: ["ignore", "ignore", "ignore"] });
  for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
  return {
    connect: () => RawClient.connect(sock),
    stop: async () => {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r(null) : proc.once("exit", r)));
    },
  };
}

/** What we must send where QEMU sent `m`: QEMU's message, except for our documented differences. */
function ourExpectation(_file: string, command: string | undefined, m: Msg): Msg | undefined {
  if (m.error?.class === "GenericError" && String(m.error.desc).startsWith("JSON parse error")) {
    // Malformed JSON: the seed's JSONParsing class; QEMU's text kept as data.detail.
    const { error, ...rest } = m;
    return { ...rest, error: { class: "JSONParsing", desc: "Invalid JSON syntax", data: { detail: error.desc } } };
  }
  if (command === "qmp_switch_mode") {
    // The seed's command exists here; after negotiation it answers like a repeated qmp_capabilities.
    return {
      error: { class: "CommandNotFound", desc: "Capabilities negotiation is already complete, command ignored" },
    };
  }
  if (command !== undefined && m.error?.class !== "CommandNotFound" && !COMMANDS.some((c) => c.name === command)) {
    // A QEMU command wasmvirt does not have (e.g. qom-list).
    const { error: _e, ...rest } = m;
    return { ...rest, error: { class: "CommandNotFound", desc: `The command ${command} has not been found` } };
  }
  // The devices behind these differ with the machine (QEMU's virt has floppy/sd/parallel placeholders).
  if (command === "query-chardev" || command === "query-block") return undefined;
  return m;
}

async function replay(file: string, s: Scenario, target: Target, ours: boolean): Promise<void> {
  const c = await target.connect();
  try {
    const greeting = await c.next();
    expect(normalise(greeting)).toEqual(normalise(s.greeting));
    for (const step of s.steps) {
      const command = commandOf(step.line);
      c.write(step.send);
      if (step.expect === undefined) {
        // Summarised in the transcript: read up to the reply.
        for (let m = await c.next(); "event" in m; m = await c.next()) {
          /* events before the reply */
        }
        continue;
      }
      for (const want of step.expect as Msg[]) {
        const got = await c.next(10_000);
        const exp = ours ? ourExpectation(file, command, want) : want;
        if (exp === undefined) continue;
        expect(normalise(got, command), `${file}: ${step.line.slice(0, 80)}`).toEqual(normalise(exp, command));
      }
    }
    if (s.closedAtEnd) await c.waitClosed();
    else expect(await c.drain(30), `${file}: nothing more after the last line`).toEqual([]);
  } finally {
    c.close();
  }
}

function scenarios(file: string): Scenario[] {
  return parseTranscript(fs.readFileSync(path.join(GOLDEN_DIR, `${file}.txt`), "utf8"));
}

describe.skipIf(!haveGolden)(
  "golden transcripts of QEMU 7.2 (../shared/qmp) replayed against wasmvirt's server",
  () => {
    it.each(OURS)("%s", async (file) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qmp-golden-"));
      try {
        const parts = scenarios(file);
        expect(parts.length).toBeGreaterThan(0);
        for (const s of parts) {
          const t = await ourTarget(s, dir);
          try {
            await replay(file, s, t, true);
          } finally {
            await t.stop();
          }
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

describe.skipIf(!haveGolden || !haveQemu)("the same replays against the installed qemu-system-riscv64", () => {
  it.each(ON_QEMU)("%s", async (file) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qmp-golden-q-"));
    try {
      for (const s of scenarios(file)) {
        const t = await qemuTarget(s, dir);
        try {
          await replay(file, s, t, false);
        } finally {
          await t.stop();
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!haveGolden || !haveCli)("the same replays against the real wasmvirt process (busy-loop guest)", () => {
  it.each(OURS)("%s", async (file) => {
    for (const s of scenarios(file)) {
      const t = await cliTarget(s);
      try {
        await replay(file, s, t, true);
      } finally {
        await t.stop();
      }
    }
  });
});

describe.skipIf(!haveGolden)("query-qmp-schema against QEMU 7.2's (query-qmp-schema.filtered.json)", () => {
  type Entry = Record<string, any>;
  /** A type as a comparable structure, resolved through the masked names; "?" where QEMU's file stops. */
  function describeType(name: string, byName: Map<string, Entry>, depth = 0): unknown {
    if (["str", "int", "bool", "number", "any", "null"].includes(name)) return name;
    const e = byName.get(name);
    if (!e || depth > 4) return "?";
    switch (e["meta-type"]) {
      case "array":
        return ["array", describeType(e["element-type"], byName, depth + 1)];
      case "enum":
        return { enum: [...e.values].sort() };
      case "object":
        return {
          members: [...e.members]
            .sort((a: Entry, b: Entry) => a.name.localeCompare(b.name))
            .map((m: Entry) => ({
              name: m.name,
              optional: "default" in m,
              type: describeType(m.type, byName, depth + 1),
            })),
        };
      default:
        return e["meta-type"];
    }
  }
  /** Drop the parts QEMU's filtered file does not describe, so both sides compare the same depth. */
  function prune(ours: unknown, theirs: unknown): unknown {
    if (theirs === "?") return "?";
    if (Array.isArray(ours) && Array.isArray(theirs)) return ours.map((x, i) => prune(x, theirs[i]));
    if (ours && typeof ours === "object" && theirs && typeof theirs === "object" && "members" in (theirs as any)) {
      const t = (theirs as any).members as Entry[];
      return {
        members: ((ours as any).members as Entry[]).map((m) => {
          const tm = t.find((x) => x.name === m.name);
          return tm ? { ...m, type: prune(m.type, tm.type) } : m;
        }),
      };
    }
    return ours;
  }

  it("our commands and events have QEMU's argument, return and event data types", async () => {
    const qemu = JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, "query-qmp-schema.filtered.json"), "utf8"));
    const qByName = new Map<string, Entry>([...qemu.entries, ...qemu.referenced_types].map((e: Entry) => [e.name, e]));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qmp-schema-"));
    const t = await ourTarget({ qemu: "", startPaused: true, greeting: undefined, steps: [], closedAtEnd: false }, dir);
    try {
      const c = await RawClient.open(path.join(dir, "x.sock"));
      const ours: Entry[] = (await c.cmd("query-qmp-schema")).return;
      c.close();
      const oByName = new Map(ours.map((e) => [e.name, e]));
      let compared = 0;
      for (const q of qemu.entries as Entry[]) {
        const o = oByName.get(q.name);
        expect(o, `${q.name} is in our schema`).toBeDefined();
        expect(o!["meta-type"]).toBe(q["meta-type"]);
        expect(!!o!["allow-oob"], `${q.name} allow-oob`).toBe(!!q["allow-oob"]);
        const qArg = describeType(q["arg-type"], qByName);
        expect(prune(describeType(o!["arg-type"], oByName), qArg), `${q.name} arguments`).toEqual(qArg);
        if (q["meta-type"] === "command" && q.name !== "query-target") {
          // (query-target: our SysEmuTarget enum lists only riscv64.)
          const qRet = describeType(q["ret-type"], qByName);
          expect(prune(describeType(o!["ret-type"], oByName), qRet), `${q.name} returns`).toEqual(qRet);
        }
        compared++;
      }
      expect(compared).toBe(qemu.entries.length);
    } finally {
      await t.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
