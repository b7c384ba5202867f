// An RTC alarm wakes a hart that idles in WFI on time: while every hart waits, the host sleeps until the
// earliest deadline the core reports (nextWakeTicks: timers and devicesNextDeadlineNs), not for its whole
// idle cap. The guest (rtc-wfi/rtcwfi.c) arms a 2 ms alarm twelve times with no timer armed and prints how
// late each one was seen, by the RTC's own clock.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot, wasmvirtBin, wasmvirtBuilt } from "../helpers/guest";

const ELF = join(repoRoot, "test", "devices", "rtc-wfi", "rtcwfi.elf");

describe("goldfish RTC alarm during WFI", () => {
  it.skipIf(!wasmvirtBuilt)("wakes the idle hart when the alarm is due, not at the host's idle cap", () => {
    const r = spawnSync(process.execPath, [wasmvirtBin, "-M", "virt", "-bios", "none", "-kernel", ELF, "-nographic"], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 30_000,
      input: "",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("done");
    const rounds = [...r.stdout.matchAll(/^late=(-?\d+) src=(\d+)$/gm)].map((m) => ({
      late: Number(m[1]),
      src: Number(m[2]),
    }));
    expect(rounds).toHaveLength(12);
    for (const { late, src } of rounds) {
      expect(src).toBe(11); // the RTC's PLIC source woke the hart
      expect(late).toBeGreaterThanOrEqual(0); // never before the alarm time
    }
    // Sleeping the 10 ms idle cap makes every 2 ms alarm at least ~8 ms late; on time is well under that
    // (the median leaves room for a loaded machine delaying a few wake-ups).
    const sorted = rounds.map((x) => x.late).sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(4_000_000);
  });
});
