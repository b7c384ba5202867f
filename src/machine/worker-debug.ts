// The CPU worker's side of the debugger: breakpoint and watchpoint tables, registers in gdb's
// numbering and memory through a hart's translation, all through the core's debug exports.
import { type CoreExports, DEBUG_BREAKPOINT, DEBUG_WATCHPOINT, CTX } from "./core.js";
import type { DebugRequest, DebugStopInfo, FromWorker } from "./messages.js";

const NO_ADDRESS = 0xffff_ffff_ffff_ffffn;

export function debugStopInfo(core: CoreExports): DebugStopInfo {
  const reason = core.debugStopReason();
  const info: DebugStopInfo = {
    hart: core.debugStopHart(),
    reason: reason === DEBUG_BREAKPOINT ? "breakpoint" : reason === DEBUG_WATCHPOINT ? "watchpoint" : "step",
  };
  if (reason === DEBUG_WATCHPOINT) {
    info.watchAddr = core.debugWatchAddr();
    info.watchKind = core.debugWatchKind();
  }
  return info;
}

class MemoryError extends Error {}

/** Walks [addr, addr+length) page by page: host offset of each piece, or a MemoryError at the first gap. */
function pieces(
  core: CoreExports,
  hart: number | null,
  addr: bigint,
  length: number,
  each: (host: number, pa: bigint, off: number, n: number) => void,
) {
  let i = 0;
  while (i < length) {
    const va = BigInt.asUintN(64, addr + BigInt(i));
    const pa = hart === null ? va : core.debugVirtToPhys(hart, va);
    if (pa === NO_ADDRESS) throw new MemoryError(`cannot access memory at 0x${va.toString(16)}`);
    const n = Math.min(length - i, 4096 - Number(va & 0xfffn), 4096 - Number(pa & 0xfffn));
    // Each byte of the piece must be backed (RAM and ROM are page-aligned regions).
    const host = core.physToHost(pa);
    const hostEnd = core.physToHost(pa + BigInt(n - 1));
    if (host === 0 || hostEnd !== host + n - 1) throw new MemoryError(`cannot access memory at 0x${va.toString(16)}`);
    each(host, pa, i, n);
    i += n;
  }
}

export function handleDebugRequest(core: CoreExports, id: number, req: DebugRequest): FromWorker {
  try {
    switch (req.op) {
      case "breakpoint":
        return {
          type: "dbg",
          id,
          ok: (req.insert ? core.debugBreakpointInsert(req.addr) : core.debugBreakpointRemove(req.addr)) === 0,
        };
      case "watchpoint":
        return {
          type: "dbg",
          id,
          ok:
            (req.insert
              ? core.debugWatchpointInsert(req.addr, req.len, req.kind)
              : core.debugWatchpointRemove(req.addr, req.len, req.kind)) === 0,
        };
      case "clear":
        core.debugClearAll();
        return { type: "dbg", id, ok: true };
      case "read-regs": {
        const values = req.regs.map((n) => {
          const v = core.debugReadReg(req.hart, n);
          return core.debugRegMissing() ? null : v;
        });
        return { type: "dbg", id, ok: true, values };
      }
      case "halted": {
        // The hart's WFI flag, from its saved context (QEMU's "halted" CPU in qThreadExtraInfo).
        core.syncState();
        const waiting = new DataView(core.memory.buffer).getBigUint64(
          core.hartContext(req.hart) + CTX.csr + CTX.csrFields.indexOf("waiting") * 8,
          true,
        );
        return { type: "dbg", id, ok: true, values: [waiting] };
      }
      case "write-regs": {
        const values: (bigint | null)[] = [];
        for (const [n, v] of req.regs) {
          core.debugWriteReg(req.hart, n, v);
          values.push(core.debugRegMissing() ? null : v);
        }
        return { type: "dbg", id, ok: true, values };
      }
      case "read-mem": {
        const out = new Uint8Array(req.length);
        pieces(core, req.hart, req.addr, req.length, (host, _pa, off, n) => {
          out.set(new Uint8Array(core.memory.buffer, host, n), off);
        });
        return { type: "dbg", id, ok: true, bytes: out };
      }
      case "write-mem": {
        // Check the whole range first, so that a write that cannot complete changes nothing.
        const parts: [number, bigint, number, number][] = [];
        pieces(core, req.hart, req.addr, req.bytes.length, (host, pa, off, n) => parts.push([host, pa, off, n]));
        const mem = new Uint8Array(core.memory.buffer);
        for (const [host, pa, off, n] of parts) {
          mem.set(req.bytes.subarray(off, off + n), host);
          core.noteRamWrite(pa, n);
        }
        return { type: "dbg", id, ok: true };
      }
    }
  } catch (e) {
    // A bad address is an ordinary answer; anything else is reported, never thrown into the worker's loop.
    return {
      type: "dbg",
      id,
      ok: false,
      error: e instanceof MemoryError ? e.message : `internal error: ${(e as Error).message}`,
    };
  }
}
