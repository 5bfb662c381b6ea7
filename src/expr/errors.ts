/**
 * Template errors. Everything the engine throws to a caller is an ExprError carrying the template
 * source and a 0-based offset; internal code throws a Fault (message only) and the node that
 * caught it adds the position.
 */
import type { ExprErrorInfo } from "./types.js";

const EXCERPT_RADIUS = 40;

/** A syntax or runtime error in a template: `Unexpected token '}}' at position 7 in "{{ a + }}"`. */
export class ExprError extends Error implements ExprErrorInfo {
  override readonly name = "ExprError";
  /** The reason alone, without position and source (`Unexpected token '}}'`). */
  readonly reason: string;
  readonly expression: string;
  readonly position: number;

  constructor(reason: string, expression: string, position: number) {
    const pos = Math.max(0, Math.min(position, expression.length));
    super(`${reason} at position ${pos} in "${excerpt(expression, pos)}"`);
    this.reason = reason;
    this.expression = expression;
    this.position = pos;
  }

  override toString(): string {
    return this.message;
  }
}

export function isExprError(x: unknown): x is ExprError {
  return x instanceof ExprError;
}

/**
 * A runtime failure without a position yet (Java would throw RuntimeException/PebbleException).
 * Messages never include variable values: a secure variable must not reach a log via an error.
 */
export class Fault extends Error {
  override readonly name = "Fault";
}

export function fault(message: string): never {
  throw new Fault(message);
}

/** Turns anything thrown below a node into an ExprError at that node; ExprErrors pass unchanged. */
export function atPosition(err: unknown, source: string, position: number, prefix?: string): ExprError {
  if (err instanceof ExprError) return err;
  if (err instanceof Fault) return new ExprError(prefix ? `${prefix}: ${err.message}` : err.message, source, position);
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return new ExprError("Expression nested too deeply", source, position);
  }
  // A JavaScript error here is a bug in ccflow; keep the contract (only ExprError escapes) but say so.
  const msg = err instanceof Error ? err.message : String(err);
  return new ExprError(`Internal error${prefix ? ` in ${prefix}` : ""}: ${msg}`, source, position);
}

/** One line, bounded length, with the offending position inside the excerpt. */
function excerpt(source: string, pos: number): string {
  let text = source;
  let start = 0;
  if (source.length > EXCERPT_RADIUS * 2 + 10) {
    start = Math.max(0, pos - EXCERPT_RADIUS);
    const end = Math.min(source.length, pos + EXCERPT_RADIUS);
    text = (start > 0 ? "…" : "") + source.slice(start, end) + (end < source.length ? "…" : "");
  }
  return text.replace(/\r/g, "\\r").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/"/g, '\\"');
}
