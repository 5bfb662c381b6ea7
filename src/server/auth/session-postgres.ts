/**
 * Sign-in sessions in PostgreSQL, for servers run with `--postgres`: every server on the same
 * database reads and writes one table, so a person signed in through one of them is signed in on
 * all of them (behind one address, any node takes their next request), and a sign-out anywhere
 * ends the session everywhere. Same rows as the SQLite table: a SHA-256 of each session id,
 * never the id. The CSRF key lives beside them, so a page's token is good on every node.
 */
import type pg from "pg";
import { redactUrl } from "../../crm/store/postgres-store.js";
import { openSchemaPool } from "../postgres-pool.js";
import type { SessionBackend, SessionRow } from "./sessions.js";

/** Taken while the tables are created (distinct from the CRM's and the contact records' locks). */
const TABLE_LOCK = 1_811_800_019;

const DDL = `
CREATE TABLE IF NOT EXISTS ccflow_sessions (
  key text PRIMARY KEY,
  principal text NOT NULL,
  created_at bigint NOT NULL,
  renewed_at bigint NOT NULL,
  id_token text,
  credential text
);
ALTER TABLE ccflow_sessions ADD COLUMN IF NOT EXISTS refresh_token text;
CREATE INDEX IF NOT EXISTS ccflow_sessions_created ON ccflow_sessions (created_at);
CREATE TABLE IF NOT EXISTS ccflow_session_secrets (name text PRIMARY KEY, value text NOT NULL);
`;

interface PgRow {
  key: string;
  principal: string;
  created_at: string;
  renewed_at: string;
  id_token: string | null;
  credential: string | null;
  refresh_token: string | null;
}

export class PostgresSessionBackend implements SessionBackend {
  private constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
  ) {}

  static async open(url: string): Promise<PostgresSessionBackend> {
    let pool: pg.Pool;
    try {
      pool = await openSchemaPool(url, TABLE_LOCK, DDL);
    } catch (err) {
      throw new Error(`sessions: cannot use PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}`);
    }
    return new PostgresSessionBackend(pool, redactUrl(url));
  }

  async insert(r: SessionRow): Promise<void> {
    await this.pool.query("INSERT INTO ccflow_sessions (key, principal, created_at, renewed_at, id_token, credential, refresh_token) VALUES ($1, $2, $3, $4, $5, $6, $7)", [r.key, r.principal, r.created_at, r.renewed_at, r.id_token, r.credential, r.refresh_token ?? null]);
  }

  async find(key: string): Promise<SessionRow | undefined> {
    const { rows } = await this.pool.query<PgRow>("SELECT * FROM ccflow_sessions WHERE key = $1", [key]);
    const r = rows[0];
    return r ? { ...r, created_at: Number(r.created_at), renewed_at: Number(r.renewed_at) } : undefined;
  }

  async remove(key: string): Promise<boolean> {
    return ((await this.pool.query("DELETE FROM ccflow_sessions WHERE key = $1", [key])).rowCount ?? 0) > 0;
  }

  async touch(key: string, renewedAt: number, refreshToken?: string): Promise<void> {
    if (refreshToken) await this.pool.query("UPDATE ccflow_sessions SET renewed_at = $1, refresh_token = $3 WHERE key = $2", [renewedAt, key, refreshToken]);
    else await this.pool.query("UPDATE ccflow_sessions SET renewed_at = $1 WHERE key = $2", [renewedAt, key]);
  }

  async keepRefreshToken(key: string, refreshToken: string): Promise<void> {
    await this.pool.query("UPDATE ccflow_sessions SET refresh_token = $2 WHERE key = $1", [key, refreshToken]);
  }

  async expired(idleBefore: number, createdBefore: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ key: string }>("SELECT key FROM ccflow_sessions WHERE renewed_at <= $1 OR created_at <= $2", [idleBefore, createdBefore]);
    return rows.map((r) => r.key);
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>("SELECT COUNT(*) AS n FROM ccflow_sessions");
    return Number(rows[0]!.n);
  }

  async oldest(n: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ key: string }>("SELECT key FROM ccflow_sessions ORDER BY created_at LIMIT $1", [n]);
    return rows.map((r) => r.key);
  }

  async secret(name: string, make: () => string): Promise<string> {
    await this.pool.query("INSERT INTO ccflow_session_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [name, make()]);
    const { rows } = await this.pool.query<{ value: string }>("SELECT value FROM ccflow_session_secrets WHERE name = $1", [name]);
    return rows[0]!.value;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
