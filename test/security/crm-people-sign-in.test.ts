/**
 * The CRM run on its own, configured with an OpenID Connect provider (`CCFLOW_CRM_OIDC_*`): its
 * record pages sign people in there — here the identity service of a ccflow server started for
 * the test, with the CRM registered as a client of it. Real HTTP throughout, and real Chromium for
 * the person's path: an anonymous reader of /main.aspx lands on the provider's sign-in page, signs
 * in as Ana and comes back to the page she asked for; the session cookie is HttpOnly and
 * SameSite=Lax; a form changes records only with this site's Origin and the session's CSRF token;
 * the app sign-in form is closed; signing out ends the session.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCrmServer, type CrmServer } from "../../src/crm/index.js";
import { DEV_CREDENTIALS } from "../../src/crm/config.js";
import { devPassword } from "../helpers/api-auth.js";
import type { TestServer } from "../server/helpers.js";
import { hasChromium, launch, type TestBrowser } from "../web/browser.js";
import { startSecurityServer } from "./helpers.js";

if (!hasChromium) console.info("notice: people signing in to the CRM's pages in a browser is not tested: chromium is not installed (apt-get install chromium)");

const CLIENT = { clientId: "crm-pages", clientSecret: "crm-pages-secret-for-tests" };

let provider: TestServer;
let crm: CrmServer;
const dir = mkdtempSync(join(tmpdir(), "ccflow-crm-people-"));

beforeAll(async () => {
  provider = await startSecurityServer();
  let crmOrigins: string[] = [];
  provider.server.identity!.registerClient({ ...CLIENT, displayName: "CRM record pages", roles: [], clientCredentials: false, redirectOrigins: () => crmOrigins });
  crm = await startCrmServer({
    dataDir: dir,
    port: 0,
    httpsPort: 0,
    env: { CCFLOW_CRM_OIDC_ISSUER: `${provider.url}/identity`, CCFLOW_CRM_OIDC_CLIENT_ID: CLIENT.clientId, CCFLOW_CRM_OIDC_CLIENT_SECRET: CLIENT.clientSecret },
  });
  crmOrigins = [new URL(crm.httpUrl).origin, new URL(crm.httpsUrl).origin];
}, 60_000);

afterAll(async () => {
  await crm?.close();
  await provider?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Signs in over plain HTTP as a browser would; returns the page-session cookie as sent back. */
async function signIn(username: string): Promise<{ setCookie: string; cookie: string; landed: string }> {
  let res = await fetch(`${crm.httpUrl}/main.aspx?pagetype=entitylist&etn=incident`, { redirect: "manual" });
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe(`/crm/auth/login?returnTo=${encodeURIComponent("/main.aspx?pagetype=entitylist&etn=incident")}`);
  res = await fetch(`${crm.httpUrl}${res.headers.get("location")}`, { redirect: "manual" });
  expect(res.status).toBe(303);
  const pending = res.headers.getSetCookie()[0]!;
  expect(pending).toMatch(/^ccflow_crm_signin=[^;]+; Path=\/crm\/auth; HttpOnly; SameSite=Lax; Max-Age=600$/);
  const authorize = new URL(res.headers.get("location")!);
  expect(`${authorize.origin}${authorize.pathname}`).toBe(`${provider.url}/identity/authorize`);
  expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
  const form = new URLSearchParams(authorize.searchParams);
  form.set("username", username);
  form.set("password", devPassword(username));
  res = await fetch(`${provider.url}/identity/authorize`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", origin: provider.url }, body: form });
  expect(res.status).toBe(303);
  res = await fetch(res.headers.get("location")!, { redirect: "manual", headers: { cookie: pending.split(";")[0]! } });
  expect(res.status, await res.clone().text()).toBe(303);
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("ccflow_crm_pages="))!;
  return { setCookie, cookie: setCookie.split(";")[0]!, landed: res.headers.get("location")! };
}

describe("the CRM's record pages, configured with an OpenID Connect provider", () => {
  it("send an anonymous reader to the provider, and back to the page asked for with an HttpOnly, SameSite=Lax session", async () => {
    const ana = await signIn("ana");
    expect(ana.landed).toBe("/main.aspx?pagetype=entitylist&etn=incident");
    expect(ana.setCookie).toMatch(/^ccflow_crm_pages=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=28800$/);
    const list = await fetch(`${crm.httpUrl}${ana.landed}`, { headers: { cookie: ana.cookie } });
    expect(list.status).toBe(200);
    expect(await list.text()).toContain("Recent cases");
  });

  it("refuse a wrong password at the provider, a callback this browser did not start, and the app sign-in form", async () => {
    const start = await fetch(`${crm.httpUrl}/crm/auth/login`, { redirect: "manual" });
    const authorize = new URL(start.headers.get("location")!);
    const form = new URLSearchParams(authorize.searchParams);
    form.set("username", "ana");
    form.set("password", "not-her-password");
    expect((await fetch(`${provider.url}/identity/authorize`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", origin: provider.url }, body: form })).status).toBe(401);
    // A callback without the browser's pending sign-in (a link someone else sent).
    const foreign = await fetch(`${crm.httpUrl}/crm/auth/callback?code=x&state=y`, { redirect: "manual" });
    expect(foreign.status).toBe(400);
    expect(await foreign.text()).toContain("not started in this browser");
    // Apps no longer sign in to the pages.
    const app = await fetch(`${crm.httpUrl}/crm/sign-in`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", origin: crm.httpUrl }, body: new URLSearchParams({ client_id: DEV_CREDENTIALS.clientId, client_secret: DEV_CREDENTIALS.clientSecret }) });
    expect(app.status).toBe(403);
    expect(app.headers.getSetCookie()).toEqual([]);
  });

  it("take a change only from the CRM's own pages with the session's CSRF token, and end the session at sign-out", async () => {
    const sam = await signIn("sam");
    const newContact = await (await fetch(`${crm.httpUrl}/main.aspx?pagetype=entityrecord&etn=contact`, { headers: { cookie: sam.cookie } })).text();
    const token = /name="_csrf" value="([\w-]+)"/.exec(newContact)![1]!;
    const post = (body: string, origin: string) => fetch(`${crm.httpUrl}/main.aspx?pagetype=entityrecord&etn=contact`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", cookie: sam.cookie, origin }, body });
    expect((await post(`lastname=Elsewhere&_csrf=${token}`, "http://127.0.0.1:1")).status).toBe(403);
    expect((await post("lastname=NoToken", crm.httpUrl)).status).toBe(403);
    const made = await post(`lastname=Rivera-Page&_csrf=${token}`, crm.httpUrl);
    expect(made.status).toBe(303);
    expect(made.headers.get("location")).toMatch(/etn=contact&id=/);
    const out = await fetch(`${crm.httpUrl}/crm/sign-out`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", cookie: sam.cookie, origin: crm.httpUrl }, body: `_csrf=${token}` });
    expect(out.status).toBe(303);
    // To the provider's end-session endpoint, which sends the browser back to the pages.
    expect(out.headers.get("location")).toMatch(new RegExp(`^${provider.url}/identity/logout\\?`));
    expect((await fetch(`${crm.httpUrl}/main.aspx`, { redirect: "manual", headers: { cookie: sam.cookie } })).status).toBe(303);
  });

  it("mark both cookies Secure when the pages are reached over HTTPS", async () => {
    const ca = readFileSync(crm.caPath);
    const get = (url: string, cookie = ""): Promise<{ status: number; location?: string; cookies: string[] }> =>
      new Promise((resolve, reject) => {
        https
          .get(url, { ca, headers: cookie ? { cookie } : {} }, (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}), cookies: res.headers["set-cookie"] ?? [] });
          })
          .on("error", reject);
      });
    const start = await get(`${crm.httpsUrl}/crm/auth/login?returnTo=/main.aspx`);
    expect(start.status).toBe(303);
    expect(start.cookies[0]).toMatch(/^ccflow_crm_signin=[^;]+; Path=\/crm\/auth; HttpOnly; SameSite=Lax; Max-Age=600; Secure$/);
    const authorize = new URL(start.location!);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${crm.httpsUrl}/crm/auth/callback`);
    const form = new URLSearchParams(authorize.searchParams);
    form.set("username", "ben");
    form.set("password", devPassword("ben"));
    const signedIn = await fetch(`${provider.url}/identity/authorize`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", origin: provider.url }, body: form });
    expect(signedIn.status).toBe(303);
    const back = await get(signedIn.headers.get("location")!, start.cookies[0]!.split(";")[0]!);
    expect(back.status).toBe(303);
    expect(back.location).toBe("/main.aspx");
    expect(back.cookies.find((c) => c.startsWith("ccflow_crm_pages="))).toMatch(/^ccflow_crm_pages=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=28800; Secure$/);
  });

  describe.skipIf(!hasChromium)("in Chromium", () => {
    let b: TestBrowser;
    beforeAll(async () => {
      b = await launch();
    });
    afterAll(async () => {
      await b?.close();
    });

    it("Ana opens a case list, signs in on the provider's page, lands on it, adds a contact and signs out", async () => {
      const page = await b.context.newPage();
      await page.goto(`${crm.httpUrl}/main.aspx?pagetype=entitylist&etn=incident`);
      await page.waitForURL((u) => u.pathname === "/identity/authorize");
      await page.fill("#username", "ana");
      await page.fill("#password", devPassword("ana"));
      await Promise.all([page.waitForURL((u) => u.pathname === "/main.aspx"), page.click("button[type=submit]")]);
      expect(await page.content()).toContain("Recent cases");
      const cookie = (await b.context.cookies(crm.httpUrl)).find((c) => c.name === "ccflow_crm_pages")!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: false });
      // The page's script cannot read it.
      expect(await page.evaluate("document.cookie")).not.toContain("ccflow_crm_pages");
      await page.goto(`${crm.httpUrl}/main.aspx?pagetype=entityrecord&etn=contact`);
      await page.fill("input[name=lastname]", "Browser-Made");
      await Promise.all([page.waitForURL((u) => u.searchParams.get("id") !== null), page.click("form:not(.sign-out) button[type=submit]")]);
      expect(await page.content()).toContain("Browser-Made");
      await Promise.all([page.waitForURL((u) => u.pathname === "/identity/authorize"), page.click("form.sign-out button")]);
      // Signed out: the pages ask again.
      await page.goto(`${crm.httpUrl}/main.aspx`);
      await page.waitForURL((u) => u.pathname === "/identity/authorize");
    });
  });
});
