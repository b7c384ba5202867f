// Test-only AssemblyScript entry: the FP executor and the register-file offsets it uses,
// compiled on its own (build/fpu-test.wasm) so the FPU can be tested without the rest of the hart.
export { execFp } from "../../assembly/cpu/fp_exec";
export { XREGS, FREGS, FCSR } from "../../assembly/layout";
