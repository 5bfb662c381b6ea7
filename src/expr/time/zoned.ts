/**
 * java.time.ZonedDateTime as templates see it: what Webex's `now()` returns. Millisecond precision
 * (the injected clock's), rendering and arithmetic the java.time way.
 */
import { JEnum } from "../values.js";
import { instantOf, offsetId, wallOf, type Wall, type Zone } from "./zone.js";

export class ZonedDateTime {
  readonly javaClass = "java.time.ZonedDateTime";
  private cachedWall: Wall | null = null;

  constructor(
    readonly epochMs: number,
    readonly zone: Zone,
  ) {}

  get wall(): Wall {
    if (!this.cachedWall) this.cachedWall = wallOf(this.epochMs, this.zone);
    return this.cachedWall;
  }

  /** Java's ZonedDateTime.toString(): `2025-02-06T21:09:02.712Z[UTC]`. */
  toString(): string {
    const w = this.wall;
    return `${localDateTimeString(w)}${offsetId(w.offsetSec)}${this.zone.region ? `[${this.zone.id}]` : ""}`;
  }
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n));
  return (n < 0 ? "-" : "") + (s.length >= width ? s : "0".repeat(width - s.length) + s);
}

export function localDateString(w: Wall): string {
  const y = w.year > 9999 ? `+${w.year}` : pad(w.year, 4);
  return `${y}-${pad(w.month, 2)}-${pad(w.day, 2)}`;
}

/** LocalDateTime.toString(): seconds only when non-zero, fraction only when non-zero. */
export function localDateTimeString(w: Wall): string {
  let time = `${pad(w.hour, 2)}:${pad(w.minute, 2)}`;
  if (w.second || w.ms) time += `:${pad(w.second, 2)}`;
  if (w.ms) time += `.${pad(w.ms, 3)}`;
  return `${localDateString(w)}T${time}`;
}

/** DateTimeFormatter.ISO_DATE_TIME: seconds always, the shortest fraction, `[zone]` for regions. */
export function isoDateTimeString(z: ZonedDateTime): string {
  const w = z.wall;
  let frac = "";
  if (w.ms) frac = `.${pad(w.ms, 3).replace(/0+$/, "")}`;
  return `${localDateString(w)}T${pad(w.hour, 2)}:${pad(w.minute, 2)}:${pad(w.second, 2)}${frac}${offsetId(w.offsetSec)}${z.zone.region ? `[${z.zone.id}]` : ""}`;
}

const DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];
const MONTHS = ["JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER"];

export function dayOfWeekEnum(dow: number): JEnum {
  return new JEnum("DayOfWeek", DAYS[dow - 1]!, dow - 1);
}

export function monthEnum(month: number): JEnum {
  return new JEnum("Month", MONTHS[month - 1]!, month - 1);
}

export type TimeUnit = "Years" | "Months" | "Weeks" | "Days" | "Hours" | "Minutes" | "Seconds" | "Millis";

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** plusX/minusX: date units move the wall clock (DST-aware), time units move the instant. */
export function plus(z: ZonedDateTime, unit: TimeUnit, amount: number): ZonedDateTime {
  switch (unit) {
    case "Millis":
      return new ZonedDateTime(z.epochMs + amount, z.zone);
    case "Seconds":
      return new ZonedDateTime(z.epochMs + amount * 1000, z.zone);
    case "Minutes":
      return new ZonedDateTime(z.epochMs + amount * 60_000, z.zone);
    case "Hours":
      return new ZonedDateTime(z.epochMs + amount * 3_600_000, z.zone);
    default: {
      const w = z.wall;
      let { year, month, day } = w;
      if (unit === "Years") year += amount;
      else if (unit === "Months") {
        const total = year * 12 + (month - 1) + amount;
        year = Math.floor(total / 12);
        month = (total % 12 + 12) % 12 + 1;
      } else {
        const d = new Date(Date.UTC(2000, 0, 1));
        d.setUTCFullYear(year, month - 1, day + amount * (unit === "Weeks" ? 7 : 1));
        year = d.getUTCFullYear();
        month = d.getUTCMonth() + 1;
        day = d.getUTCDate();
      }
      day = Math.min(day, daysInMonth(year, month));
      return new ZonedDateTime(instantOf(z.zone, year, month, day, w.hour, w.minute, w.second, w.ms), z.zone);
    }
  }
}
