/**
 * Requests per second through a connector (OAuth token cached, undici keep-alive pool, deadline
 * and retry bookkeeping, URL building, redaction) next to bare undici — the same keep-alive
 * Agent, the same URL and Authorization header, at the API level the connector's transport uses
 * (`dispatch` with a handler, the body read as text: bare-dispatch.ts) — against the same local
 * endpoint, in one run. The endpoint is a separate node process, so this process's CPU time is the client's
 * alone: CPU µs per call is reported next to requests/s, being far steadier on a shared machine.
 * Rounds alternate between the two clients, each after a forced GC; each figure is the median
 * (min–max) of its rounds, the ratio taken per round.
 * Also counts token requests over 10,000 calls through a fresh connector (expected: 1).
 */
import { spawn } from "node:child_process";
import { Agent } from "undici";
import type { ConnectorConfig } from "../src/connectors/config.js";
import { createHttpGateway } from "../src/connectors/gateway.js";
import type { HttpRequestSpec } from "../src/connectors/types.js";
import { SystemClock } from "../src/time/clock.js";
import { bareGet } from "./bare-dispatch.js";
import { collectGarbage, loadAverage, showSpread, spread, spreadFigures } from "./stats.js";
import type { BenchContext, BenchModule, BenchResult } from "./types.js";

// Plain JS so the endpoint runs from source and from dist alike.
const SERVER = `
const http = require("node:http");
let tokenRequests = 0;
const tokens = new Set();
const body = JSON.stringify({ "@odata.context": "x", value: [{ "@odata.etag": 'W/"1"', fullname: "Dana Whitfield", telephone1: "15550100777", contactid: "5b1f0c2e-7a41-4d8e-9c3a-2f6d8e1b4a90" }] });
const server = http.createServer((req, res) => {
  if (req.method === "POST" && req.url.startsWith("/tenant/oauth2/v2.0/token")) {
    let form = "";
    req.on("data", (c) => (form += c));
    req.on("end", () => {
      tokenRequests++;
      const token = "bench-token-" + tokenRequests + "-" + Math.random().toString(36).slice(2);
      tokens.add(token);
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
      res.end(JSON.stringify({ token_type: "Bearer", expires_in: 3599, access_token: token }));
    });
    return;
  }
  const auth = req.headers.authorization || "";
  if (!auth.startsWith("Bearer ") || !tokens.has(auth.slice(7))) {
    res.writeHead(401, { "www-authenticate": "Bearer" });
    res.end();
    return;
  }
  req.resume();
  res.writeHead(200, { "content-type": "application/json; odata.metadata=minimal", "odata-version": "4.0" });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }));
process.on("message", (m) => {
  if (m === "count") process.send({ tokenRequests });
  if (m === "close") { server.closeAllConnections(); server.close(() => process.exit(0)); }
});
process.on("disconnect", () => process.exit(0));
`;

interface Endpoint {
  origin: string;
  tokenRequests(): Promise<number>;
  close(): Promise<void>;
}

async function startEndpoint(): Promise<Endpoint> {
  const child = spawn(process.execPath, ["-e", SERVER], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m: { port: number }) => resolve(m.port));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the bench endpoint exited (${code})`)));
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    tokenRequests: () =>
      new Promise((resolve) => {
        child.once("message", (m: { tokenRequests: number }) => resolve(m.tokenRequests));
        child.send("count");
      }),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.send("close");
      await exited;
    },
  };
}

function connector(origin: string): ConnectorConfig {
  return {
    id: "8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710",
    name: "MSD_IVR_Connector",
    type: "oauth2-client-credentials",
    resourceDomain: `${origin}/api/data/v9.2/`,
    clientId: "bench-client",
    clientSecret: "bench-secret-value",
    scope: `${origin}/.default`,
    tokenUrl: `${origin}/tenant/oauth2/v2.0/token`,
    clientAuth: "client_secret_post",
    headers: {},
    secrets: ["bench-secret-value"],
  };
}

const PATH = "contacts?$select=fullname,telephone1,contactid&$filter=contains(telephone1,'15550100777')";

interface Round {
  rps: number;
  /** Client CPU time (user + system) per call, µs. */
  cpuUs: number;
}

/** Runs `total` calls with `concurrency` in flight; returns calls per second and CPU per call. */
async function drive(total: number, concurrency: number, call: (i: number) => Promise<number>): Promise<Round> {
  let next = 0;
  let failures = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        if ((await call(i)) !== 200) failures++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (failures > 0) throw new Error(`${failures} of ${total} calls did not answer 200`);
  return { rps: total / seconds, cpuUs: (cpu.user + cpu.system) / total };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const bench: BenchModule = {
  name: "connectors",
  async run(ctx: BenchContext): Promise<BenchResult> {
    const endpoint = await startEndpoint();
    const clock = new SystemClock();
    const concurrency = 32;
    const perRound = ctx.quick ? 2_000 : 10_000;
    const rounds = ctx.quick ? 1 : 3;
    const spec: HttpRequestSpec = { activity: "GetCustomerInfo", connectorId: "8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710", target: PATH, query: [], method: "GET", headers: {}, timeoutMs: 2000, retryAttempts: 1 };
    try {
      // Token requests over 10,000 calls through a fresh connector.
      const before = await endpoint.tokenRequests();
      const counting = createHttpGateway({ connectors: [connector(endpoint.origin)], clock });
      await drive(10_000, concurrency, async () => (await counting.execute(spec, clock)).status);
      const tokenRequests = (await endpoint.tokenRequests()) - before;
      await counting.close();

      const gateway = createHttpGateway({ connectors: [connector(endpoint.origin)], clock });
      const token = await gateway.tokenCache(spec.connectorId!)!.get();
      // Bare undici: the URL as the connector sends it, the same header, the same pool settings.
      const url = new URL(`${endpoint.origin}/api/data/v9.2/${PATH.replace(/'/g, "%27")}`);
      const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });
      const bare = async () => {
        const res = await bareGet(agent, url, { Authorization: `Bearer ${token}` });
        return res.status;
      };
      const viaConnector = async () => (await gateway.execute(spec, clock)).status;

      await drive(2_000, concurrency, bare);
      await drive(2_000, concurrency, viaConnector);
      const viaConnectorRounds: Round[] = [];
      const bareRounds: Round[] = [];
      const loadBefore = await loadAverage();
      for (let r = 0; r < rounds; r++) {
        collectGarbage();
        bareRounds.push(await drive(perRound, concurrency, bare));
        collectGarbage();
        viaConnectorRounds.push(await drive(perRound, concurrency, viaConnector));
        const c = viaConnectorRounds.at(-1)!;
        const b = bareRounds.at(-1)!;
        ctx.log(`connectors round ${r + 1}: connector ${Math.round(c.rps)} req/s (${c.cpuUs.toFixed(1)} µs CPU/call), bare undici ${Math.round(b.rps)} req/s (${b.cpuUs.toFixed(1)} µs CPU/call)`);
      }
      await gateway.close();
      await agent.close();

      // The gateway's own work without a socket: a transport that answers at once.
      const stubGateway = createHttpGateway({
        connectors: [connector(endpoint.origin)],
        clock,
        transport: {
          send: async (req) =>
            req.url.includes("/oauth2/")
              ? { status: 200, headers: {} as Record<string, string>, body: JSON.stringify({ access_token: "stub-access-token-0001", expires_in: 3599 }) }
              : { status: 200, headers: { "content-type": "application/json" } as Record<string, string>, body: "{}" },
        },
      });
      const stubCalls = ctx.quick ? 20_000 : 100_000;
      for (let i = 0; i < 5_000; i++) await stubGateway.execute(spec, clock);
      const stubCpu0 = process.cpuUsage();
      for (let i = 0; i < stubCalls; i++) await stubGateway.execute(spec, clock);
      const stubCpu = process.cpuUsage(stubCpu0);
      const overheadUs = Math.round(((stubCpu.user + stubCpu.system) / stubCalls) * 10) / 10;

      const b = Math.round(median(bareRounds.map((x) => x.rps)));
      const cCpu = Math.round(median(viaConnectorRounds.map((x) => x.cpuUs)) * 10) / 10;
      const bCpu = Math.round(median(bareRounds.map((x) => x.cpuUs)) * 10) / 10;
      const ratioSpread = spread(viaConnectorRounds.map((x, i) => x.rps / bareRounds[i]!.rps));
      const rpsSpread = spread(viaConnectorRounds.map((x) => x.rps));
      const loadAfter = await loadAverage();
      const figures = {
        ...spreadFigures("connector_rps", rpsSpread),
        connector_baseline_rps: b,
        ...spreadFigures("connector_ratio_vs_baseline", ratioSpread, 3),
        connector_client_cpu_us_per_call: cCpu,
        connector_baseline_client_cpu_us_per_call: bCpu,
        connector_gateway_overhead_us_per_call: overheadUs,
        connector_token_requests_per_10k_calls: tokenRequests,
      };
      const report = [
        `GET of a small Dataverse-shaped JSON answer from a loopback HTTP endpoint (node:http in a separate process), ${concurrency} calls in flight, ` +
          `${perRound.toLocaleString("en-US")} calls per round, median (min–max) of ${rounds} alternating round(s) after a warm-up. Machine: ${loadBefore} before, ${loadAfter} after. ` +
          "CPU is this process's user+system time per call: the client's own cost, steadier than requests/s when the machine is shared.",
        "",
        "| client | requests/s | client CPU µs/call |",
        "|---|---:|---:|",
        `| through the connector (token cached, keep-alive pool, deadline, auth and retry interceptors) | ${showSpread(rpsSpread)} | ${cCpu} |`,
        `| bare undici \`dispatch\` on a keep-alive Agent, same URL and bearer header, body as text (baseline) | ${b.toLocaleString("en-US")} | ${bCpu} |`,
        "",
        `Connector / baseline requests/s, per round: ${showSpread(ratioSpread, 2)}; CPU per call ×${Math.round((cCpu / bCpu) * 100) / 100}. ` +
          `The gateway's own CPU per call with a transport stub (no socket): ${overheadUs} µs. ` +
          `Token requests during 10,000 calls through a fresh connector: ${tokenRequests}.`,
      ];
      return { figures, report };
    } finally {
      await endpoint.close();
    }
  },
};

export default bench;
