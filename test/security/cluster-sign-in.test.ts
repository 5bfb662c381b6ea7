/**
 * Sign-in is not sticky: two `ccflow serve` processes (real ones, each with its own data
 * directory) on one real PostgreSQL, behind a balancer on loopback (`CCFLOW_PUBLIC_URL` is its
 * address). The balancer here sends each request to the node the test names, so every step of
 * the sign-in can land on another node than the one before: /auth/login on one, the identity
 * service's page and form on the other, the callback on either. The pending sign-in travels in
 * its sealed cookie, the code and the signing key are in the database, and the issuer is the
 * balancer's address on both nodes, so a token either node signed is good on both. Without
 * PostgreSQL the test skips with a notice.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientToken, DEV_APP, devPassword } from "../helpers/api-auth.js";
import { createDatabase, postgresAvailable, startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { ServeProcess } from "../reliability/helpers/serve-process.js";

/** The nodes of a cluster share the key their identity signing keys are encrypted with in PostgreSQL (docs/security.md). */
const SHARED_KEY = randomBytes(32).toString("base64");

if (!postgresAvailable()) console.info("notice: sign-in across nodes is not tested: PostgreSQL 15 is not installed (apt-get install postgresql)");

type Node = "a" | "b";

/** A balancer that forwards each request, Host header and all, to the node `route` picks; it notes which. */
async function startBalancer(targets: () => Record<Node, string>) {
  let route: (path: string) => Node = () => "a";
  const served: Array<{ path: string; node: Node }> = [];
  const server = http.createServer((req, res) => {
    const node = route(req.url ?? "/");
    served.push({ path: (req.url ?? "/").split("?")[0]!, node });
    const target = new URL(targets()[node]);
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    routeBy(r: (path: string) => Node) {
      route = r;
      served.length = 0;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A browser's cookie jar, by name. */
function jar() {
  const cookies = new Map<string, string>();
  return {
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; "),
    take(res: Response) {
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(";");
        const eq = pair!.indexOf("=");
        const name = pair!.slice(0, eq).trim();
        const value = pair!.slice(eq + 1).trim();
        if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === "") cookies.delete(name);
        else cookies.set(name, value);
      }
    },
  };
}

describe.skipIf(!postgresAvailable())("a sign-in through a balancer in front of two nodes on one PostgreSQL", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "ccflow-cluster-sign-in-"));
  let db: TestPostgres | undefined;
  let a: ServeProcess;
  let b: ServeProcess;
  let lb: Awaited<ReturnType<typeof startBalancer>>;

  beforeAll(async () => {
    db = await startPostgres();
    const url = (await createDatabase(db.url, "signin")).url;
    lb = await startBalancer(() => ({ a: a.url, b: b.url }));
    const node = (name: string) => new ServeProcess(["--no-crm", "--no-sip", "--postgres", url, "--data", join(dir, name), "--env", "examples/environment.yaml", "--flow", "examples/flows/Dynamics_Priority_Routing_Flow.json"], { CCFLOW_PUBLIC_URL: lb.url, CCFLOW_KEY_ENCRYPTION_KEY: SHARED_KEY });
    a = node("a");
    b = node("b");
    await Promise.all([a.start(), b.start()]);
  }, 300_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await lb?.close();
    await db?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Signs Ana in through the balancer as a browser would; each request goes where `route` says. */
  async function signInThrough(route: (path: string) => Node) {
    lb.routeBy(route);
    const browser = jar();
    let res = await fetch(`${lb.url}/auth/login?returnTo=/%23/agent`, { redirect: "manual" });
    expect(res.status).toBe(303);
    browser.take(res);
    const authorize = new URL(res.headers.get("location")!);
    expect(authorize.origin).toBe(lb.url);
    res = await fetch(authorize, { redirect: "manual" });
    expect(res.status).toBe(200);
    const form = new URLSearchParams(authorize.searchParams);
    form.set("username", "ana");
    form.set("password", devPassword("ana"));
    res = await fetch(`${lb.url}/identity/authorize`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", origin: lb.url }, body: form });
    expect(res.status).toBe(303);
    const callback = res.headers.get("location")!;
    expect(callback.startsWith(`${lb.url}/auth/callback?`)).toBe(true);
    res = await fetch(callback, { redirect: "manual", headers: { cookie: browser.header() } });
    expect(res.status, await res.clone().text()).toBe(303);
    expect(res.headers.get("location")).toBe("/#/agent");
    browser.take(res);
    return browser;
  }

  const session = async (base: string, cookie: string) => (await (await fetch(`${base}/api/session`, { headers: { cookie } })).json()) as { signedIn: boolean; user?: { agentId?: string } };

  it("starts on one node, shows the sign-in page and takes the form on the other, and finishes on the other", async () => {
    const browser = await signInThrough((path) => (path.startsWith("/auth/login") ? "a" : "b"));
    expect(lb.served.map((s) => `${s.path}@${s.node}`)).toEqual(["/auth/login@a", "/identity/authorize@b", "/identity/authorize@b", "/auth/callback@b"]);
    for (const base of [a.url, b.url]) expect(await session(base, browser.header())).toMatchObject({ signedIn: true, user: { agentId: "ana" } });
  });

  it("takes the form on one node and redeems its code on the other", async () => {
    const browser = await signInThrough((path) => (path.startsWith("/identity/") ? "a" : "b"));
    expect(lb.served.map((s) => `${s.path}@${s.node}`)).toEqual(["/auth/login@b", "/identity/authorize@a", "/identity/authorize@a", "/auth/callback@b"]);
    expect(await session(a.url, browser.header())).toMatchObject({ signedIn: true });
  });

  it("refuses a callback without the browser's sealed sign-in, or with one from another sign-in", async () => {
    lb.routeBy(() => "a");
    const first = jar();
    const res1 = await fetch(`${lb.url}/auth/login`, { redirect: "manual" });
    first.take(res1);
    const res2 = await fetch(`${lb.url}/auth/login`, { redirect: "manual" });
    const state2 = new URL(res2.headers.get("location")!).searchParams.get("state");
    lb.routeBy(() => "b");
    // The other sign-in's state with this browser's cookie: not this browser's sign-in.
    const wrong = await fetch(`${lb.url}/auth/callback?code=x&state=${state2}`, { redirect: "manual", headers: { cookie: first.header() } });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("SIGN_IN_FAILED");
    // A forged cookie does not open.
    const forged = await fetch(`${lb.url}/auth/callback?code=x&state=${state2}`, { redirect: "manual", headers: { cookie: "ccflow_signin=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..x.y.z" } });
    expect(forged.status).toBe(400);
  });

  it("has one issuer and one JWKS: an app token from either node is good on both", async () => {
    const jwks = async (base: string) => (await (await fetch(`${base}/identity/jwks`)).json()) as { keys: Array<{ kid: string }> };
    expect((await jwks(a.url)).keys.map((k) => k.kid)).toEqual((await jwks(b.url)).keys.map((k) => k.kid));
    const discovery = (await (await fetch(`${b.url}/identity/.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(discovery.issuer).toBe(`${lb.url}/identity`);
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const token = await clientToken(from.url, DEV_APP.clientId, DEV_APP.clientSecret);
      const res = await fetch(`${to.url}/api/agents`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
    }
  });
});
