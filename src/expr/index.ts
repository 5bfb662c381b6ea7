/**
 * ccflow's Pebble-compatible template engine.
 *
 * Webex Flow Designer fields are Pebble templates (a Java library). No JavaScript port of Pebble
 * exists, and general JS template engines (Nunjucks, Twig.js, Liquid) differ from it exactly where
 * flows depend on Java: Long vs Double arithmetic, `+` concatenating when a side is a String, `==`
 * with Java equals(), `split` taking a regex, `replace` taking one map, SimpleDateFormat patterns,
 * `slice` throwing on bad bounds. So ccflow has its own engine, written from Pebble's documented
 * and observable semantics, with Webex's extras (`now()`, `epoch`, `.length` on strings).
 *
 * Modules: lexer → parser (AST) → evaluator (closures, compiled once) over values/operators/
 * attributes (Java semantics), filters/, is-tests, functions, java/ (regex, String.format,
 * DecimalFormat, HashMap order), time/ (zones via Intl, Java date patterns).
 *
 * Rendering vs String.valueOf: `{{ x }}` prints a null or missing value as "" (`stringify`), while
 * `+` concatenation, `join` and collection printing use String.valueOf, where null is "null"
 * (`javaString`).
 */
export type { ExprErrorInfo, RenderOptions, Scope, Template } from "./types.js";
export { ExprError, isExprError } from "./errors.js";
export { parseTemplate } from "./template.js";
export { stringify, javaString } from "./stringify.js";
export { createScope, objectScope, chainScopes } from "./scope.js";
export { MAX_ITERATIONS, MAX_OUTPUT, MAX_COLLECTION, WORK_PER_TURN } from "./limits.js";
export { workSpent, workThisTurn } from "./budget.js";
export { ZonedDateTime } from "./time/zoned.js";
/** java.util.regex on RE2 (linear time), for other rooms that read Java patterns (JSONPath's `=~`). */
export { checkJavaRegex, javaMatches } from "./java/regex.js";

import { JDouble } from "./values.js";

/**
 * A java.lang.Double for a number, for callers that store DECIMAL values: `{{ price }}` then
 * renders `3.0` for 3, as Webex does. Plain JS numbers count as Long when integral.
 */
export function toDouble(n: number): unknown {
  return Number.isInteger(n) ? new JDouble(n) : n;
}

/** True for a value produced by `toDouble` (or a template's Double arithmetic) that needs the box. */
export function isBoxedDouble(v: unknown): v is { readonly v: number } {
  return v instanceof JDouble;
}
