/** Moved to src/flow/read-file.ts and src/environment/flow-library.ts; this re-export keeps work in flight compiling and goes at the end of this round. */
export * from "../flow/read-file.js";
export * from "../environment/flow-library.js";
