/**
 * In-process fixtures, as `ccflow test` will plug them in: a handler answers requests with no
 * socket, waiting on the virtual clock, so a 5-second CRM stall costs no real time.
 */
import { describe, expect, it } from "vitest";
import type { ConnectorConfig } from "../../src/connectors/config.js";
import { createHttpGateway } from "../../src/connectors/gateway.js";
import { networkError, type FixtureRequest } from "../../src/connectors/transport.js";
import { HttpFailure, type HttpRequestSpec } from "../../src/connectors/types.js";
import { VirtualClock } from "../../src/time/clock.js";

const crm: ConnectorConfig = {
  id: "crm",
  name: "CRM",
  type: "oauth2-client-credentials",
  resourceDomain: "https://crm.example/api/data/v9.2/",
  clientId: "c",
  clientSecret: "s3cret-value",
  scope: "https://crm.example/.default",
  tokenUrl: "https://login.example/t/oauth2/v2.0/token",
  clientAuth: "client_secret_post",
  headers: {},
  secrets: ["s3cret-value"],
};

const spec = (o: Partial<HttpRequestSpec> = {}): HttpRequestSpec => ({
  activity: "Lookup",
  connectorId: "crm",
  target: "contacts",
  query: [],
  method: "GET",
  headers: {},
  timeoutMs: 2000,
  retryAttempts: 1,
  ...o,
});

describe("fixture transport on a virtual clock", () => {
  it("answers token and API requests in process, with delays on the clock", async () => {
    const clock = new VirtualClock();
    const seen: FixtureRequest[] = [];
    const gateway = createHttpGateway({
      connectors: [crm],
      clock,
      fixtures: async (req, { clock: c, signal }) => {
        seen.push(req);
        if (req.url === crm.tokenUrl) return { status: 200, body: { access_token: "tok-1", expires_in: 3599 } };
        await c.sleep(700, signal);
        return { status: 200, body: { value: [{ contactid: "42" }] } };
      },
    });
    const t0 = clock.now();
    const r = await gateway.execute(spec(), clock);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ value: [{ contactid: "42" }] });
    expect(r.headers["content-type"]).toBe("application/json");
    expect(clock.now() - t0).toBe(700);
    // The result reports the longer of virtual and real time: on a loaded machine the real
    // milliseconds can pass the virtual ones, so only the virtual lower bound is certain.
    expect(r.ms).toBeGreaterThanOrEqual(700);
    expect(r.ms).toBeLessThan(700 + 5_000);
    expect(seen[0]!.body).toBe("grant_type=client_credentials&scope=https%3A%2F%2Fcrm.example%2F.default&client_id=c&client_secret=s3cret-value");
    expect(seen[1]!.headers.Authorization).toBe("Bearer tok-1");
  });

  it("times out at the deadline when the fixture stalls, in virtual time", async () => {
    const clock = new VirtualClock();
    const gateway = createHttpGateway({
      connectors: [crm],
      clock,
      fixtures: async (req, { clock: c, signal }) => {
        if (req.url === crm.tokenUrl) return { status: 200, body: { access_token: "tok", expires_in: 3599 } };
        await c.sleep(5000, signal);
        return { status: 200 };
      },
    });
    const t0 = clock.now();
    const err = await gateway.execute(spec(), clock).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpFailure);
    expect((err as HttpFailure).kind).toBe("timeout");
    expect((err as HttpFailure).message).toBe("timeout after 2000 ms calling https://crm.example/api/data/v9.2/contacts");
    expect(clock.now() - t0).toBe(2000);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("plays a reset connection, then succeeds on the retry", async () => {
    const clock = new VirtualClock();
    let calls = 0;
    const gateway = createHttpGateway({
      connectors: [{ ...crm, type: "none", clientId: undefined, clientSecret: undefined, tokenUrl: undefined, scope: undefined, secrets: [] }],
      clock,
      random: () => 0,
      fixtures: () => {
        calls++;
        if (calls === 1) throw networkError("ECONNRESET");
        return { status: 204 };
      },
    });
    const r = await gateway.execute(spec(), clock);
    expect(r.status).toBe(204);
    expect(r.attempts).toBe(2);
    expect(r.ms).toBeGreaterThanOrEqual(50);
    expect(r.ms).toBeLessThan(50 + 5_000);
  });

  it("reports a reset on the last attempt as a network failure", async () => {
    const clock = new VirtualClock();
    const gateway = createHttpGateway({
      connectors: [],
      clock,
      fixtures: () => {
        throw networkError("ECONNREFUSED");
      },
    });
    const err = (await gateway.execute(spec({ connectorId: undefined, target: "http://down.example/x", retryAttempts: 2 }), clock).catch((e: unknown) => e)) as HttpFailure;
    expect(err.kind).toBe("network");
    expect(err.attempts).toBe(3);
    expect(err.message).toBe("connection refused (ECONNREFUSED) calling http://down.example/x");
  });
});

describe("the URL a request's sender keeps (urlMemo)", () => {
  it("is built once for a repeated target, rebuilt for another target, and never read by another gateway", async () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    const handler = (req: FixtureRequest) => {
      seen.push(req.url);
      return req.url.includes("/token") ? { status: 200, body: { access_token: "t", expires_in: 3600, token_type: "Bearer" } } : { status: 200, body: { ok: true } };
    };
    const one = createHttpGateway({ connectors: [crm], clock, fixtures: handler });
    const two = createHttpGateway({ connectors: [{ ...crm, resourceDomain: "https://other.example/api/" }], clock, fixtures: handler });
    const memo = {};
    await one.execute(spec({ urlMemo: memo }), clock);
    expect(memo).toMatchObject({ target: "contacts", url: "https://crm.example/api/data/v9.2/contacts" });
    const built = (memo as { url: string }).url;
    await one.execute(spec({ urlMemo: memo }), clock);
    expect((memo as { url: string }).url).toBe(built);
    await one.execute(spec({ urlMemo: memo, target: "incidents" }), clock);
    expect(memo).toMatchObject({ target: "incidents", url: "https://crm.example/api/data/v9.2/incidents" });
    // The same memo handed to a gateway with another base URL: that gateway builds its own.
    await two.execute(spec({ urlMemo: memo, target: "incidents" }), clock);
    expect(seen.filter((u) => !u.includes("/token"))).toEqual([
      "https://crm.example/api/data/v9.2/contacts",
      "https://crm.example/api/data/v9.2/contacts",
      "https://crm.example/api/data/v9.2/incidents",
      "https://other.example/api/incidents",
    ]);
    await Promise.all([one.close(), two.close()]);
  });
});
