/**
 * Date filters: Pebble's `date` and Webex's `epoch`.
 *
 * `date` on a java.time value (such as `now()`) formats with DateTimeFormatter; on a Date, a number
 * (epoch ms) or a String (parsed with `existingFormat`, default `yyyy-MM-dd'T'HH:mm:ssZ`) it uses
 * SimpleDateFormat. The JVM zone Webex runs in is UTC. One deliberate choice: `timeZone=` converts
 * `now()` to that zone (Cisco's sample flows rely on it); Pebble 3.2 would keep the value's own zone.
 */
import { fault, Fault } from "../errors.js";
import type { FilterDef } from "../registry.js";
import { formatInstant, parseSimple } from "../time/pattern.js";
import { instantOf, timeZoneOf, UTC, zoneIdOf, type Zone } from "../time/zone.js";
import { isoDateTimeString, ZonedDateTime } from "../time/zoned.js";
import { isNumber, javaClassName, numValue, SafeString } from "../values.js";
import { optString } from "./util.js";

const DEFAULT_FORMAT = "yyyy-MM-dd'T'HH:mm:ssZ";

function parseWithFormat(text: string, format: string, nowMs: number): number {
  try {
    return parseSimple(text, format, UTC, nowMs);
  } catch (err) {
    if (err instanceof Fault && err.message.startsWith("Unparseable")) fault(`Could not parse the string into a date, with formatting: ${format}`);
    throw err;
  }
}

export const date: FilterDef = {
  argNames: ["format", "existingFormat", "timeZone"],
  apply(input, [formatArg, existingArg, zoneArg], ctx) {
    if (input === null || input === undefined) return null;
    const format = optString(formatArg, "format");
    const existing = optString(existingArg, "existingFormat");
    const timeZone = optString(zoneArg, "timeZone");
    if (input instanceof ZonedDateTime) {
      const zone: Zone = timeZone !== null ? zoneIdOf(timeZone) : input.zone;
      const z = zone === input.zone ? input : new ZonedDateTime(input.epochMs, zone);
      return new SafeString(format !== null ? formatInstant(z.epochMs, zone, format, "java.time") : isoDateTimeString(z));
    }
    let ms: number;
    if (input instanceof Date) ms = input.getTime();
    else if (isNumber(input)) ms = Math.trunc(numValue(input));
    else if (typeof input === "string") ms = parseWithFormat(input, existing ?? DEFAULT_FORMAT, ctx.now());
    else fault(`Unsupported argument type: ${javaClassName(input)}`);
    if (!Number.isFinite(ms)) fault("the date is out of range");
    const zone = timeZone !== null ? timeZoneOf(timeZone) : UTC;
    return new SafeString(formatInstant(ms, zone, format ?? DEFAULT_FORMAT, "simple"));
  },
};

const ISO = /^(\d{4,})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?(?:\[([^\]]+)\])?$/;

function parseIso(text: string): number {
  const m = ISO.exec(text.trim());
  if (!m) fault("the text is not an ISO-8601 date-time; give its pattern with format=");
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", off, zoneId] = m;
  const ms = Number(frac.padEnd(3, "0").slice(0, 3));
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (off) {
    if (off === "Z") return base;
    const om = /^([+-])(\d{2}):?(\d{2})?$/.exec(off)!;
    const sec = (Number(om[2]) * 3600 + Number(om[3] ?? 0) * 60) * (om[1] === "-" ? -1 : 1);
    return base - sec * 1000;
  }
  if (zoneId) return instantOf(zoneIdOf(zoneId), Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), ms);
  return base;
}

/** Webex: seconds since the epoch (`inMillis=true`: milliseconds); strings parse with `format=`. */
export const epoch: FilterDef = {
  argNames: ["format", "inMillis"],
  apply(input, [formatArg, inMillis], ctx) {
    if (input === null || input === undefined) return null;
    const format = optString(formatArg, "format");
    let ms: number;
    if (input instanceof ZonedDateTime) ms = input.epochMs;
    else if (input instanceof Date) ms = input.getTime();
    else if (typeof input === "string") ms = format !== null ? parseWithFormat(input, format, ctx.now()) : parseIso(input);
    else fault(`epoch needs a date-time or a String, not ${javaClassName(input)}`);
    const millis = inMillis === true || (typeof inMillis === "string" && inMillis.toLowerCase() === "true");
    return millis ? ms : Math.floor(ms / 1000);
  },
};
