/**
 * A socket is authorised once, at its upgrade. When the person signs out, or their session
 * expires, the sockets that session opened are closed by the server (code 4401, the reason says
 * which), so a signed-out agent's desk stops acting and listening for them. Other people's
 * sockets, and an app's socket opened with a bearer token, stay open.
 */
import type { WebSocket } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, devToken, openSocket, signIn, type SignedIn } from "../helpers/api-auth.js";
import type { TestServer } from "../server/helpers.js";
import { startSecurityServer, upgradeStatus } from "./helpers.js";

let t: TestServer;
let now = Date.now();

beforeAll(async () => {
  t = await startSecurityServer({ extra: { auth: { sessions: { idleSeconds: 600, maxSeconds: 3600, sweepSeconds: 0.05, now: () => now } } } });
});

afterAll(async () => {
  await t?.close();
});

interface Closed {
  code: number;
  reason: string;
}

/** Resolves when the socket closes; `undefined` if it is still open after `ms`. */
function closedWithin(ws: WebSocket, ms: number): Promise<Closed | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    ws.addEventListener("close", (e) => {
      clearTimeout(timer);
      resolve({ code: e.code, reason: e.reason });
    }, { once: true });
  });
}

function personSocket(person: SignedIn, path: string): Promise<WebSocket> {
  return openSocket(t.url, path, { cookie: person.cookie, origin: t.url });
}

describe("the sockets of a session", () => {
  it("are closed when the person signs out; another person's and an app's sockets stay open", async () => {
    const ana = await signIn(t.url, "ana");
    const ben = await signIn(t.url, "ben");
    const anaDesk = await personSocket(ana, "/api/agents/ana/ws");
    const anaSecond = await personSocket(ana, "/api/agents/ana/ws");
    const benDesk = await personSocket(ben, "/api/agents/ben/ws");
    const app = await openSocket(t.url, "/api/supervisor/ws", bearer(await devToken(t.url)));

    const closings = [closedWithin(anaDesk, 5000), closedWithin(anaSecond, 5000), closedWithin(benDesk, 1000), closedWithin(app, 1000)];
    const out = await ana.fetch("/auth/logout", { method: "POST", body: "{}" });
    expect(out.status).toBe(200);
    expect(await out.json()).toMatchObject({ signedOut: true });

    const [first, second, bens, apps] = await Promise.all(closings);
    expect(first).toEqual({ code: 4401, reason: "signed out" });
    expect(second).toEqual({ code: 4401, reason: "signed out" });
    expect(bens).toBeUndefined();
    expect(apps).toBeUndefined();
    // The old cookie opens nothing any more.
    expect(await upgradeStatus(`${t.url}/api/agents/ana/ws`, { cookie: ana.cookie, origin: t.url })).toBe(401);
    benDesk.close();
    app.close();
  });

  it("are closed when the session expires, without waiting for a request", async () => {
    const ana = await signIn(t.url, "ana");
    const desk = await personSocket(ana, "/api/agents/ana/ws");
    expect(await closedWithin(desk, 200)).toBeUndefined();
    const closing = closedWithin(desk, 5000);
    now += 601_000; // past the idle deadline: the next sweep ends the session
    expect(await closing).toEqual({ code: 4401, reason: "session expired" });
    expect((await ana.fetch("/api/session")).status).toBe(200);
    expect(await (await ana.fetch("/api/session")).json()).toMatchObject({ signedIn: false });
  });
});
