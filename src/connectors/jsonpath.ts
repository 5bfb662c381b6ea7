/**
 * Jayway JsonPath, as Webex's HTTP Request and Parse activities use it, and the §6.4 response
 * mapping built on it.
 *
 * Written here rather than wrapping jsonpath-plus: jsonpath-plus is a Goessner-style engine whose
 * filters are JavaScript (`==` coerces, no `=~`, `in`, `size`, `empty`), which has no notion of a
 * "definite" path (Jayway returns a single value for `$.a[0].b` but a list for anything with a
 * wildcard, filter, deep scan, slice or union — the reason a filter result "cannot be indexed
 * further"), and which gives its own meaning to `~`, `^` and `@path`. The dialect below follows
 * Jayway's PathCompiler/FilterCompiler and its value-node comparison rules:
 * - a path not starting with `$` or `@` gets `$.` prepended; `.[` is accepted; a path may not
 *   end in `.` or `..`;
 * - `.name`, `['name']`, `["a.b"]`, `['a','b']`, `*`, `[0]`, `[-1]`, `[0,2]`, `[1:3]`, `..`,
 *   `[?(<filter>)]`, and the functions `length() size() min() max() avg() sum() stddev() keys()
 *   first() last()` at the end;
 * - filters: `|| && !`, parentheses, `== != === !== < <= > >= =~ in nin subsetof anyof noneof
 *   contains size empty`, operands `@…`, `$…`, strings, numbers, `true false null`, `/re/flags`,
 *   JSON arrays; a bare path tests existence (an empty array does not exist).
 */
import type { VariableType } from "../flow/types.js";
import { checkJavaRegex, javaMatches } from "../expr/index.js";

/** A `/…/flags` filter operand: a java.util.regex pattern (flags inline), run on RE2 by src/expr. */
class JavaPattern {
  constructor(readonly source: string) {}
}

export class JsonPathSyntaxError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position} in JSONPath ${JSON.stringify(path)}`);
    this.name = "JsonPathSyntaxError";
  }
}

type Segment =
  | { kind: "props"; names: string[] }
  | { kind: "wildcard" }
  | { kind: "indexes"; indexes: number[] }
  | { kind: "slice"; from?: number; to?: number; step?: number }
  | { kind: "filter"; expr: FilterExpr }
  | { kind: "scan"; then: Segment }
  | { kind: "function"; name: string };

type FilterExpr =
  | { kind: "or" | "and"; left: FilterExpr; right: FilterExpr }
  | { kind: "not"; expr: FilterExpr }
  | { kind: "exists"; path: CompiledPath }
  | { kind: "relation"; op: string; left: Operand; right: Operand };

type Operand =
  | { kind: "path"; path: CompiledPath }
  | { kind: "literal"; value: unknown }
  | { kind: "regex"; regex: JavaPattern };

export interface CompiledPath {
  /** `$` (document root) or `@` (current item in a filter). */
  root: "$" | "@";
  segments: Segment[];
  /** True when the path yields at most one value (no wildcard, filter, scan, slice or union). */
  definite: boolean;
  /** For a top-level path of single names and indexes: its steps (see simplePath); else null. */
  simple?: Array<string | number> | null;
}

/** Sentinel for "nothing here", distinct from JSON null. */
const MISSING: unique symbol = Symbol("missing");
type Maybe = unknown | typeof MISSING;

const FUNCTIONS = new Set(["length", "size", "min", "max", "avg", "sum", "stddev", "keys", "first", "last"]);

class PathParser {
  pos = 0;
  constructor(
    readonly text: string,
    readonly original: string,
    /** Offset of `text` inside `original`, for positions in messages. */
    readonly offset: number,
  ) {}

  fail(message: string, at = this.pos): never {
    throw new JsonPathSyntaxError(message, this.original, Math.max(0, at + this.offset));
  }

  peek(n = 0): string {
    return this.text[this.pos + n] ?? "";
  }

  eof(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }

  /** Parses a path starting at `pos`; in a filter stops before a character that ends the operand. */
  parsePath(inFilter: boolean): CompiledPath {
    const root = this.peek();
    if (root !== "$" && root !== "@") this.fail("A path starts with $ or @");
    this.pos++;
    const segments: Segment[] = [];
    const stop = (c: string) => inFilter && (c === " " || c === ")" || c === "=" || c === "!" || c === "<" || c === ">" || c === "&" || c === "|" || c === ",");
    while (!this.eof() && !stop(this.peek())) {
      const c = this.peek();
      if (c === ".") {
        if (this.peek(1) === ".") {
          this.pos += 2;
          if (this.eof() || stop(this.peek())) this.fail("A path may not end with '..'");
          let then: Segment;
          if (this.peek() === "[") then = this.parseBracket();
          else if (this.peek() === "*") {
            this.pos++;
            then = { kind: "wildcard" };
          } else then = this.parseDotName(stop);
          if (then.kind === "function") this.fail("A function cannot follow '..'");
          segments.push({ kind: "scan", then });
          continue;
        }
        this.pos++;
        if (this.eof() || stop(this.peek())) this.fail("A path may not end with '.'");
        if (this.peek() === "[") {
          // Jayway accepts `.[0]` and `.['x']`.
          segments.push(this.parseBracket());
        } else if (this.peek() === "*") {
          this.pos++;
          segments.push({ kind: "wildcard" });
        } else {
          segments.push(this.parseDotName(stop));
        }
      } else if (c === "[") {
        segments.push(this.parseBracket());
      } else {
        this.fail(`Unexpected character '${c}'`);
      }
    }
    const fnAt = segments.findIndex((s) => s.kind === "function");
    if (fnAt >= 0 && fnAt !== segments.length - 1) this.fail("A function must be the last element of a path");
    const definite = segments.every(
      (s) => s.kind === "function" || (s.kind === "props" && s.names.length === 1) || (s.kind === "indexes" && s.indexes.length === 1),
    );
    return { root: root as "$" | "@", segments, definite };
  }

  parseDotName(stop: (c: string) => boolean): Segment {
    const start = this.pos;
    while (!this.eof()) {
      const c = this.peek();
      if (c === "." || c === "[" || c === "(" || stop(c) || c === " ") break;
      this.pos++;
    }
    const name = this.text.slice(start, this.pos);
    if (name === "") this.fail("Expected a property name");
    if (this.peek() === "(") {
      if (this.peek(1) !== ")") this.fail("Function arguments are not supported");
      if (!FUNCTIONS.has(name)) this.fail(`Unknown function ${name}()`, start);
      this.pos += 2;
      return { kind: "function", name };
    }
    return { kind: "props", names: [name] };
  }

  parseBracket(): Segment {
    const open = this.pos;
    this.pos++; // [
    this.skipSpaces();
    const c = this.peek();
    let seg: Segment;
    if (c === "*") {
      this.pos++;
      seg = { kind: "wildcard" };
    } else if (c === "?") {
      this.pos++;
      this.skipSpaces();
      if (this.peek() !== "(") this.fail("Expected '(' after '?'");
      this.pos++;
      const expr = this.parseOr();
      this.skipSpaces();
      if (this.peek() !== ")") this.fail("Expected ')' to close the filter");
      this.pos++;
      seg = { kind: "filter", expr };
    } else if (c === "'" || c === '"') {
      const names = [this.parseQuoted()];
      this.skipSpaces();
      while (this.peek() === ",") {
        this.pos++;
        this.skipSpaces();
        if (this.peek() !== "'" && this.peek() !== '"') this.fail("Expected a quoted property name");
        names.push(this.parseQuoted());
        this.skipSpaces();
      }
      seg = { kind: "props", names };
    } else if (c === "-" || c === ":" || /[0-9]/.test(c)) {
      seg = this.parseIndexOrSlice();
    } else {
      this.fail(c === "" ? "Unclosed '['" : `Unexpected character '${c}' in brackets`);
    }
    this.skipSpaces();
    if (this.peek() !== "]") this.fail(this.eof() ? "Unclosed '['" : `Expected ']' (the '[' is at position ${open + this.offset})`);
    this.pos++;
    return seg;
  }

  parseQuoted(): string {
    const quote = this.peek();
    const start = this.pos;
    this.pos++;
    let out = "";
    while (!this.eof() && this.peek() !== quote) {
      if (this.peek() === "\\" && this.pos + 1 < this.text.length) {
        this.pos++;
      }
      out += this.peek();
      this.pos++;
    }
    if (this.eof()) this.fail("Unterminated string", start);
    this.pos++;
    return out;
  }

  parseInt(): number | undefined {
    const m = /^-?[0-9]+/.exec(this.text.slice(this.pos));
    if (!m) return undefined;
    this.pos += m[0].length;
    return Number(m[0]);
  }

  parseIndexOrSlice(): Segment {
    const first = this.parseInt();
    this.skipSpaces();
    if (this.peek() === ":") {
      this.pos++;
      this.skipSpaces();
      const to = this.parseInt();
      this.skipSpaces();
      let step: number | undefined;
      if (this.peek() === ":") {
        this.pos++;
        this.skipSpaces();
        step = this.parseInt();
      }
      return { kind: "slice", from: first, to, step };
    }
    if (first === undefined) this.fail("Expected an index");
    const indexes = [first];
    while (this.peek() === ",") {
      this.pos++;
      this.skipSpaces();
      const next = this.parseInt();
      if (next === undefined) this.fail("Expected an index");
      indexes.push(next);
      this.skipSpaces();
    }
    return { kind: "indexes", indexes };
  }

  // --- filter expressions -------------------------------------------------------------------

  parseOr(): FilterExpr {
    let left = this.parseAnd();
    for (;;) {
      this.skipSpaces();
      if (this.text.startsWith("||", this.pos)) {
        this.pos += 2;
        left = { kind: "or", left, right: this.parseAnd() };
      } else return left;
    }
  }

  parseAnd(): FilterExpr {
    let left = this.parseUnary();
    for (;;) {
      this.skipSpaces();
      if (this.text.startsWith("&&", this.pos)) {
        this.pos += 2;
        left = { kind: "and", left, right: this.parseUnary() };
      } else return left;
    }
  }

  parseUnary(): FilterExpr {
    this.skipSpaces();
    if (this.peek() === "!" && this.peek(1) !== "=") {
      this.pos++;
      return { kind: "not", expr: this.parseUnary() };
    }
    if (this.peek() === "(") {
      this.pos++;
      const inner = this.parseOr();
      this.skipSpaces();
      if (this.peek() !== ")") this.fail("Expected ')'");
      this.pos++;
      return inner;
    }
    const left = this.parseOperand();
    this.skipSpaces();
    const op = this.parseOperator();
    if (op === undefined) {
      if (left.kind !== "path") this.fail("Expected a comparison operator");
      return { kind: "exists", path: left.path };
    }
    this.skipSpaces();
    const right = this.parseOperand();
    return { kind: "relation", op, left, right };
  }

  parseOperator(): string | undefined {
    for (const op of ["===", "!==", "==", "!=", "<=", ">=", "=~", "<", ">"]) {
      if (this.text.startsWith(op, this.pos)) {
        this.pos += op.length;
        return op;
      }
    }
    const m = /^(nin|in|subsetof|anyof|noneof|contains|size|empty)\b/i.exec(this.text.slice(this.pos));
    if (m) {
      this.pos += m[0].length;
      return m[1]!.toLowerCase();
    }
    return undefined;
  }

  parseOperand(): Operand {
    this.skipSpaces();
    const c = this.peek();
    if (c === "@" || c === "$") return { kind: "path", path: this.parsePath(true) };
    if (c === "'" || c === '"') return { kind: "literal", value: this.parseQuoted() };
    if (c === "/") return { kind: "regex", regex: this.parseRegex() };
    if (c === "[" || c === "{") return { kind: "literal", value: this.parseJsonLiteral() };
    const num = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(this.text.slice(this.pos));
    if (num) {
      this.pos += num[0].length;
      return { kind: "literal", value: Number(num[0]) };
    }
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return { kind: "literal", value };
      }
    }
    this.fail(c === "" ? "Unexpected end of filter" : `Unexpected '${c}' in filter`);
  }

  parseRegex(): JavaPattern {
    const start = this.pos;
    this.pos++;
    let source = "";
    while (!this.eof() && this.peek() !== "/") {
      if (this.peek() === "\\") {
        source += this.peek();
        this.pos++;
      }
      source += this.peek();
      this.pos++;
    }
    if (this.eof()) this.fail("Unterminated regular expression", start);
    this.pos++;
    const flags = /^[a-z]*/.exec(this.text.slice(this.pos))![0];
    this.pos += flags.length;
    // Jayway compiles `/re/flags` with java.util.regex (i, m, s as Pattern flags; u is RE2's default).
    const unknown = flags.replace(/[imsu]/g, "");
    if (unknown) this.fail(`Bad regular expression: flag '${unknown[0]}' is not supported (i, m, s, u are)`, start);
    const inline = flags.replace(/u/g, "");
    const pattern = new JavaPattern(`${inline ? `(?${[...new Set(inline)].join("")})` : ""}${source}`);
    try {
      // The same Java-to-RE2 translation as templates' regular expressions: linear time, and
      // backreferences, lookaround and the like refused with a clear error.
      checkJavaRegex(pattern.source);
    } catch (err) {
      this.fail(`Bad regular expression: ${(err as Error).message}`, start);
    }
    return pattern;
  }

  parseJsonLiteral(): unknown {
    // Find the matching close bracket, skipping quoted strings; then parse (single quotes allowed).
    const start = this.pos;
    const open = this.peek();
    const close = open === "[" ? "]" : "}";
    let depth = 0;
    let quote = "";
    for (; !this.eof(); this.pos++) {
      const ch = this.peek();
      if (quote) {
        if (ch === "\\") this.pos++;
        else if (ch === quote) quote = "";
      } else if (ch === "'" || ch === '"') quote = ch;
      else if (ch === open) depth++;
      else if (ch === close && --depth === 0) break;
    }
    if (this.eof()) this.fail(`Unclosed '${open}'`, start);
    this.pos++;
    const raw = this.text.slice(start, this.pos);
    const json = raw.replace(/'((?:[^'\\]|\\.)*)'/g, (_m, s: string) => JSON.stringify(s.replace(/\\'/g, "'")));
    try {
      return JSON.parse(json);
    } catch {
      this.fail("Bad JSON literal", start);
    }
  }
}

/**
 * Compiles a JSONPath the way Jayway does; throws JsonPathSyntaxError on a bad path. Nothing is
 * kept here: whoever runs a path many times holds its compiled form (an HTTP Request's compiled
 * step holds its mappings', engine/compiled-flow.ts).
 */
export function compileJsonPath(path: string): CompiledPath {
  const trimmed = path.trim();
  if (trimmed === "") throw new JsonPathSyntaxError("Empty path", path, 0);
  const lead = path.length - path.trimStart().length;
  let text = trimmed;
  let offset = lead;
  if (!text.startsWith("$") && !text.startsWith("@")) {
    text = `$.${text}`;
    offset -= 2;
  }
  if (/\.\.?$/.test(text) && text !== "$") {
    throw new JsonPathSyntaxError("A path may not end with '.' or '..'", path, path.length);
  }
  const parser = new PathParser(text, path, offset);
  const compiled = parser.parsePath(false);
  if (!parser.eof()) parser.fail(`Unexpected '${parser.peek()}'`);
  compiled.simple = compiled.root === "$" ? simplePath(compiled) : null;
  return compiled;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function hasOwn(o: Record<string, unknown>, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isObject(v)) return Object.values(v);
  return [];
}

/** Node and all its descendants, pre-order (Jayway's deep-scan order). */
function descendantsAndSelf(v: unknown, out: unknown[]): void {
  out.push(v);
  for (const c of children(v)) if (typeof c === "object" && c !== null) descendantsAndSelf(c, out);
}

function applySegment(seg: Segment, nodes: unknown[], root: unknown, isLast: boolean): unknown[] {
  const out: unknown[] = [];
  switch (seg.kind) {
    case "props":
      for (const n of nodes) {
        if (!isObject(n)) continue;
        if (seg.names.length === 1) {
          if (hasOwn(n, seg.names[0]!)) out.push(n[seg.names[0]!]);
        } else if (isLast) {
          // Jayway merges a leaf union of properties into one object.
          const merged: Record<string, unknown> = {};
          for (const k of seg.names) if (hasOwn(n, k)) merged[k] = n[k];
          out.push(merged);
        } else {
          for (const k of seg.names) if (hasOwn(n, k)) out.push(n[k]);
        }
      }
      return out;
    case "wildcard":
      for (const n of nodes) out.push(...children(n));
      return out;
    case "indexes":
      for (const n of nodes) {
        if (!Array.isArray(n)) continue;
        for (const i of seg.indexes) {
          const at = i < 0 ? n.length + i : i;
          if (at >= 0 && at < n.length) out.push(n[at]);
        }
      }
      return out;
    case "slice":
      for (const n of nodes) {
        if (!Array.isArray(n)) continue;
        const len = n.length;
        const norm = (v: number | undefined, dflt: number) => (v === undefined ? dflt : v < 0 ? Math.max(0, len + v) : Math.min(len, v));
        const from = norm(seg.from, 0);
        const to = norm(seg.to, len);
        const step = seg.step && seg.step > 0 ? seg.step : 1;
        for (let i = from; i < to; i += step) out.push(n[i]);
      }
      return out;
    case "filter":
      for (const n of nodes) {
        if (Array.isArray(n)) {
          for (const item of n) if (evalFilter(seg.expr, item, root)) out.push(item);
        } else if (isObject(n)) {
          // On an object Jayway tests the object itself.
          if (evalFilter(seg.expr, n, root)) out.push(n);
        }
      }
      return out;
    case "scan": {
      const all: unknown[] = [];
      for (const n of nodes) descendantsAndSelf(n, all);
      return applySegment(seg.then, all, root, isLast);
    }
    case "function":
      return nodes;
  }
}

function evaluateCompiled(path: CompiledPath, current: unknown, root: unknown): { definite: boolean; values: unknown[] } {
  let nodes: unknown[] = [path.root === "$" ? root : current];
  const segs = path.segments;
  const fn = segs.at(-1)?.kind === "function" ? (segs.at(-1) as { name: string }).name : undefined;
  const steps = fn ? segs.slice(0, -1) : segs;
  steps.forEach((seg, i) => {
    nodes = applySegment(seg, nodes, root, i === steps.length - 1);
  });
  if (fn) {
    const target = path.definite ? nodes[0] : nodes;
    if (nodes.length === 0 && path.definite) return { definite: true, values: [] };
    const r = applyFunction(fn, target);
    return { definite: true, values: r === MISSING ? [] : [r] };
  }
  return { definite: path.definite, values: nodes };
}

function applyFunction(name: string, target: unknown): Maybe {
  const list = Array.isArray(target) ? target : undefined;
  const numbers = () => (list ?? []).filter((v): v is number => typeof v === "number");
  switch (name) {
    case "length":
    case "size":
      if (Array.isArray(target)) return target.length;
      if (isObject(target)) return Object.keys(target).length;
      if (typeof target === "string") return target.length;
      return MISSING;
    case "keys":
      return isObject(target) ? Object.keys(target) : MISSING;
    case "first":
      return list && list.length > 0 ? list[0] : MISSING;
    case "last":
      return list && list.length > 0 ? list[list.length - 1] : MISSING;
    case "min":
    case "max":
    case "sum":
    case "avg":
    case "stddev": {
      const ns = numbers();
      if (ns.length === 0) return MISSING;
      const sum = ns.reduce((a, b) => a + b, 0);
      if (name === "min") return Math.min(...ns);
      if (name === "max") return Math.max(...ns);
      if (name === "sum") return sum;
      const avg = sum / ns.length;
      if (name === "avg") return avg;
      return Math.sqrt(ns.reduce((a, b) => a + (b - avg) ** 2, 0) / ns.length);
    }
  }
  return MISSING;
}

// --- filter evaluation ------------------------------------------------------------------------

function operandValue(op: Operand, item: unknown, root: unknown): Maybe {
  if (op.kind === "literal") return op.value;
  if (op.kind === "regex") return op.regex;
  const r = evaluateCompiled(op.path, item, root);
  if (r.definite) return r.values.length > 0 ? r.values[0] : MISSING;
  return r.values;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Jayway's value-node `equals`: numbers and strings meet through the left operand's type. */
function looseEqual(a: Maybe, b: Maybe): boolean {
  if (a === MISSING || b === MISSING) return false;
  if (typeof a === "number" && typeof b === "string") {
    const n = b.trim() === "" ? NaN : Number(b);
    return n === a;
  }
  if (typeof a === "string" && typeof b === "number") return a === String(b);
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) return jsonEqual(a, b);
  return a === b;
}

function compare(op: string, a: Maybe, b: Maybe): boolean {
  let c: number;
  if (typeof a === "number" && typeof b === "number") c = a - b;
  else if (typeof a === "string" && typeof b === "string") c = a < b ? -1 : a > b ? 1 : 0;
  else return false;
  switch (op) {
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    default:
      return c >= 0;
  }
}

function asList(v: Maybe): unknown[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

function evalFilter(expr: FilterExpr, item: unknown, root: unknown): boolean {
  switch (expr.kind) {
    case "or":
      return evalFilter(expr.left, item, root) || evalFilter(expr.right, item, root);
    case "and":
      return evalFilter(expr.left, item, root) && evalFilter(expr.right, item, root);
    case "not":
      return !evalFilter(expr.expr, item, root);
    case "exists": {
      const v = operandValue({ kind: "path", path: expr.path }, item, root);
      if (v === MISSING) return false;
      return !(Array.isArray(v) && v.length === 0 && !expr.path.definite);
    }
    case "relation": {
      const a = operandValue(expr.left, item, root);
      const b = operandValue(expr.right, item, root);
      switch (expr.op) {
        case "==":
          return looseEqual(a, b);
        case "!=":
          return !looseEqual(a, b);
        case "===":
          return typeof a === typeof b && looseEqual(a, b);
        case "!==":
          return !(typeof a === typeof b && looseEqual(a, b));
        case "<":
        case "<=":
        case ">":
        case ">=":
          return compare(expr.op, a, b);
        case "=~": {
          const re = a instanceof JavaPattern ? a : b instanceof JavaPattern ? b : undefined;
          const other = re === a ? b : a;
          if (!re || other instanceof JavaPattern) return false;
          const input = typeof other === "string" || typeof other === "number" || typeof other === "boolean" ? String(other) : "";
          // Jayway's =~ uses Matcher.matches(): the whole input must match.
          return javaMatches(input, re.source);
        }
        case "in":
        case "nin": {
          const list = asList(b);
          const found = list ? list.some((v) => looseEqual(a, v)) : false;
          return expr.op === "in" ? found : !found;
        }
        case "contains": {
          if (typeof a === "string" && typeof b === "string") return a.includes(b);
          const list = asList(a);
          return list ? list.some((v) => looseEqual(v, b)) : false;
        }
        case "subsetof": {
          const l = asList(a);
          const r = asList(b);
          return !!l && !!r && l.every((v) => r.some((w) => looseEqual(v, w)));
        }
        case "anyof": {
          const l = asList(a);
          const r = asList(b);
          return !!l && !!r && l.some((v) => r.some((w) => looseEqual(v, w)));
        }
        case "noneof": {
          const l = asList(a);
          const r = asList(b);
          return !!l && !!r && !l.some((v) => r.some((w) => looseEqual(v, w)));
        }
        case "size": {
          if (typeof b !== "number") return false;
          if (typeof a === "string" || Array.isArray(a)) return a.length === b;
          if (isObject(a)) return Object.keys(a).length === b;
          return false;
        }
        case "empty": {
          if (typeof b !== "boolean") return false;
          if (typeof a === "string" || Array.isArray(a)) return (a.length === 0) === b;
          if (isObject(a)) return (Object.keys(a).length === 0) === b;
          return false;
        }
      }
      return false;
    }
  }
}

// --- public evaluation ------------------------------------------------------------------------

export type JsonPathResult = { found: true; value: unknown } | { found: false };

/**
 * Evaluates `path` over `document` as Jayway does: a definite path yields its single value or
 * not-found; any other path yields the list of matches (an empty list counts as not found, so
 * a filter that matches nothing leaves a variable as it was, like a plain miss).
 */
/**
 * A definite path of single names and single indexes (`value[0].contactid`, what response
 * mappings nearly always are) as a list of steps, or null. Walked without the node lists the
 * general evaluator builds per segment, with the same rules: a name applies to an object that
 * has it, an index (negative from the end) to an array that has it.
 */
function simplePath(path: CompiledPath): Array<string | number> | null {
  const steps: Array<string | number> = [];
  for (const seg of path.segments) {
    if (seg.kind === "props" && seg.names.length === 1) steps.push(seg.names[0]!);
    else if (seg.kind === "indexes" && seg.indexes.length === 1) steps.push(seg.indexes[0]!);
    else return null;
  }
  return steps;
}

/** What a path found nothing at (valueAt): a value no document holds. */
const NOT_FOUND: unique symbol = Symbol("not found");

function walkSimple(steps: Array<string | number>, document: unknown): unknown {
  let node = document;
  for (const step of steps) {
    if (typeof step === "string") {
      if (!isObject(node) || !hasOwn(node, step)) return NOT_FOUND;
      node = node[step];
    } else {
      if (!Array.isArray(node)) return NOT_FOUND;
      const at = step < 0 ? node.length + step : step;
      if (at < 0 || at >= node.length) return NOT_FOUND;
      node = node[at];
    }
  }
  return node;
}

/**
 * The value a compiled path finds in a document, or NOT_FOUND: what evaluateJsonPath says,
 * without a result object per evaluation (a response mapping evaluates one per row per call).
 */
function valueAt(document: unknown, compiled: CompiledPath): unknown {
  const steps = compiled.simple;
  if (steps) return walkSimple(steps, document);
  const r = evaluateCompiled(compiled, document, document);
  if (r.values.length === 0) return NOT_FOUND;
  return r.definite ? r.values[0] : r.values;
}

/** Evaluates a path (text, compiled here, or compiled once by the caller) over a document. */
export function evaluateJsonPath(document: unknown, path: string | CompiledPath): JsonPathResult {
  const value = valueAt(document, typeof path === "string" ? compileJsonPath(path) : path);
  return value === NOT_FOUND ? { found: false } : { found: true, value };
}

// --- response mapping (flow-designer §6.4) ----------------------------------------------------

export interface OutputMappingRow {
  outputVariable?: unknown;
  jsonPathExp?: unknown;
}

export interface OutputAssignment {
  variable: string;
  value: unknown;
  /** The JSONPath that produced it. */
  path: string;
  /** True when the assignment empties the variable after a miss (`mode: "empty"`). */
  emptied?: boolean;
}

export type JsonPathMissMode = "keep" | "empty";

export class OutputMappingError extends Error {
  constructor(
    message: string,
    readonly variable: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "OutputMappingError";
  }
}

function describeValue(v: unknown): string {
  const text = typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Converts a JSONPath result to a variable's type; throws a plain Error on a bad value. */
export function convertForVariable(value: unknown, type: VariableType): unknown {
  if (type === "JSON") return value;
  const isContainer = typeof value === "object" && value !== null;
  switch (type) {
    case "STRING":
    case "DATE_TIME":
      return isContainer ? JSON.stringify(value) : String(value);
    case "INTEGER": {
      const n = typeof value === "number" ? value : typeof value === "string" && /^\s*[-+]?\d+\s*$/.test(value) ? Number(value) : NaN;
      if (!Number.isInteger(n)) throw new Error(`${describeValue(value)} is not an integer`);
      return n;
    }
    case "DECIMAL": {
      const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
      if (!Number.isFinite(n)) throw new Error(`${describeValue(value)} is not a number`);
      return n;
    }
    case "BOOLEAN": {
      if (typeof value === "boolean") return value;
      if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
      throw new Error(`${describeValue(value)} is not a boolean`);
    }
  }
  return value;
}

/**
 * Applies `outputVariableArray` rows to a parsed response (§6.4) and returns what to assign:
 * rows with an empty path or an unknown variable are skipped; a miss or JSON null keeps the
 * variable (`keep`) or empties it (`empty`: `""` for STRING, null otherwise); arrays and
 * objects become JSON text, or stay native for a JSON variable; scalars are converted to the
 * variable's type. `document` undefined (unparsable body) makes every row a miss. Throws
 * OutputMappingError for a bad path or a value the variable's type cannot hold.
 */
export function applyOutputMappings(
  document: unknown,
  rows: readonly OutputMappingRow[] | null | undefined,
  typeOf: (name: string) => VariableType | undefined,
  mode: JsonPathMissMode = "keep",
): OutputAssignment[] {
  return applyCompiledMappings(document, compileOutputMappings(rows), typeOf, mode);
}

/** A mapping row read once: its variable, its path and the path compiled (or why it does not compile). */
export interface CompiledMapping {
  variable: string;
  path: string;
  compiled: CompiledPath | Error;
}

/** Reads `outputVariableArray` rows once (an activity's compile step); rows with no variable or path are left out. */
export function compileOutputMappings(rows: readonly OutputMappingRow[] | null | undefined): CompiledMapping[] {
  const out: CompiledMapping[] = [];
  for (const row of rows ?? []) {
    if (!row || typeof row !== "object") continue;
    const variable = typeof row.outputVariable === "string" ? row.outputVariable.trim() : "";
    const path = typeof row.jsonPathExp === "string" ? row.jsonPathExp.trim() : "";
    if (variable === "" || path === "") continue;
    let compiled: CompiledPath | Error;
    try {
      compiled = compileJsonPath(path);
    } catch (err) {
      compiled = err instanceof Error ? err : new Error(String(err));
    }
    out.push({ variable, path, compiled });
  }
  return out;
}

/** applyOutputMappings over rows compiled once (compileOutputMappings). */
export function applyCompiledMappings(
  document: unknown,
  rows: readonly CompiledMapping[],
  typeOf: (name: string) => VariableType | undefined,
  mode: JsonPathMissMode = "keep",
): OutputAssignment[] {
  const out: OutputAssignment[] = [];
  for (const row of rows) {
    const type = typeOf(row.variable);
    if (type === undefined) continue;
    const value = mappedValue(document, row, type, mode);
    if (value === KEEP) continue;
    if (value === EMPTY) out.push({ variable: row.variable, value: type === "STRING" ? "" : null, path: row.path, emptied: true });
    else out.push({ variable: row.variable, value, path: row.path });
  }
  return out;
}

/** mappedValue's answers for a miss: the variable keeps its value, or (mode `empty`) is emptied. */
export const KEEP: unique symbol = Symbol("keep");
export const EMPTY: unique symbol = Symbol("empty");

/**
 * One row of applyCompiledMappings (the same rules, the same errors), for a variable of `type`:
 * the value to assign, KEEP or EMPTY. For callers that assign as they go, without an assignment
 * object per row.
 */
export function mappedValue(document: unknown, row: CompiledMapping, type: VariableType, mode: JsonPathMissMode): unknown {
  const { variable, path, compiled } = row;
  let value: unknown;
  try {
    if (document !== undefined && compiled instanceof Error) throw compiled;
    value = document === undefined ? NOT_FOUND : valueAt(document, compiled as CompiledPath);
  } catch (err) {
    // A recursive path (`..`) over a body nested tens of thousands deep runs out of stack:
    // that is the body's fault, not the path's, and the message says so.
    if (err instanceof RangeError) throw new OutputMappingError(`the response is nested too deeply to search with ${path} for ${variable}`, variable, path);
    throw new OutputMappingError(`bad JSONPath for ${variable}: ${(err as Error).message}`, variable, path);
  }
  if (value === NOT_FOUND || value === null) return mode === "empty" ? EMPTY : KEEP;
  try {
    return convertForVariable(value, type);
  } catch (err) {
    throw new OutputMappingError(`cannot set ${type} variable ${variable} from ${path}: ${(err as Error).message}`, variable, path);
  }
}
