/**
 * Java date patterns, both dialects Pebble's `date` filter uses: java.text.SimpleDateFormat (for
 * java.util.Date, numbers and strings, with `existingFormat` parsing) and
 * java.time.format.DateTimeFormatter (for ZonedDateTime such as `now()`). English (Locale.US)
 * month and day names. Written here because no JavaScript library implements Java's patterns
 * faithfully (letter meanings, padding, quoting and lenient parsing all differ).
 */
import { fault } from "../errors.js";
import { instantOf, offsetId, wallOf, zoneName, type Wall, type Zone } from "./zone.js";

export type Dialect = "simple" | "java.time";

type Part = { letter: string; count: number } | { text: string };

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const SIMPLE_LETTERS = "GyYMLwWDdFEuaHkKhmsSzZX";
const TIME_LETTERS = "GuyDMLdQqYwWEecFaBhKkHmsSAnNVvzOXxZ";
const cache = new Map<string, Part[]>();

function compile(pattern: string, dialect: Dialect): Part[] {
  const key = `${dialect}\u0000${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const parts: Part[] = [];
  const lit = (t: string) => {
    const last = parts[parts.length - 1];
    if (last && "text" in last) last.text += t;
    else parts.push({ text: t });
  };
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        lit("'");
        i += 2;
        continue;
      }
      let j = i + 1;
      let text = "";
      for (;;) {
        if (j >= pattern.length) fault(`Unterminated quote in pattern '${pattern}'`);
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j];
        j++;
      }
      lit(text);
      i = j + 1;
      continue;
    }
    if (/[a-zA-Z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      const count = j - i;
      if (dialect === "simple") {
        if (!SIMPLE_LETTERS.includes(c)) fault(`Illegal pattern character '${c}'`);
        if (c === "X" && count > 3) fault("invalid ISO 8601 format: length=" + count);
      } else {
        if (!TIME_LETTERS.includes(c)) fault(`Unknown pattern letter: ${c}`);
        const max: Record<string, number> = { d: 2, H: 2, h: 2, K: 2, k: 2, m: 2, s: 2, D: 3, a: 1, M: 5, L: 5, E: 5, e: 5, c: 5, Q: 5, q: 5, G: 5, X: 5, x: 5, Z: 5, z: 4, O: 4, V: 2 };
        const limit = max[c];
        if (limit !== undefined && count > limit) fault(`Too many pattern letters: ${c}`);
        if (c === "V" && count !== 2) fault("Pattern letter count must be 2: V");
        if (c === "O" && count !== 1 && count !== 4) fault("Pattern letter count must be 1 or 4: O");
      }
      parts.push({ letter: c, count });
      i = j;
      continue;
    }
    if (dialect === "java.time" && (c === "[" || c === "]")) {
      // Optional sections: every field of a ZonedDateTime is available, so they always print.
      i++;
      continue;
    }
    if (dialect === "java.time" && (c === "{" || c === "}" || c === "#")) fault(`Pattern includes reserved character: '${c}'`);
    lit(c);
    i++;
  }
  if (cache.size > 256) cache.clear();
  cache.set(key, parts);
  return parts;
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n));
  return (n < 0 ? "-" : "") + (s.length >= width ? s : "0".repeat(width - s.length) + s);
}

/** Week-based fields for Locale.US (weeks start on Sunday, week 1 contains January 1). */
function usWeek(w: Wall): { weekYear: number; week: number } {
  const sundayBased = w.dow % 7; // 0 = Sunday
  const jan1 = new Date(Date.UTC(w.year, 0, 1)).getUTCDay();
  let week = Math.floor((w.doy - 1 + jan1) / 7) + 1;
  let weekYear = w.year;
  const daysInYear = (w.year % 4 === 0 && w.year % 100 !== 0) || w.year % 400 === 0 ? 366 : 365;
  // The days of the last week that reaches into next year belong to week 1 of next year.
  const daysLeft = daysInYear - w.doy;
  if (daysLeft < 6 - sundayBased) {
    weekYear = w.year + 1;
    week = 1;
  }
  return { weekYear, week };
}

function offsetText(sec: number, letter: string, count: number, dialect: Dialect): string {
  const sign = sec < 0 ? "-" : "+";
  const a = Math.abs(sec);
  const hh = pad(Math.floor(a / 3600), 2);
  const mm = pad(Math.floor((a % 3600) / 60), 2);
  switch (letter) {
    case "Z":
      if (dialect === "java.time" && count === 4) return sec === 0 ? "GMT" : `GMT${sign}${hh}:${mm}`;
      if (dialect === "java.time" && count === 5) return sec === 0 ? "Z" : `${sign}${hh}:${mm}`;
      return `${sign}${hh}${mm}`;
    case "X":
    case "x": {
      if (letter === "X" && sec === 0) return "Z";
      if (count === 1) return mm === "00" ? `${sign}${hh}` : `${sign}${hh}${mm}`;
      if (count === 2 || count === 4) return `${sign}${hh}${mm}`;
      return `${sign}${hh}:${mm}`;
    }
    case "O":
      if (sec === 0) return "GMT";
      return count === 4 ? `GMT${sign}${hh}:${mm}` : `GMT${sign}${Number(hh)}${mm === "00" ? "" : `:${mm}`}`;
  }
  return offsetId(sec);
}

/** Formats an instant in a zone with a Java pattern. */
export function formatInstant(epochMs: number, zone: Zone, pattern: string, dialect: Dialect): string {
  const parts = compile(pattern, dialect);
  const w = wallOf(epochMs, zone);
  let out = "";
  for (const part of parts) {
    if ("text" in part) {
      out += part.text;
      continue;
    }
    const { letter, count } = part;
    switch (letter) {
      case "G":
        out += count === 4 ? "Anno Domini" : count === 5 ? "A" : "AD";
        break;
      case "y":
      case "u":
        if (letter === "u" && dialect === "simple") {
          out += pad(w.dow, count);
          break;
        }
        out += count === 2 ? pad(((w.year % 100) + 100) % 100, 2) : pad(w.year, count);
        break;
      case "Y":
        out += count === 2 ? pad(usWeek(w).weekYear % 100, 2) : pad(usWeek(w).weekYear, count);
        break;
      case "M":
      case "L":
        out += count >= 5 ? MONTHS[w.month - 1]![0] : count === 4 ? MONTHS[w.month - 1] : count === 3 ? MONTHS[w.month - 1]!.slice(0, 3) : pad(w.month, count);
        break;
      case "Q":
      case "q": {
        const q = Math.ceil(w.month / 3);
        out += count >= 4 ? `${["1st", "2nd", "3rd", "4th"][q - 1]} quarter` : count === 3 ? `Q${q}` : pad(q, count);
        break;
      }
      case "w":
        out += pad(usWeek(w).week, count);
        break;
      case "W": {
        const firstDow = new Date(Date.UTC(w.year, w.month - 1, 1)).getUTCDay();
        out += pad(Math.floor((w.day - 1 + firstDow) / 7) + 1, count);
        break;
      }
      case "D":
        out += pad(w.doy, count);
        break;
      case "d":
        out += pad(w.day, count);
        break;
      case "F":
        out += pad(Math.floor((w.day - 1) / 7) + 1, count);
        break;
      case "E":
      case "e":
      case "c":
        if ((letter === "e" || letter === "c") && count <= 2) out += pad((w.dow % 7) + 1, count);
        else out += count >= 5 ? DAYS[w.dow - 1]![0] : count === 4 ? DAYS[w.dow - 1] : DAYS[w.dow - 1]!.slice(0, 3);
        break;
      case "a":
        out += w.hour < 12 ? "AM" : "PM";
        break;
      case "B":
        out += w.hour >= 6 && w.hour < 12 ? "in the morning" : w.hour >= 12 && w.hour < 18 ? "in the afternoon" : w.hour >= 18 && w.hour < 21 ? "in the evening" : "at night";
        break;
      case "H":
        out += pad(w.hour, count);
        break;
      case "k":
        out += pad(w.hour === 0 ? 24 : w.hour, count);
        break;
      case "K":
        out += pad(w.hour % 12, count);
        break;
      case "h":
        out += pad(w.hour % 12 === 0 ? 12 : w.hour % 12, count);
        break;
      case "m":
        out += pad(w.minute, count);
        break;
      case "s":
        out += pad(w.second, count);
        break;
      case "S":
        // SimpleDateFormat: the millisecond number; java.time: a fraction of the second.
        out += dialect === "simple" ? pad(w.ms, count) : pad(w.ms, 3).padEnd(count, "0").slice(0, count);
        break;
      case "A":
        out += pad(((w.hour * 60 + w.minute) * 60 + w.second) * 1000 + w.ms, count);
        break;
      case "n":
        out += pad(w.ms * 1_000_000, count);
        break;
      case "N":
        out += pad((((w.hour * 60 + w.minute) * 60 + w.second) * 1000 + w.ms) * 1_000_000, count);
        break;
      case "V":
        out += zone.id;
        break;
      case "v":
      case "z":
        out += zoneName(zone, epochMs, count >= 4);
        break;
      default:
        out += offsetText(w.offsetSec, letter, count, dialect);
    }
  }
  return out;
}

const ZONE_ABBREVIATIONS: Record<string, number> = {
  UTC: 0, GMT: 0, UT: 0, Z: 0,
  EST: -5, EDT: -4, CST: -6, CDT: -5, MST: -7, MDT: -6, PST: -8, PDT: -7,
  AKST: -9, AKDT: -8, HST: -10, CET: 1, CEST: 2, WET: 0, WEST: 1, EET: 2, EEST: 3, BST: 1, IST: 5.5, JST: 9,
};

function matchName(text: string, pos: number, names: readonly string[]): { index: number; length: number } | null {
  const lower = text.slice(pos).toLowerCase();
  let best: { index: number; length: number } | null = null;
  names.forEach((name, index) => {
    for (const candidate of [name, name.slice(0, 3)]) {
      if (lower.startsWith(candidate.toLowerCase()) && (!best || candidate.length > best.length)) best = { index, length: candidate.length };
    }
  });
  return best;
}

function parseZone(text: string, pos: number, letter: string): { offsetSec: number; length: number } | null {
  const rest = text.slice(pos);
  if (letter === "X" && rest.startsWith("Z")) return { offsetSec: 0, length: 1 };
  let m = /^(?:GMT|UTC)(?:([+-])(\d{1,2})(?::?(\d{2}))?)?/.exec(rest);
  if (m) {
    const sec = m[1] ? (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60) * (m[1] === "-" ? -1 : 1) : 0;
    return { offsetSec: sec, length: m[0].length };
  }
  m = /^([+-])(\d{2})(?::?(\d{2}))?/.exec(rest);
  if (m) return { offsetSec: (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60) * (m[1] === "-" ? -1 : 1), length: m[0].length };
  if (letter !== "X") {
    m = /^[A-Z]{2,5}/.exec(rest);
    if (m) {
      for (let len = m[0].length; len >= 2; len--) {
        const hours = ZONE_ABBREVIATIONS[m[0].slice(0, len)];
        if (hours !== undefined) return { offsetSec: hours * 3600, length: len };
      }
    }
  }
  return null;
}

/**
 * SimpleDateFormat.parse(text) in lenient mode: parses from the start, ignores trailing text,
 * out-of-range fields roll over; without a zone in the text, `defaultZone` applies. Returns epoch ms.
 */
export function parseSimple(text: string, pattern: string, defaultZone: Zone, nowMs: number): number {
  const parts = compile(pattern, "simple");
  let pos = 0;
  let year = 1970;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let ms = 0;
  let pm: boolean | null = null;
  let hour12 = false;
  let offset: number | null = null;
  const fail: () => never = () => fault(`Unparseable date with format '${pattern}'`);
  for (let pi = 0; pi < parts.length; pi++) {
    const part = parts[pi]!;
    if ("text" in part) {
      for (const ch of part.text) {
        if (ch === " " || ch === "\t") {
          // Whitespace in the pattern matches any run of whitespace, including none.
          while (text[pos] === " " || text[pos] === "\t") pos++;
          continue;
        }
        if (text[pos] !== ch) fail();
        pos++;
      }
      continue;
    }
    const { letter, count } = part;
    if ((letter === "M" || letter === "L") && count >= 3) {
      const hit = matchName(text, pos, MONTHS);
      if (!hit) fail();
      month = hit.index + 1;
      pos += hit.length;
      continue;
    }
    if (letter === "E") {
      const hit = matchName(text, pos, DAYS);
      if (!hit) fail();
      pos += hit.length;
      continue;
    }
    if (letter === "a") {
      const t = text.slice(pos, pos + 2).toUpperCase();
      if (t !== "AM" && t !== "PM") fail();
      pm = t === "PM";
      pos += 2;
      continue;
    }
    if (letter === "G") {
      const t = text.slice(pos, pos + 2).toUpperCase();
      if (t !== "AD" && t !== "BC") fail();
      pos += 2;
      continue;
    }
    if (letter === "z" || letter === "Z" || letter === "X") {
      const z = parseZone(text, pos, letter);
      if (!z) fail();
      offset = z.offsetSec;
      pos += z.length;
      continue;
    }
    // Numbers: fixed width when the next part is another number (`yyyyMMdd`), greedy otherwise.
    const next = parts[pi + 1];
    const fixed = next !== undefined && "letter" in next && !"zZXEaG".includes(next.letter) && !((next.letter === "M" || next.letter === "L") && next.count >= 3);
    let j = pos;
    if (text[j] === "-" && (letter === "y" || letter === "Y")) j++;
    const digitsStart = j;
    while (j < text.length && /[0-9]/.test(text[j]!) && (!fixed || j - digitsStart < count)) j++;
    if (j === digitsStart) fail();
    const n = Number(text.slice(pos, j));
    const width = j - digitsStart;
    pos = j;
    switch (letter) {
      case "y":
      case "Y":
        if (count <= 2 && width === 2 && n >= 0) {
          // Two-digit years fall within 80 years before and 20 years after now.
          const nowYear = new Date(nowMs).getUTCFullYear();
          const start = nowYear - 80;
          let y = Math.floor(start / 100) * 100 + n;
          if (y < start) y += 100;
          year = y;
        } else year = n;
        break;
      case "M":
      case "L":
        month = n;
        break;
      case "d":
        day = n;
        break;
      case "H":
        hour = n;
        break;
      case "k":
        hour = n === 24 ? 0 : n;
        break;
      case "h":
        hour = n === 12 ? 0 : n;
        hour12 = true;
        break;
      case "K":
        hour = n;
        hour12 = true;
        break;
      case "m":
        minute = n;
        break;
      case "s":
        second = n;
        break;
      case "S":
        ms = n;
        break;
      case "D": {
        month = 1;
        day = n;
        break;
      }
      default:
        // u, w, W, F: parsed and ignored, as they do not override an explicit date.
        break;
    }
  }
  if (pm !== null && (hour12 || pm)) hour = (hour % 12) + (pm ? 12 : 0);
  if (offset !== null) return instantOf({ id: "offset", fixed: offset, region: false }, year, month, day, hour, minute, second, ms);
  return instantOf(defaultZone, year, month, day, hour, minute, second, ms);
}
