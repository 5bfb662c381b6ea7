/**
 * The Java value model templates compute with. Pebble runs on the JVM, so its results depend on
 * Java types: Long vs Double arithmetic, Character from `first`, SafeString from `date`, String[]
 * from `split`, HashMap iteration order. JavaScript values map onto these types as follows:
 *
 * - null/undefined → null; string → String; boolean → Boolean
 * - integer-valued number → Long; non-integer number → Double; JDouble box → Double (so that an
 *   integral Double such as 2.0 still renders "2.0")
 * - array → java.util.List (arrays produced by `split` are marked as Java arrays, String[])
 * - plain object (from the scope, i.e. JSON) or JS Map (from a `{...}` literal) → java.util.Map
 * - JChar, SafeString, JEnum, MapEntry, LoopState, ZonedDateTime (time/zoned.ts) → their Java types
 */

/** A java.lang.Double. Only needed for integral values; non-integral JS numbers are Doubles anyway. */
export class JDouble {
  constructor(readonly v: number) {}
}

/** Pebble's SafeString: what `date`, `escape` and `raw` return. Not equal to a String with `==`. */
export class SafeString {
  constructor(readonly s: string) {}
  toString(): string {
    return this.s;
  }
}

/** A java.lang.Character (`"abc" | first`, `range('a','c')`). */
export class JChar {
  constructor(readonly c: string) {}
  toString(): string {
    return this.c;
  }
}

/** A Java enum constant (DayOfWeek, Month); `==` against a String compares the name. */
export class JEnum {
  constructor(
    readonly type: string,
    readonly name: string,
    readonly ordinal: number,
  ) {}
  toString(): string {
    return this.name;
  }
}

/** A Map.Entry, what `{% for e in map %}` iterates over. */
export class MapEntry {
  constructor(
    readonly key: unknown,
    readonly value: unknown,
  ) {}
}

/** The `loop` variable inside `{% for %}`. */
export class LoopState {
  constructor(
    public index: number,
    public first: boolean,
    public last: boolean,
    public length: number,
  ) {}
  get revindex(): number {
    return this.length - this.index - 1;
  }
}

// --- numbers -------------------------------------------------------------------------------

export function isNumber(x: unknown): x is number | JDouble {
  return typeof x === "number" || x instanceof JDouble;
}

export function isLong(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x);
}

export function isDouble(x: unknown): boolean {
  return x instanceof JDouble || (typeof x === "number" && !Number.isInteger(x));
}

export function numValue(x: number | JDouble): number {
  return typeof x === "number" ? x : x.v;
}

/** A Double result: integral values (and -0.0) need the box to stay Doubles. */
export function mkDouble(v: number): number | JDouble {
  return Number.isInteger(v) ? new JDouble(v) : v;
}

// --- collections ---------------------------------------------------------------------------

const javaArrays = new WeakSet<unknown[]>();

/** Marks an array as a Java array (String[] from `split`): not a List for `+`, `is empty`, `reverse`. */
export function markJavaArray<T extends unknown[]>(a: T): T {
  javaArrays.add(a);
  return a;
}

export function isJavaArray(x: unknown): x is unknown[] {
  return Array.isArray(x) && javaArrays.has(x);
}

/** A java.util.List (any JS array that is not marked as a Java array). */
export function isList(x: unknown): x is unknown[] {
  return Array.isArray(x) && !javaArrays.has(x);
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

export type JMap = Map<unknown, unknown> | Record<string, unknown>;

export function isMap(x: unknown): x is JMap {
  return x instanceof Map || isPlainObject(x);
}

/** Property names that would reach JavaScript internals; they never resolve to anything. */
export const BLOCKED_NAMES: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** Own data property of a plain object, never a getter, never a blocked name. */
export function ownValue(obj: Record<string, unknown>, key: string): unknown {
  if (BLOCKED_NAMES.has(key)) return undefined;
  const d = Object.getOwnPropertyDescriptor(obj, key);
  return d && "value" in d ? d.value : undefined;
}

export function ownKeys(obj: Record<string, unknown>): string[] {
  return Object.keys(obj).filter((k) => !BLOCKED_NAMES.has(k));
}

export function mapSize(m: JMap): number {
  return m instanceof Map ? m.size : ownKeys(m).length;
}

export function mapEntries(m: JMap): Array<[unknown, unknown]> {
  if (m instanceof Map) return [...m.entries()];
  return ownKeys(m).map((k) => [k, ownValue(m, k)]);
}

export function mapHasKey(m: JMap, key: unknown): boolean {
  if (m instanceof Map) return m.has(normalizeKey(key));
  return typeof key === "string" && !BLOCKED_NAMES.has(key) && Object.prototype.hasOwnProperty.call(m, key);
}

export function mapGet(m: JMap, key: unknown): unknown {
  if (m instanceof Map) return m.get(normalizeKey(key));
  return typeof key === "string" ? ownValue(m, key) : undefined;
}

/** Keys of template-built maps: boxes become their primitive so lookups find them. */
export function normalizeKey(key: unknown): unknown {
  if (key instanceof JDouble) return key.v;
  if (key instanceof SafeString) return key.s;
  if (key === undefined) return null;
  return key;
}

/**
 * A value coming from outside (the scope, an attribute of scope data): bigint becomes a Long,
 * functions and symbols become null, so templates never see or call JavaScript internals.
 */
export function fromHost(v: unknown): unknown {
  switch (typeof v) {
    case "undefined":
      return null;
    case "function":
    case "symbol":
      return null;
    case "bigint":
      return Number(v);
    default:
      return v;
  }
}

// --- names for messages ---------------------------------------------------------------------

/** The Java class name Pebble would report (`java.lang.Long`), for error messages. */
export function javaClassName(x: unknown): string {
  if (x === null || x === undefined) return "null";
  if (typeof x === "string") return "java.lang.String";
  if (typeof x === "boolean") return "java.lang.Boolean";
  if (typeof x === "number") return Number.isInteger(x) ? "java.lang.Long" : "java.lang.Double";
  if (x instanceof JDouble) return "java.lang.Double";
  if (x instanceof SafeString) return "io.pebbletemplates.pebble.extension.escaper.SafeString";
  if (x instanceof JChar) return "java.lang.Character";
  if (x instanceof JEnum) return `java.time.${x.type}`;
  if (x instanceof MapEntry) return "java.util.HashMap$Node";
  if (x instanceof LoopState) return "io.pebbletemplates.pebble.node.ForNode$LoopVariables";
  if (isJavaArray(x)) return "[Ljava.lang.String;";
  if (Array.isArray(x)) return "java.util.ArrayList";
  if (x instanceof Map) return "java.util.HashMap";
  if (isPlainObject(x)) return "java.util.LinkedHashMap";
  if (x instanceof Date) return "java.util.Date";
  const tag = (x as { javaClass?: unknown }).javaClass;
  if (typeof tag === "string") return tag;
  return "java.lang.Object";
}

export function javaSimpleName(x: unknown): string {
  const full = javaClassName(x);
  if (full === "[Ljava.lang.String;") return "String[]";
  return full.slice(full.lastIndexOf(".") + 1);
}
