/**
 * Each role's permissions, from both sides, over real HTTP and real WebSockets against a running
 * server: nobody gets anything but the public routes; an agent acts only on themselves; a
 * supervisor sees everything and may change an agent's state but not take their calls; placing
 * a call needs the caller role; the development app holds every role.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTE_ACCESS } from "../../src/server/auth/access.js";
import { bearer, clientToken, devToken, signIn, type SignedIn } from "../helpers/api-auth.js";
import type { TestServer } from "../server/helpers.js";
import { concrete, startSecurityServer, upgradeStatus } from "./helpers.js";

let t: TestServer;
let ana: SignedIn;
let ben: SignedIn;
let sam: SignedIn;
let callId: string;

beforeAll(async () => {
  t = await startSecurityServer();
  [ana, ben, sam] = await Promise.all([signIn(t.url, "ana"), signIn(t.url, "ben"), signIn(t.url, "sam")]);
  // Ana's call, placed from her softphone.
  const placed = await ana.fetch("/api/calls", { method: "POST", body: JSON.stringify({ ani: "+14805550101" }) });
  expect(placed.status).toBe(201);
  callId = ((await placed.json()) as { interactionId: string }).interactionId;
});

afterAll(async () => {
  await t?.close();
});

const json = async (r: Response) => ({ status: r.status, body: (await r.json().catch(() => undefined)) as { error?: { code: string; message: string } } });

describe("nobody (no token, no session)", () => {
  const routes = Object.entries(ROUTE_ACCESS).filter(([, grants]) => !grants.includes("public"));

  it.each(routes.filter(([key]) => !key.endsWith("/ws")))("is refused %s with 401", async (key) => {
    const [method, url] = key.split(" ") as [string, string];
    const r = await fetch(`${t.url}${concrete(url, { agent: "ana", call: callId, flow: "support" })}`, { method, ...(method === "POST" ? { headers: { "content-type": "application/json" }, body: "{}" } : {}) });
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("UNAUTHENTICATED");
  });

  it.each(routes.filter(([key]) => key.endsWith("/ws")))("is refused the socket %s with 401", async (key) => {
    const url = concrete(key.split(" ")[1]!, { agent: "ana", call: callId, flow: "support" });
    expect(await upgradeStatus(`${t.url}${url}`)).toBe(401);
    expect(await upgradeStatus(`${t.url}${url}?observe=1`)).toBe(401);
  });

  it("is refused with a forged, an expired-looking or a foreign token", async () => {
    const real = await devToken(t.url);
    const [h, p] = real.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, roles: ["administrator"], sub: "mallory" })).toString("base64url")}.${real.split(".")[2]}`;
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${p}.`;
    for (const token of [forged, none, "not-a-jwt"]) {
      const r = await json(await fetch(`${t.url}/api/queues`, { headers: bearer(token) }));
      expect(r.status).toBe(401);
      expect(r.body.error?.code).toBe("INVALID_TOKEN");
    }
    // The embedded CRM's tokens are for Dataverse, not this API (another audience, another issuer).
    const wrongScope = await fetch(`${t.url}/identity/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: "cc0f1000-0000-4000-8000-0000000000c1", client_secret: "ccflow-dev-secret-not-for-production", scope: "https://org.crm.dynamics.com/.default" }),
    });
    expect(wrongScope.status).toBe(400);
    const wrongSecret = await fetch(`${t.url}/identity/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: "cc0f1000-0000-4000-8000-0000000000c1", client_secret: "guess", scope: "api://ccflow/.default" }),
    });
    expect(wrongSecret.status).toBe(401);
  });

  it("still gets the public routes: the OpenAPI document and who-am-I", async () => {
    expect((await fetch(`${t.url}/api/openapi.json`)).status).toBe(200);
    expect(await (await fetch(`${t.url}/api/session`)).json()).toMatchObject({ signedIn: false, signIn: "/auth/login" });
  });
});

describe("an agent (Ana, signed in)", () => {
  it("acts on herself: her desk, her state, her socket, her calls", async () => {
    expect(ana.user).toMatchObject({ name: "Ana Lima", roles: ["agent", "caller"], agentId: "ana" });
    expect((await ana.fetch("/api/agents/ana")).status).toBe(200);
    expect((await ana.fetch("/api/agents/ana/login", { method: "POST", body: "{}" })).status).toBe(200);
    expect((await ana.fetch("/api/agents/ana/state", { method: "POST", body: JSON.stringify({ state: "Idle", reason: "Break" }) })).status).toBe(200);
    expect(await upgradeStatus(`${t.url}/api/agents/ana/ws`, { cookie: ana.cookie, origin: t.url })).toBe(101);
    expect((await ana.fetch(`/api/calls/${callId}`)).status).toBe(200);
    expect(await upgradeStatus(`${t.url}/api/calls/${callId}/ws?observe=1`, { cookie: ana.cookie, origin: t.url })).toBe(101);
  });

  it("is refused another agent's desk, state and socket, and the supervisor's views", async () => {
    for (const [method, path] of [
      ["GET", "/api/agents/ben"],
      ["POST", "/api/agents/ben/login"],
      ["POST", "/api/agents/ben/state"],
      ["POST", "/api/agents/ben/accept"],
      ["GET", "/api/agents"],
      ["GET", "/api/queues"],
      ["GET", "/api/contacts"],
      ["GET", `/api/contacts/${callId}`],
    ] as const) {
      const r = await json(await ana.fetch(path, method === "POST" ? { method, body: "{}" } : {}));
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.error?.code).toBe("FORBIDDEN");
    }
    expect(await upgradeStatus(`${t.url}/api/agents/ben/ws`, { cookie: ana.cookie, origin: t.url })).toBe(403);
    expect(await upgradeStatus(`${t.url}/api/supervisor/ws`, { cookie: ana.cookie, origin: t.url })).toBe(403);
  });

  it("cannot press keys on, hang up or listen to another person's call", async () => {
    expect((await ben.fetch(`/api/calls/${callId}/digits`, { method: "POST", body: JSON.stringify({ digits: "1" }) })).status).toBe(403);
    expect((await ben.fetch(`/api/calls/${callId}/hangup`, { method: "POST", body: "{}" })).status).toBe(403);
    expect((await ben.fetch(`/api/calls/${callId}`)).status).toBe(403);
    expect(await upgradeStatus(`${t.url}/api/calls/${callId}/ws`, { cookie: ben.cookie, origin: t.url })).toBe(403);
    expect(await upgradeStatus(`${t.url}/api/calls/${callId}/ws?observe=1`, { cookie: ben.cookie, origin: t.url })).toBe(403);
  });
});

describe("a supervisor (Sam, signed in)", () => {
  it("sees every queue, agent, contact and trace, and the supervisor socket", async () => {
    expect(sam.user).toMatchObject({ roles: ["caller", "supervisor"] });
    for (const path of ["/api/agents", "/api/queues", "/api/contacts", `/api/contacts/${callId}`, `/api/calls/${callId}`, "/api/agents/ana"]) {
      expect((await sam.fetch(path)).status, path).toBe(200);
    }
    expect(await upgradeStatus(`${t.url}/api/supervisor/ws`, { cookie: sam.cookie, origin: t.url })).toBe(101);
    expect(await upgradeStatus(`${t.url}/api/agents/ben/ws`, { cookie: sam.cookie, origin: t.url })).toBe(101);
    // Listening to a call: only as an observer.
    expect(await upgradeStatus(`${t.url}/api/calls/${callId}/ws?observe=1`, { cookie: sam.cookie, origin: t.url })).toBe(101);
    expect(await upgradeStatus(`${t.url}/api/calls/${callId}/ws`, { cookie: sam.cookie, origin: t.url })).toBe(403);
  });

  it("may change an agent's state, but not take their offers or end their calls", async () => {
    expect((await sam.fetch("/api/agents/ben/login", { method: "POST", body: "{}" })).status).toBe(200);
    expect((await sam.fetch("/api/agents/ben/state", { method: "POST", body: JSON.stringify({ state: "Idle", reason: "Meeting" }) })).status).toBe(200);
    expect((await t.call("GET", "/api/agents/ben")).body.agent).toMatchObject({ state: "Idle", reason: "Meeting" });
    for (const action of ["accept", "decline", "end", "wrapup"]) {
      expect((await sam.fetch(`/api/agents/ben/${action}`, { method: "POST", body: "{}" })).status, action).toBe(403);
    }
    expect((await sam.fetch(`/api/calls/${callId}/hangup`, { method: "POST", body: "{}" })).status).toBe(403);
  });
});

describe("the caller role", () => {
  it("is needed to place a call: an app without it is refused, the demo users and the development app have it", async () => {
    t.server.identity!.registerClient({ clientId: "report-bot", clientSecret: "report-bot-secret", displayName: "Report bot", roles: ["supervisor"], clientCredentials: true, redirectOrigins: () => [] });
    const bot = await clientToken(t.url, "report-bot", "report-bot-secret");
    const refused = await json(await fetch(`${t.url}/api/calls`, { method: "POST", headers: { ...bearer(bot), "content-type": "application/json" }, body: JSON.stringify({ ani: "+14805550102" }) }));
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toContain("role caller");
    // The same bot reads what a supervisor reads.
    expect((await fetch(`${t.url}/api/queues`, { headers: bearer(bot) })).status).toBe(200);
    const byApp = await t.call("POST", "/api/calls", { ani: "+14805550103" });
    expect(byApp.status).toBe(201);
    const byBen = await ben.fetch("/api/calls", { method: "POST", body: JSON.stringify({ ani: "+14805550104" }) });
    expect(byBen.status).toBe(201);
    const id = ((await byBen.json()) as { interactionId: string }).interactionId;
    expect((await ben.fetch(`/api/calls/${id}/hangup`, { method: "POST", body: "{}" })).status).toBe(200);
    expect((await t.call("POST", `/api/calls/${byApp.body.interactionId}/hangup`, {})).status).toBe(200);
  });
});

describe("an observer's socket", () => {
  it("cannot act on the call: keys and hang-up sent on it are refused, the call goes on", async () => {
    const placed = await t.call("POST", "/api/calls", { ani: "+14805550105" });
    const id = placed.body.interactionId as string;
    const observer = await t.socket(`/api/calls/${id}/ws?observe=1`);
    await observer.next((m) => m.type === "hello", "hello");
    observer.send({ type: "hangup" });
    observer.send({ type: "dtmf", digits: "1" });
    const refusal = await observer.next((m) => m.type === "error", "a refusal");
    expect(refusal.error.code).toBe("OBSERVER");
    const call = await t.call("GET", `/api/calls/${id}`);
    expect(call.body.state).not.toBe("ended");
    expect(call.body.bufferedDigits ?? "").toBe("");
    await t.call("POST", `/api/calls/${id}/hangup`, {});
  });
});

describe("the development app", () => {
  it("holds every role (scripts, tests and curl keep working)", async () => {
    const token = await devToken(t.url);
    const me = await (await fetch(`${t.url}/api/session`, { headers: bearer(token) })).json();
    expect(me).toMatchObject({ signedIn: true, via: "bearer", user: { kind: "app", roles: ["administrator", "agent", "caller", "supervisor"] } });
    expect((await t.call("POST", "/api/agents/ben/accept", { offerId: "none" })).status).not.toBe(403);
  });
});
