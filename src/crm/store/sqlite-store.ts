/**
 * The CRM store on SQLite (better-sqlite3, WAL): one file in the data directory. Reads run the
 * compiled, parameterised SQL from compile.ts; writes apply Dataverse's server-side rules
 * (behaviours.ts), bump the global row version (the ETag) and maintain the substring indexes.
 *
 * better-sqlite3 is synchronous, which is why it is fast: every method does its work at once and
 * hands back a settled promise. A transaction spans awaits, so while one is open the other callers
 * wait for it to end (the handle given to the transaction's function goes straight through).
 */
import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import type { BoolExpr, OrderTerm, SqlValue } from "../odata/bound.js";
import { ODataError } from "../odata/errors.js";
import { Schema } from "../schema/schema.js";
import { lookupValueName, type TableDef } from "../schema/types.js";
import { ticketNumber } from "./behaviours.js";
import { compileCount, compileRowQuery, type CompileOptions } from "./compile.js";
import { APP_TABLE_DDL, isPolymorphic, lookupTypeColumn, physicalColumns, q, schemaDdl, STORE_VERSION } from "./ddl.js";
import { ngramTableName, termsOf } from "./substring-index.js";
import type { BulkOptions, CrmStore, Cursor, Row, RowQuery, StoredApp, WriteContext } from "./types.js";
import { buildInsertRow, buildUpdateRow } from "./write-rules.js";

export interface SqliteStoreOptions {
  /** Database file, or ":memory:". */
  file: string;
  schema?: Schema;
  now?: () => number;
  random?: () => number;
  /** False compiles substring searches as plain LIKE scans (the benchmark's baseline). */
  substringIndex?: boolean;
}

export const DUPLICATE_KEY = "0x80040237";
const NOT_FOUND = "0x80040217";
const STATEMENT_CACHE_LIMIT = 400;

export function notFound(table: TableDef, id: string): ODataError {
  return new ODataError(`${table.logicalName} With Id = ${id} Does Not Exist`, { status: 404, code: NOT_FOUND });
}

export function duplicateKey(): ODataError {
  return new ODataError("A record with matching key values already exists.", { status: 412, code: DUPLICATE_KEY });
}

export class SqliteCrmStore implements CrmStore {
  readonly schema: Schema;
  readonly location: string;
  readonly db: Database.Database;
  private readonly now: () => number;
  private random: () => number;
  private readonly statements = new Map<string, Database.Statement>();
  private version = 0;
  private ticketSequence = 999;
  private bulk = false;
  private readonly compileOptions: CompileOptions;
  /** Settles when the open transaction ends; undefined when none is open. */
  private held: Promise<void> | undefined;
  /** The handle a transaction's function works through: no waiting, same connection. */
  private readonly inside: CrmStore;

  constructor(options: SqliteStoreOptions) {
    this.schema = options.schema ?? new Schema();
    this.location = options.file;
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
      this.db.exec(APP_TABLE_DDL);
      this.setMetaNow("store_version", String(STORE_VERSION));
    })();
    for (const table of this.schema.tables) {
      const row = this.db.prepare(`SELECT MAX(versionnumber) AS v FROM ${q(table.logicalName)}`).get() as { v: number | null };
      this.version = Math.max(this.version, row.v ?? 0);
    }
    this.ticketSequence = Number(this.getMetaNow("ticket_sequence") ?? 999);
    this.inside = this.handle();
  }

  /** Waits while a transaction is open (a no-op, without a tick, when none is). */
  private async idle(): Promise<void> {
    while (this.held) await this.held;
  }

  private handle(): CrmStore {
    return {
      schema: this.schema,
      location: this.location,
      query: async (request) => this.queryNow(request),
      count: async (table, filter, cap) => this.countNow(table, filter, cap),
      getById: async (table, id, withNames) => this.getByIdNow(table, id, withNames),
      findByKey: async (table, key) => this.findByKeyNow(table, key),
      insert: async (table, values, ctx) => this.insertNow(table, values, ctx),
      update: async (table, id, values, ctx) => this.updateNow(table, id, values, ctx),
      delete: async (table, id) => this.deleteNow(table, id),
      transaction: (fn) => this.savepoint(() => fn(this.inside)),
      bulkLoad: () => Promise.reject(new Error("CRM store: a bulk load cannot start inside a transaction")),
      clear: async () => this.clearNow(),
      getMeta: async (key) => this.getMetaNow(key),
      setMeta: async (key, value) => this.setMetaNow(key, value),
      listApps: async () => this.listAppsNow(),
      saveApp: async (app) => this.saveAppNow(app),
      cursorOf: (row, orderBy) => this.cursorOf(row, orderBy),
      close: () => Promise.reject(new Error("CRM store: cannot close inside a transaction")),
    };
  }

  async getMeta(key: string): Promise<string | undefined> {
    if (this.held) await this.idle();
    return this.getMetaNow(key);
  }

  async setMeta(key: string, value: string): Promise<void> {
    if (this.held) await this.idle();
    this.setMetaNow(key, value);
  }

  private getMetaNow(key: string): string | undefined {
    const row = this.prepare("SELECT value FROM crm_meta WHERE key = ?").get(key) as { value: string } | undefined;
    return row?.value;
  }

  private setMetaNow(key: string, value: string): void {
    this.prepare("INSERT INTO crm_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  async listApps(): Promise<StoredApp[]> {
    if (this.held) await this.idle();
    return this.listAppsNow();
  }

  async saveApp(app: StoredApp): Promise<void> {
    if (this.held) await this.idle();
    this.saveAppNow(app);
  }

  private listAppsNow(): StoredApp[] {
    return this.prepare("SELECT * FROM crm_app_registration ORDER BY client_id").all() as StoredApp[];
  }

  private saveAppNow(app: StoredApp): void {
    this.prepare(
      `INSERT INTO crm_app_registration (client_id, display_name, secret_hash, application_user_id, roles) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(client_id) DO UPDATE SET display_name = excluded.display_name, secret_hash = excluded.secret_hash,
         application_user_id = excluded.application_user_id, roles = excluded.roles`,
    ).run(app.client_id, app.display_name, app.secret_hash, app.application_user_id, app.roles);
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

  async query(request: RowQuery): Promise<Row[]> {
    if (this.held) await this.idle();
    return this.queryNow(request);
  }

  async count(table: TableDef, filter: BoolExpr | undefined, cap: number): Promise<number> {
    if (this.held) await this.idle();
    return this.countNow(table, filter, cap);
  }

  async getById(table: TableDef, id: string, withNames = false): Promise<Row | undefined> {
    if (this.held) await this.idle();
    return this.getByIdNow(table, id, withNames);
  }

  async findByKey(table: TableDef, key: Record<string, SqlValue>): Promise<Row | undefined> {
    if (this.held) await this.idle();
    return this.findByKeyNow(table, key);
  }

  async insert(table: TableDef, values: Row, ctx: WriteContext): Promise<Row> {
    if (this.held) await this.idle();
    return this.insertNow(table, values, ctx);
  }

  async update(table: TableDef, id: string, values: Row, ctx: WriteContext): Promise<Row> {
    if (this.held) await this.idle();
    return this.updateNow(table, id, values, ctx);
  }

  async delete(table: TableDef, id: string): Promise<boolean> {
    if (this.held) await this.idle();
    return this.deleteNow(table, id);
  }

  async clear(): Promise<void> {
    if (this.held) await this.idle();
    this.clearNow();
  }

  private queryNow(request: RowQuery): Row[] {
    const { sql, params } = compileRowQuery(this.schema, request, this.compileOptions);
    return this.prepare(sql).all(...params) as Row[];
  }

  private countNow(table: TableDef, filter: BoolExpr | undefined, cap: number): number {
    const { sql, params } = compileCount(this.schema, table, filter, cap, this.compileOptions);
    return (this.prepare(sql).get(...params) as { n: number }).n;
  }

  private getByIdNow(table: TableDef, id: string, withNames = false): Row | undefined {
    const rows = this.queryNow({
      table,
      orderBy: [],
      limit: 1,
      withNames,
      within: { column: table.primaryKey, values: [id.toLowerCase()] },
    });
    return rows[0];
  }

  private findByKeyNow(table: TableDef, key: Record<string, SqlValue>): Row | undefined {
    const names = Object.keys(key);
    const where = names.map((n) => `${q(n)} = ?`).join(" AND ");
    return this.prepare(`SELECT * FROM ${q(table.logicalName)} WHERE ${where} LIMIT 1`).get(...names.map((n) => key[n] ?? null)) as Row | undefined;
  }

  cursorOf(row: Row, orderBy: OrderTerm[]): Cursor {
    return { values: orderBy.map((t) => row[t.expr.prop.name] ?? null), rid: Number(row.rid) };
  }

  async transaction<T>(fn: (tx: CrmStore) => Promise<T>): Promise<T> {
    await this.idle();
    let release!: () => void;
    this.held = new Promise<void>((resolve) => (release = resolve));
    try {
      this.db.exec("BEGIN");
      try {
        const result = await fn(this.inside);
        this.db.exec("COMMIT");
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw err;
      }
    } finally {
      this.held = undefined;
      release();
    }
  }

  /** A transaction inside a transaction: a savepoint, undone alone when its function fails. */
  private async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `sp_${randomUUID().replace(/-/g, "")}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      this.db.exec(`ROLLBACK TO ${name}`);
      this.db.exec(`RELEASE ${name}`);
      throw err;
    }
  }

  /** Loads many rows fast: one transaction, substring-index terms staged and inserted in sorted order at the end. */
  async bulkLoad<T>(fn: (tx: CrmStore) => Promise<T>, options: BulkOptions = {}): Promise<T> {
    return this.transaction(async (tx) => {
      const savedRandom = this.random;
      if (options.random) this.random = options.random;
      this.bulk = true;
      this.db.exec("CREATE TEMP TABLE IF NOT EXISTS ngram_stage (tbl TEXT NOT NULL, term TEXT NOT NULL, rid INTEGER NOT NULL)");
      try {
        const result = await fn(tx);
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
        this.setMetaNow("ticket_sequence", String(this.ticketSequence));
        return result;
      } finally {
        this.bulk = false;
        this.random = savedRandom;
      }
    });
  }

  private clearNow(): void {
    this.db.transaction(() => {
      for (const table of this.schema.tables) {
        this.db.exec(`DELETE FROM ${q(table.logicalName)}`);
        for (const column of table.columns) {
          if (column.substringIndex) this.db.exec(`DELETE FROM ${q(ngramTableName(table.logicalName, column.name))}`);
        }
      }
      this.setMetaNow("ticket_sequence", "999");
      this.setMetaNow("demo_loaded", "0");
    })();
    this.version = 0;
    this.ticketSequence = 999;
  }

  private nextVersion(): number {
    return ++this.version;
  }

  private insertNow(table: TableDef, values: Row, ctx: WriteContext): Row {
    const row = buildInsertRow(table, values, ctx, {
      now: this.now(),
      bulk: this.bulk,
      nextVersion: () => this.nextVersion(),
      nextTicket: () => {
        this.ticketSequence = Math.max(this.ticketSequence + 1, 1000);
        if (!this.bulk) this.setMetaNow("ticket_sequence", String(this.ticketSequence));
        return ticketNumber(this.ticketSequence, this.random);
      },
    });
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

  private updateNow(table: TableDef, id: string, values: Row, ctx: WriteContext): Row {
    const before = this.getByIdNow(table, id);
    if (!before) throw notFound(table, id);
    const after = buildUpdateRow(table, before, values, ctx, { now: this.now(), nextVersion: () => this.nextVersion() });
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

  private deleteNow(table: TableDef, id: string): boolean {
    const row = this.getByIdNow(table, id);
    if (!row) return false;
    this.db.transaction(() => this.deleteRow(table, row))();
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
      return duplicateKey();
    }
    return err;
  }

  async close(): Promise<void> {
    await this.idle();
    this.closeNow();
  }

  /** Closes at once (for a synchronous shutdown path); an open transaction is rolled back by SQLite. */
  closeNow(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}
