/**
 * Work bounds. A template comes from a flow file, i.e. from whoever wrote the flow; rendering it
 * must fail with an error instead of hanging the engine or exhausting memory.
 */

/** `{% for %}` iterations per render, summed over all loops (nested loops multiply quickly). */
export const MAX_ITERATIONS = 10_000;
/**
 * Characters of output per render, and of any single string a template builds: 256 Ki, which
 * the work budget (each character built costs a unit) can still reach.
 */
export const MAX_OUTPUT = 262_144;
/** Elements of a list a template builds (`range`, `..`, list `+`). */
export const MAX_COLLECTION = 100_000;
/** Nesting of expressions and tags the parser accepts (recursion depth). */
export const MAX_NESTING = 100;
/** Operators, filters and attribute steps in one statement (each deepens the tree by one). */
export const MAX_CHAIN = 1_000;
/** Nesting of values `stringify` walks before giving up (cyclic data from the scope). */
export const MAX_VALUE_DEPTH = 64;
/**
 * Work units one render may spend (budget.ts): about 5–10 ns each on this engine, so the whole
 * budget is 5–10 ms on a quiet machine. A render is one synchronous block on the event loop that
 * every call shares, and several calls may render back to back: at 4,000,000 units one hostile
 * render held the loop 20–30 ms quiet and over 100 ms loaded (BENCHMARKS.md §13). A regular
 * expression costs REGEX_WORK_PER_STEP units per program instruction and input character;
 * evaluating a node costs one.
 */
export const MAX_WORK = 1_000_000;
/**
 * Render work the contacts' flows may do together in one turn of the event loop: past it, the
 * engine defers each contact's next step to a later turn (`setImmediate`, budget.ts
 * workThisTurn). A quarter of MAX_WORK: one turn then holds at most about this plus one render per
 * phase of the loop, however many expensive templates a flow chains or loops through and however
 * many such flows run. Without it, a set-variable looping on its error port through a template
 * that fails at the budget held the loop for steps × budget.
 */
export const WORK_PER_TURN = 250_000;
/** Units per (RE2 program instruction × input character): re2js needs up to ~100 ns each. */
export const REGEX_WORK_PER_STEP = 10;
/** Units per match a regular expression reports (re2js needs microseconds to set one up). */
export const REGEX_MATCH_WORK = 300;
/** Units per occurrence of a fixed-string pattern (an indexOf step and the piece it cuts). */
export const LITERAL_MATCH_WORK = 20;
/** Units per evaluated operator, filter, test, call or attribute step. */
export const NODE_WORK = 2;
