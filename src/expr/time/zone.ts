/**
 * Time zones the Java way, computed with Intl (no date library: Intl carries the IANA rules and is
 * all that Java's ZoneId/TimeZone semantics need here). Two lookups exist because Pebble uses both:
 * `ZoneId.of` (java.time; unknown ids throw) and `TimeZone.getTimeZone` (java.util; unknown ids
 * silently become GMT).
 */
import { fault } from "../errors.js";

export interface Zone {
  /** The id as Java prints it: `UTC`, `Z`, `+05:30`, `America/Toronto`. */
  readonly id: string;
  /** Fixed offset in seconds, or null for a region with rules (resolved through Intl). */
  readonly fixed: number | null;
  /** True for a region id (printed as `[id]` after the offset), false for a bare offset. */
  readonly region: boolean;
}

export const UTC: Zone = { id: "UTC", fixed: 0, region: true };
export const GMT: Zone = { id: "GMT", fixed: 0, region: true };

/** Wall-clock fields of an instant in a zone. */
export interface Wall {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  /** ISO day of week, 1 = Monday … 7 = Sunday. */
  dow: number;
  /** 1-366 */
  doy: number;
  offsetSec: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const regionCache = new Map<string, Zone | null>();
const nameFormatters = new Map<string, Intl.DateTimeFormat | null>();

function intlFor(id: string): Intl.DateTimeFormat | null {
  let f = formatters.get(id);
  if (f) return f;
  try {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: id,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
  } catch {
    return null;
  }
  if (formatters.size > 500) formatters.clear();
  formatters.set(id, f);
  return f;
}

function region(id: string): Zone | null {
  if (regionCache.has(id)) return regionCache.get(id) ?? null;
  let zone: Zone | null = null;
  if (/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(id)) {
    const f = intlFor(id);
    if (f) {
      const resolved = f.resolvedOptions().timeZone;
      // Java ids are case-sensitive; Intl is not.
      const wrongCase = resolved !== id && resolved.toLowerCase() === id.toLowerCase();
      if (!wrongCase) zone = { id, fixed: resolved === "UTC" || resolved === "Etc/UTC" ? 0 : null, region: true };
    }
  }
  if (regionCache.size > 500) regionCache.clear();
  regionCache.set(id, zone);
  return zone;
}

/** Parses `+h`, `+hh`, `+hh:mm`, `+hhmm`, `+hh:mm:ss`, `+hhmmss` into seconds; null if malformed. */
function parseOffset(text: string): number | null {
  const m = /^([+-])(\d{1,2})(?::?(\d{2})(?::?(\d{2}))?)?$/.exec(text);
  if (!m) return null;
  if (m[2]!.length === 1 && m[3] !== undefined) return null;
  const h = Number(m[2]);
  const mi = Number(m[3] ?? 0);
  const s = Number(m[4] ?? 0);
  if (h > 18 || mi > 59 || s > 59) return null;
  const total = h * 3600 + mi * 60 + s;
  if (total > 18 * 3600) return null;
  return m[1] === "-" ? -total : total;
}

export function offsetId(sec: number): string {
  if (sec === 0) return "Z";
  const a = Math.abs(sec);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  const s = a % 60;
  return `${sec < 0 ? "-" : "+"}${pad2(h)}:${pad2(m)}${s ? `:${pad2(s)}` : ""}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** java.time.ZoneId.of: throws (as a Fault) on an unknown or malformed id. */
export function zoneIdOf(id: string): Zone {
  if (id === "Z") return { id: "Z", fixed: 0, region: false };
  if (id.startsWith("+") || id.startsWith("-")) {
    const off = parseOffset(id);
    if (off === null) fault(`Invalid ID for ZoneOffset, invalid format: ${id}`);
    return { id: offsetId(off), fixed: off, region: false };
  }
  if (id === "UTC" || id === "GMT" || id === "UT") return { id, fixed: 0, region: true };
  const prefixed = /^(UTC|GMT|UT)([+-].*)$/.exec(id);
  if (prefixed) {
    const off = parseOffset(prefixed[2]!);
    if (off === null) fault(`Invalid ID for offset-based ZoneId: ${id}`);
    return { id: off === 0 ? prefixed[1]! : `${prefixed[1]}${offsetId(off)}`, fixed: off, region: true };
  }
  if (!/^[A-Za-z][A-Za-z0-9~/._+-]+$/.test(id)) fault(`Invalid ID for region-based ZoneId, invalid format: ${id}`);
  const z = region(id);
  if (!z) fault(`Unknown time-zone ID: ${id}`);
  return z;
}

// Java's legacy three-letter ids (java.util.TimeZone) that are not IANA zones.
const LEGACY_IDS: Record<string, string> = {
  PST: "America/Los_Angeles",
  CST: "America/Chicago",
  IST: "Asia/Kolkata",
  JST: "Asia/Tokyo",
  ECT: "Europe/Paris",
  AET: "Australia/Sydney",
  BST: "Asia/Dhaka",
  CTT: "Asia/Shanghai",
  AGT: "America/Argentina/Buenos_Aires",
  BET: "America/Sao_Paulo",
  NET: "Asia/Yerevan",
  PLT: "Asia/Karachi",
  ART: "Africa/Cairo",
  CAT: "Africa/Harare",
  EAT: "Africa/Addis_Ababa",
  AST: "America/Anchorage",
  PNT: "America/Phoenix",
  PRT: "America/Puerto_Rico",
  CNT: "America/St_Johns",
  NST: "Pacific/Auckland",
  SST: "Pacific/Guadalcanal",
  VST: "Asia/Ho_Chi_Minh",
};

/** java.util.TimeZone.getTimeZone: unknown ids become GMT, like Java. */
export function timeZoneOf(id: string): Zone {
  const custom = /^GMT([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(id);
  if (custom) {
    const sec = (Number(custom[2]) * 3600 + Number(custom[3] ?? 0) * 60) * (custom[1] === "-" ? -1 : 1);
    if (Math.abs(sec) <= 23 * 3600 + 59 * 60) return { id: `GMT${offsetId(sec).replace("Z", "+00:00")}`, fixed: sec, region: true };
    return GMT;
  }
  if (id === "UTC" || id === "GMT") return id === "UTC" ? UTC : GMT;
  const legacy = LEGACY_IDS[id];
  if (legacy) return region(legacy) ?? GMT;
  if (id === "EST") return { id, fixed: -5 * 3600, region: true };
  if (id === "MST") return { id, fixed: -7 * 3600, region: true };
  if (id === "HST") return { id, fixed: -10 * 3600, region: true };
  return region(id) ?? GMT;
}

const DAY_MS = 86_400_000;

function utcWall(epochMs: number, offsetSec: number): Wall {
  const d = new Date(epochMs + offsetSec * 1000);
  const year = d.getUTCFullYear();
  const startOfYear = Date.UTC(year, 0, 1);
  const dayStart = Date.UTC(year, d.getUTCMonth(), d.getUTCDate());
  const jsDow = d.getUTCDay();
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
    dow: jsDow === 0 ? 7 : jsDow,
    doy: Math.round((dayStart - startOfYear) / DAY_MS) + 1,
    offsetSec,
  };
}

/** Offset of `zone` at an instant, in seconds. */
export function offsetAt(zone: Zone, epochMs: number): number {
  if (zone.fixed !== null) return zone.fixed;
  const f = intlFor(zone.id);
  if (!f) return 0;
  const secMs = Math.floor(epochMs / 1000) * 1000;
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const p of f.formatToParts(secMs)) {
    switch (p.type) {
      case "year":
        year = Number(p.value);
        break;
      case "month":
        month = Number(p.value);
        break;
      case "day":
        day = Number(p.value);
        break;
      case "hour":
        hour = Number(p.value);
        break;
      case "minute":
        minute = Number(p.value);
        break;
      case "second":
        second = Number(p.value);
        break;
      case "era":
        bc = p.value.startsWith("B");
        break;
    }
  }
  if (bc) year = 1 - year;
  const asUtc = new Date(0);
  asUtc.setUTCFullYear(year, month - 1, day);
  asUtc.setUTCHours(hour, minute, second, 0);
  return Math.round((asUtc.getTime() - secMs) / 1000);
}

export function wallOf(epochMs: number, zone: Zone): Wall {
  return utcWall(epochMs, offsetAt(zone, epochMs));
}

/**
 * The instant of a wall-clock time in a zone (Java's ZonedDateTime.of: in a gap, shift forward;
 * in an overlap, the earlier offset).
 */
export function instantOf(zone: Zone, y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const d0 = new Date(0);
  d0.setUTCFullYear(y, mo - 1, d);
  d0.setUTCHours(h, mi, s, ms);
  const local = d0.getTime();
  if (zone.fixed !== null) return local - zone.fixed * 1000;
  const before = offsetAt(zone, local - DAY_MS / 2);
  const after = offsetAt(zone, local + DAY_MS / 2);
  const candEarly = local - before * 1000;
  if (offsetAt(zone, candEarly) === before) return candEarly;
  const candLate = local - after * 1000;
  if (offsetAt(zone, candLate) === after) return candLate;
  return local - before * 1000;
}

/** Display name of a zone: `UTC`, `EST`/`EDT`; long style `Eastern Standard Time`. */
export function zoneName(zone: Zone, epochMs: number, long: boolean): string {
  if (zone.fixed !== null && !zone.region) return `GMT${offsetId(zone.fixed).replace("Z", "")}`;
  if (zone.id === "UTC") return long ? "Coordinated Universal Time" : "UTC";
  if (zone.id === "GMT") return long ? "Greenwich Mean Time" : "GMT";
  if (zone.fixed !== null && zone.id.startsWith("GMT")) return zone.id;
  const key = `${zone.id}\u0000${long}`;
  let f = nameFormatters.get(key);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", { timeZone: zone.id, timeZoneName: long ? "long" : "short" });
    } catch {
      f = null;
    }
    if (nameFormatters.size > 500) nameFormatters.clear();
    nameFormatters.set(key, f);
  }
  const part = f?.formatToParts(epochMs).find((p) => p.type === "timeZoneName");
  if (part) return part.value;
  return zone.id;
}
