/** The filter table: Pebble's core and escaper filters plus Webex's `epoch`. */
import type { FilterDef } from "../registry.js";
import { defaultFilter, first, join, last, length, merge, reverse, rsort, slice, sort } from "./collections.js";
import { date, epoch } from "./dates.js";
import { base64decode, base64encode, escape, raw, sha256, urlencode } from "./encoding.js";
import { abs, numberformat } from "./numbers.js";
import { abbreviate, capitalize, format, lower, nl2br, replace, split, title, trim, upper } from "./strings.js";

export const FILTERS: ReadonlyMap<string, FilterDef> = new Map<string, FilterDef>([
  ["abbreviate", abbreviate],
  ["abs", abs],
  ["base64decode", base64decode],
  ["base64encode", base64encode],
  ["capitalize", capitalize],
  ["date", date],
  ["default", defaultFilter],
  ["epoch", epoch],
  ["escape", escape],
  ["first", first],
  ["format", format],
  ["join", join],
  ["last", last],
  ["length", length],
  ["lower", lower],
  ["merge", merge],
  ["nl2br", nl2br],
  ["numberformat", numberformat],
  ["raw", raw],
  ["replace", replace],
  ["reverse", reverse],
  ["rsort", rsort],
  ["sha256", sha256],
  ["slice", slice],
  ["sort", sort],
  ["split", split],
  ["title", title],
  ["trim", trim],
  ["upper", upper],
  ["urlencode", urlencode],
]);
