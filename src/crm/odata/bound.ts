/**
 * A query after binding: every name resolved against the schema, every literal converted to the
 * value the store keeps (lower-case GUIDs, epoch milliseconds for date-times, 0/1 for booleans),
 * every operator type-checked. The store compiles this, never raw user text, into SQL.
 */
import type { Navigation, Property } from "../schema/schema.js";
import type { CollectionDef, EdmType, TableDef } from "../schema/types.js";

export type SqlValue = string | number | bigint | null;

/** Where a property is read from: a query scope (0 = the queried table, 1.. = lambda variables), optionally through one lookup. */
export interface PropertyRef {
  k: "prop";
  scope: number;
  table: TableDef;
  /** Set when the property is read through a single-valued navigation (`primarycontactid/fullname`). */
  via?: Extract<Navigation, { kind: "single" }>;
  prop: Property;
  edm: EdmType;
}

export interface Constant {
  k: "const";
  edm: EdmType | "null";
  value: SqlValue;
}

export type ValueExpr = PropertyRef | Constant;

export type ComparisonOp = "eq" | "ne" | "gt" | "ge" | "lt" | "le";

export type BoolExpr =
  | { k: "and" | "or"; left: BoolExpr; right: BoolExpr }
  | { k: "not"; operand: BoolExpr }
  | { k: "cmp"; op: ComparisonOp; left: ValueExpr; right: ValueExpr }
  | { k: "like"; target: PropertyRef; mode: "contains" | "startswith" | "endswith"; value: string }
  | { k: "in"; target: ValueExpr; values: SqlValue[]; negate: boolean }
  | { k: "between"; target: ValueExpr; low: SqlValue; high: SqlValue; negate: boolean }
  | { k: "lambda"; op: "any" | "all"; outerScope: number; innerScope: number; collection: CollectionDef; body?: BoolExpr }
  | { k: "bool"; value: boolean };

export interface OrderTerm {
  expr: PropertyRef;
  descending: boolean;
}

export interface BoundExpand {
  nav: Navigation;
  ref: boolean;
  /** Null: every column. */
  select: Property[] | null;
  filter?: BoolExpr | undefined;
  orderBy: OrderTerm[];
  top?: number | undefined;
  expand: BoundExpand[];
}

export interface BoundQuery {
  table: TableDef;
  select: Property[] | null;
  filter?: BoolExpr | undefined;
  orderBy: OrderTerm[];
  top?: number | undefined;
  expand: BoundExpand[];
}
