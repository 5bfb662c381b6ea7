/**
 * The CRM store on SQLite (better-sqlite3, WAL): one file in the data directory. Reads run the
 * compiled, parameterised SQL from compile.ts; writes apply Dataverse's server-side rules
 * (behaviours.ts), bump the global row version (the ETag) and maintain the substring indexes.
 */
import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import type { BoolExpr, OrderTerm, SqlValue } from "../odata/bound.js";
import { ODataError } from "../odata/errors.js";
import { Schema } from "../schema/schema.js";
import { lookupValueName, type TableDef } from "../schema/types.js";
import { computeFullName, hasComputedFullName, reconcileState, ticketNumber, validateColumnValue } from "./behaviours.js";
import { compileCount, compileRowQuery, type CompileOptions } from "./compile.js";
import { isPolymorphic, lookupTypeColumn, physicalColumns, q, schemaDdl, STORE_VERSION } from "./ddl.js";
import { ngramTableName, termsOf } from "./substring-index.js";
import type { CrmStore, Cursor, Row, RowQuery, WriteContext } from "./types.js";

export interface SqliteStoreOptions {
  /** Database file, or ":memory:". */
  file: string;
  schema?: Schema;
  now?: () => number;
  random?: () => number;
  /** False compiles substring searches as plain LIKE scans (the benchmark's baseline). */
  substringIndex?: boolean;
}

const DUPLICATE_KEY = "0x80040237";
const NOT_FOUND = "0x80040217";
const STATEMENT_CACHE_LIMIT = 400;

export function notFound(table: TableDef, id: string): ODataError {
  return new ODataError(`${table.logicalName} With Id = ${id} Does Not Exist`, { status: 404, code: NOT_FOUND });
}

export class SqliteCrmStore implements CrmStore {
  readonly schema: Schema;
  readonly db: Database.Database;
  private readonly now: () => number;
  private random: () => number;
  private readonly statements = new Map<string, Database.Statement>();
  private version = 0;
  private ticketSequence = 999;
  private bulk = false;
  private readonly compileOptions: CompileOptions;

  constructor(options: SqliteStoreOptions) {
    this.schema = options.schema ?? new Schema();
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.compileOptions = { substringIndex: options.substringIndex !== false };
    this.db = new Database(options.file);
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = OFF");
    this.db.pragma("cache_size = -65536");
    this.db.transaction(() => {
      for (const statement of schemaDdl(this.schema)) this.db.exec(statement);
      this.setMeta("store_version", String(STORE_VERSION));
    })();
    for (const table of this.schema.tables) {
      const row = this.db.prepare(`SELECT MAX(versionnumber) AS v FROM ${q(table.logicalName)}`).get() as { v: number | null };
      this.version = Math.max(this.version, row.v ?? 0);
    }
    this.ticketSequence = Number(this.getMeta("ticket_sequence") ?? 999);
  }

  getMeta(key: string): string | undefined {
    const row = this.prepare("SELECT value FROM crm_meta WHERE key = ?").get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.prepare("INSERT INTO crm_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  query(request: RowQuery): Row[] {
    const { sql, params } = compileRowQuery(this.schema, request, this.compileOptions);
    return this.prepare(sql).all(...params) as Row[];
  }

  count(table: TableDef, filter: BoolExpr | undefined, cap: number): number {
    const { sql, params } = compileCount(this.schema, table, filter, cap, this.compileOptions);
    return (this.prepare(sql).get(...params) as { n: number }).n;
  }

  getById(table: TableDef, id: string, withNames = false): Row | undefined {
    const rows = this.query({
      table,
      orderBy: [],
      limit: 1,
      withNames,
      within: { column: table.primaryKey, values: [id.toLowerCase()] },
    });
    return rows[0];
  }

  findByKey(table: TableDef, key: Record<string, SqlValue>): Row | undefined {
    const names = Object.keys(key);
    const where = names.map((n) => `${q(n)} = ?`).join(" AND ");
    return this.prepare(`SELECT * FROM ${q(table.logicalName)} WHERE ${where} LIMIT 1`).get(...names.map((n) => key[n] ?? null)) as Row | undefined;
  }

  cursorOf(row: Row, orderBy: OrderTerm[]): Cursor {
    return { values: orderBy.map((t) => row[t.expr.prop.name] ?? null), rid: Number(row.rid) };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Loads many rows fast: one transaction, substring-index terms staged and inserted in sorted order at the end. */
  bulkLoad<T>(fn: () => T, options: { random?: () => number } = {}): T {
    const savedRandom = this.random;
    if (options.random) this.random = options.random;
    return this.db.transaction(() => {
      this.bulk = true;
      this.db.exec("CREATE TEMP TABLE IF NOT EXISTS ngram_stage (tbl TEXT NOT NULL, term TEXT NOT NULL, rid INTEGER NOT NULL)");
      try {
        const result = fn();
        for (const table of this.schema.tables) {
          for (const column of table.columns) {
            if (!column.substringIndex) continue;
            const target = q(ngramTableName(table.logicalName, column.name));
            this.db
              .prepare(`INSERT OR IGNORE INTO ${target} (term, rid) SELECT term, rid FROM ngram_stage WHERE tbl = ? ORDER BY term, rid`)
              .run(ngramTableName(table.logicalName, column.name));
          }
        }
        this.db.exec("DELETE FROM ngram_stage");
        this.setMeta("ticket_sequence", String(this.ticketSequence));
        return result;
      } finally {
        this.bulk = false;
        this.random = savedRandom;
      }
    })();
  }

  /** After the tables were emptied: restart row versions and the case-number sequence. */
  resetCounters(): void {
    this.version = 0;
    this.ticketSequence = Number(this.getMeta("ticket_sequence") ?? 999);
  }

  private nextVersion(): number {
    return ++this.version;
  }

  insert(table: TableDef, values: Row, ctx: WriteContext): Row {
    const now = this.now();
    const row: Row = {};
    for (const column of table.columns) {
      const given = values[column.name];
      if (given !== undefined && column.validForCreate !== false) row[column.name] = given;
      else if (column.defaultValue !== undefined) {
        const d = column.defaultValue;
        row[column.name] = typeof d === "boolean" ? (d ? 1 : 0) : d;
      } else row[column.name] = null;
    }
    for (const lookup of table.lookups) {
      const name = lookupValueName(lookup);
      row[name] = lookup.validForCreate === false ? null : (values[name] ?? null);
      if (isPolymorphic(lookup)) row[lookupTypeColumn(lookup)] = lookup.validForCreate === false ? null : (values[lookupTypeColumn(lookup)] ?? null);
    }
    const id = typeof values[table.primaryKey] === "string" ? (values[table.primaryKey] as string).toLowerCase() : randomUUID();
    row[table.primaryKey] = id;
    for (const column of table.columns) validateColumnValue(table, column, row[column.name] ?? null);
    if (hasComputedFullName(table)) row.fullname = computeFullName(row);
    if (table.columns.some((c) => c.name === "statecode")) {
      row.statecode = 0;
      reconcileState(table, row, new Set(values.statuscode !== undefined ? ["statuscode"] : []));
    }
    if (table.logicalName === "incident") {
      this.ticketSequence = Math.max(this.ticketSequence + 1, 1000);
      row.ticketnumber = ticketNumber(this.ticketSequence, this.random);
      if (!this.bulk) this.setMeta("ticket_sequence", String(this.ticketSequence));
    }
    if ("createdon" in row) row.createdon = typeof values.createdon === "number" && this.bulk ? values.createdon : now;
    if ("modifiedon" in row) row.modifiedon = typeof values.modifiedon === "number" && this.bulk ? values.modifiedon : (row.createdon ?? now);
    if ("versionnumber" in row) row.versionnumber = this.nextVersion();
    if ("_ownerid_value" in row && row._ownerid_value === null) row._ownerid_value = ctx.userId;
    if ("_createdby_value" in row) row._createdby_value = ctx.userId;
    if ("_modifiedby_value" in row) row._modifiedby_value = ctx.userId;
    this.requireRequired(table, row);
    const columns = physicalColumns(table).filter((c) => c !== "rid");
    const sql = `INSERT INTO ${q(table.logicalName)} (${columns.map(q).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`;
    let rid: number;
    try {
      rid = Number(this.prepare(sql).run(...columns.map((c) => row[c] ?? null)).lastInsertRowid);
    } catch (err) {
      throw this.translate(err);
    }
    row.rid = rid;
    this.indexTerms(table, rid, {}, row);
    return row;
  }

  update(table: TableDef, id: string, values: Row, ctx: WriteContext): Row {
    const before = this.getById(table, id);
    if (!before) throw notFound(table, id);
    const after: Row = { ...before };
    const changed = new Set<string>();
    for (const column of table.columns) {
      const given = values[column.name];
      if (given === undefined || column.validForUpdate === false || column.name === table.primaryKey) continue;
      if (column.name === "statecode" && given === before.statecode && values.statuscode === undefined) continue;
      after[column.name] = given;
      changed.add(column.name);
      validateColumnValue(table, column, given);
    }
    for (const lookup of table.lookups) {
      const name = lookupValueName(lookup);
      if (values[name] === undefined || lookup.validForUpdate === false) continue;
      after[name] = values[name] ?? null;
      if (isPolymorphic(lookup)) after[lookupTypeColumn(lookup)] = values[lookupTypeColumn(lookup)] ?? null;
      changed.add(name);
    }
    if (hasComputedFullName(table)) after.fullname = computeFullName(after);
    if (table.columns.some((c) => c.name === "statecode")) reconcileState(table, after, changed);
    if ("modifiedon" in after) after.modifiedon = this.now();
    if ("versionnumber" in after) after.versionnumber = this.nextVersion();
    if ("_modifiedby_value" in after) after._modifiedby_value = ctx.userId;
    this.requireRequired(table, after);
    const columns = physicalColumns(table).filter((c) => c !== "rid" && c !== table.primaryKey);
    const sql = `UPDATE ${q(table.logicalName)} SET ${columns.map((c) => `${q(c)} = ?`).join(", ")} WHERE rid = ?`;
    try {
      this.prepare(sql).run(...columns.map((c) => after[c] ?? null), before.rid);
    } catch (err) {
      throw this.translate(err);
    }
    this.indexTerms(table, Number(before.rid), before, after);
    return after;
  }

  delete(table: TableDef, id: string): boolean {
    const row = this.getById(table, id);
    if (!row) return false;
    this.transaction(() => this.deleteRow(table, row));
    return true;
  }

  private deleteRow(table: TableDef, row: Row): void {
    const id = String(row[table.primaryKey]);
    this.prepare(`DELETE FROM ${q(table.logicalName)} WHERE rid = ?`).run(row.rid);
    this.indexTerms(table, Number(row.rid), row, {});
    // Rows pointing here: cascade or clear the link, as the relationship says.
    for (const other of this.schema.tables) {
      for (const lookup of other.lookups) {
        if (!lookup.targets.includes(table.logicalName)) continue;
        const valueColumn = lookupValueName(lookup);
        const typeCheck = isPolymorphic(lookup) ? ` AND ${q(lookupTypeColumn(lookup))} = '${table.logicalName}'` : "";
        if (lookup.onDelete === "cascade") {
          const children = this.prepare(`SELECT * FROM ${q(other.logicalName)} WHERE ${q(valueColumn)} = ?${typeCheck}`).all(id) as Row[];
          for (const child of children) this.deleteRow(other, child);
        } else {
          const typeReset = isPolymorphic(lookup) ? `, ${q(lookupTypeColumn(lookup))} = NULL` : "";
          this.prepare(`UPDATE ${q(other.logicalName)} SET ${q(valueColumn)} = NULL${typeReset} WHERE ${q(valueColumn)} = ?${typeCheck}`).run(id);
        }
      }
    }
  }

  private requireRequired(table: TableDef, row: Row): void {
    for (const lookup of table.lookups) {
      if (!lookup.required || (row[lookupValueName(lookup)] ?? null) !== null) continue;
      const customer = lookup.targets.includes("account") && lookup.targets.includes("contact");
      throw new ODataError(
        customer
          ? "You should specify a parent contact or account."
          : `A validation error occurred. The '${lookup.name}' attribute of the '${table.logicalName}' entity is required.`,
        { code: customer ? "0x80040203" : "0x80044331" },
      );
    }
    for (const column of table.columns) {
      if (column.required && (row[column.name] === null || row[column.name] === undefined || row[column.name] === "")) {
        throw new ODataError(`A validation error occurred. The '${column.name}' attribute of the '${table.logicalName}' entity is required.`, {
          code: "0x80044331",
        });
      }
    }
  }

  private indexTerms(table: TableDef, rid: number, before: Row, after: Row): void {
    for (const column of table.columns) {
      if (!column.substringIndex) continue;
      const oldValue = before[column.name];
      const newValue = after[column.name];
      if (oldValue === newValue) continue;
      const name = ngramTableName(table.logicalName, column.name);
      const oldTerms = new Set(termsOf(typeof oldValue === "string" ? oldValue : null));
      const newTerms = new Set(termsOf(typeof newValue === "string" ? newValue : null));
      if (this.bulk && oldTerms.size === 0) {
        const stage = this.prepare("INSERT INTO ngram_stage (tbl, term, rid) VALUES (?, ?, ?)");
        for (const term of newTerms) stage.run(name, term, rid);
        continue;
      }
      const remove = this.prepare(`DELETE FROM ${q(name)} WHERE term = ? AND rid = ?`);
      const add = this.prepare(`INSERT OR IGNORE INTO ${q(name)} (term, rid) VALUES (?, ?)`);
      for (const term of oldTerms) if (!newTerms.has(term)) remove.run(term, rid);
      for (const term of newTerms) if (!oldTerms.has(term)) add.run(term, rid);
    }
  }

  private translate(err: unknown): unknown {
    if (err instanceof Error && "code" in err && typeof err.code === "string" && err.code.startsWith("SQLITE_CONSTRAINT")) {
      return new ODataError("A record with matching key values already exists.", { status: 412, code: DUPLICATE_KEY });
    }
    return err;
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}
