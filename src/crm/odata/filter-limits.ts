/**
 * How complex a bound `$filter` may be. The store compiles a filter to one SQL expression, and
 * SQLite refuses expressions nested more than 1000 deep; an `a or b or c …` chain of 999 terms
 * parses as a tree 999 deep. Chains of one operator are rebalanced (and/or are associative, in
 * SQL's three-valued logic too), so long chains work as they do on Dataverse; what stays too
 * large or too deep is refused with a Dataverse-shaped 400 before the store sees it.
 */
import type { BoolExpr, PropertyRef, SqlValue, ValueExpr } from "./bound.js";
import { ODataError } from "./errors.js";

/** Conditions (comparisons, functions, lambdas) in one $filter, nested lambdas included. */
export const MAX_FILTER_TERMS = 1_000;
/** Nesting of and/or/not/any/all after rebalancing (SQLite's own limit is 1000 SQL nodes deep). */
export const MAX_FILTER_DEPTH = 100;

/** A tree for `op` over `items` whose depth grows with log2 of their count. */
function balanced(op: "and" | "or", items: BoolExpr[], from: number, to: number): BoolExpr {
  if (to - from === 1) return items[from]!;
  const mid = (from + to) >>> 1;
  return { k: op, left: balanced(op, items, from, mid), right: balanced(op, items, mid, to) };
}

/** Operands of a chain of one operator, left to right (iterative: the chain may be long). */
function chain(op: "and" | "or", root: BoolExpr): BoolExpr[] {
  const out: BoolExpr[] = [];
  const stack: BoolExpr[] = [root];
  while (stack.length) {
    const e = stack.pop()!;
    if (e.k === op) {
      stack.push(e.right, e.left);
    } else out.push(e);
  }
  return out;
}

function rebalance(e: BoolExpr): BoolExpr {
  switch (e.k) {
    case "and":
    case "or": {
      const items = chain(e.k, e).map(rebalance);
      return balanced(e.k, items, 0, items.length);
    }
    case "not":
      return { k: "not", operand: rebalance(e.operand) };
    case "lambda":
      return e.body ? { ...e, body: rebalance(e.body) } : e;
    default:
      return e;
  }
}

function measure(e: BoolExpr, depth: number, count: { terms: number; depth: number }): void {
  count.depth = Math.max(count.depth, depth);
  if (count.depth > MAX_FILTER_DEPTH) return;
  switch (e.k) {
    case "and":
    case "or":
      measure(e.left, depth + 1, count);
      measure(e.right, depth + 1, count);
      return;
    case "not":
      measure(e.operand, depth + 1, count);
      return;
    case "lambda":
      count.terms++;
      if (e.body) measure(e.body, depth + 1, count);
      return;
    default:
      count.terms++;
  }
}

/**
 * The filter rebalanced, or a 400 naming the limit it exceeds. The recursion here is bounded:
 * `rebalance` only recurses through operator changes, which the parser already bounds (its own
 * depth limit), and `measure` stops past MAX_FILTER_DEPTH.
 */
export function limitFilter(e: BoolExpr): BoolExpr {
  const out = rebalance(e);
  const count = { terms: 0, depth: 0 };
  measure(out, 0, count);
  if (count.depth > MAX_FILTER_DEPTH) {
    throw new ODataError(`The $filter expression is nested more than ${MAX_FILTER_DEPTH} levels deep (and/or/not/any/all); flatten it.`);
  }
  if (count.terms > MAX_FILTER_TERMS) {
    throw new ODataError(`The $filter expression has ${count.terms} conditions; the limit is ${MAX_FILTER_TERMS}. Use the 'in' operator or Microsoft.Dynamics.CRM.In for long lists of values.`);
  }
  return merged(out);
}

/** Same property read the same way: the key two comparisons must share to join one IN list. */
function propertyKey(v: ValueExpr): string | undefined {
  return v.k === "prop" ? `${v.scope}|${v.table.logicalName}|${v.via?.name ?? ""}|${v.prop.name}|${v.edm}` : undefined;
}

/** `prop eq constant` (either way round, constant not null, of the property's own type): its property and value. */
function equality(e: BoolExpr): { target: PropertyRef; key: string; value: SqlValue } | undefined {
  if (e.k !== "cmp" || e.op !== "eq") return undefined;
  const [prop, constant] = e.left.k === "prop" ? [e.left, e.right] : [e.right, e.left];
  if (prop.k !== "prop" || constant.k !== "const" || constant.value === null || constant.edm !== prop.edm) return undefined;
  const key = propertyKey(prop);
  return key ? { target: prop, key, value: constant.value } : undefined;
}

/**
 * `a eq 1 or a eq 2 or …` as `a in (1, 2, …)`: the same rows (SQL's IN is that OR, NULL included),
 * but SQLite tests a list by lookup instead of one comparison per term and row — a 999-term chain
 * over 1,200 rows held the event loop 100–300 ms as ORs (BENCHMARKS.md §13). Runs after `measure`,
 * so the limits count the conditions as written; its recursion is bounded by MAX_FILTER_DEPTH.
 */
function merged(e: BoolExpr): BoolExpr {
  switch (e.k) {
    case "and":
      return { k: "and", left: merged(e.left), right: merged(e.right) };
    case "or": {
      const items = chain("or", e).map(merged);
      const lists = new Map<string, { first: BoolExpr; target: PropertyRef; values: SqlValue[] }>();
      const rest: BoolExpr[] = [];
      for (const item of items) {
        const eq = equality(item);
        if (!eq) rest.push(item);
        else if (lists.has(eq.key)) lists.get(eq.key)!.values.push(eq.value);
        else lists.set(eq.key, { first: item, target: eq.target, values: [eq.value] });
      }
      for (const { first, target, values } of lists.values()) rest.push(values.length === 1 ? first : { k: "in", target, values, negate: false });
      return balanced("or", rest, 0, rest.length);
    }
    case "not":
      return { k: "not", operand: merged(e.operand) };
    case "lambda":
      return e.body ? { ...e, body: merged(e.body) } : e;
    default:
      return e;
  }
}
