/** A compiled template: the Template contract of types.ts. */
import type { Expr, Node } from "./ast.js";
import { metered } from "./budget.js";
import { atPosition, ExprError } from "./errors.js";
import { Compiler, type Eval, type Exec, type RenderState } from "./evaluator.js";
import { parse } from "./parser.js";
import { staticErrors, type StaticError } from "./static-errors.js";
import { javaString } from "./stringify.js";
import type { RenderOptions, Scope, Template } from "./types.js";
import { isPlainObject, JChar, JDouble, JEnum, LoopState, MapEntry, SafeString } from "./values.js";

type Reference = { root: string; path: string[]; position: number };

class CompiledTemplate implements Template {
  readonly isLiteral: boolean;
  private readonly run: Exec;
  /** The expression when the whole template is one `{{ expr }}` (whitespace around allowed). */
  private readonly single: Eval | null;
  private readonly singlePos: number;
  private readonly usesLocals: boolean;
  private readonly refs: Reference[];
  private readonly nodes: Node[];

  constructor(
    readonly source: string,
    nodes: Node[],
  ) {
    this.isLiteral = !/\{[{%#]/.test(source);
    const compiler = new Compiler(source);
    this.run = compiler.nodes(nodes);
    const meaningful = nodes.filter((n) => !(n.kind === "text" && n.text.trim() === ""));
    const only = meaningful.length === 1 && meaningful[0]!.kind === "print" ? meaningful[0] : null;
    this.single = only && only.kind === "print" ? compiler.expr(only.expr) : null;
    this.singlePos = only?.pos ?? 0;
    const bound = new Set<string>();
    this.usesLocals = collectBound(nodes, bound);
    this.refs = references(nodes, bound);
    this.nodes = nodes;
  }

  private state(scope: Scope, options: RenderOptions | undefined): RenderState {
    return {
      scope,
      locals: this.usesLocals ? [new Map()] : [],
      iterations: 0,
      out: "",
      escape: options?.escape,
      now: options?.now ?? Date.now,
    };
  }

  render(scope: Scope, options?: RenderOptions): string {
    if (this.isLiteral) return this.source;
    const s = this.state(scope, options);
    try {
      metered(() => this.run(s));
    } catch (err) {
      throw atPosition(err, this.source, 0);
    }
    return s.out;
  }

  evaluate(scope: Scope, options?: RenderOptions): unknown {
    if (!this.single) return this.render(scope, options);
    try {
      const single = this.single;
      return toNative(metered(() => single(this.state(scope, options))), 0);
    } catch (err) {
      throw atPosition(err, this.source, this.singlePos);
    }
  }

  references(): Reference[] {
    return this.refs.map((r) => ({ root: r.root, path: [...r.path], position: r.position }));
  }

  staticErrors(): StaticError[] {
    return staticErrors(this.nodes);
  }
}

/** Parses and compiles a template; throws ExprError on a syntax error. */
export function parseTemplate(source: string): Template {
  if (typeof source !== "string") throw new ExprError("A template must be a string", String(source), 0);
  return new CompiledTemplate(source, parse(source));
}

/** Names a template binds itself (`set`, `for`, `loop`); returns whether it binds any. */
function collectBound(nodes: Node[], bound: Set<string>): boolean {
  let any = false;
  for (const n of nodes) {
    switch (n.kind) {
      case "set":
        bound.add(n.name);
        any = true;
        break;
      case "for":
        bound.add(n.variable);
        bound.add("loop");
        any = true;
        collectBound(n.body, bound);
        if (n.otherwise) collectBound(n.otherwise, bound);
        break;
      case "if":
        for (const b of n.branches) any = collectBound(b.body, bound) || any;
        if (n.otherwise) any = collectBound(n.otherwise, bound) || any;
        break;
    }
  }
  return any;
}

function references(nodes: Node[], bound: Set<string>): Reference[] {
  const out: Reference[] = [];
  const seen = new Set<string>();
  const visitExpr = (e: Expr, parent: Expr | null): void => {
    switch (e.kind) {
      case "variable": {
        if (bound.has(e.name)) return;
        const path: string[] = [];
        if (parent?.kind === "attribute" && parent.object === e) {
          if (parent.name !== null && parent.args === null) path.push(parent.name);
          else if (parent.key?.kind === "literal" && typeof parent.key.value === "string") path.push(parent.key.value);
        }
        const key = `${e.name}\u0000${path.join(".")}\u0000${e.pos}`;
        if (!seen.has(key)) {
          seen.add(key);
          out.push({ root: e.name, path, position: e.pos });
        }
        return;
      }
      case "attribute":
        visitExpr(e.object, e);
        if (e.key) visitExpr(e.key, e);
        e.args?.forEach((a) => visitExpr(a, e));
        return;
      case "unary":
        return visitExpr(e.operand, e);
      case "binary":
        visitExpr(e.left, e);
        return visitExpr(e.right, e);
      case "ternary":
        visitExpr(e.condition, e);
        visitExpr(e.then, e);
        return visitExpr(e.otherwise, e);
      case "list":
        return e.items.forEach((i) => visitExpr(i, e));
      case "map":
        return e.entries.forEach(([k, v]) => {
          visitExpr(k, e);
          visitExpr(v, e);
        });
      case "interpolation":
        return e.parts.forEach((p) => visitExpr(p, e));
      case "filter":
        visitExpr(e.input, e);
        e.args.positional.forEach((a) => visitExpr(a, e));
        return e.args.named.forEach((a) => visitExpr(a.value, e));
      case "test":
        visitExpr(e.operand, e);
        e.args.positional.forEach((a) => visitExpr(a, e));
        return e.args.named.forEach((a) => visitExpr(a.value, e));
      case "call":
        e.args.positional.forEach((a) => visitExpr(a, e));
        return e.args.named.forEach((a) => visitExpr(a.value, e));
      case "literal":
        return;
    }
  };
  const visit = (list: Node[]): void => {
    for (const n of list) {
      switch (n.kind) {
        case "print":
          visitExpr(n.expr, null);
          break;
        case "set":
          visitExpr(n.expr, null);
          break;
        case "if":
          for (const b of n.branches) {
            visitExpr(b.condition, null);
            visit(b.body);
          }
          if (n.otherwise) visit(n.otherwise);
          break;
        case "for":
          visitExpr(n.iterable, null);
          visit(n.body);
          if (n.otherwise) visit(n.otherwise);
          break;
      }
    }
  };
  visit(nodes);
  return out.sort((a, b) => a.position - b.position);
}

/** The value a caller sees from `evaluate`: boxes unwrapped, template-built maps as plain objects. */
export function toNative(v: unknown, depth: number): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v !== "object") return v;
  if (depth > 64) return null;
  if (v instanceof JDouble) return v.v;
  if (v instanceof SafeString || v instanceof JChar || v instanceof JEnum) return v.toString();
  if (Array.isArray(v)) return v.map((x) => toNative(x, depth + 1));
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of v) {
      Object.defineProperty(out, javaString(k), {
        value: toNative(val, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (v instanceof MapEntry) return { key: toNative(v.key, depth + 1), value: toNative(v.value, depth + 1) };
  if (v instanceof LoopState) return { index: v.index, first: v.first, last: v.last, length: v.length, revindex: v.revindex };
  if (isPlainObject(v)) return v;
  return v;
}
