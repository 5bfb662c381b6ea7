/**
 * What servers run with `--postgres` share of the embedded identity service, in that database:
 * its signing keys (shared-keys.ts reads and rotates them), its users (postgres-users.ts) and the
 * authorization codes between the sign-in page and the token endpoint. With them, a sign-in may start on one node and finish
 * on another, and a token any node signed is good on every node. The private keys are stored
 * encrypted (key-encryption.ts): the database alone opens no token.
 */
import type pg from "pg";
import { openSchemaPool } from "../util/postgres-schema-pool.js";
import { codeKey, type CodeStore, type PendingCode } from "./codes.js";

/** Taken while the tables are created, and while a new signing key is added. */
const TABLE_LOCK = 1_811_800_023;
const ROTATION_LOCK = 1_811_800_024;

const DDL = `
CREATE TABLE IF NOT EXISTS ccflow_identity_keys (
  kid text PRIMARY KEY,
  private_pem text NOT NULL,
  public_pem text NOT NULL,
  created_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS ccflow_identity_users (
  username_key text PRIMARY KEY,
  username text NOT NULL,
  name text NOT NULL,
  email text,
  roles text NOT NULL,
  agent_id text,
  password_hash text NOT NULL,
  created_at text NOT NULL,
  updated_at text NOT NULL
);
CREATE TABLE IF NOT EXISTS ccflow_identity_codes (
  code_key text PRIMARY KEY,
  grant_json text NOT NULL,
  expires_at bigint NOT NULL
);
`;

export interface StoredKey {
  kid: string;
  privatePem: string;
  publicPem: string;
  createdAt: number;
}

export class IdentityPostgres {
  private constructor(readonly pool: pg.Pool) {}

  static async open(url: string): Promise<IdentityPostgres> {
    try {
      return new IdentityPostgres(await openSchemaPool(url, TABLE_LOCK, DDL));
    } catch (err) {
      throw new Error(`identity: cannot use PostgreSQL: ${(err as Error).message}`);
    }
  }

  async keys(): Promise<StoredKey[]> {
    const { rows } = await this.pool.query<{ kid: string; private_pem: string; public_pem: string; created_at: string }>("SELECT kid, private_pem, public_pem, created_at FROM ccflow_identity_keys ORDER BY created_at DESC, kid");
    return rows.map((r) => ({ kid: r.kid, privatePem: r.private_pem, publicPem: r.public_pem, createdAt: Number(r.created_at) }));
  }

  /**
   * Adds `make()`'s key unless another server added one since `newerThan` (checked under a lock,
   * so nodes rotating at the same moment add one key, not one each). True when it was added.
   */
  async addKeyUnlessNewer(newerThan: number, key: StoredKey): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [ROTATION_LOCK]);
      const { rows } = await client.query<{ n: string }>("SELECT COUNT(*) AS n FROM ccflow_identity_keys WHERE created_at > $1", [newerThan]);
      const add = Number(rows[0]!.n) === 0;
      if (add) await client.query("INSERT INTO ccflow_identity_keys (kid, private_pem, public_pem, created_at) VALUES ($1, $2, $3, $4)", [key.kid, key.privatePem, key.publicPem, key.createdAt]);
      await client.query("COMMIT");
      return add;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Replaces a key's stored private key if it is still `from` (encrypting a row written before keys were encrypted). */
  async replacePrivateKey(kid: string, from: string, to: string): Promise<void> {
    await this.pool.query("UPDATE ccflow_identity_keys SET private_pem = $3 WHERE kid = $1 AND private_pem = $2", [kid, from, to]);
  }

  async dropKeys(kids: string[]): Promise<void> {
    if (kids.length > 0) await this.pool.query("DELETE FROM ccflow_identity_keys WHERE kid = ANY($1)", [kids]);
  }

  close(): Promise<void> {
    return this.pool.end().catch(() => undefined);
  }
}

/** Authorization codes in PostgreSQL: a DELETE … RETURNING redeems each once, whichever node asks. */
export class PostgresCodeStore implements CodeStore {
  constructor(private readonly db: IdentityPostgres) {}

  async put(code: string, pending: PendingCode, now: number): Promise<void> {
    await this.db.pool.query("DELETE FROM ccflow_identity_codes WHERE expires_at <= $1", [now]);
    await this.db.pool.query("INSERT INTO ccflow_identity_codes (code_key, grant_json, expires_at) VALUES ($1, $2, $3)", [codeKey(code), JSON.stringify(pending), pending.expiresAt]);
  }

  async take(code: string, now: number): Promise<PendingCode | undefined> {
    const { rows } = await this.db.pool.query<{ grant_json: string; expires_at: string }>("DELETE FROM ccflow_identity_codes WHERE code_key = $1 RETURNING grant_json, expires_at", [codeKey(code)]);
    const row = rows[0];
    return row && Number(row.expires_at) > now ? (JSON.parse(row.grant_json) as PendingCode) : undefined;
  }

  async close(): Promise<void> {}
}
