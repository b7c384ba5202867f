// The "saverestore" part: the bundled guest booted to its prompt, saved with QMP `migrate exec:cat > FILE`, and
// restored in a new process with `-incoming exec:cat FILE` — on wasmvirt and on QEMU 7.2, the same command lines and
// the same conversation. Timed: the save (migrate sent → MIGRATION completed event), the state's size on disk, and the
// restore as a user sees it: process spawn → the answer to a command typed at once (`echo R$((40+2))` → "R42").
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, existsSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTimed } from "./proc.mjs";

/** A minimal QMP client: send a command, wait for its reply; events are kept. */
async function qmpConnect(path, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const sock = await new Promise((resolve, reject) => {
        const s = net.connect(path);
        s.once("connect", () => resolve(s));
        s.once("error", reject);
      });
      let buf = "";
      const msgs = [];
      let wake = () => {};
      sock.setEncoding("utf8");
      sock.on("data", (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (line) msgs.push(JSON.parse(line));
        }
        wake();
      });
      sock.on("error", () => {});
      const next = async (pred) => {
        for (;;) {
          const i = msgs.findIndex(pred);
          if (i >= 0) return msgs.splice(i, 1)[0];
          await new Promise((r) => {
            wake = r;
            setTimeout(r, 50);
          });
          if (sock.destroyed && !msgs.some(pred)) throw new Error("QMP connection closed");
        }
      };
      await next((m) => m.QMP);
      const cmd = async (execute, args) => {
        sock.write(JSON.stringify(args ? { execute, arguments: args } : { execute }) + "\n");
        const r = await next((m) => "return" in m || "error" in m);
        if (r.error) throw new Error(`${execute}: ${r.error.desc}`);
        return r.return;
      };
      await cmd("qmp_capabilities");
      return { cmd, next, close: () => sock.destroy() };
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** Boots to the prompt with a QMP socket, saves to `file` (timed), quits. */
async function bootAndSave(emu, args, dir, file, prompt) {
  const sock = join(dir, "qmp.sock");
  let saved;
  let failure;
  const run = runTimed({
    cmd: emu.cmd,
    args: [...emu.pre, ...args, "-qmp", `unix:${sock},server=on,wait=off`],
    timeoutMs: 180_000,
    marks: { prompt },
    onMark: (name) => {
      if (name !== "prompt") return;
      saved = (async () => {
        await new Promise((r) => setTimeout(r, 300)); // the shell settles
        const q = await qmpConnect(sock);
        await q.cmd("migrate-set-capabilities", { capabilities: [{ capability: "events", state: true }] });
        const t0 = process.hrtime.bigint();
        await q.cmd("migrate", { uri: `exec:cat > ${file}` });
        const end = await q.next(
          (m) => m.event === "MIGRATION" && ["completed", "failed", "cancelled"].includes(m.data.status),
        );
        const saveS = Number(process.hrtime.bigint() - t0) / 1e9;
        if (end.data.status !== "completed") throw new Error(`migration ${end.data.status}`);
        const info = await q.cmd("query-migrate");
        await q.cmd("quit").catch(() => {});
        q.close();
        return { saveS, downtimeS: info.downtime / 1000, bytes: statSync(file).size };
      })().catch((e) => {
        failure = e;
      });
    },
  });
  await run;
  await saved;
  if (failure) throw failure;
  if (!saved) throw new Error("exited before the shell prompt");
  return saved;
}

/** Starts a process that restores `file`, types a command at once, and times spawn → its answer. */
function restore(emu, args, file) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(emu.cmd, [...emu.pre, ...args, "-incoming", `exec:cat ${file}`], {
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let out = "",
      err = "";
    let answeredS;
    const typeIt = () => child.stdin.write("echo R$((40+2))\n");
    typeIt();
    // A console that drops what is typed before the state is in (QEMU's does) gets the line again, every 50 ms.
    const retry = setInterval(typeIt, 50);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
    }, 60_000);
    child.stdin.on("error", () => {});
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.stdout.on("data", (d) => {
      out += d.toString("latin1");
      if (answeredS === undefined && /R42\r?\n/.test(out)) {
        answeredS = Number(process.hrtime.bigint() - t0) / 1e9;
        clearInterval(retry);
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    });
    child.on("close", () => {
      clearTimeout(timer);
      clearInterval(retry);
      if (answeredS !== undefined) resolve({ restoreS: answeredS, exitMs: answeredS * 1000 });
      else
        reject(
          Object.assign(new Error("the restored shell did not answer"), {
            output: out.slice(-2000) + err.slice(-1000),
          }),
        );
    });
  });
}

export async function saveRestore(ctx, interleave, linuxArgs, col) {
  const args = linuxArgs(ctx, ctx.index.kernelCmdline);
  const res = await interleave(ctx, "saverestore", async (_which, emu) => {
    const dir = mkdtempSync(join(tmpdir(), "wasmvirt-bench-state-"));
    try {
      const file = join(dir, "vm.state");
      const s = await bootAndSave(emu, args, dir, file, ctx.markers.prompt);
      if (!existsSync(file)) throw new Error("no state file");
      const r = await restore(emu, args, file);
      return { ...s, ...r };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  const row = (metric, unit, f) => ({
    metric,
    unit,
    better: "lower",
    wasmvirt: col(res.wasmvirt, f),
    qemu: col(res.qemu, f),
  });
  return {
    rows: [
      row("save at the prompt: migrate → completed", "s", (r) => r.saveS),
      row("save: downtime (query-migrate)", "s", (r) => r.downtimeS),
      row("state size on disk (-m 256M)", "MB", (r) => r.bytes / 1e6),
      row("restore: spawn → shell answers (-incoming exec:)", "s", (r) => r.restoreS),
    ],
    raw: res,
  };
}
