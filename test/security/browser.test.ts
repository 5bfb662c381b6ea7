/**
 * Real Chromium: Ana is signed in to ccflow in her browser, and a page from another origin on
 * the same machine (same site, so her SameSite=Lax cookie goes along) and from another site try
 * the API and the sockets. They change nothing and open no socket; the server's own page, in the
 * same browser, does both (so the refusals are the Origin and CSRF checks, not a missing cookie).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInPage } from "../helpers/api-auth.js";
import type { TestServer } from "../server/helpers.js";
import { hasChromium, launch, type TestBrowser } from "../web/browser.js";
import { startSecurityServer } from "./helpers.js";

/** What the attacking page runs against `api`; it reports what it managed. */
const ATTACK = `
async function attack(api) {
  const ws = api.replace(/^http/, "ws");
  const r = {};
  const post = (path, body) => fetch(api + path, { method: "POST", mode: "no-cors", credentials: "include", headers: { "content-type": "text/plain" }, body }).then(() => "sent", (e) => "failed: " + e.message);
  r.logout = await post("/api/agents/ana/logout", "{}");
  r.available = await post("/api/agents/ana/state", JSON.stringify({ state: "Available" }));
  r.call = await post("/api/calls", JSON.stringify({ ani: "+14805550666" }));
  r.read = await fetch(api + "/api/agents/ana", { credentials: "include" }).then((x) => x.status, (e) => "blocked");
  const open = (path) => new Promise((resolve) => {
    const s = new WebSocket(ws + path);
    s.onopen = () => { resolve("open"); s.close(); };
    s.onerror = () => resolve("refused");
    setTimeout(() => resolve("timeout"), 5000);
  });
  r.agentSocket = await open("/api/agents/ana/ws");
  r.supervisorSocket = await open("/api/supervisor/ws");
  return r;
}`;

describe.skipIf(!hasChromium)("a page from another origin, in the signed-in agent's browser", () => {
  let t: TestServer;
  let b: TestBrowser;
  let evil: http.Server;
  let evilPort = 0;

  beforeAll(async () => {
    t = await startSecurityServer();
    evil = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><title>cute cats</title><script>${ATTACK}</script>`));
    await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
    evilPort = (evil.address() as AddressInfo).port;
    b = await launch();
  });

  afterAll(async () => {
    await b?.close();
    await new Promise((resolve) => evil?.close(resolve));
    await t?.close();
  });

  it("changes nothing and opens no socket, while the server's own page can", async () => {
    const own = await b.context.newPage();
    await signInPage(own, t.url, "ana", "/#/agent");
    // The page says who is signed in, and offers only what her roles open.
    await own.locator("#who", { hasText: "Ana Lima" }).waitFor();
    expect(await own.locator('#nav a[data-view="supervisor"]').isHidden()).toBe(true);
    expect(await own.locator("#sign-out").isVisible()).toBe(true);
    await t.call("POST", "/api/agents/ana/state", { state: "Idle", reason: "Break" });
    const before = (await t.call("GET", "/api/contacts")).body.length as number;

    for (const origin of [`http://127.0.0.1:${evilPort}`, `http://localhost:${evilPort}`]) {
      const page = await b.context.newPage();
      await page.goto(`${origin}/`);
      const got = await page.evaluate(`attack(${JSON.stringify(t.url)})`);
      expect(got, origin).toEqual({ logout: "sent", available: "sent", call: "sent", read: "blocked", agentSocket: "refused", supervisorSocket: "refused" });
      await page.close();
    }
    // The requests went out; the server refused them all.
    expect((await t.call("GET", "/api/agents/ana")).body.agent).toMatchObject({ state: "Idle", reason: "Break" });
    expect((await t.call("GET", "/api/contacts")).body.length).toBe(before);

    // Control: the server's own page, same browser, same cookie, reads and opens her socket.
    const control = await own.evaluate(async () => {
      const read = (await fetch("/api/agents/ana")).status;
      const socket = await new Promise((resolve) => {
        const s = new WebSocket(`${location.origin.replace(/^http/, "ws")}/api/agents/ana/ws`);
        s.onopen = () => {
          resolve("open");
          s.close();
        };
        s.onerror = () => resolve("refused");
      });
      return { read, socket };
    });
    expect(control).toEqual({ read: 200, socket: "open" });

    // Signing out ends the session: the page goes back to the sign-in page, the API says nobody.
    await Promise.all([own.waitForURL((u) => u.pathname === "/identity/authorize"), own.click("#sign-out")]);
    // (Asked through the context's request API: it shares the browser's cookies, and the sign-in page's CSP forbids fetch.)
    expect(await (await b.context.request.get(`${t.url}/api/session`)).json()).toMatchObject({ signedIn: false });
    expect((await b.context.cookies(t.url)).some((c) => c.name === "ccflow_session")).toBe(false);
  }, 90_000);
});
