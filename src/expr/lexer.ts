/**
 * Tokenizer, following Pebble's LexerImpl: text outside delimiters; `{{ }}`, `{% %}`, `{# #}`;
 * whitespace control (`{{- ` trims before, `-}}` trims after); the newline right after a closing
 * delimiter is dropped (Pebble's default newline trimming); a closing `}}` only counts when every
 * bracket opened inside is closed (so `replace({"+":""})}}` works); double-quoted strings may hold
 * `#{expr}` interpolation; string escapes are only `\\`, `\'` and `\"` (Pebble keeps `\n` as is).
 */
import { ExprError } from "./errors.js";
import { isJavaWhitespace } from "./java/strings.js";

export type TokenType =
  | "TEXT"
  | "PRINT_START"
  | "PRINT_END"
  | "EXECUTE_START"
  | "EXECUTE_END"
  | "NAME"
  | "NUMBER"
  | "LONG"
  | "STRING"
  | "OPERATOR"
  | "PUNCT"
  | "INTERP_START"
  | "INTERP_END"
  | "EOF";

export interface Token {
  type: TokenType;
  value: string;
  /** Offset of the token's first character in the source. */
  pos: number;
}

// Longest first (Pebble sorts by length so `is not` wins over `is`, `>=` over `>`).
const OPERATORS = [
  "contains", "is not", "equals", "not", "and", "or", "is",
  "==", "!=", ">=", "<=", "..",
  "+", "-", ">", "<", "*", "/", "%", "|", "~",
];
const ALPHA_OPERATORS = new Set(["contains", "is not", "equals", "not", "and", "or", "is"]);
const PUNCTUATION = "()[]{}?:.,|=";
const PAIRS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

// Java's \s in the delimiter regexes: [ \t\n\v\f\r].
const NEWLINE = /(?:\r\n|\n\r|\r|\n|\u0085|\u2028|\u2029)?/y;
const PRINT_CLOSE = /[ \t\n\v\f\r]*-?\}\}/y;
const EXECUTE_CLOSE = /[ \t\n\v\f\r]*-?%\}/y;
const TRAILING_TRIM = /[ \t\n\v\f\r]*-(?:\}\}|%\}|#\})/y;
const LEADING_TRIM = /-[ \t\n\v\f\r]+/y;
const VERBATIM_START = /[ \t\n\v\f\r]*verbatim[ \t\n\v\f\r]*(-)?%\}/y;
const VERBATIM_END = /\{%(-)?[ \t\n\v\f\r]*endverbatim[ \t\n\v\f\r]*(-)?%\}/g;
const NAME = /[\p{L}_][\p{L}\p{Nd}_]*/uy;
const LONG = /[0-9]+L/y;
const NUMBER = /[0-9]+(?:\.[0-9]+)?/y;
const STRING_PLAIN = /"([^#"\\]*(?:\\[\s\S][^#"\\]*)*)"|'([^'\\]*(?:\\[\s\S][^'\\]*)*)'/y;
const STRING_PART = /[^#"\\]*(?:(?:\\[\s\S]|#(?!\{))[^#"\\]*)*/y;
const INTERP_CLOSE = /[ \t\n\v\f\r]*\}/y;

const enum State {
  Data,
  Execute,
  Print,
  Comment,
  String,
  Interpolation,
}

function rtrim(s: string): string {
  return s.replace(/[ \t\n\v\f\r]+$/, "");
}

function ltrim(s: string): string {
  return s.replace(/^[ \t\n\v\f\r]+/, "");
}

function stick(re: RegExp, source: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(source);
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const states: State[] = [State.Data];
  // Open brackets (and quotes, and `#{`) with where they opened, innermost last.
  const brackets: Array<{ ch: string; pos: number }> = [];
  let pos = 0;
  let trimNext = false;
  let blockStart = 0;
  const fail: (reason: string, at: number) => never = (reason, at) => {
    throw new ExprError(reason, source, at);
  };
  const afterNewline = (at: number): number => {
    NEWLINE.lastIndex = at;
    NEWLINE.exec(source);
    return NEWLINE.lastIndex;
  };

  const tokenizeExpression = (): void => {
    while (pos < source.length && isJavaWhitespace(source.charCodeAt(pos))) pos++;
    if (pos >= source.length) return;
    const start = pos;
    for (const op of OPERATORS) {
      if (source.startsWith(op, pos)) {
        if (ALPHA_OPERATORS.has(op) && /[a-zA-Z0-9_]/.test(source.charAt(pos + op.length))) continue;
        tokens.push({ type: "OPERATOR", value: op, pos: start });
        pos += op.length;
        return;
      }
    }
    let m = stick(NAME, source, pos);
    if (m) {
      tokens.push({ type: "NAME", value: m[0], pos: start });
      pos += m[0].length;
      return;
    }
    m = stick(LONG, source, pos);
    if (m) {
      tokens.push({ type: "LONG", value: m[0].slice(0, -1), pos: start });
      pos += m[0].length;
      return;
    }
    m = stick(NUMBER, source, pos);
    if (m) {
      tokens.push({ type: "NUMBER", value: m[0], pos: start });
      pos += m[0].length;
      return;
    }
    const ch = source.charAt(pos);
    if (PUNCTUATION.includes(ch)) {
      if (ch in PAIRS) brackets.push({ ch, pos });
      else if (ch === ")" || ch === "]" || ch === "}") {
        const open = brackets.pop();
        if (!open) fail(`Unexpected '${ch}'`, pos);
        if (PAIRS[open.ch] !== ch) {
          const expected = PAIRS[open.ch];
          fail(expected ? `Expected '${expected}' to close '${open.ch}' but found '${ch}'` : `Unexpected '${ch}'`, pos);
        }
      }
      tokens.push({ type: "PUNCT", value: ch, pos: start });
      pos++;
      return;
    }
    m = stick(STRING_PLAIN, source, pos);
    if (m) {
      const quote = m[0][0];
      let text = m[0].slice(1, -1);
      // Pebble unescapes the quote first, then backslashes, and nothing else.
      text = quote === "'" ? text.replaceAll("\\'", "'") : text.replaceAll('\\"', '"');
      text = text.replaceAll("\\\\", "\\");
      tokens.push({ type: "STRING", value: text, pos: start });
      pos += m[0].length;
      return;
    }
    if (ch === '"') {
      brackets.push({ ch: '"', pos });
      states.push(State.String);
      pos++;
      return;
    }
    if (ch === "'") fail("Unclosed string", pos);
    fail(`Unexpected character '${ch}'`, pos);
  };

  while (pos < source.length) {
    switch (states[states.length - 1]!) {
      case State.Data: {
        let next = -1;
        for (let i = source.indexOf("{", pos); i !== -1 && i < source.length - 1; i = source.indexOf("{", i + 1)) {
          const c = source.charAt(i + 1);
          if (c === "{" || c === "%" || c === "#") {
            next = i;
            break;
          }
        }
        let text = next === -1 ? source.slice(pos) : source.slice(pos, next);
        const textPos = pos;
        if (trimNext) {
          text = ltrim(text);
          trimNext = false;
        }
        let textToken: Token | null = null;
        if (text !== "") {
          textToken = { type: "TEXT", value: text, pos: textPos };
          tokens.push(textToken);
        }
        if (next === -1) {
          pos = source.length;
          break;
        }
        const delim = source.slice(next, next + 2);
        pos = next + 2;
        blockStart = next;
        const lead = stick(LEADING_TRIM, source, pos);
        if (lead) {
          if (textToken) {
            textToken.value = rtrim(textToken.value);
            if (textToken.value === "") tokens.pop();
          }
          pos += lead[0].length;
        }
        if (delim === "{#") states.push(State.Comment);
        else if (delim === "{{") {
          tokens.push({ type: "PRINT_START", value: "{{", pos: next });
          states.push(State.Print);
        } else {
          const verbatim = stick(VERBATIM_START, source, pos);
          if (verbatim) {
            pos += verbatim[0].length;
            pos = afterNewline(pos);
            VERBATIM_END.lastIndex = pos;
            const end = VERBATIM_END.exec(source);
            if (!end) fail("Unclosed verbatim tag", next);
            let body = source.slice(pos, end.index);
            if (verbatim[1]) body = ltrim(body);
            if (end[1]) body = rtrim(body);
            if (end[2]) trimNext = true;
            if (body !== "") tokens.push({ type: "TEXT", value: body, pos });
            pos = afterNewline(end.index + end[0].length);
          } else {
            tokens.push({ type: "EXECUTE_START", value: "{%", pos: next });
            states.push(State.Execute);
          }
        }
        break;
      }
      case State.Print:
      case State.Execute: {
        const print = states[states.length - 1] === State.Print;
        if (stick(TRAILING_TRIM, source, pos)) trimNext = true;
        const close = brackets.length === 0 ? stick(print ? PRINT_CLOSE : EXECUTE_CLOSE, source, pos) : null;
        if (close) {
          tokens.push({ type: print ? "PRINT_END" : "EXECUTE_END", value: print ? "}}" : "%}", pos: pos + close[0].length - 2 });
          pos = afterNewline(pos + close[0].length);
          states.pop();
        } else tokenizeExpression();
        break;
      }
      case State.Comment: {
        const end = source.indexOf("#}", pos);
        if (end === -1) fail("Unclosed comment", blockStart);
        if (/[ \t\n\v\f\r]-$/.test(source.slice(pos, end))) trimNext = true;
        pos = afterNewline(end + 2);
        states.pop();
        break;
      }
      case State.String: {
        if (source.startsWith("#{", pos)) {
          brackets.push({ ch: "#{", pos });
          tokens.push({ type: "INTERP_START", value: "#{", pos });
          pos += 2;
          states.push(State.Interpolation);
          break;
        }
        const part = stick(STRING_PART, source, pos);
        if (part && part[0].length > 0) {
          // Pebble keeps escapes as written in the parts of an interpolated string.
          tokens.push({ type: "STRING", value: part[0], pos });
          pos += part[0].length;
          break;
        }
        if (source.charAt(pos) === '"') {
          brackets.pop();
          states.pop();
          pos++;
          break;
        }
        fail("Unclosed string", brackets[brackets.length - 1]?.pos ?? pos);
        break;
      }
      case State.Interpolation: {
        const last = brackets[brackets.length - 1];
        const close = last?.ch === "#{" ? stick(INTERP_CLOSE, source, pos) : null;
        if (close) {
          brackets.pop();
          tokens.push({ type: "INTERP_END", value: "}", pos: pos + close[0].length - 1 });
          pos += close[0].length;
          states.pop();
        } else tokenizeExpression();
        break;
      }
    }
  }

  const open = brackets[brackets.length - 1];
  if (open) {
    const what = open.ch === '"' ? "string" : open.ch === "#{" ? "'#{'" : `'${open.ch}'`;
    fail(`Unclosed ${what}`, open.pos);
  }
  const state = states[states.length - 1];
  if (state === State.Print) fail("Unclosed '{{' (missing '}}')", blockStart);
  if (state === State.Execute) fail("Unclosed '{%' (missing '%}')", blockStart);
  tokens.push({ type: "EOF", value: "", pos: source.length });
  return tokens;
}
