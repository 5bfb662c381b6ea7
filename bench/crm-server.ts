/**
 * Child-process entry for the CRM benchmark: starts the CRM on free loopback ports, prints one JSON
 * line with its URL, and runs until its stdin closes (so it dies with the benchmark). The service
 * runs in its own process so that the load generator does not share its event loop.
 */
import { startCrmServer } from "../src/crm/server.js";

interface Args {
  dataDir: string;
  substringIndex: boolean;
  /** The CRM kept in this PostgreSQL database instead of the data directory's SQLite file. */
  postgresUrl?: string;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? "{}") as Args;
  const server = await startCrmServer({
    dataDir: args.dataDir,
    port: 0,
    httpsPort: 0,
    // The development credentials the benchmark signs in with, whatever CCFLOW_* the shell holds.
    env: {},
    demoData: false,
    substringIndex: args.substringIndex,
    ...(args.postgresUrl ? { postgresUrl: args.postgresUrl } : {}),
    // The load test is the only client; Dataverse's per-user limits would throttle it.
    limits: { requestsPerWindow: 1_000_000_000, maxConcurrent: 1_000_000, executionTimeMs: 1e15 },
  });
  process.stdout.write(`${JSON.stringify({ httpUrl: server.httpUrl })}\n`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.resume();
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`crm-server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
