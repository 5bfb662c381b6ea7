/**
 * java.text.DecimalFormat (Locale.US symbols) for the `numberformat` filter: `#`, `0`, grouping
 * `,`, decimal `.`, literal prefix/suffix (quotes), `%` and `‰` multipliers, `¤` ($), a negative
 * subpattern after `;`, and scientific `0.###E0`. Rounding is HALF_EVEN on the exact binary value
 * of a double, as DecimalFormat does since Java 8 (so 0.125 → "0.12", 0.135 → "0.14").
 */
import { fault } from "../errors.js";
import { isDouble, numValue, type JDouble } from "../values.js";

interface Pattern {
  posPrefix: string;
  posSuffix: string;
  negPrefix: string;
  negSuffix: string;
  minInt: number;
  maxInt: number;
  minFrac: number;
  maxFrac: number;
  grouping: number;
  multiplier: number;
  showDecimal: boolean;
  /** Minimum exponent digits when scientific, else 0. */
  expDigits: number;
}

const cache = new Map<string, Pattern>();


function parseAffix(text: string, start: number, stopAtNumber: boolean): { value: string; end: number; multiplier: number } {
  let value = "";
  let multiplier = 1;
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close === -1) fault(`Malformed pattern "${text}": unclosed quote`);
      value += close === i + 1 ? "'" : text.slice(i + 1, close);
      i = close + 1;
      continue;
    }
    if (c === ";") break;
    if (stopAtNumber && "#0,.".includes(c)) break;
    if (c === "%") multiplier = 100;
    else if (c === "\u2030") multiplier = 1000;
    if (c === "\u00a4") value += "$";
    else value += c;
    i++;
  }
  return { value, end: i, multiplier };
}

function compile(pattern: string): Pattern {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const pre = parseAffix(pattern, 0, true);
  let i = pre.end;
  let intPart = "";
  let fracPart = "";
  let expPart = "";
  let seenDot = false;
  for (; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "E") {
      let j = i + 1;
      while (pattern[j] === "0") j++;
      expPart = pattern.slice(i + 1, j);
      if (!expPart) fault(`Malformed exponential pattern "${pattern}"`);
      i = j;
      break;
    }
    if (c === ".") {
      if (seenDot) fault(`Multiple decimal separators in pattern "${pattern}"`);
      seenDot = true;
    } else if (c === "#" || c === "0" || c === ",") {
      if (seenDot) {
        if (c === ",") fault(`Malformed pattern "${pattern}"`);
        fracPart += c;
      } else intPart += c;
    } else break;
  }
  const suf = parseAffix(pattern, i, false);
  i = suf.end;
  let negPrefix = `-${pre.value}`;
  let negSuffix = suf.value;
  if (pattern[i] === ";") {
    const np = parseAffix(pattern, i + 1, true);
    let j = np.end;
    while (j < pattern.length && "#0,.E".includes(pattern[j]!)) j++;
    const ns = parseAffix(pattern, j, false);
    negPrefix = np.value;
    negSuffix = ns.value;
  }
  if (/0.*#/.test(intPart.replace(/,/g, ""))) fault(`Unexpected '0' in pattern "${pattern}"`);
  if (/#.*0/.test(fracPart)) fault(`Unexpected '0' in pattern "${pattern}"`);
  if (!intPart && !fracPart && !seenDot) fault(`Malformed pattern "${pattern}": no digits`);
  const lastComma = intPart.lastIndexOf(",");
  const digitsOnly = intPart.replace(/,/g, "");
  const p: Pattern = {
    posPrefix: pre.value,
    posSuffix: suf.value,
    negPrefix,
    negSuffix,
    minInt: (digitsOnly.match(/0/g) ?? []).length,
    maxInt: expPart ? digitsOnly.length : Number.MAX_SAFE_INTEGER,
    minFrac: (fracPart.match(/0/g) ?? []).length,
    maxFrac: fracPart.length,
    grouping: lastComma === -1 ? 0 : intPart.length - lastComma - 1,
    multiplier: pre.multiplier !== 1 ? pre.multiplier : suf.multiplier,
    showDecimal: seenDot && fracPart.length === 0,
    expDigits: expPart.length,
  };
  if (lastComma !== -1 && p.grouping === 0) fault(`Malformed pattern "${pattern}": grouping separator at the end`);

  if (cache.size > 256) cache.clear();
  cache.set(pattern, p);
  return p;
}

/** Exact decimal digits of |v|: integer digits and fraction digits (fraction exact to 100 places). */
function exactDigits(abs: number): { int: string; frac: string } {
  if (abs >= 1e21) return { int: BigInt(abs).toString(), frac: "" };
  const s = abs.toFixed(100);
  const [int, frac = ""] = s.split(".") as [string, string?];
  return { int, frac: frac.replace(/0+$/, "") };
}

/** Rounds int.frac HALF_EVEN to `maxFrac` fraction digits. */
function roundHalfEven(int: string, frac: string, maxFrac: number): { int: string; frac: string } {
  if (frac.length <= maxFrac) return { int, frac };
  const keep = frac.slice(0, maxFrac);
  const rest = frac.slice(maxFrac);
  const first = Number(rest[0]);
  const beyond = /[1-9]/.test(rest.slice(1));
  const lastKept = Number((maxFrac > 0 ? keep[keep.length - 1] : int[int.length - 1]) ?? "0");
  const up = first > 5 || (first === 5 && (beyond || lastKept % 2 === 1));
  if (!up) return { int, frac: keep };
  const digits = (int + keep).split("").map(Number);
  let i = digits.length - 1;
  while (i >= 0) {
    if (digits[i]! < 9) {
      digits[i]!++;
      break;
    }
    digits[i] = 0;
    i--;
  }
  let all = digits.join("");
  if (i < 0) all = `1${all}`;
  const intLen = all.length - maxFrac;
  return { int: all.slice(0, intLen), frac: all.slice(intLen) };
}

function group(int: string, size: number): string {
  if (size <= 0 || int.length <= size) return int;
  let out = "";
  for (let i = 0; i < int.length; i++) {
    if (i > 0 && (int.length - i) % size === 0) out += ",";
    out += int[i];
  }
  return out;
}

export function decimalFormat(value: number | JDouble, pattern: string | null): string {
  const p = compile(pattern ?? "#,##0.###");
  let v = numValue(value);
  const double = isDouble(value);
  if (Number.isNaN(v)) return "NaN";
  if (p.multiplier !== 1) v *= p.multiplier;
  const negative = v < 0 || (double && Object.is(v, -0));
  const abs = Math.abs(v);
  if (!Number.isFinite(abs)) return `${negative ? p.negPrefix : p.posPrefix}\u221e${negative ? p.negSuffix : p.posSuffix}`;
  let body: string;
  if (p.expDigits > 0) body = scientific(abs, p);
  else {
    let { int, frac } = double || !Number.isSafeInteger(abs) ? exactDigits(abs) : { int: String(abs), frac: "" };
    ({ int, frac } = roundHalfEven(int, frac, p.maxFrac));
    int = int.replace(/^0+/, "");
    frac = frac.replace(/0+$/, "");
    if (frac.length < p.minFrac) frac = frac.padEnd(p.minFrac, "0");
    if (int.length < p.minInt) int = int.padStart(p.minInt, "0");
    int = group(int, p.grouping);
    // DecimalFormat prints a lone zero when neither integer nor fraction digits remain.
    if (int === "" && frac === "") int = "0";
    body = frac || p.showDecimal ? `${int}.${frac}` : int;
  }
  return negative ? `${p.negPrefix}${body}${p.negSuffix}` : `${p.posPrefix}${body}${p.posSuffix}`;
}

function scientific(abs: number, p: Pattern): string {
  const intDigits = Math.max(1, p.minInt);
  let exp = abs === 0 ? 0 : Math.floor(Math.log10(abs));
  exp -= intDigits - 1;
  let mant = abs / 10 ** exp;
  let { int, frac } = exactDigits(mant);
  ({ int, frac } = roundHalfEven(int, frac, p.maxFrac));
  if (int.length > intDigits) {
    exp += 1;
    mant = abs / 10 ** exp;
    ({ int, frac } = exactDigits(mant));
    ({ int, frac } = roundHalfEven(int, frac, p.maxFrac));
  }
  frac = frac.replace(/0+$/, "");
  if (frac.length < p.minFrac) frac = frac.padEnd(p.minFrac, "0");
  int = int.padStart(intDigits, "0");
  const e = String(Math.abs(exp)).padStart(p.expDigits, "0");
  return `${int}${frac ? `.${frac}` : ""}E${exp < 0 ? "-" : ""}${e}`;
}
