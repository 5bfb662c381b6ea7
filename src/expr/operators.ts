/**
 * Pebble's operators with Java semantics (OperatorUtils, ContainsExpression, TypeUtils):
 * `+` concatenates when either side is a String, arithmetic needs Numbers (Long/Long stays
 * integral, any Double makes a Double), comparisons need Numbers and are false on null, `==`
 * compares numerically only when both sides are Numbers and otherwise uses Java equals().
 */
import { fault } from "./errors.js";
import { MAX_COLLECTION, MAX_OUTPUT } from "./limits.js";
import { javaString } from "./stringify.js";
import { ZonedDateTime } from "./time/zoned.js";
import {
  isDouble,
  isJavaArray,
  isList,
  isMap,
  isNumber,
  JChar,
  JDouble,
  JEnum,
  mapEntries,
  mapGet,
  mapHasKey,
  mapSize,
  MapEntry,
  mkDouble,
  numValue,
  SafeString,
  javaSimpleName,
} from "./values.js";

export type ArithOp = "ADD" | "SUBTRACT" | "MULTIPLICATION" | "DIVISION" | "MODULUS";
export type CompareOp = "GREATER_THAN" | "GREATER_THAN_EQUALS" | "LESS_THAN" | "LESS_THAN_EQUALS" | "EQUALS";

export function limitString(s: string): string {
  if (s.length > MAX_OUTPUT) fault(`string longer than ${MAX_OUTPUT} characters`);
  return s;
}

function isStringish(x: unknown): boolean {
  return typeof x === "string" || x instanceof SafeString;
}

export function add(a: unknown, b: unknown): unknown {
  if (isStringish(a) || isStringish(b)) {
    const sa = javaString(a);
    const sb = javaString(b);
    if (sa.length + sb.length > MAX_OUTPUT) fault(`string longer than ${MAX_OUTPUT} characters`);
    return sa + sb;
  }
  if (isList(a)) {
    // Pebble appends to the left list in place; ccflow returns a new list so scope data stays untouched.
    const extra = isList(b) ? b : [b];
    if (a.length + extra.length > MAX_COLLECTION) fault(`list larger than ${MAX_COLLECTION} elements`);
    return [...a, ...extra];
  }
  return arithmetic(a, b, "ADD");
}

export function subtract(a: unknown, b: unknown): unknown {
  if (isList(a)) {
    if (isList(b)) return a.filter((el) => !b.some((x) => javaEquals(x, el)));
    const i = a.findIndex((el) => javaEquals(b, el));
    return i < 0 ? [...a] : [...a.slice(0, i), ...a.slice(i + 1)];
  }
  return arithmetic(a, b, "SUBTRACT");
}

export function multiply(a: unknown, b: unknown): unknown {
  return arithmetic(a, b, "MULTIPLICATION");
}

export function divide(a: unknown, b: unknown): unknown {
  return arithmetic(a, b, "DIVISION");
}

export function modulus(a: unknown, b: unknown): unknown {
  return arithmetic(a, b, "MODULUS");
}

export function unaryMinus(a: unknown): unknown {
  return arithmetic(-1, a, "MULTIPLICATION");
}

export function unaryPlus(a: unknown): unknown {
  return arithmetic(1, a, "MULTIPLICATION");
}

function arithmetic(a: unknown, b: unknown, op: ArithOp): unknown {
  if (!isNumber(a) || !isNumber(b)) fault(`invalid operands for mathematical operation [${op}]`);
  const x = numValue(a);
  const y = numValue(b);
  if (isDouble(a) || isDouble(b)) {
    switch (op) {
      case "ADD":
        return mkDouble(x + y);
      case "SUBTRACT":
        return mkDouble(x - y);
      case "MULTIPLICATION":
        return mkDouble(x * y);
      case "DIVISION":
        return mkDouble(x / y);
      case "MODULUS":
        return mkDouble(x % y);
    }
  }
  return longOp(x, y, op);
}

/** 64-bit two's-complement Long arithmetic (exact within 2^53, wrapping like Java beyond 2^63). */
function longOp(x: number, y: number, op: ArithOp): number {
  let r: number;
  switch (op) {
    case "ADD":
      r = x + y;
      break;
    case "SUBTRACT":
      r = x - y;
      break;
    case "MULTIPLICATION":
      r = x * y;
      break;
    case "DIVISION":
      if (y === 0) fault("/ by zero");
      if (Math.abs(x) < 2 ** 31 && Math.abs(y) < 2 ** 31) return Math.trunc(x / y) + 0;
      return Number(BigInt.asIntN(64, BigInt(x) / BigInt(y)));
    case "MODULUS":
      if (y === 0) fault("/ by zero");
      return (x % y) + 0;
  }
  if (Number.isSafeInteger(r)) return r + 0;
  const bx = BigInt(x);
  const by = BigInt(y);
  const big = op === "ADD" ? bx + by : op === "SUBTRACT" ? bx - by : bx * by;
  return Number(BigInt.asIntN(64, big));
}

/** Java Double.compare: NaN is greater than everything and equal to itself; -0.0 < 0.0. */
function doubleCompare(x: number, y: number): number {
  if (x < y) return -1;
  if (x > y) return 1;
  const xn = Number.isNaN(x);
  const yn = Number.isNaN(y);
  if (xn || yn) return xn && yn ? 0 : xn ? 1 : -1;
  const xz = Object.is(x, -0);
  const yz = Object.is(y, -0);
  return xz === yz ? 0 : xz ? -1 : 1;
}

export function compare(a: unknown, b: unknown, op: CompareOp): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (!isNumber(a) || !isNumber(b)) fault(`invalid operands for mathematical comparison [${op}]`);
  const x = numValue(a);
  const y = numValue(b);
  let result: number;
  const da = isDouble(a);
  const db = isDouble(b);
  if (da && db) result = doubleCompare(x, y);
  else if (da || db) {
    // Java compares mixed Long/Double through BigDecimal, which has no NaN or infinity.
    if (!Number.isFinite(x) || !Number.isFinite(y)) fault(`cannot compare ${javaString(a)} with ${javaString(b)}`);
    result = x < y ? -1 : x > y ? 1 : 0;
  } else result = x < y ? -1 : x > y ? 1 : 0;
  switch (op) {
    case "GREATER_THAN":
      return result === 1;
    case "GREATER_THAN_EQUALS":
      return result >= 0;
    case "LESS_THAN":
      return result < 0;
    case "LESS_THAN_EQUALS":
      return result <= 0;
    case "EQUALS":
      return result === 0;
  }
}

/** The `==` / `equals` operator (OperatorUtils.equals). */
export function pebbleEquals(a: unknown, b: unknown): boolean {
  if (isNumber(a) && isNumber(b)) return compare(a, b, "EQUALS");
  if (a instanceof JEnum && typeof b === "string") return a.name === b;
  if (b instanceof JEnum && typeof a === "string") return b.name === a;
  return javaEquals(a, b);
}

/** Object.equals as the Java types define it (no numeric widening: Long 1 is not Double 1.0). */
export function javaEquals(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === null || b === null) return a === b;
  if (typeof a === "string") return a === b;
  if (typeof a === "boolean") return a === b;
  if (typeof a === "number" || a instanceof JDouble) {
    if (!isNumber(b) || isDouble(a) !== isDouble(b)) return false;
    const x = numValue(a);
    const y = numValue(b);
    // Double.equals compares bits: NaN equals NaN, 0.0 does not equal -0.0.
    return isDouble(a) ? Object.is(x, y) : x === y;
  }
  if (a instanceof SafeString) return b instanceof SafeString && a.s === b.s;
  if (a instanceof JChar) return b instanceof JChar && a.c === b.c;
  if (a instanceof JEnum) return b instanceof JEnum && a.type === b.type && a.name === b.name;
  if (a instanceof ZonedDateTime) return b instanceof ZonedDateTime && a.epochMs === b.epochMs && a.zone.id === b.zone.id;
  if (a instanceof MapEntry) return b instanceof MapEntry && javaEquals(a.key, b.key) && javaEquals(a.value, b.value);
  if (Array.isArray(a)) {
    if (isJavaArray(a) || isJavaArray(b)) return a === b;
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!javaEquals(a[i], b[i])) return false;
    return true;
  }
  if (isMap(a)) {
    if (!isMap(b) || mapSize(a) !== mapSize(b)) return false;
    for (const [k, v] of mapEntries(a)) {
      if (!mapHasKey(b, k) || !javaEquals(v, mapGet(b, k))) return false;
    }
    return true;
  }
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  return a === b;
}

/** The `contains` operator. */
export function contains(left: unknown, right: unknown): boolean {
  if (left === null || left === undefined) return false;
  if (Array.isArray(left)) {
    if (isList(left) && isList(right)) return right.every((r) => left.some((el) => javaEquals(r, el)));
    return left.some((el) => javaEquals(right, el));
  }
  if (isMap(left)) return mapHasKey(left, right);
  if (typeof left === "string") return left.includes(javaString(right));
  fault(`Contains operator can only be used on Collections, Maps and arrays. Actual type was: ${javaSimpleName(left)}`);
}

/**
 * TypeUtils.compatibleCast(value, Boolean): Boolean as is, Number → non-zero, String → non-empty.
 * Anything else cannot be a condition.
 */
export function toCondition(v: unknown, where: string): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === "boolean") return v;
  if (isNumber(v)) {
    const n = numValue(v);
    return !Number.isNaN(n) && n !== 0;
  }
  if (typeof v === "string") return v.length > 0;
  fault(`Unsupported value type ${javaSimpleName(v)}. Expected Boolean, String, Number in ${where}`);
}

/** `not`: null is true (non-strict mode). */
export function not(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  return !toCondition(v, '"not"');
}

/** The `..` operator and `range()` function. */
export function range(start: unknown, end: unknown, increment: unknown = 1): unknown[] {
  if (increment === null || increment === undefined) increment = 1;
  if (!isNumber(increment)) fault(`The increment of the range function must be a number ${javaString(increment)}`);
  const step = Math.trunc(numValue(increment));
  if (step === 0) fault("The increment of the range function must be different than 0");
  const out: unknown[] = [];
  const push = (v: unknown) => {
    if (out.length >= MAX_COLLECTION) fault(`range larger than ${MAX_COLLECTION} elements`);
    out.push(v);
  };
  if (isNumber(start) && isNumber(end)) {
    const s = Math.trunc(numValue(start));
    const e = Math.trunc(numValue(end));
    if (step > 0) for (let i = s; i <= e; i += step) push(i);
    else for (let i = s; i >= e; i += step) push(i);
    return out;
  }
  if (typeof start === "string" && typeof end === "string") {
    if (start.length !== 1 || end.length !== 1) fault("Arguments of range function must be of type Number or String with a length of 1");
    const s = start.charCodeAt(0);
    const e = end.charCodeAt(0);
    if (step > 0) for (let i = s; i <= e; i += step) push(new JChar(String.fromCharCode(i)));
    else for (let i = s; i >= e; i += step) push(new JChar(String.fromCharCode(i)));
    return out;
  }
  fault("Arguments of range function must be of type Number or String with a length of 1");
}

/** `~`: toString of each side, null contributing nothing. */
export function concat(a: unknown, b: unknown): string {
  const sa = a === null || a === undefined ? "" : javaString(a);
  const sb = b === null || b === undefined ? "" : javaString(b);
  if (sa.length + sb.length > MAX_OUTPUT) fault(`string longer than ${MAX_OUTPUT} characters`);
  return sa + sb;
}
