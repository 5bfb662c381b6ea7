/**
 * A connector's auth is an undici interceptor: composed over a plain undici Agent and used through
 * undici's own `request()`, it sends the connector's credentials, and after a 401 on a revoked
 * token it fetches a fresh one and tries once more — what the gateway composes per connector.
 * (Retry needs the gateway's exchange, its deadline and clock; the gateway tests cover it.)
 */
import { Agent, request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { basicAuth, bearerAuth } from "../../src/connectors/interceptors/auth.js";
import { TokenCache } from "../../src/connectors/token-cache.js";
import { createUndiciTransport } from "../../src/connectors/transport.js";
import { SystemClock } from "../../src/time/clock.js";
import { startFixture, type Fixture } from "./helpers/fixture-server.js";

const CLIENT = "5b0c7a1e-1111-4222-8333-0123456789ab";
const SECRET = "interceptor-secret-K7~";
const closers: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function fixture(options: Partial<Parameters<typeof startFixture>[0]> = {}): Promise<Fixture> {
  const f = await startFixture({ clock: new SystemClock(), clientId: CLIENT, clientSecret: SECRET, ...options });
  closers.push(() => f.close());
  return f;
}

function agent(): Agent {
  const a = new Agent();
  closers.push(() => a.close());
  return a;
}

describe("connector auth as undici interceptors", () => {
  it("bearerAuth sends the cached token through request(), and after a 401 fetches a fresh one once", async () => {
    const f = await fixture();
    const clock = new SystemClock();
    const transport = createUndiciTransport();
    closers.push(() => transport.close!());
    const cache = new TokenCache({
      connector: { id: "c1", name: "Dataverse", type: "oauth2-client-credentials", resourceDomain: f.apiBase, clientId: CLIENT, clientSecret: SECRET, scope: `${f.audience}/.default`, tokenUrl: f.tokenUrl, clientAuth: "client_secret_post", headers: {}, secrets: [SECRET] },
      transport,
      clock,
    });
    const dispatcher = agent().compose(bearerAuth(cache));

    const first = await request(`${f.apiBase}contacts`, { dispatcher, headers: { authorization: "Bearer from-the-flow" } });
    await first.body.text();
    expect(first.statusCode).toBe(200);
    expect(f.tokenRequests).toBe(1);
    expect(f.received.at(-1)!.headers.authorization).toBe(`Bearer ${f.issued[0]}`);

    f.revokeAll();
    const second = await request(`${f.apiBase}contacts`, { dispatcher });
    await second.body.text();
    expect(second.statusCode).toBe(200);
    expect(f.tokenRequests).toBe(2);
    expect(f.received.at(-1)!.headers.authorization).toBe(`Bearer ${f.issued[1]}`);
  });

  it("bearerAuth gives back the second 401: a refused fresh token is the answer, not a loop", async () => {
    const f = await fixture();
    const clock = new SystemClock();
    const transport = createUndiciTransport();
    closers.push(() => transport.close!());
    const cache = new TokenCache({
      connector: { id: "c1", name: "Dataverse", type: "oauth2-client-credentials", resourceDomain: f.apiBase, clientId: CLIENT, clientSecret: SECRET, scope: `${f.audience}/.default`, tokenUrl: f.tokenUrl, clientAuth: "client_secret_post", headers: {}, secrets: [SECRET] },
      transport,
      clock,
    });
    const dispatcher = agent().compose(bearerAuth(cache));
    f.script({ status: 401, body: "no" }, { status: 401, body: "still no" });
    const res = await request(`${f.apiBase}contacts`, { dispatcher });
    expect(res.statusCode).toBe(401);
    expect(await res.body.text()).toBe("still no");
    expect(f.tokenRequests).toBe(2);
  });

  it("basicAuth replaces the flow's Authorization header with the connector's credentials", async () => {
    const f = await fixture({ apiAuth: "basic", basicUser: "ivr", basicPassword: "p@ss:word" });
    const dispatcher = agent().compose(basicAuth("ivr", "p@ss:word"));
    const res = await request(`${f.apiBase}tickets`, { dispatcher, headers: { Authorization: "Basic bm9wZQ==" } });
    await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(f.received.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from("ivr:p@ss:word").toString("base64")}`);
  });
});
