/**
 * Contact records in PostgreSQL, for servers run with `--postgres` (several nodes writing one
 * table: each its own contacts, or with `--redis` every node every contact, merged). Same shape
 * as the SQLite store: filter columns, then the record and trace as jsonb. The table is created
 * once under an advisory lock every node respects.
 */
import type pg from "pg";
import { redactUrl } from "../../crm/store/postgres-store.js";
import { openSchemaPool } from "../postgres-pool.js";
import type { ContactRecordStore, RecordQuery, StoredContact, StoredTrace } from "./store.js";

/** Any number distinct from the CRM's schema lock: taken while the table is created. */
const TABLE_LOCK = 1_811_800_018;

const DDL = `
CREATE TABLE IF NOT EXISTS ccflow_contact_records (
  interaction_id text PRIMARY KEY,
  started_at bigint NOT NULL,
  queue_id text,
  record jsonb NOT NULL,
  trace jsonb
);
CREATE INDEX IF NOT EXISTS ccflow_contact_records_started ON ccflow_contact_records (started_at);
`;

export class PostgresRecordStore implements ContactRecordStore {
  private constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
  ) {}

  static async open(url: string): Promise<PostgresRecordStore> {
    const pool = await openSchemaPool(url, TABLE_LOCK, DDL);
    return new PostgresRecordStore(pool, `${redactUrl(url)} (table ccflow_contact_records)`);
  }

  async save(record: StoredContact): Promise<void> {
    await this.pool.query(
      // A cluster's nodes (--redis) each write the record of every contact from the center's events,
      // and only some of them know the rest (the call's node: numbers, flow, the call's end; the
      // agent's desk node: the wrap-up): what a write lacks is kept, and the call's start is the earliest.
      `INSERT INTO ccflow_contact_records (interaction_id, started_at, queue_id, record) VALUES ($1, $2, $3, $4)
       ON CONFLICT (interaction_id) DO UPDATE SET
         started_at = LEAST(ccflow_contact_records.started_at, excluded.started_at),
         queue_id = COALESCE(excluded.queue_id, ccflow_contact_records.queue_id),
         record = ccflow_contact_records.record || excluded.record || jsonb_build_object('startedAt', LEAST(ccflow_contact_records.started_at, excluded.started_at))`,
      [record.interactionId, record.startedAt, record.queueId ?? null, JSON.stringify(record)],
    );
  }

  async saveTrace(interactionId: string, trace: StoredTrace): Promise<void> {
    await this.pool.query("UPDATE ccflow_contact_records SET trace = $1 WHERE interaction_id = $2", [JSON.stringify(trace), interactionId]);
  }

  async get(interactionId: string): Promise<{ record: StoredContact; trace?: StoredTrace } | undefined> {
    const { rows } = await this.pool.query<{ record: StoredContact; trace: StoredTrace | null }>("SELECT record, trace FROM ccflow_contact_records WHERE interaction_id = $1", [interactionId]);
    const row = rows[0];
    return row ? { record: row.record, ...(row.trace ? { trace: row.trace } : {}) } : undefined;
  }

  async list(query: RecordQuery = {}): Promise<StoredContact[]> {
    const where: string[] = [];
    const args: Array<string | number> = [];
    const param = (value: string | number) => (args.push(value), `$${args.length}`);
    if (query.from !== undefined) where.push(`started_at >= ${param(query.from)}`);
    if (query.to !== undefined) where.push(`started_at < ${param(query.to)}`);
    if (query.queueId !== undefined) where.push(`queue_id = ${param(query.queueId)}`);
    const order = query.limit !== undefined ? "DESC" : "ASC";
    const limit = query.limit !== undefined ? ` LIMIT ${param(Math.max(0, Math.floor(query.limit)))}` : "";
    const { rows } = await this.pool.query<{ record: StoredContact }>(`SELECT record FROM ccflow_contact_records${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY started_at ${order}${limit}`, args);
    return rows.map((r) => r.record);
  }

  async prune(before: number): Promise<number> {
    const result = await this.pool.query("DELETE FROM ccflow_contact_records WHERE started_at < $1", [before]);
    return result.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
