// The FPU library: IEEE 754 binary32/binary64 on bit patterns with RISC-V semantics
// (canonical NaNs, five rounding modes, fflags accumulated in `fflags`, tininess after rounding).
export * from "./flags";
export { f64Add, f64Sub, f64Mul, f64Div, f64Sqrt, f64MulAdd, isNaN64, isSNaN64 } from "./f64";
export { f32Add, f32Sub, f32Mul, f32Div, f32Sqrt, f32MulAdd, f64ToF32, isNaN32, isSNaN32 } from "./f32";
export { f64ToInt, f32ToInt, intToF64, intToF32, f32ToF64, INT_W, INT_WU, INT_L, INT_LU } from "./convert";
export { f64Eq, f64Lt, f64Le, f32Eq, f32Lt, f32Le, f64MinMax, f32MinMax, f64Class, f32Class } from "./compare";
