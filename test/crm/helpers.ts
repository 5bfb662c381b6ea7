/** A real CRM service on loopback ports for integration tests, with a token for the development app. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEV_CREDENTIALS } from "../../src/crm/config.js";
import { startCrmServer, type CrmServer, type CrmServerOptions } from "../../src/crm/server.js";
import { storeOptions } from "./stores.js";

export interface TestCrm extends CrmServer {
  dataDir: string;
  token: string;
  /** `fetch` against `<httpUrl>/api/data/v9.2/<path>` with the bearer token unless headers say otherwise. */
  api(pathAndQuery: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  stop(): Promise<void>;
}

export async function getToken(baseUrl: string, resource = baseUrl, secret: string = DEV_CREDENTIALS.clientSecret): Promise<Response> {
  return fetch(`${baseUrl}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: DEV_CREDENTIALS.clientId,
      client_secret: secret,
      scope: `${resource}/.default`,
    }).toString(),
  });
}

/** A CRM on the store under test (stores.ts): SQLite in the data directory, or a fresh PostgreSQL database. */
export async function startTestCrm(options: Partial<CrmServerOptions> = {}): Promise<TestCrm> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "ccflow-crm-test-"));
  const store = options.postgresUrl ? { options: {}, drop: async () => undefined } : await storeOptions();
  const server = await startCrmServer({ port: 0, httpsPort: 0, env: {}, ...store.options, ...options, dataDir });
  const response = await getToken(server.httpUrl);
  if (!response.ok) throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  const token = ((await response.json()) as { access_token: string }).access_token;
  return {
    ...server,
    dataDir,
    token,
    api(pathAndQuery, init = {}) {
      const headers = new Headers(init.headers);
      const bearer = init.token === undefined ? token : init.token;
      if (bearer !== null && !headers.has("authorization")) headers.set("authorization", `Bearer ${bearer}`);
      return fetch(`${server.httpUrl}/api/data/v9.2/${pathAndQuery}`, { ...init, headers });
    },
    async stop() {
      await server.close();
      await store.drop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Signs in to the record pages of a CRM run on its own (its sign-in form takes an app's client id
 * and secret; the development app's by default) and returns the Cookie header to send.
 */
/** The CSRF token the record pages put into their forms for this session (the new-contact form's). */
export async function pagesCsrfToken(baseUrl: string, cookie: string): Promise<string> {
  const html = await (await fetch(`${baseUrl}/main.aspx?pagetype=entityrecord&etn=contact`, { headers: { cookie } })).text();
  const token = /name="_csrf" value="([\w-]+)"/.exec(html)?.[1];
  if (!token) throw new Error("the record page's form carries no CSRF token");
  return token;
}

export async function signInToPages(baseUrl: string, clientId: string = DEV_CREDENTIALS.clientId, clientSecret: string = DEV_CREDENTIALS.clientSecret): Promise<string> {
  const res = await fetch(`${baseUrl}/crm/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: baseUrl },
    body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, returnTo: "/main.aspx" }),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("ccflow_crm_pages="));
  if (res.status !== 303 || !cookie) throw new Error(`record-page sign-in refused: ${res.status}`);
  return cookie.split(";")[0]!;
}
