export type { BlockBackend } from "./backend.js";
export { BlockReadOnlyError } from "./backend.js";
export { FileBlockBackend, type FileBlockOptions } from "./file.js";
export { MemoryBlockBackend } from "./memory.js";
