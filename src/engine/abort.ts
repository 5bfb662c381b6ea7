/**
 * Moved to src/time/abort.ts (the clock and abort are shared by engine, center, channels and
 * connectors, so they live in a room of their own). This re-export keeps work in flight compiling
 * and goes at the end of this round; import from ../time/abort.js.
 */
export * from "../time/abort.js";
