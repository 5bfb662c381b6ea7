/**
 * Errors a template is certain to raise when it reaches a given node, found without running it:
 * a regular expression written as a literal (`split(",")`, `.replaceAll("(?=x)", "")`) that is
 * invalid or needs what RE2 cannot do. `ccflow validate` reports them; at run time the same
 * pattern fails the activity with the same words.
 */
import type { Args, Expr, Node } from "./ast.js";
import { Fault } from "./errors.js";
import { checkJavaRegex } from "./java/regex.js";

export interface StaticError {
  message: string;
  position: number;
}

/** String methods whose first argument is a regular expression. */
const REGEX_METHODS = new Set(["split", "replaceAll", "replaceFirst", "matches"]);

function literalString(e: Expr | undefined): string | null {
  return e?.kind === "literal" && typeof e.value === "string" ? e.value : null;
}

function check(pattern: string | null, position: number, prefix: string, out: StaticError[]): void {
  if (pattern === null) return;
  try {
    checkJavaRegex(pattern);
  } catch (err) {
    if (!(err instanceof Fault)) throw err;
    out.push({ message: `${prefix}${err.message}`, position });
  }
}

export function staticErrors(nodes: Node[]): StaticError[] {
  const out: StaticError[] = [];
  const args = (a: Args): void => {
    a.positional.forEach(expr);
    a.named.forEach((n) => expr(n.value));
  };
  function expr(e: Expr): void {
    switch (e.kind) {
      case "attribute":
        expr(e.object);
        if (e.key) expr(e.key);
        e.args?.forEach(expr);
        if (e.name !== null && e.args && REGEX_METHODS.has(e.name)) check(literalString(e.args[0]), e.pos, "", out);
        return;
      case "filter":
        expr(e.input);
        args(e.args);
        if (e.name === "split") check(literalString(e.args.positional[0] ?? e.args.named.find((n) => n.name === "delimiter")?.value), e.pos, "Filter 'split': ", out);
        return;
      case "test":
        expr(e.operand);
        return args(e.args);
      case "call":
        return args(e.args);
      case "unary":
        return expr(e.operand);
      case "binary":
        expr(e.left);
        return expr(e.right);
      case "ternary":
        expr(e.condition);
        expr(e.then);
        return expr(e.otherwise);
      case "list":
        return e.items.forEach(expr);
      case "map":
        return e.entries.forEach(([k, v]) => {
          expr(k);
          expr(v);
        });
      case "interpolation":
        return e.parts.forEach(expr);
      case "literal":
      case "variable":
        return;
    }
  }
  const visit = (list: Node[]): void => {
    for (const n of list) {
      switch (n.kind) {
        case "print":
        case "set":
          expr(n.expr);
          break;
        case "if":
          for (const b of n.branches) {
            expr(b.condition);
            visit(b.body);
          }
          if (n.otherwise) visit(n.otherwise);
          break;
        case "for":
          expr(n.iterable);
          visit(n.body);
          if (n.otherwise) visit(n.otherwise);
          break;
        case "text":
          break;
      }
    }
  };
  visit(nodes);
  return out.sort((a, b) => a.position - b.position);
}
