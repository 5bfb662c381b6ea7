/** The `is` tests of Pebble core: null, defined, empty, even, odd, iterable, map. */
import { fault } from "./errors.js";
import { javaTrim } from "./java/strings.js";
import type { TestDef } from "./registry.js";
import { isJavaArray, isList, isMap, javaClassName, mapSize } from "./values.js";

export const emptyTest: TestDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) return true;
    if (typeof input === "string") return javaTrim(input) === "";
    // A Java array (from `split`) is not a Collection, so it is never "empty" to Pebble.
    if (isList(input)) return input.length === 0;
    if (isMap(input)) return mapSize(input) === 0;
    return false;
  },
};

function parity(name: string, input: unknown): number {
  if (input === null || input === undefined) fault(`Can not pass null value to "${name}" test.`);
  if (typeof input !== "number" || !Number.isInteger(input)) fault(`${javaClassName(input)} cannot be cast to java.lang.Long`);
  return Math.abs(input % 2);
}

export const TESTS: ReadonlyMap<string, TestDef> = new Map<string, TestDef>([
  ["null", { argNames: null, apply: (input) => input === null || input === undefined }],
  ["defined", { argNames: null, apply: (input) => input !== null && input !== undefined }],
  ["empty", emptyTest],
  ["even", { argNames: null, apply: (input) => parity("even", input) === 0 }],
  ["odd", { argNames: null, apply: (input) => parity("odd", input) === 1 }],
  ["iterable", { argNames: null, apply: (input) => isList(input) || isJavaArray(input) }],
  ["map", { argNames: null, apply: (input) => isMap(input) }],
]);
