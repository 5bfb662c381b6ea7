/** Argument and input checks shared by filters, with Pebble's wording where it has one. */
import { fault } from "../errors.js";
import { isNumber, javaClassName, numValue, SafeString, type JDouble } from "../values.js";

/** `(String) input`: Pebble casts, so any other type is a ClassCastException. */
export function asString(v: unknown, what = "input"): string {
  if (typeof v === "string") return v;
  if (v instanceof SafeString) return v.s;
  fault(`${what} must be a java.lang.String, not ${javaClassName(v)}`);
}

export function optString(v: unknown, what: string): string | null {
  return v === null || v === undefined ? null : asString(v, what);
}

export function asNumber(v: unknown, what: string): number | JDouble {
  if (isNumber(v)) return v;
  fault(`${what} must be a number, not ${javaClassName(v)}`);
}

/** Number.intValue() of an argument. */
export function intArg(v: unknown, what: string): number {
  const n = numValue(asNumber(v, what));
  if (!Number.isFinite(n)) return n > 0 ? 2147483647 : n < 0 ? -2147483648 : 0;
  return Math.trunc(n) | 0;
}
