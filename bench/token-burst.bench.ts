/**
 * The event loop under a burst of token requests. Each client-credentials request to the CRM's
 * token endpoint checks the app's secret against its scrypt hash (~tens of ms of CPU): a server
 * that hashes on its event loop holds every other request meanwhile. This bench starts the CRM
 * in this process, sends BURST requests at once (the right development secret), and reads the
 * event loop's delay with perf_hooks.monitorEventLoopDelay while they run; the baseline is the
 * same loop, idle, for the same time. The load generator shares the loop (its work is small
 * beside a hash), so the figures are an upper bound on what the server alone would show.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { DEV_CREDENTIALS } from "../src/crm/config.js";
import { startCrmServer } from "../src/crm/server.js";
import type { BenchModule } from "./types.js";

const ms = (ns: number) => ns / 1e6;

async function delayDuring(work: () => Promise<unknown>): Promise<{ maxMs: number; p99Ms: number; wallMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t0 = performance.now();
  await work();
  const wallMs = performance.now() - t0;
  h.disable();
  return { maxMs: ms(h.max), p99Ms: ms(h.percentile(99)), wallMs };
}

const bench: BenchModule = {
  name: "token-burst",
  async run(ctx) {
    const burst = ctx.quick ? 16 : 48;
    const dir = mkdtempSync(join(tmpdir(), "ccflow-bench-token-"));
    const server = await startCrmServer({ dataDir: dir, port: 0, httpsPort: 0, env: {}, demoData: false });
    try {
      const url = `${server.httpUrl}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`;
      const body = new URLSearchParams({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: DEV_CREDENTIALS.clientSecret, scope: `${server.httpUrl}/.default` }).toString();
      const ask = async () => {
        const res = await fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`token request answered ${res.status}`);
      };
      await ask(); // warm: connection, JIT, first key use
      const loaded = await delayDuring(() => Promise.all(Array.from({ length: burst }, ask)));
      const idle = await delayDuring(() => new Promise((r) => setTimeout(r, loaded.wallMs)));
      ctx.log(`  burst of ${burst}: loop delay max ${loaded.maxMs.toFixed(1)} ms, p99 ${loaded.p99Ms.toFixed(1)} ms, ${loaded.wallMs.toFixed(0)} ms wall; idle max ${idle.maxMs.toFixed(1)} ms`);
      return {
        figures: {
          token_burst_requests: burst,
          token_burst_loop_delay_max_ms: loaded.maxMs,
          token_burst_loop_delay_p99_ms: loaded.p99Ms,
          token_burst_wall_ms: loaded.wallMs,
          token_burst_idle_loop_delay_max_ms: idle.maxMs,
        },
        report: [
          `${burst} client-credentials requests at once to the CRM's token endpoint (scrypt secret check each), server and client in one process:`,
          "",
          "| | event-loop delay max | p99 | wall |",
          "|---|---|---|---|",
          `| burst | ${loaded.maxMs.toFixed(1)} ms | ${loaded.p99Ms.toFixed(1)} ms | ${loaded.wallMs.toFixed(0)} ms |`,
          `| idle, same time (baseline) | ${idle.maxMs.toFixed(1)} ms | ${idle.p99Ms.toFixed(1)} ms | |`,
        ],
      };
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
