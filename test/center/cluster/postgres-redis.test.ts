/**
 * Two `ccflow serve` nodes with both `--postgres` and `--redis`: the CRM on a real PostgreSQL and
 * the contact center on a real Redis, as docs/cluster.md runs them. A record written through one
 * node's Web API is read through the other's; an agent signed in on node B is offered a call that
 * runs on node A and gets that call's screen pop. Skips with a notice without redis-server or
 * PostgreSQL 15.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS } from "../../../src/crm/config.js";
import { createDatabase, postgresAvailable, startPostgres, type TestPostgres } from "../../helpers/postgres.js";
import { redisAvailable, startRedis, type TestRedis } from "../../helpers/redis.js";
import { ServeProcess } from "../../reliability/helpers/serve-process.js";
import { removeClusterFiles, until, writeClusterFiles } from "./helpers/cluster.js";

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

  beforeAll(async () => {
    db = await startPostgres();
    const pg = (await createDatabase(db.url, "cluster")).url;
    redis = await startRedis();
    files = writeClusterFiles();
    const node = (name: string) =>
      new ServeProcess(["--no-sip", "--env", files.env, "--flow", files.flow, "--data", path.join(files.dir, `data-${name}`), "--postgres", pg, "--redis", redis!.url, "--node-id", name, "--node-lease", "1.5"], { CCFLOW_KEY_ENCRYPTION_KEY: SHARED_KEY });
    a = node("node-a");
    b = node("node-b");
    await a.start();
    await b.start();
  }, 300_000);

  afterAll(async () => {
    for (const n of [a, b]) await n?.stop("SIGKILL").catch(() => {});
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
});
