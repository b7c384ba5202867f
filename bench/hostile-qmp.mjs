#!/usr/bin/env node
// The hostile-client cases of issue "Hardening", measured on a real wasmvirt (default limits):
//   node bench/hostile-qmp.mjs
// 1. a client floods query-qmp-schema (then query-commands) and never reads: how much it sent before
//    the server disconnected it, how long that took, the server's RSS, and another client's latency;
// 2. more clients than max-sessions on one listener: how many were served and refused.
import net from "node:net";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function start() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasmvirt-hostile-"));
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
    { stdio: "ignore" },
  );
  while (!fs.existsSync(sock)) await sleep(20);
  return {
    proc,
    sock,
    stop: () => {
      proc.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function connect(sock) {
  return new Promise((res, rej) => {
    const s = net.connect(sock);
    s.once("connect", () => res(s));
    s.once("error", rej);
  });
}

/** Round trip of query-status on a fresh, negotiated client. */
async function latency(sock) {
  const s = await connect(sock);
  let buf = "";
  s.setEncoding("utf8");
  const lines = [];
  s.on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  const waitLines = async (n) => {
    while (lines.length < n) await sleep(1);
  };
  await waitLines(1);
  s.write('{"execute":"qmp_capabilities"}\n');
  await waitLines(2);
  const t0 = performance.now();
  s.write('{"execute":"query-status"}\n');
  await waitLines(3);
  s.destroy();
  return performance.now() - t0;
}

async function flood(command) {
  const vm = await start();
  try {
    const rss0 = rssMb(vm.proc.pid);
    const s = await connect(vm.sock);
    s.on("error", () => {});
    s.write('{"execute":"qmp_capabilities"}\n');
    s.pause(); // never reads
    let sent = 0,
      maxRss = rss0,
      closed = false,
      worstLatency = 0;
    s.on("close", () => {
      closed = true;
    });
    const t0 = performance.now();
    const line = `{"execute":"${command}"}\n`.repeat(1000);
    while (!closed && performance.now() - t0 < 120_000) {
      if (s.writableLength < 4 << 20) {
        s.write(line);
        sent += 1000;
      }
      await sleep(10);
      maxRss = Math.max(maxRss, rssMb(vm.proc.pid));
      if (sent % 20000 === 0) worstLatency = Math.max(worstLatency, await latency(vm.sock));
      if (s.destroyed) closed = true;
    }
    // Our side may not notice until it writes: probe once more.
    const secs = (performance.now() - t0) / 1000;
    worstLatency = Math.max(worstLatency, await latency(vm.sock));
    await sleep(500);
    console.log(
      `${command} flood, never read: disconnected=${closed} after ${sent} commands sent (${secs.toFixed(1)} s); ` +
        `server RSS ${rss0.toFixed(0)} MB before, ${maxRss.toFixed(0)} MB max, ${rssMb(vm.proc.pid).toFixed(0)} MB after; ` +
        `other client's query-status ${worstLatency.toFixed(1)} ms worst; server alive=${vm.proc.exitCode === null}`,
    );
  } finally {
    vm.stop();
  }
}

async function sessions(n) {
  const vm = await start();
  try {
    const socks = [];
    let served = 0,
      refused = 0;
    for (let i = 0; i < n; i++) {
      const s = await connect(vm.sock);
      socks.push(s);
      const first = await new Promise((res) => {
        let b = "";
        s.setEncoding("utf8");
        s.on("data", (d) => {
          b += d;
          if (b.includes("\n")) res(b);
        });
      });
      if (first.includes('"QMP"')) served++;
      else if (first.includes("Too many QMP sessions")) refused++;
    }
    console.log(
      `${n} clients at once on one listener (default max-sessions): ${served} served, ${refused} refused with ` +
        `"Too many QMP sessions"; RSS ${rssMb(vm.proc.pid).toFixed(0)} MB; a new client after they leave: ` +
        `${socks.forEach((s) => s.destroy()) ?? ""}${(
          await (async () => {
            await sleep(300);
            return latency(vm.sock);
          })()
        ).toFixed(1)} ms`,
    );
  } finally {
    vm.stop();
  }
}

await flood("query-qmp-schema");
await flood("query-commands");
await sessions(300);
