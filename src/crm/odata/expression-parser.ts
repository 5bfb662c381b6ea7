/**
 * Recursive-descent parser for $filter and $orderby expressions (OData 4.0 URL conventions), with
 * Dataverse's precedence (or < and < comparison < additive < multiplicative < unary < primary),
 * lambda operators, function calls with positional or named parameters (the
 * `Microsoft.Dynamics.CRM.*` query functions), `in` lists and `@p` parameter aliases. Error texts and
 * positions match Dataverse's OData library, see errors.ts.
 */
import type { CallArgument, ExprNode, ListNode, LiteralKind, LiteralNode, OrderByItem, PathNode } from "./ast.js";
import { ODataError, messages } from "./errors.js";
import { LITERAL_KINDS, Lexer, NUMERIC_KINDS, stringLiteralValue, type Token, type TokenKind } from "./lexer.js";

const MAX_DEPTH = 800;
const COMPARISON_OPS = new Set(["eq", "ne", "gt", "ge", "lt", "le", "has"]);

export function parseFilter(text: string): ExprNode {
  const parser = new ExpressionParser(text);
  const expr = parser.parseExpression();
  parser.lexer.expect("end");
  return expr;
}

export function parseOrderBy(text: string): OrderByItem[] {
  const parser = new ExpressionParser(text);
  const items: OrderByItem[] = [];
  for (;;) {
    const expr = parser.parseExpression();
    let descending = false;
    if (parser.lexer.isIdentifier("asc")) parser.lexer.next();
    else if (parser.lexer.isIdentifier("desc")) {
      parser.lexer.next();
      descending = true;
    }
    items.push({ expr, descending });
    if (parser.lexer.current.kind !== "comma") break;
    parser.lexer.next();
  }
  parser.lexer.expect("end");
  return items;
}

/** Parses one literal text, e.g. a key predicate value or a parameter alias value. */
export function parseLiteralText(text: string): LiteralNode | null {
  const lexer = new Lexer(text, { aliases: false });
  if (!LITERAL_KINDS.has(lexer.current.kind) && !(lexer.current.kind === "minus")) return null;
  const parser = new ExpressionParser(text);
  const expr = parser.parseExpression();
  parser.lexer.expect("end");
  return expr.kind === "literal" ? expr : null;
}

export class ExpressionParser {
  readonly lexer: Lexer;
  private depth = 0;
  private readonly rangeVariables = new Set<string>(["$it"]);

  constructor(text: string) {
    this.lexer = new Lexer(text, { aliases: true });
  }

  /** Reads the current kind afresh (the lexer moves under TypeScript's narrowing). */
  is(kind: TokenKind): boolean {
    return this.lexer.current.kind === kind;
  }

  private get text(): string {
    return this.lexer.text;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new ODataError(messages.tooDeep());
  }

  private leave(): void {
    this.depth--;
  }

  parseExpression(): ExprNode {
    this.enter();
    const result = this.parseOr();
    this.leave();
    return result;
  }

  private parseOr(): ExprNode {
    this.enter();
    let left = this.parseAnd();
    while (this.lexer.isIdentifier("or")) {
      const pos = this.lexer.current.pos;
      this.lexer.next();
      const right = this.parseAnd();
      left = { kind: "binary", op: "or", left, right, pos };
    }
    this.leave();
    return left;
  }

  private parseAnd(): ExprNode {
    this.enter();
    let left = this.parseComparison();
    while (this.lexer.isIdentifier("and")) {
      const pos = this.lexer.current.pos;
      this.lexer.next();
      const right = this.parseComparison();
      left = { kind: "binary", op: "and", left, right, pos };
    }
    this.leave();
    return left;
  }

  private parseComparison(): ExprNode {
    this.enter();
    let left = this.parseAdditive();
    for (;;) {
      const token = this.lexer.current;
      if (token.kind !== "identifier") break;
      if (COMPARISON_OPS.has(token.text)) {
        this.lexer.next();
        const right = this.parseAdditive();
        left = { kind: "binary", op: token.text as "eq", left, right, pos: token.pos };
      } else if (token.text === "in") {
        this.lexer.next();
        const right = this.parseInList();
        left = { kind: "binary", op: "in", left, right, pos: token.pos };
      } else break;
    }
    this.leave();
    return left;
  }

  private parseInList(): ListNode {
    const token = this.lexer.current;
    if (token.kind === "bracketed") {
      this.lexer.next();
      return bracketList(token, this.text);
    }
    if (token.kind !== "openParen") throw new ODataError(messages.openParenExpected(token.pos, this.text));
    this.lexer.next();
    const items: ExprNode[] = [];
    if (!this.is("closeParen")) {
      for (;;) {
        items.push(this.parseExpression());
        if (this.is("comma")) {
          this.lexer.next();
          continue;
        }
        break;
      }
    }
    if (!this.is("closeParen")) {
      throw new ODataError(messages.closeParenOrCommaExpected(this.lexer.current.pos, this.text));
    }
    this.lexer.next();
    return { kind: "list", items, pos: token.pos };
  }

  private parseAdditive(): ExprNode {
    this.enter();
    let left = this.parseMultiplicative();
    while (this.lexer.isIdentifier("add") || this.lexer.isIdentifier("sub")) {
      const token = this.lexer.current;
      this.lexer.next();
      const right = this.parseMultiplicative();
      left = { kind: "binary", op: token.text as "add", left, right, pos: token.pos };
    }
    this.leave();
    return left;
  }

  private parseMultiplicative(): ExprNode {
    this.enter();
    let left = this.parseUnary();
    while (this.lexer.isIdentifier("mul") || this.lexer.isIdentifier("div") || this.lexer.isIdentifier("mod")) {
      const token = this.lexer.current;
      this.lexer.next();
      const right = this.parseUnary();
      left = { kind: "binary", op: token.text as "mul", left, right, pos: token.pos };
    }
    this.leave();
    return left;
  }

  private parseUnary(): ExprNode {
    this.enter();
    const token = this.lexer.current;
    if (token.kind === "minus" || this.lexer.isIdentifier("not")) {
      this.lexer.next();
      if (token.kind === "minus" && NUMERIC_KINDS.has(this.lexer.current.kind)) {
        const number = this.lexer.current;
        this.lexer.current = { kind: number.kind, text: `-${number.text}`, pos: token.pos };
        this.leave();
        return this.parsePrimary();
      }
      const operand = this.parseUnary();
      this.leave();
      return { kind: "unary", op: token.kind === "minus" ? "negate" : "not", operand, pos: token.pos };
    }
    this.leave();
    return this.parsePrimary();
  }

  private parsePrimary(): ExprNode {
    this.enter();
    let expr = this.parsePrimaryStart();
    while (this.is("slash")) {
      this.lexer.next();
      const token = this.lexer.current;
      if (token.kind !== "identifier" && token.kind !== "star") {
        throw new ODataError(messages.syntaxError(this.lexer.textPos, this.text));
      }
      if ((token.text === "any" || token.text === "all") && this.lexer.peek().kind === "openParen") {
        if (expr.kind !== "path") throw new ODataError(messages.lambdaParentMustBeCollection());
        expr = this.parseLambda(expr, token);
        continue;
      }
      if (expr.kind !== "path") throw new ODataError(messages.syntaxError(this.lexer.textPos, this.text));
      this.lexer.next();
      if (this.is("openParen") && this.lexer.current.pos === token.pos + token.text.length) {
        throw new ODataError(messages.unknownFunction(token.text));
      }
      expr = { ...expr, segments: [...expr.segments, token.text] };
    }
    this.leave();
    return expr;
  }

  private parseLambda(source: PathNode, opToken: Token): ExprNode {
    this.lexer.next(); // any / all
    this.lexer.next(); // (
    const op = opToken.text as "any" | "all";
    if (this.is("closeParen")) {
      this.lexer.next();
      return { kind: "lambda", op, source, pos: opToken.pos };
    }
    const variableToken = this.lexer.current;
    if (variableToken.kind !== "identifier") throw new ODataError(messages.syntaxError(this.lexer.textPos, this.text));
    const variable = variableToken.text;
    if (this.rangeVariables.has(variable)) throw new ODataError(messages.rangeVariableAlreadyDeclared(variable));
    this.lexer.next();
    this.lexer.expect("colon");
    this.rangeVariables.add(variable);
    const body = this.parseExpression();
    if (!this.is("closeParen")) {
      throw new ODataError(messages.closeParenOrCommaExpected(this.lexer.current.pos, this.text));
    }
    this.rangeVariables.delete(variable);
    this.lexer.next();
    return { kind: "lambda", op, source, variable, body, pos: opToken.pos };
  }

  private parsePrimaryStart(): ExprNode {
    const token = this.lexer.current;
    switch (token.kind) {
      case "alias":
        this.lexer.next();
        return { kind: "alias", name: token.text, pos: token.pos };
      case "identifier":
        return this.parseIdentifier();
      case "openParen":
        return this.parseParenExpression();
      case "bracketed":
        this.lexer.next();
        return bracketList(token, this.text);
      default:
        if (LITERAL_KINDS.has(token.kind)) {
          const literal = literalFromToken(token, this.text);
          this.lexer.next();
          return literal;
        }
        throw new ODataError(messages.expressionExpected(token.pos, this.text));
    }
  }

  private parseParenExpression(): ExprNode {
    this.lexer.next();
    const expr = this.parseExpression();
    if (!this.is("closeParen")) {
      throw new ODataError(messages.closeParenOrOperatorExpected(this.lexer.current.pos, this.text));
    }
    this.lexer.next();
    return expr;
  }

  private parseIdentifier(): ExprNode {
    const first = this.lexer.current;
    const mark = this.lexer.save();
    // A function name may be dotted (Microsoft.Dynamics.CRM.In) and must touch its '('.
    let name = first.text;
    let end = first.pos + first.text.length;
    this.lexer.next();
    while (this.is("dot") && this.lexer.current.pos === end) {
      const after = this.lexer.peek();
      if (after.kind !== "identifier" || after.pos !== end + 1) break;
      this.lexer.next();
      name += `.${after.text}`;
      end = after.pos + after.text.length;
      this.lexer.next();
    }
    if (this.is("openParen") && this.lexer.current.pos === end) {
      return this.parseCall(name, first.pos);
    }
    this.lexer.restore(mark);
    this.lexer.next();
    if (this.rangeVariables.has(first.text)) {
      return { kind: "path", segments: [], range: first.text, pos: first.pos };
    }
    return { kind: "path", segments: [first.text], pos: first.pos };
  }

  private parseCall(name: string, pos: number): ExprNode {
    this.lexer.next(); // (
    const args: CallArgument[] = [];
    if (this.is("closeParen")) {
      this.lexer.next();
      return { kind: "call", name, args, pos };
    }
    for (;;) {
      const token = this.lexer.current;
      if (token.kind === "identifier" && this.lexer.peek().kind === "equal") {
        this.lexer.next();
        this.lexer.next();
        args.push({ name: token.text, value: this.parseExpression() });
      } else {
        args.push({ value: this.parseExpression() });
      }
      if (this.is("comma")) {
        this.lexer.next();
        continue;
      }
      if (this.is("closeParen")) {
        this.lexer.next();
        break;
      }
      throw new ODataError(messages.closeParenOrCommaExpected(this.lexer.current.pos, this.text));
    }
    return { kind: "call", name, args, pos };
  }
}

const TYPE_NAMES: Record<LiteralKind, string> = {
  string: "Edm.String",
  int32: "Edm.Int32",
  int64: "Edm.Int64",
  decimal: "Edm.Decimal",
  double: "Edm.Double",
  single: "Edm.Single",
  guid: "Edm.Guid",
  date: "Edm.Date",
  datetimeoffset: "Edm.DateTimeOffset",
  timeofday: "Edm.TimeOfDay",
  boolean: "Edm.Boolean",
  null: "null",
  typed: "Edm.String",
};

export function literalFromToken(token: Token, text: string): LiteralNode {
  const kind = token.kind as LiteralKind;
  const bad = (): never => {
    throw new ODataError(messages.unrecognizedLiteral(TYPE_NAMES[kind], token.text, token.pos, text));
  };
  let value: LiteralNode["value"];
  switch (kind) {
    case "string":
      value = stringLiteralValue(token.text);
      break;
    case "int32":
      value = Number(token.text);
      break;
    case "int64":
      value = BigInt(token.text.replace(/[lL]$/, ""));
      break;
    case "decimal":
    case "double":
    case "single": {
      const raw = token.text.replace(/[mMdDfF]$/, "");
      if (/^-?INF/.test(token.text)) value = token.text.startsWith("-") ? -Infinity : Infinity;
      else if (token.text.startsWith("NaN")) value = Number.NaN;
      else value = Number(raw);
      break;
    }
    case "guid":
      value = token.text.toLowerCase();
      break;
    case "date":
      if (!validDate(token.text)) bad();
      value = token.text;
      break;
    case "datetimeoffset": {
      const ms = parseDateTimeOffset(token.text);
      if (ms === null) bad();
      value = ms;
      break;
    }
    case "timeofday":
      value = token.text;
      break;
    case "boolean":
      value = token.text === "true";
      break;
    case "null":
      value = null;
      break;
    default:
      value = token.text;
  }
  return { kind: "literal", type: kind, value, text: token.text, pos: token.pos };
}

function validDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** Epoch milliseconds of an OData DateTimeOffset literal, or null when a field is out of range. */
export function parseDateTimeOffset(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?([Zz]|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (!m) return null;
  if (!validDate(`${m[1]}-${m[2]}-${m[3]}`)) return null;
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6] ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return null;
  const millis = Number(((m[7] ?? "") + "000").slice(0, 3));
  let ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), hour, minute, second, millis);
  if (m[9]) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11]);
    if (offsetHours > 14 || offsetMinutes > 59) return null;
    const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
    ms += m[9] === "+" ? -offset : offset;
  }
  return ms;
}

/** `["a","b"]` / `[1,2]` as used in Dataverse query functions' PropertyValues. */
function bracketList(token: Token, text: string): ListNode {
  let parsed: unknown;
  try {
    parsed = JSON.parse(token.text.replace(/'((?:[^']|'')*)'/g, (_m, inner: string) => JSON.stringify(inner.replace(/''/g, "'"))));
  } catch {
    throw new ODataError(messages.syntaxError(token.pos, text));
  }
  if (!Array.isArray(parsed)) throw new ODataError(messages.syntaxError(token.pos, text));
  const items: ExprNode[] = parsed.map((item) => {
    if (typeof item === "string") return { kind: "literal", type: "string", value: item, text: `'${item}'`, pos: token.pos };
    if (typeof item === "number") {
      return { kind: "literal", type: Number.isInteger(item) ? "int32" : "decimal", value: item, text: String(item), pos: token.pos };
    }
    if (typeof item === "boolean") return { kind: "literal", type: "boolean", value: item, text: String(item), pos: token.pos };
    if (item === null) return { kind: "literal", type: "null", value: null, text: "null", pos: token.pos };
    throw new ODataError(messages.syntaxError(token.pos, text));
  });
  return { kind: "list", items, pos: token.pos };
}
