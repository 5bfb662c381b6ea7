/**
 * The identity service's HTTP face, under /identity: discovery, JWKS, the authorize endpoint and
 * its sign-in page, the token endpoint (client_credentials, authorization_code with PKCE), and
 * end-session. Errors follow RFC 6749: `{error, error_description}`, or a redirect carrying them
 * once the redirect_uri is known to be the client's.
 */
import fastifyFormbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { API_SCOPE } from "./roles.js";
import { IdentityError, ACCESS_TOKEN_SECONDS, type IdentityService } from "./service.js";
import { errorPage, signInPage } from "./sign-in-page.js";
import type { DevelopmentUser } from "./users.js";

export const IDENTITY_PREFIX = "/identity";

const AUTHORIZE_PARAMS = ["client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method"] as const;

export function discoveryDocument(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    end_session_endpoint: `${issuer}/logout`,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "client_credentials", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    scopes_supported: ["openid", "profile", "email", API_SCOPE],
    authorization_response_iss_parameter_supported: true,
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "nonce", "name", "preferred_username", "email", "roles", "agent_id"],
  };
}

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };
const PAGE_HEADERS = { ...NO_STORE, "content-type": "text/html; charset=utf-8", "x-frame-options": "DENY", "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'" };

function oauthError(reply: FastifyReply, err: IdentityError): FastifyReply {
  return reply
    .code(err.status)
    .headers({ ...NO_STORE, ...(err.status === 401 ? { "www-authenticate": 'Basic realm="ccflow identity"' } : {}) })
    .send({ error: err.error, error_description: err.message });
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(\S+)\s*$/i.exec(header ?? "");
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const part = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, " "));
    } catch {
      return s;
    }
  };
  return { id: part(decoded.slice(0, colon)), secret: part(decoded.slice(colon + 1)) };
}

function field(body: unknown, name: string): string {
  const v = body && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === "string" ? v : "";
}

export function registerIdentityRoutes(app: FastifyInstance, identity: IdentityService): void {
  const hints = (): Promise<DevelopmentUser[]> => identity.developmentUsers();
  void app.register(async (scope) => {
    await scope.register(fastifyFormbody, { bodyLimit: 16 * 1024 });
    scope.setErrorHandler((err, _req, reply) => {
      if (err instanceof IdentityError) return oauthError(reply, err);
      const status = typeof (err as { statusCode?: number }).statusCode === "number" ? (err as { statusCode: number }).statusCode : 500;
      return reply.code(status >= 400 && status < 500 ? status : 500).send({ error: status < 500 ? "invalid_request" : "server_error", error_description: status < 500 ? (err as Error).message : "the identity service failed" });
    });

    scope.get(`${IDENTITY_PREFIX}/.well-known/openid-configuration`, async (_req, reply) => reply.header("cache-control", "max-age=300").send(discoveryDocument(identity.issuer)));
    scope.get(`${IDENTITY_PREFIX}/jwks`, async (_req, reply) => reply.header("cache-control", "max-age=300").send({ keys: identity.keys.publicJwks() }));

    /** Checks the client and redirect_uri (shown as a page when wrong: never redirect to an unknown place). */
    const authorizeRequest = (source: unknown) => {
      const params = Object.fromEntries(AUTHORIZE_PARAMS.map((k) => [k, field(source, k)])) as Record<(typeof AUTHORIZE_PARAMS)[number], string>;
      const client = identity.client(params.client_id);
      if (!client) return { page: errorPage("Unknown application", `No application with client id "${params.client_id}" is registered here.`) };
      if (!identity.redirectAllowed(client, params.redirect_uri)) return { page: errorPage("Unknown redirect address", `The address "${params.redirect_uri}" is not registered for ${client.displayName}.`) };
      const fail = (error: string, description: string) => {
        const to = new URL(params.redirect_uri);
        to.searchParams.set("error", error);
        to.searchParams.set("error_description", description);
        if (params.state) to.searchParams.set("state", params.state);
        return { redirect: to.href };
      };
      if (params.response_type !== "code") return fail("unsupported_response_type", "response_type must be code");
      if (!params.scope.split(/\s+/).includes("openid")) return fail("invalid_scope", "scope must include openid");
      if (!params.code_challenge || params.code_challenge_method !== "S256") return fail("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256");
      return { client, params };
    };

    const page = (reply: FastifyReply, status: number, html: string) => reply.code(status).headers(PAGE_HEADERS).send(html);

    scope.get(`${IDENTITY_PREFIX}/authorize`, async (req, reply) => {
      const r = authorizeRequest(req.query);
      if ("page" in r) return page(reply, 400, r.page!);
      if ("redirect" in r) return reply.redirect(r.redirect!, 303);
      return page(reply, 200, signInPage({ action: `${IDENTITY_PREFIX}/authorize`, params: r.params, clientName: r.client.displayName, hints: await hints() }));
    });

    scope.post(`${IDENTITY_PREFIX}/authorize`, async (req: FastifyRequest, reply) => {
      // A sign-in form posted from another site would sign the victim in as the attacker.
      const origin = req.headers.origin;
      if (origin && origin !== "null" && origin !== new URL(identity.issuer).origin && origin !== `${req.protocol}://${req.host}`) {
        return page(reply, 403, errorPage("Refused", "The sign-in form was posted from another site."));
      }
      const r = authorizeRequest(req.body);
      if ("page" in r) return page(reply, 400, r.page!);
      if ("redirect" in r) return reply.redirect(r.redirect!, 303);
      const username = field(req.body, "username");
      const guardKeys = [`user:${username.trim().toLowerCase()}|ip:${req.ip}`];
      const attempt = await identity.signInFailures.attempt(guardKeys);
      if (attempt.wait > 0) {
        return page(reply.header("retry-after", String(attempt.wait)), 429, signInPage({ action: `${IDENTITY_PREFIX}/authorize`, params: r.params, clientName: r.client.displayName, hints: await hints(), username, error: `Too many failed sign-ins for this user from here; try again in ${attempt.wait} s.` }));
      }
      const user = await identity.checkPassword(username, field(req.body, "password"));
      if (user) await attempt.succeeded(true);
      if (!user) {
        return page(reply, 401, signInPage({ action: `${IDENTITY_PREFIX}/authorize`, params: r.params, clientName: r.client.displayName, hints: await hints(), username, error: "Wrong user name or password." }));
      }
      const code = await identity.issueCode({ clientId: r.client.clientId, redirectUri: r.params.redirect_uri, codeChallenge: r.params.code_challenge, ...(r.params.nonce ? { nonce: r.params.nonce } : {}), user });
      const to = new URL(r.params.redirect_uri);
      to.searchParams.set("code", code);
      if (r.params.state) to.searchParams.set("state", r.params.state);
      to.searchParams.set("iss", identity.issuer);
      return reply.redirect(to.href, 303);
    });

    scope.post(`${IDENTITY_PREFIX}/token`, async (req, reply) => {
      const basic = basicCredentials(req.headers.authorization);
      const clientId = basic?.id ?? field(req.body, "client_id");
      const secret = basic?.secret ?? field(req.body, "client_secret");
      if (!clientId || !secret) throw new IdentityError(401, "invalid_client", "client_id and client_secret are required (form body or HTTP Basic)");
      // The server's own clients have random 256-bit secrets: never counted, so guesses cannot lock them out.
      const guardKeys = identity.isInternal(clientId) ? [] : [`client:${clientId.trim().toLowerCase()}|ip:${req.ip}`];
      const attempt = await identity.secretFailures.attempt(guardKeys);
      if (attempt.wait > 0) {
        return reply
          .code(429)
          .headers({ ...NO_STORE, "retry-after": String(attempt.wait) })
          .send({ error: "temporarily_unavailable", error_description: `too many failed client authentications for ${clientId} from this address; try again in ${attempt.wait} s` });
      }
      const client = await identity.authenticateClient(clientId, secret);
      await attempt.succeeded();
      const grant = field(req.body, "grant_type");
      if (grant === "client_credentials") {
        if (!client.clientCredentials) throw new IdentityError(400, "unauthorized_client", `${client.displayName} may not use client credentials`);
        const scopeText = field(req.body, "scope").trim();
        if (scopeText !== API_SCOPE) throw new IdentityError(400, "invalid_scope", `scope must be ${API_SCOPE} (got "${scopeText}")`);
        return reply.headers(NO_STORE).send({ token_type: "Bearer", expires_in: ACCESS_TOKEN_SECONDS, access_token: await identity.appToken(client), scope: API_SCOPE });
      }
      if (grant === "authorization_code") {
        const pending = await identity.redeemCode(field(req.body, "code"), client, field(req.body, "redirect_uri"), field(req.body, "code_verifier"));
        const tokens = await identity.userTokens(pending.user, client, pending.nonce);
        return reply.headers(NO_STORE).send({ token_type: "Bearer", expires_in: ACCESS_TOKEN_SECONDS, access_token: tokens.accessToken, id_token: tokens.idToken, refresh_token: tokens.refreshToken, scope: "openid profile email" });
      }
      if (grant === "refresh_token") {
        const user = await identity.refreshUser(field(req.body, "refresh_token"), client);
        const tokens = await identity.userTokens(user, client);
        return reply.headers(NO_STORE).send({ token_type: "Bearer", expires_in: ACCESS_TOKEN_SECONDS, access_token: tokens.accessToken, id_token: tokens.idToken, refresh_token: tokens.refreshToken, scope: "openid profile email" });
      }
      throw new IdentityError(400, grant ? "unsupported_grant_type" : "invalid_request", grant ? `grant_type ${grant} is not supported (client_credentials, authorization_code, refresh_token)` : "grant_type is required");
    });

    // The service keeps no session of its own (every sign-in asks for the password): ending one is a redirect back.
    scope.get(`${IDENTITY_PREFIX}/logout`, async (req, reply) => {
      const back = field(req.query, "post_logout_redirect_uri");
      const client = identity.client(field(req.query, "client_id"));
      if (back && client && identity.redirectAllowed(client, back)) return reply.redirect(back, 303);
      return page(reply, 200, errorPage("Signed out", "You are signed out of ccflow."));
    });
  });
}
