/**
 * A gateway times its requests' deadlines with one clock timer per clock, not one per request
 * (time/due-queue.ts). Told from the requests' side: each request that outlives its
 * timeout fails at its own deadline, however many share the queue and in whatever order they
 * end; nothing is left on the clock once they are all done; and a shorter timeout after a longer
 * one is still kept.
 */
import { describe, expect, it } from "vitest";
import type { ConnectorConfig } from "../../src/connectors/config.js";
import { createHttpGateway } from "../../src/connectors/gateway.js";
import { HttpFailure, type HttpRequestSpec } from "../../src/connectors/types.js";
import { VirtualClock } from "../../src/time/clock.js";

const crm: ConnectorConfig = { id: "crm", name: "CRM", type: "none", resourceDomain: "https://crm.example/api/", clientAuth: "client_secret_post", headers: {}, secrets: [] };

const spec = (target: string, timeoutMs: number): HttpRequestSpec => ({ activity: "Lookup", connectorId: "crm", target, query: [], method: "GET", headers: {}, timeoutMs, retryAttempts: 0 });

/** A gateway whose fixture answers `/wait/<ms>` after that many ms of virtual time. */
function gatewayOn(clock: VirtualClock) {
  return createHttpGateway({
    connectors: [crm],
    clock,
    fixtures: async (req, { clock: c, signal }) => {
      const ms = Number(/\/wait\/(\d+)/.exec(req.url)?.[1] ?? 0);
      if (ms > 0) await c.sleep(ms, signal);
      return { status: 200, body: "ok" };
    },
  });
}

/** How a request ended and when (virtual ms after t0), noted as it ends. */
function noted(clock: VirtualClock, request: Promise<unknown>, t0: number): Promise<string> {
  return request.then(
    () => `ok@${clock.now() - t0}`,
    (err: unknown) => `${err instanceof HttpFailure ? err.kind : String(err)}@${clock.now() - t0}`,
  );
}

describe("request deadlines through the gateway's queue", () => {
  it("times each request out at its own deadline while others sharing the queue end in time", async () => {
    const clock = new VirtualClock();
    const gateway = gatewayOn(clock);
    const t0 = clock.now();
    const requests: Array<Promise<string>> = [];
    // Started 100 ms apart: answers after 50 ms (in time) and after 5 s (too late) take turns.
    for (let i = 0; i < 6; i++) {
      requests.push(noted(clock, gateway.execute(spec(i % 2 === 0 ? "wait/50" : "wait/5000", 1000), clock), t0));
      // The fixture starts its wait once the request has left (a microtask later).
      await Promise.resolve();
      await clock.advance(100);
    }
    expect(await Promise.all(requests)).toEqual(["ok@50", "timeout@1100", "ok@250", "timeout@1300", "ok@450", "timeout@1500"]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("keeps a shorter timeout that starts after a longer one", async () => {
    const clock = new VirtualClock();
    const gateway = gatewayOn(clock);
    const t0 = clock.now();
    const long = noted(clock, gateway.execute(spec("wait/9000", 3000), clock), t0);
    const short = noted(clock, gateway.execute(spec("wait/9000", 500), clock), t0);
    const third = noted(clock, gateway.execute(spec("wait/9000", 3000), clock), t0);
    expect(await Promise.all([long, short, third])).toEqual(["timeout@3000", "timeout@500", "timeout@3000"]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("leaves no timer on the clock once every request has answered", async () => {
    const clock = new VirtualClock();
    const gateway = gatewayOn(clock);
    const t0 = clock.now();
    const all = await Promise.all(Array.from({ length: 50 }, () => noted(clock, gateway.execute(spec("now", 2000), clock), t0)));
    expect(new Set(all)).toEqual(new Set(["ok@0"]));
    expect(clock.pendingTimers()).toBe(0);
    // Time did not move to any deadline of the requests that answered.
    expect(clock.now()).toBe(t0);
  });
});
