/**
 * The CRM store on PostgreSQL (`pg`), shared by the nodes of a cluster. Queries are the ones
 * compile.ts writes for SQLite, in PostgreSQL's dialect; writes follow the same rules
 * (write-rules.ts) inside a transaction each, with row versions and case numbers from sequences so
 * that nodes never hand out one twice. The caller-id substring index is the same n-gram table as on
 * SQLite (substring-index.ts), kept in the same transaction as the row.
 *
 * Failures speak OData: a duplicate key is Dataverse's 412, a value PostgreSQL cannot compare is a
 * 400, and a database that cannot be reached is a 503 saying so (the pool reconnects by itself when
 * the server is back).
 */
import pg from "pg";
import type { BoolExpr, OrderTerm, SqlValue } from "../odata/bound.js";
import { ODataError } from "../odata/errors.js";
import { Schema } from "../schema/schema.js";
import { lookupValueName, type TableDef } from "../schema/types.js";
import { ticketNumber } from "./behaviours.js";
import { compileCount, compileRowQuery, type CompileOptions } from "./compile.js";
import { isPolymorphic, lookupTypeColumn, physicalColumns, q, STORE_VERSION } from "./ddl.js";
import { CASE_NUMBER_SEQUENCE, FIRST_CASE_NUMBER, isText, postgresDdl, ROW_VERSION_SEQUENCE } from "./postgres-ddl.js";
import { duplicateKey, notFound } from "./sqlite-store.js";
import { asciiLower, ngramTableName, termsOf } from "./substring-index.js";
import type { BulkOptions, CrmStore, Cursor, Row, RowQuery, StoredApp, WriteContext } from "./types.js";
import { buildInsertRow, buildUpdateRow } from "./write-rules.js";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { from as CopyFrom } from "pg-copy-streams";

/** A value in COPY's text format: `\N` for null, backslash escapes for the characters it reserves. */
function copyText(value: SqlValue | undefined): string {
  if (value === null || value === undefined) return "\\N";
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value !== "string") return String(value);
  return value.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

export interface PostgresStoreOptions {
  /** `postgresql://user:password@host:port/database` */
  url: string;
  schema?: Schema;
  now?: () => number;
  random?: () => number;
  substringIndex?: boolean;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

/**
 * Compiled queries run as named statements, so PostgreSQL parses each distinct query text once
 * per connection and, after five runs, may keep a generic plan instead of planning again: parse
 * and plan were 0.5 of the 0.6 ms the caller-id lookup cost the server (log_min_duration_statement
 * at 50,000 contacts). Query texts depend on a request's shape, not its values (those are bound),
 * but clients choose the shapes, so only the first this-many distinct texts are named; any others
 * run unnamed as before, and a server never holds more than this many per connection.
 */
const MAX_NAMED_STATEMENTS = 200;

/** Serialises schema creation between nodes starting at once (an arbitrary, fixed lock key). */
const SCHEMA_LOCK = 0x63636677;
const INT8 = 20;
const NUMERIC = 1700;

/**
 * Counts, row ids, option values and epoch-millisecond dates come back as numbers, as SQLite gives
 * them (pg would give int8 and numeric as strings); all of them fit a double.
 */
const types = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === INT8 || oid === NUMERIC) return (text: string) => Number(text);
    return pg.types.getTypeParser(oid, format as "text");
  }) as typeof pg.types.getTypeParser,
};

/**
 * The URL with its password replaced, for messages and logs: the one before the host, and a
 * `password=` parameter (libpq's URI form, which the `pg` client reads too, e.g. beside
 * `host=/run/postgresql` for a Unix-domain socket).
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "****";
    for (const key of [...parsed.searchParams.keys()]) if (key.toLowerCase() === "password") parsed.searchParams.set(key, "****");
    return parsed.toString();
  } catch {
    return "(a PostgreSQL URL that does not parse)";
  }
}

const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "57P01", "57P02", "57P03"]);

function unavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || code.startsWith("08"))) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(err.message);
}

/** A pg error as the Web API answers it; anything else passes through (and is logged as unexpected). */
export function translatePgError(err: unknown): unknown {
  if (err instanceof ODataError) return err;
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  if (code === "23505") return duplicateKey();
  if (typeof code === "string" && code.startsWith("22")) {
    return new ODataError("A value in the request cannot be stored or compared as the column's type.", { code: "0x80040203" });
  }
  if (unavailable(err)) {
    return new ODataError("The CRM database (PostgreSQL) is not reachable right now; try again shortly.", { status: 503, code: "0x80040216" });
  }
  return err;
}

type Queryable = pg.Pool | pg.PoolClient;

interface Shared {
  pool: pg.Pool;
  schema: Schema;
  location: string;
  now: () => number;
  random: () => number;
  compileOptions: CompileOptions;
  /** Query text → statement name, for the compiled reads (see MAX_NAMED_STATEMENTS). */
  statementNames: Map<string, string>;
}

export class PostgresCrmStore implements CrmStore {
  readonly schema: Schema;
  readonly location: string;
  /** Case numbers taken from the sequence ahead of use during a bulk load. */
  private readonly caseNumbers: number[] = [];
  /** Tables a bulk load appended to: vacuumed and analysed once it commits. */
  private readonly loadedTables = new Set<string>();

  private constructor(
    private readonly shared: Shared,
    /** Set on a transaction's handle: every statement goes through this one connection. */
    private readonly client?: pg.PoolClient,
    private readonly bulk = false,
    private readonly random: () => number = shared.random,
    private savepoints = 0,
  ) {
    this.schema = shared.schema;
    this.location = shared.location;
  }

  /** Connects, creates the tables the schema needs (once, under a lock every node respects), and checks the store version. */
  static async open(options: PostgresStoreOptions): Promise<PostgresCrmStore> {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, types, connectionTimeoutMillis: 5000 });
    // An idle connection the server drops (restart, network) must not crash the process; the pool replaces it.
    pool.on("error", () => undefined);
    const schema = options.schema ?? new Schema();
    const store = new PostgresCrmStore({
      pool,
      schema,
      location: redactUrl(options.url),
      now: options.now ?? Date.now,
      random: options.random ?? Math.random,
      compileOptions: { dialect: "postgres", substringIndex: options.substringIndex !== false },
      statementNames: new Map(),
    });
    try {
      await store.transaction(async (tx) => {
        const handle = tx as PostgresCrmStore;
        await handle.run("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK]);
        for (const statement of postgresDdl(schema)) await handle.run(statement, []);
        const version = await handle.getMeta("store_version");
        if (version !== undefined && Number(version) > STORE_VERSION) {
          throw new Error(`the CRM tables in PostgreSQL were written by a newer ccflow (store version ${version}, this one reads ${STORE_VERSION})`);
        }
        await handle.setMeta("store_version", String(STORE_VERSION));
      });
    } catch (err) {
      await pool.end().catch(() => undefined);
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`cannot open the CRM store at ${redactUrl(options.url)}: ${reason}`);
    }
    return store;
  }

  private get db(): Queryable {
    return this.client ?? this.shared.pool;
  }

  /** Runs one statement; errors come back translated. `named` runs it as a named statement when there is room. */
  async run(sql: string, params: SqlValue[], named = false): Promise<Row[]> {
    const name = named ? this.statementName(sql) : undefined;
    try {
      const result = await this.db.query<Row>(name === undefined ? { text: sql, values: params as unknown[] } : { name, text: sql, values: params as unknown[] });
      return result.rows;
    } catch (err) {
      throw translatePgError(err);
    }
  }

  private statementName(sql: string): string | undefined {
    const names = this.shared.statementNames;
    let name = names.get(sql);
    if (name === undefined && names.size < MAX_NAMED_STATEMENTS) {
      name = `ccflow_q${names.size}`;
      names.set(sql, name);
    }
    return name;
  }

  async query(request: RowQuery): Promise<Row[]> {
    const { sql, params } = compileRowQuery(this.schema, request, this.shared.compileOptions);
    return this.run(sql, params, true);
  }

  async count(table: TableDef, filter: BoolExpr | undefined, cap: number): Promise<number> {
    const { sql, params } = compileCount(this.schema, table, filter, cap, this.shared.compileOptions);
    const rows = await this.run(sql, params, true);
    return Number(rows[0]?.n ?? 0);
  }

  async getById(table: TableDef, id: string, withNames = false): Promise<Row | undefined> {
    const rows = await this.query({ table, orderBy: [], limit: 1, withNames, within: { column: table.primaryKey, values: [id.toLowerCase()] } });
    return rows[0];
  }

  async findByKey(table: TableDef, key: Record<string, SqlValue>): Promise<Row | undefined> {
    const params: SqlValue[] = [];
    const where = Object.keys(key).map((name) => {
      const column = table.columns.find((c) => c.name === name);
      const value = key[name] ?? null;
      if (column && isText(column) && name !== table.primaryKey) {
        params.push(typeof value === "string" ? asciiLower(value) : value);
        return `lower(${q(name)}) = $${params.length}`;
      }
      params.push(value);
      return `${q(name)} = $${params.length}`;
    });
    const rows = await this.run(`SELECT * FROM ${q(table.logicalName)} WHERE ${where.join(" AND ")} ORDER BY rid LIMIT 1`, params);
    return rows[0];
  }

  cursorOf(row: Row, orderBy: OrderTerm[]): Cursor {
    return { values: orderBy.map((t) => row[t.expr.prop.name] ?? null), rid: Number(row.rid) };
  }

  async transaction<T>(fn: (tx: CrmStore) => Promise<T>): Promise<T> {
    return this.atomic((handle) => fn(handle), { nested: "savepoint" });
  }

  /**
   * Runs `fn` in a transaction from the pool. Inside one already, a write runs as part of it (the
   * callers abandon the whole transaction on the first failure, as PostgreSQL requires), and an
   * explicit nested transaction is a savepoint.
   */
  private async atomic<T>(
    fn: (handle: PostgresCrmStore) => Promise<T>,
    mode: { bulk?: boolean; random?: () => number; nested?: "join" | "savepoint" } = {},
  ): Promise<T> {
    if (this.client && mode.nested !== "savepoint") return fn(this);
    if (this.client) {
      const name = `sp_${++this.savepoints}`;
      await this.run(`SAVEPOINT ${name}`, []);
      try {
        const result = await fn(this);
        await this.run(`RELEASE SAVEPOINT ${name}`, []);
        return result;
      } catch (err) {
        await this.run(`ROLLBACK TO SAVEPOINT ${name}`, []).catch(() => undefined);
        throw err;
      }
    }
    let client: pg.PoolClient;
    try {
      client = await this.shared.pool.connect();
    } catch (err) {
      throw translatePgError(err);
    }
    const handle = new PostgresCrmStore(this.shared, client, mode.bulk ?? false, mode.random ?? this.random);
    let broken: Error | undefined;
    // A checked-out connection the server drops emits 'error' besides failing its query; unheard,
    // that event would end the process. The failed query already reports it.
    const dropped = (err: Error) => (broken = err);
    client.on("error", dropped);
    try {
      await handle.run("BEGIN", []);
      const result = await fn(handle);
      await handle.run("COMMIT", []);
      return result;
    } catch (err) {
      try {
        await client.query("ROLLBACK");
      } catch (rollbackError) {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw translatePgError(err);
    } finally {
      // A connection that could not roll back is closed rather than handed to the next caller.
      client.removeListener("error", dropped);
      client.release(broken);
    }
  }

  /**
   * After the load commits, its tables are vacuumed and analysed: without statistics the planner
   * guesses at a million fresh rows, and without a vacuum the visibility map is empty, so the
   * n-gram table's primary key cannot answer the caller-id lookup alone (index-only scan) and every
   * candidate costs a heap visit too. Autovacuum would get there, but only later.
   */
  async bulkLoad<T>(fn: (tx: CrmStore) => Promise<T>, options: BulkOptions = {}): Promise<T> {
    if (this.client) throw new Error("CRM store: a bulk load cannot start inside a transaction");
    let loaded: Set<string> = new Set();
    const result = await this.atomic(
      (handle) => {
        loaded = handle.loadedTables;
        return fn(handle);
      },
      { bulk: true, ...(options.random ? { random: options.random } : {}) },
    );
    // VACUUM cannot run inside a transaction: each runs on its own pooled connection.
    for (const table of loaded) await this.run(`VACUUM (ANALYZE) ${table}`, []);
    return result;
  }

  async clear(): Promise<void> {
    await this.atomic(async (h) => {
      const tables: string[] = [];
      for (const table of this.schema.tables) {
        tables.push(q(table.logicalName));
        for (const column of table.columns) if (column.substringIndex) tables.push(q(ngramTableName(table.logicalName, column.name)));
      }
      await h.run(`TRUNCATE ${tables.join(", ")} RESTART IDENTITY`, []);
      await h.run(`ALTER SEQUENCE ${ROW_VERSION_SEQUENCE} RESTART`, []);
      await h.run(`ALTER SEQUENCE ${CASE_NUMBER_SEQUENCE} RESTART WITH ${FIRST_CASE_NUMBER}`, []);
      await h.setMeta("demo_loaded", "0");
    });
  }

  async getMeta(key: string): Promise<string | undefined> {
    const rows = await this.run("SELECT value FROM crm_meta WHERE key = $1", [key]);
    return rows[0] ? String(rows[0].value) : undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.run("INSERT INTO crm_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value]);
  }

  async listApps(): Promise<StoredApp[]> {
    return (await this.run("SELECT * FROM crm_app_registration ORDER BY client_id", [])) as unknown as StoredApp[];
  }

  async saveApp(app: StoredApp): Promise<void> {
    await this.run(
      `INSERT INTO crm_app_registration (client_id, display_name, secret_hash, application_user_id, roles) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (client_id) DO UPDATE SET display_name = excluded.display_name, secret_hash = excluded.secret_hash,
         application_user_id = excluded.application_user_id, roles = excluded.roles`,
      [app.client_id, app.display_name, app.secret_hash, app.application_user_id, app.roles],
    );
  }

  /** The next case number; a bulk load takes them a block at a time. */
  private async nextCaseNumber(): Promise<number> {
    if (!this.bulk) return Number((await this.run(`SELECT nextval('${CASE_NUMBER_SEQUENCE}') AS t`, []))[0]!.t);
    if (this.caseNumbers.length === 0) {
      const rows = await this.run(`SELECT nextval('${CASE_NUMBER_SEQUENCE}') AS t FROM generate_series(1, 256) ORDER BY 1`, []);
      this.caseNumbers.push(...rows.map((r) => Number(r.t)).reverse());
    }
    return this.caseNumbers.pop()!;
  }

  /**
   * One statement per row: the row version comes from its sequence inside the INSERT, and the
   * substring-index terms are written by data-modifying WITH clauses of the same statement.
   */
  async insert(table: TableDef, values: Row, ctx: WriteContext): Promise<Row> {
    return this.atomic(async (h) => {
      const ticket = table.logicalName === "incident" ? await h.nextCaseNumber() : 0;
      const row = buildInsertRow(table, values, ctx, {
        now: this.shared.now(),
        bulk: h.bulk,
        nextVersion: () => 0,
        nextTicket: () => ticketNumber(ticket, h.random),
      });
      const columns = physicalColumns(table).filter((c) => c !== "rid");
      const params: SqlValue[] = [];
      const placeholders = columns.map((c) => {
        if (c === "versionnumber") return `nextval('${ROW_VERSION_SEQUENCE}')`;
        params.push(row[c] ?? null);
        return `$${params.length}`;
      });
      const returned = columns.includes("versionnumber") ? "rid, versionnumber" : "rid";
      const clauses = [`inserted AS (INSERT INTO ${q(table.logicalName)} (${columns.map(q).join(", ")}) VALUES (${placeholders.join(", ")}) RETURNING ${returned})`];
      for (const column of table.columns) {
        const value = row[column.name];
        if (!column.substringIndex || typeof value !== "string") continue;
        const terms = termsOf(value);
        if (terms.length === 0) continue;
        params.push(terms as unknown as SqlValue);
        const index = q(ngramTableName(table.logicalName, column.name));
        clauses.push(`${q(`terms_${column.name}`)} AS (INSERT INTO ${index} (term, rid) SELECT unnest($${params.length}::text[]), rid FROM inserted ON CONFLICT DO NOTHING)`);
      }
      const inserted = await h.run(`WITH ${clauses.join(", ")} SELECT ${returned} FROM inserted`, params);
      if (h.bulk) {
        h.loadedTables.add(q(table.logicalName));
        for (const column of table.columns) if (column.substringIndex) h.loadedTables.add(q(ngramTableName(table.logicalName, column.name)));
      }
      row.rid = Number(inserted[0]!.rid);
      if ("versionnumber" in row) row.versionnumber = Number(inserted[0]!.versionnumber);
      return row;
    });
  }

  /**
   * Appends rows with COPY … FROM STDIN (pg-copy-streams) on the bulk load's connection: their
   * `rid`s and row versions are taken from the sequences a block at a time, the rows copied in
   * PostgreSQL's text format, then their substring-index terms likewise. One statement per row
   * (`insert`) seeded about 140 contacts/s on a loaded two-core machine; 1,000,000 needs this.
   */
  async appendMany(table: TableDef, values: Row[], ctx: WriteContext): Promise<void> {
    if (!this.client || !this.bulk) throw new Error("CRM store: appendMany runs on a bulk load's handle");
    if (values.length === 0) return;
    const n = values.length;
    const seq = await this.run("SELECT pg_get_serial_sequence($1, 'rid') AS s", [q(table.logicalName)]);
    const rids = await this.run(`SELECT nextval($1::regclass) AS v FROM generate_series(1, $2) ORDER BY 1`, [seq[0]!.s as string, n]);
    const columns = physicalColumns(table);
    const versioned = columns.includes("versionnumber");
    const versions = versioned ? await this.run(`SELECT nextval('${ROW_VERSION_SEQUENCE}') AS v FROM generate_series(1, $1) ORDER BY 1`, [n]) : [];
    const rows: Row[] = [];
    for (let i = 0; i < n; i++) {
      const ticket = table.logicalName === "incident" ? await this.nextCaseNumber() : 0;
      const row = buildInsertRow(table, values[i]!, ctx, { now: this.shared.now(), bulk: true, nextVersion: () => 0, nextTicket: () => ticketNumber(ticket, this.random) });
      row.rid = Number(rids[i]!.v);
      if (versioned) row.versionnumber = Number(versions[i]!.v);
      rows.push(row);
    }
    await this.copyLines(`COPY ${q(table.logicalName)} (${columns.map(q).join(", ")}) FROM STDIN`, rows.map((row) => columns.map((c) => copyText(row[c])).join("\t")));
    this.loadedTables.add(q(table.logicalName));
    for (const column of table.columns) {
      if (!column.substringIndex) continue;
      this.loadedTables.add(q(ngramTableName(table.logicalName, column.name)));
      const lines: string[] = [];
      for (const row of rows) {
        const value = row[column.name];
        if (typeof value === "string") for (const term of termsOf(value)) lines.push(`${copyText(term)}\t${row.rid}`);
      }
      await this.copyLines(`COPY ${q(ngramTableName(table.logicalName, column.name))} (term, rid) FROM STDIN`, lines);
    }
  }

  /** Streams `lines` (already in COPY's text format) into a COPY … FROM STDIN on this handle's connection. */
  private async copyLines(sql: string, lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    // Loaded on first use: only bulk loading needs it, and a checkout whose node_modules predates
    // the dependency still opens and serves a PostgreSQL CRM.
    let copyFrom: typeof CopyFrom;
    try {
      copyFrom = (await import("pg-copy-streams")).from;
    } catch {
      throw new Error("PostgreSQL bulk loading needs the pg-copy-streams package: run npm install");
    }
    const stream = this.client!.query(copyFrom(sql));
    const chunks = function* (): Generator<string> {
      for (let i = 0; i < lines.length; i += 2_000) yield `${lines.slice(i, i + 2_000).join("\n")}\n`;
    };
    try {
      await pipeline(Readable.from(chunks()), stream);
    } catch (err) {
      throw translatePgError(err);
    }
  }

  async update(table: TableDef, id: string, values: Row, ctx: WriteContext): Promise<Row> {
    return this.atomic(async (h) => {
      const before = (await h.run(`SELECT * FROM ${q(table.logicalName)} WHERE ${q(table.primaryKey)} = $1 FOR UPDATE`, [id.toLowerCase()]))[0];
      if (!before) throw notFound(table, id);
      const after = buildUpdateRow(table, before, values, ctx, { now: this.shared.now(), nextVersion: () => 0 });
      const columns = physicalColumns(table).filter((c) => c !== "rid" && c !== table.primaryKey);
      const params: SqlValue[] = [];
      const assignments = columns.map((c) => {
        if (c === "versionnumber") return `${q(c)} = nextval('${ROW_VERSION_SEQUENCE}')`;
        params.push(after[c] ?? null);
        return `${q(c)} = $${params.length}`;
      });
      params.push(before.rid ?? null);
      const sql = `UPDATE ${q(table.logicalName)} SET ${assignments.join(", ")} WHERE rid = $${params.length} RETURNING rid${columns.includes("versionnumber") ? ", versionnumber" : ""}`;
      const updated = await h.run(sql, params);
      if ("versionnumber" in after) after.versionnumber = Number(updated[0]!.versionnumber);
      await h.indexTerms(table, Number(before.rid), before, after);
      return after;
    });
  }

  async delete(table: TableDef, id: string): Promise<boolean> {
    return this.atomic(async (h) => {
      const row = (await h.run(`SELECT * FROM ${q(table.logicalName)} WHERE ${q(table.primaryKey)} = $1 FOR UPDATE`, [id.toLowerCase()]))[0];
      if (!row) return false;
      await h.deleteRow(table, row);
      return true;
    });
  }

  private async deleteRow(table: TableDef, row: Row): Promise<void> {
    const id = String(row[table.primaryKey]);
    await this.run(`DELETE FROM ${q(table.logicalName)} WHERE rid = $1`, [row.rid ?? null]);
    await this.indexTerms(table, Number(row.rid), row, {});
    // Rows pointing here: cascade or clear the link, as the relationship says.
    for (const other of this.schema.tables) {
      for (const lookup of other.lookups) {
        if (!lookup.targets.includes(table.logicalName)) continue;
        const valueColumn = lookupValueName(lookup);
        const typeCheck = isPolymorphic(lookup) ? ` AND ${q(lookupTypeColumn(lookup))} = '${table.logicalName}'` : "";
        if (lookup.onDelete === "cascade") {
          const children = await this.run(`SELECT * FROM ${q(other.logicalName)} WHERE ${q(valueColumn)} = $1${typeCheck} FOR UPDATE`, [id]);
          for (const child of children) await this.deleteRow(other, child);
        } else {
          const typeReset = isPolymorphic(lookup) ? `, ${q(lookupTypeColumn(lookup))} = NULL` : "";
          await this.run(`UPDATE ${q(other.logicalName)} SET ${q(valueColumn)} = NULL${typeReset} WHERE ${q(valueColumn)} = $1${typeCheck}`, [id]);
        }
      }
    }
  }

  private async indexTerms(table: TableDef, rid: number, before: Row, after: Row): Promise<void> {
    for (const column of table.columns) {
      if (!column.substringIndex) continue;
      const oldValue = before[column.name];
      const newValue = after[column.name];
      if (oldValue === newValue) continue;
      const name = q(ngramTableName(table.logicalName, column.name));
      const oldTerms = new Set(termsOf(typeof oldValue === "string" ? oldValue : null));
      const newTerms = new Set(termsOf(typeof newValue === "string" ? newValue : null));
      const removed = [...oldTerms].filter((t) => !newTerms.has(t));
      const added = [...newTerms].filter((t) => !oldTerms.has(t));
      if (removed.length > 0) await this.run(`DELETE FROM ${name} WHERE rid = $1 AND term = ANY($2::text[])`, [rid, removed as unknown as SqlValue]);
      if (added.length > 0) {
        await this.run(`INSERT INTO ${name} (term, rid) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING`, [added as unknown as SqlValue, rid]);
      }
    }
  }

  async close(): Promise<void> {
    if (this.client) throw new Error("CRM store: cannot close inside a transaction");
    await this.shared.pool.end();
  }
}
