/** Collection filters: first, last, join, length, reverse, sort, rsort, slice, merge, default. */
import { fault } from "../errors.js";
import { MAX_COLLECTION, MAX_OUTPUT } from "../limits.js";
import type { FilterDef } from "../registry.js";
import { emptyTest } from "../is-tests.js";
import { javaString } from "../stringify.js";
import { ZonedDateTime } from "../time/zoned.js";
import {
  isDouble,
  isJavaArray,
  isList,
  isMap,
  isNumber,
  JChar,
  javaClassName,
  javaSimpleName,
  mapEntries,
  mapSize,
  markJavaArray,
  numValue,
} from "../values.js";

export const first: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return null;
    if (typeof input === "string") {
      if (input.length === 0) fault("index 0 out of bounds for length 0");
      return new JChar(input[0]!);
    }
    if (Array.isArray(input)) return input.length ? input[0] : null;
    fault(`input must be a collection, an array or a String, not ${javaClassName(input)}`);
  },
};

export const last: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return null;
    if (typeof input === "string") {
      if (input.length === 0) fault("index -1 out of bounds for length 0");
      return new JChar(input[input.length - 1]!);
    }
    if (Array.isArray(input)) return input.length ? input[input.length - 1] : null;
    fault(`input must be a collection, an array or a String, not ${javaClassName(input)}`);
  },
};

export const join: FilterDef = {
  argNames: ["separator"],
  apply(input, [separator]) {
    if (input === null || input === undefined) return null;
    if (!Array.isArray(input)) fault("The 'join' filter expects that the input is either a collection or an array.");
    let glue = "";
    if (separator !== null && separator !== undefined) {
      if (typeof separator !== "string") fault(`separator must be a java.lang.String, not ${javaClassName(separator)}`);
      glue = separator;
    }
    let out = "";
    for (let i = 0; i < input.length; i++) {
      if (i) out += glue;
      out += javaString(input[i]);
      if (out.length > MAX_OUTPUT) fault(`string longer than ${MAX_OUTPUT} characters`);
    }
    return out;
  },
};

export const length: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return 0;
    if (typeof input === "string") return input.length;
    if (Array.isArray(input)) return input.length;
    if (isMap(input)) return mapSize(input);
    return 0;
  },
};

export const reverse: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return null;
    // Pebble reverses the list in place; ccflow returns a reversed copy.
    if (!isList(input)) fault(`input must be a java.util.List, not ${javaClassName(input)}`);
    return [...input].reverse();
  },
};

type SortKind = "string" | "long" | "double" | "boolean" | "char" | "date";

function sortKind(v: unknown): SortKind | null {
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "boolean";
  if (isNumber(v)) return isDouble(v) ? "double" : "long";
  if (v instanceof JChar) return "char";
  if (v instanceof ZonedDateTime) return "date";
  return null;
}

function compareSame(a: unknown, b: unknown, kind: SortKind): number {
  switch (kind) {
    case "string":
    case "char": {
      const x = String(a);
      const y = String(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case "boolean":
      return Number(a) - Number(b);
    case "date":
      return (a as ZonedDateTime).epochMs - (b as ZonedDateTime).epochMs;
    default: {
      const x = numValue(a as number);
      const y = numValue(b as number);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
}

/** Collections.sort: every element must be Comparable to the others (same type, no null). */
function sorted(input: unknown, descending: boolean): unknown[] {
  if (!Array.isArray(input)) fault(`Unsupported input type for sort filter: ${javaSimpleName(input)}`);
  if (input.length < 2) return isJavaArray(input) ? markJavaArray([...input]) : [...input];
  const kind = sortKind(input[0]);
  for (const el of input) {
    if (el === null || el === undefined) fault("cannot sort a list containing null");
    if (kind === null || sortKind(el) !== kind) fault(`cannot compare ${javaClassName(input[0])} with ${javaClassName(el)}`);
  }
  const out = [...input].sort((a, b) => (descending ? -1 : 1) * compareSame(a, b, kind!));
  return isJavaArray(input) ? markJavaArray(out) : out;
}

export const sort: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return null;
    return sorted(input, false);
  },
};

export const rsort: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return null;
    return sorted(input, true);
  },
};

export const slice: FilterDef = {
  argNames: ["fromIndex", "toIndex"],
  apply(input, [fromArg, toArg]) {
    if (input === null || input === undefined) return null;
    let from = 0;
    if (fromArg !== null && fromArg !== undefined) {
      if (!isNumber(fromArg)) fault(`Argument fromIndex must be a number. Actual type: ${javaClassName(fromArg)}`);
      from = Math.trunc(numValue(fromArg)) | 0;
    }
    if (from < 0) fault("fromIndex must be greater than 0");
    if (toArg !== null && toArg !== undefined && !isNumber(toArg)) fault(`Argument toIndex must be a number. Actual type: ${javaClassName(toArg)}`);
    let size: number;
    if (typeof input === "string" || Array.isArray(input)) size = input.length;
    else fault(`Slice filter can only be applied to String, List and array inputs. Actual type was: ${javaClassName(input)}`);
    let to = size;
    if (toArg !== null && toArg !== undefined) {
      to = Math.trunc(numValue(toArg as number)) | 0;
      if (to > size) fault(`toIndex must be smaller than input size: ${size}`);
      if (from >= to) fault("toIndex must be greater than fromIndex");
    }
    if (from > to) fault(`begin ${from}, end ${to}, length ${size}`);
    if (typeof input === "string") return input.slice(from, to);
    const out = input.slice(from, to);
    return isJavaArray(input) ? markJavaArray(out) : out;
  },
};

export const merge: FilterDef = {
  argNames: ["items"],
  apply(input, [items]) {
    if (input === null || input === undefined) fault("The two arguments to be merged cannot be null.");
    if (items === null || items === undefined) fault("The two arguments to be merged cannot be null.");
    if (isMap(input)) {
      if (!isMap(items)) fault("The object being merged into a map must be a map");
      const out = new Map<unknown, unknown>(mapEntries(input));
      for (const [k, v] of mapEntries(items)) out.set(k, v);
      return out;
    }
    if (Array.isArray(input)) {
      const extra = Array.isArray(items) ? items : isMap(items) ? mapEntries(items).map(([k, v]) => new Map([[k, v]])) : fault("The object being merged into a list must be a list, an array or a map");
      if (input.length + extra.length > MAX_COLLECTION) fault(`list larger than ${MAX_COLLECTION} elements`);
      return [...input, ...extra];
    }
    fault(`The object being merged into must be a list, an array or a map, not ${javaClassName(input)}`);
  },
};

export const defaultFilter: FilterDef = {
  argNames: ["default"],
  apply(input, [fallback]) {
    return emptyTest.apply(input, [], { now: () => 0 }) ? (fallback ?? null) : input;
  },
};
