/** Moved to src/flow/read-file.ts; this re-export keeps work in flight compiling and goes at the end of this round. */
export * from "../flow/read-file.js";
