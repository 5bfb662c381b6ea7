/**
 * Requests from another site: every state-changing route and every socket upgrade checks Origin,
 * and where the session cookie authenticates, a change also needs the session's CSRF token. The
 * attacker here is a page on another origin of the same machine (same site, so the browser
 * sends the SameSite=Lax cookie along): only these checks stand in its way.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTE_ACCESS } from "../../src/server/auth/access.js";
import { bearer, devToken, signIn, type SignedIn } from "../helpers/api-auth.js";
import type { TestServer } from "../server/helpers.js";
import { concrete, startSecurityServer, upgradeStatus } from "./helpers.js";

let t: TestServer;
let ana: SignedIn;
let ben: SignedIn;
let callId: string;
let token: string;
const EVIL = "http://evil.example";

beforeAll(async () => {
  t = await startSecurityServer({ crm: true });
  [ana, ben] = await Promise.all([signIn(t.url, "ana"), signIn(t.url, "ben")]);
  token = await devToken(t.url);
  callId = (await t.call("POST", "/api/calls", { ani: "+14805550111" })).body.interactionId;
});

afterAll(async () => {
  await t?.close();
});

const sameSiteOtherPort = () => `http://127.0.0.1:${Number(new URL(t.url).port) === 1 ? 2 : 1}`;
const changes = Object.keys(ROUTE_ACCESS).filter((k) => k.startsWith("POST ") && !k.startsWith("POST /auth/"));
const sockets = Object.keys(ROUTE_ACCESS).filter((k) => k.endsWith("/ws"));
const ids = () => ({ agent: "ana", call: callId, flow: "support" });

describe("a state-changing request from another origin", () => {
  it.each(changes)("%s is refused with 403, even with a valid bearer token", async (key) => {
    const path = concrete(key.split(" ")[1]!, ids());
    for (const origin of [EVIL, sameSiteOtherPort(), "null"]) {
      const r = await fetch(`${t.url}${path}`, { method: "POST", headers: { ...bearer(token), origin, "content-type": "application/json" }, body: "{}" });
      expect(r.status, origin).toBe(403);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe("CROSS_ORIGIN");
    }
  });

  it("changes nothing: the agent stays as she was and the call goes on", async () => {
    await t.call("POST", "/api/agents/ana/state", { state: "Idle", reason: "Lunch" });
    for (const [path, body] of [
      ["/api/agents/ana/logout", {}],
      ["/api/agents/ana/state", { state: "Available" }],
      [`/api/calls/${callId}/hangup`, {}],
    ] as const) {
      await ana.fetch(path, { method: "POST", body: JSON.stringify(body), headers: { origin: EVIL } });
    }
    expect((await t.call("GET", "/api/agents/ana")).body.agent).toMatchObject({ state: "Idle", reason: "Lunch" });
    expect((await t.call("GET", `/api/calls/${callId}`)).body.state).not.toBe("ended");
  });
});

describe("a WebSocket upgrade from another origin", () => {
  it.each(sockets)("%s is refused with 403 (bearer token or cookie alike)", async (key) => {
    const path = concrete(key.split(" ")[1]!, ids());
    for (const origin of [EVIL, sameSiteOtherPort()]) {
      expect(await upgradeStatus(`${t.url}${path}?observe=1`, { ...bearer(token), origin }), origin).toBe(403);
      expect(await upgradeStatus(`${t.url}${path}?observe=1`, { cookie: ana.cookie, origin }), origin).toBe(403);
    }
    // The server's own pages may open it (the dev app here, so every socket is allowed).
    expect(await upgradeStatus(`${t.url}${path}?observe=1`, { ...bearer(token), origin: t.url })).toBe(101);
  });

  it("signed in by cookie, needs an Origin at all (a browser always sends one)", async () => {
    expect(await upgradeStatus(`${t.url}/api/agents/ana/ws`, { cookie: ana.cookie })).toBe(403);
    expect(await upgradeStatus(`${t.url}/api/agents/ana/ws`, { cookie: ana.cookie, origin: t.url })).toBe(101);
  });
});

describe("the CSRF token, where the cookie authenticates", () => {
  it("is needed on every change: none, a made-up one or another session's is refused; the session's own passes", async () => {
    const path = "/api/agents/ana/login";
    for (const csrf of ["", "made-up-token", ben.csrfToken]) {
      const r = await ana.fetch(path, { method: "POST", body: "{}", headers: { "x-csrf-token": csrf } });
      expect(r.status, `token "${csrf.slice(0, 10)}"`).toBe(403);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe("CSRF_TOKEN");
    }
    expect((await ana.fetch(path, { method: "POST", body: "{}" })).status).toBe(200);
  });

  it("guards sign-out too: a forged sign-out leaves the session alone", async () => {
    const forged = await fetch(`${t.url}/auth/logout`, { method: "POST", headers: { cookie: ana.cookie, origin: t.url } });
    expect(forged.status).toBe(403);
    expect(await (await ana.fetch("/api/session")).json()).toMatchObject({ signedIn: true });
  });

  it("is not asked of bearer tokens (no cookie: nothing for another site to borrow)", async () => {
    expect((await t.call("POST", "/api/agents/ana/state", { state: "Idle", reason: "Break" })).status).toBe(200);
  });
});

describe("the CRM's record pages", () => {
  it("need a signed-in person: anonymous readers are sent to sign in, anonymous writes refused", async () => {
    const page = await fetch(`${t.url}/main.aspx?etn=contact&pagetype=entitylist`, { redirect: "manual" });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe(`/auth/login?returnTo=${encodeURIComponent("/main.aspx?etn=contact&pagetype=entitylist")}`);
    const write = await fetch(`${t.url}/main.aspx?etn=incident&pagetype=entityrecord`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: t.url }, body: "title=owned" });
    expect(write.status).toBe(401);
    expect((await ana.fetch("/main.aspx?etn=contact&pagetype=entitylist")).status).toBe(200);
  });

  it("take a signed-in person's form only from the server's own pages", async () => {
    const post = (origin?: string) =>
      fetch(`${t.url}/main.aspx?etn=incident&pagetype=entityrecord`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: ana.cookie, "content-type": "application/x-www-form-urlencoded", ...(origin ? { origin } : {}) },
        body: "title=Cross-site+case",
      });
    expect((await post(EVIL)).status).toBe(403);
    expect((await post()).status).toBe(403);
    expect((await post(sameSiteOtherPort())).status).toBe(403);
    expect((await post(t.url)).status).not.toBe(403);
  });
});
