/**
 * The fault proxy from a tester's side: it forwards untouched what it does not catch, and each
 * fault looks to the client as the real failure would — a Dataverse 500 or 429 with Retry-After,
 * a reset socket, an Entra outage on the token endpoint, a revoked token, an answer that comes
 * too late; storms hit consecutive requests; a gone target resets the client's connection.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { FaultPlanError, parseFaultRule } from "../../src/fault-proxy/plan.js";
import { startFaultProxy, type FaultProxy, type ProxyEvent } from "../../src/fault-proxy/proxy.js";

interface Upstream {
  url: string;
  seen: Array<{ method: string; url: string; host: string; body: string }>;
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const seen: Upstream["seen"] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, host: req.headers.host ?? "", body });
      res.writeHead(200, { "content-type": "application/json", "x-upstream": "yes" });
      res.end(JSON.stringify({ ok: true, path: req.url }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function setup(rules: Parameters<typeof startFaultProxy>[0]["rules"], random?: () => number) {
  const upstream = await startUpstream();
  const events: ProxyEvent[] = [];
  const proxy = await startFaultProxy({ target: upstream.url, rules, random, onRequest: (e) => events.push(e) });
  open.push(proxy, upstream);
  return { upstream, proxy, events };
}

async function get(proxy: FaultProxy, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string } | { error: string }> {
  try {
    const res = await fetch(`${proxy.url}${path}`, init);
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return { error: cause?.code ?? String(err) };
  }
}

describe("fault plans", () => {
  it("read kind, probability and parameters, and say what is wrong with a bad one", () => {
    expect(parseFaultRule("latency:2%:ms=2500")).toEqual({ kind: "latency", probability: 0.02, delayMs: 2500 });
    expect(parseFaultRule("latency:0.5:ms=100-300")).toEqual({ kind: "latency", probability: 0.5, delayMs: [100, 300] });
    expect(parseFaultRule("throttle:1%:retry-after=3:burst=40")).toMatchObject({ kind: "throttle", retryAfterSeconds: 3, burst: 40 });
    expect(parseFaultRule("status:100%:code=503:path=incidents").path!.test("/api/data/v9.2/incidents?$top=1")).toBe(true);
    expect(() => parseFaultRule("explode:1%")).toThrow(/unknown kind "explode"/);
    expect(() => parseFaultRule("reset")).toThrow(/give a probability/);
    expect(() => parseFaultRule("reset:150%")).toThrow(/between 0 and 1/);
    expect(() => parseFaultRule("latency:1%")).toThrow(/needs ms=/);
    expect(() => parseFaultRule("status:1%:code=999")).toThrow(FaultPlanError);
    expect(() => parseFaultRule("reset:1%:path=(")).toThrow(/not a regular expression/);
  });
});

describe("the fault proxy", () => {
  it("forwards what it does not catch: method, path, query, body and the client's Host", async () => {
    const { upstream, proxy, events } = await setup([]);
    const res = await get(proxy, "/api/data/v9.2/contacts?$filter=contains(telephone1,%271%27)", { method: "POST", body: '{"a":1}', headers: { "content-type": "application/json" } });
    expect(res).toMatchObject({ status: 200 });
    expect((res as { headers: Headers }).headers.get("x-upstream")).toBe("yes");
    expect(upstream.seen[0]).toEqual({ method: "POST", url: "/api/data/v9.2/contacts?$filter=contains(telephone1,%271%27)", host: new URL(proxy.url).host, body: '{"a":1}' });
    expect(events).toEqual([{ method: "POST", path: "/api/data/v9.2/contacts?$filter=contains(telephone1,%271%27)", action: "forwarded", status: 200 }]);
    expect(proxy.stats).toMatchObject({ requests: 1, forwarded: 1 });
  });

  it("answers a Dataverse-shaped 500 or 429 with Retry-After instead of forwarding", async () => {
    const { upstream, proxy } = await setup([parseFaultRule("status:100%:code=500:path=contacts"), parseFaultRule("throttle:100%:retry-after=7")]);
    const failed = await get(proxy, "/api/data/v9.2/contacts");
    expect(failed).toMatchObject({ status: 500 });
    expect(JSON.parse((failed as { text: string }).text).error.code).toBe("0x80040216");
    const throttled = await get(proxy, "/api/data/v9.2/incidents");
    expect(throttled).toMatchObject({ status: 429 });
    expect((throttled as { headers: Headers }).headers.get("retry-after")).toBe("7");
    expect(upstream.seen).toHaveLength(0);
    expect(proxy.stats.faults).toMatchObject({ status: 1, throttle: 1 });
  });

  it("resets the connection, and takes the token endpoint down without touching the Web API", async () => {
    const { upstream, proxy } = await setup([parseFaultRule("token-down:100%"), parseFaultRule("reset:100%:path=whoami")]);
    const token = await get(proxy, "/tenant/oauth2/v2.0/token", { method: "POST", body: "grant_type=client_credentials" });
    expect(token).toMatchObject({ status: 503 });
    expect(JSON.parse((token as { text: string }).text).error).toBe("temporarily_unavailable");
    expect(await get(proxy, "/api/data/v9.2/WhoAmI")).toEqual({ error: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET|other side closed/) });
    expect(await get(proxy, "/api/data/v9.2/contacts")).toMatchObject({ status: 200 });
    expect(upstream.seen.map((s) => s.url)).toEqual(["/api/data/v9.2/contacts"]);
  });

  it("sends storms: a fault with a burst hits that many requests in a row", async () => {
    let first = true;
    // The dice fire once, then never again: only the burst explains the next three 429s.
    const { proxy } = await setup([parseFaultRule("throttle:50%:burst=4")], () => (first ? ((first = false), 0) : 0.99));
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push(((await get(proxy, `/api/data/v9.2/contacts?i=${i}`)) as { status: number }).status);
    expect(statuses).toEqual([429, 429, 429, 429, 200, 200]);
  });

  it("delays past a client's deadline: the client gives up and the proxy counts it gone", async () => {
    const { upstream, proxy } = await setup([parseFaultRule("latency:100%:ms=5000")]);
    const res = await get(proxy, "/api/data/v9.2/contacts", { signal: AbortSignal.timeout(100) });
    expect(res).toHaveProperty("error");
    await new Promise((r) => setTimeout(r, 50));
    expect(proxy.stats.clientGone).toBe(1);
    expect(proxy.inFlight()).toBe(0);
    expect(upstream.seen).toHaveLength(0);
  });

  it("resets the client's connection while the target is down, and forwards again once it is back", async () => {
    const upstream = await startUpstream();
    const port = Number(new URL(upstream.url).port);
    const proxy = await startFaultProxy({ target: upstream.url, rules: [] });
    open.push(proxy);
    expect(await get(proxy, "/api/data/v9.2/contacts")).toMatchObject({ status: 200 });
    await upstream.close();
    expect(await get(proxy, "/api/data/v9.2/contacts")).toHaveProperty("error");
    expect(proxy.stats.upstreamDown).toBe(1);
    const again = http.createServer((_req, res) => res.end("back"));
    await new Promise<void>((r) => again.listen(port, "127.0.0.1", r));
    open.push({
      close: () =>
        new Promise((r) => {
          again.closeAllConnections();
          again.close(() => r());
        }),
    });
    expect(await get(proxy, "/api/data/v9.2/contacts")).toMatchObject({ status: 200, text: "back" });
  });

  it("replays the same faults for the same seed", async () => {
    const seededRun = async () => {
      let s = 42;
      const random = () => ((s = (s * 16807) % 2147483647) / 2147483647);
      const { proxy } = await setup([parseFaultRule("status:30%")], random);
      const out = [];
      for (let i = 0; i < 20; i++) out.push(((await get(proxy, `/api/data/v9.2/x${i}`)) as { status: number }).status);
      return out;
    };
    const a = await seededRun();
    expect(a).toContain(500);
    expect(a).toContain(200);
    expect(await seededRun()).toEqual(a);
  });
});
