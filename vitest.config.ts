import { existsSync } from "node:fs";
import { defineConfig } from "vitest/config";

// The CRM suite runs twice: on SQLite (the default store) and on PostgreSQL, when its binaries are
// installed (.ci/run installs them). Without them the second run is skipped, and this says so.
const postgres = existsSync("/usr/lib/postgresql/15/bin/pg_ctl");
if (!postgres) {
  console.warn("notice: PostgreSQL 15 not found in /usr/lib/postgresql/15/bin; the CRM suite runs on SQLite only (apt-get install postgresql)");
}

export default defineConfig({
  test: {
    // The user's CCFLOW_* variables must not reach the code under test (see the file's header).
    setupFiles: ["test/helpers/hermetic-env.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more workers than that only adds contention for the socket-heavy integration tests.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "main", include: ["test/**/*.test.ts"] } },
      ...(postgres
        ? [{ extends: true as const, test: { name: "crm-postgres", include: ["test/crm/**/*.test.ts"], globalSetup: ["test/helpers/postgres-global.ts"] } }]
        : []),
    ],
  },
});
