/**
 * The CRM run on its own (as `ccflow call` and the flow tests start it) guards its record pages:
 * an anonymous reader is sent to a sign-in that takes an app's client id and secret (what its
 * token service takes), an anonymous form post creates nothing, a wrong secret is refused and
 * counted with the token endpoint's failures (per client and address), a signed-in page's
 * change must come from the CRM's own origin, and a page session outlives a restart.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS } from "../../../src/crm/config.js";
import { pagesCsrfToken, signInToPages, startTestCrm, type TestCrm } from "../helpers.js";

let crm: TestCrm;
beforeAll(async () => {
  crm = await startTestCrm();
});
afterAll(async () => {
  await crm?.stop();
});

function signInForm(secret: string): Promise<Response> {
  return fetch(`${crm.httpUrl}/crm/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: crm.httpUrl },
    body: new URLSearchParams({ client_id: DEV_CREDENTIALS.clientId, client_secret: secret, returnTo: "/main.aspx?pagetype=entitylist&etn=incident" }),
  });
}

async function caseCount(): Promise<number> {
  const res = await crm.api("incidents?$count=true&$top=1");
  return ((await res.json()) as { "@odata.count": number })["@odata.count"];
}

describe("the record pages of the CRM run on its own", { timeout: 120_000 }, () => {
  it("send an anonymous reader to the sign-in, and create nothing for an anonymous form", async () => {
    const read = await fetch(`${crm.httpUrl}/main.aspx?pagetype=entitylist&etn=contact`, { redirect: "manual" });
    expect(read.status).toBe(303);
    expect(read.headers.get("location")).toBe(`/crm/sign-in?returnTo=${encodeURIComponent("/main.aspx?pagetype=entitylist&etn=contact")}`);
    const form = await fetch(`${crm.httpUrl}${read.headers.get("location")!}`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="client_secret"');

    const before = await caseCount();
    const post = await fetch(`${crm.httpUrl}/main.aspx?pagetype=entityrecord&etn=incident`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "title=Anonymous&customer=" });
    expect(post.status).toBe(401);
    expect(await post.text()).toMatch(/^Sign in first/);
    expect(await caseCount()).toBe(before);
  });

  it("sign in with the token service's credentials and come back where the reader was going", async () => {
    const wrong = await signInForm("not-the-secret");
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("Wrong client id or secret.");
    expect(wrong.headers.getSetCookie()).toEqual([]);

    const right = await signInForm(DEV_CREDENTIALS.clientSecret);
    expect(right.status).toBe(303);
    expect(right.headers.get("location")).toBe("/main.aspx?pagetype=entitylist&etn=incident");
    const cookie = right.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/^ccflow_crm_pages=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=28800$/);
    const list = await fetch(`${crm.httpUrl}/main.aspx?pagetype=entitylist&etn=incident`, { headers: { cookie: cookie.split(";")[0]! } });
    expect(list.status).toBe(200);
    expect(await list.text()).toContain("Recent cases");
  });

  it("take changes only from the CRM's own pages", async () => {
    const cookie = await signInToPages(crm.httpUrl);
    const before = await caseCount();
    const body = "title=From+elsewhere&customer=";
    const elsewhere = await fetch(`${crm.httpUrl}/main.aspx?pagetype=entityrecord&etn=incident`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: "http://127.0.0.1:1" }, body });
    expect(elsewhere.status).toBe(403);
    const noOrigin = await fetch(`${crm.httpUrl}/main.aspx?pagetype=entityrecord&etn=incident`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", cookie }, body });
    expect(noOrigin.status).toBe(403);
    // The right Origin but not the session's CSRF token (which the pages' forms carry): refused too.
    const own = { "content-type": "application/x-www-form-urlencoded", cookie, origin: crm.httpUrl };
    const noToken = await fetch(`${crm.httpUrl}/main.aspx?pagetype=entityrecord&etn=contact`, { method: "POST", redirect: "manual", headers: own, body: "lastname=NoToken" });
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain("CSRF token");
    const otherSession = await pagesCsrfToken(crm.httpUrl, await signInToPages(crm.httpUrl));
    const wrongToken = await fetch(`${crm.httpUrl}/main.aspx?pagetype=entityrecord&etn=contact`, { method: "POST", redirect: "manual", headers: own, body: `lastname=WrongToken&_csrf=${otherSession}` });
    expect(wrongToken.status).toBe(403);
    expect(await caseCount()).toBe(before);
    const token = await pagesCsrfToken(crm.httpUrl, cookie);
    const made = await fetch(`${crm.httpUrl}/main.aspx?pagetype=entityrecord&etn=contact`, { method: "POST", redirect: "manual", headers: own, body: `lastname=WithToken&_csrf=${token}` });
    expect(made.status).toBe(303);
  });

  it("sign out from any page: the session ends, and the next page asks to sign in", async () => {
    const cookie = await signInToPages(crm.httpUrl);
    const home = await (await fetch(`${crm.httpUrl}/main.aspx`, { headers: { cookie } })).text();
    expect(home).toMatch(/<form method="post" action="\/crm\/sign-out" class="sign-out"><input type="hidden" name="_csrf" value="[\w-]+"><button type="submit">Sign out<\/button><\/form>/);
    const token = await pagesCsrfToken(crm.httpUrl, cookie);
    const out = await fetch(`${crm.httpUrl}/crm/sign-out`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: crm.httpUrl }, body: `_csrf=${token}` });
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie()[0]).toMatch(/^ccflow_crm_pages=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0$/);
    const after = await fetch(`${crm.httpUrl}/main.aspx`, { redirect: "manual", headers: { cookie } });
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toMatch(/^\/crm\/sign-in\?returnTo=/);
  });

  it("count wrong secrets with the token endpoint's: ten from one address, and that client waits there", async () => {
    const fresh = await startTestCrm();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        const r = await fetch(`${fresh.httpUrl}/crm/sign-in`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ client_id: DEV_CREDENTIALS.clientId, client_secret: `guess-${i}` }) });
        statuses.push(r.status);
      }
      expect(statuses).toEqual(Array(10).fill(401));
      const token = await fetch(`${fresh.httpUrl}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: DEV_CREDENTIALS.clientSecret, scope: `${fresh.httpUrl}/.default` }) });
      expect(token.status).toBe(429);
    } finally {
      await fresh.stop();
    }
  });
});

describe("page sessions of the CRM run on its own", { timeout: 120_000 }, () => {
  it("outlive a restart on the same data directory, and the file holds no session id", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ccflow-page-sessions-"));
    try {
      let first: TestCrm | undefined = await startTestCrm({ dataDir });
      const cookie = await signInToPages(first.httpUrl);
      const list = (base: string) => fetch(`${base}/main.aspx?pagetype=entitylist&etn=contact`, { redirect: "manual", headers: { cookie } });
      expect((await list(first.httpUrl)).status).toBe(200);
      await first.stop();
      first = undefined;
      const file = join(dataDir, "crm-page-sessions.sqlite");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, "latin1")).not.toContain(cookie.split("=")[1]!);

      const second = await startTestCrm({ dataDir });
      try {
        expect((await list(second.httpUrl)).status).toBe(200);
        // A made-up cookie is still sent to the sign-in.
        const forged = await fetch(`${second.httpUrl}/main.aspx?pagetype=entitylist&etn=contact`, { redirect: "manual", headers: { cookie: "ccflow_crm_pages=forged" } });
        expect(forged.status).toBe(303);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
