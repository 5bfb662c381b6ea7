/**
 * How tests speak to a running ccflow server as someone: the development app's bearer token
 * (client credentials, every role), a person signed in through the real sign-in (authorization
 * code + PKCE, cookies and CSRF token), and a browser context signed in on the real page.
 *
 *   const token = await devToken(url);
 *   await apiFetch(url, "/api/agents", { token });
 *   const ws = new WebSocket(`${wsUrl}/api/supervisor/ws`, { headers: bearer(token) });
 *   const ana = await signIn(url, "ana");              // a person: session cookie + CSRF token
 *   await ana.fetch("/api/agents/ana/login", { method: "POST", body: "{}" });
 */
import { WebSocket } from "undici";
import type { Page } from "playwright-core";
import { DEV_CREDENTIALS } from "../../src/crm/config.js";

export const DEV_APP = { clientId: DEV_CREDENTIALS.clientId, clientSecret: DEV_CREDENTIALS.clientSecret } as const;
export const API_SCOPE = "api://ccflow/.default";

const tokens = new Map<string, Promise<string>>();

/** An access token for the API from the server's own token service (client credentials). */
export async function clientToken(baseUrl: string, clientId: string = DEV_APP.clientId, clientSecret: string = DEV_APP.clientSecret): Promise<string> {
  const res = await fetch(`${baseUrl}/identity/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret, scope: API_SCOPE }),
  });
  const body = (await res.json()) as { access_token?: string; error_description?: string };
  if (!res.ok || !body.access_token) throw new Error(`no token from ${baseUrl}/identity/token: ${res.status} ${body.error_description ?? ""}`);
  return body.access_token;
}

/** The development app's token (every role), fetched once per server. */
export function devToken(baseUrl: string): Promise<string> {
  let t = tokens.get(baseUrl);
  if (!t) {
    t = clientToken(baseUrl).catch((err: unknown) => {
      tokens.delete(baseUrl);
      throw err;
    });
    tokens.set(baseUrl, t);
  }
  return t;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** fetch against the server with a bearer token (the dev app's unless given; `null` for none). */
export async function apiFetch(baseUrl: string, path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const { token, ...rest } = init;
  const t = token === undefined ? await devToken(baseUrl) : token;
  const headers = new Headers(rest.headers);
  if (t) headers.set("authorization", `Bearer ${t}`);
  if (rest.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  return fetch(`${baseUrl}${path}`, { ...rest, headers });
}

/** Opens a WebSocket with the dev app's token (or the given headers); resolves once open. */
export async function openSocket(baseUrl: string, path: string, headers?: Record<string, string>): Promise<WebSocket> {
  const h = headers ?? bearer(await devToken(baseUrl));
  const ws = new WebSocket(`${baseUrl.replace(/^http/, "ws")}${path}`, { headers: h });
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error(`cannot open ${path}`)), { once: true });
  });
  return ws;
}

export interface SignedIn {
  /** The session cookie header (`ccflow_session=...; ccflow_csrf=...`). */
  cookie: string;
  csrfToken: string;
  user: { name: string; roles: string[]; agentId?: string };
  /** fetch as this person: cookies, the CSRF token on changes, and the server's own Origin. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Development password of a demo user (public on purpose; the serve banner prints them). */
export function devPassword(username: string): string {
  return `${username}-dev-password`;
}

function cookiesOf(res: Response, jar: Map<string, string>): void {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const eq = pair!.indexOf("=");
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === "") jar.delete(name);
    else jar.set(name, value);
  }
}

/**
 * Signs a person in as a browser would, through the real redirects: /auth/login, the identity
 * service's sign-in form, /auth/callback. Returns their cookies and CSRF token.
 */
export async function signIn(baseUrl: string, username: string, password = devPassword(username)): Promise<SignedIn> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const origin = new URL(baseUrl).origin;
  let res = await fetch(`${baseUrl}/auth/login`, { redirect: "manual" });
  cookiesOf(res, jar);
  const authorize = new URL(res.headers.get("location")!, baseUrl);
  const form = new URLSearchParams(authorize.searchParams);
  form.set("username", username);
  form.set("password", password);
  res = await fetch(new URL("/identity/authorize", authorize), { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", origin: authorize.origin }, body: form });
  if (res.status !== 303) throw new Error(`sign-in as ${username} refused: ${res.status}`);
  const callback = res.headers.get("location")!;
  res = await fetch(callback, { redirect: "manual", headers: { cookie: cookieHeader() } });
  if (res.status !== 303) throw new Error(`sign-in callback failed: ${res.status} ${await res.text()}`);
  cookiesOf(res, jar);
  res = await fetch(`${baseUrl}/api/session`, { headers: { cookie: cookieHeader() } });
  cookiesOf(res, jar);
  const session = (await res.json()) as { csrfToken: string; user: SignedIn["user"] };
  const me: SignedIn = {
    cookie: cookieHeader(),
    csrfToken: session.csrfToken,
    user: session.user,
    async fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set("cookie", cookieHeader());
      const method = (init.method ?? "GET").toUpperCase();
      if (method !== "GET" && method !== "HEAD") {
        if (!headers.has("x-csrf-token")) headers.set("x-csrf-token", me.csrfToken);
        if (!headers.has("origin")) headers.set("origin", origin);
        if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
      }
      const r = await fetch(`${baseUrl}${path}`, { ...init, headers, redirect: "manual" });
      cookiesOf(r, jar);
      me.cookie = cookieHeader();
      return r;
    },
  };
  return me;
}

/** Signs the page's browser context in through the real sign-in page; ends back on `returnTo`. */
export async function signInPage(page: Page, baseUrl: string, username: string, returnTo = "/", password = devPassword(username)): Promise<void> {
  await page.goto(`${baseUrl}/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL((u) => u.pathname === returnTo.split(/[?#]/)[0]), page.click("button[type=submit]")]);
}
