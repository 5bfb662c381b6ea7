import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The user's CCFLOW_* variables must not reach the code under test (see the file's header).
    setupFiles: ["test/helpers/hermetic-env.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more workers than that only adds contention for the socket-heavy integration tests.
    maxWorkers: 2,
  },
});
