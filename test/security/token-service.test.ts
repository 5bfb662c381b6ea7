/**
 * The embedded CRM's token service under attack, over real HTTP: wrong secrets are throttled per
 * (client, source address) and never lock the server's own flows out; a token must carry the
 * tenant it is presented to; the database and key files are readable by their owner only.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { SignJWT, importPKCS8 } from "jose";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS } from "../../src/crm/config.js";
import { FlowCatalog } from "../../src/server/flows.js";
import { repoRoot } from "../helpers/shared.js";
import { eventually, startTestServer, type Loose, type TestServer } from "../server/helpers.js";

const exampleFlow = resolve(repoRoot, "examples/flows/Dynamics_Priority_Routing_Flow.json");
const QUEUE = "745fab6b-55e3-49f6-a60e-d06d408eda02";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({
    flows: await FlowCatalog.load([{ file: exampleFlow, source: "example" }]),
    crm: true,
    environment: { queues: [{ id: QUEUE, name: "Customer Care" }], agents: [{ id: "ana", name: "Ana Lima", queues: [QUEUE] }] },
  });
});

afterAll(async () => {
  await t?.close();
});

/** Where the server keeps the embedded CRM's files. */
function crmDir(): string {
  return existsSync(join(t.dataDir, "crm", "crm.sqlite")) ? join(t.dataDir, "crm") : t.dataDir;
}

/** A client-credentials request to the CRM's token endpoint, from a chosen loopback source address. */
function tokenRequest(secret: string, from = "127.0.0.1"): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: secret, scope: `${t.url}/.default` }).toString();
  return new Promise((resolvePromise, reject) => {
    const req = request(`${t.url}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`, { method: "POST", localAddress: from, headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe.skipIf(!existsSync(exampleFlow))("failed-secret throttling", () => {
  it("locks out only the (client, address) that guessed, never the server's own flows", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await tokenRequest(`guess-${i}`)).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.at(-1)).toBe(429);
    // The same client from another address is not locked out.
    expect((await tokenRequest(DEV_CREDENTIALS.clientSecret, "127.0.0.2")).status).toBe(200);

    // The server's own flow still reads the CRM: the example flow looks the caller up.
    const caller = t.server.context.demo.callers[0]!;
    const placed = await t.call("POST", "/api/calls", { ani: caller.number });
    expect(placed.status).toBe(201);
    const id: string = placed.body.interactionId;
    const trace: Loose = await eventually(async () => {
      const r = await t.call("GET", `/api/contacts/${id}`);
      const http = (r.body?.events ?? []).filter((e: Loose) => e.type === "http");
      return http.length > 0 && http.every((e: Loose) => e.status !== undefined || e.error !== undefined) ? r.body : undefined;
    }, "the flow's CRM lookup");
    const http = (trace.events as Loose[]).filter((e) => e.type === "http");
    expect(http.map((e) => e.status)).toContain(200);
    expect(JSON.stringify(http)).not.toMatch(/429|AADSTS50196|invalid_client/);
    await t.call("POST", `/api/calls/${id}/hangup`, {});
  });
});

describe("tokens", () => {
  it("a correctly signed token for another tenant is refused", async () => {
    const key = await importPKCS8(readFileSync(join(crmDir(), "keys", "token-signing.key.pem"), "utf8"), "RS256");
    const good = JSON.parse((await tokenRequest(DEV_CREDENTIALS.clientSecret, "127.0.0.3")).body) as { access_token: string };
    const [header, payload] = good.access_token.split(".").slice(0, 2).map((p) => JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>);
    const forged = await new SignJWT({ ...payload, tid: "00000000-0000-4000-8000-00000000beef" }).setProtectedHeader(header as { alg: string }).sign(key);
    const api = (token: string) => fetch(`${t.url}/api/data/v9.2/WhoAmI`, { headers: { authorization: `Bearer ${token}` } });
    expect((await api(good.access_token)).status).toBe(200);
    const refused = await api(forged);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain("another tenant");
  });
});

describe("files", () => {
  it("crm.sqlite and the signing keys are readable by their owner only", () => {
    const dir = crmDir();
    for (const file of ["crm.sqlite", "keys/token-signing.key.pem", "keys/token-signing.pub.pem"]) {
      expect((statSync(join(dir, file)).mode & 0o777).toString(8), file).toBe("600");
    }
  });
});
