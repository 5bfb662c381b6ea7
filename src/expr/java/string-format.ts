/**
 * java.lang.String.format for the `format` filter: %s %S %d %x %X %o %f %e %E %g %b %c %h %n %%,
 * flags `-#+ 0,(`, width, precision, explicit (`%2$s`) and relative (`%<s`) indexes. Type rules
 * are Java's: `%d` with a Double fails ("d != java.lang.Double"), `%f` with a Long fails.
 * Floating-point rounding is HALF_UP on the shortest decimal form, as Java's Formatter does
 * (`%.2f` of 0.125 is "0.13", of 1.005 is "1.01").
 */
import { fault } from "../errors.js";
import { MAX_OUTPUT } from "../limits.js";
import { javaString } from "../stringify.js";
import { isDouble, isLong, isNumber, JChar, javaClassName, numValue } from "../values.js";
import { javaStringHash } from "./strings.js";

const SPEC = /%(\d+\$|<)?([-#+ 0,(]*)(\d+)?(\.\d+)?([a-zA-Z%])/g;

function groupDigits(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Shortest decimal digits and exponent of a positive finite double (value = 0.d1d2… × 10^exp). */
function shortestDigits(abs: number): { digits: string; exp: number } {
  const [mant, e] = abs.toExponential().split("e") as [string, string];
  return { digits: mant.replace(".", ""), exp: Number(e) + 1 };
}

/** Rounds a digit string HALF_UP to `keep` digits; returns the new digits and whether it carried. */
function roundHalfUp(digits: string, keep: number): { digits: string; carry: boolean } {
  if (keep < 0) return { digits: "", carry: false };
  if (digits.length <= keep) return { digits: digits.padEnd(keep, "0"), carry: false };
  const head = digits.slice(0, keep).split("").map(Number);
  if (Number(digits[keep]) >= 5) {
    let i = head.length - 1;
    while (i >= 0) {
      if (head[i]! < 9) {
        head[i]!++;
        break;
      }
      head[i] = 0;
      i--;
    }
    if (i < 0) return { digits: `1${head.join("")}`, carry: true };
  }
  return { digits: head.join(""), carry: false };
}

/** Fixed notation with `prec` fraction digits of a positive finite double. */
export function fixedHalfUp(abs: number, prec: number): string {
  if (abs === 0) return prec > 0 ? `0.${"0".repeat(prec)}` : "0";
  const { digits, exp } = shortestDigits(abs);
  // value = 0.digits × 10^exp; keep exp + prec digits.
  let all: string;
  let intLen: number;
  if (exp + prec < 0) return prec > 0 ? `0.${"0".repeat(prec)}` : "0";
  const r = roundHalfUp(digits, exp + prec);
  all = r.digits;
  intLen = exp + (r.carry ? 1 : 0);
  if (intLen <= 0) {
    all = "0".repeat(-intLen + 1) + all;
    intLen = 1;
  }
  const int = all.slice(0, intLen) || "0";
  const frac = all.slice(intLen, intLen + prec).padEnd(prec, "0");
  return prec > 0 ? `${int}.${frac}` : int;
}

function sciHalfUp(abs: number, prec: number, upper: boolean): string {
  let mant: string;
  let e: number;
  if (abs === 0) {
    mant = prec > 0 ? `0.${"0".repeat(prec)}` : "0";
    e = 0;
  } else {
    const { digits, exp } = shortestDigits(abs);
    const r = roundHalfUp(digits, prec + 1);
    e = exp - 1 + (r.carry ? 1 : 0);
    const d = r.carry ? r.digits.slice(0, prec + 1) : r.digits;
    mant = prec > 0 ? `${d[0]}.${d.slice(1)}` : d[0]!;
  }
  const es = `${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  return `${mant}${upper ? "E" : "e"}${es}`;
}

function pad(s: string, width: number | undefined, left: boolean, zero = false, signLen = 0): string {
  if (width === undefined || s.length >= width) return s;
  if (width > MAX_OUTPUT) fault(`format width ${width} is too large`);
  if (zero) return s.slice(0, signLen) + "0".repeat(width - s.length) + s.slice(signLen);
  return left ? s + " ".repeat(width - s.length) : " ".repeat(width - s.length) + s;
}

function signed(neg: boolean, body: string, flags: string): { text: string; signLen: number } {
  if (neg) return flags.includes("(") ? { text: `(${body})`, signLen: 1 } : { text: `-${body}`, signLen: 1 };
  if (flags.includes("+")) return { text: `+${body}`, signLen: 1 };
  if (flags.includes(" ")) return { text: ` ${body}`, signLen: 1 };
  return { text: body, signLen: 0 };
}

export function javaFormat(format: string, args: readonly unknown[]): string {
  let ordinary = 0;
  let last = -1;
  let out = "";
  let pos = 0;
  SPEC.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = SPEC.exec(format)) !== null) {
    const literal = format.slice(pos, m.index);
    if (literal.includes("%")) fault(`Unknown format conversion in '${format}' near index ${pos + literal.indexOf("%")}`);
    out += literal;
    pos = m.index + m[0].length;
    const [spec, index, flags = "", widthText, precText, conv] = m as unknown as [string, string | undefined, string, string | undefined, string | undefined, string];
    const width = widthText === undefined ? undefined : Number(widthText);
    const precision = precText === undefined ? undefined : Number(precText.slice(1));
    const left = flags.includes("-");
    if (conv === "n") {
      out += "\n";
      continue;
    }
    if (conv === "%") {
      out += pad("%", width, left);
      continue;
    }
    let argIndex: number;
    if (index === "<") argIndex = last;
    else if (index) argIndex = Number(index.slice(0, -1)) - 1;
    else argIndex = ordinary++;
    if (argIndex < 0 || argIndex >= args.length) fault(`Format specifier '${spec}' has no argument`);
    last = argIndex;
    const arg = args[argIndex];
    const mismatch = (): never => fault(`${conv} != ${javaClassName(arg)}`);
    let text: string;
    switch (conv) {
      case "s":
      case "S": {
        text = javaString(arg);
        if (precision !== undefined) text = text.slice(0, precision);
        if (conv === "S") text = text.toUpperCase();
        text = pad(text, width, left);
        break;
      }
      case "b":
      case "B":
        text = arg === null || arg === undefined ? "false" : typeof arg === "boolean" ? String(arg) : "true";
        if (conv === "B") text = text.toUpperCase();
        text = pad(text, width, left);
        break;
      case "h":
      case "H":
        text = arg === null || arg === undefined ? "null" : (javaStringHash(javaString(arg)) >>> 0).toString(16);
        if (conv === "H") text = text.toUpperCase();
        text = pad(text, width, left);
        break;
      case "c":
        if (arg === null || arg === undefined) text = "null";
        else if (arg instanceof JChar) text = arg.c;
        else if (isLong(arg)) text = String.fromCodePoint(arg);
        else return mismatch();
        text = pad(text, width, left);
        break;
      case "d": {
        if (arg === null || arg === undefined) {
          text = pad("null", width, left);
          break;
        }
        if (!isLong(arg)) return mismatch();
        const neg = arg < 0;
        let body = Number.isSafeInteger(arg) ? String(Math.abs(arg)) : (BigInt(arg) < 0n ? -BigInt(arg) : BigInt(arg)).toString();
        if (flags.includes(",")) body = groupDigits(body);
        const s = signed(neg, body, flags);
        text = pad(s.text, width, left, flags.includes("0"), s.signLen);
        break;
      }
      case "x":
      case "X":
      case "o": {
        if (arg === null || arg === undefined) {
          text = pad("null", width, left);
          break;
        }
        if (!isLong(arg)) return mismatch();
        const big = BigInt.asUintN(64, BigInt(arg));
        let body = big.toString(conv === "o" ? 8 : 16);
        if (flags.includes("#")) body = (conv === "o" ? "0" : "0x") + body;
        if (conv === "X") body = body.toUpperCase();
        text = pad(body, width, left, flags.includes("0"));
        break;
      }
      case "f":
      case "e":
      case "E":
      case "g":
      case "G": {
        if (arg === null || arg === undefined) {
          text = pad("null", width, left);
          break;
        }
        if (!isNumber(arg) || !isDouble(arg)) return mismatch();
        const v = numValue(arg);
        if (Number.isNaN(v) || !Number.isFinite(v)) {
          text = pad(Number.isNaN(v) ? "NaN" : v > 0 ? (flags.includes("+") ? "+Infinity" : "Infinity") : "-Infinity", width, left);
          break;
        }
        const neg = v < 0 || Object.is(v, -0);
        const abs = Math.abs(v);
        const prec = precision ?? 6;
        let body: string;
        if (conv === "f") body = fixedHalfUp(abs, prec);
        else if (conv === "e" || conv === "E") body = sciHalfUp(abs, prec, conv === "E");
        else {
          const p = prec === 0 ? 1 : prec;
          const rounded = abs === 0 ? 0 : Number(sciHalfUp(abs, p - 1, false).replace(/e.*/, "")) * 10 ** Number(sciHalfUp(abs, p - 1, false).split("e")[1]);
          body = rounded !== 0 && (rounded < 1e-4 || rounded >= 10 ** p)
            ? sciHalfUp(abs, p - 1, conv === "G")
            : fixedHalfUp(abs, Math.max(0, p - 1 - (abs === 0 ? 0 : Math.floor(Math.log10(rounded)))));
        }
        if (flags.includes(",")) {
          const [i, f] = body.split(".") as [string, string | undefined];
          body = groupDigits(i) + (f !== undefined ? `.${f}` : "");
        }
        const s = signed(neg, body, flags);
        text = pad(s.text, width, left, flags.includes("0"), s.signLen);
        break;
      }
      default:
        return fault(`Conversion = '${conv}' is not supported`);
    }
    if (out.length + text.length > MAX_OUTPUT) fault(`string longer than ${MAX_OUTPUT} characters`);
    out += text;
  }
  const tail = format.slice(pos);
  if (tail.includes("%")) fault(`Unknown format conversion in '${format}' near index ${pos + tail.indexOf("%")}`);
  return out + tail;
}
