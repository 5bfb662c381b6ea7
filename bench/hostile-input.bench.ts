/**
 * The event loop while flows run hostile input, against a trivial flow in the same run. A real
 * server (in this process, on loopback) takes CALLS calls of each flow, a few at a time, through
 * POST /api/calls; perf_hooks.monitorEventLoopDelay reads the loop's delay during each phase.
 * The hostile flow runs the patterns that held a backtracking engine for 45 s (`(1|1)+$`,
 * `(1+)+$`, `(\d*\s?)*$`, `(.*1){20}`) over 240,000 characters built from the caller id, a
 * refused lookahead, and a template loop that rebuilds a 240,000-character string (alone, and
 * eight of them in a row in one flow): each ends on Java's answer or the activity's error path
 * (the render's work budget). The issue's target is
 * under 100 ms of delay; the trivial flow's figure shows what the machine itself adds.
 *
 * The flows are written here as Flow Designer exports (the tests' flow builder is not part of
 * the build).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { loadavg } from "node:os";
import { DEV_CREDENTIALS, DEV_ORGANIZATION } from "../src/crm/config.js";
import { startCrmServer } from "../src/crm/server.js";
import { environmentSchema } from "../src/environment/schema.js";
import { readExport } from "../src/flow/read-export.js";
import type { FlowDefinition } from "../src/flow/types.js";
import { FlowCatalog } from "../src/server/flows.js";
import { startServer } from "../src/server/server.js";
import type { BenchModule } from "./types.js";

const PROBES: Array<[string, string]> = [
  ["AltLong", '{{ NewPhoneContact.ANI.repeat(20000) | split("(1|1)+$") | length }}'],
  ["NestedLong", '{{ NewPhoneContact.ANI.repeat(20000).replaceAll("(1+)+$", "x").length }}'],
  ["StarsLong", '{{ NewPhoneContact.ANI.repeat(20000).matches("(\\\\d*\\\\s?)*$") }}'],
  ["CountedLong", '{{ NewPhoneContact.ANI.repeat(20000) | split("(.*1){20}") | length }}'],
  ["Lookahead", '{{ NewPhoneContact.ANI | split("1(?=1)") | length }}'],
  ["CpuLoop", "{% for i in 1..10000 %}{% set x = NewPhoneContact.ANI.repeat(20000).toUpperCase() %}{% endfor %}done"],
];

/** Flows that chain several renders in one synchronous run: eight CpuLoop set-variables in a row. */
const CHAINS: Array<[string, Array<[string, string]>]> = [["CpuChain", Array.from({ length: 8 }, (_, i): [string, string] => [`CpuChain${i + 1}`, PROBES.find(([id]) => id === "CpuLoop")![1]])]];

/** A main flow: start, one set-variable per template (out and error both lead on), disconnect. */
function flow(name: string, templates: Array<[string, string]>): FlowDefinition {
  const node = (id: string, activityName: string, group: string, props: Record<string, unknown> = {}) => [`m-${id}`, { id: `m-${id}`, name: id, group, properties: { name: id, activityName, activityId: activityName, ...props } }] as const;
  const nodes = [node("Start", "NewPhoneContact", "start"), ...templates.map(([id, expr]) => node(id, "set-variable", "set-variable", { srcVariable: `Out${id}`, srcVariableType: "STRING", expr })), node("Bye", "disconnect-contact", "terminating-action")];
  const order = ["Start", ...templates.map(([id]) => id), "Bye"];
  const links = order.slice(0, -1).flatMap((from, i) => (i === 0 ? ["out"] : ["out", "error"]).map((port) => ({ id: `l-${from}-${port}`, sourceActivityId: `m-${from}`, targetActivityId: `m-${order[i + 1]}`, conditionExpr: port, properties: { value: port } })));
  const exported = {
    name,
    variables: templates.map(([id]) => ({ name: `Out${id}`, type: "STRING", value: "unset", isCAD: false, desktopLabel: "", isSecure: false, isAgentEditable: false, source: "", id: "" })),
    process: { activities: Object.fromEntries(nodes), links },
    eventFlows: { eventsMap: { GLOBAL_EVENTS: { id: "GLOBAL_EVENTS", process: { activities: {}, links: [] }, onEvents: {} } } },
    diagram: { widgets: {} },
  };
  const read = readExport(exported, `${name}.json`);
  if (!read.flow) throw new Error(`bench flow ${name} does not load: ${read.diagnostics.map((d) => d.message).join("; ")}`);
  return read.flow;
}

/** The delay figures of one probe: the loop's worst delay in each of its rounds. */
interface ProbeFigures {
  name: string;
  /** Worst event-loop delay of each round, in ms. */
  maxes: number[];
  /** What the probe's last request answered (status, or the flow's outcome). */
  outcome: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * Runs `once` ROUNDS times, `parallel` at a time, each round under its own delay histogram, after
 * one warm-up (compile, JIT). The worst delay of a round is what a request sent alongside waited.
 */
async function measure(name: string, rounds: number, parallel: number, once: () => Promise<string>): Promise<ProbeFigures> {
  let outcome = await once();
  const maxes: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const h = monitorEventLoopDelay({ resolution: 2 });
    h.enable();
    outcome = (await Promise.all(Array.from({ length: parallel }, () => once())))[0]!;
    h.disable();
    maxes.push(h.max / 1e6);
  }
  return { name, maxes, outcome };
}

/**
 * The CRM's client, on a worker thread: building and sending a 30 MB body is the client's work and
 * must not count as the server's delay, so only the server runs on the thread being measured.
 * Each probe is one request; the worker answers with its status and size.
 */
const CRM_CLIENT = `
const { parentPort, workerData } = require("node:worker_threads");
const { url, token, accountId } = workerData;
const api = (p, init = {}) => fetch(url + "/api/data/v9.2/" + p, { ...init, headers: { ...(init.headers || {}), authorization: "Bearer " + token } });
const post = (body) => () => api("contacts", { method: "POST", headers: { "content-type": "application/json" }, body });
const loop = (levels) => {
  let inner = "contact_customer_accounts($select=fullname)";
  for (let i = 1; i < levels; i++) inner = "contact_customer_accounts($select=fullname;$expand=parentcustomerid_account($select=name;$expand=" + inner + "))";
  return inner;
};
const terms = (n, f) => encodeURIComponent(Array.from({ length: n }, (_, i) => f(i)).join(" or "));
const nested = '{"a":' + "[".repeat(5000000) + "]".repeat(5000000) + "}";
const flat = '{"firstname":"x","description":"' + "y".repeat(30000000) + '"}';
const flat15 = '{"firstname":"x","description":"' + "y".repeat(15000000) + '"}';
const wide = '{"firstname":"x","description":[' + Array.from({ length: 1000000 }, (_, i) => i).join(",") + "]}";
const probes = {
  "crm: one contact by $top=1 — baseline": () => api("contacts?$top=1&$select=fullname"),
  "crm: 10 MB nested JSON body": post(nested),
  "crm: 30 MB flat JSON body (over the body limit)": post(flat),
  "crm: 15 MB flat JSON body": post(flat15),
  "crm: 1M-element JSON array body": post(wide),
  "crm: 999-term $filter": () => api("contacts?$select=fullname&$filter=" + terms(999, (i) => "statecode eq " + (998 - i))),
  "crm: 1,200-term $filter (refused)": () => api("contacts?$filter=" + terms(1200, () => "statecode eq 1")),
  "crm: 3-level $expand loop": () => api("accounts(" + accountId + ")?$select=name&$expand=" + encodeURIComponent(loop(3))),
  "crm: 8-level $expand loop": () => api("accounts?$expand=" + encodeURIComponent(loop(8))),
  "crm: 1 expand, 1,200 related records": () => api("accounts(" + accountId + ")?$select=name&$expand=contact_customer_accounts($select=fullname)"),
  "crm: 5,000-record page": () => api("contacts?$top=5000"),
};
parentPort.on("message", async (name) => {
  if (name === "names") return parentPort.postMessage(Object.keys(probes));
  try {
    const res = await probes[name]();
    const text = await res.text();
    parentPort.postMessage(res.status + ", " + (text.length >= 1e6 ? (text.length / 1e6).toFixed(1) + " MB" : (text.length / 1e3).toFixed(1) + " kB"));
  } catch (err) {
    // A body refused from its Content-Length: the server answers and closes while the client is still sending.
    parentPort.postMessage("connection closed while sending (" + ((err.cause && err.cause.code) || err.message) + ")");
  }
});
`;


function row(f: ProbeFigures, baseline: number): string {
  const m = median(f.maxes);
  return `| ${f.name} | ${m.toFixed(1)} ms | ${Math.max(...f.maxes).toFixed(1)} ms | ${(m / Math.max(baseline, 2)).toFixed(1)}× | ${f.outcome} |`;
}

async function flowProbes(rounds: number, parallel: number): Promise<{ trivial: ProbeFigures; probes: ProbeFigures[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), "ccflow-bench-hostile-"));
  const server = await startServer({
    environment: { ...environmentSchema.parse({}), baseDir: process.cwd() },
    flows: new FlowCatalog([
      { id: "trivial", name: "Trivial", source: "given", definition: flow("Trivial", [["Echo", "{{ NewPhoneContact.ANI }}"]]) },
      ...PROBES.map(([id, expr]) => ({ id, name: id, source: "given" as const, definition: flow(id, [[id, expr]]) })),
      ...CHAINS.map(([id, templates]) => ({ id, name: id, source: "given" as const, definition: flow(id, templates) })),
    ]),
    dataDir,
    port: 0,
    httpsPort: false,
    embeddedCrm: false,
    msPerChar: 0,
    processEnv: {},
  });
  try {
    const tokenRes = await fetch(`${server.url}/identity/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: DEV_CREDENTIALS.clientSecret, scope: "api://ccflow/.default" }),
    });
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const api = async (path: string, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, { method: body === undefined ? "GET" : "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return (await res.json()) as { interactionId?: string; contact?: { state?: string }; variables?: Record<string, unknown> };
    };
    const oneCall = (flowId: string) => async () => {
      const { interactionId } = await api("/api/calls", { ani: `+${"1".repeat(11)}`, flow: flowId });
      for (;;) {
        const c = await api(`/api/contacts/${interactionId}`);
        if (c.contact?.state === "ended") {
          const unset = Object.entries(c.variables ?? {}).some(([k, v]) => k.startsWith("Out") && v === "unset");
          return unset ? "error path" : "answered";
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const trivial = await measure("flow: trivial (one set-variable) — baseline", rounds, parallel, oneCall("trivial"));
    const probes: ProbeFigures[] = [];
    for (const [id] of [...PROBES, ...CHAINS]) probes.push(await measure(`flow: ${id}`, rounds, parallel, oneCall(id)));
    return { trivial, probes };
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function crmPhase(rounds: number): Promise<{ trivial: ProbeFigures; probes: ProbeFigures[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), "ccflow-bench-hostile-crm-"));
  const crm = await startCrmServer({ dataDir, port: 0, httpsPort: 0, env: {}, demoData: false, limits: { requestsPerWindow: 1_000_000_000, maxConcurrent: 1_000_000, executionTimeMs: 1e15 } });
  try {
    const store = crm.crm.store;
    const ctx = { userId: DEV_ORGANIZATION.applicationUserId };
    let accountId = "";
    await store.bulkLoad(async (tx) => {
      const account = await tx.insert(store.schema.table("account"), { name: "Fan-out Inc." }, ctx);
      accountId = String(account.accountid);
      for (let i = 0; i < 1200; i++) await tx.insert(store.schema.table("contact"), { firstname: "C", lastname: String(i), telephone1: `+1480555${String(i).padStart(4, "0")}`, _parentcustomerid_value: accountId, _parentcustomerid_type: "account" }, ctx);
    });
    const tokenRes = await fetch(`${crm.httpUrl}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: DEV_CREDENTIALS.clientSecret, scope: `${crm.httpUrl}/.default` }),
    });
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const client = new Worker(CRM_CLIENT, { eval: true, workerData: { url: crm.httpUrl, token, accountId } });
    const ask = (message: string) => new Promise<unknown>((resolve) => client.once("message", resolve).postMessage(message));
    try {
      const [baseline, ...names] = (await ask("names")) as string[];
      const send = (name: string) => async () => String(await ask(name));
      const trivial = await measure(baseline!, rounds, 1, send(baseline!));
      const probes: ProbeFigures[] = [];
      for (const name of names) probes.push(await measure(name, rounds, 1, send(name)));
      return { trivial, probes };
    } finally {
      await client.terminate();
    }
  } finally {
    await crm.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const bench: BenchModule = {
  name: "hostile-input",
  async run(ctx) {
    const rounds = ctx.quick ? 3 : 7;
    const flows = await flowProbes(rounds, 3);
    const crm = await crmPhase(rounds);
    const load = loadavg().map((l) => l.toFixed(1)).join(" / ");
    const all = [flows.trivial, ...flows.probes, crm.trivial, ...crm.probes];
    const worst = Math.max(...[...flows.probes, ...crm.probes].map((p) => median(p.maxes)));
    for (const p of all) ctx.log(`  ${p.name}: median of worst delays ${median(p.maxes).toFixed(1)} ms, max ${Math.max(...p.maxes).toFixed(1)} ms (${p.outcome})`);
    const figures: Record<string, number> = {
      hostile_rounds: rounds,
      hostile_trivial_flow_delay_median_ms: median(flows.trivial.maxes),
      hostile_trivial_crm_delay_median_ms: median(crm.trivial.maxes),
      hostile_worst_probe_delay_median_ms: worst,
    };
    return {
      figures,
      report: [
        `Each probe alone: ${rounds} rounds (flows: 3 calls at a time through POST /api/calls on a real server in this process; CRM: one request on a real CRM server in this process, 1,200 contacts under one account), after a warm-up round; each round's worst event-loop delay (monitorEventLoopDelay, 2 ms resolution). Load average after the run: ${load}.`,
        "",
        "| probe | worst delay, median of rounds | max of rounds | × its baseline | last answer |",
        "|---|---|---|---|---|",
        ...[flows.trivial, ...flows.probes].map((p) => row(p, median(flows.trivial.maxes))),
        ...[crm.trivial, ...crm.probes].map((p) => row(p, median(crm.trivial.maxes))),
        "",
        `Target: under 100 ms of delay. Worst probe median: ${worst.toFixed(1)} ms.`,
      ],
    };
  },
};

export default bench;
