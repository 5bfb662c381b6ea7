/** Text filters: abbreviate, capitalize, title, trim, upper, lower, replace, split, format, nl2br. */
import { fault } from "../errors.js";
import { checkJavaRegex, javaSplit } from "../java/regex.js";
import { javaFormat } from "../java/string-format.js";
import { isJavaWhitespace, javaTrim, replaceLiteral, toTitleCase } from "../java/strings.js";
import { MAX_OUTPUT } from "../limits.js";
import type { FilterDef } from "../registry.js";
import { javaString } from "../stringify.js";
import { isMap, isNumber, javaClassName, mapEntries, markJavaArray, numValue, SafeString } from "../values.js";
import { asString } from "./util.js";

export const abbreviate: FilterDef = {
  argNames: ["length"],
  apply(input, [length]) {
    if (input === null || input === undefined) return null;
    const value = asString(input);
    // Pebble casts the argument to Long: a Double or a missing length is an error.
    if (length === null || length === undefined) fault("the argument 'length' is required");
    if (typeof length !== "number" || !Number.isInteger(length)) fault(`length must be a java.lang.Long, not ${javaClassName(length)}`);
    const maxWidth = length | 0;
    if (maxWidth < 0) fault("Invalid argument to abbreviate filter; must be greater than zero");
    if (value.length < maxWidth || value.length <= 3) return value;
    if (maxWidth <= 3) return value.slice(0, maxWidth);
    return `${value.slice(0, maxWidth - 3)}...`;
  },
};

export const capitalize: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return null;
    const value = asString(input);
    for (let i = 0; i < value.length; i++) {
      if (!isJavaWhitespace(value.charCodeAt(i))) return value.slice(0, i) + toTitleCase(value[i]!) + value.slice(i + 1);
    }
    return value;
  },
};

export const title: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return null;
    const value = asString(input);
    let out = "";
    let capitalizeNext = true;
    for (const c of value) {
      if (c.length === 1 && isJavaWhitespace(c.charCodeAt(0))) {
        capitalizeNext = true;
        out += c;
      } else if (capitalizeNext) {
        out += c.length === 1 ? toTitleCase(c) : c;
        capitalizeNext = false;
      } else out += c;
    }
    return out;
  },
};

export const trim: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return null;
    return javaTrim(asString(input));
  },
};

export const upper: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return null;
    return javaString(input).toUpperCase();
  },
};

export const lower: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return null;
    return javaString(input).toLowerCase();
  },
};

export const replace: FilterDef = {
  argNames: ["replace_pairs"],
  apply(input, [pairs]) {
    if (input === null || input === undefined) return null;
    if (pairs === null || pairs === undefined) fault("The argument 'replace_pairs' is required.");
    if (!isMap(pairs)) fault(`the argument must be a map such as {"+1": ""}, not ${javaClassName(pairs)}`);
    let data = javaString(input);
    for (const [k, v] of mapEntries(pairs)) {
      if (k === null || v === null || v === undefined) fault("a replacement key or value is null");
      const target = javaString(k);
      const replacement = javaString(v);
      if (replacement.length > target.length) {
        const occurrences = target === "" ? data.length + 1 : data.split(target).length - 1;
        if (data.length + occurrences * (replacement.length - target.length) > MAX_OUTPUT) fault(`string longer than ${MAX_OUTPUT} characters`);
      }
      data = replaceLiteral(data, target, replacement);
    }
    return data;
  },
};

export const split: FilterDef = {
  argNames: ["delimiter", "limit"],
  apply(input, [delimiter, limit]) {
    if (input === null || input === undefined) return null;
    const value = asString(input);
    if (delimiter === null || delimiter === undefined) fault("missing delimiter parameter in split filter");
    const regex = asString(delimiter, "delimiter");
    let n = 0;
    if (limit !== null && limit !== undefined) {
      if (!isNumber(limit)) fault(`limit must be a number, not ${javaClassName(limit)}`);
      n = Math.trunc(numValue(limit)) | 0;
    }
    checkJavaRegex(regex);
    return markJavaArray(javaSplit(value, regex, n));
  },
};

export const format: FilterDef = {
  argNames: null,
  apply(input, args) {
    if (input === null || input === undefined) return null;
    return javaFormat(javaString(input), args);
  },
};

export const nl2br: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return null;
    return new SafeString(javaString(input).replaceAll("\n", "<br />"));
  },
};

