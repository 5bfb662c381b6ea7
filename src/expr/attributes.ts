/**
 * Attribute and index access (`a.b`, `a[0]`, `a["k"]`, `a.b(args)`), the way Pebble's
 * DefaultAttributeResolver resolves them on Java objects: a Map gives its entry (nothing else), a
 * List or array its element for a numeric index, then "bean" members. Java reflection is replaced
 * by an explicit table of the members a template can reach on each type (String.length(),
 * substring(), List.size(), ZonedDateTime.getYear()...). JavaScript objects expose only their own
 * data properties: never a getter, a function, `__proto__`, `constructor` or `prototype`.
 */
import { fault, Fault } from "./errors.js";
import { javaMatches, javaReplace, javaSplit } from "./java/regex.js";
import { javaStrip, javaStringHash, javaTrim, replaceLiteral } from "./java/strings.js";
import { MAX_OUTPUT } from "./limits.js";
import { javaEquals } from "./operators.js";
import { javaString } from "./stringify.js";
import { offsetId } from "./time/zone.js";
import { dayOfWeekEnum, monthEnum, plus, ZonedDateTime, type TimeUnit } from "./time/zoned.js";
import {
  fromHost,
  isJavaArray,
  isList,
  isMap,
  isNumber,
  isPlainObject,
  JChar,
  JDouble,
  JEnum,
  LoopState,
  MapEntry,
  mapEntries,
  mapGet,
  mapHasKey,
  mapSize,
  markJavaArray,
  numValue,
  ownKeys,
  ownValue,
  SafeString,
  BLOCKED_NAMES,
  type JMap,
} from "./values.js";

/** Integer.parseInt of an attribute name; null when it is not an int. */
function parseIndex(name: string): number | null {
  if (!/^[+-]?\d{1,10}$/.test(name)) return null;
  const n = Number(name);
  return n > 2147483647 || n < -2147483648 ? null : n;
}

/** Map lookup. Host objects (JSON) match the key exactly first, then case-insensitively (§12 q5). */
function mapAttribute(map: JMap, key: unknown): unknown {
  if (map instanceof Map) {
    if (map.size === 0) return null;
    if (isNumber(key)) {
      // Pebble casts a numeric key to the type of the map's first key.
      const firstKey = map.keys().next().value;
      if (typeof firstKey === "number") return fromHost(map.get(Math.trunc(numValue(key))));
      if (firstKey instanceof JDouble) return fromHost(map.get(numValue(key)));
      fault(`type ${firstKey === null ? "null" : "class java.lang.String"} not supported for key ${javaString(key)}`);
    }
    return fromHost(mapGet(map, key));
  }
  const name = typeof key === "string" ? key : javaString(key);
  if (BLOCKED_NAMES.has(name)) return null;
  const exact = ownValue(map, name);
  if (exact !== undefined) return fromHost(exact);
  const lower = name.toLowerCase();
  for (const k of ownKeys(map)) if (k.toLowerCase() === lower) return fromHost(ownValue(map, k));
  return null;
}

/** Bean-style name: `getYear` and `year` both mean the property `year`; `isEmpty` means `empty`. */
function property(name: string): string {
  const m = /^(get|is|has)([A-Z])(.*)$/.exec(name);
  return m ? m[2]!.toLowerCase() + m[3]! : name;
}

function str(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (v instanceof SafeString) return v.s;
  return null;
}

function int(v: unknown): number | null {
  if (!isNumber(v)) return null;
  return Math.trunc(numValue(v)) | 0;
}

function outOfBounds(method: string, detail: string): never {
  fault(`Could not call ${method}: ${detail}`);
}

/** java.lang.String members. `undefined` means "no such member" (Pebble then yields null). */
function stringMember(s: string, name: string, args: readonly unknown[]): unknown {
  const a0 = args[0];
  const a1 = args[1];
  if (args.length === 0) {
    switch (property(name)) {
      case "length":
        return s.length;
      case "empty":
        return s.length === 0;
      case "blank":
        return javaStrip(s) === "";
    }
    switch (name) {
      case "trim":
        return javaTrim(s);
      case "strip":
        return javaStrip(s);
      case "toUpperCase":
        return s.toUpperCase();
      case "toLowerCase":
        return s.toLowerCase();
      case "hashCode":
        return javaStringHash(s);
      case "toString":
        return s;
    }
    return undefined;
  }
  switch (name) {
    case "substring": {
      const begin = int(a0);
      const end = args.length > 1 ? int(a1) : s.length;
      if (begin === null || end === null || args.length > 2) return undefined;
      if (begin < 0 || end > s.length || begin > end) outOfBounds(name, `begin ${begin}, end ${end}, length ${s.length}`);
      return s.slice(begin, end);
    }
    case "charAt": {
      const i = int(a0);
      if (i === null || args.length !== 1) return undefined;
      if (i < 0 || i >= s.length) outOfBounds(name, `index ${i} out of bounds for length ${s.length}`);
      return new JChar(s[i]!);
    }
    case "indexOf":
    case "lastIndexOf": {
      const t = str(a0);
      if (t === null || args.length > 2) return undefined;
      const from = args.length > 1 ? int(a1) : null;
      if (args.length > 1 && from === null) return undefined;
      if (name === "indexOf") return s.indexOf(t, from ?? 0);
      return from === null ? s.lastIndexOf(t) : from < 0 ? -1 : s.lastIndexOf(t, from);
    }
    case "startsWith":
    case "endsWith":
    case "contains":
    case "equalsIgnoreCase":
    case "concat": {
      const t = str(a0);
      if (t === null || args.length !== 1) return undefined;
      if (name === "startsWith") return s.startsWith(t);
      if (name === "endsWith") return s.endsWith(t);
      if (name === "contains") return s.includes(t);
      if (name === "equalsIgnoreCase") return s.toLowerCase() === t.toLowerCase();
      if (s.length + t.length > MAX_OUTPUT) fault(`string longer than ${MAX_OUTPUT} characters`);
      return s + t;
    }
    case "equals":
      return args.length === 1 ? javaEquals(s, a0) : undefined;
    case "replace": {
      const t = str(a0);
      const r = str(a1);
      if (t === null || r === null || args.length !== 2) return undefined;
      const out = replaceLiteral(s, t, r);
      if (out.length > MAX_OUTPUT) fault(`string longer than ${MAX_OUTPUT} characters`);
      return out;
    }
    case "replaceAll":
    case "replaceFirst": {
      const re = str(a0);
      const r = str(a1);
      if (re === null || r === null || args.length !== 2) return undefined;
      const out = javaReplace(s, re, r, name === "replaceAll");
      if (out.length > MAX_OUTPUT) fault(`string longer than ${MAX_OUTPUT} characters`);
      return out;
    }
    case "matches": {
      const re = str(a0);
      return re === null || args.length !== 1 ? undefined : javaMatches(s, re);
    }
    case "split": {
      const re = str(a0);
      const limit = args.length > 1 ? int(a1) : 0;
      if (re === null || limit === null || args.length > 2) return undefined;
      return markJavaArray(javaSplit(s, re, limit));
    }
    case "repeat": {
      const n = int(a0);
      if (n === null || args.length !== 1) return undefined;
      if (n < 0) outOfBounds(name, `count is negative: ${n}`);
      if (s.length * n > MAX_OUTPUT) fault(`string longer than ${MAX_OUTPUT} characters`);
      return s.repeat(n);
    }
    case "compareTo": {
      const t = str(a0);
      if (t === null || args.length !== 1) return undefined;
      const len = Math.min(s.length, t.length);
      for (let i = 0; i < len; i++) if (s.charCodeAt(i) !== t.charCodeAt(i)) return s.charCodeAt(i) - t.charCodeAt(i);
      return s.length - t.length;
    }
  }
  return undefined;
}

function listMember(list: unknown[], name: string, args: readonly unknown[]): unknown {
  if (args.length === 0) {
    switch (property(name)) {
      case "size":
        return list.length;
      case "empty":
        return list.length === 0;
      // Not Java: Webex accepts `.length` on strings; ccflow extends that to lists.
      case "length":
        return list.length;
    }
    return undefined;
  }
  if (args.length !== 1) return undefined;
  switch (name) {
    case "get": {
      const i = int(args[0]);
      if (i === null) return undefined;
      if (i < 0 || i >= list.length) outOfBounds(name, `Index ${i} out of bounds for length ${list.length}`);
      return fromHost(list[i]);
    }
    case "contains":
      return list.some((el) => javaEquals(args[0], el));
    case "indexOf":
      return list.findIndex((el) => javaEquals(args[0], el));
  }
  return undefined;
}

function mapMember(map: JMap, name: string, args: readonly unknown[]): unknown {
  if (args.length === 0) {
    switch (property(name)) {
      case "size":
        return mapSize(map);
      case "empty":
        return mapSize(map) === 0;
      case "keySet":
        return mapEntries(map).map(([k]) => k);
      case "values":
        return mapEntries(map).map(([, v]) => fromHost(v));
    }
    return undefined;
  }
  if (args.length !== 1) return undefined;
  switch (name) {
    case "get":
      return mapAttributeExact(map, args[0]);
    case "containsKey":
      return mapHasKey(map, args[0]);
  }
  return undefined;
}

function mapAttributeExact(map: JMap, key: unknown): unknown {
  return fromHost(mapGet(map, key));
}

const UNITS: Record<string, TimeUnit> = {
  Years: "Years",
  Months: "Months",
  Weeks: "Weeks",
  Days: "Days",
  Hours: "Hours",
  Minutes: "Minutes",
  Seconds: "Seconds",
};

function zonedMember(z: ZonedDateTime, name: string, args: readonly unknown[]): unknown {
  if (args.length === 0) {
    const w = z.wall;
    switch (property(name)) {
      case "year":
        return w.year;
      case "monthValue":
        return w.month;
      case "month":
        return monthEnum(w.month);
      case "dayOfMonth":
        return w.day;
      case "dayOfYear":
        return w.doy;
      case "dayOfWeek":
        return dayOfWeekEnum(w.dow);
      case "hour":
        return w.hour;
      case "minute":
        return w.minute;
      case "second":
        return w.second;
      case "nano":
        return w.ms * 1_000_000;
      case "zone":
        return z.zone.id;
      case "offset":
        return offsetId(w.offsetSec);
    }
    if (name === "toEpochSecond") return Math.floor(z.epochMs / 1000);
    if (name === "toString") return z.toString();
    return undefined;
  }
  const m = /^(plus|minus)(Years|Months|Weeks|Days|Hours|Minutes|Seconds)$/.exec(name);
  if (m && args.length === 1 && isNumber(args[0])) {
    const n = Math.trunc(numValue(args[0]));
    return plus(z, UNITS[m[2]!]!, m[1] === "plus" ? n : -n);
  }
  return undefined;
}

function member(obj: unknown, name: string, args: readonly unknown[]): unknown {
  if (typeof obj === "string") return stringMember(obj, name, args);
  if (obj instanceof SafeString) return name === "toString" && args.length === 0 ? obj.s : undefined;
  if (isJavaArray(obj)) return name === "length" && args.length === 0 ? obj.length : undefined;
  if (isList(obj)) return listMember(obj, name, args);
  if (isMap(obj)) return mapMember(obj, name, args);
  if (obj instanceof ZonedDateTime) return zonedMember(obj, name, args);
  if (args.length > 0) return undefined;
  const prop = property(name);
  if (obj instanceof MapEntry) return prop === "key" ? obj.key : prop === "value" ? obj.value : undefined;
  if (obj instanceof LoopState) {
    switch (prop) {
      case "index":
        return obj.index;
      case "first":
        return obj.first;
      case "last":
        return obj.last;
      case "length":
        return obj.length;
      case "revindex":
        return obj.revindex;
    }
    return undefined;
  }
  if (obj instanceof JEnum) {
    if (name === "name" || name === "toString") return obj.name;
    if (name === "ordinal") return obj.ordinal;
    if (prop === "value") return obj.ordinal + 1;
    return undefined;
  }
  if (isNumber(obj)) {
    const v = numValue(obj);
    if (name === "intValue" || name === "longValue") return Number.isFinite(v) ? Math.trunc(v) : 0;
    if (name === "doubleValue") return Number.isInteger(v) ? new JDouble(v) : v;
    return undefined;
  }
  if (obj instanceof Date && prop === "time") return obj.getTime();
  return undefined;
}

/**
 * `object.name` (args null), `object.name(args)` (args given) or `object[key]` (name = the key's
 * value). Missing → null, like Pebble in non-strict mode.
 */
export function getAttribute(object: unknown, name: unknown, args: readonly unknown[] | null): unknown {
  if (object === null || object === undefined) return null;
  if (args === null) {
    if (isMap(object)) return mapAttribute(object, name);
    const key = typeof name === "string" ? name : javaString(name);
    if (Array.isArray(object)) {
      const index = parseIndex(key);
      if (index !== null) return index >= 0 && index < object.length ? fromHost(object[index]) : null;
      if (isJavaArray(object)) return key === "length" ? object.length : null;
    }
    if (!isPlainObject(object)) {
      const v = member(object, key, []);
      return v === undefined ? null : v;
    }
    return null;
  }
  const key = typeof name === "string" ? name : javaString(name);
  try {
    const v = member(object, key, args);
    return v === undefined ? null : v;
  } catch (err) {
    if (err instanceof Fault) throw err;
    fault(`Could not call ${key}: ${(err as Error).message}`);
  }
}
