/**
 * ccflow signing people in through a third-party OpenID Connect provider: `oidc-provider` (panva's
 * maintained, certified provider library) runs here on loopback as the provider — its own login
 * page, its own opaque access tokens, rotating refresh tokens, roles in a nested claim as Keycloak
 * puts them (`realm_access.roles`) — and ccflow is configured for it with the `CCFLOW_OIDC_*`
 * settings only. The test proves, over real HTTP: sign-in (authorization code with PKCE), role
 * claim mapping (an agent gets their own desk, a supervisor the supervisor's routes), renewal
 * with the provider's rotated refresh token, the session ending when the provider removes the
 * person or changes their roles, and sign-out at the provider's end-session endpoint.
 */
import { generateKeyPairSync } from "node:crypto";
import type { AddressInfo } from "node:net";
import http from "node:http";
import { exportJWK } from "jose";
import Provider, { type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/util/free-port.js";
import type { TestServer } from "../server/helpers.js";
import { startSecurityServer } from "./helpers.js";

interface Person {
  password: string;
  name: string;
  email: string;
  roles: string[];
}

/** The provider's directory: what its login page checks and what its tokens say. */
const people = new Map<string, Person>([
  ["ana", { password: "ana-at-the-provider", name: "Ana Lima", email: "ana@example.com", roles: ["agent", "caller"] }],
  ["sam", { password: "sam-at-the-provider", name: "Sam Rivera", email: "sam@example.com", roles: ["supervisor"] }],
  ["kim", { password: "kim-at-the-provider", name: "Kim Ito", email: "kim@example.com", roles: ["supervisor"] }],
]);

const CLIENT = { id: "ccflow-at-oidc-provider", secret: "ccflow-client-secret-at-oidc-provider" };
const MINUTES = 60_000;

let rp: TestServer;
let provider: Provider;
let providerServer: http.Server;
let issuer = "";
let now = Date.now();
/** Refresh-token grants the provider answered (to see renewal reach it). */
const refreshGrants: string[] = [];

/** A browser's cookies for one site. */
class Jar {
  private readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** A browser: one jar for ccflow, one for the provider (another port, another site for our purposes). */
function browser() {
  const ccflow = new Jar();
  const idp = new Jar();
  const jarFor = (url: string) => (url.startsWith(issuer) ? idp : ccflow);
  return {
    ccflow,
    idp,
    /** One request, cookies sent and kept; no redirect followed. */
    async go(url: string, init: RequestInit = {}): Promise<Response> {
      const jar = jarFor(url);
      const headers = new Headers(init.headers);
      headers.set("cookie", jar.header());
      const res = await fetch(url, { ...init, headers, redirect: "manual" });
      jar.take(res);
      return res;
    },
  };
}

type Browser = ReturnType<typeof browser>;

/** Follows redirects (GET) until a page answers or the browser is back at ccflow's start page. */
async function follow(b: Browser, url: string): Promise<{ res: Response; url: string }> {
  let at = url;
  for (let i = 0; i < 10; i++) {
    const res = await b.go(at);
    if (res.status < 300 || res.status >= 400) return { res, url: at };
    const next = new URL(res.headers.get("location")!, at).href;
    if (!next.startsWith(issuer) && !next.includes("/auth/")) return { res, url: next };
    at = next;
  }
  throw new Error(`too many redirects from ${url}`);
}

/** Signs in at the provider's own login page, through ccflow's /auth/login and /auth/callback. */
async function signIn(username: string, password: string, b: Browser = browser()): Promise<{ b: Browser; csrf: string; user: { name: string; roles: string[]; agentId?: string } }> {
  const page = await follow(b, `${rp.url}/auth/login?returnTo=/%23/agent`);
  expect(page.url.startsWith(`${issuer}/interaction/`), page.url).toBe(true);
  expect(await page.res.text()).toContain("Sign in at the test provider");
  const submitted = await b.go(`${page.url}/login`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ login: username, password }) });
  if (submitted.status !== 303 && submitted.status !== 302) throw new Error(`the provider refused ${username}: ${submitted.status} ${await submitted.text()}`);
  const back = await follow(b, new URL(submitted.headers.get("location")!, page.url).href);
  expect(back.url).toBe(`${rp.url}/#/agent`);
  const session = (await (await b.go(`${rp.url}/api/session`)).json()) as { signedIn: boolean; csrfToken: string; user: { name: string; roles: string[]; agentId?: string } };
  expect(session.signedIn).toBe(true);
  return { b, csrf: session.csrfToken, user: session.user };
}

async function startProvider(port: number, rpOrigin: string): Promise<void> {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(privateKey)), kid: "test-provider-key", use: "sig", alg: "RS256" };
  const configuration: Configuration = {
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        redirect_uris: [`${rpOrigin}/auth/callback`],
        post_logout_redirect_uris: [`${rpOrigin}/`],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: ["provider-cookie-key-for-tests-only"] },
    // Roles nested as Keycloak sends them; claims in the id token itself (as Keycloak and Entra ID do).
    claims: { openid: ["sub", "realm_access"], profile: ["name", "preferred_username"], email: ["email"] },
    conformIdTokenClaims: false,
    // A first-party client: no consent page; and a refresh token at each sign-in (the provider's
    // policy, as Keycloak's is), rotated at each use: ccflow must keep the newest.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope("openid profile email offline_access");
      grant.addOIDCClaims(["realm_access"]);
      await grant.save();
      return grant;
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: true,
    findAccount: async (_ctx, sub) => {
      const person = people.get(sub);
      if (!person) return undefined;
      return {
        accountId: sub,
        claims: async () => ({ sub, name: person.name, preferred_username: sub, email: person.email, realm_access: { roles: [...person.roles] } }),
      };
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  };
  provider = new Provider(issuer, configuration);
  provider.on("grant.success", (ctx: KoaContextWithOIDC) => {
    if (ctx.oidc.params?.grant_type === "refresh_token") refreshGrants.push(String(ctx.oidc.entities.Account?.accountId));
  });
  const oidc = provider.callback();
  // The provider's own login page: checks the password against its directory.
  providerServer = http.createServer((req, res) => {
    const m = /^\/interaction\/([\w-]+)(\/login)?$/.exec((req.url ?? "").split("?")[0]!);
    if (!m) return void oidc(req, res);
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res);
        if (!m[2]) {
          res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(`<h1>Sign in at the test provider</h1><form method="post" action="/interaction/${details.uid}/login"><input name="login"><input name="password" type="password"><button>Sign in</button></form>`);
          return;
        }
        let body = "";
        for await (const chunk of req) body += String(chunk);
        const form = new URLSearchParams(body);
        const person = people.get(form.get("login") ?? "");
        if (!person || person.password !== form.get("password")) {
          res.writeHead(401, { "content-type": "text/plain" }).end("wrong user name or password");
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: form.get("login")! } }, { mergeWithLastSubmission: false });
      } catch (err) {
        res.writeHead(400, { "content-type": "text/plain" }).end(String(err));
      }
    })();
  });
  await new Promise<void>((r) => providerServer.listen(port, "127.0.0.1", r));
}

beforeAll(async () => {
  // ccflow is configured (and started) first, knowing only the provider's address; it discovers
  // the provider at the first sign-in.
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  rp = await startSecurityServer({
    extra: {
      processEnv: { CCFLOW_OIDC_ISSUER: issuer, CCFLOW_OIDC_CLIENT_ID: CLIENT.id, CCFLOW_OIDC_CLIENT_SECRET: CLIENT.secret, CCFLOW_OIDC_ROLES_CLAIM: "realm_access.roles", CCFLOW_OIDC_SCOPES: "openid profile email offline_access" },
      auth: { sessions: { now: () => now } },
    },
  });
  await startProvider(port, new URL(rp.url).origin);
  expect((providerServer.address() as AddressInfo).port).toBe(port);
}, 60_000);

afterAll(async () => {
  await rp?.close();
  await new Promise<void>((r) => (providerServer ? providerServer.close(() => r()) : r()));
});

describe("a third-party OpenID Connect provider (oidc-provider) configured with CCFLOW_OIDC_*", () => {
  it("signs people in on its own page, and maps the nested roles claim to ccflow's roles", async () => {
    const ana = await signIn("ana", "ana-at-the-provider");
    expect(ana.user).toMatchObject({ name: "Ana Lima", roles: ["agent", "caller"], agentId: "ana" });
    // Her own desk, not another agent's, and not the supervisor's routes.
    expect((await ana.b.go(`${rp.url}/api/agents/ana`)).status).toBe(200);
    expect((await ana.b.go(`${rp.url}/api/agents/ben`)).status).toBe(403);
    expect((await ana.b.go(`${rp.url}/api/queues`)).status).toBe(403);
    const sam = await signIn("sam", "sam-at-the-provider");
    expect(sam.user).toMatchObject({ name: "Sam Rivera", roles: ["supervisor"] });
    expect((await sam.b.go(`${rp.url}/api/queues`)).status).toBe(200);
    // A wrong password at the provider gets nobody into ccflow.
    const b = browser();
    const page = await follow(b, `${rp.url}/auth/login`);
    const refused = await b.go(`${page.url}/login`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ login: "ana", password: "guess" }) });
    expect(refused.status).toBe(401);
    expect(((await (await b.go(`${rp.url}/api/session`)).json()) as { signedIn: boolean }).signedIn).toBe(false);
  });

  it("renews with the provider's rotating refresh tokens, and ends the session once the provider no longer knows the person", async () => {
    const kim = await signIn("kim", "kim-at-the-provider");
    const before = refreshGrants.length;
    // Three renewals: each asks the provider with the newest refresh token (a rotated one used again would be refused).
    for (let i = 0; i < 3; i++) {
      now += 2 * MINUTES;
      expect((await kim.b.go(`${rp.url}/api/agents`)).status).toBe(200);
    }
    expect(refreshGrants.slice(before)).toEqual(["kim", "kim", "kim"]);
    people.delete("kim");
    now += 2 * MINUTES;
    expect((await kim.b.go(`${rp.url}/api/agents`)).status).toBe(401);
    expect(((await (await kim.b.go(`${rp.url}/api/session`)).json()) as { signedIn: boolean }).signedIn).toBe(false);
  });

  it("ends a session at renewal when the provider reports other roles; the person signs in again with the new ones", async () => {
    const sam = await signIn("sam", "sam-at-the-provider");
    people.get("sam")!.roles = ["agent"];
    now += 2 * MINUTES;
    expect((await sam.b.go(`${rp.url}/api/queues`)).status).toBe(401);
    const again = await signIn("sam", "sam-at-the-provider");
    expect(again.user.roles).toEqual(["agent"]);
    expect((await again.b.go(`${rp.url}/api/queues`)).status).toBe(403);
    people.get("sam")!.roles = ["supervisor"];
  });

  it("signs out of ccflow and hands the browser the provider's end-session address, which ends the provider's session too", async () => {
    const ana = await signIn("ana", "ana-at-the-provider");
    const out = await ana.b.go(`${rp.url}/auth/logout`, { method: "POST", headers: { "x-csrf-token": ana.csrf, origin: rp.url } });
    expect(out.status).toBe(200);
    const body = (await out.json()) as { signedOut: boolean; endSessionUrl?: string };
    expect(body.signedOut).toBe(true);
    const end = new URL(body.endSessionUrl!);
    expect(`${end.origin}${end.pathname}`).toBe(`${issuer}/session/end`);
    expect(end.searchParams.get("client_id")).toBe(CLIENT.id);
    expect(end.searchParams.get("post_logout_redirect_uri")).toBe(`${new URL(rp.url).origin}/`);
    expect(end.searchParams.get("id_token_hint")).toBeTruthy();
    expect(((await (await ana.b.go(`${rp.url}/api/session`)).json()) as { signedIn: boolean }).signedIn).toBe(false);
    // At the provider: its confirmation form, posted, ends its session and comes back to ccflow.
    const confirm = await ana.b.go(end.href);
    expect(confirm.status).toBe(200);
    const html = await confirm.text();
    const action = /action="([^"]+)"/.exec(html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    expect(action && xsrf, html).toBeTruthy();
    const done = await ana.b.go(new URL(action!.replace(/&amp;/g, "&"), issuer).href, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ xsrf: xsrf!, logout: "yes" }) });
    expect([302, 303]).toContain(done.status);
    const landed = await follow(ana.b, new URL(done.headers.get("location")!, issuer).href);
    expect(landed.url.startsWith(`${new URL(rp.url).origin}/`)).toBe(true);
    // Signing in again asks for the password: the provider's session is gone as well.
    const page = await follow(ana.b, `${rp.url}/auth/login`);
    expect(page.url.startsWith(`${issuer}/interaction/`)).toBe(true);
  });
});
