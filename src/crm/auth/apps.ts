/**
 * App registrations: client id, a hashed client secret (async scrypt, per-secret salt; the secret itself
 * is never stored or logged), display name, tenant, roles, and the application user (a systemuser
 * row) that Web API calls made with the app's tokens act as.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { hashPassword, verifyPassword } from "../../util/password-hash.js";
import type { CrmStore, StoredApp } from "../store/types.js";

export interface AppRegistration {
  clientId: string;
  displayName: string;
  applicationUserId: string;
  roles: string[];
}

export type SecretCheck = "ok" | "unknown_client" | "invalid_secret";

/** Checks a secret against its stored hash; scrypt runs off the event loop (util/password-hash.ts). */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  if (stored.startsWith("sha256$")) {
    // Only for random 256-bit secrets held in memory (registerInternal): a slow hash buys nothing there.
    const expected = Buffer.from(stored.slice(7), "base64");
    const actual = createHash("sha256").update(secret).digest();
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
  return verifyPassword(secret, stored);
}

export class AppRegistry {
  /**
   * Every registration, read once at start (`load`): each Web API request looks its app up, and
   * the token endpoint checks secrets, without a round trip to the store.
   */
  private readonly apps = new Map<string, StoredApp>();
  /** Registrations that live in memory only, with a random secret (the host's own connectors). */
  private readonly internal = new Set<string>();

  private constructor(private readonly store: CrmStore) {}

  static async load(store: CrmStore): Promise<AppRegistry> {
    const registry = new AppRegistry(store);
    for (const row of await store.listApps()) registry.apps.set(row.client_id, row);
    return registry;
  }

  /** Creates or replaces a registration; the secret is hashed before it touches the database. */
  async register(app: AppRegistration & { clientSecret: string }): Promise<void> {
    const row: StoredApp = {
      client_id: app.clientId.toLowerCase(),
      display_name: app.displayName,
      secret_hash: await hashPassword(app.clientSecret),
      application_user_id: app.applicationUserId,
      roles: JSON.stringify(app.roles),
    };
    await this.store.saveApp(row);
    this.apps.set(row.client_id, row);
  }

  /** Registers the app unless it exists with this very secret (avoids re-hashing at every start). */
  async ensure(app: AppRegistration & { clientSecret: string }): Promise<void> {
    const row = this.apps.get(app.clientId.toLowerCase());
    if (row && row.application_user_id === app.applicationUserId && (await verifySecret(app.clientSecret, row.secret_hash))) return;
    await this.register(app);
  }

  /**
   * A registration kept in memory only, for a secret drawn from 256 random bits: it is checked
   * with SHA-256 (cheap, constant time) and `isInternal` exempts it from failed-secret throttling.
   */
  registerInternal(app: AppRegistration, secret: string): void {
    const row: StoredApp = {
      client_id: app.clientId.toLowerCase(),
      display_name: app.displayName,
      secret_hash: `sha256$${createHash("sha256").update(secret).digest("base64")}`,
      application_user_id: app.applicationUserId,
      roles: JSON.stringify(app.roles),
    };
    this.apps.set(row.client_id, row);
    this.internal.add(row.client_id);
  }

  isInternal(clientId: string): boolean {
    return this.internal.has(clientId.toLowerCase());
  }

  get(clientId: string): AppRegistration | undefined {
    const row = this.apps.get(clientId.toLowerCase());
    return row ? toApp(row) : undefined;
  }

  list(): AppRegistration[] {
    return [...this.apps.values()].filter((row) => !this.internal.has(row.client_id)).sort((a, b) => (a.client_id < b.client_id ? -1 : a.client_id > b.client_id ? 1 : 0)).map(toApp);
  }

  async check(clientId: string, secret: string): Promise<SecretCheck> {
    const row = this.apps.get(clientId.toLowerCase());
    if (!row) return "unknown_client";
    return (await verifySecret(secret, row.secret_hash)) ? "ok" : "invalid_secret";
  }
}

function toApp(row: StoredApp): AppRegistration {
  return { clientId: row.client_id, displayName: row.display_name, applicationUserId: row.application_user_id, roles: JSON.parse(row.roles) as string[] };
}
