// The bundled Linux with every page translated on its first run (jit=eager) and two harts: boot, run
// programs (hundreds of execs, each mapping busybox anew; shells, pipes, sha256sum, sort, awk's floating
// point), check their results, power off. In the default mode the other Linux suites exercise the
// hot-page path. (GuestProcess.run needs output that ends in a newline: commands ending in tr or
// printf get an `echo`.)
import { describe, it, expect, beforeAll, afterEach } from "vitest";
import { createHash } from "node:crypto";
import { GuestProcess, wasmvirtBuilt } from "../helpers/guest";
import { ensureImages, guestArgs, readImagesIndex, GUEST_MARKERS, type GuestImages } from "../../src/machine/images";

let images: GuestImages;
const running: GuestProcess[] = [];

describe.skipIf(!wasmvirtBuilt)("bundled Linux with the translation tier translating everything", () => {
  beforeAll(async () => {
    images = await ensureImages(process.env.WASMVIRT_IMAGES_SRC ? { srcDir: process.env.WASMVIRT_IMAGES_SRC } : {});
  }, 120_000);
  afterEach(() => {
    for (const g of running.splice(0)) g.kill();
  });

  it("boots with -smp 2, runs programs (exec churn, pipes, sha256, sort, awk) with the right results and powers off", async () => {
    const g = new GuestProcess([
      ...guestArgs(images, readImagesIndex(process.env.WASMVIRT_IMAGES_SRC).kernelCmdline),
      "-smp",
      "2",
      "-accel",
      "tcg,jit=eager",
    ]);
    running.push(g);
    await g.waitFor(GUEST_MARKERS.up, 240_000);
    await g.waitFor(GUEST_MARKERS.prompt, 120_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(await g.run("echo $((6*7))", undefined, 120_000)).toBe("42");
    // Exec churn: 300 short-lived processes (each exec maps and faults in its pages anew).
    expect(
      await g.run("for i in $(seq 1 300); do echo $i | rev; done | tail -2 | tr '\\n' ' '; echo", undefined, 300_000),
    ).toBe("992 003 ");
    const seq = Array.from({ length: 2000 }, (_, i) => `${i + 1}\n`).join("");
    expect(await g.run("seq 1 2000 | sha256sum", undefined, 120_000)).toBe(
      `${createHash("sha256").update(seq).digest("hex")}  -`,
    );
    expect(await g.run("seq 1 500 | sort -rn | head -3 | tr '\\n' ' '; echo", undefined, 120_000)).toBe("500 499 498 ");
    expect(
      await g.run(
        "awk 'BEGIN { s = 0; for (i = 1; i <= 100; i++) s += 1 / i; printf \"%.6f\\n\", s }'",
        undefined,
        120_000,
      ),
    ).toBe("5.187378");
    expect(await g.run("nproc", undefined, 60_000)).toBe("2");
    g.type("poweroff\n");
    expect(await g.exit(180_000)).toBe(0);
  }, 900_000);
});
