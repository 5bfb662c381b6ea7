/**
 * Binds parsed query options to the schema: resolves columns, lookups and navigation properties,
 * type-checks operators the way Dataverse's OData layer does, converts literals to stored values,
 * and expands Dataverse's named query functions (`Microsoft.Dynamics.CRM.In`, `LastXDays`, ...)
 * into plain comparisons.
 */
import type { Property, Schema } from "../schema/schema.js";
import type { EdmType, TableDef } from "../schema/types.js";
import type { ExpandItem, ExprNode, LiteralNode, OrderByItem, PathNode, SelectItem } from "./ast.js";
import type { BoolExpr, BoundExpand, BoundQuery, ComparisonOp, Constant, OrderTerm, PropertyRef, SqlValue, ValueExpr } from "./bound.js";
import { ODataError, messages } from "./errors.js";
import { parseFilter } from "./expression-parser.js";
import { limitFilter } from "./filter-limits.js";

export interface BindContext {
  schema: Schema;
  /** Raw values of `@alias` query parameters. */
  aliases?: ReadonlyMap<string, string>;
  /** The calling user, for EqualUserId/NotEqualUserId. */
  userId?: string;
  /** Clock for the relative date functions. */
  now?: () => number;
}

export interface QueryOptionsInput {
  select?: SelectItem[] | undefined;
  filter?: ExprNode | undefined;
  filterText?: string | undefined;
  orderBy?: OrderByItem[] | undefined;
  top?: number | undefined;
  expand?: ExpandItem[] | undefined;
}

const MAX_EXPANDS = 15;
const OPERATOR_KIND: Record<string, string> = {
  eq: "Equal",
  ne: "NotEqual",
  gt: "GreaterThan",
  ge: "GreaterThanOrEqual",
  lt: "LessThan",
  le: "LessThanOrEqual",
  and: "And",
  or: "Or",
  add: "Add",
  sub: "Subtract",
  mul: "Multiply",
  div: "Divide",
  mod: "Modulo",
  has: "Has",
};
const NUMERIC: ReadonlySet<string> = new Set(["Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Double", "Edm.Single"]);
const STANDARD_UNSUPPORTED = new Set([
  "tolower",
  "toupper",
  "trim",
  "length",
  "indexof",
  "substring",
  "concat",
  "year",
  "month",
  "day",
  "hour",
  "minute",
  "second",
  "fractionalseconds",
  "date",
  "time",
  "now",
  "round",
  "floor",
  "ceiling",
  "cast",
  "isof",
  "matchesPattern",
  "totaloffsetminutes",
  "mindatetime",
  "maxdatetime",
]);
const STRING_FUNCTIONS = new Set(["contains", "startswith", "endswith"]);

/** A boolean-typed intermediate: either a real condition or a boolean-valued operand. */
type Bound = { t: "bool"; expr: BoolExpr } | { t: "value"; expr: ValueExpr; literal?: LiteralNode };

interface Scope {
  table: TableDef;
  index: number;
}

export function bindQuery(ctx: BindContext, table: TableDef, input: QueryOptionsInput): BoundQuery {
  const expandCount = { n: 0 };
  return {
    table,
    select: input.select ? bindSelect(ctx.schema, table, input.select) : null,
    filter: input.filter ? bindFilter(ctx, table, input.filter, input.filterText ?? "") : undefined,
    orderBy: input.orderBy ? bindOrderBy(ctx, table, input.orderBy) : [],
    top: input.top,
    expand: input.expand ? bindExpand(ctx, table, input.expand, expandCount, 0) : [],
  };
}

export function bindSelect(schema: Schema, table: TableDef, items: SelectItem[]): Property[] | null {
  if (items.length === 0 || items.some((i) => i.name === "*")) return null;
  const result: Property[] = [];
  for (const item of items) {
    const prop = schema.property(table, item.name);
    if (!prop) throw new ODataError(messages.propertyNotFound(item.name, schema.typeName(table)));
    if (!result.includes(prop)) result.push(prop);
  }
  return result;
}

function bindOrderBy(ctx: BindContext, table: TableDef, items: OrderByItem[]): OrderTerm[] {
  const binder = new ExpressionBinder(ctx, table, "");
  return items.map((item) => {
    const bound = binder.bindNode(item.expr);
    if (bound.t !== "value" || bound.expr.k !== "prop" || bound.expr.via) {
      throw new ODataError(messages.orderByNotSingleValue());
    }
    return { expr: bound.expr, descending: item.descending };
  });
}

function bindExpand(ctx: BindContext, table: TableDef, items: ExpandItem[], count: { n: number }, depth: number): BoundExpand[] {
  const result: BoundExpand[] = [];
  for (const item of items) {
    if (++count.n > MAX_EXPANDS) throw new ODataError(messages.expandCountExceeded(count.n, MAX_EXPANDS));
    const nav = ctx.schema.navigation(table, item.name);
    if (!nav) {
      if (ctx.schema.property(table, item.name)) throw new ODataError(messages.notNavigationProperty(item.name, ctx.schema.typeName(table)));
      throw new ODataError(messages.propertyNotFound(item.name, ctx.schema.typeName(table)));
    }
    const target = nav.kind === "single" ? nav.target : nav.collection.table;
    const nested = item.expand ?? [];
    const restricted = nav.kind === "single" || nested.length > 0 || depth > 0;
    if (restricted && (item.orderBy !== undefined || item.top !== undefined)) throw new ODataError(messages.nestedExpandOptions());
    result.push({
      nav,
      ref: item.ref,
      select: item.select ? bindSelect(ctx.schema, target, item.select) : null,
      filter: item.filter ? bindFilter(ctx, target, item.filter, item.filterText ?? "") : undefined,
      orderBy: item.orderBy ? bindOrderBy(ctx, target, item.orderBy) : [],
      top: item.top,
      expand: bindExpand(ctx, target, nested, count, depth + 1),
    });
  }
  return result;
}

export function bindFilter(ctx: BindContext, table: TableDef, node: ExprNode, text: string): BoolExpr {
  const binder = new ExpressionBinder(ctx, table, text);
  const bound = binder.bindNode(node);
  return limitFilter(binder.asCondition(bound, () => new ODataError(messages.filterNotBoolean())));
}

class ExpressionBinder {
  private readonly scopes = new Map<string, Scope>();
  private nextScope = 1;

  constructor(
    private readonly ctx: BindContext,
    private readonly root: TableDef,
    private readonly text: string,
  ) {
    this.scopes.set("$it", { table: root, index: 0 });
  }

  private get schema(): Schema {
    return this.ctx.schema;
  }

  asCondition(bound: Bound, error: () => ODataError): BoolExpr {
    if (bound.t === "bool") return bound.expr;
    const value = bound.expr;
    if (value.edm === "Edm.Boolean") {
      if (value.k === "const") return { k: "bool", value: value.value === 1 };
      return { k: "cmp", op: "eq", left: value, right: { k: "const", edm: "Edm.Boolean", value: 1 } };
    }
    throw error();
  }

  private edmOf(bound: Bound): string {
    if (bound.t === "bool") return "Edm.Boolean";
    return bound.expr.edm === "null" ? "null" : bound.expr.edm;
  }

  bindNode(node: ExprNode): Bound {
    switch (node.kind) {
      case "literal":
        return { t: "value", expr: literalConstant(node), literal: node };
      case "alias":
        return this.bindNode(this.resolveAlias(node.name));
      case "path":
        return { t: "value", expr: this.bindPath(node) };
      case "unary": {
        if (node.op === "negate") {
          const operand = this.bindNode(node.operand);
          throw new ODataError(messages.incompatibleOperand(this.edmOf(operand), "Negate"));
        }
        const operand = this.bindNode(node.operand);
        if (node.operand.kind === "call" && node.operand.name.startsWith("Microsoft.Dynamics.CRM.")) {
          throw new ODataError(messages.notWithCustomOperator());
        }
        const condition = this.asCondition(operand, () => new ODataError(messages.incompatibleOperand(this.edmOf(operand), "Not")));
        return { t: "bool", expr: { k: "not", operand: condition } };
      }
      case "binary":
        return this.bindBinary(node);
      case "call":
        return this.bindCall(node);
      case "lambda":
        return this.bindLambda(node);
      case "list":
        throw new ODataError(messages.expressionExpected(node.pos, this.text));
    }
  }

  private resolveAlias(name: string): ExprNode {
    const raw = this.ctx.aliases?.get(name);
    if (raw === undefined) return { kind: "literal", type: "null", value: null, text: "null", pos: 0 };
    return parseFilter(raw);
  }

  private bindPath(node: PathNode): PropertyRef {
    let scope: Scope;
    let segments = node.segments;
    if (node.range !== undefined) {
      const found = this.scopes.get(node.range);
      if (!found) throw new ODataError(messages.parameterNotInScope(node.range));
      scope = found;
    } else {
      scope = this.scopes.get("$it")!;
    }
    if (segments.length === 0) throw new ODataError(messages.filterNotBoolean());
    const [first, ...rest] = segments as [string, ...string[]];
    const prop = this.schema.property(scope.table, first);
    if (prop) {
      if (rest.length > 0) throw new ODataError(messages.propertyNotFound(rest[0]!, this.schema.typeName(scope.table)));
      return { k: "prop", scope: scope.index, table: scope.table, prop, edm: prop.edm };
    }
    const nav = this.schema.navigation(scope.table, first);
    if (!nav) throw new ODataError(messages.propertyNotFound(first, this.schema.typeName(scope.table)));
    if (nav.kind === "collection") throw new ODataError(messages.lambdaParentMustBeCollection());
    if (rest.length !== 1) {
      if (rest.length === 0) throw new ODataError(messages.filterNotBoolean());
      throw new ODataError(`Navigation paths deeper than one level are not supported: '${segments.join("/")}'.`);
    }
    const target = nav.target;
    const targetProp = this.schema.property(target, rest[0]!);
    if (!targetProp) throw new ODataError(messages.propertyNotFound(rest[0]!, this.schema.typeName(target)));
    segments = [];
    return { k: "prop", scope: scope.index, table: target, via: nav, prop: targetProp, edm: targetProp.edm };
  }

  private bindLambda(node: Extract<ExprNode, { kind: "lambda" }>): Bound {
    const sourceScope = node.source.range !== undefined ? this.scopes.get(node.source.range) : this.scopes.get("$it");
    if (!sourceScope) throw new ODataError(messages.parameterNotInScope(node.source.range ?? ""));
    if (node.source.segments.length !== 1) throw new ODataError(messages.lambdaParentMustBeCollection());
    const nav = this.schema.navigation(sourceScope.table, node.source.segments[0]!);
    if (!nav) {
      throw new ODataError(messages.propertyNotFound(node.source.segments[0]!, this.schema.typeName(sourceScope.table)));
    }
    if (nav.kind !== "collection") throw new ODataError(messages.lambdaParentMustBeCollection());
    const innerScope = this.nextScope++;
    if (!node.variable || !node.body) {
      return { t: "bool", expr: { k: "lambda", op: node.op, outerScope: sourceScope.index, innerScope, collection: nav.collection } };
    }
    this.scopes.set(node.variable, { table: nav.collection.table, index: innerScope });
    try {
      const body = this.bindNode(node.body);
      const condition = this.asCondition(body, () => new ODataError("The Any/All query expression must evaluate to a single boolean value."));
      return {
        t: "bool",
        expr: { k: "lambda", op: node.op, outerScope: sourceScope.index, innerScope, collection: nav.collection, body: condition },
      };
    } finally {
      this.scopes.delete(node.variable);
    }
  }

  private bindBinary(node: Extract<ExprNode, { kind: "binary" }>): Bound {
    if (node.op === "and" || node.op === "or") {
      const left = this.bindNode(node.left);
      const right = this.bindNode(node.right);
      const incompatible = () => new ODataError(messages.incompatibleOperands(this.edmOf(left), this.edmOf(right), OPERATOR_KIND[node.op]!));
      return { t: "bool", expr: { k: node.op, left: this.asCondition(left, incompatible), right: this.asCondition(right, incompatible) } };
    }
    if (node.op === "in") {
      const left = this.bindNode(node.left);
      if (left.t !== "value" || node.right.kind !== "list") throw new ODataError(messages.expressionExpected(node.pos, this.text));
      const values = node.right.items.map((item) => this.convertForTarget(left.expr, item));
      return { t: "bool", expr: { k: "in", target: left.expr, values, negate: false } };
    }
    const left = this.bindNode(node.left);
    const right = this.bindNode(node.right);
    if (node.op !== "eq" && node.op !== "ne" && node.op !== "gt" && node.op !== "ge" && node.op !== "lt" && node.op !== "le") {
      throw new ODataError(`The '${OPERATOR_KIND[node.op]}' operator is not supported.`);
    }
    if (left.t === "bool" || right.t === "bool") {
      throw new ODataError(messages.incompatibleOperands(this.edmOf(left), this.edmOf(right), OPERATOR_KIND[node.op]!));
    }
    const [l, r] = this.coerce(left, right, node.op);
    return { t: "bool", expr: { k: "cmp", op: node.op, left: l, right: r } };
  }

  /** Makes both sides comparable, converting literals to the other side's stored form. */
  private coerce(left: Extract<Bound, { t: "value" }>, right: Extract<Bound, { t: "value" }>, op: ComparisonOp): [ValueExpr, ValueExpr] {
    const le = left.expr.edm;
    const re = right.expr.edm;
    const fail = () => new ODataError(messages.incompatibleOperands(le, re, OPERATOR_KIND[op]!));
    if (le === "null" || re === "null" || le === re) return [left.expr, right.expr];
    if (NUMERIC.has(le) && NUMERIC.has(re)) return [left.expr, right.expr];
    const fix = (value: Extract<Bound, { t: "value" }>, other: EdmType): ValueExpr | null => {
      const literal = value.literal;
      if (!literal || value.expr.k !== "const") return null;
      if (other === "Edm.Guid" && literal.type === "string") {
        const text = String(literal.value);
        if (!GUID.test(text)) {
          throw new ODataError(messages.unrecognizedLiteral("Edm.String", literal.text, literal.pos, this.text));
        }
        return { k: "const", edm: "Edm.Guid", value: text.toLowerCase() };
      }
      if (other === "Edm.DateTimeOffset" && literal.type === "date") {
        return { k: "const", edm: "Edm.DateTimeOffset", value: Date.parse(`${String(literal.value)}T00:00:00Z`) };
      }
      return null;
    };
    const fixedRight = fix(right, le);
    if (fixedRight) return [left.expr, fixedRight];
    const fixedLeft = fix(left, re);
    if (fixedLeft) return [fixedLeft, right.expr];
    throw fail();
  }

  /** Converts a literal list item (from `in` or PropertyValues) to the target's stored form. */
  private convertForTarget(target: ValueExpr, item: ExprNode): SqlValue {
    const node = item.kind === "alias" ? this.resolveAlias(item.name) : item;
    if (node.kind !== "literal") throw new ODataError(messages.expressionExpected(node.pos, this.text));
    if (node.type === "null") return null;
    const edm = target.edm;
    const raw = node.value;
    if (edm === "Edm.Guid") {
      const text = String(raw);
      if (!GUID.test(text)) throw new ODataError(messages.unrecognizedLiteral("Edm.Guid", node.text, node.pos, this.text));
      return text.toLowerCase();
    }
    if (NUMERIC.has(edm)) {
      const value = typeof raw === "bigint" ? raw : Number(raw);
      if (typeof value === "number" && !Number.isFinite(value)) {
        throw new ODataError(messages.unrecognizedLiteral(edm, node.text, node.pos, this.text));
      }
      return value;
    }
    if (edm === "Edm.Boolean") {
      if (typeof raw === "boolean") return raw ? 1 : 0;
      if (raw === "true" || raw === "false") return raw === "true" ? 1 : 0;
      throw new ODataError(messages.unrecognizedLiteral(edm, node.text, node.pos, this.text));
    }
    if (edm === "Edm.DateTimeOffset") {
      if (typeof raw === "number") return raw;
      const ms = Date.parse(String(raw));
      if (Number.isNaN(ms)) throw new ODataError(messages.unrecognizedLiteral(edm, node.text, node.pos, this.text));
      return ms;
    }
    return typeof raw === "bigint" ? raw.toString() : raw === null ? null : String(raw);
  }

  private bindCall(node: Extract<ExprNode, { kind: "call" }>): Bound {
    if (STRING_FUNCTIONS.has(node.name)) return this.bindStringFunction(node);
    if (node.name.startsWith("Microsoft.Dynamics.CRM.")) return this.bindDataverseFunction(node);
    if (STANDARD_UNSUPPORTED.has(node.name)) throw new ODataError(`The function '${node.name}' is not supported.`);
    throw new ODataError(messages.unknownFunction(node.name));
  }

  private bindStringFunction(node: Extract<ExprNode, { kind: "call" }>): Bound {
    const signature = `${node.name}(Edm.String Nullable=true, Edm.String Nullable=true)`;
    if (node.args.length !== 2 || node.args.some((a) => a.name !== undefined)) {
      throw new ODataError(messages.noApplicableFunction(node.name, signature));
    }
    const target = this.bindNode(node.args[0]!.value);
    const value = this.bindNode(node.args[1]!.value);
    if (target.t !== "value" || value.t !== "value" || target.expr.edm !== "Edm.String" || (value.expr.edm !== "Edm.String" && value.expr.edm !== "null")) {
      throw new ODataError(messages.noApplicableFunction(node.name, signature));
    }
    if (target.expr.k !== "prop" || value.expr.k !== "const") {
      throw new ODataError(`The function '${node.name}' needs a column as its first and a text literal as its second argument.`);
    }
    if (value.expr.value === null) return { t: "bool", expr: { k: "bool", value: false } };
    return { t: "bool", expr: { k: "like", target: target.expr, mode: node.name as "contains", value: String(value.expr.value) } };
  }

  private bindDataverseFunction(node: Extract<ExprNode, { kind: "call" }>): Bound {
    const name = node.name.slice("Microsoft.Dynamics.CRM.".length);
    const params = new Map<string, ExprNode>();
    for (const arg of node.args) {
      if (arg.name === undefined) throw new ODataError(`Function '${node.name}' requires named parameters.`);
      params.set(arg.name, arg.value.kind === "alias" ? this.resolveAlias(arg.value.name) : arg.value);
    }
    const propertyNode = params.get("PropertyName");
    if (!propertyNode || propertyNode.kind !== "literal" || typeof propertyNode.value !== "string") {
      throw new ODataError(`The parameter 'PropertyName' of function '${node.name}' is missing or not a string.`);
    }
    const target = this.propertyByName(propertyNode.value);
    const values = (): ExprNode[] => {
      const list = params.get("PropertyValues");
      if (!list || list.kind !== "list") throw new ODataError(`The parameter 'PropertyValues' of function '${node.name}' is missing or not a list.`);
      return list.items;
    };
    const single = (): ExprNode => {
      const value = params.get("PropertyValue");
      if (!value) throw new ODataError(`The parameter 'PropertyValue' of function '${node.name}' is missing.`);
      return value;
    };
    const now = this.ctx.now ? this.ctx.now() : Date.now();
    const dayStart = (offsetDays: number) => {
      const d = new Date(now);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + offsetDays);
    };
    const requireDate = () => {
      if (target.edm !== "Edm.DateTimeOffset") throw new ODataError(`Function '${node.name}' needs a date and time column.`);
    };
    const range = (low: number, high: number): Bound => ({
      t: "bool",
      expr: { k: "and", left: cmp(target, "ge", low), right: cmp(target, "lt", high) },
    });
    const count = (): number => {
      const raw = single();
      const value = raw.kind === "literal" ? Number(raw.value) : Number.NaN;
      if (!Number.isInteger(value) || value < 0) throw new ODataError(`The parameter 'PropertyValue' of function '${node.name}' must be a non-negative integer.`);
      return value;
    };
    switch (name) {
      case "In":
      case "NotIn":
        return { t: "bool", expr: { k: "in", target, values: values().map((v) => this.convertForTarget(target, v)), negate: name === "NotIn" } };
      case "Between":
      case "NotBetween": {
        const items = values();
        if (items.length !== 2) throw new ODataError(`Function '${node.name}' needs exactly two values.`);
        return {
          t: "bool",
          expr: {
            k: "between",
            target,
            low: this.convertForTarget(target, items[0]!),
            high: this.convertForTarget(target, items[1]!),
            negate: name === "NotBetween",
          },
        };
      }
      case "EqualUserId":
      case "NotEqualUserId": {
        if (target.edm !== "Edm.Guid") throw new ODataError(`Function '${node.name}' needs a user lookup column.`);
        const user = this.ctx.userId ?? null;
        return { t: "bool", expr: cmp(target, name === "EqualUserId" ? "eq" : "ne", user) };
      }
      case "Null":
        return { t: "bool", expr: cmp(target, "eq", null) };
      case "NotNull":
        return { t: "bool", expr: cmp(target, "ne", null) };
      case "Today":
        requireDate();
        return range(dayStart(0), dayStart(1));
      case "Yesterday":
        requireDate();
        return range(dayStart(-1), dayStart(0));
      case "Tomorrow":
        requireDate();
        return range(dayStart(1), dayStart(2));
      case "LastXHours":
        requireDate();
        return range(now - count() * 3_600_000, now + 1);
      case "NextXHours":
        requireDate();
        return range(now, now + count() * 3_600_000 + 1);
      case "LastXDays":
        requireDate();
        return range(dayStart(-count()), now + 1);
      case "NextXDays":
        requireDate();
        return range(now, dayStart(count() + 1));
      case "On":
      case "OnOrAfter":
      case "OnOrBefore": {
        requireDate();
        const value = this.convertForTarget(target, single());
        if (typeof value !== "number") throw new ODataError(`The parameter 'PropertyValue' of function '${node.name}' must be a date.`);
        const d = new Date(value);
        const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
        if (name === "On") return range(start, start + 86_400_000);
        if (name === "OnOrAfter") return { t: "bool", expr: cmp(target, "ge", start) };
        return { t: "bool", expr: cmp(target, "lt", start + 86_400_000) };
      }
      default:
        throw new ODataError(messages.unknownFunction(node.name));
    }
  }

  /** A column named as Dataverse functions name it: the logical attribute name, lookups without `_x_value`. */
  private propertyByName(name: string): PropertyRef {
    const table = this.root;
    const prop = this.schema.property(table, name) ?? this.schema.property(table, `_${name}_value`);
    if (!prop) throw new ODataError(messages.propertyNotFound(name, this.schema.typeName(table)));
    return { k: "prop", scope: 0, table, prop, edm: prop.edm };
  }
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function cmp(target: PropertyRef, op: ComparisonOp, value: SqlValue): BoolExpr {
  return { k: "cmp", op, left: target, right: { k: "const", edm: value === null ? "null" : target.edm, value } };
}

function literalConstant(node: LiteralNode): Constant {
  switch (node.type) {
    case "null":
      return { k: "const", edm: "null", value: null };
    case "string":
      return { k: "const", edm: "Edm.String", value: String(node.value) };
    case "int32":
      return { k: "const", edm: "Edm.Int32", value: Number(node.value) };
    case "int64":
      return { k: "const", edm: "Edm.Int64", value: node.value as bigint };
    case "decimal":
    case "single":
    case "double": {
      const value = Number(node.value);
      if (!Number.isFinite(value)) throw new ODataError(`The literal '${node.text}' cannot be compared.`);
      return { k: "const", edm: node.type === "decimal" ? "Edm.Decimal" : "Edm.Double", value };
    }
    case "guid":
      return { k: "const", edm: "Edm.Guid", value: String(node.value) };
    case "boolean":
      return { k: "const", edm: "Edm.Boolean", value: node.value ? 1 : 0 };
    case "datetimeoffset":
      return { k: "const", edm: "Edm.DateTimeOffset", value: node.value as number };
    case "date":
      return { k: "const", edm: "Edm.DateTimeOffset", value: Date.parse(`${String(node.value)}T00:00:00Z`) };
    case "timeofday":
    case "typed":
      throw new ODataError(`Literals like '${node.text}' are not supported.`);
  }
}
