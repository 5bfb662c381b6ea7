import { generateKeyPairSync } from "node:crypto";
import { SignJWT, createLocalJWKSet, importPKCS8, jwtVerify, decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS } from "../../../src/crm/config.js";
import { getToken, startTestCrm, type TestCrm } from "../helpers.js";

let crm: TestCrm;
beforeAll(async () => {
  crm = await startTestCrm({ orgUrls: ["https://org734cd33d.crm.dynamics.com"] });
});
afterAll(async () => {
  await crm?.stop();
});

const tokenUrl = () => `${crm.httpUrl}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`;

function form(fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(tokenUrl(), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

async function entraError(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
  return (await response.json()) as Record<string, unknown>;
}

async function forgedToken(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  const key = await importPKCS8(privateKey, "RS256");
  return new SignJWT(claims).setProtectedHeader({ alg: "RS256", typ: "JWT", kid: crm.crm.keys.kid, ...header }).sign(key);
}

function validClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    aud: crm.httpUrl,
    iss: `https://sts.windows.net/${DEV_CREDENTIALS.tenantId}/`,
    appid: DEV_CREDENTIALS.clientId,
    tid: DEV_CREDENTIALS.tenantId,
    iat: now,
    nbf: now - 60,
    exp: now + 600,
    ...overrides,
  };
}

describe("token endpoint", () => {
  it("issues RS256 v1 access tokens with the Entra claims, verifiable with the published JWKS", async () => {
    const response = await getToken(crm.httpUrl, "https://org734cd33d.crm.dynamics.com");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store, no-cache");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599 });
    const token = String(body.access_token);
    expect(decodeProtectedHeader(token)).toMatchObject({ typ: "JWT", alg: "RS256", kid: crm.crm.keys.kid });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      aud: "https://org734cd33d.crm.dynamics.com",
      iss: `https://sts.windows.net/${DEV_CREDENTIALS.tenantId}/`,
      tid: DEV_CREDENTIALS.tenantId,
      appid: DEV_CREDENTIALS.clientId,
      appidacr: "1",
      ver: "1.0",
      roles: [],
    });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3599);
    const discovery = (await (await fetch(`${crm.httpUrl}/${DEV_CREDENTIALS.tenantId}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    const jwks = await (await fetch(discovery.jwks_uri!)).json();
    await expect(jwtVerify(token, createLocalJWKSet(jwks as never), { algorithms: ["RS256"] })).resolves.toBeTruthy();
  });

  it("takes the client secret from HTTP Basic, raw or form-encoded, and serves the legacy v1 endpoint", async () => {
    for (const [id, secret] of [
      [DEV_CREDENTIALS.clientId, DEV_CREDENTIALS.clientSecret],
      [encodeURIComponent(DEV_CREDENTIALS.clientId), encodeURIComponent(DEV_CREDENTIALS.clientSecret)],
    ]) {
      const basic = Buffer.from(`${id}:${secret}`).toString("base64");
      const response = await form({ grant_type: "client_credentials", scope: `${crm.httpsUrl}/.default` }, { Authorization: `Basic ${basic}` });
      expect(response.status).toBe(200);
    }
    const v1 = await fetch(`${crm.httpUrl}/${DEV_CREDENTIALS.tenantId}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: DEV_CREDENTIALS.clientSecret, resource: "https://org734cd33d.crm.dynamics.com/" }).toString(),
    });
    const body = (await v1.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: "3599", resource: "https://org734cd33d.crm.dynamics.com/" });
    expect(body.expires_on).toMatch(/^\d+$/);
  });

  it("answers a wrong secret with AADSTS7000215 in Entra's exact body shape", async () => {
    const response = await form({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: "wrong", scope: `${crm.httpUrl}/.default` });
    expect(response.status).toBe(401);
    const body = await entraError(response);
    expect(Object.keys(body)).toEqual(["error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id", "error_uri"]);
    expect(body.error).toBe("invalid_client");
    expect(body.error_codes).toEqual([7000215]);
    expect(String(body.error_description)).toMatch(
      new RegExp(
        `^AADSTS7000215: Invalid client secret provided\\. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${DEV_CREDENTIALS.clientId}'\\.\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: [0-9a-f-]{36}\\r\\nTimestamp: \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}Z$`,
      ),
    );
    expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
    expect(body.error_uri).toBe("https://login.microsoftonline.com/error?code=7000215");
  });

  it("reports unknown apps, missing secrets, bad scopes, unknown resources and tenants as Entra does", async () => {
    const unknown = await entraError(await form({ grant_type: "client_credentials", client_id: "11111111-2222-3333-4444-555555555555", client_secret: "x", scope: `${crm.httpUrl}/.default` }));
    expect(unknown).toMatchObject({ error: "unauthorized_client", error_codes: [700016] });
    expect(String(unknown.error_description)).toContain(`Application with identifier '11111111-2222-3333-4444-555555555555' was not found in the directory '${DEV_CREDENTIALS.tenantId}'`);
    expect(await entraError(await form({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, scope: `${crm.httpUrl}/.default` }))).toMatchObject({
      error: "invalid_client",
      error_codes: [7000218],
    });
    const scope = await form({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: DEV_CREDENTIALS.clientSecret, scope: "User.Read" });
    expect(scope.status).toBe(400);
    expect(await entraError(scope)).toMatchObject({ error: "invalid_scope", error_codes: [70011] });
    const resource = await entraError(await form({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: DEV_CREDENTIALS.clientSecret, scope: "https://other.crm.dynamics.com/.default" }));
    expect(resource).toMatchObject({ error: "invalid_resource", error_codes: [500011] });
    expect(await entraError(await form({ grant_type: "password", client_id: DEV_CREDENTIALS.clientId }))).toMatchObject({ error: "unsupported_grant_type", error_codes: [70003] });
    const tenant = await fetch(`${crm.httpUrl}/not-a-tenant/oauth2/v2.0/token`, { method: "POST", body: "grant_type=client_credentials", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(await entraError(tenant)).toMatchObject({ error_codes: [90002] });
  });

  it("serves OIDC discovery at both paths with an issuer on its own host", async () => {
    for (const path of ["v2.0/.well-known/openid-configuration", ".well-known/openid-configuration"]) {
      for (const base of [crm.httpUrl, crm.httpsUrl]) {
        const response = await fetch(`${base}/${DEV_CREDENTIALS.tenantId}/${path}`, base.startsWith("https") ? { dispatcher: await trustingAgent() } as RequestInit : {});
        const doc = (await response.json()) as Record<string, unknown>;
        expect(doc).toMatchObject({
          issuer: `${base}/${DEV_CREDENTIALS.tenantId}/v2.0`,
          token_endpoint: `${base}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/authorize`,
          jwks_uri: `${base}/${DEV_CREDENTIALS.tenantId}/discovery/v2.0/keys`,
        });
      }
    }
  });

});

describe("secret guessing", () => {
  it("is slowed down with 429 and Retry-After once a client id or address fails too often", async () => {
    const guarded = await startTestCrm({ limits: { secretFailuresPerMinute: 4 } });
    try {
      const attempt = (secret: string) =>
        fetch(`${guarded.httpUrl}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: secret, scope: `${guarded.httpUrl}/.default` }).toString(),
        });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await attempt(`guess-${i}`)).status);
      expect(statuses).toEqual([401, 401, 401, 401]);
      const blocked = await attempt("guess-5");
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await entraError(blocked)).toMatchObject({ error: "temporarily_unavailable" });
      // While blocked, even the right secret is refused: guessing cannot be confirmed.
      expect((await attempt(DEV_CREDENTIALS.clientSecret)).status).toBe(429);
    } finally {
      await guarded.stop();
    }
  });
});

async function trustingAgent() {
  const { Agent } = await import("undici");
  const { readFileSync } = await import("node:fs");
  return new Agent({ connect: { ca: readFileSync(crm.caPath, "utf8") } });
}

describe("bearer verification on the Web API", () => {
  async function status(token: string | null): Promise<{ status: number; challenge: string | null; body: string }> {
    const response = await crm.api("WhoAmI", { token });
    return { status: response.status, challenge: response.headers.get("www-authenticate"), body: await response.text() };
  }

  it("answers a request without a token with 401 and the Dataverse challenge (also the service root)", async () => {
    const missing = await status(null);
    expect(missing.status).toBe(401);
    expect(missing.challenge).toBe(`Bearer authorization_uri=${crm.httpsUrl}/${DEV_CREDENTIALS.tenantId}/oauth2/authorize, resource_id=${crm.httpUrl}/`);
    const discovery = await fetch(`${crm.httpUrl}/api/discovery/?SDKClientVersion=9.1`);
    expect(discovery.status).toBe(401);
    expect(discovery.headers.get("www-authenticate")).toBe(missing.challenge);
    const root = await crm.api("", { token: null });
    expect(root.status).toBe(401);
    expect(root.headers.get("www-authenticate")).toMatch(/^Bearer authorization_uri=https:\/\/[^,]+\/oauth2\/authorize, resource_id=http:\/\/[^,]+\/$/);
  });

  it("rejects expired, forged, wrong-audience, alg none and HMAC tokens; accepts org URLs with and without .api.", async () => {
    const issue = (lifetimeSeconds: number, resource = crm.httpUrl) => crm.crm.tokens.issue(crm.crm.apps.get(DEV_CREDENTIALS.clientId)!, resource, { lifetimeSeconds });
    expect((await status((await issue(-10)).token)).status).toBe(401);
    expect((await status((await issue(-10)).token)).body).toContain("The access token has expired.");
    expect((await status(await forgedToken(validClaims()))).body).toContain("The access token signature is invalid.");
    const wrongAudience = await status((await issue(600, "https://elsewhere.crm.dynamics.com")).token);
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.body).toContain("audience 'https://elsewhere.crm.dynamics.com' is not this service");
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(validClaims())).toString("base64url")}.`;
    expect((await status(none)).status).toBe(401);
    const hmac = await new SignJWT(validClaims()).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(JSON.stringify(crm.crm.keys.publicJwk)));
    expect((await status(hmac)).status).toBe(401);
    expect((await status("not.a.jwt")).status).toBe(401);
    for (const aud of ["https://org734cd33d.crm.dynamics.com", "https://org734cd33d.crm.dynamics.com/", "https://org734cd33d.api.crm.dynamics.com"]) {
      expect((await status((await issue(600, aud)).token)).status, aud).toBe(200);
    }
    expect((await status(crm.token)).status).toBe(200);
  });
});
