/**
 * A loopback HTTP fixture for connector tests: an Entra-style token endpoint issuing real RS256
 * JWTs (jose) and an API that checks Bearer tokens (signature, audience, expiry on the test's
 * Clock, revocation) or Basic credentials. It counts token requests, records what the API
 * received, and plays scripted misbehaviour (status codes, delays, reset connections).
 */
import { randomUUID } from "node:crypto";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { type CryptoKey, SignJWT, generateKeyPair, jwtVerify } from "jose";
import type { Clock } from "../../../src/time/clock.js";

export const TENANT = "7e4c1f2a-0d3b-4a7e-9f51-2c6b8d9e0a13";

export type Behaviour =
  | { status: number; headers?: Record<string, string>; body?: unknown; delayMs?: number }
  | { reset: true }
  /** Holds the response for `delayMs` real milliseconds, then answers 200. */
  | { hangMs: number };

export interface ReceivedRequest {
  method: string;
  /** Path and query exactly as sent on the wire. */
  rawUrl: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface FixtureOptions {
  clock: Clock;
  /** Accepted OAuth clients. */
  clientId?: string;
  clientSecret?: string;
  /** `expires_in` of issued tokens, in seconds. */
  expiresInS?: number;
  /** API authentication: `bearer` (default), `basic` or `none`. */
  apiAuth?: "bearer" | "basic" | "none";
  basicUser?: string;
  basicPassword?: string;
  /** Real delay before the token endpoint answers. */
  tokenDelayMs?: number;
}

export interface Fixture {
  origin: string;
  tokenUrl: string;
  /** `<origin>/api/data/v9.2/` */
  apiBase: string;
  /** The resource the tokens are for (scope minus `/.default`). */
  audience: string;
  tokenRequests: number;
  /** Every access token issued. */
  issued: string[];
  /** Every request the API received (token endpoint excluded). */
  received: ReceivedRequest[];
  /** Behaviours for the next API requests, in order; afterwards the API answers normally. */
  script(...behaviours: Behaviour[]): void;
  /** Makes every token issued so far invalid at the API (as if revoked). */
  revokeAll(): void;
  /** Makes the token endpoint answer with an Entra error until cleared. */
  tokenFailure(f: { status: number; body: unknown } | undefined): void;
  close(): Promise<void>;
}

export async function startFixture(options: FixtureOptions): Promise<Fixture> {
  const clientId = options.clientId ?? "3f2b1c0d-aaaa-4bbb-8ccc-123456789abc";
  const clientSecret = options.clientSecret ?? "fixture-client-secret-Zq8~";
  const { privateKey, publicKey } = (await generateKeyPair("RS256")) as { privateKey: CryptoKey; publicKey: CryptoKey };
  const kid = randomUUID();
  const app = Fastify({ logger: false, keepAliveTimeout: 60_000, forceCloseConnections: true });
  // Bodies stay text: tests check exactly what was sent.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, body));

  const revoked = new Set<string>();
  const queue: Behaviour[] = [];
  let tokenFailure: { status: number; body: unknown } | undefined;

  const state = {
    origin: "",
    tokenUrl: "",
    apiBase: "",
    audience: "",
    tokenRequests: 0,
    issued: [] as string[],
    received: [] as ReceivedRequest[],
  };

  app.post("/:tenant/oauth2/v2.0/token", async (req, reply) => {
    state.tokenRequests++;
    if (options.tokenDelayMs) await new Promise((r) => setTimeout(r, options.tokenDelayMs));
    if (tokenFailure) return reply.code(tokenFailure.status).send(tokenFailure.body);
    const form = new URLSearchParams(typeof req.body === "string" ? req.body : "");
    let id = form.get("client_id");
    let secret = form.get("client_secret");
    const auth = req.headers.authorization;
    if (auth?.startsWith("Basic ")) {
      const [u, p] = Buffer.from(auth.slice(6), "base64").toString().split(":");
      id = decodeURIComponent(u ?? "");
      secret = decodeURIComponent(p ?? "");
    }
    const ts = new Date(options.clock.now()).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
    if (form.get("grant_type") !== "client_credentials") {
      return reply.code(400).send({ error: "unsupported_grant_type", error_description: `AADSTS70003: The app requested an unsupported grant type.\r\nTimestamp: ${ts}` });
    }
    if (id !== clientId) {
      return reply.code(400).send({ error: "unauthorized_client", error_description: `AADSTS700016: Application with identifier '${id}' was not found in the directory '${TENANT}'.\r\nTimestamp: ${ts}`, error_codes: [700016] });
    }
    if (secret !== clientSecret) {
      return reply.code(401).send({
        error: "invalid_client",
        error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${ts}`,
        error_codes: [7000215],
        timestamp: ts,
      });
    }
    const scope = form.get("scope") ?? "";
    if (!scope.endsWith("/.default") || scope.slice(0, -"/.default".length) !== state.audience) {
      return reply.code(400).send({ error: "invalid_scope", error_description: `AADSTS70011: The provided value for the input parameter 'scope' is not valid.\r\nTimestamp: ${ts}`, error_codes: [70011] });
    }
    const now = Math.floor(options.clock.now() / 1000);
    const expiresIn = options.expiresInS ?? 3599;
    const token = await new SignJWT({ appid: clientId, appidacr: "1", tid: TENANT, roles: ["user_impersonation"], ver: "1.0", uti: randomUUID() })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid })
      .setIssuer(`https://sts.windows.net/${TENANT}/`)
      .setAudience(state.audience)
      .setSubject(clientId)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + expiresIn)
      .sign(privateKey);
    state.issued.push(token);
    reply.header("cache-control", "no-store, no-cache").header("pragma", "no-cache");
    return { token_type: "Bearer", expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token };
  });

  const challenge = () => `Bearer authorization_uri=${state.origin}/${TENANT}/oauth2/authorize, resource_id=${state.audience}/`;

  async function authorised(req: FastifyRequest): Promise<boolean> {
    const auth = req.headers.authorization ?? "";
    const mode = options.apiAuth ?? "bearer";
    if (mode === "none") return true;
    if (mode === "basic") {
      if (!auth.startsWith("Basic ")) return false;
      return Buffer.from(auth.slice(6), "base64").toString() === `${options.basicUser}:${options.basicPassword}`;
    }
    if (!auth.startsWith("Bearer ")) return false;
    const token = auth.slice(7);
    if (revoked.has(token)) return false;
    try {
      await jwtVerify(token, publicKey, { audience: state.audience, issuer: `https://sts.windows.net/${TENANT}/`, currentDate: new Date(options.clock.now()) });
      return true;
    } catch {
      return false;
    }
  }

  async function api(req: FastifyRequest, reply: FastifyReply) {
    const received: ReceivedRequest = {
      method: req.method,
      rawUrl: req.raw.url ?? "",
      query: Object.fromEntries(new URLSearchParams((req.raw.url ?? "").split("?")[1] ?? "")),
      headers: { ...req.headers },
      body: typeof req.body === "string" ? req.body : "",
    };
    state.received.push(received);
    if (!(await authorised(req))) {
      const mode = options.apiAuth ?? "bearer";
      reply.header("www-authenticate", mode === "basic" ? 'Basic realm="fixture"' : challenge());
      return reply.code(401).send(mode === "basic" ? { error: "Couldn't authenticate you" } : "");
    }
    const b = queue.shift();
    if (b && "reset" in b) {
      reply.hijack();
      req.raw.socket.resetAndDestroy();
      return;
    }
    if (b && "hangMs" in b) {
      await new Promise((r) => setTimeout(r, b.hangMs));
      return { late: true };
    }
    if (b) {
      if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
      for (const [k, v] of Object.entries(b.headers ?? {})) reply.header(k, v);
      return reply.code(b.status).send(b.body ?? "");
    }
    reply.header("content-type", "application/json; odata.metadata=minimal");
    return { method: req.method, path: received.rawUrl.split("?")[0], query: received.query, body: received.body };
  }

  app.all("/api/*", api);
  app.all("/zendesk/*", api);

  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  state.origin = `http://127.0.0.1:${port}`;
  state.tokenUrl = `${state.origin}/${TENANT}/oauth2/v2.0/token`;
  state.apiBase = `${state.origin}/api/data/v9.2/`;
  state.audience = state.origin;

  return Object.assign(state, {
    script: (...b: Behaviour[]) => void queue.push(...b),
    revokeAll: () => state.issued.forEach((t) => revoked.add(t)),
    tokenFailure: (f: { status: number; body: unknown } | undefined) => void (tokenFailure = f),
    close: async () => {
      await app.close();
    },
  });
}
