/**
 * `/metrics` as Prometheus scrapes it: a call through the example flow (two CRM lookups through
 * the connector), queued, abandoned by the caller; the scrape is parsed with a Prometheus
 * text-format parser and read for each family the issue asks for.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_RECORDS } from "../../src/crm/demo-data.js";
import { FlowCatalog } from "../../src/server/flows.js";
import { apiFetch } from "../helpers/api-auth.js";
import { repoRoot } from "../helpers/shared.js";
import { eventually, startTestServer, type TestServer } from "./helpers.js";

const QUEUE = "745fab6b-55e3-49f6-a60e-d06d408eda02";
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({
    flows: await FlowCatalog.load([{ file: resolve(repoRoot, "examples/flows/Dynamics_Priority_Routing_Flow.json"), source: "example", id: "example" }]),
    crm: true,
    environment: {
      queues: [{ id: QUEUE, name: "Customer Care" }],
      agents: [
        { id: "ana", name: "Ana Lima", queues: [QUEUE] },
        { id: "ben", name: "Ben Okafor", queues: [QUEUE] },
      ],
      screenPop: { rewriteHosts: { "org734cd33d.crm.dynamics.com": "embedded-crm" } },
    },
  });
});
afterAll(async () => {
  await t?.close();
});

async function scrape(): Promise<{ families: Map<string, ParsedFamily>; contentType: string | null; text: string }> {
  const res = await apiFetch(t.url, "/metrics");
  expect(res.status).toBe(200);
  const text = await res.text();
  // The parser throws on any line that is not valid exposition format.
  const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
  return { families, contentType: res.headers.get("content-type"), text };
}

/**
 * A labelled histogram's count. parse-prometheus-text-format 1.1.1 folds every series of a
 * histogram family into one unlabelled entry (prom2json keeps them apart), so the family's type
 * comes from the parser and the per-series `_count` line is read from the text it validated.
 */
function histogramCount(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split("\n")) {
    const m = new RegExp(`^${name}_count\\{([^}]*)\\} (\\S+)$`).exec(line);
    if (!m) continue;
    const found = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[2]);
  }
  return undefined;
}

const sample = (f: ParsedFamily | undefined, labels: Record<string, string>) => f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));

describe("/metrics", () => {
  it("is refused without a token and served in the Prometheus text format with one", async () => {
    expect((await apiFetch(t.url, "/metrics", { token: null })).status).toBe(401);
    const { contentType, families } = await scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    // Process and runtime metrics from prom-client's defaults.
    for (const name of ["ccflow_process_cpu_seconds_total", "ccflow_process_resident_memory_bytes", "ccflow_nodejs_eventloop_lag_seconds", "ccflow_nodejs_heap_size_used_bytes"]) expect(families.has(name), name).toBe(true);
  });

  it("counts a call's contacts, queue, agents, connector requests and CRM requests", async () => {
    await t.call("POST", "/api/agents/ana/login");
    const placed = await t.call("POST", "/api/calls", { ani: SEED_RECORDS.contactPhone, flow: "example" });
    expect(placed.status).toBe(201);
    const id = placed.body.interactionId as string;
    const socket = await t.socket(placed.body.socket);
    await socket.next((m) => m.type === "collect", "the main menu");
    socket.send({ type: "dtmf", digits: "1" });
    await socket.next((m) => m.type === "event" && m.event.type === "queued", "queued");

    const { families: live, text } = await eventually(async () => {
      const scraped = await scrape();
      return Number(sample(scraped.families.get("ccflow_queue_depth"), { queue: QUEUE })?.value) === 1 ? scraped : undefined;
    }, "queue depth 1");
    expect(sample(live.get("ccflow_queue_depth"), { queue: QUEUE })?.labels?.queue_name).toBe("Customer Care");
    expect(Number(sample(live.get("ccflow_contacts"), { state: "queued" })?.value)).toBe(1);
    expect(Number(sample(live.get("ccflow_agents"), { state: "Idle" })?.value)).toBe(1);
    expect(Number(sample(live.get("ccflow_agents"), { state: "LoggedOut" })?.value)).toBe(1);
    expect(Number(sample(live.get("ccflow_queue_oldest_wait_seconds"), { queue: QUEUE })?.value)).toBeGreaterThanOrEqual(0);
    for (const name of ["ccflow_http_connector_request_duration_seconds", "ccflow_crm_request_duration_seconds", "ccflow_queue_wait_seconds"]) expect(live.get(name)?.type, name).toBe("HISTOGRAM");
    // Two lookups through the connector (named by the connector, here the one bound to the embedded CRM).
    expect(histogramCount(text, "ccflow_http_connector_request_duration_seconds", { connector: "embedded CRM", status: "200" })).toBe(2);
    expect(histogramCount(text, "ccflow_crm_request_duration_seconds", { area: "web-api", method: "GET", status: "200" })).toBeGreaterThanOrEqual(2);
    expect(histogramCount(text, "ccflow_crm_request_duration_seconds", { area: "token", method: "POST", status: "200" })).toBeGreaterThanOrEqual(1);

    await t.call("POST", `/api/calls/${id}/hangup`);
    const { families: after, text: afterText } = await eventually(async () => {
      const scraped = await scrape();
      return sample(scraped.families.get("ccflow_contacts_ended_total"), { outcome: "caller-hangup" }) ? scraped : undefined;
    }, "the ended contact counted");
    expect(Number(sample(after.get("ccflow_contacts_ended_total"), { outcome: "caller-hangup" })?.value)).toBe(1);
    expect(Number(after.get("ccflow_contacts_started_total")?.metrics[0]?.value)).toBe(1);
    expect(histogramCount(afterText, "ccflow_queue_wait_seconds", { queue: QUEUE, result: "abandoned" })).toBe(1);
    expect(Number(sample(after.get("ccflow_queue_depth"), { queue: QUEUE })?.value)).toBe(0);
  });

  it("has every metric the Grafana dashboard in docs/observability.md queries", async () => {
    const doc = readFileSync(resolve(repoRoot, "docs/observability.md"), "utf8");
    const dashboard = JSON.parse(doc.split("```json\n")[2]!.split("\n```")[0]!) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const names = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((x) => [...x.expr.matchAll(/ccflow_[a-z0-9_]+/g)].map((m) => m[0].replace(/_bucket$/, "")))));
    const { families } = await scrape();
    expect([...names].filter((n) => !families.has(n))).toEqual([]);
    expect(names.size).toBeGreaterThanOrEqual(10);
  });

  it("counts CRM requests answered with an error", async () => {
    const res = await fetch(`${t.url}/api/data/v9.2/contacts`);
    expect(res.status).toBe(401);
    const { families } = await scrape();
    expect(Number(sample(families.get("ccflow_crm_request_errors_total"), { area: "web-api", status: "401" })?.value)).toBeGreaterThanOrEqual(1);
  });
});
