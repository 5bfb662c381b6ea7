/**
 * Global setup of the `crm-postgres` test project: one PostgreSQL server for the run, its URL
 * provided to the tests as `crmPostgres` (each test CRM gets its own database on it), stopped at
 * the end. The project exists only when the PostgreSQL binaries do (vitest.config.ts).
 */
import type { TestProject } from "vitest/node";
import { startPostgres } from "./postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    crmPostgres: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  project.provide("crmPostgres", server.url);
  return () => server.stop();
}
