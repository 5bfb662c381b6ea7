/**
 * The connector gateway over real loopback HTTP: tokens from a real token endpoint, an API that
 * verifies them, and the failure paths an IVR meets in production (expired and revoked tokens,
 * 5xx, reset connections, slow servers, throttling).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ConnectorConfig } from "../../src/connectors/config.js";
import { createHttpGateway, type ConnectorHttpGateway } from "../../src/connectors/gateway.js";
import { HttpFailure, type HttpRequestSpec } from "../../src/connectors/types.js";
import { SystemClock, VirtualClock } from "../../src/time/clock.js";
import { capturingLogger } from "./helpers/capture.js";
import { startFixture, type Fixture } from "./helpers/fixture-server.js";

const SECRET = "fixture-client-secret-Zq8~";
const CLIENT = "3f2b1c0d-aaaa-4bbb-8ccc-123456789abc";
const CONNECTOR_ID = "8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710";

function oauthConnector(f: Fixture, overrides: Partial<ConnectorConfig> = {}): ConnectorConfig {
  const clientSecret = overrides.clientSecret ?? SECRET;
  return {
    id: CONNECTOR_ID,
    name: "MSD_IVR_Connector",
    type: "oauth2-client-credentials",
    resourceDomain: f.apiBase,
    clientId: CLIENT,
    clientSecret,
    scope: `${f.audience}/.default`,
    tokenUrl: f.tokenUrl,
    clientAuth: "client_secret_post",
    headers: {},
    secrets: [clientSecret],
    ...overrides,
  };
}

function spec(overrides: Partial<HttpRequestSpec> = {}): HttpRequestSpec {
  return {
    activity: "GetCustomerInfo",
    connectorId: CONNECTOR_ID,
    target: "contacts?$select=fullname",
    query: [],
    method: "GET",
    headers: {},
    timeoutMs: 2000,
    retryAttempts: 1,
    ...overrides,
  };
}

async function failure(p: Promise<unknown>): Promise<HttpFailure> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HttpFailure) return err;
    throw err;
  }
  throw new Error("expected an HttpFailure");
}

const log = capturingLogger();
const everything: string[] = [];
const gateways: ConnectorHttpGateway[] = [];
const fixtures: Fixture[] = [];

function remember(value: unknown): void {
  everything.push(value instanceof Error ? `${value.name}: ${value.message} ${JSON.stringify(value)}` : JSON.stringify(value));
}

async function setup(options: { clock?: VirtualClock | SystemClock; expiresInS?: number; connector?: Partial<ConnectorConfig> } = {}) {
  const clock = options.clock ?? new VirtualClock({ autoAdvance: true });
  const fixture = await startFixture({ clock, expiresInS: options.expiresInS, clientId: CLIENT, clientSecret: SECRET });
  fixtures.push(fixture);
  const gateway = createHttpGateway({ connectors: [oauthConnector(fixture, options.connector)], clock, logger: log.logger, random: () => 0.5 });
  gateways.push(gateway);
  const run = async (s: Partial<HttpRequestSpec> = {}) => {
    try {
      const r = await gateway.execute(spec(s), clock);
      remember(r);
      return r;
    } catch (err) {
      remember(err);
      throw err;
    }
  };
  return { clock, fixture, gateway, run };
}

const allIssued: string[] = [];

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
  const done = fixtures.splice(0);
  for (const f of done) allIssued.push(...f.issued);
  await Promise.all(done.map((f) => f.close()));
});

describe("OAuth 2.0 client credentials through a connector", () => {
  it("joins resource domain and path with one slash and sends the bearer token", async () => {
    const { fixture, run } = await setup();
    const r = await run({ target: "/contacts?$select=fullname,contactid&$filter=contains(mobilephone,'15550100')" });
    expect(r.status).toBe(200);
    // `'` in a query is sent as %27 (WHATWG URL serialisation); the result shows what was sent.
    expect(r.url).toBe(`${fixture.apiBase}contacts?$select=fullname,contactid&$filter=contains(mobilephone,%2715550100%27)`);
    expect(r.connectorName).toBe("MSD_IVR_Connector");
    expect(fixture.received[0]!.rawUrl).toBe("/api/data/v9.2/contacts?$select=fullname,contactid&$filter=contains(mobilephone,%2715550100%27)");
    expect(fixture.received[0]!.query.$filter).toBe("contains(mobilephone,'15550100')");
    expect(fixture.received[0]!.headers.authorization).toBe(`Bearer ${fixture.issued[0]}`);
    expect(fixture.tokenRequests).toBe(1);
  });

  it("reuses one token across 1,000 concurrent calls: exactly one token request", async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const { fixture, run } = await setup({ clock });
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => run({ target: `contacts(${i})`, timeoutMs: 60_000 })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(fixture.tokenRequests).toBe(1);
    expect(fixture.received).toHaveLength(1000);
    expect(new Set(fixture.received.map((r) => r.headers.authorization)).size).toBe(1);
  });

  it("refreshes a token that is about to expire, in the background, and a lapsed one before use", async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const { fixture, gateway, run } = await setup({ clock, expiresInS: 600 });
    await run();
    expect(fixture.tokenRequests).toBe(1);
    // 10 minutes lifetime: refreshed from 5 minutes before expiry on; the call still uses the old one.
    await clock.advance(5 * 60_000 + 1000);
    await run();
    // The background refresh lands: the cached token now has nearly its whole lifetime left.
    await expect.poll(() => gateway.tokenCache(CONNECTOR_ID)!.remainingMs()).toBeGreaterThan(500_000);
    expect(fixture.tokenRequests).toBe(2);
    await run();
    expect(fixture.received.at(-1)!.headers.authorization).toBe(`Bearer ${fixture.issued[1]}`);
    // Past expiry with nothing cached in between: the call waits for a new token.
    await clock.advance(11 * 60_000);
    const r = await run();
    expect(r.status).toBe(200);
    expect(fixture.tokenRequests).toBe(3);
    expect(gateway.tokenCache(CONNECTOR_ID)!.stats.requests).toBe(3);
  });

  it("on 401 for a revoked token, fetches a new token once and succeeds", async () => {
    const { fixture, run } = await setup();
    await run();
    fixture.revokeAll();
    const r = await run();
    expect(r.status).toBe(200);
    expect(r.attempts).toBe(2);
    expect(fixture.tokenRequests).toBe(2);
  });

  it("returns the 401 when even a fresh token is refused (no endless refresh)", async () => {
    const { fixture, run } = await setup();
    fixture.script({ status: 401, body: "" }, { status: 401, body: "" });
    const r = await run({ retryAttempts: 3 });
    expect(r.status).toBe(401);
    expect(r.attempts).toBe(2);
    expect(fixture.tokenRequests).toBe(2);
  });

  it("fails with the token endpoint's error naming the connector, never the secret", async () => {
    const { run } = await setup({ connector: { clientSecret: "wrong-secret-value-123", secrets: ["wrong-secret-value-123"] } });
    const f = await failure(run());
    expect(f.kind).toBe("token");
    expect(f.message).toMatch(/^connector MSD_IVR_Connector: token endpoint http:\/\/127\.0\.0\.1:\d+\/[^ ]+\/oauth2\/v2\.0\/token answered 401: invalid_client: AADSTS7000215: Invalid client secret provided\./);
    expect(f.message).not.toContain("wrong-secret-value-123");
    expect(f.attempts).toBe(1);
  });

  it("fails 1,000 waiting calls with one token request when the endpoint refuses", async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const { fixture, run } = await setup({ clock, connector: { clientSecret: "another-wrong-secret", secrets: ["another-wrong-secret"] } });
    const outcomes = await Promise.allSettled(Array.from({ length: 1000 }, () => run({ timeoutMs: 60_000, retryAttempts: 0 })));
    expect(outcomes.every((o) => o.status === "rejected" && (o.reason as HttpFailure).kind === "token")).toBe(true);
    expect(fixture.tokenRequests).toBe(1);
  });

  it("supports client_secret_basic at the token endpoint", async () => {
    const { fixture, run } = await setup({ connector: { clientAuth: "client_secret_basic" } });
    expect((await run()).status).toBe(200);
    expect(fixture.tokenRequests).toBe(1);
  });
});

describe("retries, deadlines and throttling", () => {
  it("retries a 500 and succeeds", async () => {
    const { clock, fixture, run } = await setup();
    fixture.script({ status: 500, body: { error: { code: "", message: "boom" } } });
    const t0 = clock.now();
    const r = await run({ retryAttempts: 1 });
    expect(r.status).toBe(200);
    expect(r.attempts).toBe(2);
    // Backoff with random 0.5: 100 ms × 0.75, on the virtual clock.
    expect(clock.now() - t0).toBe(75);
  });

  it("returns the last 5xx when the retries are used up", async () => {
    const { fixture, run } = await setup();
    fixture.script({ status: 503, body: "a" }, { status: 502, body: "b" });
    const r = await run({ retryAttempts: 1 });
    expect(r.status).toBe(502);
    expect(r.attempts).toBe(2);
  });

  it("does not retry a 4xx", async () => {
    const { fixture, run } = await setup();
    fixture.script({ status: 404, body: { error: { code: "0x80040217", message: "contact With Id = x Does Not Exist" } } });
    const r = await run({ retryAttempts: 2 });
    expect(r.status).toBe(404);
    expect(r.attempts).toBe(1);
    expect(JSON.parse(r.body).error.code).toBe("0x80040217");
  });

  it("retries after a reset connection", async () => {
    const { fixture, run } = await setup();
    fixture.script({ reset: true });
    const r = await run({ retryAttempts: 1 });
    expect(r.status).toBe(200);
    expect(r.attempts).toBe(2);
  });

  it("fails with a network error when every attempt is reset", async () => {
    const { fixture, run } = await setup();
    fixture.script({ reset: true }, { reset: true });
    const f = await failure(run({ retryAttempts: 1 }));
    expect(f.kind).toBe("network");
    expect(f.attempts).toBe(2);
    expect(f.message).toMatch(/^(connection reset by the server \(ECONNRESET\)|connection closed by the server \(UND_ERR_SOCKET\)|other side closed.*) calling http:\/\/127\.0\.0\.1/);
  });

  it("fails with a timeout when the server answers after the deadline (system clock)", async () => {
    const { fixture, run } = await setup({ clock: new SystemClock() });
    await run(); // token cached, so the deadline below is all the server's
    fixture.script({ hangMs: 3000 });
    const f = await failure(run({ timeoutMs: 300, retryAttempts: 2 }));
    expect(f.kind).toBe("timeout");
    expect(f.message).toBe(`timeout after 300 ms calling ${fixture.apiBase}contacts?$select=fullname`);
    expect(f.attempts).toBe(1);
  });

  it("waits Retry-After on a 429 when it fits in the deadline", async () => {
    const { clock, fixture, run } = await setup();
    fixture.script({ status: 429, headers: { "retry-after": "1" }, body: { error: { code: "0x80072322", message: "Number of requests exceeded the limit of 6000 over time window of 300 seconds." } } });
    const t0 = clock.now();
    const r = await run({ timeoutMs: 5000, retryAttempts: 1 });
    expect(r.status).toBe(200);
    expect(r.attempts).toBe(2);
    expect(clock.now() - t0).toBe(1000);
  });

  it("returns the 429 when Retry-After does not fit in the deadline", async () => {
    const { clock, fixture, run } = await setup();
    fixture.script({ status: 429, headers: { "retry-after": "10" }, body: "slow down" });
    const t0 = clock.now();
    const r = await run({ timeoutMs: 2000, retryAttempts: 1 });
    expect(r.status).toBe(429);
    expect(r.attempts).toBe(1);
    expect(clock.now() - t0).toBe(0);
  });

  it("counts the token fetch inside the deadline", async () => {
    const clock = new SystemClock();
    const fixture = await startFixture({ clock, clientId: CLIENT, clientSecret: SECRET, tokenDelayMs: 800 });
    fixtures.push(fixture);
    const gateway = createHttpGateway({ connectors: [oauthConnector(fixture)], clock, logger: log.logger });
    gateways.push(gateway);
    const f = await failure(gateway.execute(spec({ timeoutMs: 200 }), clock));
    expect(f.kind).toBe("timeout");
    expect(fixture.received).toHaveLength(0);
  });

  it("reports an aborted request when the contact hangs up", async () => {
    const clock = new SystemClock();
    const { fixture, run } = await setup({ clock });
    await run();
    fixture.script({ hangMs: 2000 });
    const controller = new AbortController();
    const p = run({ timeoutMs: 5000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const f = await failure(p);
    expect(f.kind).toBe("aborted");
  });
});

describe("Basic auth and unauthenticated requests", () => {
  it("sends Basic credentials that the API checks", async () => {
    const clock = new VirtualClock();
    const fixture = await startFixture({ clock, apiAuth: "basic", basicUser: "agent@acme.test/token", basicPassword: "zd-api-token-777" });
    fixtures.push(fixture);
    const zendesk: ConnectorConfig = {
      id: "d892fbcd-b050-4f64-9c8f-d6ccd08042c3",
      name: "Zendesk",
      type: "basic",
      resourceDomain: `${fixture.origin}/zendesk`,
      username: "agent@acme.test/token",
      password: "zd-api-token-777",
      clientAuth: "client_secret_post",
      headers: { Accept: "application/json" },
      secrets: ["zd-api-token-777"],
    };
    const gateway = createHttpGateway({ connectors: [zendesk, { ...zendesk, id: "bad", name: "Bad", password: "nope-nope", secrets: ["nope-nope"] }], clock, logger: log.logger });
    gateways.push(gateway);
    const ok = await gateway.execute(
      spec({ connectorId: zendesk.id, target: "/api/v2/users/search.json", query: [["query", "type:user +15550100"]] }),
      clock,
    );
    remember(ok);
    expect(ok.status).toBe(200);
    expect(ok.url).toBe(`${fixture.origin}/zendesk/api/v2/users/search.json?query=type%3Auser%20%2B15550100`);
    expect(fixture.received[0]!.query.query).toBe("type:user +15550100");
    expect(fixture.received[0]!.headers.accept).toBe("application/json");
    const refused = await gateway.execute(spec({ connectorId: "bad", target: "api/v2/users/search.json" }), clock);
    remember(refused);
    expect(refused.status).toBe(401);
  });

  it("uses the target as the full URL without a connector, and normalises the content type", async () => {
    const clock = new VirtualClock();
    const fixture = await startFixture({ clock, apiAuth: "none" });
    fixtures.push(fixture);
    const gateway = createHttpGateway({ connectors: [], clock });
    gateways.push(gateway);
    const r = await gateway.execute(
      spec({ connectorId: undefined, target: `${fixture.apiBase}incidents?x=1`, query: [["y", "a b"]], method: "post", body: '{"title":"t"}', contentType: "Application/JSON" }),
      clock,
    );
    expect(r.status).toBe(200);
    expect(fixture.received[0]!.rawUrl).toBe("/api/data/v9.2/incidents?x=1&y=a%20b");
    expect(fixture.received[0]!.headers["content-type"]).toBe("application/json");
    expect(fixture.received[0]!.body).toBe('{"title":"t"}');
  });

  it("rejects an undefined connector and a malformed URL as configuration failures", async () => {
    const gateway = createHttpGateway({ connectors: [] });
    gateways.push(gateway);
    const clock = new VirtualClock();
    expect((await failure(gateway.execute(spec({ connectorId: "nope" }), clock))).message).toBe("connector nope is not defined in the environment");
    const bad = await failure(gateway.execute(spec({ connectorId: undefined, target: "contacts" }), clock));
    expect(bad.kind).toBe("config");
    expect(bad.message).toMatch(/not a valid http\(s\) URL/);
  });
});

describe("secrets stay out of logs, results and errors", () => {
  it("never shows the client secret, the Basic password or any issued token", async () => {
    // Runs after the tests above, which exercised every path with the shared capturing logger.
    const captured = `${log.text()}\n${everything.join("\n")}`;
    expect(captured.length).toBeGreaterThan(1000);
    expect(captured).toContain("MSD_IVR_Connector");
    const secrets = [SECRET, encodeURIComponent(SECRET), "wrong-secret-value-123", "another-wrong-secret", "zd-api-token-777", "nope-nope"];
    secrets.push(Buffer.from("agent@acme.test/token:zd-api-token-777").toString("base64"));
    for (const s of secrets) expect(captured).not.toContain(s);
    expect(allIssued.length).toBeGreaterThan(10);
    for (const t of allIssued) expect(captured).not.toContain(t);
    expect(captured).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
  });
});
