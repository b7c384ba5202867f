// A saved state is the core's linear-memory regions plus RAM; machine state kept in a wasm global
// would silently be lost. Every mutable global of the built core (build/core.wat) must therefore be
// listed here as either saved (and by what) or not machine state (and why). A new global fails this
// test until its author decides.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../helpers/guest";
import abi from "../../src/machine/core-abi.json" with { type: "json" };

const SAVED_BY_SAVEHART = "hart state: saveHart() copies it into the hart's context slot (a saved region)";
const CORE_STATE = "snapshotSave() writes it into CORE_STATE (a saved region); snapshotRestore() reads it back";

/** Global (as the .wat names it, without the `$assembly/` prefix) → why it is safe. */
const GLOBALS: Record<string, string> = {
  "cpu/state/hartId": "loadHart(activeHart) sets it on restore",
  "cpu/state/hartCount": "the machine's -smp (checked against the state), set by init()",
  "cpu/state/dataTag": "derived: loadHart() → recomputeTags()",
  "cpu/state/fetchTag": "derived: loadHart() → recomputeTags()",
  "index/activeHart": CORE_STATE,
  "index/harts": "the machine's -smp: CORE_STATE records it and a state with another count is refused",
  "ram/ramSize": "the machine's -m: CORE_STATE records it and a state with another size is refused",
  "devices/clint/mtimeOffset": "CORE_STATE records mtime; clintRestoreTime() rebuilds the offset to this host's clock",
  "devices/sifive_test/exitRequest": CORE_STATE,
  "devices/sifive_test/exitCode": CORE_STATE,
  "cpu/pmp/pmpActive": "derived: pmpDecode() on restore",
  "cpu/mmu/fetchVBase": "a cache of the fetch page: tlbFlush() on restore invalidates it",
  "cpu/mmu/fetchHost": "a cache of the fetch page: tlbFlush() on restore invalidates it",
  "cpu/exception/excCause": "per instruction: clearException() on restore",
  "cpu/exception/excTval": "per instruction: clearException() on restore",
  "cpu/hart/stopReason": "per run() call",
  "cpu/csr/csrIllegal": "per instruction",
  "cpu/csr/csrSideEffect": "per instruction",
  "cpu/amo/fault": "per instruction",
  "bus/busFault": "per access",
  "generated/devices/decodeFault": "per access",
  "bus/mmioTouched": "per instruction",
  "cpu/fpu/flags/fflags": "per instruction: moved into FCSR (saved) after every FP instruction",
  "cpu/fpu/f64/unpackSig": "scratch of one FP operation",
  "cpu/fpu/f64/lo128": "scratch of one FP operation",
  "cpu/fpu/convert/intNeg": "scratch of one FP operation",
  // A debugger's breakpoints and watchpoints belong to its connection, not to the machine (QEMU does not migrate them).
  "cpu/debug/bpCount": "debugger state (gdb's breakpoints), not the machine's",
  "cpu/debug/watchCount": "debugger state (gdb's watchpoints), not the machine's",
  "cpu/debug/watchHit": "per debug stop",
  "cpu/debug/watchHitAddr": "per debug stop",
  "cpu/debug/watchHitKind": "per debug stop",
  "index/debugReason": "per debug stop",
  "index/debugHart": "per debug stop",
  "cpu/mmu/debugWalk": "set only during one debugger translation",
  "cpu/debug_regs/regMissing": "per debugger register access",
};

// The hart's registers: every word of the hart context table (src/machine/core-abi.json) is what saveHart()
// writes into the context slot, under the name of its cpu/state.ts global.
for (const w of abi.hartContext.words) GLOBALS[`cpu/state/${w.name}`] ??= SAVED_BY_SAVEHART;

/** Whole modules whose globals are not machine state (name prefix → why). */
const PREFIXES: Record<string, string> = {
  "jit/translate/": "the translator's scratch during one page's translation",
  "jit/wasm/": "the emitter's write position during one translation",
  "jit/lockstep/": "the lockstep checker (a test mode) and its report",
  "jit/cache/stat": "translation counters (info jit), not guest-visible",
};
const JIT_CACHE = "the translation cache: snapshotRestore() drops every translation (jitFlushAll)";
Object.assign(GLOBALS, {
  "jit/cache/liveBytes": JIT_CACHE,
  "jit/cache/liveRegions": JIT_CACHE,
  "jit/cache/nextRegion": JIT_CACHE,
  "jit/cache/runningInvalidated": "per region call",
  "jit/cache/runningRegion": "per region call",
  "jit/cache/mode": "this process's -accel setting, not the machine's",
  "jit/cache/threshold": "this process's -accel setting",
  "jit/cache/retranslateThreshold": "this process's -accel setting",
  "jit/cache/suspended": "set while a debugger steps (debugger state)",
});

/** Globals of AssemblyScript's own runtime. */
const RUNTIME = new Set(["~started"]);

describe("saved machine state covers every wasm global", () => {
  const wat = path.join(repoRoot, "build", "core.wat");
  it.skipIf(!fs.existsSync(wat))(
    "each mutable global of core.wasm is saved or declared not to be machine state",
    () => {
      const names = [...fs.readFileSync(wat, "utf8").matchAll(/^\s*\(global \$(\S+) \(mut /gm)].map((m) => m[1]);
      expect(names.length).toBeGreaterThan(20);
      const unknown = names
        .filter((n) => !RUNTIME.has(n))
        .map((n) => n.replace(/^assembly\//, ""))
        .filter((n) => !(n in GLOBALS) && !Object.keys(PREFIXES).some((p) => n.startsWith(p)));
      expect(
        unknown,
        "new wasm globals: save them in snapshotSave/saveHart or say here why they are not state",
      ).toEqual([]);
    },
  );
});
