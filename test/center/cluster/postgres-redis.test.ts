/**
 * Two `ccflow serve` nodes with both `--postgres` and `--redis`: the CRM on a real PostgreSQL and
 * the contact center on a real Redis, as docs/cluster.md runs them. A record written through one
 * node's Web API is read through the other's; an agent signed in on node B is offered a call that
 * runs on node A and gets that call's screen pop. A third node that joins later (from the
 * cluster's snapshot) reads the records the others wrote — each with what every node knew of it —
 * and shows the same live KPIs and reports. Skips with a notice without redis-server or
 * PostgreSQL 15.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS } from "../../../src/crm/config.js";
import { createDatabase, postgresAvailable, startPostgres, type TestPostgres } from "../../helpers/postgres.js";
import { redisAvailable, startRedis, type TestRedis } from "../../helpers/redis.js";
import { ServeProcess } from "../../reliability/helpers/serve-process.js";
import { TestSocket } from "../../server/helpers.js";
import { expectNoNodeTakenForDead, removeClusterFiles, until, writeClusterFiles } from "./helpers/cluster.js";

/** The nodes of a cluster share the key their identity signing keys are encrypted with in PostgreSQL (docs/security.md). */
const SHARED_KEY = randomBytes(32).toString("base64");

const available = redisAvailable() && postgresAvailable();
if (!available) console.warn("[skip] test/center/cluster/postgres-redis: needs /usr/bin/redis-server and PostgreSQL 15 (apt-get install redis-server postgresql)");

/** A CRM token from the node's own token service (client credentials, the development app). */
async function crmToken(base: string): Promise<string> {
  const res = await fetch(`${base}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: DEV_CREDENTIALS.clientSecret, scope: `${base}/.default` }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no CRM token from ${base}: ${res.status}`);
  return body.access_token;
}

describe.skipIf(!available)("ccflow serve --postgres --redis: two nodes sharing the CRM and the contact center", { timeout: 300_000 }, () => {
  let db: TestPostgres | undefined;
  let redis: TestRedis | undefined;
  let files: ReturnType<typeof writeClusterFiles>;
  let a: ServeProcess;
  let b: ServeProcess;
  let c: ServeProcess | undefined;
  let node: (name: string) => ServeProcess;

  beforeAll(async () => {
    db = await startPostgres();
    const pg = (await createDatabase(db.url, "cluster")).url;
    redis = await startRedis();
    files = writeClusterFiles();
    node = (name: string) =>
      new ServeProcess(["--no-sip", "--env", files.env, "--flow", files.flow, "--data", path.join(files.dir, `data-${name}`), "--postgres", pg, "--redis", redis!.url, "--node-id", name, "--snapshot-every", "1"], { CCFLOW_KEY_ENCRYPTION_KEY: SHARED_KEY });
    a = node("node-a");
    b = node("node-b");
    await a.start();
    await b.start();
  }, 300_000);

  afterEach(() => expectNoNodeTakenForDead([a, b, c]));

  afterAll(async () => {
    for (const n of [a, b, c]) await n?.stop("SIGKILL").catch(() => {});
    await redis?.stop();
    await db?.stop();
    if (files) removeClusterFiles(files.dir);
  });

  it("reads through node B a CRM record written through node A", async () => {
    const created = await fetch(`${a.url}/api/data/v9.2/contacts`, {
      method: "POST",
      headers: { authorization: `Bearer ${await crmToken(a.url)}`, "content-type": "application/json", prefer: "return=representation" },
      body: JSON.stringify({ firstname: "Nodes", lastname: "Twoway", telephone1: "+14805550901" }),
    });
    expect(created.status).toBe(201);
    const { contactid } = (await created.json()) as { contactid: string };
    const read = await fetch(`${b.url}/api/data/v9.2/contacts(${contactid})?$select=lastname,telephone1`, { headers: { authorization: `Bearer ${await crmToken(b.url)}` } });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ lastname: "Twoway", telephone1: "+14805550901" });
  });

  it("offers a call running on node A to an agent signed in on node B, with the call's screen pop, and ends it from B", async () => {
    expect((await b.api("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    const placed = await a.api<{ interactionId: string }>("POST", "/api/calls", { ani: "+14805550901" });
    expect(placed.status).toBe(201);
    const id = placed.body.interactionId;
    const offer = await until("ana's offer on node B", async () => {
      const d = (await b.api<{ offer?: { offerId: number; interactionId: string } }>("GET", "/api/agents/ana")).body;
      return d.offer?.interactionId === id ? d.offer : undefined;
    });
    expect((await b.api("POST", "/api/agents/ana/accept", { offerId: offer.offerId })).status).toBe(200);
    const popped = await until("the screen pop on ana's desk on node B", async () => {
      const d = (await b.api<{ contact?: { screenPops: Array<{ url: string }> } }>("GET", "/api/agents/ana")).body;
      return d.contact?.screenPops.length ? d.contact.screenPops[0]! : undefined;
    });
    expect(popped.url).toContain("14805550901");
    expect((await b.api("POST", "/api/agents/ana/end")).status).toBe(200);
    const ended = await until("the call on node A to end", async () => {
      const call = (await a.api<{ state: string; endReason?: string }>("GET", `/api/calls/${id}`)).body;
      return call.state === "ended" ? call : undefined;
    });
    expect(ended.endReason).toBe("agent-ended");
  });

  it("gives a node that joins later the records and KPIs the others built: the records from the database, each with what every node knew of it", async () => {
    // Continues the call above: ana (desktop on B) finishes wrap-up with notes, through B.
    const first = (await a.api<Array<{ interactionId: string }>>("GET", "/api/records?limit=1")).body[0]!.interactionId;
    expect((await b.api("POST", "/api/agents/ana/wrapup", { notes: "called back about the invoice" })).status).toBe(200);
    // A caller on B who rings at ana, is declined and hangs up while waiting again: abandoned.
    const placed = await b.api<{ interactionId: string }>("POST", "/api/calls", { ani: "+14805550902" });
    const second = placed.body.interactionId;
    const offer = await until("ana's second offer", async () => {
      const d = (await a.api<{ offer?: { offerId: number; interactionId: string } }>("GET", "/api/agents/ana")).body;
      return d.offer?.interactionId === second ? d.offer : undefined;
    });
    expect((await b.api("POST", "/api/agents/ana/decline", { offerId: offer.offerId })).status).toBe(200);
    expect((await b.api("POST", `/api/calls/${second}/hangup`)).status).toBe(200);
    await until("the second call ended on B", async () => ((await b.api<{ state: string }>("GET", `/api/calls/${second}`)).body.state === "ended" ? true : undefined));

    // Node C starts now, from the cluster's snapshot (written every second) and the log after it.
    const joined = (c = node("node-c"));
    await joined.start();
    await until("node C loaded the snapshot", async () => (joined.stdout.includes("loaded the cluster's snapshot") || joined.stderr.includes("loaded the cluster's snapshot") ? true : undefined));

    // Each record as the database holds it, read through any node: the call's numbers and end (node A), the wrap-up (node B).
    type Stored = { record: { ani?: string; flow?: { name: string }; queueId?: string; answeredAt?: number; abandonedAt?: number; endReason?: string; callEndedAt?: number; wrapEndAt?: number; wrapUp?: { notes?: string; agentId: string } } };
    for (const n of [a, b, joined]) {
      const one = (await n.api<Stored>("GET", `/api/records/${first}`)).body.record;
      expect(one).toMatchObject({ ani: "+14805550901", flow: { name: "Cluster_Line" }, queueId: "Q-Test", endReason: "agent-ended", wrapUp: { notes: "called back about the invoice", agentId: "ana" } });
      expect(one.answeredAt).toBeGreaterThan(0);
      expect(one.callEndedAt).toBeGreaterThan(0);
      expect(one.wrapEndAt).toBeGreaterThan(0);
      const two = (await n.api<Stored>("GET", `/api/records/${second}`)).body.record;
      expect(two).toMatchObject({ ani: "+14805550902", queueId: "Q-Test", endReason: "caller-hangup" });
      expect(two.abandonedAt).toBeGreaterThan(0);
    }

    // The supervisor's live KPIs (the last hour per queue, from each node's records in memory) and today's report: the same on the three nodes.
    const kpis = async (n: ServeProcess) => {
      const sock = await TestSocket.open(`${n.url.replace(/^http/, "ws")}/api/supervisor/ws`, { authorization: `Bearer ${await n.token()}` });
      try {
        const live = (await sock.next((m) => m.type === "snapshot", "the supervisor's snapshot")).kpis as Array<{ queueId: string; figures: { from?: number; to?: number; offered: number } }>;
        // The trailing hour ends at each node's now: the window's bounds differ by the milliseconds between the requests.
        return live.map((q) => ({ ...q, figures: { ...q.figures, from: undefined, to: undefined } }));
      } finally {
        sock.close();
      }
    };
    const live = await until("the three nodes' KPIs equal", async () => {
      const all = await Promise.all([a, b, joined].map(kpis));
      return JSON.stringify(all[0]) === JSON.stringify(all[1]) && JSON.stringify(all[1]) === JSON.stringify(all[2]) ? all[0] : undefined;
    }, 20_000);
    const queue = live.find((q) => q.queueId === "Q-Test")!;
    expect(queue.figures).toMatchObject({ offered: 2, answered: 1, abandoned: 1 });
    type Report = { queues: Array<{ queue: { id: string }; intervals: Array<{ to: number; offered: number; answered: number; abandoned: number }> }> };
    // Today so far: the last interval ends at each node's now.
    const report = async (n: ServeProcess) => JSON.stringify((await n.api<Report>("GET", "/api/reports?interval=1d")).body.queues.map((q) => ({ ...q, intervals: q.intervals.map((i) => ({ ...i, to: undefined })) })));
    const today = await until("the three nodes' reports equal", async () => {
      const all = await Promise.all([a, b, joined].map(report));
      return all[0] === all[1] && all[1] === all[2] ? (JSON.parse(all[0]!) as Report["queues"]) : undefined;
    }, 20_000);
    expect(today.find((q) => q.queue.id === "Q-Test")!.intervals.at(-1)).toMatchObject({ offered: 2, answered: 1, abandoned: 1 });
  });
});
