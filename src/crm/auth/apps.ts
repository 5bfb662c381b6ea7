/**
 * App registrations: client id, a hashed client secret (scrypt, per-secret salt; the secret itself
 * is never stored or logged), display name, tenant, roles, and the application user (a systemuser
 * row) that Web API calls made with the app's tokens act as.
 */
import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import type Database from "better-sqlite3";

export interface AppRegistration {
  clientId: string;
  displayName: string;
  applicationUserId: string;
  roles: string[];
}

export type SecretCheck = "ok" | "unknown_client" | "invalid_secret";

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(secret, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

export function verifySecret(secret: string, stored: string): boolean {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = scryptSync(secret, Buffer.from(salt, "base64"), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

interface StoredApp {
  client_id: string;
  display_name: string;
  secret_hash: string;
  application_user_id: string;
  roles: string;
}

export class AppRegistry {
  /** Registrations by client id, read once: every Web API request looks its app up. */
  private readonly cache = new Map<string, AppRegistration | null>();

  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS crm_app_registration (
      client_id TEXT PRIMARY KEY,
      display_name TEXT NOT NULL,
      secret_hash TEXT NOT NULL,
      application_user_id TEXT NOT NULL,
      roles TEXT NOT NULL DEFAULT '[]'
    )`);
  }

  /** Creates or replaces a registration; the secret is hashed before it touches the database. */
  register(app: AppRegistration & { clientSecret: string }): void {
    this.db
      .prepare(
        `INSERT INTO crm_app_registration (client_id, display_name, secret_hash, application_user_id, roles) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(client_id) DO UPDATE SET display_name = excluded.display_name, secret_hash = excluded.secret_hash,
           application_user_id = excluded.application_user_id, roles = excluded.roles`,
      )
      .run(app.clientId.toLowerCase(), app.displayName, hashSecret(app.clientSecret), app.applicationUserId, JSON.stringify(app.roles));
    this.cache.clear();
  }

  /** Registers the app unless it exists with this very secret (avoids re-hashing at every start). */
  ensure(app: AppRegistration & { clientSecret: string }): void {
    const row = this.row(app.clientId);
    if (row && row.application_user_id === app.applicationUserId && verifySecret(app.clientSecret, row.secret_hash)) return;
    this.register(app);
  }

  get(clientId: string): AppRegistration | undefined {
    const key = clientId.toLowerCase();
    let app = this.cache.get(key);
    if (app === undefined) {
      const row = this.row(key);
      app = row ? toApp(row) : null;
      this.cache.set(key, app);
    }
    return app ?? undefined;
  }

  list(): AppRegistration[] {
    return (this.db.prepare("SELECT * FROM crm_app_registration ORDER BY client_id").all() as StoredApp[]).map(toApp);
  }

  check(clientId: string, secret: string): SecretCheck {
    const row = this.row(clientId);
    if (!row) return "unknown_client";
    return verifySecret(secret, row.secret_hash) ? "ok" : "invalid_secret";
  }

  private row(clientId: string): StoredApp | undefined {
    return this.db.prepare("SELECT * FROM crm_app_registration WHERE client_id = ?").get(clientId.toLowerCase()) as StoredApp | undefined;
  }
}

function toApp(row: StoredApp): AppRegistration {
  return { clientId: row.client_id, displayName: row.display_name, applicationUserId: row.application_user_id, roles: JSON.parse(row.roles) as string[] };
}
