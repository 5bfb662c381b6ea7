/**
 * A guesser behind a balancer, spreading attempts over two nodes: two identity services (as two
 * `serve --redis` nodes run them), each on its own real HTTP port, count failed passwords and
 * failed client secrets in one real Redis. Ten failures a minute for one (user, address) — five
 * on each node — and that pair waits on both, even with the right password; the same person from
 * another address still signs in. A burst of parallel guesses gets no more than the limit either
 * (each attempt is counted before the password is checked). Without Redis the test skips with a
 * notice.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS } from "../../src/crm/config.js";
import { IdentityService, registerIdentityRoutes } from "../../src/identity/index.js";
import { startEmbeddedCrm, type EmbeddedCrmParts } from "../../src/server/embedded-crm.js";
import { developmentUsers } from "../../src/identity/users.js";
import { redisAvailable, startRedis, type TestRedis } from "../helpers/redis.js";

if (!redisAvailable()) console.info("notice: failed sign-ins counted across nodes are not tested: redis-server is not installed (apt-get install redis-server)");

const APP = { clientId: "throttle-app", clientSecret: "throttle-app-secret-for-tests", displayName: "Throttle test app", roles: ["supervisor" as const], clientCredentials: true };
const VERIFIER = "v".repeat(43);

interface Node {
  identity: IdentityService;
  app: FastifyInstance;
  url: string;
}

function post(url: string, form: Record<string, string>, from: string): Promise<{ status: number; retryAfter?: string; text: string }> {
  const body = new URLSearchParams(form).toString();
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(target, { method: "POST", localAddress: from, headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body), origin: target.origin } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ...(res.headers["retry-after"] ? { retryAfter: String(res.headers["retry-after"]) } : {}), text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe.skipIf(!redisAvailable())("failed sign-ins counted in Redis across two nodes", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "ccflow-shared-throttle-"));
  let redis: TestRedis | undefined;
  const nodes: Node[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    for (const name of ["a", "b"]) {
      const identity = await IdentityService.create({ dataDir: join(dir, name), users: developmentUsers([{ id: "ana", name: "Ana Lima" }]), redisUrl: redis.url });
      const app = Fastify();
      registerIdentityRoutes(app, identity);
      const url = await app.listen({ host: "127.0.0.1", port: 0 });
      identity.setIssuer(`${url}/identity`);
      identity.registerClient({ ...APP, redirectOrigins: () => ["http://127.0.0.1:9"] });
      nodes.push({ identity, app, url });
    }
  }, 60_000);

  afterAll(async () => {
    for (const n of nodes) {
      await n.app.close();
      await n.identity.close();
    }
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const signIn = (node: Node, username: string, password: string, from: string) =>
    post(
      `${node.url}/identity/authorize`,
      {
        client_id: APP.clientId,
        redirect_uri: "http://127.0.0.1:9/cb",
        response_type: "code",
        scope: "openid",
        state: "s",
        code_challenge: createHash("sha256").update(VERIFIER).digest("base64url"),
        code_challenge_method: "S256",
        username,
        password,
      },
      from,
    );

  it("add up the failed passwords of both nodes: ten in all and the pair waits on either", async () => {
    const [a, b] = nodes as [Node, Node];
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await signIn(a, "ana", `guess-a-${i}`, "127.0.0.5")).status);
      statuses.push((await signIn(b, "ana", `guess-b-${i}`, "127.0.0.5")).status);
    }
    expect(statuses).toEqual(Array(10).fill(401));
    for (const node of [a, b]) {
      const locked = await signIn(node, "ana", "ana-dev-password", "127.0.0.5");
      expect(locked.status).toBe(429);
      expect(Number(locked.retryAfter)).toBeGreaterThan(0);
      expect(locked.text).toMatch(/Too many failed sign-ins for this user from here; try again in \d+ s/);
    }
    // Ana from her own address signs in on either node.
    expect((await signIn(a, "ana", "ana-dev-password", "127.0.0.1")).status).toBe(303);
    expect((await signIn(b, "ana", "ana-dev-password", "127.0.0.1")).status).toBe(303);
  });

  it("give a burst of parallel guesses over both nodes no more than the limit", async () => {
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => signIn(nodes[i % 2]!, "sam", `burst-${i}`, "127.0.0.6")));
    const tried = results.filter((r) => r.status === 401).length;
    expect(tried).toBeLessThanOrEqual(10);
    expect(results.filter((r) => r.status === 429).length).toBe(30 - tried);
    expect(tried).toBeGreaterThan(0);
  });

  it("add up failed client secrets at both token endpoints, per (client, address)", async () => {
    const token = (node: Node, secret: string, from: string) => post(`${node.url}/identity/token`, { grant_type: "client_credentials", client_id: APP.clientId, client_secret: secret, scope: "api://ccflow/.default" }, from);
    for (let i = 0; i < 10; i++) expect((await token(nodes[i % 2]!, `wrong-${i}`, "127.0.0.7")).status).toBe(401);
    for (const node of nodes) {
      const locked = await token(node, APP.clientSecret, "127.0.0.7");
      expect(locked.status).toBe(429);
      expect(JSON.parse(locked.text)).toMatchObject({ error: "temporarily_unavailable" });
      expect(locked.text).not.toContain(APP.clientSecret);
    }
    expect((await token(nodes[1]!, APP.clientSecret, "127.0.0.1")).status).toBe(200);
  });

  it("add up failed client secrets at both nodes' embedded CRM token endpoints", async () => {
    const crms: Array<{ crm: EmbeddedCrmParts; app: FastifyInstance; url: string }> = [];
    try {
      for (const name of ["crm-a", "crm-b"]) {
        const crm = await startEmbeddedCrm({ dataDir: join(dir, name), orgUrls: ["https://contoso.crm.dynamics.com"], env: {}, https: false, redisUrl: redis!.url });
        const app = Fastify();
        await crm.register(app);
        const url = await app.listen({ host: "127.0.0.1", port: 0 });
        crm.addPublicBaseUrl(url);
        crms.push({ crm, app, url });
      }
      const token = (i: number, secret: string, from: string) =>
        post(`${crms[i % 2]!.url}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`, { grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: secret, scope: `${crms[i % 2]!.url}/.default` }, from);
      for (let i = 0; i < 10; i++) expect((await token(i, `wrong-${i}`, "127.0.0.8")).status).toBe(401);
      expect((await token(0, DEV_CREDENTIALS.clientSecret, "127.0.0.8")).status).toBe(429);
      expect((await token(1, DEV_CREDENTIALS.clientSecret, "127.0.0.8")).status).toBe(429);
      expect((await token(1, DEV_CREDENTIALS.clientSecret, "127.0.0.1")).status).toBe(200);
    } finally {
      for (const c of crms) {
        await c.app.close();
        await c.crm.close();
      }
    }
  });

  it("keep in Redis only digests of who was tried, and only for the window", async () => {
    const client = createClient({ url: redis!.url });
    await client.connect();
    try {
      const keys = await client.keys("ccflow:failures:*");
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        // A name and a SHA-256 digest (base64url), nothing typed into the forms.
        expect(key).toMatch(/^ccflow:failures:(sign-in|client-secret|crm-client-secret):[A-Za-z0-9_-]{43}$/);
        const ttl = await client.pTTL(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(60_000);
      }
    } finally {
      await client.quit();
    }
  });
});
