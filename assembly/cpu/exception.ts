// A synchronous exception raised somewhere below the execute loop (MMU, bus, CSR file)
// is recorded here; the loop checks `excCause` after slow paths and takes the trap.
export const CAUSE_MISALIGNED_FETCH: i32 = 0;
export const CAUSE_FETCH_ACCESS: i32 = 1;
export const CAUSE_ILLEGAL_INSTRUCTION: i32 = 2;
export const CAUSE_BREAKPOINT: i32 = 3;
export const CAUSE_MISALIGNED_LOAD: i32 = 4;
export const CAUSE_LOAD_ACCESS: i32 = 5;
export const CAUSE_MISALIGNED_STORE: i32 = 6;
export const CAUSE_STORE_ACCESS: i32 = 7;
export const CAUSE_USER_ECALL: i32 = 8;
export const CAUSE_SUPERVISOR_ECALL: i32 = 9;
export const CAUSE_MACHINE_ECALL: i32 = 11;
export const CAUSE_FETCH_PAGE_FAULT: i32 = 12;
export const CAUSE_LOAD_PAGE_FAULT: i32 = 13;
export const CAUSE_STORE_PAGE_FAULT: i32 = 15;

export let excCause: i32 = -1;
export let excTval: u64 = 0;

@inline export function raise(cause: i32, tval: u64): void {
  excCause = cause;
  excTval = tval;
}

@inline export function clearException(): void { excCause = -1; }
