/**
 * No caller is lost when the CRM misbehaves. Our example flow takes 10,000 calls (CCFLOW_LONG=1:
 * 100,000) through the real runtime — connector gateway over loopback HTTP, the center, a
 * simulated agent — against the embedded CRM running in a process of its own, with
 * `ccflow fault-proxy` in between injecting, by seeded chance: latency spikes past the 2 s
 * HTTP deadline and below it, 500/503s (some in pairs), connection resets, 429 storms with
 * Retry-After, revoked tokens (401), token-endpoint outages, and two CRM restarts mid-run (one
 * SIGTERM, one SIGKILL).
 *
 * Every call must end in a defined way:
 *  - queued and answered, routed exactly as the same caller is without faults when every CRM
 *    answer it got was a 200 (a retried request that then succeeded counts as a 200);
 *  - queued by the main flow at P5 after "we could not reach your account details" when the
 *    CRM answered an error status (the example flow checks httpStatusCode after each lookup:
 *    an HTTP request leaves by `default` whatever the status, as in Webex);
 *  - queued at P5 by OnGlobalError when a request failed (timeout, reset, no token);
 *  - the caller chose "2" and heard goodbye, or hung up;
 * and nothing may be left: no call still running, nothing in a queue, nothing in flight.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS } from "../../src/crm/config.js";
import { emptyEnvironment } from "../../src/environment/load.js";
import { parseFaultRule, type FaultRule } from "../../src/fault-proxy/plan.js";
import { startFaultProxy, type FaultProxy } from "../../src/fault-proxy/proxy.js";
import { parseFlowText } from "../../src/flow/load.js";
import type { FlowDefinition } from "../../src/flow/types.js";
import { runLanes, type CallPlan, type CallSummary, type LaneOptions } from "./helpers/call-lanes.js";
import { CrmProcess } from "./helpers/crm-process.js";
import { recordFigures } from "./helpers/figures.js";
import { EXAMPLE_FLOW } from "./helpers/flow-sources.js";
import { BASE_SEED, LONG, Rng } from "./helpers/random.js";
import { SecretScanner } from "./helpers/secret-scan.js";
import { readFileSync } from "node:fs";

/** CCFLOW_CALLS overrides the count (e.g. a quick local run). */
const CALLS = Number(process.env.CCFLOW_CALLS ?? (LONG ? 100_000 : 10_000));
const LANES = 32;
const STUCK_AFTER_MS = 60_000;

const FAULTS: FaultRule[] = [
  "latency:1%:ms=2600", // past the example flow's 2,000 ms deadline
  "latency:1%:ms=100-600", // slow, in time
  "status:2%:code=500:burst=2",
  "status:0.5%:code=503",
  "reset:1.5%",
  "throttle:0.2%:retry-after=1:burst=30", // a storm the connector can wait out once
  "throttle:0.1%:retry-after=5:burst=30", // a storm longer than the deadline
  "unauthorized:0.5%", // a revoked token: the connector fetches a new one
  "token-down:15%:burst=3",
].map(parseFaultRule);

const UNKNOWN = ["+15557770123", "+15559990001", "+442079460000"];
const HOSTILE = ["+1480') or contains(fullname,'", "+1%27%20or%201%20eq%201", "+1&$top=100", "+1#frag?x=1", "+1ä😀ß"];

const tmp = mkdtempSync(path.join(tmpdir(), "ccflow-faults-"));
let crm: CrmProcess;
let proxy: FaultProxy;
let flow: FlowDefinition;
let anis: string[] = [];
/** A secret of this run's own: the development default is public and the CRM's banner shows it on purpose. */
const CLIENT_SECRET = `reliability-${BASE_SEED}-${process.pid}-not-public`;
const scanner = new SecretScanner({ "client secret": CLIENT_SECRET });

beforeAll(async () => {
  crm = new CrmProcess({
    dataDir: path.join(tmp, "crm"),
    // Only the proxy throttles: the CRM's own service protection would turn this run into a 429 test.
    limits: { requestsPerWindow: 1e9, executionTimeMs: 1e12, maxConcurrent: 10_000, secretFailuresPerMinute: 10_000 },
    env: { CCFLOW_CLIENT_SECRET: CLIENT_SECRET },
  });
  await crm.start();
  proxy = await startFaultProxy({ target: crm.httpUrl, rules: [], random: Rng.seeded(BASE_SEED + 10).next });
  const read = parseFlowText(readFileSync(EXAMPLE_FLOW, "utf8"), EXAMPLE_FLOW);
  flow = read.flow!;
  anis = [...(await contactPhones(crm.httpUrl)), ...UNKNOWN, ...HOSTILE];
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await crm?.stop();
  for (const chunk of crm?.output ?? []) scanner.scan(chunk, "CRM process output");
  rmSync(tmp, { recursive: true, force: true });
});

async function contactPhones(base: string): Promise<string[]> {
  const token = await fetch(`${base}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: CLIENT_SECRET, scope: `${base}/.default` }),
  }).then(async (r) => ((await r.json()) as { access_token: string }).access_token);
  const res = await fetch(`${base}/api/data/v9.2/contacts?$select=telephone1`, { headers: { authorization: `Bearer ${token}` } });
  const rows = ((await res.json()) as { value: Array<{ telephone1: string | null }> }).value;
  return [...new Set(rows.map((r) => r.telephone1).filter((p): p is string => !!p))];
}

function laneOptions(onCall: (s: CallSummary) => void, onCallStart?: () => void): LaneOptions {
  return {
    flow,
    environment: emptyEnvironment(tmp),
    crm: { baseUrl: proxy.url, tenantId: DEV_CREDENTIALS.tenantId, clientId: DEV_CREDENTIALS.clientId, clientSecret: CLIENT_SECRET },
    scanner,
    stuckAfterMs: STUCK_AFTER_MS,
    onCall,
    onCallStart,
  };
}

interface Routing {
  priority?: number;
  personal: string[];
  pops: string[];
}

const baseline = new Map<string, Routing>();
const figures: Record<string, unknown> = { seed: BASE_SEED, long: LONG, lanes: LANES };

describe("the example flow against a misbehaving CRM", () => {
  it("routes every caller of the pool as the CRM says when nothing goes wrong (the baseline)", { timeout: 120_000 }, async () => {
    const plans: CallPlan[] = anis.map((ani, index) => ({ index, ani, digits: "1" }));
    const summaries: CallSummary[] = [];
    await runLanes(plans, 8, laneOptions((s) => summaries.push(s)));
    expect(summaries).toHaveLength(anis.length);
    for (const s of summaries) {
      expect(s.http.every((h) => h.status === 200), JSON.stringify(s.http)).toBe(true);
      expect(s.ended).toEqual(["agent-ended"]);
      expect(s.queued?.flow).toBe("main");
      baseline.set(s.plan.ani, { priority: s.queued?.priority, personal: s.personal, pops: s.pops });
    }
    const priorities = new Set([...baseline.values()].map((r) => r.priority));
    // The pool holds each story of the example flow: High, Normal and Low cases, no case, unknown.
    expect([...priorities].sort((a, b) => a! - b!)).toEqual([1, 5, 9, 10]);
    for (const ani of [...UNKNOWN, ...HOSTILE]) expect(baseline.get(ani)!.personal[0]).toContain("could not find an account");
    expect(proxy.stats.faults).toEqual({ latency: 0, status: 0, reset: 0, throttle: 0, "token-down": 0, unauthorized: 0 });
  });

  it(`loses none of ${CALLS} calls to latency, 500s, resets, 429 storms, revoked tokens, token outages and CRM restarts`, { timeout: LONG ? 6 * 3600_000 : 600_000 }, async () => {
    expect(baseline.size).toBe(anis.length);
    const rng = Rng.seeded(BASE_SEED + 11);
    const plans: CallPlan[] = Array.from({ length: CALLS }, (_, index) => {
      const digits = rng.weighted({ "1": 60, "": 20, "9": 10, "2": 10 });
      return { index, ani: rng.pick(anis), digits, ...(rng.chance(0.03) ? { hangupAfterMs: rng.int(90_000) } : {}) };
    });
    proxy.setRules(FAULTS);
    const before = { ...proxy.stats, faults: { ...proxy.stats.faults } };

    const outcomes: Record<string, number> = {};
    const problems: string[] = [];
    const count = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
    let started = 0;
    let maxRealMs = 0;
    const restarts: Array<Promise<void>> = [];
    const restartLog: string[] = [];
    const onCallStart = () => {
      started++;
      // The CRM goes away twice while calls are running: politely, then as kill -9 would.
      if (started === Math.floor(CALLS / 3) || started === Math.floor((2 * CALLS) / 3)) {
        const signal = started === Math.floor(CALLS / 3) ? "SIGTERM" : "SIGKILL";
        const t = performance.now();
        restarts.push(crm.restart(signal).then(() => void restartLog.push(`${signal} at call ${started}: back after ${Math.round(performance.now() - t)} ms`)));
      }
    };
    const onCall = (s: CallSummary) => {
      maxRealMs = Math.max(maxRealMs, s.realMs);
      const outcome = classify(s);
      count(outcome.kind);
      if (outcome.problem && problems.length < 20) problems.push(`call ${s.plan.index} ani ${JSON.stringify(s.plan.ani)} digits ${JSON.stringify(s.plan.digits)}: ${outcome.problem}; ended ${JSON.stringify(s.ended)}, queued ${JSON.stringify(s.queued)}, http ${JSON.stringify(s.http)}`);
    };

    const t0 = performance.now();
    const lanes = await runLanes(plans, LANES, laneOptions(onCall, onCallStart));
    await Promise.all(restarts);
    const realSeconds = (performance.now() - t0) / 1000;
    proxy.setRules([]);

    const faults = Object.fromEntries(Object.entries(proxy.stats.faults).map(([k, n]) => [k, n - before.faults[k as keyof typeof before.faults]]));
    Object.assign(figures, {
      calls: CALLS,
      outcomes,
      faultsInjected: faults,
      requests: proxy.stats.requests - before.requests,
      forwarded: proxy.stats.forwarded - before.forwarded,
      refusedWhileCrmDown: proxy.stats.upstreamDown - before.upstreamDown,
      clientsGaveUp: proxy.stats.clientGone - before.clientGone,
      crmRestarts: restartLog,
      realSeconds: Math.round(realSeconds),
      maxCallRealMs: Math.round(maxRealMs),
      virtualHoursPerLane: Math.round((lanes.reduce((s, l) => s + l.virtualMs, 0) / lanes.length / 3600_000) * 10) / 10,
    });

    expect(problems).toEqual([]);
    const lost = Object.entries(outcomes).filter(([k]) => k.startsWith("LOST") || k.startsWith("STUCK") || k.startsWith("MISROUTED"));
    expect(lost).toEqual([]);
    expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(CALLS);
    // Nothing left behind: no contact in any queue or with an agent, no request in flight.
    expect(lanes.map((l) => l.leftInCenter).reduce((a, b) => a + b, 0)).toBe(0);
    expect(proxy.inFlight()).toBe(0);
    // Every kind of fault was injected, and each defined path was taken.
    for (const [kind, n] of Object.entries(faults)) expect(n, kind).toBeGreaterThan(0);
    expect(figures.refusedWhileCrmDown as number).toBeGreaterThan(0);
    expect(restartLog).toHaveLength(2);
    for (const k of ["answered after OnGlobalError queued it at P5", "answered, queued at P5 after a CRM error status", "answered, routed as without faults", "goodbye (menu 2)"]) {
      expect(outcomes[k] ?? 0, k).toBeGreaterThan(0);
    }
  });

  it("wrote no client secret and no access token into any event, log line or CRM output", () => {
    for (const chunk of crm.output) scanner.scan(chunk, "CRM process output");
    crm.output.length = 0;
    figures.secretScan = { chunks: scanner.scannedChunks, megabytes: Math.round(scanner.scannedChars / 1e5) / 10 };
    expect(scanner.scannedChunks).toBeGreaterThan(CALLS * 10);
    expect(scanner.findings).toEqual([]);
  });

  afterAll(() => recordFigures("faults", figures));
});

type Outcome = { kind: string; problem?: string };

/** What happened to a call, and what is wrong with it if anything. */
function classify(s: CallSummary): Outcome {
  if (s.stuck) return { kind: "STUCK", problem: s.stuck };
  if (s.ended.length !== 1) return { kind: "LOST (ended events ≠ 1)", problem: `${s.ended.length} ended events` };
  const reason = s.ended[0]!;
  const failed = s.http.some((h) => h.failure !== undefined);
  const errorStatus = s.http.some((h) => h.status !== undefined && h.status !== 200);
  const expected = baseline.get(s.plan.ani)!;

  if (reason === "caller-hangup") {
    if (s.plan.hangupAfterMs === undefined) return { kind: "LOST (hung up by nobody)", problem: "caller-hangup without a scripted hang-up" };
    return { kind: s.queued ? "caller hung up while queued" : "caller hung up in the IVR" };
  }
  if (reason === "disconnected") {
    if (s.plan.digits === "2" && s.goodbye && !failed) return { kind: "goodbye (menu 2)" };
    return { kind: "LOST (disconnected)", problem: "the flow hung up on a caller who did not ask for it" };
  }
  if (reason !== "agent-ended") return { kind: `LOST (${reason})`, problem: `ended with ${reason}` };
  if (!s.queued || !s.answered) return { kind: "LOST (never queued)", problem: "ended by an agent without being queued and answered" };
  if (s.pops.length !== 1) return { kind: "LOST (no screen pop)", problem: `answered with ${s.pops.length} screen pops` };
  // An agent answers within seconds and talks 20 s: a call that lasts far longer was held up somewhere.
  if (s.virtualMs > 30 * 60_000) return { kind: "STUCK (virtual time)", problem: `the call lasted ${Math.round(s.virtualMs / 60_000)} virtual minutes` };

  if (failed) {
    if (s.queued.flow !== "GlobalErrorHandling" || s.queued.priority !== 5) return { kind: "LOST (failure not handled by OnGlobalError)", problem: "a request failed but OnGlobalError did not queue the caller at P5" };
    return { kind: "answered after OnGlobalError queued it at P5" };
  }
  if (s.queued.flow !== "main") return { kind: "LOST (unexpected OnGlobalError)", problem: "OnGlobalError ran without a failed request" };
  if (errorStatus) {
    if (s.queued.priority !== 5 || !s.personal.some((p) => p.startsWith("We could not reach your account details"))) {
      return { kind: "MISROUTED (error status)", problem: `a CRM error status should queue at P5 with the apology, got P${s.queued.priority} ${JSON.stringify(s.personal)}` };
    }
    return { kind: "answered, queued at P5 after a CRM error status" };
  }
  // Every CRM answer was a 200: the caller is routed, greeted and popped exactly as without faults.
  const same = s.queued.priority === expected.priority && JSON.stringify(s.personal) === JSON.stringify(expected.personal) && JSON.stringify(s.pops) === JSON.stringify(expected.pops);
  if (!same) return { kind: "MISROUTED", problem: `expected P${expected.priority} ${JSON.stringify(expected.personal)} ${JSON.stringify(expected.pops)}, got P${s.queued.priority} ${JSON.stringify(s.personal)} ${JSON.stringify(s.pops)}` };
  return { kind: "answered, routed as without faults" };
}
