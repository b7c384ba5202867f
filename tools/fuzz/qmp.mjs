// QMP fuzzing against a real wasmvirt process: malformed, oversized, odd and valid-but-random inputs
// from several connections at once (some of which hang up mid-message or never read), and after every
// batch a liveness check: a fresh client must get the greeting, negotiate and have query-status
// answered within LIVENESS_MS. The process must never die.
import net from "node:net";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { Prng } from "../rvgen/prng.mjs";

const LIVENESS_MS = 2000;
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");

const rssKb = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
  } catch {
    return 0;
  }
};

function randomJsonValue(p, depth = 0) {
  switch (p.int(depth > 3 ? 6 : 9)) {
    case 0:
      return p.int(2) === 0;
    case 1:
      return null;
    case 2:
      return p.pick([0, -1, 1, 2 ** 53, -(2 ** 63), 1e308, 0.5]);
    case 3:
      return p.pick([
        "",
        "x",
        "on",
        "/dev/null",
        "\u0000",
        "\ud83d\ude00",
        "a".repeat(p.int(3000)),
        "9999999999999999999999",
      ]);
    case 4:
      return p.u32();
    case 5:
      return String.fromCharCode(...Array.from({ length: p.int(20) }, () => p.int(0x800)));
    case 6:
      return Array.from({ length: p.int(5) }, () => randomJsonValue(p, depth + 1));
    default: {
      const o = {};
      for (let i = p.int(5); i > 0; i--)
        o[
          p.pick([
            "val",
            "size",
            "filename",
            "command-line",
            "events",
            "enable",
            "id",
            "cpu-index",
            "mode",
            p.u32().toString(36),
          ])
        ] = randomJsonValue(p, depth + 1);
      return o;
    }
  }
}

/** One fuzz input (a string or bytes, newline-terminated or not). */
function randomInput(p, commands, tmp) {
  const r = p.int(100);
  if (r < 35) {
    // A real command with random arguments (the ones that would end the run are left out).
    const execute = p.pick(commands);
    const req = { execute };
    if (p.chance(0.8)) req.arguments = randomJsonValue(p);
    if (execute === "memsave" || execute === "pmemsave") {
      req.arguments = {
        val: p.pick([0, 0x80000000, 0x1000, 2 ** 40]),
        size: p.int(1 << 16),
        filename: path.join(tmp, `m${p.int(4)}`),
      };
      if (execute === "memsave" && p.chance(0.5)) req.arguments["cpu-index"] = p.int(3);
    }
    if (execute === "human-monitor-command")
      req.arguments = {
        "command-line": p.pick([
          "info registers",
          "info mtree",
          "x /8xg 0x80000000",
          "xp /4b 0",
          "help",
          "info status",
          "stop",
          "cont",
          "info cpus",
          randomJsonValue(p) + "",
        ]),
      };
    if (p.chance(0.3)) req.id = randomJsonValue(p);
    if (p.chance(0.1)) req[p.pick(["exec-oob", "control", "execute "])] = randomJsonValue(p);
    return JSON.stringify(req) + "\n";
  }
  if (r < 55) return Buffer.from(Array.from({ length: p.int(200) }, () => p.int(256))); // bytes
  if (r < 58) {
    const depth = p.int(3000);
    return "[".repeat(depth) + "]".repeat(p.int(depth + 1)) + "\n";
  }
  if (r < 70) return JSON.stringify({ execute: "query-status" }).slice(0, p.int(25)); // cut short
  if (r < 83)
    return p.pick([
      '{"execute":"query-status","id":"\\ud800"}\n',
      '{"execute":"\\u0000"}\n',
      "'single' quotes\n",
      '{"execute":"query-name","arguments":{"a":1e999999}}\n',
      "\xff\xfe{}\n",
      "{}\n",
      "[]\n",
      "1\n",
      '""\n',
      '{"execute":"qmp_capabilities","arguments":{"enable":["oob","oob","x"]}}\n',
      '{"exec-oob":"migrate-pause","id":1}\n',
    ]);
  if (r < 84)
    return Buffer.concat([
      Buffer.from('{"execute":"query-status","id":"'),
      Buffer.alloc(p.int(1 << 20), 0x61),
      Buffer.from('"}\n'),
    ]);
  if (r < 90) return "{".repeat(p.int(1200)) + "\n";
  return JSON.stringify(randomJsonValue(p)) + "\n";
}

function connect(sock) {
  return new Promise((resolve, reject) => {
    const s = net.connect(sock);
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

/** Greeting, negotiation, query-status: resolves with the latency in ms, rejects when not answered in time. */
async function liveness(sock) {
  const t0 = performance.now();
  const s = await connect(sock);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${LIVENESS_MS} ms`)), LIVENESS_MS);
      let buf = "",
        stage = 0;
      s.setEncoding("utf8");
      s.on("data", (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = JSON.parse(buf.slice(0, i));
          buf = buf.slice(i + 1);
          if (line.event) continue;
          if (stage === 0 && line.QMP) {
            stage = 1;
            s.write('{"execute":"qmp_capabilities"}\n');
          } else if (stage === 1 && line.return) {
            stage = 2;
            s.write('{"execute":"query-status","id":"live"}\n');
          } else if (stage === 2 && line.id === "live" && line.return?.status) {
            clearTimeout(timer);
            resolve(performance.now() - t0);
          } else {
            clearTimeout(timer);
            reject(new Error(`unexpected: ${JSON.stringify(line).slice(0, 200)}`));
          }
        }
      });
      s.on("close", () => {
        clearTimeout(timer);
        reject(new Error("closed during the liveness check"));
      });
      s.on("error", () => {});
    });
  } finally {
    s.destroy();
  }
}

export async function fuzzQmp({ inputs, seed, batch = 2000, connections = 8, onBatch }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasmvirt-fuzzqmp-"));
  const sock = path.join(dir, "qmp.sock");
  const proc = spawn(
    process.execPath,
    [
      path.join(root, "bin/wasmvirt.js"),
      "-M",
      "virt",
      "-bios",
      "none",
      "-kernel",
      path.join(root, "test/qmp/fixtures/loop.elf"),
      "-nographic",
      "-serial",
      "null",
      "-qmp",
      `unix:${sock},server=on,wait=off`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  proc.stderr.on("data", (d) => {
    stderr += d;
    if (stderr.length > 1e5) stderr = stderr.slice(-5e4);
  });
  let exit = null;
  proc.on("exit", (code, signal) => {
    exit = { code, signal };
  });
  const stats = {
    inputs: 0,
    batches: 0,
    deaths: 0,
    livenessFailures: 0,
    maxLatencyMs: 0,
    rssStartKb: 0,
    rssEndKb: 0,
    rssMaxKb: 0,
    ms: 0,
    failure: "",
  };
  const t0 = performance.now();
  try {
    for (let i = 0; i < 400 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 25));
    stats.rssStartKb = rssKb(proc.pid);
    // The command names, from the server itself.
    const commands = (
      await new Promise((resolve, reject) => {
        connect(sock).then((s) => {
          let buf = "";
          s.setEncoding("utf8");
          s.write('{"execute":"qmp_capabilities"}\n{"execute":"query-commands","id":1}\n');
          s.on("data", (d) => {
            buf += d;
            const m = buf
              .split("\n")
              .map((l) => {
                try {
                  return JSON.parse(l);
                } catch {
                  return null;
                }
              })
              .find((x) => x?.id === 1);
            if (m) {
              s.destroy();
              resolve(m.return.map((c) => c.name));
            }
          });
          s.on("error", reject);
        }, reject);
      })
    ).filter((n) => n !== "quit");
    const p = new Prng(seed >>> 0);
    for (let b = 0; stats.inputs < inputs; b++) {
      const n = Math.min(batch, inputs - stats.inputs);
      const socks = await Promise.all(Array.from({ length: connections }, () => connect(sock)));
      for (const s of socks) {
        s.on("error", () => {});
        if (p.chance(0.25)) s.pause();
        else s.resume(); // some never read
        if (p.chance(0.5)) s.write('{"execute":"qmp_capabilities"}\n');
      }
      for (let i = 0; i < n; i++) {
        const s = socks[p.int(socks.length)];
        if (!s.destroyed) s.write(randomInput(p, commands, dir));
      }
      // Some hang up at once, mid-message; the rest once their input is written.
      // (A client that never read is dropped too: the server must cope with its unread replies.)
      for (const s of socks) {
        if (s.isPaused() || p.chance(0.3)) s.destroy();
        else s.end();
      }
      await Promise.all(
        socks.map(
          (s) =>
            new Promise((r) => {
              if (s.destroyed) r();
              else {
                s.once("close", r);
                setTimeout(() => {
                  s.destroy();
                  r();
                }, 5000);
              }
            }),
        ),
      );
      stats.inputs += n;
      stats.batches++;
      if (exit) {
        stats.deaths++;
        stats.failure = `process exited ${JSON.stringify(exit)} after batch ${b}: ${stderr.slice(-2000)}`;
        break;
      }
      try {
        const ms = await liveness(sock);
        stats.maxLatencyMs = Math.max(stats.maxLatencyMs, ms);
      } catch (e) {
        stats.livenessFailures++;
        stats.failure = `liveness after batch ${b}: ${e.message}`;
        if (exit) {
          stats.deaths++;
          break;
        }
      }
      const rss = rssKb(proc.pid);
      stats.rssMaxKb = Math.max(stats.rssMaxKb, rss);
      onBatch?.(stats);
    }
    stats.rssEndKb = rssKb(proc.pid);
  } finally {
    stats.ms = performance.now() - t0;
    if (!exit) proc.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return stats;
}
