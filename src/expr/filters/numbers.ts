/** Number filters: abs, numberformat. */
import { fault } from "../errors.js";
import { decimalFormat } from "../java/decimal-format.js";
import type { FilterDef } from "../registry.js";
import { isDouble, isNumber, JDouble, javaClassName, numValue } from "../values.js";
import { optString } from "./util.js";

export const abs: FilterDef = {
  argNames: null,
  apply(input) {
    if (input === null || input === undefined) fault('Can not pass null value to "abs" filter.');
    if (!isNumber(input)) fault("The 'abs' filter does require as input a number.");
    const v = Math.abs(numValue(input));
    // Math.abs(Long.MIN_VALUE) stays negative in Java; JS numbers cannot hold it exactly anyway.
    return isDouble(input) ? (Number.isInteger(v) ? new JDouble(v) : v) : v;
  },
};

export const numberformat: FilterDef = {
  argNames: ["format"],
  apply(input, [pattern]) {
    if (input === null || input === undefined) return null;
    if (!isNumber(input)) fault(`The input for the 'NumberFormat' filter has to be a number, not ${javaClassName(input)}.`);
    return decimalFormat(input, optString(pattern, "format"));
  },
};
