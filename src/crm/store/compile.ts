/**
 * Compiles bound queries to parameterised SQLite. Identifiers come only from the schema; every
 * value a client sent travels as a bound parameter, never as SQL text.
 */
import type { BoolExpr, OrderTerm, PropertyRef, SqlValue, ValueExpr } from "../odata/bound.js";
import type { Schema } from "../schema/schema.js";
import { lookupValueName, type LookupDef, type TableDef } from "../schema/types.js";
import { isPolymorphic, lookupTypeColumn, q } from "./ddl.js";
import { ngramTableName, termRange } from "./substring-index.js";
import type { Cursor, RowQuery } from "./types.js";

export interface CompiledSql {
  sql: string;
  params: SqlValue[];
}

/**
 * A table's logical name as an SQL string literal. Only schema names reach here (never client
 * text), and they are checked, so expressions that contain them can be repeated in one statement
 * without disturbing the order of bound parameters.
 */
function schemaLiteral(name: string): string {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`schema: unexpected table name ${name}`);
  return `'${name}'`;
}

const OPS: Record<string, string> = { eq: "=", ne: "<>", gt: ">", ge: ">=", lt: "<", le: "<=" };

export interface CompileOptions {
  /** Use the substring indexes for contains/startswith/endswith (off only to measure the scan baseline). */
  substringIndex?: boolean;
}

export class SqlBuilder {
  readonly params: SqlValue[] = [];

  constructor(
    private readonly schema: Schema,
    private readonly options: CompileOptions = {},
  ) {}

  param(value: SqlValue): string {
    this.params.push(value);
    return "?";
  }

  alias(scope: number): string {
    return `t${scope}`;
  }

  /** SQL for reading a property, through one lookup when the path has one. */
  property(ref: PropertyRef): string {
    const alias = this.alias(ref.scope);
    if (!ref.via) return `${alias}.${q(ref.prop.name)}`;
    const lookup = ref.via.lookup;
    const target = ref.via.target;
    const inner = `n${ref.scope}`;
    let link = `${inner}.${q(target.primaryKey)} = ${alias}.${q(lookupValueName(lookup))}`;
    if (isPolymorphic(lookup)) link += ` AND ${alias}.${q(lookupTypeColumn(lookup))} = ${schemaLiteral(target.logicalName)}`;
    return `(SELECT ${inner}.${q(ref.prop.name)} FROM ${q(target.logicalName)} AS ${inner} WHERE ${link})`;
  }

  value(expr: ValueExpr): string {
    return expr.k === "prop" ? this.property(expr) : this.param(expr.value);
  }

  condition(expr: BoolExpr): string {
    switch (expr.k) {
      case "and":
      case "or":
        return `(${this.condition(expr.left)} ${expr.k.toUpperCase()} ${this.condition(expr.right)})`;
      case "not":
        return `(NOT ${this.condition(expr.operand)})`;
      case "bool":
        return expr.value ? "1" : "0";
      case "cmp":
        return this.comparison(expr);
      case "like":
        return this.like(expr);
      case "in": {
        const target = this.value(expr.target);
        const nonNull = expr.values.filter((v) => v !== null);
        const hasNull = nonNull.length !== expr.values.length;
        const list = nonNull.length > 0 ? `${target}${this.collate(expr.target)} ${expr.negate ? "NOT IN" : "IN"} (${nonNull.map((v) => this.param(v)).join(", ")})` : expr.negate ? "1" : "0";
        if (!hasNull) return `(${list})`;
        return expr.negate ? `(${target} IS NOT NULL AND ${list})` : `(${target} IS NULL OR ${list})`;
      }
      case "between": {
        const target = this.value(expr.target);
        return `(${target}${this.collate(expr.target)} ${expr.negate ? "NOT BETWEEN" : "BETWEEN"} ${this.param(expr.low)} AND ${this.param(expr.high)})`;
      }
      case "lambda": {
        const collection = expr.collection;
        const child = this.alias(expr.innerScope);
        const outer = this.alias(expr.outerScope);
        const owner = this.schema.table(collection.owner);
        let link = `${child}.${q(lookupValueName(collection.lookup))} = ${outer}.${q(owner.primaryKey)}`;
        if (isPolymorphic(collection.lookup)) link += ` AND ${child}.${q(lookupTypeColumn(collection.lookup))} = ${schemaLiteral(collection.owner)}`;
        const from = `FROM ${q(collection.table.logicalName)} AS ${child} WHERE ${link}`;
        if (!expr.body) return expr.op === "any" ? `EXISTS (SELECT 1 ${from})` : "1";
        const body = this.condition(expr.body);
        return expr.op === "any" ? `EXISTS (SELECT 1 ${from} AND ${body})` : `NOT EXISTS (SELECT 1 ${from} AND (${body}) IS NOT 1)`;
      }
    }
  }

  private collate(expr: ValueExpr): string {
    return expr.edm === "Edm.String" ? " COLLATE NOCASE" : "";
  }

  private comparison(expr: Extract<BoolExpr, { k: "cmp" }>): string {
    const { left, right, op } = expr;
    const leftNull = left.k === "const" && left.value === null;
    const rightNull = right.k === "const" && right.value === null;
    if (leftNull && rightNull) return op === "eq" || op === "ge" || op === "le" ? "1" : "0";
    if (rightNull || leftNull) {
      const side = rightNull ? left : right;
      if (op === "eq") return `(${this.value(side)} IS NULL)`;
      if (op === "ne") return `(${this.value(side)} IS NOT NULL)`;
      return "0";
    }
    const collate = left.edm === "Edm.String" || right.edm === "Edm.String" ? " COLLATE NOCASE" : "";
    return `(${this.value(left)} ${OPS[op]} ${this.value(right)}${collate})`;
  }

  private like(expr: Extract<BoolExpr, { k: "like" }>): string {
    const pattern = expr.mode === "contains" ? `%${expr.value}%` : expr.mode === "startswith" ? `${expr.value}%` : `%${expr.value}`;
    const target = this.property(expr.target);
    const column = expr.target.prop.kind === "column" ? expr.target.prop.column : undefined;
    const useIndex = this.options.substringIndex !== false && column?.substringIndex && !expr.target.via;
    const range = useIndex ? termRange(expr.value) : null;
    if (!range) return `(${target} LIKE ${this.param(pattern)})`;
    // Parameters are pushed in the order they appear in the text.
    const index = q(ngramTableName(expr.target.table.logicalName, expr.target.prop.name));
    const candidates = `${this.alias(expr.target.scope)}.rid IN (SELECT rid FROM ${index} WHERE term >= ${this.param(range.low)} AND term < ${this.param(range.high)})`;
    return `(${candidates} AND ${target} LIKE ${this.param(pattern)})`;
  }

  /** ORDER BY terms with the insertion sequence as the final tiebreaker (Dataverse's default order). */
  orderBy(terms: OrderTerm[]): string {
    const parts = terms.map((t) => `${this.property(t.expr)} ${t.descending ? "DESC" : "ASC"}`);
    parts.push(`${this.alias(0)}.rid ASC`);
    return parts.join(", ");
  }

  /** Rows strictly after the cursor in the given order (keyset paging; NULLs sort first ascending). */
  after(terms: OrderTerm[], cursor: Cursor): string {
    const columns = terms.map((t) => this.property(t.expr));
    const equal = (j: number) => `${columns[j]} IS ${this.param(cursor.values[j] ?? null)}`;
    const beyond = (i: number) => {
      const value = cursor.values[i] ?? null;
      const column = columns[i]!;
      if (!terms[i]!.descending) return value === null ? `${column} IS NOT NULL` : `${column} > ${this.param(value)}`;
      return value === null ? "0" : `(${column} < ${this.param(value)} OR ${column} IS NULL)`;
    };
    // Built strictly left to right so bound parameters line up with their placeholders.
    const alternatives: string[] = [];
    for (let i = 0; i <= terms.length; i++) {
      const parts: string[] = [];
      for (let j = 0; j < i; j++) parts.push(equal(j));
      parts.push(i < terms.length ? beyond(i) : `${this.alias(0)}.rid > ${this.param(cursor.rid)}`);
      alternatives.push(`(${parts.join(" AND ")})`);
    }
    return `(${alternatives.join(" OR ")})`;
  }

  /** Extra select expressions giving each lookup's target primary name, for FormattedValue. */
  lookupNames(table: TableDef): string {
    return table.lookups.map((lookup) => `${this.lookupName(lookup)} AS ${q(`${lookupValueName(lookup)}@name`)}`).join(", ");
  }

  private lookupName(lookup: LookupDef): string {
    const value = `t0.${q(lookupValueName(lookup))}`;
    const one = (targetName: string) => {
      const target = this.schema.table(targetName);
      return `(SELECT ${q(target.primaryName)} FROM ${q(target.logicalName)} WHERE ${q(target.primaryKey)} = ${value})`;
    };
    if (!isPolymorphic(lookup)) return one(lookup.targets[0]!);
    const cases = lookup.targets.map((t) => `WHEN ${schemaLiteral(t)} THEN ${one(t)}`).join(" ");
    return `(CASE t0.${q(lookupTypeColumn(lookup))} ${cases} END)`;
  }
}

export function compileRowQuery(schema: Schema, request: RowQuery, options: CompileOptions = {}): CompiledSql {
  const b = new SqlBuilder(schema, options);
  const table = request.table;
  const names = request.withNames && table.lookups.length > 0 ? `, ${b.lookupNames(table)}` : "";
  const where: string[] = [];
  if (request.within) {
    const w = request.within;
    where.push(`t0.${q(w.column)} IN (${w.values.map((v) => b.param(v)).join(", ")})`);
    if (w.typeColumn) where.push(`t0.${q(w.typeColumn)} = ${b.param(w.typeValue ?? null)}`);
  }
  if (request.filter) where.push(b.condition(request.filter));
  if (request.after) where.push(b.after(request.orderBy, request.after));
  const order = b.orderBy(request.orderBy);
  const sql =
    `SELECT t0.*${names} FROM ${q(table.logicalName)} AS t0` +
    (where.length ? ` WHERE ${where.join(" AND ")}` : "") +
    ` ORDER BY ${order} LIMIT ${b.param(request.limit)}`;
  return { sql, params: b.params };
}

export function compileCount(schema: Schema, table: TableDef, filter: BoolExpr | undefined, cap: number, options: CompileOptions = {}): CompiledSql {
  const b = new SqlBuilder(schema, options);
  const where = filter ? ` WHERE ${b.condition(filter)}` : "";
  return { sql: `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${q(table.logicalName)} AS t0${where} LIMIT ${b.param(cap)})`, params: b.params };
}
