/**
 * Shapes of filters, tests and functions. Argument names follow Pebble: positional arguments take
 * the names in order, named arguments must be one of them; `argNames: null` means varargs
 * (positional only, named ones ignored), as for Pebble's `length` or `max`.
 */

/** What a filter/test/function may use of the render: the clock (for `now()` and 2-digit years). */
export interface CallContext {
  now(): number;
}

export interface FilterDef {
  argNames: readonly string[] | null;
  /** Pebble turns a SafeString input into a String before every filter except `escape`. */
  keepsSafeInput?: boolean;
  apply(input: unknown, args: readonly unknown[], ctx: CallContext): unknown;
}

export interface TestDef {
  argNames: readonly string[] | null;
  apply(input: unknown, args: readonly unknown[], ctx: CallContext): boolean;
}

export interface FunctionDef {
  argNames: readonly string[] | null;
  apply(args: readonly unknown[], ctx: CallContext): unknown;
}

/** Tags Pebble has that ccflow does not run (no template loader, no macros in Webex fields). */
export const UNSUPPORTED_TAGS: ReadonlySet<string> = new Set([
  "block", "extends", "embed", "include", "import", "from", "macro", "parallel", "cache", "flush", "autoescape", "filter",
]);
