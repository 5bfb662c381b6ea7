/**
 * People sign in with OpenID Connect, authorization code + PKCE: through the embedded identity
 * service's page, or through any other provider given by configuration (here a second ccflow
 * whose provider is the first one's identity service: the same relying-party code path).
 * Sessions: HttpOnly, SameSite=Lax cookies, Secure under HTTPS; sign-out; expiry and renewal.
 */
import { createHash, randomBytes } from "node:crypto";
import Fastify from "fastify";
import fastifyCookie from "@fastify/cookie";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "../../src/server/auth/access.js";
import { SessionStore } from "../../src/server/auth/sessions.js";
import { bearer, devToken, signIn } from "../helpers/api-auth.js";
import { startTestServer, type TestServer } from "../server/helpers.js";
import { supportFlow } from "../server/fixtures.js";
import { startSecurityServer, twoAgents } from "./helpers.js";

let t: TestServer;
let now = Date.now();

beforeAll(async () => {
  t = await startSecurityServer({ extra: { auth: { sessions: { idleSeconds: 600, maxSeconds: 3600, now: () => now } } } });
});

afterAll(async () => {
  await t?.close();
});

function setCookies(res: Response): string[] {
  return res.headers.getSetCookie();
}

describe("signing in to the web UI", () => {
  it("goes to the provider with PKCE (S256), state and nonce, and comes back with a session cookie", async () => {
    const start = await fetch(`${t.url}/auth/login?returnTo=${encodeURIComponent("/#/agent")}`, { redirect: "manual" });
    expect(start.status).toBe(303);
    const to = new URL(start.headers.get("location")!);
    expect(`${to.origin}${to.pathname}`).toBe(`${t.url}/identity/authorize`);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({ response_type: "code", client_id: "ccflow-web", code_challenge_method: "S256", redirect_uri: `${t.url}/auth/callback` });
    for (const p of ["code_challenge", "state", "nonce"]) expect(to.searchParams.get(p)).toMatch(/^[\w-]{20,}$/);
    const page = await fetch(to);
    expect(page.status).toBe(200);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(await page.text()).toContain('name="password"');

    const ana = await signIn(t.url, "ana");
    expect(ana.user).toEqual({ kind: "user", subject: "ana", name: "Ana Lima", roles: ["agent", "caller"], agentId: "ana" });
    const me = (await (await ana.fetch("/api/session")).json()) as { via: string; csrfToken: string; expiresAt: string };
    expect(me.via).toBe("session");
    expect(me.csrfToken).toBeTruthy();
  });

  it("sets the session cookie HttpOnly, SameSite=Lax, Path=/, without Secure over plain HTTP", async () => {
    const start = await fetch(`${t.url}/auth/login`, { redirect: "manual" });
    const pending = setCookies(start).find((c) => c.startsWith("ccflow_signin="))!;
    expect(pending).toMatch(/HttpOnly/i);
    expect(pending).toMatch(/SameSite=Lax/i);
    const to = new URL(start.headers.get("location")!);
    const form = new URLSearchParams(to.searchParams);
    form.set("username", "ben");
    form.set("password", "ben-dev-password");
    const signedIn = await fetch(`${t.url}/identity/authorize`, { method: "POST", redirect: "manual", body: form });
    const back = await fetch(signedIn.headers.get("location")!, { redirect: "manual", headers: { cookie: pending.split(";")[0]! } });
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe("/");
    const cookie = setCookies(back).find((c) => c.startsWith("ccflow_session="))!;
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\//i);
    expect(cookie).not.toMatch(/Secure/i);
  });

  it("marks the cookie Secure under HTTPS", async () => {
    const app = Fastify({ trustProxy: true });
    await app.register(fastifyCookie);
    const store = new SessionStore();
    const principal: Principal = { kind: "user", subject: "ana", name: "Ana", roles: new Set(["agent"]), via: "session" };
    app.get("/", async (req, reply) => {
      await store.writeCookie(req, reply, await store.create(principal));
      return "ok";
    });
    const res = await app.inject({ url: "/", headers: { "x-forwarded-proto": "https" } });
    expect(String(res.headers["set-cookie"])).toMatch(/; Secure/);
    await app.close();
  });

  it("refuses a wrong password, without saying which part was wrong, and gives no code", async () => {
    const start = await fetch(`${t.url}/auth/login`, { redirect: "manual" });
    const form = new URLSearchParams(new URL(start.headers.get("location")!).searchParams);
    form.set("username", "ana");
    form.set("password", "ben-dev-password");
    const r = await fetch(`${t.url}/identity/authorize`, { method: "POST", redirect: "manual", body: form });
    expect(r.status).toBe(401);
    expect(r.headers.get("location")).toBeNull();
    expect(await r.text()).toContain("Wrong user name or password.");
    await expect(signIn(t.url, "nobody", "x")).rejects.toThrow(/refused: 401/);
  });

  it("slows down guessing: after ten wrong passwords for one user from one address, that pair waits; others sign in", async () => {
    const attempt = async (username: string, password: string) => {
      const start = await fetch(`${t.url}/auth/login`, { redirect: "manual" });
      const form = new URLSearchParams(new URL(start.headers.get("location")!).searchParams);
      form.set("username", username);
      form.set("password", password);
      return fetch(`${t.url}/identity/authorize`, { method: "POST", redirect: "manual", body: form });
    };
    for (let i = 0; i < 10; i++) expect((await attempt("admin", `guess-${i}`)).status).toBe(401);
    const blocked = await attempt("admin", "admin-dev-password");
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(blocked.headers.get("location")).toBeNull();
    expect((await attempt("sam", "sam-dev-password")).status).toBe(303);
  });

  it("refuses a callback that was not started in this browser (no pending cookie: login CSRF)", async () => {
    const start = await fetch(`${t.url}/auth/login`, { redirect: "manual" });
    const form = new URLSearchParams(new URL(start.headers.get("location")!).searchParams);
    form.set("username", "ana");
    form.set("password", "ana-dev-password");
    const signedIn = await fetch(`${t.url}/identity/authorize`, { method: "POST", redirect: "manual", body: form });
    const back = await fetch(signedIn.headers.get("location")!, { redirect: "manual" });
    expect(back.status).toBe(400);
    expect(setCookies(back).some((c) => c.startsWith("ccflow_session=") && !/Max-Age=0/i.test(c))).toBe(false);
  });

  it("comes back only to a path on this server, never to another site", async () => {
    for (const returnTo of ["//evil.example/", "https://evil.example/", "/\\evil.example"]) {
      const start = await fetch(`${t.url}/auth/login?returnTo=${encodeURIComponent(returnTo)}`, { redirect: "manual" });
      const pending = setCookies(start).find((c) => c.startsWith("ccflow_signin="))!.split(";")[0]!;
      const form = new URLSearchParams(new URL(start.headers.get("location")!).searchParams);
      form.set("username", "ana");
      form.set("password", "ana-dev-password");
      const signedIn = await fetch(`${t.url}/identity/authorize`, { method: "POST", redirect: "manual", body: form });
      const back = await fetch(signedIn.headers.get("location")!, { redirect: "manual", headers: { cookie: pending } });
      expect(back.headers.get("location"), returnTo).toBe("/");
    }
  });
});

describe("the identity service's authorization endpoint", () => {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const authorize = (extra: Record<string, string>) =>
    new URLSearchParams({ client_id: "test-rp", redirect_uri: `${t.url}/cb`, response_type: "code", scope: "openid", state: "s1", code_challenge: challenge, code_challenge_method: "S256", ...extra });

  beforeAll(() => {
    t.server.identity!.registerClient({ clientId: "test-rp", clientSecret: "test-rp-secret", displayName: "Test RP", roles: [], clientCredentials: false, redirectOrigins: () => [t.url] });
  });

  async function code(): Promise<string> {
    const form = authorize({ username: "sam", password: "sam-dev-password" });
    const r = await fetch(`${t.url}/identity/authorize`, { method: "POST", redirect: "manual", body: form });
    expect(r.status).toBe(303);
    return new URL(r.headers.get("location")!).searchParams.get("code")!;
  }

  const redeem = (c: string, v?: string) =>
    fetch(`${t.url}/identity/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "authorization_code", code: c, redirect_uri: `${t.url}/cb`, client_id: "test-rp", client_secret: "test-rp-secret", ...(v ? { code_verifier: v } : {}) }),
    });

  it("requires PKCE with S256", async () => {
    for (const extra of [{ code_challenge: "" }, { code_challenge_method: "plain" }] as Array<Record<string, string>>) {
      const r = await fetch(`${t.url}/identity/authorize?${authorize(extra)}`, { redirect: "manual" });
      expect(r.status).toBe(303);
      expect(new URL(r.headers.get("location")!).searchParams.get("error")).toBe("invalid_request");
    }
  });

  it("never redirects to an address the client did not register", async () => {
    const r = await fetch(`${t.url}/identity/authorize?${authorize({ redirect_uri: "http://evil.example/cb" })}`, { redirect: "manual" });
    expect(r.status).toBe(400);
    expect(r.headers.get("location")).toBeNull();
  });

  it("redeems a code once, only with the verifier that matches its challenge", async () => {
    expect((await redeem(await code())).status).toBe(400);
    expect((await redeem(await code(), randomBytes(32).toString("base64url"))).status).toBe(400);
    const c = await code();
    const ok = await redeem(c, verifier);
    expect(ok.status).toBe(200);
    const tokens = (await ok.json()) as { id_token: string; access_token: string };
    const claims = JSON.parse(Buffer.from(tokens.id_token.split(".")[1]!, "base64url").toString());
    expect(claims).toMatchObject({ iss: `${t.url}/identity`, aud: "test-rp", sub: "sam", roles: ["supervisor", "caller"] });
    expect((await redeem(c, verifier)).status).toBe(400);
    // The access token of a person works on the API with that person's roles.
    expect((await fetch(`${t.url}/api/queues`, { headers: bearer(tokens.access_token) })).status).toBe(200);
    expect((await fetch(`${t.url}/api/agents/ana/accept`, { method: "POST", headers: { ...bearer(tokens.access_token), "content-type": "application/json" }, body: "{}" })).status).toBe(403);
  });

  it("publishes discovery and JWKS as an OpenID Connect provider does", async () => {
    const d = (await (await fetch(`${t.url}/identity/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(d).toMatchObject({ issuer: `${t.url}/identity`, code_challenge_methods_supported: ["S256"], token_endpoint: `${t.url}/identity/token` });
    const jwks = (await (await fetch(String(d.jwks_uri))).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });
});

describe("a session", () => {
  it("ends at sign-out: the cookie is cleared and no longer opens anything", async () => {
    const ana = await signIn(t.url, "ana");
    const cookie = ana.cookie;
    const out = await ana.fetch("/auth/logout", { method: "POST", body: "{}" });
    expect(out.status).toBe(200);
    expect(setCookies(out).find((c) => c.startsWith("ccflow_session="))).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    const after = await fetch(`${t.url}/api/agents/ana`, { headers: { cookie } });
    expect(after.status).toBe(401);
  });

  it("expires after idling, renews with each request, and ends at its maximum age however active", async () => {
    const ana = await signIn(t.url, "ana");
    const alive = async () => (await fetch(`${t.url}/api/agents/ana`, { headers: { cookie: ana.cookie } })).status === 200;
    // Active every 5 minutes (idle limit 10): still signed in after 55 minutes.
    for (let i = 0; i < 11; i++) {
      now += 5 * 60_000;
      expect(await alive(), `after ${(i + 1) * 5} min`).toBe(true);
    }
    // The hour's maximum age ends it however active.
    now += 6 * 60_000;
    expect(await alive()).toBe(false);
    const ben = await signIn(t.url, "ben");
    now += 11 * 60_000;
    expect((await fetch(`${t.url}/api/agents/ben`, { headers: { cookie: ben.cookie } })).status).toBe(401);
  });
});

describe("an external OpenID Connect provider", () => {
  let b: TestServer;
  afterAll(async () => {
    await b?.close();
  });

  it("is configuration: issuer, client id and secret, roles claim; sign-in and bearer tokens work the same way", async () => {
    let bOrigin = "";
    t.server.identity!.registerClient({ clientId: "ccflow-b", clientSecret: "ccflow-b-secret", displayName: "ccflow B", roles: [], clientCredentials: false, redirectOrigins: () => [bOrigin] });
    b = await startTestServer({
      flows: [{ id: "support", definition: supportFlow() }],
      environment: twoAgents,
      extra: { processEnv: { CCFLOW_OIDC_ISSUER: `${t.url}/identity`, CCFLOW_OIDC_CLIENT_ID: "ccflow-b", CCFLOW_OIDC_CLIENT_SECRET: "ccflow-b-secret", CCFLOW_OIDC_ROLES_CLAIM: "roles" } },
    });
    bOrigin = new URL(b.url).origin;
    expect(b.server.identity).toBeUndefined();
    expect(b.server.context.signIn).toMatchObject({ embedded: false, issuer: `${t.url}/identity` });
    // B has no token endpoint of its own; A's development app token (A's issuer, audience api://ccflow) opens B's API.
    expect((await fetch(`${b.url}/identity/token`, { method: "POST" })).status).toBe(404);
    const aToken = await devToken(t.url);
    expect((await fetch(`${b.url}/api/queues`, { headers: bearer(aToken) })).status).toBe(200);
    // A person signs in at A's page and lands in B, as themselves.
    const ana = await signIn(b.url, "ana");
    expect(ana.user).toMatchObject({ name: "Ana Lima", roles: ["agent", "caller"], agentId: "ana" });
    expect((await ana.fetch("/api/agents/ana/login", { method: "POST", body: "{}" })).status).toBe(200);
    expect((await ana.fetch("/api/agents/ben/login", { method: "POST", body: "{}" })).status).toBe(403);
  });
});
