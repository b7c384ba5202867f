#!/usr/bin/env node
// The durability matrix of issue "Hardening", on the bundled guest with a real ext2 image:
//   node bench/durability-matrix.mjs [RUNS=5]
// For each way the process can end — QMP quit, SIGTERM, SIGKILL right after sync, SIGKILL in the middle
// of heavy writes — boot, write 256 KiB to /mnt/synced and sync, (for the last: start writing 20 MB more
// without sync), end the process, then `e2fsck -fn` the image and read /mnt/synced back with debugfs.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { createHash } from "node:crypto";
import { ensureImages, guestArgs, freshDisk, GUEST_MARKERS } from "../dist/machine/images.js";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const runs = Number(process.argv[2] ?? 5);
const only = process.argv[3];
const images = await ensureImages();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function once(ending) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasmvirt-dur-"));
  try {
    const disk = await freshDisk(path.join(dir, "disk.ext2"), images);
    const sock = path.join(dir, "qmp.sock");
    const proc = spawn(
      process.execPath,
      [
        path.join(root, "bin/wasmvirt.js"),
        ...guestArgs(images),
        "-drive",
        `file=${disk},format=raw,if=virtio`,
        "-qmp",
        `unix:${sock},server=on,wait=off`,
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d.toString("latin1");
    });
    const exited = new Promise((r) => proc.on("exit", (code, signal) => r({ code, signal })));
    const waitFor = async (text, from) => {
      while (!out.slice(from).includes(text)) {
        if (proc.exitCode !== null) throw new Error("exited");
        await sleep(20);
      }
      return out.length;
    };
    let at = await waitFor(GUEST_MARKERS.prompt, await waitFor(GUEST_MARKERS.up, 0));
    const run = async (cmd) => {
      const mark = `M${Math.random().toString(36).slice(2, 8)}`;
      proc.stdin.write(`${cmd}; echo ${mark}\n`);
      at = await waitFor(`\n${mark}`, at);
      return out.slice(0, at);
    };
    await run("dmesg -n 1");
    const text = await run("dd if=/dev/urandom of=/mnt/synced bs=4096 count=64 2>/dev/null; sync; md5sum /mnt/synced");
    const sum = /([0-9a-f]{32})\s+\/mnt\/synced/.exec(text.slice(-400))[1];
    if (ending === "SIGKILL during writes") {
      // Files written and synced in a loop: the kill lands in the middle of writes and of writeback.
      proc.stdin.write(
        "i=0; while true; do dd if=/dev/urandom of=/mnt/big$i bs=64k count=8 2>/dev/null; sync; i=$((i+1)); done &\n",
      );
      await sleep(2000 + Math.random() * 2000);
    }
    if (ending === "QMP quit") {
      const s = net.connect(sock);
      s.on("error", () => {});
      s.write('{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n');
    } else proc.kill(ending === "SIGTERM" ? "SIGTERM" : "SIGKILL");
    const how = await exited;
    const fsck = spawnSync("e2fsck", ["-fn", disk], { encoding: "utf8" });
    const back = spawnSync("debugfs", ["-R", "cat /synced", disk], { maxBuffer: 1 << 22 });
    const intact = createHash("md5").update(back.stdout).digest("hex") === sum;
    return { how, fsck: fsck.status, intact };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const ending of ["QMP quit", "SIGTERM", "SIGKILL after sync", "SIGKILL during writes"].filter(
  (e) => !only || e === only,
)) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await once(ending));
  const fsck = results.map((r) => r.fsck).join(",");
  console.log(
    `${ending.padEnd(22)} e2fsck -fn exit codes ${fsck}; synced file intact ${results.filter((r) => r.intact).length}/${runs}; ` +
      `process ended ${[...new Set(results.map((r) => r.how.signal ?? `exit ${r.how.code}`))].join("/")}`,
  );
}
