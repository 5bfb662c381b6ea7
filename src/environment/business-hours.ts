/**
 * Answers the Business Hours activity from the environment's schedules: which part of a
 * schedule a moment falls in, in the schedule's own time zone. Precedence as in Control Hub:
 * override, then holiday, then working hours, else `default` (closed).
 */
import type { Schedule } from "./schema.js";

export interface BusinessHoursAnswer {
  status: "workingHours" | "holidays" | "override" | "default";
  shift?: string;
  holiday?: string;
  override?: string;
}

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

function localParts(at: number, timeZone: string): { date: string; day: string; minutes: number } {
  const fmt = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23", weekday: "short" });
  const parts = Object.fromEntries(fmt.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  const weekday = (parts.weekday ?? "").slice(0, 3).toLowerCase();
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    day: DAYS.find((d) => d === weekday) ?? "mon",
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function within(minutes: number, from?: string, to?: string): boolean {
  const a = from ? toMinutes(from) : 0;
  const b = to ? toMinutes(to) : 24 * 60;
  // A range such as 22:00–06:00 wraps past midnight.
  return a <= b ? minutes >= a && minutes < b : minutes >= a || minutes < b;
}

export function evaluateSchedule(schedule: Schedule, at: number): BusinessHoursAnswer {
  const local = localParts(at, schedule.timeZone);
  const override = schedule.overrides.find((o) => o.date === local.date && within(local.minutes, o.from, o.to));
  if (override) return { status: "override", override: override.name };
  const holiday = schedule.holidays.find((h) => h.date === local.date);
  if (holiday) return { status: "holidays", holiday: holiday.name };
  const shift = schedule.workingHours.find((w) => (w.days as string[]).includes(local.day) && within(local.minutes, w.from, w.to));
  if (shift) return { status: "workingHours", shift: shift.name };
  return { status: "default" };
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
