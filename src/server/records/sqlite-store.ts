/**
 * Contact records in SQLite (better-sqlite3, WAL): `contact-records.sqlite` in the data
 * directory, readable by its owner only (callers' numbers and what they did). The columns that
 * queries filter on are real columns; the rest of the record and the trace are JSON text.
 */
import type Database from "better-sqlite3";
import { openPrivateSqlite } from "../../util/private-sqlite.js";
import path from "node:path";
import type { ContactRecordStore, RecordQuery, StoredContact, StoredTrace } from "./store.js";

const DDL = `
CREATE TABLE IF NOT EXISTS contact_records (
  interaction_id TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  queue_id TEXT,
  record TEXT NOT NULL,
  trace TEXT
);
CREATE INDEX IF NOT EXISTS contact_records_started ON contact_records (started_at);
`;

export class SqliteRecordStore implements ContactRecordStore {
  readonly location: string;
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly setTrace: Database.Statement;
  private readonly getOne: Database.Statement;
  private readonly deleteBefore: Database.Statement;

  constructor(file: string) {
    this.location = file;
    this.db = openPrivateSqlite(file);
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(DDL);
    this.upsert = this.db.prepare(
      `INSERT INTO contact_records (interaction_id, started_at, queue_id, record) VALUES (?, ?, ?, ?)
       ON CONFLICT (interaction_id) DO UPDATE SET started_at = excluded.started_at, queue_id = excluded.queue_id, record = excluded.record`,
    );
    this.setTrace = this.db.prepare("UPDATE contact_records SET trace = ? WHERE interaction_id = ?");
    this.getOne = this.db.prepare("SELECT record, trace FROM contact_records WHERE interaction_id = ?");
    this.deleteBefore = this.db.prepare("DELETE FROM contact_records WHERE started_at < ?");
  }

  /** The store for a server's data directory. */
  static inDataDir(dataDir: string): SqliteRecordStore {
    return new SqliteRecordStore(path.join(dataDir, "contact-records.sqlite"));
  }

  async save(record: StoredContact): Promise<void> {
    this.upsert.run(record.interactionId, record.startedAt, record.queueId ?? null, JSON.stringify(record));
  }

  async saveTrace(interactionId: string, trace: StoredTrace): Promise<void> {
    this.setTrace.run(JSON.stringify(trace), interactionId);
  }

  async get(interactionId: string): Promise<{ record: StoredContact; trace?: StoredTrace } | undefined> {
    const row = this.getOne.get(interactionId) as { record: string; trace: string | null } | undefined;
    if (!row) return undefined;
    return { record: JSON.parse(row.record) as StoredContact, ...(row.trace ? { trace: JSON.parse(row.trace) as StoredTrace } : {}) };
  }

  async list(query: RecordQuery = {}): Promise<StoredContact[]> {
    const where: string[] = [];
    const args: Array<string | number> = [];
    const when = (sql: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(sql);
      args.push(value);
    };
    when("started_at >= ?", query.from);
    when("started_at < ?", query.to);
    when("queue_id = ?", query.queueId);
    const order = query.limit !== undefined ? "DESC" : "ASC";
    const sql = `SELECT record FROM contact_records${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY started_at ${order}${query.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(query.limit))}` : ""}`;
    return (this.db.prepare(sql).all(...args) as Array<{ record: string }>).map((r) => JSON.parse(r.record) as StoredContact);
  }

  async prune(before: number): Promise<number> {
    return this.deleteBefore.run(before).changes;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
