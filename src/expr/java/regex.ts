/**
 * java.util.regex as far as templates need it (`split`, `replaceAll`, `matches`): Java syntax is
 * translated to a JavaScript RegExp where the two agree, and refused with a clear error where they
 * do not (possessive quantifiers, atomic groups, class intersections). Java's String.split rules
 * (no leading empty string from a zero-width match, trailing empty strings dropped unless a
 * negative limit is given) are implemented here, not borrowed from JavaScript's split.
 */
import { fault } from "../errors.js";

const cache = new Map<string, RegExp>();

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
  javaLowerCase: "a-z",
  javaUpperCase: "A-Z",
  javaWhitespace: " \\t\\n\\x0B\\f\\r\\x1C-\\x1F",
};

function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

function translate(pattern: string): { source: string; flags: string } {
  let flags = "";
  let p = pattern;
  const inline = /^\(\?([a-zA-Z]+)\)/.exec(p);
  if (inline) {
    for (const f of inline[1]!) {
      if (f === "i" || f === "m" || f === "s") {
        if (!flags.includes(f)) flags += f;
      } else fault(`regular expression flag '${f}' is not supported: ${pattern}`);
    }
    p = p.slice(inline[0].length);
  }
  let out = "";
  let inClass = false;
  // Per open group: does it contain an unbounded quantifier? A group that does and is itself
  // repeated without bound (`(a+)+`, `(\w*\s?)*`) can backtrack for exponential time; refused.
  const groups: boolean[] = [];
  let lastClosedHadQuantifier = false;
  const unboundedAt = (i: number): boolean => p[i] === "*" || p[i] === "+" || (p[i] === "{" && /^\{\d+,\}/.test(p.slice(i)));
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (!inClass && c !== "\\") {
      if (c === "(") groups.push(false);
      else if (c === ")") {
        lastClosedHadQuantifier = groups.pop() ?? false;
        if (lastClosedHadQuantifier && unboundedAt(i + 1)) fault(`nested repetition such as (a+)+ is not supported (it can take exponential time): ${pattern}`);
        if (lastClosedHadQuantifier && groups.length) groups[groups.length - 1] = true;
      } else if (unboundedAt(i) && groups.length) groups[groups.length - 1] = true;
    }
    if (c === "\\") {
      const n = p[i + 1];
      if (n === undefined) fault(`Unexpected internal error near index ${p.length}: ${pattern}`);
      if (n === "Q") {
        const end = p.indexOf("\\E", i + 2);
        const lit = end === -1 ? p.slice(i + 2) : p.slice(i + 2, end);
        out += escapeLiteral(lit);
        i = end === -1 ? p.length : end + 1;
        continue;
      }
      if (n === "p" || n === "P") {
        const m = /^\{(?:Is)?(\w+)\}/.exec(p.slice(i + 2));
        const cls = m ? POSIX[m[1]!] : undefined;
        if (!m || cls === undefined) fault(`character class \\${n}${m ? m[0] : ""} is not supported: ${pattern}`);
        const body = cls;
        out += inClass ? (n === "p" ? body : fault(`negated class inside [] is not supported: ${pattern}`)) : n === "p" ? `[${body}]` : `[^${body}]`;
        i += 1 + m[0].length;
        continue;
      }
      if (n === "h") {
        out += inClass ? " \\t\\xA0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000" : "[ \\t\\xA0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000]";
        i++;
        continue;
      }
      if (n === "z") {
        out += "(?![\\s\\S])";
        i++;
        continue;
      }
      if (n === "Z") {
        out += "(?=(?:\\r\\n|[\\n\\r\\u0085\\u2028\\u2029])?(?![\\s\\S]))";
        i++;
        continue;
      }
      if (n === "A") {
        out += "(?<![\\s\\S])";
        i++;
        continue;
      }
      if (n === "R") {
        out += "(?:\\r\\n|[\\n\\x0B\\f\\r\\x85\\u2028\\u2029])";
        i++;
        continue;
      }
      if (n === "G" || n === "X" || n === "N") fault(`\\${n} is not supported: ${pattern}`);
      out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === "[") fault(`nested character classes are not supported: ${pattern}`);
      if (c === "&" && p[i + 1] === "&") fault(`character class intersection is not supported: ${pattern}`);
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (p[i + 1] === "^") {
        out += "^";
        i++;
      }
      // Java allows `]` right after `[` or `[^` as a literal.
      if (p[i + 1] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if ((c === "+" && i > 0 && /[*+?}]/.test(p[i - 1]!) && p[i - 2] !== "\\") || p.startsWith("(?>", i)) {
      fault(`possessive quantifiers and atomic groups are not supported: ${pattern}`);
    }
    out += c;
  }
  if (inClass) fault(`Unclosed character class near index ${p.length - 1}: ${pattern}`);
  return { source: out, flags };
}

/** A global RegExp for a Java pattern (cached); throws a Fault for invalid or unsupported syntax. */
export function javaRegex(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  const { source, flags } = translate(pattern);
  try {
    re = new RegExp(source, `g${flags}`);
  } catch (err) {
    const detail = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "");
    fault(`invalid regular expression '${pattern}': ${detail}`);
  }
  if (cache.size > 256) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** String.split(regex, limit) with Java's rules. */
export function javaSplit(input: string, pattern: string, limit = 0): string[] {
  // Java's fast path (one literal character) behaves like the regex path; one code path suffices.
  const re = javaRegex(pattern);
  re.lastIndex = 0;
  const out: string[] = [];
  let index = 0;
  const limited = limit > 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(input)) !== null) {
    const start = m.index;
    const end = start + m[0].length;
    // Java's find() moves one character past an empty match.
    if (m[0].length === 0) re.lastIndex = end + 1;
    if (limited && out.length >= limit - 1) break;
    if (index === 0 && start === 0 && end === 0) continue;
    out.push(input.slice(index, start));
    index = end;
  }
  if (index === 0 && out.length === 0) return [input];
  out.push(input.slice(index));
  if (limit === 0) while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

/** Matcher.replaceAll/replaceFirst with Java's replacement syntax (`$1`, `${name}`, `\$`). */
export function javaReplace(input: string, pattern: string, replacement: string, all: boolean): string {
  const re = javaRegex(pattern);
  const parts: Array<string | number> = [];
  let lit = "";
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    if (c === "\\") {
      if (i + 1 >= replacement.length) fault("character to be escaped is missing");
      lit += replacement[++i];
    } else if (c === "$") {
      const m = /^\d+/.exec(replacement.slice(i + 1));
      if (!m) fault("Illegal group reference");
      if (lit) parts.push(lit);
      lit = "";
      parts.push(Number(m[0]));
      i += m[0].length;
    } else lit += c;
  }
  if (lit) parts.push(lit);
  let count = 0;
  re.lastIndex = 0;
  return input.replace(re, (...groups: unknown[]) => {
    if (!all && count++ > 0) return String(groups[0]);
    let s = "";
    for (const p of parts) {
      if (typeof p === "string") s += p;
      else {
        const g = groups[p];
        if (typeof g !== "string" && g !== undefined) fault(`No group ${p}`);
        if (p >= groups.length - 2) fault(`No group ${p}`);
        s += g ?? "";
      }
    }
    return s;
  });
}

/** String.matches: the whole input must match. */
export function javaMatches(input: string, pattern: string): boolean {
  const re = javaRegex(pattern);
  const whole = new RegExp(`^(?:${re.source})$`, re.flags.replace("g", ""));
  return whole.test(input);
}
