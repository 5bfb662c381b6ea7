/**
 * End to end (issue 7, items 1 and 6): simulated calls through the seed flow's known-caller path
 * against the embedded CRM in its own process — two CRM lookups over loopback HTTP with an OAuth
 * token and bearer validation, prompts, menu 1, queue, a simulated agent's answer, the screen pop
 * — many at once. The engine runs here through `Runtime` (the same composition `ccflow serve`
 * uses) on a VirtualClock, so prompts and hold music take no real time and only HTTP does.
 *
 * Baseline, in the same run and against the same CRM process: the same two requests (the URLs the
 * flow sent, the same bearer token) made with bare undici at the same concurrency, as request
 * pairs/s, at the API level ccflow's transport uses (`dispatch` with a handler, bare-dispatch.ts),
 * each answer parsed as JSON as the flow's is. Rounds alternate ccflow and baseline, each after a
 * forced GC; figures are the median (min–max) of the rounds, the ratio taken per round.
 *
 * Token requests are counted where they are issued (the CRM's token endpoint) and by the
 * connector's token cache, for a fresh runtime per round.
 * The seed flow is read from ../shared; without it the module says so and reports nothing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Agent, request } from "undici";
import { ScriptedCaller } from "../src/channels/scripted.js";
import { resolveCredentials } from "../src/crm/index.js";
import { VirtualClock } from "../src/time/clock.js";
import type { CallEvent } from "../src/engine/events.js";
import { parseEnvironment } from "../src/environment/load.js";
import { parseFlowText } from "../src/flow/load.js";
import type { FlowDefinition } from "../src/flow/types.js";
import { Runtime, type EmbeddedCrmBinding } from "../src/runtime/runtime.js";
import { bareGet } from "./bare-dispatch.js";
import { collectGarbage, loadAverage, showSpread, spread, spreadFigures } from "./stats.js";
import type { BenchContext, BenchModule, BenchResult } from "./types.js";

const here = dirname(fileURLToPath(import.meta.url));

function repoRoot(): string {
  let dir = here;
  while (!existsSync(resolve(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const seedPath = resolve(repoRoot(), "../shared/seed/MSD_HTTP_Connector_Flow.json");
/** The demo data's known caller (Yvonne McKay) and the seed flow's connector. */
const KNOWN_CALLER = "+14806754110";
const CONNECTOR_ID = "8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710";
/** undici sockets per origin, as the connector transport uses by default. */
const CONNECTIONS = 64;

interface CrmChild {
  binding: EmbeddedCrmBinding;
  stats(): Promise<{ tokens: number; cpuUs: number }>;
  stop(): Promise<void>;
}

export async function startCrm(dataDir: string): Promise<CrmChild> {
  const child: ChildProcess = spawn(process.execPath, [join(here, "e2e-crm.js"), JSON.stringify({ dataDir })], { stdio: ["pipe", "pipe", "inherit"] });
  const lines: Interface = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  lines.on("line", (line) => waiting.shift()?.(line));
  const nextLine = () =>
    new Promise<string>((ok, fail) => {
      const onExit = (code: number | null) => fail(new Error(`the CRM process exited (${code})`));
      child.once("exit", onExit);
      waiting.push((line) => {
        child.off("exit", onExit);
        ok(line);
      });
    });
  const { httpUrl } = JSON.parse(await nextLine()) as { httpUrl: string };
  const credentials = resolveCredentials();
  return {
    binding: { baseUrl: httpUrl, tenantId: credentials.tenantId, clientId: credentials.clientId, clientSecret: credentials.clientSecret },
    async stats() {
      const line = nextLine();
      child.stdin!.write("stats\n");
      return JSON.parse(await line) as { tokens: number; cpuUs: number };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
      child.stdin!.end();
      const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

function environment(agents: number) {
  const agentList = Array.from({ length: agents }, (_, i) => `  - { id: e2e-${i}, name: Agent ${i}, queues: ["*"], simulated: { answerAfterSeconds: 2, talkSeconds: 5, wrapUpSeconds: 0 } }`).join("\n");
  const parsed = parseEnvironment(`queues:\n  - { id: 745fab6b-55e3-49f6-a60e-d06d408eda02, name: Support }\nagents:\n${agentList}\n`, "e2e-env.yaml");
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.environment;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

interface CcflowRound {
  callsPerS: number;
  cpuUsPerCall: number;
  latencies: number[];
  tokenRequests: number;
  crmTokens: number;
  urls: string[];
  virtualSeconds: number;
}

/** `calls` calls through the seed flow, `concurrency` at a time, with a fresh runtime. */
export async function ccflowRound(flow: FlowDefinition, crm: CrmChild, calls: number, concurrency: number): Promise<CcflowRound> {
  const clock = new VirtualClock();
  const runtime = new Runtime({ environment: environment(concurrency), flows: [flow], clock, crm: crm.binding });
  const tokensBefore = (await crm.stats()).tokens;
  const latencies: number[] = [];
  const urls: string[] = [];
  let started = 0;
  let failures = 0;
  const virtualStart = clock.now();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const worker = async () => {
    while (started < calls) {
      started++;
      // The baseline repeats one call's own two requests (contact, then cases); the first two
      // http events of the round would be two calls' contact lookups, 100 calls being in flight.
      const recordsUrls = started === 1;
      const callStart = performance.now();
      let popped = false;
      const interaction = runtime.startCall(flow, {
        ani: KNOWN_CALLER,
        channel: new ScriptedCaller(clock, "1"),
        listener: (e: CallEvent) => {
          if (e.type === "screen-pop" && !popped) {
            popped = true;
            latencies.push(performance.now() - callStart);
          } else if (e.type === "http") {
            if (recordsUrls) urls.push(e.url);
            if (e.status !== 200) failures++;
          }
        },
      });
      await interaction.done;
      if (!popped) failures++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const virtualSeconds = (clock.now() - virtualStart) / 1000;
  const tokenRequests = runtime.gateway.tokenCache(CONNECTOR_ID)?.stats.requests ?? Number.NaN;
  await runtime.close();
  const crmTokens = (await crm.stats()).tokens - tokensBefore;
  if (failures > 0) throw new Error(`${failures} of ${calls} calls did not take the known-caller path to a screen pop`);
  return { callsPerS: calls / seconds, cpuUsPerCall: (cpu.user + cpu.system) / calls, latencies, tokenRequests, crmTokens, urls, virtualSeconds };
}

/** The two requests of a call, with bare undici, `concurrency` pairs at a time. */
export async function baselineRound(crm: CrmChild, urls: string[], pairs: number, concurrency: number) {
  const dispatcher = new Agent({ connections: CONNECTIONS, keepAliveTimeout: 30_000 });
  const tokenRes = await request(`${crm.binding.baseUrl}/${crm.binding.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    dispatcher,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: crm.binding.clientId, client_secret: crm.binding.clientSecret, scope: `${crm.binding.baseUrl}/.default` }).toString(),
  });
  const { access_token: token } = (await tokenRes.body.json()) as { access_token: string };
  const headers = { authorization: `Bearer ${token}` };
  const targets = urls.map((u) => new URL(u));
  let done = 0;
  let failures = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const worker = async () => {
    while (done < pairs) {
      done++;
      for (const url of targets) {
        // The same work as the flow's: the answer read as text and parsed (the flow maps it with JSONPath).
        const res = await bareGet(dispatcher, url, headers);
        JSON.parse(res.body);
        if (res.status !== 200) failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await dispatcher.close();
  if (failures > 0) throw new Error(`${failures} baseline requests did not answer 200`);
  return { pairsPerS: pairs / seconds, cpuUsPerPair: (cpu.user + cpu.system) / pairs };
}

const bench: BenchModule = {
  name: "e2e",
  async run(ctx: BenchContext): Promise<BenchResult> {
    if (!existsSync(seedPath)) {
      ctx.log(`  ${seedPath} is absent: the end-to-end benchmark needs the seed flow; skipped`);
      return { figures: {}, report: ["Skipped: ../shared/seed/MSD_HTTP_Connector_Flow.json is absent."] };
    }
    const flow = parseFlowText(readFileSync(seedPath, "utf8"), seedPath).flow!;
    const calls = ctx.quick ? 2_000 : 10_000;
    const concurrency = 100;
    const rounds = ctx.quick ? 1 : 3;
    const dataDir = mkdtempSync(join(tmpdir(), "ccflow-bench-e2e-"));
    const crm = await startCrm(dataDir);
    try {
      ctx.log(`  CRM in its own process at ${crm.binding.baseUrl}; ${calls.toLocaleString("en-US")} calls per round, ${concurrency} at a time`);
      const warm = await ccflowRound(flow, crm, 500, concurrency);
      if (warm.urls.length !== 2 || !warm.urls[0]!.includes("/contacts?") || !warm.urls[1]!.includes("/incidents?")) {
        throw new Error(`expected one call's contact and case lookups, got ${warm.urls.join(" , ")}`);
      }
      await baselineRound(crm, warm.urls, 500, concurrency);
      const runs: CcflowRound[] = [];
      const bases: Array<Awaited<ReturnType<typeof baselineRound>>> = [];
      const crmCpu: Array<{ ccflow: number; baseline: number }> = [];
      const loadBefore = await loadAverage();
      for (let r = 0; r < rounds; r++) {
        const c0 = (await crm.stats()).cpuUs;
        collectGarbage();
        runs.push(await ccflowRound(flow, crm, calls, concurrency));
        const c1 = (await crm.stats()).cpuUs;
        collectGarbage();
        bases.push(await baselineRound(crm, warm.urls, calls, concurrency));
        const c2 = (await crm.stats()).cpuUs;
        crmCpu.push({ ccflow: (c1 - c0) / calls, baseline: (c2 - c1) / calls });
        const run = runs.at(-1)!;
        ctx.log(`  round ${r + 1}: ccflow ${run.callsPerS.toFixed(0)} calls/s (${run.cpuUsPerCall.toFixed(0)} µs CPU/call), bare undici ${bases.at(-1)!.pairsPerS.toFixed(0)} pairs/s; token requests ${run.tokenRequests} (CRM counted ${run.crmTokens})`);
      }
      const loadAfter = await loadAverage();
      const callsSpread = spread(runs.map((r) => r.callsPerS));
      const ratioSpread = spread(runs.map((r, i) => r.callsPerS / bases[i]!.pairsPerS));
      const pairsPerS = median(bases.map((b) => b.pairsPerS));
      const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
      const [p50, p90, p99] = [50, 90, 99].map((p) => percentile(latencies, p));
      const cpuCcflow = median(runs.map((r) => r.cpuUsPerCall));
      const cpuBaseline = median(bases.map((b) => b.cpuUsPerPair));
      const crmCcflow = median(crmCpu.map((c) => c.ccflow));
      const crmBaseline = median(crmCpu.map((c) => c.baseline));
      // Counted for the first round's fresh connector: `calls` calls (10,000 in a full run).
      const tokenRequests = runs[0]!.crmTokens;
      const lifetimes = Math.max(...runs.map((r) => r.virtualSeconds)) / 3599;
      return {
        figures: {
          ...spreadFigures("e2e_calls_per_s", callsSpread),
          e2e_baseline_request_pairs_per_s: Math.round(pairsPerS),
          ...spreadFigures("e2e_ratio_vs_baseline", ratioSpread, 3),
          e2e_latency_p50_ms: Number(p50!.toFixed(2)),
          e2e_latency_p90_ms: Number(p90!.toFixed(2)),
          e2e_latency_p99_ms: Number(p99!.toFixed(2)),
          e2e_cpu_us_per_call: Math.round(cpuCcflow),
          e2e_baseline_cpu_us_per_pair: Math.round(cpuBaseline),
          token_requests_per_10k_calls: tokenRequests,
          e2e_token_cache_requests_per_10k_calls: runs[0]!.tokenRequests,
          e2e_token_lifetimes_spanned: Number(lifetimes.toFixed(2)),
        },
        report: [
          `Seed flow, known caller (${KNOWN_CALLER}) pressing 1, ${calls.toLocaleString("en-US")} calls per round, ${concurrency} at a time; embedded CRM (demo data) in a child process over loopback HTTP; VirtualClock for prompts and hold; median (min–max) of ${rounds} rounds alternating with the baseline. Machine: ${loadBefore} before, ${loadAfter} after.`,
          "",
          "| figure | ccflow | bare undici (baseline) |",
          "|---|---:|---:|",
          `| calls/s vs request pairs/s | ${showSpread(callsSpread)} | ${pairsPerS.toFixed(0)} |`,
          `| ratio ccflow ÷ baseline (per round) | ${showSpread(ratioSpread, 2)} | |`,
          `| call start → screen pop, p50 / p90 / p99 (ms) | ${p50!.toFixed(1)} / ${p90!.toFixed(1)} / ${p99!.toFixed(1)} | |`,
          `| client CPU per call / per pair (µs) | ${cpuCcflow.toFixed(0)} | ${cpuBaseline.toFixed(0)} |`,
          `| CRM process CPU per call / per pair (µs) | ${crmCcflow.toFixed(0)} | ${crmBaseline.toFixed(0)} |`,
          `| token requests during ${calls.toLocaleString("en-US")} calls (CRM count / token cache count) | ${tokenRequests} / ${runs[0]!.tokenRequests} | 1 (fetched once) |`,
          "",
          `Virtual time spanned per round: ${Math.max(...runs.map((r) => r.virtualSeconds)).toFixed(0)} s (${lifetimes.toFixed(2)} token lifetimes of 3,599 s).`,
          "Targets: at least 1,000 calls/s; ratio at least 0.7 (judged on the median, on a quiet machine); one token request per token lifetime.",
        ],
      };
    } finally {
      await crm.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

export default bench;
