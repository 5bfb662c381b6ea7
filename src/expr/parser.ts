/**
 * Parser, following Pebble's precedence-climbing ExpressionParser and its if/for/set tag parsers.
 * Differences, on purpose: unknown filters/tests/functions and wrong argument counts are reported
 * here (Pebble finds them while rendering) so a flow's templates can be validated before any call.
 */
import type { Args, BinaryOp, Expr, Node } from "./ast.js";
import { ExprError } from "./errors.js";
import { FILTERS } from "./filters/index.js";
import { FUNCTIONS } from "./functions.js";
import { TESTS } from "./is-tests.js";
import { tokenize, type Token, type TokenType } from "./lexer.js";
import { MAX_CHAIN, MAX_NESTING } from "./limits.js";
import { UNSUPPORTED_TAGS } from "./registry.js";
import { JDouble } from "./values.js";

const BINARY: Record<string, number> = {
  or: 10,
  and: 15,
  is: 20,
  "is not": 20,
  contains: 20,
  "==": 30,
  equals: 30,
  "!=": 30,
  ">": 30,
  "<": 30,
  ">=": 30,
  "<=": 30,
  "+": 40,
  "-": 40,
  "*": 60,
  "/": 60,
  "%": 60,
  "|": 100,
  "~": 110,
  "..": 120,
};
const UNARY_PRECEDENCE = 500;
const RESERVED = new Set(["true", "false", "null", "none"]);
const LONG_MAX = 2n ** 63n - 1n;

export function parse(source: string): Node[] {
  return new Parser(source, tokenize(source)).parseTemplate();
}

class Parser {
  private i = 0;
  private depth = 0;
  private chain = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  private get cur(): Token {
    return this.tokens[this.i]!;
  }

  private peek(): Token {
    return this.tokens[Math.min(this.i + 1, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.tokens[this.i]!;
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private fail(reason: string, pos: number): never {
    throw new ExprError(reason, this.source, pos);
  }

  private unexpected(t: Token, expected?: string): never {
    const what = t.type === "EOF" ? "Unexpected end of template" : `Unexpected token '${t.value}'`;
    this.fail(expected ? `${what}, expected ${expected}` : what, t.pos);
  }

  private test(type: TokenType, value?: string): boolean {
    const t = this.cur;
    return t.type === type && (value === undefined || t.value === value);
  }

  private expect(type: TokenType, value?: string): Token {
    if (!this.test(type, value)) {
      const expected = value !== undefined ? `'${value}'` : type === "NAME" ? "a name" : type === "EXECUTE_END" ? "'%}'" : type === "PRINT_END" ? "'}}'" : type.toLowerCase();
      this.unexpected(this.cur, expected);
    }
    return this.next();
  }

  private enter(pos: number): void {
    if (++this.depth > MAX_NESTING) this.fail(`Template nested too deeply (more than ${MAX_NESTING} levels)`, pos);
  }

  /**
   * Operators, filters and attribute steps in a row build a left-deep tree that `enter` does not
   * see (`a.a.a...`, `1 + 1 + ...`); the compiler and the evaluator recurse over it, so one
   * statement's chain is bounded too, or 20,000 steps overflow the JavaScript stack.
   */
  private chainStep(pos: number): void {
    if (++this.chain > MAX_CHAIN) this.fail(`Expression too long (more than ${MAX_CHAIN} operators, filters and attribute steps in one statement)`, pos);
  }

  /** An expression that starts a statement (`{{ }}`, `{% set %}`, `{% if %}`, `{% for %}`). */
  private parseStatementExpression(): Expr {
    this.chain = 0;
    return this.parseExpression(0);
  }

  parseTemplate(): Node[] {
    const { nodes, stop } = this.parseBody(null);
    if (stop) this.fail(`Unexpected tag '${stop.name}'`, stop.pos);
    return nodes;
  }

  /** Parses until EOF or a `{% name %}` with a name in `stops` (consumed up to the name). */
  private parseBody(stops: readonly string[] | null): { nodes: Node[]; stop: { name: string; pos: number } | null } {
    const nodes: Node[] = [];
    for (;;) {
      const t = this.cur;
      switch (t.type) {
        case "EOF":
          return { nodes, stop: null };
        case "TEXT":
          this.next();
          nodes.push({ kind: "text", text: t.value, pos: t.pos });
          break;
        case "PRINT_START": {
          this.next();
          if (this.test("PRINT_END")) this.unexpected(this.cur, "an expression");
          const expr = this.parseStatementExpression();
          this.expect("PRINT_END");
          nodes.push({ kind: "print", expr, pos: t.pos });
          break;
        }
        case "EXECUTE_START": {
          this.next();
          const tag = this.expect("NAME");
          if (stops?.includes(tag.value)) return { nodes, stop: { name: tag.value, pos: tag.pos } };
          nodes.push(this.parseTag(tag, t.pos));
          break;
        }
        default:
          this.unexpected(t);
      }
    }
  }

  private parseTag(tag: Token, start: number): Node {
    this.enter(start);
    try {
      switch (tag.value) {
        case "if":
          return this.parseIf(start);
        case "for":
          return this.parseFor(start);
        case "set": {
          const name = this.parseNewVariableName();
          this.expect("PUNCT", "=");
          const expr = this.parseStatementExpression();
          this.expect("EXECUTE_END");
          return { kind: "set", name, expr, pos: start };
        }
        case "elseif":
        case "else":
        case "endif":
        case "endfor":
          return this.fail(`Unexpected tag '${tag.value}'`, tag.pos);
        default:
          if (UNSUPPORTED_TAGS.has(tag.value)) return this.fail(`Tag '${tag.value}' is not supported in Flow Designer templates`, tag.pos);
          return this.fail(`Unknown tag '${tag.value}'`, tag.pos);
      }
    } finally {
      this.depth--;
    }
  }

  private parseIf(start: number): Node {
    const branches: Array<{ condition: Expr; body: Node[]; pos: number }> = [];
    let condition = this.parseStatementExpression();
    let condPos = start;
    this.expect("EXECUTE_END");
    for (;;) {
      const { nodes, stop } = this.parseBody(["elseif", "else", "endif"]);
      branches.push({ condition, body: nodes, pos: condPos });
      if (!stop) this.fail("Unclosed 'if' (missing '{% endif %}')", start);
      if (stop.name === "elseif") {
        condPos = stop.pos;
        condition = this.parseStatementExpression();
        this.expect("EXECUTE_END");
        continue;
      }
      this.expect("EXECUTE_END");
      if (stop.name === "endif") return { kind: "if", branches, otherwise: null, pos: start };
      const rest = this.parseBody(["endif"]);
      if (!rest.stop) this.fail("Unclosed 'if' (missing '{% endif %}')", start);
      this.expect("EXECUTE_END");
      return { kind: "if", branches, otherwise: rest.nodes, pos: start };
    }
  }

  private parseFor(start: number): Node {
    const variable = this.parseNewVariableName();
    this.expect("NAME", "in");
    const iterable = this.parseStatementExpression();
    this.expect("EXECUTE_END");
    const { nodes, stop } = this.parseBody(["else", "endfor"]);
    if (!stop) this.fail("Unclosed 'for' (missing '{% endfor %}')", start);
    this.expect("EXECUTE_END");
    if (stop.name === "endfor") return { kind: "for", variable, iterable, body: nodes, otherwise: null, pos: start };
    const rest = this.parseBody(["endfor"]);
    if (!rest.stop) this.fail("Unclosed 'for' (missing '{% endfor %}')", start);
    this.expect("EXECUTE_END");
    return { kind: "for", variable, iterable, body: nodes, otherwise: rest.nodes, pos: start };
  }

  private parseNewVariableName(): string {
    const t = this.expect("NAME");
    if (RESERVED.has(t.value)) this.fail(`Can not assign a value to ${t.value}`, t.pos);
    return t.value;
  }

  private parseExpression(minPrecedence: number): Expr {
    const start = this.cur;
    this.enter(start.pos);
    let expr: Expr;
    if (start.type === "OPERATOR" && (start.value === "not" || start.value === "-" || start.value === "+")) {
      this.next();
      const operand = this.parseExpression(UNARY_PRECEDENCE);
      expr = { kind: "unary", op: start.value, operand, pos: start.pos };
    } else if (start.type === "PUNCT" && start.value === "(") {
      this.next();
      expr = this.parseExpression(0);
      this.expect("PUNCT", ")");
      expr = this.parsePostfix(expr);
    } else if (start.type === "PUNCT" && start.value === "[") {
      // Pebble applies no postfix to list and map literals: `[1,2][0]` is a syntax error.
      expr = this.parseList();
    } else if (start.type === "PUNCT" && start.value === "{") {
      expr = this.parseMap();
    } else {
      expr = this.parsePrimary();
    }

    for (;;) {
      const t = this.cur;
      if (t.type !== "OPERATOR") break;
      const precedence = BINARY[t.value];
      if (precedence === undefined || precedence < minPrecedence) break;
      this.chainStep(t.pos);
      this.next();
      if (t.value === "|") expr = this.parseFilter(expr);
      else if (t.value === "is" || t.value === "is not") expr = this.parseTest(expr, t.value === "is not", t.pos);
      else {
        const right = this.parseExpression(precedence + 1);
        expr = { kind: "binary", op: t.value as BinaryOp, left: expr, right, pos: t.pos };
      }
    }

    if (minPrecedence === 0 && this.test("PUNCT", "?")) {
      const q = this.next();
      const then = this.parseExpression(0);
      this.expect("PUNCT", ":");
      const otherwise = this.parseExpression(0);
      expr = { kind: "ternary", condition: expr, then, otherwise, pos: q.pos };
    }
    this.depth--;
    return expr;
  }

  private parsePrimary(): Expr {
    const t = this.cur;
    let node: Expr;
    switch (t.type) {
      case "NAME":
        this.next();
        switch (t.value) {
          case "true":
          case "TRUE":
            node = { kind: "literal", value: true, pos: t.pos };
            break;
          case "false":
          case "FALSE":
            node = { kind: "literal", value: false, pos: t.pos };
            break;
          case "null":
          case "NULL":
          case "none":
          case "NONE":
            node = { kind: "literal", value: null, pos: t.pos };
            break;
          default:
            node = this.test("PUNCT", "(") ? this.parseCall(t) : { kind: "variable", name: t.value, pos: t.pos };
        }
        break;
      case "NUMBER":
      case "LONG":
        this.next();
        node = { kind: "literal", value: this.number(t), pos: t.pos };
        break;
      case "STRING":
      case "INTERP_START":
        node = this.parseString();
        break;
      default:
        return this.unexpected(t);
    }
    return this.parsePostfix(node);
  }

  private number(t: Token): unknown {
    if (t.type === "NUMBER" && t.value.includes(".")) {
      const v = Number(t.value);
      return Number.isInteger(v) ? new JDouble(v) : v;
    }
    const big = BigInt(t.value);
    if (big > LONG_MAX) this.fail(`Number too large for a Long: ${t.value}`, t.pos);
    return Number(big);
  }

  private parseString(): Expr {
    const pos = this.cur.pos;
    const parts: Expr[] = [];
    let previousWasString = false;
    for (;;) {
      const t = this.cur;
      if (t.type === "STRING" && !previousWasString) {
        this.next();
        parts.push({ kind: "literal", value: t.value, pos: t.pos });
        previousWasString = true;
      } else if (t.type === "INTERP_START") {
        this.next();
        parts.push(this.parseExpression(0));
        this.expect("INTERP_END");
        previousWasString = false;
      } else break;
    }
    return parts.length === 1 ? parts[0]! : { kind: "interpolation", parts, pos };
  }

  private parsePostfix(node: Expr): Expr {
    for (;;) {
      const t = this.cur;
      if (t.type !== "PUNCT") return node;
      if (t.value === "." || t.value === "[") this.chainStep(t.pos);
      if (t.value === ".") {
        this.next();
        const name = this.expect("NAME");
        let args: Expr[] | null = null;
        if (this.test("PUNCT", "(")) {
          const parsed = this.parseArguments();
          if (parsed.named.length) this.fail("Can not use named arguments when calling a bean method", parsed.named[0]!.pos);
          args = parsed.positional;
        }
        node = { kind: "attribute", object: node, name: name.value, key: null, args, pos: name.pos };
      } else if (t.value === "[") {
        this.next();
        const key = this.parseExpression(0);
        this.expect("PUNCT", "]");
        node = { kind: "attribute", object: node, name: null, key, args: null, pos: t.pos };
      } else return node;
    }
  }

  private parseArguments(): Args {
    const args: Args = { positional: [], named: [] };
    this.expect("PUNCT", "(");
    while (!this.test("PUNCT", ")")) {
      if (args.positional.length || args.named.length) this.expect("PUNCT", ",");
      const start = this.cur;
      if (this.peek().type === "PUNCT" && this.peek().value === "=") {
        const name = this.parseNewVariableName();
        this.expect("PUNCT", "=");
        args.named.push({ name, value: this.parseExpression(0), pos: start.pos });
      } else {
        if (args.named.length) this.fail("Positional arguments must be declared before any named arguments.", start.pos);
        args.positional.push(this.parseExpression(0));
      }
    }
    this.expect("PUNCT", ")");
    return args;
  }

  private checkArgs(what: string, name: string, argNames: readonly string[] | null, args: Args): void {
    if (argNames === null) return;
    if (args.positional.length > argNames.length) {
      this.fail(
        `${what} '${name}': The argument at position ${argNames.length + 1} is not allowed. Only ${argNames.length} argument(s) are allowed.`,
        args.positional[argNames.length]!.pos,
      );
    }
    for (const n of args.named) {
      if (argNames.length && !argNames.includes(n.name)) this.fail(`${what} '${name}': The following named argument does not exist: ${n.name}`, n.pos);
    }
  }

  private parseFilter(input: Expr): Expr {
    const name = this.expect("NAME");
    const def = FILTERS.get(name.value);
    if (!def) this.fail(`Unknown filter '${name.value}'`, name.pos);
    const args = this.test("PUNCT", "(") ? this.parseArguments() : { positional: [], named: [] };
    this.checkArgs("Filter", name.value, def.argNames, args);
    return { kind: "filter", input, name: name.value, args, pos: name.pos };
  }

  private parseTest(operand: Expr, negated: boolean, pos: number): Expr {
    const name = this.expect("NAME");
    const def = TESTS.get(name.value);
    if (!def) this.fail(`Unknown test '${name.value}'`, name.pos);
    const args = this.test("PUNCT", "(") ? this.parseArguments() : { positional: [], named: [] };
    this.checkArgs("Test", name.value, def.argNames, args);
    return { kind: "test", operand, name: name.value, args, negated, pos };
  }

  private parseCall(name: Token): Expr {
    const def = FUNCTIONS.get(name.value);
    if (!def) {
      if (name.value === "block" || name.value === "parent") this.fail(`Function '${name.value}' is not supported in Flow Designer templates`, name.pos);
      this.fail(`Unknown function '${name.value}'`, name.pos);
    }
    const args = this.parseArguments();
    this.checkArgs("Function", name.value, def.argNames, args);
    return { kind: "call", name: name.value, args, pos: name.pos };
  }

  private parseList(): Expr {
    const open = this.expect("PUNCT", "[");
    const items: Expr[] = [];
    if (!this.test("PUNCT", "]")) {
      for (;;) {
        items.push(this.parseExpression(0));
        if (this.test("PUNCT", "]")) break;
        this.expect("PUNCT", ",");
      }
    }
    this.expect("PUNCT", "]");
    return { kind: "list", items, pos: open.pos };
  }

  private parseMap(): Expr {
    const open = this.expect("PUNCT", "{");
    const entries: Array<[Expr, Expr]> = [];
    if (!this.test("PUNCT", "}")) {
      for (;;) {
        const key = this.parseExpression(0);
        this.expect("PUNCT", ":");
        entries.push([key, this.parseExpression(0)]);
        if (this.test("PUNCT", "}")) break;
        this.expect("PUNCT", ",");
      }
    }
    this.expect("PUNCT", "}");
    return { kind: "map", entries, pos: open.pos };
  }
}
