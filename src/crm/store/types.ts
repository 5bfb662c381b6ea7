/**
 * The CRM store's contract. SQLite is the implementation today; the interface speaks in bound
 * queries and stored values (never SQL), so a PostgreSQL store can implement it later.
 */
import type { BoolExpr, BoundQuery, OrderTerm, SqlValue } from "../odata/bound.js";
import type { Schema } from "../schema/schema.js";
import type { CollectionDef, TableDef } from "../schema/types.js";

/** A stored row: logical column names, `_x_value`/`_x_type` for lookups, and the insertion sequence `rid`. */
export type Row = Record<string, SqlValue>;

/** Where the previous page ended: the values of the order terms and the row sequence. */
export interface Cursor {
  values: SqlValue[];
  rid: number;
}

export interface RowQuery {
  table: TableDef;
  filter?: BoolExpr | undefined;
  orderBy: OrderTerm[];
  limit: number;
  after?: Cursor | undefined;
  /** Also fetch the primary name of every lookup's target as `<_x_value>@name` (FormattedValue). */
  withNames?: boolean;
  /** Restrict to rows whose column is one of these values (expansions). */
  within?: { column: string; values: SqlValue[]; typeColumn?: string; typeValue?: string };
}

export interface WriteContext {
  /** The systemuser performing the write (owner, createdby, modifiedby). */
  userId: string;
}

export interface CrmStore {
  readonly schema: Schema;
  query(request: RowQuery): Row[];
  /** Matching rows, counted up to `cap`. */
  count(table: TableDef, filter: BoolExpr | undefined, cap: number): number;
  getById(table: TableDef, id: string, withNames?: boolean): Row | undefined;
  findByKey(table: TableDef, key: Record<string, SqlValue>): Row | undefined;
  insert(table: TableDef, values: Row, ctx: WriteContext): Row;
  update(table: TableDef, id: string, values: Row, ctx: WriteContext): Row;
  delete(table: TableDef, id: string): boolean;
  /** Runs `fn` atomically; an exception rolls everything back. */
  transaction<T>(fn: () => T): T;
  /** The order terms plus the `rid` tiebreaker a cursor is taken from. */
  cursorOf(row: Row, orderBy: OrderTerm[]): Cursor;
  close(): void;
}

export type { BoundQuery, CollectionDef };
