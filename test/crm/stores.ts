/**
 * Which CRM store the suite runs against: SQLite in the `main` test project, PostgreSQL in the
 * `crm-postgres` project (vitest.config.ts), whose global setup provides a server's URL. Each test
 * CRM or store then gets a database of its own on that server.
 */
import { inject } from "vitest";
import { createDatabase } from "../helpers/postgres.js";

/** The PostgreSQL server's admin URL when this run is the PostgreSQL one. */
export function postgresServer(): string | undefined {
  return inject("crmPostgres");
}

/** "SQLite" or "PostgreSQL", for test titles. */
export const STORE_NAME = postgresServer() ? "PostgreSQL" : "SQLite";

/** Options that put a CRM on the store under test; `drop` removes its database afterwards. */
export async function storeOptions(): Promise<{ options: { postgresUrl?: string }; drop(): Promise<void> }> {
  const server = postgresServer();
  if (!server) return { options: {}, drop: async () => undefined };
  const database = await createDatabase(server);
  return { options: { postgresUrl: database.url }, drop: database.drop };
}
