/**
 * Text of values, the Java way. Two renderings exist and templates use both:
 * - `javaString` is String.valueOf: null → "null". Used by `+` concatenation, `join`, list/map
 *   toString, `replace` and friends.
 * - `stringify` is what `{{ }}` prints: null (or a missing variable) → "" (Pebble skips null output);
 *   everything else as String.valueOf.
 */
import { Fault } from "./errors.js";
import { javaStringHash } from "./java/strings.js";
import { MAX_VALUE_DEPTH } from "./limits.js";
import { ZonedDateTime } from "./time/zoned.js";
import {
  isJavaArray,
  isMap,
  JChar,
  JDouble,
  JEnum,
  LoopState,
  MapEntry,
  mapEntries,
  SafeString,
} from "./values.js";

/** Double.toString: `1.0`, `0.5`, `1.0E10`, `1.234E-5`, `NaN`, `-0.0`. */
export function javaDoubleToString(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  if (v === 0) return Object.is(v, -0) ? "-0.0" : "0.0";
  const sign = v < 0 ? "-" : "";
  const abs = Math.abs(v);
  // toExponential() without digits gives the shortest digits that round-trip, as Java (JDK 19+) does.
  const [mant, expText] = abs.toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const exp = Number(expText);
  if (abs >= 1e-3 && abs < 1e7) {
    if (exp >= 0) {
      const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
      const frac = digits.slice(exp + 1) || "0";
      return `${sign}${intPart}.${frac}`;
    }
    return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  }
  return `${sign}${digits[0]}.${digits.slice(1) || "0"}E${exp}`;
}

/** Long.toString for integral JS numbers, exact beyond 2^53 and without `1e+21` notation. */
export function javaLongToString(v: number): string {
  return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString();
}

export function javaNumberToString(v: number): string {
  return Number.isInteger(v) ? javaLongToString(v) : javaDoubleToString(v);
}

/** String.valueOf(value). */
export function javaString(value: unknown): string {
  return valueOf(value, 0);
}

/** Interpolation text of a `{{ }}` value: null and missing render as "". */
export function stringify(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  return valueOf(value, 0);
}

const DOW = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** java.util.Date.toString() in UTC (the zone Webex runs in): `Thu Feb 06 21:09:02 UTC 2025`. */
function javaDateString(d: Date): string {
  const t = d.getTime();
  if (Number.isNaN(t)) return "null";
  const p = (n: number) => (n < 10 ? `0${n}` : String(n));
  return `${DOW[d.getUTCDay()]} ${MON[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

function valueOf(value: unknown, depth: number): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
      return value;
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return javaNumberToString(value);
    case "bigint":
      return value.toString();
    case "function":
    case "symbol":
      return "null";
  }
  if (depth > MAX_VALUE_DEPTH) throw new Fault("value nested too deeply to render");
  if (value instanceof JDouble) return javaDoubleToString(value.v);
  if (value instanceof SafeString || value instanceof JChar || value instanceof JEnum) return value.toString();
  if (value instanceof ZonedDateTime) return value.toString();
  if (value instanceof MapEntry) return `${valueOf(value.key, depth + 1)}=${valueOf(value.value, depth + 1)}`;
  if (value instanceof LoopState) {
    return `{last=${value.last}, length=${value.length}, index=${value.index}, revindex=${value.revindex}, first=${value.first}}`;
  }
  if (value instanceof Date) return javaDateString(value);
  if (Array.isArray(value)) {
    if (isJavaArray(value)) {
      // Java prints an array's identity (`[Ljava.lang.String;@1b6d3586`); ccflow derives a stable one.
      return `[Ljava.lang.String;@${(javaStringHash(value.map((v) => valueOf(v, depth + 1)).join("\u0000")) >>> 0).toString(16)}`;
    }
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i) out += ", ";
      const el = value[i];
      out += el === value ? "(this Collection)" : valueOf(el, depth + 1);
    }
    return `${out}]`;
  }
  if (isMap(value)) {
    let out = "{";
    let first = true;
    for (const [k, v] of mapEntries(value)) {
      if (!first) out += ", ";
      first = false;
      out += `${k === value ? "(this Map)" : valueOf(k, depth + 1)}=${v === value ? "(this Map)" : valueOf(v, depth + 1)}`;
    }
    return `${out}}`;
  }
  return Object.prototype.toString.call(value);
}
