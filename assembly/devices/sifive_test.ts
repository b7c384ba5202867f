// sifive_test / syscon at 0x100000, QEMU semantics: 0x5555 = power off (status 0),
// (code << 16) | 0x3333 = power off with failure status `code`, 0x7777 = reset.
// The hart loop sees exitRequest and returns to the host, which acts on it.

export const EXIT_NONE: i32 = 0;
export const EXIT_POWEROFF: i32 = 1;
export const EXIT_RESET: i32 = 2;

export let exitRequest: i32 = EXIT_NONE;
export let exitCode: i32 = 0;

export function clearExitRequest(): void { exitRequest = EXIT_NONE; exitCode = 0; }

export function testWrite(off: u32, size: i32, value: u64): void {
  if (off != 0) return;
  const v = <u32>value;
  const status = v & 0xffff;
  if (status == 0x5555) { exitRequest = EXIT_POWEROFF; exitCode = 0; }
  else if (status == 0x3333) { exitRequest = EXIT_POWEROFF; exitCode = <i32>(v >> 16); }
  else if (status == 0x7777) { exitRequest = EXIT_RESET; exitCode = 0; }
}

/** A saved state carries an exit the host had not acted on yet (normally none). */
export function testSaveState(p: u32): void { store<i32>(p, exitRequest, 0); store<i32>(p, exitCode, 4); }
export function testLoadState(p: u32): void { exitRequest = load<i32>(p, 0); exitCode = load<i32>(p, 4); }
