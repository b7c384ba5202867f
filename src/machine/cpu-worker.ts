// Starting the CPU worker thread. Node needs tens of milliseconds to bring up a worker (a new isolate, its
// own module loading); bin/wasmvirt.js calls prewarmCpuWorker() before it loads the rest of the host, so that
// this overlaps the main thread's own start-up — most of what a restore from a saved state waits for.
// The worker waits for its configuration as its first message (see worker.ts).
import { Worker } from "node:worker_threads";
import { statSync } from "node:fs";

let prewarmed: Worker | undefined;
let prewarmedDead = false;

/**
 * worker.js, or the same code bundled into one module by the build (tools/bundle-worker.mjs) when that
 * bundle is not older than worker.js (a tsc run without the bundler leaves it older): one module to load
 * instead of a dozen.
 */
function workerEntry(): URL {
  const plain = new URL("./worker.js", import.meta.url);
  const bundle = new URL("./worker.bundle.js", import.meta.url);
  try {
    if (statSync(bundle).mtimeMs >= statSync(plain).mtimeMs) return bundle;
  } catch {
    /* no bundle (or no build) */
  }
  return plain;
}

const spawnWorker = () => new Worker(workerEntry(), { workerData: null });

/** Start a CPU worker now, for the next startCpuWorker() of this process. */
export function prewarmCpuWorker(): void {
  if (prewarmed) return;
  prewarmed = spawnWorker();
  // Until the machine takes it, nobody else listens: a worker that fails this early is replaced.
  prewarmed.once("error", () => {
    prewarmedDead = true;
  });
  prewarmed.once("exit", () => {
    prewarmedDead = true;
  });
}

/** The prewarmed worker if there is one (once) and it is alive, else a new one. */
export function startCpuWorker(): Worker {
  const w = prewarmed && !prewarmedDead ? prewarmed : spawnWorker();
  prewarmed = undefined;
  return w;
}
