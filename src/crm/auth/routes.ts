/**
 * Entra-style endpoints: `POST /{tenant}/oauth2/v2.0/token` (client credentials; secret in the form
 * body or HTTP Basic), the legacy v1 `/{tenant}/oauth2/token`, OIDC discovery at both
 * `/{tenant}/v2.0/.well-known/openid-configuration` and `/{tenant}/.well-known/openid-configuration`,
 * the JWK set, and instance discovery. Unknown form fields (MSAL's telemetry) are ignored.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { normalizeResource } from "../config.js";
import type { Crm } from "../crm.js";
import { entra, type EntraError } from "./entra-errors.js";

const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);

export function requestOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

function sendEntraError(reply: FastifyReply, error: EntraError): FastifyReply {
  return reply
    .code(error.status)
    .headers({ "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store, no-cache", Pragma: "no-cache", ...error.headers })
    .send(JSON.stringify(error.body));
}

function decodeBasicPart(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(\S+)\s*$/i.exec(header ?? "");
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { id: decodeBasicPart(decoded.slice(0, colon)), secret: decodeBasicPart(decoded.slice(colon + 1)) };
}

function discoveryDocument(origin: string, tenant: string): Record<string, unknown> {
  return {
    token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${origin}/${tenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${origin}/${tenant}/oauth2/v2.0/logout`,
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "ver", "oid", "appid", "roles"],
    tenant_region_scope: "NA",
    cloud_instance_name: "ccflow.local",
  };
}

export function registerAuthRoutes(app: FastifyInstance, crm: Crm): void {
  app.register(async (scope) => {
    // Token requests are form-encoded; parse them here only, leaving other routes' parsers alone.
    scope.addContentTypeParser("*", { parseAs: "string", bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));

    const tenantMatches = (tenant: string) => tenant.toLowerCase() === crm.config.tenantId;

    const discovery = async (request: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) => {
      const { tenant } = request.params;
      if (!tenantMatches(tenant)) {
        const error = entra.unknownTenant(tenant);
        error.body.error = "invalid_tenant";
        return sendEntraError(reply, error);
      }
      return reply
        .headers({ "Content-Type": "application/json; charset=utf-8", "Cache-Control": "max-age=86400, private" })
        .send(JSON.stringify(discoveryDocument(requestOrigin(request), crm.config.tenantId)));
    };
    scope.get("/:tenant/v2.0/.well-known/openid-configuration", discovery);
    scope.get("/:tenant/.well-known/openid-configuration", discovery);

    const keys = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply.headers({ "Content-Type": "application/json; charset=utf-8", "Cache-Control": "max-age=86400, private" }).send(JSON.stringify({ keys: [crm.keys.publicJwk] }));
    scope.get("/:tenant/discovery/v2.0/keys", keys);
    scope.get("/:tenant/discovery/keys", keys);
    scope.get("/common/discovery/keys", keys);

    scope.get("/common/discovery/instance", async (request, reply) => {
      const origin = requestOrigin(request);
      const host = request.host;
      return reply.header("Content-Type", "application/json; charset=utf-8").send(
        JSON.stringify({
          tenant_discovery_endpoint: `${origin}/${crm.config.tenantId}/v2.0/.well-known/openid-configuration`,
          "api-version": "1.1",
          metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
        }),
      );
    });

    const token = (version: 1 | 2) => async (request: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) => {
      const { tenant } = request.params;
      if (!tenantMatches(tenant)) return sendEntraError(reply, entra.unknownTenant(tenant));
      const form = new URLSearchParams(typeof request.body === "string" ? request.body : "");
      const grant = form.get("grant_type");
      if (!grant) return sendEntraError(reply, entra.missingParameter("grant_type"));
      if (grant !== "client_credentials") return sendEntraError(reply, entra.unsupportedGrant(grant));
      const basic = basicCredentials(request.headers.authorization);
      const clientId = (basic?.id ?? form.get("client_id") ?? "").trim();
      if (!clientId) return sendEntraError(reply, entra.missingParameter("client_id"));
      const secret = basic?.secret ?? form.get("client_secret");
      if (!secret) {
        if (form.get("client_assertion")) {
          const error = entra.missingSecret();
          error.body.error_description = String(error.body.error_description).replace(
            /^AADSTS7000218: [^\r]*/,
            "AADSTS7000218: This service accepts client secrets only; certificate credentials (client_assertion) are not supported.",
          );
          return sendEntraError(reply, error);
        }
        return sendEntraError(reply, entra.missingSecret());
      }
      // Counted per (client, address): guesses from one place cannot lock the client out elsewhere,
      // and the host's own connectors (an in-memory client with a random secret) are never counted.
      const guarded = !crm.apps.isInternal(clientId);
      const guardKeys = guarded ? [`client:${clientId.toLowerCase()}|ip:${request.ip}`] : [];
      const attempt = await crm.secretGuard.attempt(guardKeys);
      if (attempt.wait > 0) {
        crm.logger.warn({ clientId, ip: request.ip }, "token endpoint: too many failed client authentications");
        return sendEntraError(reply, entra.throttled(attempt.wait));
      }
      const check = await crm.apps.check(clientId, secret);
      if (check !== "ok") {
        crm.logger.info({ clientId, result: check }, "token endpoint: client authentication failed");
        return sendEntraError(reply, check === "unknown_client" ? entra.unknownClient(clientId, tenant) : entra.invalidSecret(clientId));
      }
      await attempt.succeeded();
      const accepted = crm.acceptedResources(requestOrigin(request));
      let resource: string;
      if (version === 2) {
        const scopeText = (form.get("scope") ?? "").trim();
        const scopes = scopeText.split(/\s+/).filter((s) => s && !OIDC_SCOPES.has(s));
        if (scopes.length !== 1 || !scopes[0]!.endsWith("/.default")) return sendEntraError(reply, entra.badScope(scopeText));
        resource = scopes[0]!.slice(0, -"/.default".length);
      } else {
        resource = (form.get("resource") ?? "").trim();
        if (!resource) return sendEntraError(reply, entra.missingParameter("resource"));
      }
      if (!accepted.has(normalizeResource(resource))) return sendEntraError(reply, entra.unknownResource(resource, tenant));
      const app = crm.apps.get(clientId)!;
      const issued = await crm.tokens.issue(app, resource.replace(/\/+$/, ""));
      crm.logger.debug({ clientId, resource }, "token issued");
      const headers = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store, no-cache", Pragma: "no-cache" };
      if (version === 2) {
        return reply
          .headers(headers)
          .send(JSON.stringify({ token_type: "Bearer", expires_in: issued.expiresIn, ext_expires_in: issued.expiresIn, access_token: issued.token }));
      }
      const nowSeconds = Math.floor(crm.now() / 1000);
      return reply.headers(headers).send(
        JSON.stringify({
          token_type: "Bearer",
          expires_in: String(issued.expiresIn),
          ext_expires_in: String(issued.expiresIn),
          expires_on: String(nowSeconds + issued.expiresIn),
          not_before: String(nowSeconds - 300),
          resource,
          access_token: issued.token,
        }),
      );
    };
    scope.post("/:tenant/oauth2/v2.0/token", token(2));
    scope.post("/:tenant/oauth2/token", token(1));
  });
}
