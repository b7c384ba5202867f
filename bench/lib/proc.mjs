// Runs one emulator process and times it: milliseconds from spawn to each marker text on its console (stdout), to
// its exit, and (when GNU time is installed) the CPU seconds it used, which a loaded machine inflates less than wall
// time. Each process gets its own process group so that a timeout or Ctrl-C kills all of it.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const GNU_TIME = "/usr/bin/time";
export const haveGnuTime = existsSync(GNU_TIME);

const live = new Set();
/** Kill every process group still running (used on SIGINT/SIGTERM of the benchmark). */
export function killAll() {
  for (const pid of live) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
}

/**
 * @param {object} o
 * @param {string} o.cmd
 * @param {string[]} o.args
 * @param {Record<string,string>} [o.marks]  name → text to wait for on stdout
 * @param {(name: string, child: import("node:child_process").ChildProcess) => void} [o.onMark]
 * @param {number} [o.timeoutMs]
 * @returns {Promise<{code: number|null, marks: Record<string,number>, exitMs: number, out: string,
 *   cpu?: {user: number, sys: number}}>}
 */
export function runTimed({ cmd, args, marks = {}, onMark, timeoutMs = 120_000, cwd }) {
  const tmp = haveGnuTime ? mkdtempSync(join(tmpdir(), "wasmvirt-bench-")) : undefined;
  const timeFile = tmp && join(tmp, "time");
  const [file, argv] = timeFile ? [GNU_TIME, ["-f", "%U %S", "-o", timeFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
    const child = spawn(file, argv, { cwd, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    live.add(child.pid);
    let out = "";
    let err = "";
    const seen = {};
    const pending = new Map(Object.entries(marks));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        /* gone */
      }
      fail(
        new Error(`${cmd}: no exit within ${timeoutMs / 1000} s (seen: ${Object.keys(seen).join(", ") || "nothing"})`),
      );
    }, timeoutMs);
    let settled = false;
    const cleanup = () => {
      clearTimeout(timer);
      live.delete(child.pid);
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    };
    const fail = (e) => {
      if (settled) return;
      settled = true;
      e.output = out.slice(-3000) + (err ? `\n[stderr]\n${err.slice(-2000)}` : "");
      cleanup();
      reject(e);
    };
    child.stdout.setEncoding("utf8"); // decodes characters split across chunks (qmp-latency.mjs prints box drawing)
    child.stdin.on("error", () => {}); // the emulator may exit before reading what we wrote
    child.stdout.on("data", (chunk) => {
      const before = out.length;
      out += chunk;
      for (const [name, text] of pending) {
        if (out.indexOf(text, Math.max(0, before - text.length)) >= 0) {
          seen[name] = ms();
          pending.delete(name);
          onMark?.(name, child);
        }
      }
    });
    child.stderr.on("data", (chunk) => {
      err += chunk.toString("latin1");
    });
    child.on("error", (e) => fail(e));
    child.on("close", (code, signal) => {
      const exitMs = ms();
      if (settled) return;
      let cpu;
      if (timeFile && existsSync(timeFile)) {
        // GNU time writes "Command exited with non-zero status N" before the format line when the status is not 0.
        const last = readFileSync(timeFile, "utf8").trim().split("\n").pop() ?? "";
        const m = /^([\d.]+) ([\d.]+)$/.exec(last);
        if (m) cpu = { user: Number(m[1]), sys: Number(m[2]) };
      }
      if (code !== 0) return fail(new Error(`${cmd}: exit status ${code ?? signal}`));
      settled = true;
      cleanup();
      resolve({ code, marks: seen, exitMs, out, err, cpu });
    });
  });
}
