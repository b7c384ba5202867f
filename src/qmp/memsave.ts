// memsave/pmemsave: guest memory into a host file, without the two ways this used to hurt:
// - a failing save (an unbacked address) must not destroy the target: the data goes to a temporary
//   file beside it that replaces it only once everything was written (the first chunk is read
//   before anything is created at all);
// - host I/O must never block shutdown: a FIFO is opened and written non-blocking, retried while
//   nobody reads, and abandoned when the machine shuts down (QEMU blocks its main loop there).
import * as fs from "node:fs";
import { open, rename, unlink, realpath, type FileHandle } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import type { MachineControl } from "../machine/control.js";
import { genericError, strerror, QmpError } from "./errors.js";

const CHUNK = 1n << 20n;
const RETRY_MS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hex16 = (v: bigint) => v.toString(16).padStart(16, "0");
let tempSerial = 0;

class Abandoned extends Error {}

/** A target being written: a temporary file that becomes `path`, or the (non-regular) target itself. */
interface Sink {
  write(bytes: Uint8Array): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

async function openSink(path: string, machine: MachineControl): Promise<Sink> {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(path);
  } catch {
    /* created below */
  }
  const gone = () => machine.state === "shutdown";
  if (st && !st.isFile()) {
    // FIFO, character device, socket...: written in place, never blocking a thread.
    const { O_WRONLY, O_NONBLOCK } = fs.constants;
    let fh: FileHandle;
    for (;;) {
      try {
        fh = await open(path, O_WRONLY | O_NONBLOCK);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENXIO") throw e; // ENXIO: a FIFO nobody reads yet
        if (gone()) throw new Abandoned();
        await sleep(RETRY_MS * 5);
      }
    }
    return {
      async write(bytes) {
        let done = 0;
        while (done < bytes.length) {
          try {
            done += (await fh.write(bytes, done, bytes.length - done)).bytesWritten;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e; // the reader is slow: wait
            if (gone()) throw new Abandoned();
            await sleep(RETRY_MS);
          }
        }
      },
      async commit() {
        await fh.close();
      },
      async abort() {
        await fh.close().catch(() => {});
      },
    };
  }
  // A regular file (or a new one): write beside it, then rename over it. A symlink's target is replaced.
  const real = st ? await realpath(path) : path;
  const tmp = join(dirname(real), `.${basename(real)}.wasmvirt-${process.pid}-${tempSerial++}`);
  let fh: FileHandle;
  try {
    fh = await open(tmp, "wx", 0o600);
  } catch {
    // The directory is not writable (the file may be): write in place, as QEMU does.
    const direct = await open(path, "w", 0o600);
    return {
      async write(bytes) {
        await direct.write(bytes);
      },
      async commit() {
        await direct.close();
      },
      async abort() {
        await direct.close().catch(() => {});
      },
    };
  }
  return {
    async write(bytes) {
      await fh.write(bytes);
    },
    async commit() {
      await fh.close();
      await rename(tmp, real);
    },
    async abort() {
      await fh.close().catch(() => {});
      await unlink(tmp).catch(() => {});
    },
  };
}

/** Copy [addr, addr+size) of guest memory, read with `read`, into `filename` (mode 0600 when created, as QEMU). */
export async function saveMemory(
  machine: MachineControl,
  addr: bigint,
  size: bigint,
  filename: string,
  read: (a: bigint, n: number) => Promise<Uint8Array>,
): Promise<Record<string, never>> {
  if (addr + size > 1n << 64n) throw genericError(`Invalid addr 0x${hex16(addr)}/size ${size} specified`);
  const readChunk = async (at: bigint, n: bigint) => {
    try {
      return await read(at, Number(n));
    } catch {
      throw genericError(`Invalid addr 0x${hex16(at)}/size ${n} specified`);
    }
  };
  // The first chunk before anything is opened: the commonest failure leaves no trace.
  let next: Uint8Array | undefined = size > 0n ? await readChunk(addr, size < CHUNK ? size : CHUNK) : undefined;
  let sink: Sink;
  try {
    sink = await openSink(filename, machine);
  } catch (e) {
    if (e instanceof Abandoned) throw genericError(`Could not open '${filename}': the machine is shutting down`);
    throw genericError(`Could not open '${filename}': ${strerror(e)}`);
  }
  try {
    for (let done = 0n; done < size; ) {
      const bytes = next ?? (await readChunk(addr + done, size - done < CHUNK ? size - done : CHUNK));
      next = undefined;
      await sink.write(bytes);
      done += BigInt(bytes.length);
    }
    await sink.commit();
  } catch (e) {
    await sink.abort();
    if (e instanceof QmpError) throw e;
    if (e instanceof Abandoned) throw genericError(`writing memory to '${filename}': the machine is shutting down`);
    throw genericError(`writing memory to '${filename}': ${strerror(e)}`);
  }
  return {};
}
