/**
 * The CRM store's contract, asynchronous so that a network database can implement it: SQLite
 * (sqlite-store.ts, the default, one file in the data directory) and PostgreSQL (postgres-store.ts,
 * shared by the nodes of a cluster). The interface speaks in bound queries and stored values, never
 * SQL; each store compiles queries to its own dialect (compile.ts).
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

export interface BulkOptions {
  /** Random source for generated values (case-number suffixes) during the load. */
  random?: () => number;
}

/** A stored app registration (auth/apps.ts); the store only keeps the rows. */
export interface StoredApp {
  client_id: string;
  display_name: string;
  secret_hash: string;
  application_user_id: string;
  roles: string;
}

export interface CrmStore {
  readonly schema: Schema;
  /** Where the data lives, for messages: a file path or a redacted database URL. */
  readonly location: string;
  query(request: RowQuery): Promise<Row[]>;
  /** Matching rows, counted up to `cap`. */
  count(table: TableDef, filter: BoolExpr | undefined, cap: number): Promise<number>;
  getById(table: TableDef, id: string, withNames?: boolean): Promise<Row | undefined>;
  findByKey(table: TableDef, key: Record<string, SqlValue>): Promise<Row | undefined>;
  insert(table: TableDef, values: Row, ctx: WriteContext): Promise<Row>;
  update(table: TableDef, id: string, values: Row, ctx: WriteContext): Promise<Row>;
  delete(table: TableDef, id: string): Promise<boolean>;
  /**
   * Runs `fn` atomically against the handle it is given (use only that handle inside); an
   * exception rolls everything back. Other callers wait or run beside it, never inside it.
   */
  transaction<T>(fn: (tx: CrmStore) => Promise<T>): Promise<T>;
  /**
   * Loads many rows in one transaction: `createdon`/`modifiedon` given in the values are kept,
   * and the store may defer index maintenance to the end.
   */
  bulkLoad<T>(fn: (tx: CrmStore) => Promise<T>, options?: BulkOptions): Promise<T>;
  /**
   * On a bulk load's handle, where the store has a faster way than one `insert` per row: appends
   * many new rows of one table at once (PostgreSQL: COPY). Nothing is returned per row.
   */
  appendMany?(table: TableDef, values: Row[], ctx: WriteContext): Promise<void>;
  /** Removes every CRM row (not app registrations) and restarts row versions and case numbers. */
  clear(): Promise<void>;
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  /** App registrations, kept beside the CRM's rows so every node sees the same ones. */
  listApps(): Promise<StoredApp[]>;
  saveApp(app: StoredApp): Promise<void>;
  /** The order terms plus the `rid` tiebreaker a cursor is taken from. */
  cursorOf(row: Row, orderBy: OrderTerm[]): Cursor;
  close(): Promise<void>;
}

export type { BoundQuery, CollectionDef };
