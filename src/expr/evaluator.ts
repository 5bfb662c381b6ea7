/**
 * Compiles the parsed template once into closures; rendering runs the closures (no re-parsing, no
 * AST walking by type). Runtime errors become ExprErrors at the position of the node that failed;
 * runtime work is bounded (see limits.ts).
 */
import type { Args, Expr, Node } from "./ast.js";
import { getAttribute } from "./attributes.js";
import { chargeIteration, chargeNode } from "./budget.js";
import { atPosition, ExprError, fault } from "./errors.js";
import { FILTERS } from "./filters/index.js";
import { FUNCTIONS } from "./functions.js";
import { TESTS } from "./is-tests.js";
import { javaHashMapOrder } from "./java/hash-map.js";
import { MAX_ITERATIONS, MAX_OUTPUT } from "./limits.js";
import * as op from "./operators.js";
import type { CallContext } from "./registry.js";
import { stringify } from "./stringify.js";
import type { Scope } from "./types.js";
import {
  BLOCKED_NAMES,
  fromHost,
  isMap,
  javaSimpleName,
  LoopState,
  MapEntry,
  mapEntries,
  normalizeKey,
  SafeString,
} from "./values.js";

/** Per-render state. */
export interface RenderState extends CallContext {
  scope: Scope;
  /** Local scopes (`set`, loop variables), innermost last; empty when the template has none. */
  locals: Array<Map<string, unknown>>;
  iterations: number;
  out: string;
  escape: ((value: string, before: string) => string) | undefined;
}

export type Eval = (s: RenderState) => unknown;
export type Exec = (s: RenderState) => void;

export class Compiler {
  constructor(private readonly source: string) {}

  private wrap(fn: Eval, pos: number, prefix?: string): Eval {
    const source = this.source;
    return (s) => {
      try {
        const value = fn(s);
        chargeNode(value);
        return value;
      } catch (err) {
        throw atPosition(err, source, pos, prefix);
      }
    };
  }

  expr(e: Expr): Eval {
    switch (e.kind) {
      case "literal": {
        const v = e.value;
        return () => v;
      }
      case "variable":
        return this.variable(e.name);
      case "attribute":
        return this.attribute(e);
      case "unary": {
        const operand = this.expr(e.operand);
        const f = e.op === "not" ? op.not : e.op === "-" ? op.unaryMinus : op.unaryPlus;
        return this.wrap((s) => f(operand(s)), e.pos);
      }
      case "binary":
        return this.binary(e.op, this.expr(e.left), this.expr(e.right), e.pos);
      case "ternary": {
        const c = this.expr(e.condition);
        const a = this.expr(e.then);
        const b = this.expr(e.otherwise);
        const cond = this.wrap((s) => op.toCondition(c(s), "a ternary condition"), e.pos);
        return (s) => (cond(s) ? a(s) : b(s));
      }
      case "list": {
        const items = e.items.map((i) => this.expr(i));
        return (s) => items.map((i) => i(s));
      }
      case "map": {
        const entries = e.entries.map(([k, v]) => [this.expr(k), this.expr(v)] as const);
        return (s) => javaHashMapOrder(entries.map(([k, v]) => [normalizeKey(k(s)), v(s)]));
      }
      case "interpolation": {
        const parts = e.parts.map((p) => this.expr(p));
        return this.wrap((s) => {
          let out = "";
          for (const p of parts) out = op.concat(out, p(s));
          return out;
        }, e.pos);
      }
      case "filter":
        return this.filter(e.input, e.name, e.args, e.pos);
      case "test":
        return this.test(e.operand, e.name, e.args, e.negated, e.pos);
      case "call":
        return this.call(e.name, e.args, e.pos);
    }
  }

  private variable(name: string): Eval {
    if (BLOCKED_NAMES.has(name)) return () => null;
    return (s) => {
      const locals = s.locals;
      for (let i = locals.length - 1; i >= 0; i--) {
        const scope = locals[i]!;
        if (scope.has(name)) return scope.get(name);
      }
      return fromHost(s.scope.get(name));
    };
  }

  private attribute(e: Extract<Expr, { kind: "attribute" }>): Eval {
    const object = this.expr(e.object);
    if (e.key) {
      const key = this.expr(e.key);
      return this.wrap((s) => getAttribute(object(s), key(s), null), e.pos);
    }
    const name = e.name!;
    if (e.args === null) return this.wrap((s) => getAttribute(object(s), name, null), e.pos);
    const args = e.args.map((a) => this.expr(a));
    return this.wrap((s) => {
      const target = object(s);
      return getAttribute(
        target,
        name,
        args.map((a) => a(s)),
      );
    }, e.pos);
  }

  private binary(kind: string, l: Eval, r: Eval, pos: number): Eval {
    let f: Eval;
    switch (kind) {
      case "or":
        f = (s) => op.toCondition(l(s), "or operator") || op.toCondition(r(s), "or operator");
        break;
      case "and":
        f = (s) => op.toCondition(l(s), "and operator") && op.toCondition(r(s), "and operator");
        break;
      case "contains":
        f = (s) => {
          const left = l(s);
          return left === null ? false : op.contains(left, r(s));
        };
        break;
      case "==":
      case "equals":
        f = (s) => op.pebbleEquals(l(s), r(s));
        break;
      case "!=":
        f = (s) => !op.pebbleEquals(l(s), r(s));
        break;
      case ">":
        f = (s) => op.compare(l(s), r(s), "GREATER_THAN");
        break;
      case "<":
        f = (s) => op.compare(l(s), r(s), "LESS_THAN");
        break;
      case ">=":
        f = (s) => op.compare(l(s), r(s), "GREATER_THAN_EQUALS");
        break;
      case "<=":
        f = (s) => op.compare(l(s), r(s), "LESS_THAN_EQUALS");
        break;
      case "+":
        f = (s) => op.add(l(s), r(s));
        break;
      case "-":
        f = (s) => op.subtract(l(s), r(s));
        break;
      case "*":
        f = (s) => op.multiply(l(s), r(s));
        break;
      case "/":
        f = (s) => op.divide(l(s), r(s));
        break;
      case "%":
        f = (s) => op.modulus(l(s), r(s));
        break;
      case "~":
        f = (s) => op.concat(l(s), r(s));
        break;
      case "..":
        f = (s) => op.range(l(s), r(s));
        break;
      default:
        throw new ExprError(`Unknown operator '${kind}'`, this.source, pos);
    }
    return this.wrap(f, pos);
  }

  /** Positional and named arguments laid out in the callee's argument order. */
  private args(argNames: readonly string[] | null, args: Args): (s: RenderState) => unknown[] {
    const positional = args.positional.map((a) => this.expr(a));
    if (argNames === null) return (s) => positional.map((a) => a(s));
    const slots: Array<Eval | null> = argNames.map((_, i) => positional[i] ?? null);
    for (const n of args.named) {
      const index = argNames.indexOf(n.name);
      if (index >= 0) slots[index] = this.expr(n.value);
    }
    while (slots.length && slots[slots.length - 1] === null) slots.pop();
    return (s) => slots.map((a) => (a ? a(s) : null));
  }

  private filter(inputExpr: Expr, name: string, args: Args, pos: number): Eval {
    const def = FILTERS.get(name);
    if (!def) throw new ExprError(`Unknown filter '${name}'`, this.source, pos);
    const input = this.expr(inputExpr);
    const argv = this.args(def.argNames, args);
    const keepSafe = def.keepsSafeInput === true;
    return this.wrap((s) => {
      let v = input(s);
      if (!keepSafe && v instanceof SafeString) v = v.s;
      return def.apply(v, argv(s), s);
    }, pos, `Filter '${name}'`);
  }

  private test(operandExpr: Expr, name: string, args: Args, negated: boolean, pos: number): Eval {
    const def = TESTS.get(name);
    if (!def) throw new ExprError(`Unknown test '${name}'`, this.source, pos);
    const operand = this.expr(operandExpr);
    const argv = this.args(def.argNames, args);
    return this.wrap((s) => def.apply(operand(s), argv(s), s) !== negated, pos, `Test '${name}'`);
  }

  private call(name: string, args: Args, pos: number): Eval {
    const def = FUNCTIONS.get(name);
    if (!def) throw new ExprError(`Unknown function '${name}'`, this.source, pos);
    const argv = this.args(def.argNames, args);
    return this.wrap((s) => def.apply(argv(s), s), pos, `Function '${name}'`);
  }

  // --- statements --------------------------------------------------------------------------

  nodes(nodes: Node[]): Exec {
    const steps = nodes.map((n) => this.node(n));
    if (steps.length === 1) return steps[0]!;
    return (s) => {
      for (const step of steps) step(s);
    };
  }

  private node(n: Node): Exec {
    const source = this.source;
    switch (n.kind) {
      case "text": {
        const text = n.text;
        return (s) => {
          s.out += text;
          if (s.out.length > MAX_OUTPUT) throw new ExprError(`Output longer than ${MAX_OUTPUT} characters`, source, n.pos);
        };
      }
      case "print": {
        const expr = this.expr(n.expr);
        return (s) => {
          let text: string;
          try {
            text = stringify(expr(s));
          } catch (err) {
            throw atPosition(err, source, n.pos);
          }
          if (s.escape) text = s.escape(text, s.out);
          try {
            chargeNode(text);
          } catch (err) {
            throw atPosition(err, source, n.pos);
          }
          s.out += text;
          if (s.out.length > MAX_OUTPUT) throw new ExprError(`Output longer than ${MAX_OUTPUT} characters`, source, n.pos);
        };
      }
      case "if": {
        const branches = n.branches.map((b) => {
          const c = this.expr(b.condition);
          return { cond: this.wrap((s) => op.toCondition(c(s), '"if" statement'), b.pos), body: this.nodes(b.body) };
        });
        const otherwise = n.otherwise ? this.nodes(n.otherwise) : null;
        return (s) => {
          for (const b of branches) {
            if (b.cond(s)) {
              b.body(s);
              return;
            }
          }
          otherwise?.(s);
        };
      }
      case "set": {
        const expr = this.expr(n.expr);
        const name = n.name;
        return (s) => {
          const value = expr(s);
          const locals = s.locals;
          for (let i = locals.length - 1; i >= 0; i--) {
            if (locals[i]!.has(name)) {
              locals[i]!.set(name, value);
              return;
            }
          }
          locals[locals.length - 1]!.set(name, value);
        };
      }
      case "for": {
        const iterable = this.expr(n.iterable);
        const body = this.nodes(n.body);
        const otherwise = n.otherwise ? this.nodes(n.otherwise) : null;
        const variable = n.variable;
        const items = this.wrap((s) => {
          const v = iterable(s);
          if (v === null || v === undefined) return null;
          if (Array.isArray(v)) return v;
          if (isMap(v)) return mapEntries(v).map(([k, val]) => new MapEntry(k, fromHost(val)));
          fault(`Not an iterable object (${javaSimpleName(v)})`);
        }, n.pos);
        return (s) => {
          const list = items(s) as unknown[] | null;
          // Pebble renders nothing at all (not even the else branch) for a null iterable.
          if (list === null) return;
          if (list.length === 0) {
            otherwise?.(s);
            return;
          }
          const scope = new Map<string, unknown>();
          s.locals.push(scope);
          const loop = new LoopState(0, true, false, list.length);
          try {
            for (let i = 0; i < list.length; i++) {
              if (++s.iterations > MAX_ITERATIONS) throw new ExprError(`Loop limit exceeded: more than ${MAX_ITERATIONS} iterations`, source, n.pos);
              try {
                chargeIteration();
              } catch (err) {
                throw atPosition(err, source, n.pos);
              }
              const state = new LoopState(i, i === 0, i === list.length - 1, loop.length);
              scope.set("loop", state);
              scope.set(variable, fromHost(list[i]));
              body(s);
            }
          } finally {
            s.locals.pop();
          }
        };
      }
    }
  }
}
