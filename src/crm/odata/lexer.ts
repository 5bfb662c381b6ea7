/**
 * Tokeniser for OData URL expressions ($filter, $orderby, key predicates, function parameters).
 *
 * Written here rather than taken from npm: the available OData parsers are unmaintained and give
 * generic errors, while clients of a Dataverse emulator expect Dataverse's own messages with their
 * character positions. Positions follow the same rules as Dataverse's OData library: a token's
 * position is its first character (0-based); "syntax error" positions point just past the
 * current token; unterminated literals report the end of the text.
 */
import type { LiteralKind } from "./ast.js";
import { ODataError, messages } from "./errors.js";

/** A literal token carries the kind its literal node will have. */
export type TokenKind =
  | LiteralKind
  | "identifier"
  | "openParen"
  | "closeParen"
  | "comma"
  | "minus"
  | "equal"
  | "slash"
  | "question"
  | "dot"
  | "star"
  | "colon"
  | "semicolon"
  | "braced"
  | "bracketed"
  | "alias"
  | "end";

export interface Token {
  kind: TokenKind;
  /** The source text of the token (string literals keep their quotes). */
  text: string;
  pos: number;
}

export const LITERAL_KINDS: ReadonlySet<TokenKind> = new Set<TokenKind>([
  "string",
  "int32",
  "int64",
  "decimal",
  "double",
  "single",
  "guid",
  "date",
  "datetimeoffset",
  "timeofday",
  "boolean",
  "null",
  "typed",
]);

export const NUMERIC_KINDS: ReadonlySet<TokenKind> = new Set<TokenKind>(["int32", "int64", "decimal", "double", "single"]);

const IDENT_START = /[\p{L}\p{Nl}_$]/u;
const IDENT_PART = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}\p{Cf}]/u;
const WHITESPACE = /\s/u;
const GUID_AT = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/y;
const DATETIMEOFFSET_AT = /\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,12})?)?(?:[Zz]|[+-]\d{2}:\d{2})/y;
const DATE_AT = /\d{4}-\d{2}-\d{2}/y;
const TIMEOFDAY_AT = /\d{2}:\d{2}(?::\d{2}(?:\.\d{1,12})?)?/y;
const INT32_MAX = 2147483647n;
const INT32_MIN = -2147483648n;

export interface LexerOptions {
  /** Treat ';' as a token (inside $expand options). */
  semicolons?: boolean;
  /** Recognise `@name` parameter aliases ($filter, $orderby, function parameters). */
  aliases?: boolean;
}

export class Lexer {
  readonly text: string;
  private readonly options: LexerOptions;
  /** Index of the next unread character. */
  private pos = 0;
  current: Token;

  constructor(text: string, options: LexerOptions = {}) {
    this.text = text;
    this.options = options;
    this.current = { kind: "end", text: "", pos: 0 };
    this.next();
  }

  /** Position just past the current token; what "Syntax error at position" reports. */
  get textPos(): number {
    return this.pos;
  }

  next(): Token {
    this.current = this.read();
    return this.current;
  }

  /** A bookmark for backtracking (function-name lookahead). */
  save(): { pos: number; token: Token } {
    return { pos: this.pos, token: this.current };
  }

  restore(mark: { pos: number; token: Token }): void {
    this.pos = mark.pos;
    this.current = mark.token;
  }

  peek(): Token {
    const savedPos = this.pos;
    const savedToken = this.current;
    try {
      return this.read();
    } finally {
      this.pos = savedPos;
      this.current = savedToken;
    }
  }

  /** Moves on when the current token is of the kind; otherwise a syntax error. */
  expect(kind: TokenKind): Token {
    if (this.current.kind !== kind) throw new ODataError(messages.syntaxError(this.pos, this.text));
    const token = this.current;
    this.next();
    return token;
  }

  isIdentifier(word: string): boolean {
    return this.current.kind === "identifier" && this.current.text === word;
  }

  private ch(offset = 0): string | undefined {
    return this.text[this.pos + offset];
  }

  private read(): Token {
    while (this.pos < this.text.length && WHITESPACE.test(this.text[this.pos]!)) this.pos++;
    const start = this.pos;
    const c = this.ch();
    if (c === undefined) return { kind: "end", text: "", pos: start };
    const single: Partial<Record<string, TokenKind>> = {
      "(": "openParen",
      ")": "closeParen",
      ",": "comma",
      "=": "equal",
      "/": "slash",
      "?": "question",
      ".": "dot",
      "*": "star",
      ":": "colon",
    };
    const singleKind = single[c];
    if (singleKind) {
      this.pos++;
      return { kind: singleKind, text: c, pos: start };
    }
    if (c === "-") {
      const n = this.ch(1);
      if (n !== undefined && n >= "0" && n <= "9") {
        const kind = this.readNumber(start);
        return { kind, text: this.text.slice(start, this.pos), pos: start };
      }
      if (n === "I") {
        const m = /INF[fF]?/y;
        m.lastIndex = start + 1;
        const hit = m.exec(this.text);
        if (hit && !this.isIdentPartAt(start + 1 + hit[0].length)) {
          this.pos = start + 1 + hit[0].length;
          return { kind: hit[0].length === 4 ? "single" : "double", text: this.text.slice(start, this.pos), pos: start };
        }
      }
      this.pos++;
      return { kind: "minus", text: "-", pos: start };
    }
    if (c === "'") return this.readString(start);
    if (c === "{" || c === "[") {
      this.readBalanced(c, c === "{" ? "}" : "]");
      return { kind: c === "{" ? "braced" : "bracketed", text: this.text.slice(start, this.pos), pos: start };
    }
    if (c === ";" && this.options.semicolons) {
      this.pos++;
      return { kind: "semicolon", text: ";", pos: start };
    }
    if (c === "@" && this.options.aliases) {
      this.pos++;
      const n = this.ch();
      if (n === undefined) throw new ODataError(messages.syntaxError(this.pos, this.text));
      if (!IDENT_START.test(n)) throw new ODataError(messages.invalidCharacter(n, this.pos, this.text));
      this.readIdentifierChars();
      return { kind: "alias", text: this.text.slice(start, this.pos), pos: start };
    }
    if (IDENT_START.test(c)) {
      this.readIdentifierChars();
      if (this.ch() === "-") {
        GUID_AT.lastIndex = start;
        const g = GUID_AT.exec(this.text);
        if (g && !this.isIdentPartAt(start + 36)) {
          this.pos = start + 36;
          return { kind: "guid", text: g[0], pos: start };
        }
      }
      const word = this.text.slice(start, this.pos);
      if (this.ch() === "'") return this.readTypedLiteral(start);
      if (word === "true" || word === "false") return { kind: "boolean", text: word, pos: start };
      if (word === "null") return { kind: "null", text: word, pos: start };
      if (word === "INF" || word === "NaN") return { kind: "double", text: word, pos: start };
      if (word === "INFF" || word === "NaNF" || word === "INFf" || word === "NaNf") return { kind: "single", text: word, pos: start };
      return { kind: "identifier", text: word, pos: start };
    }
    if (c >= "0" && c <= "9") {
      const kind = this.readFromDigit(start);
      return { kind, text: this.text.slice(start, this.pos), pos: start };
    }
    throw new ODataError(messages.invalidCharacter(c, start, this.text));
  }

  private isIdentPartAt(index: number): boolean {
    const c = this.text[index];
    return c !== undefined && IDENT_PART.test(c);
  }

  private readIdentifierChars(): void {
    this.pos++;
    while (this.pos < this.text.length && IDENT_PART.test(this.text[this.pos]!)) this.pos++;
  }

  private readString(start: number): Token {
    do {
      this.pos++;
      while (this.pos < this.text.length && this.text[this.pos] !== "'") {
        // SQLite ends text at NUL in LIKE and instr(): 'a\0b' would match as 'a'. Refuse it.
        if (this.text[this.pos] === "\u0000") throw new ODataError(messages.invalidCharacter("\\u0000", this.pos, this.text));
        this.pos++;
      }
      if (this.pos >= this.text.length) throw new ODataError(messages.unterminatedString(this.text.length, this.text));
      this.pos++;
    } while (this.ch() === "'");
    return { kind: "string", text: this.text.slice(start, this.pos), pos: start };
  }

  /** `prefix'value'` forms such as duration'P1D' or binary'AAA='. */
  private readTypedLiteral(start: number): Token {
    do {
      this.pos++;
      while (this.pos < this.text.length && this.text[this.pos] !== "'") this.pos++;
      if (this.pos >= this.text.length) throw new ODataError(messages.unterminatedLiteral(this.text.length, this.text));
      this.pos++;
    } while (this.ch() === "'");
    return { kind: "typed", text: this.text.slice(start, this.pos), pos: start };
  }

  private readBalanced(open: string, close: string): void {
    let depth = 0;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!;
      if (c === "'" || c === '"') {
        const end = this.text.indexOf(c, this.pos + 1);
        if (end < 0) break;
        this.pos = end + 1;
        continue;
      }
      if (c === open) depth++;
      else if (c === close) {
        depth--;
        if (depth === 0) {
          this.pos++;
          return;
        }
      }
      this.pos++;
    }
    throw new ODataError("Found an unbalanced bracket expression.");
  }

  private readFromDigit(start: number): TokenKind {
    GUID_AT.lastIndex = start;
    const g = GUID_AT.exec(this.text);
    if (g && !this.isIdentPartAt(start + 36)) {
      this.pos = start + 36;
      return "guid";
    }
    DATETIMEOFFSET_AT.lastIndex = start;
    const dto = DATETIMEOFFSET_AT.exec(this.text);
    if (dto) {
      this.pos = start + dto[0].length;
      return "datetimeoffset";
    }
    DATE_AT.lastIndex = start;
    const d = DATE_AT.exec(this.text);
    if (d && !/[0-9]/.test(this.text[start + 10] ?? "")) {
      this.pos = start + 10;
      return "date";
    }
    TIMEOFDAY_AT.lastIndex = start;
    const t = TIMEOFDAY_AT.exec(this.text);
    if (t) {
      this.pos = start + t[0].length;
      return "timeofday";
    }
    return this.readNumber(start);
  }

  private digitsAt(): boolean {
    const c = this.ch();
    return c !== undefined && c >= "0" && c <= "9";
  }

  private readNumber(start: number): TokenKind {
    if (this.ch() === "-") this.pos++;
    while (this.digitsAt()) this.pos++;
    let kind: TokenKind = "int32";
    if (this.ch() === ".") {
      kind = "decimal";
      this.pos++;
      if (!this.digitsAt()) throw new ODataError(messages.digitExpected(this.pos, this.text));
      while (this.digitsAt()) this.pos++;
    }
    if (this.ch() === "e" || this.ch() === "E") {
      kind = "double";
      this.pos++;
      if (this.ch() === "+" || this.ch() === "-") this.pos++;
      if (!this.digitsAt()) throw new ODataError(messages.digitExpected(this.pos, this.text));
      while (this.digitsAt()) this.pos++;
    }
    const suffix = this.ch();
    if (suffix === "M" || suffix === "m") {
      this.pos++;
      return "decimal";
    }
    if (suffix === "D" || suffix === "d") {
      this.pos++;
      return "double";
    }
    if (suffix === "F" || suffix === "f") {
      this.pos++;
      return "single";
    }
    if ((suffix === "L" || suffix === "l") && kind === "int32") {
      this.pos++;
      return "int64";
    }
    if (kind === "int32") {
      const value = BigInt(this.text.slice(start, this.pos));
      if (value > INT32_MAX || value < INT32_MIN) return "int64";
    }
    return kind;
  }
}

/** The value of a quoted string literal token: quotes removed, doubled quotes undone. */
export function stringLiteralValue(text: string): string {
  return text.slice(1, -1).replace(/''/g, "'");
}
