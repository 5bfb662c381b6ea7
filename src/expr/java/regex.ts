/**
 * java.util.regex as far as templates need it (`split`, `replaceAll`, `replaceFirst`, `matches`),
 * run on RE2 (the `re2js` port): matching time is linear in the input, so no pattern a flow
 * holds — `(a|a)+$`, `(a+)+b`, `(.*a){20}` — can backtrack for seconds on a caller's input.
 *
 * Java syntax is translated to RE2's where the two agree or differ only in spelling (`\uXXXX`,
 * `\e`, `\h`, `\R`, `\p{Lower}`, Java's `\s` and `.`), and refused with a clear error where RE2
 * has no linear-time equivalent: backreferences, lookahead and lookbehind, possessive quantifiers,
 * atomic groups, `\G`, `\Z`, class union and intersection. Java's String.split rules (no leading
 * empty string from a zero-width match, trailing empty strings dropped unless a negative limit is
 * given) and Matcher.replaceAll's replacement syntax (`$1`, `${name}`, `\$`) are implemented here.
 *
 * Linear is not free: re2js needs up to ~100 ns per program instruction and input character when
 * it tracks match positions, and microseconds per match. Each operation's scan (instructions ×
 * characters) and each match are charged to the render's work budget (budget.ts), so a large
 * input ends in a clear error instead of a long pause. A pattern without metacharacters (`,`) is
 * matched with indexOf, as Java's String.split fast path does.
 */
import { RE2JS, RE2JSException } from "re2js";
import { chargeWork } from "../budget.js";
import { fault } from "../errors.js";
import { LITERAL_MATCH_WORK, MAX_COLLECTION, REGEX_MATCH_WORK, REGEX_WORK_PER_STEP } from "../limits.js";

interface Compiled {
  re: RE2JS;
  /** The fixed string a pattern without metacharacters matches; null for a real pattern. */
  literal: string | null;
  /** Work units per input character: 1 for a plain literal, by program size otherwise. */
  unit: number;
}

const cache = new Map<string, Compiled>();
const CACHE_SIZE = 256;

/** Java's POSIX and java.lang.Character classes (US-ASCII, as Java defines them by default). */
const POSIX: Record<string, string> = {
  Lower: "a-z",
  Upper: "A-Z",
  ASCII: "\\x00-\\x7F",
  Alpha: "a-zA-Z",
  Digit: "0-9",
  Alnum: "a-zA-Z0-9",
  Punct: "!-\\/:-@\\[-`{-~",
  Graph: "!-~",
  Print: " -~",
  Blank: " \\t",
  Cntrl: "\\x00-\\x1F\\x7F",
  XDigit: "0-9a-fA-F",
  Space: " \\t\\n\\x0B\\f\\r",
  javaLowerCase: "\\p{Ll}",
  javaUpperCase: "\\p{Lu}",
  javaWhitespace: " \\t\\n\\x0B\\f\\r\\x1C-\\x1F",
  javaDigit: "\\p{Nd}",
  javaLetter: "\\p{L}",
  javaLetterOrDigit: "\\p{L}\\p{Nd}",
};

/** Java's character class escapes RE2 spells differently (members, without brackets). */
const CLASS_ESCAPES: Record<string, string> = {
  s: " \\t\\n\\x0B\\f\\r",
  h: " \\t\\x{A0}\\x{1680}\\x{180E}\\x{2000}-\\x{200A}\\x{202F}\\x{205F}\\x{3000}",
  v: "\\n\\x0B\\f\\r\\x{85}\\x{2028}\\x{2029}",
};

/** Escapes that stand for one control character. */
const CONTROL: Record<string, string> = { t: "\t", n: "\n", r: "\r", f: "\f", a: "\x07" };

/** Java's `.` outside DOTALL: anything but a line terminator. */
const DOT = "[^\\n\\r\\x{85}\\x{2028}\\x{2029}]";

function unsupported(what: string, pattern: string): never {
  fault(`unsupported regular expression '${pattern}': ${what} is not supported (ccflow runs regular expressions on RE2, a linear-time engine)`);
}

function invalid(detail: string, pattern: string): never {
  fault(`invalid regular expression '${pattern}': ${detail}`);
}

function hex(code: number): string {
  return `\\x{${code.toString(16)}}`;
}

/** A literal character for RE2, escaped when it is ASCII punctuation. */
function literalChar(ch: string): string {
  return /[!-/:-@[-`{-~]/.test(ch) ? `\\${ch}` : ch;
}

interface Translation {
  source: string;
  /** The one string the pattern matches when it has no metacharacter and no flag; null otherwise. */
  literal: string | null;
}

/** Java pattern syntax → RE2 syntax; throws a Fault naming what RE2 cannot do. */
export function translate(pattern: string): Translation {
  const p = pattern;
  const dotAll = /\(\?[a-zA-Z]*s[a-zA-Z]*(?:-[a-zA-Z]*)?[:)]/.test(p);
  let out = "";
  let literal = true;
  let literalText = "";
  let inClass = false;
  let classStart = -1;
  // Set right after a quantifier, so that a following `+` (possessive) can be refused.
  let afterQuantifier = false;

  const escape = (i: number): { text: string; next: number; value: string | null } => {
    const n = p[i + 1];
    if (n === undefined) invalid(`a pattern cannot end with a backslash (index ${p.length})`, pattern);
    if (n === "Q") {
      const end = p.indexOf("\\E", i + 2);
      const text = end === -1 ? p.slice(i + 2) : p.slice(i + 2, end);
      return { text: [...text].map(literalChar).join(""), next: end === -1 ? p.length : end + 2, value: text };
    }
    if (n >= "1" && n <= "9") unsupported(`the backreference \\${n}`, pattern);
    if (n === "k") unsupported("a named backreference (\\k<name>)", pattern);
    if (n === "G") unsupported("\\G (end of the previous match)", pattern);
    if (n === "Z") unsupported("\\Z (end of input but for a final line terminator; use \\z or $)", pattern);
    if (n === "X" || n === "N") unsupported(`\\${n}`, pattern);
    if (n === "b" && p[i + 2] === "{") unsupported("\\b{g} (grapheme cluster boundary)", pattern);
    if (n === "0") {
      const m = /^[0-3]?[0-7]{1,2}/.exec(p.slice(i + 2)) ?? /^[0-7]/.exec(p.slice(i + 2));
      if (!m) invalid(`Illegal octal escape sequence near index ${i + 2}`, pattern);
      return { text: hex(parseInt(m[0], 8)), next: i + 2 + m[0].length, value: String.fromCharCode(parseInt(m[0], 8)) };
    }
    if (n === "u") {
      const m = /^[0-9a-fA-F]{4}/.exec(p.slice(i + 2));
      if (!m) invalid(`Illegal Unicode escape sequence near index ${i + 2}`, pattern);
      return { text: hex(parseInt(m[0], 16)), next: i + 6, value: String.fromCharCode(parseInt(m[0], 16)) };
    }
    if (n === "e") return { text: hex(0x1b), next: i + 2, value: "\x1b" };
    if (n === "c") {
      const c = p[i + 2];
      if (c === undefined) invalid(`Illegal control escape sequence near index ${i + 2}`, pattern);
      return { text: hex(c.charCodeAt(0) ^ 64), next: i + 3, value: String.fromCharCode(c.charCodeAt(0) ^ 64) };
    }
    if (n === "p" || n === "P") {
      const m = /^\{([^}]*)\}/.exec(p.slice(i + 2)) ?? /^([A-Za-z])/.exec(p.slice(i + 2));
      if (!m) invalid(`Illegal character property near index ${i + 2}`, pattern);
      const raw = m[1]!;
      const name = raw.startsWith("Is") ? raw.slice(2) : raw;
      const next = i + 2 + m[0].length;
      const posix = POSIX[name];
      if (posix !== undefined) {
        if (!inClass) return { text: n === "p" ? `[${posix}]` : `[^${posix}]`, next, value: null };
        if (n === "P") unsupported(`\\P{${raw}} inside a character class`, pattern);
        return { text: posix, next, value: null };
      }
      if (raw.startsWith("In") || raw.includes("=")) unsupported(`the Unicode block or property \\${n}{${raw}}`, pattern);
      return { text: `\\${n}{${name}}`, next, value: null };
    }
    const members = CLASS_ESCAPES[n] ?? (n === "S" || n === "H" || n === "V" ? CLASS_ESCAPES[n.toLowerCase()] : undefined);
    if (members !== undefined) {
      const negated = n === "S" || n === "H" || n === "V";
      if (inClass) {
        if (negated) {
          if (n === "S") return { text: "\\S", next: i + 2, value: null };
          unsupported(`\\${n} inside a character class`, pattern);
        }
        return { text: members, next: i + 2, value: null };
      }
      return { text: negated ? `[^${members}]` : `[${members}]`, next: i + 2, value: null };
    }
    if (n === "R") {
      if (inClass) invalid(`Illegal/unsupported escape sequence \\R inside a character class near index ${i + 1}`, pattern);
      return { text: "(?:\\r\\n|[\\n\\x0B\\f\\r\\x{85}\\x{2028}\\x{2029}])", next: i + 2, value: null };
    }
    if (/[A-Za-z]/.test(n)) {
      // \t \n \r \f \a \d \w \b \A \z \x…: the same in RE2; other letters are errors in both.
      return { text: `\\${n}`, next: i + 2, value: CONTROL[n] ?? null };
    }
    return { text: literalChar(n), next: i + 2, value: n };
  };

  for (let i = 0; i < p.length; ) {
    const c = p[i]!;
    if (c === "\\") {
      const e = escape(i);
      out += e.text;
      if (e.value === null) literal = false;
      else literalText += e.value;
      i = e.next;
      afterQuantifier = false;
      continue;
    }
    if (inClass) {
      if (c === "[") unsupported("a character class inside a character class (union)", pattern);
      if (c === "&" && p[i + 1] === "&") unsupported("character class intersection (&&)", pattern);
      if (c === "]" && i > classStart) inClass = false;
      out += c === "]" && i === classStart ? "\\]" : c;
      i++;
      continue;
    }
    if (afterQuantifier && c === "+") unsupported(`the possessive quantifier ${p[i - 1]}+`, pattern);
    afterQuantifier = false;
    switch (c) {
      case "[":
        inClass = true;
        literal = false;
        out += "[";
        i++;
        if (p[i] === "^") {
          out += "^";
          i++;
        }
        // Java takes a `]` right after `[` or `[^` literally.
        classStart = i;
        continue;
      case "(": {
        literal = false;
        if (p[i + 1] !== "?") {
          out += "(";
          i++;
          continue;
        }
        const rest = p.slice(i + 2);
        if (rest.startsWith("=") || rest.startsWith("!")) unsupported(`lookahead (?${rest[0]}…)`, pattern);
        if (rest.startsWith("<=") || rest.startsWith("<!")) unsupported(`lookbehind (?${rest.slice(0, 2)}…)`, pattern);
        if (rest.startsWith(">")) unsupported("an atomic group (?>…)", pattern);
        const flags = /^([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(rest);
        if (flags && (flags[1] || flags[2] !== undefined)) {
          const keep = (set: string): string => {
            let kept = "";
            for (const f of set) {
              if (f === "i" || f === "m" || f === "s") kept += f;
              else if (f === "u") continue; // Unicode case folding: RE2 always folds Unicode.
              else if (f === "x") unsupported("the comments flag (?x)", pattern);
              else if (f === "U") unsupported("the UNICODE_CHARACTER_CLASS flag (?U)", pattern);
              else if (f === "d") unsupported("the UNIX_LINES flag (?d)", pattern);
              else invalid(`Unknown inline modifier '${f}' near index ${i + 2}`, pattern);
            }
            return kept;
          };
          const on = keep(flags[1]!);
          const off = flags[2] === undefined ? "" : keep(flags[2]);
          const spec = on + (off ? `-${off}` : "");
          if (flags[3] === ")") out += spec ? `(?${spec})` : "";
          else out += `(?${spec}:`;
          i += 2 + flags[0].length;
          continue;
        }
        if (rest.startsWith(":")) {
          out += "(?:";
          i += 3;
          continue;
        }
        const named = /^P?<[a-zA-Z][a-zA-Z0-9]*>/.exec(rest);
        if (!named) invalid(`Unknown group type near index ${i + 2}`, pattern);
        out += `(?${named[0]}`;
        i += 2 + named[0].length;
        continue;
      }
      case ".":
        literal = false;
        out += dotAll ? "." : DOT;
        i++;
        continue;
      case "*":
      case "+":
      case "?":
        literal = false;
        out += c;
        i++;
        if (p[i] === "?") {
          // Lazy (`a*?`): RE2 has it too.
          out += "?";
          i++;
        } else afterQuantifier = true;
        continue;
      case "{": {
        const q = /^\{\d+(?:,\d*)?\}/.exec(p.slice(i));
        literal = false;
        if (!q) invalid(`Illegal repetition near index ${i}`, pattern);
        out += q[0];
        i += q[0].length;
        if (p[i] === "?") {
          out += "?";
          i++;
        } else afterQuantifier = true;
        continue;
      }
      case "^":
      case "$":
      case "|":
      case ")":
        literal = false;
        out += c;
        i++;
        continue;
      default:
        out += literalChar(c);
        literalText += c;
        i++;
    }
  }
  if (inClass) invalid(`Unclosed character class near index ${p.length - 1}`, pattern);
  return { source: out, literal: literal && p.length > 0 ? literalText : null };
}

function compile(pattern: string): Compiled {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const { source, literal } = translate(pattern);
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (err) {
    if (!(err instanceof RE2JSException)) throw err;
    invalid(err.message.replace(/^error parsing regexp: /, ""), pattern);
  }
  const compiled: Compiled = { re, literal, unit: literal !== null ? 1 : Math.max(1, re.programSize()) * REGEX_WORK_PER_STEP };
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(pattern, compiled);
  return compiled;
}

/** Throws a Fault when the pattern is invalid or uses what RE2 cannot run; `ccflow validate` uses it on literal patterns. */
export function checkJavaRegex(pattern: string): void {
  compile(pattern);
}

/** One match: where it is, and its groups (by number or name; null when a group did not take part). */
interface Match {
  start: number;
  end: number;
  group(g: number | string): string | null;
}

/**
 * The matches of `pattern` in `input`, left to right as Java's Matcher.find() reports them (an
 * empty match moves the next search one character on). The scan and every match are charged to
 * the render's work budget as they happen, so a huge input or a flood of matches stops early.
 */
function* findAll(pattern: string, input: string): Generator<Match> {
  const c = compile(pattern);
  const what = () => `regular expression '${pattern}' over ${input.length} characters`;
  chargeWork(c.unit * (input.length + 1), what);
  const literal = c.literal;
  if (literal !== null) {
    // A fixed string (`,`, `\|`, `\Q…\E`): what Java's own fast path does, with indexOf.
    for (let at = input.indexOf(literal); at >= 0; at = input.indexOf(literal, at + literal.length)) {
      chargeWork(LITERAL_MATCH_WORK, what);
      const start = at;
      yield { start, end: start + literal.length, group: (g) => (g === 0 ? literal : null) };
    }
    return;
  }
  const m = c.re.matcher(input);
  while (m.find()) {
    chargeWork(REGEX_MATCH_WORK, what);
    yield { start: m.start(), end: m.end(), group: (g) => m.group(g) };
  }
}

/** String.split(regex, limit) with Java's rules. */
export function javaSplit(input: string, pattern: string, limit = 0): string[] {
  const out: string[] = [];
  let index = 0;
  const limited = limit > 0;
  for (const { start, end } of findAll(pattern, input)) {
    if (limited && out.length >= limit - 1) break;
    // Java: a zero-width match at the beginning never produces a leading empty string.
    if (index === 0 && start === 0 && end === 0) continue;
    if (out.length >= MAX_COLLECTION) fault(`split would produce more than ${MAX_COLLECTION} elements`);
    out.push(input.slice(index, start));
    index = end;
  }
  if (index === 0 && out.length === 0) return [input];
  out.push(input.slice(index));
  if (limit === 0) while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

type Part = string | number | { name: string };

/** Java's replacement syntax: `$n` (greedy while the number names a group), `${name}`, `\x`. */
function parseReplacement(replacement: string, groupCount: number, names: Record<string, number>): Part[] {
  const parts: Part[] = [];
  let lit = "";
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    if (c === "\\") {
      if (i + 1 >= replacement.length) fault("character to be escaped is missing");
      lit += replacement[++i];
      continue;
    }
    if (c !== "$") {
      lit += c;
      continue;
    }
    if (i + 1 >= replacement.length) fault("Illegal group reference: group index is missing");
    if (lit) parts.push(lit);
    lit = "";
    if (replacement[i + 1] === "{") {
      const m = /^\{([a-zA-Z][a-zA-Z0-9]*)\}/.exec(replacement.slice(i + 1));
      if (!m) fault("named capturing group is missing trailing '}' or has an invalid name");
      if (!(m[1]! in names)) fault(`No group with name {${m[1]}}`);
      parts.push({ name: m[1]! });
      i += m[0].length;
      continue;
    }
    const first = replacement.charCodeAt(i + 1) - 48;
    if (first < 0 || first > 9) fault("Illegal group reference");
    let n = first;
    i++;
    while (i + 1 < replacement.length) {
      const d = replacement.charCodeAt(i + 1) - 48;
      if (d < 0 || d > 9 || n * 10 + d > groupCount) break;
      n = n * 10 + d;
      i++;
    }
    if (n > groupCount) fault(`No group ${n}`);
    parts.push(n);
  }
  if (lit) parts.push(lit);
  return parts;
}

/** Matcher.replaceAll/replaceFirst with Java's replacement syntax (`$1`, `${name}`, `\$`). */
export function javaReplace(input: string, pattern: string, replacement: string, all: boolean): string {
  const { re } = compile(pattern);
  const parts = parseReplacement(replacement, re.groupCount(), re.namedGroups());
  let out = "";
  let index = 0;
  for (const m of findAll(pattern, input)) {
    out += input.slice(index, m.start);
    for (const part of parts) {
      if (typeof part === "string") out += part;
      else out += m.group(typeof part === "number" ? part : part.name) ?? "";
    }
    index = m.end;
    if (!all) break;
  }
  return out + input.slice(index);
}

/** String.matches: the whole input must match. */
export function javaMatches(input: string, pattern: string): boolean {
  const c = compile(pattern);
  chargeWork(c.unit * (input.length + 1), () => `regular expression '${pattern}' over ${input.length} characters`);
  return c.literal !== null ? input === c.literal : c.re.matches(input);
}
