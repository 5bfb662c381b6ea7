/**
 * Child-process entry for the end-to-end benchmark: the embedded CRM (startCrmServer, demo data)
 * on free loopback ports in its own process, so the CRM and ccflow do not share an event loop.
 * Prints one JSON line with its URL, then answers each `stats` line on stdin with one JSON line:
 * token requests the token endpoint has answered and this process's CPU time. Exits when stdin
 * closes, so it dies with the benchmark.
 */
import { createInterface } from "node:readline";
import { startCrmServer } from "../src/crm/index.js";

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? "{}") as { dataDir: string };
  const server = await startCrmServer({
    dataDir: args.dataDir,
    port: 0,
    httpsPort: 0,
    // The development credentials the benchmark signs in with, whatever CCFLOW_* the shell holds.
    env: {},
    demoData: true,
    // The benchmark is the only client: Dataverse's per-user service protection limits (6,000
    // requests per 5 minutes, 52 at once) would throttle it, which is not what is measured here.
    limits: { requestsPerWindow: 1_000_000_000, maxConcurrent: 1_000_000, executionTimeMs: 1e15 },
  });
  // Counted where the tokens are issued, whatever the client side believes it did.
  let tokens = 0;
  const tokenService = server.crm.tokens;
  const issue = tokenService.issue.bind(tokenService);
  tokenService.issue = (...a: Parameters<typeof issue>) => {
    tokens++;
    return issue(...a);
  };
  process.stdout.write(`${JSON.stringify({ httpUrl: server.httpUrl })}\n`);

  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() !== "stats") return;
    const cpu = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ tokens, cpuUs: cpu.user + cpu.system })}\n`);
  });
  lines.on("close", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`e2e-crm: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
