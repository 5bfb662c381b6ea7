/**
 * Schedule Callback (`scheduled-callback`): registers a callback for later — a date and a window
 * in a time zone — instead of keeping the caller waiting; flows disconnect right after. Inputs,
 * all literals or templates: `callbackDn` (default the caller's ANI), `callbackQueue`,
 * `customerName`, `scheduleDate` (YYYY-MM-DD), `scheduleStartTime` / `scheduleEndTime` (HH:mm:ss)
 * and `scheduleTimezone` (an IANA zone). Webex's rules are checked on the rendered values: a
 * number of 7–15 digits (spaces, hyphens, parentheses and periods allowed), a date at most 31
 * days ahead, a start at least 30 minutes from now, a window of 30 minutes to 8 hours. A broken
 * rule leaves by the error port with `FailureCode` 1 (INVALID_REQUEST), an unknown queue with 3
 * (INVALID_QUEUE); both set `FailureDescription`.
 *
 * The booking is an `activity-result` event with the window as UTC instants, and the contact keeps
 * it: at the window's start the callback is placed in its queue with the center's callback
 * machinery (offered to an agent, the customer dialled, CallbackFailed when that fails), and one
 * still not answered when the window ends fails with reason `SCHEDULE_EXPIRED` (engine/interaction.ts).
 *
 * Source: the wxcc-toolkit FlowIR reference (`scheduled-callback`, property names) and its
 * Schedule Callback page (rules, failure codes, self-loop limit 10). The error port's name is not
 * shown by any export; ccflow takes `undefinedErrors` (as Record names its "Undefined Error")
 * when wired, else `error`.
 */
import { isTemplate, str, successPortOf, wiredPort } from "./common.js";
import { ActivityError, type CompiledActivitySpec, type TemplateField } from "./types.js";

const FIELDS = ["callbackDn", "callbackQueue", "customerName", "scheduleDate", "scheduleStartTime", "scheduleEndTime", "scheduleTimezone"] as const;
const REQUIRED = ["callbackQueue", "scheduleDate", "scheduleStartTime", "scheduleEndTime", "scheduleTimezone"] as const;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** UTC offset (ms) of `timeZone` at the instant `at`. */
function offsetAt(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second")) - Math.floor(at / 1000) * 1000;
}

/** The instant a wall-clock date and time in `timeZone` names (the later one across a DST overlap is not sought). */
export function zonedInstant(date: string, time: string, timeZone: string): number | undefined {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/.exec(time);
  if (!d || !t) return undefined;
  const wall = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]), Number(t[3] ?? 0));
  if (new Date(wall).toISOString().slice(0, 10) !== date) return undefined;
  const first = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(first, timeZone);
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return name !== "";
  } catch {
    return false;
  }
}

/** Today's date (YYYY-MM-DD) in `timeZone`. */
function localDate(at: number, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

const scheduleCallback: CompiledActivitySpec = {
  type: "scheduled-callback",
  ports: () => ["default", "out", "error", "undefinedErrors"],
  optionalPorts: ["default", "out"],
  errorPorts: ["error", "undefinedErrors"],
  loopLimit: 10,
  templates(def) {
    const out: TemplateField[] = [];
    for (const key of FIELDS) {
      const v = str(def, key);
      if (v && isTemplate(v)) out.push({ field: key, source: v });
    }
    return out;
  },
  validate(def, report) {
    for (const key of REQUIRED) {
      if (!str(def, key)) report({ severity: "error", code: "missing-property", message: `Schedule Callback "${def.name}" has no ${key}`, path: key });
    }
    const tz = str(def, "scheduleTimezone");
    if (tz && !isTemplate(tz) && !isTimeZone(tz)) report({ severity: "error", code: "bad-value", message: `Schedule Callback "${def.name}": ${JSON.stringify(tz)} is not a time zone`, path: "scheduleTimezone" });
  },
  compile(def, { flow }) {
    const port = successPortOf(def, flow);
    const errorPort = wiredPort(def, flow, "undefinedErrors") ? "undefinedErrors" : "error";
    const sources = new Map(FIELDS.map((key) => [key, str(def, key)]));
    return {
      async run(ctx) {
        const value = (key: (typeof FIELDS)[number]) => ctx.render(sources.get(key), key).trim();
        const number = value("callbackDn") || ctx.render("{{NewPhoneContact.ANI}}", "callbackDn").trim();
        const queueId = value("callbackQueue");
        const customerName = value("customerName");
        const date = value("scheduleDate");
        const start = value("scheduleStartTime");
        const end = value("scheduleEndTime");
        const timeZone = value("scheduleTimezone");
        const fail = (code: "1" | "3", name: string, why: string): never => {
          ctx.output("FailureCode", code);
          ctx.output("FailureDescription", `${name}: ${why}`);
          throw new ActivityError(`${def.name}: callback not scheduled: ${why}`, errorPort);
        };
        const invalid = (why: string) => fail("1", "INVALID_REQUEST", why);

        const digits = number.replace(/[\s().-]/g, "");
        if (!/^\+?[0-9]{7,15}$/.test(digits)) invalid(`callback number ${JSON.stringify(number)} is not 7–15 digits with country code`);
        if (!isTimeZone(timeZone)) invalid(`${JSON.stringify(timeZone)} is not a time zone`);
        const from = zonedInstant(date, start, timeZone);
        const to = zonedInstant(date, end, timeZone);
        if (from === undefined) invalid(`${JSON.stringify(date)} ${JSON.stringify(start)} is not a date (YYYY-MM-DD) and a time (HH:mm:ss)`);
        if (to === undefined) invalid(`${JSON.stringify(end)} is not a time (HH:mm:ss)`);
        const now = ctx.clock.now();
        const daysAhead = (Date.parse(date) - Date.parse(localDate(now, timeZone))) / DAY;
        if (daysAhead < 0 || daysAhead > 31) invalid(`${date} is not within the next 31 days`);
        if (from! < now + 30 * MINUTE) invalid(`the window must start at least 30 minutes from now`);
        if (to! - from! < 30 * MINUTE || to! - from! > 8 * 60 * MINUTE) invalid(`the window ${start}–${end} must last from 30 minutes to 8 hours`);
        if (!queueId || !(await ctx.center.queueStats(queueId))) fail("3", "INVALID_QUEUE", queueId ? `queue "${queueId}" does not exist` : "no queue");

        const window = { from: new Date(from!).toISOString(), to: new Date(to!).toISOString() };
        ctx.emit({
          type: "activity-result",
          kind: "scheduled-callback",
          text: `callback to ${digits} scheduled ${date} ${start}–${end} ${timeZone} in queue ${queueId}`,
          data: { number: digits, queue: queueId, customerName, date, start, end, timeZone, ...window },
        });
        ctx.scheduleCallback?.({ number: digits, queueId, from: from!, to: to! });
        return port;
      },
    };
  },
};

export default scheduleCallback;
