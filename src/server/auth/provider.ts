/**
 * Where people and apps prove who they are: the embedded identity service, or an external
 * OpenID Connect provider (Entra ID, Keycloak, ...) given by configuration. Both are spoken to
 * the same way: openid-client for sign-in (authorization code + PKCE), jose for bearer tokens
 * against the provider's JWKS. Claims become a Principal here, in one place.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";
import type { IdentityService } from "../../identity/service.js";
import { API_AUDIENCE, isRole, type Role } from "../../identity/roles.js";
import type { Principal } from "./access.js";

export interface ExternalProviderConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The claim holding the roles; a dotted path (`realm_access.roles`) for nested claims. Default `roles`. */
  rolesClaim: string;
  /** The audience of access tokens for the API. Default `api://ccflow`. */
  audience: string;
  /** The scopes the sign-in asks for; default `openid profile email` (Entra ID issues refresh tokens only with `offline_access`). */
  scopes: string;
}

/** The external provider from CCFLOW_OIDC_* variables, or undefined for the embedded one. */
export function externalProviderFromEnv(env: Record<string, string | undefined>): ExternalProviderConfig | undefined {
  const issuer = env.CCFLOW_OIDC_ISSUER?.trim();
  if (!issuer) return undefined;
  const clientId = env.CCFLOW_OIDC_CLIENT_ID?.trim();
  const clientSecret = env.CCFLOW_OIDC_CLIENT_SECRET;
  if (!clientId || !clientSecret) throw new Error("CCFLOW_OIDC_ISSUER is set: CCFLOW_OIDC_CLIENT_ID and CCFLOW_OIDC_CLIENT_SECRET are needed too");
  try {
    new URL(issuer);
  } catch {
    throw new Error(`CCFLOW_OIDC_ISSUER must be a URL, got "${issuer}"`);
  }
  const scopes = env.CCFLOW_OIDC_SCOPES?.trim().split(/\s+/).join(" ") || "openid profile email";
  if (!scopes.split(" ").includes("openid")) throw new Error(`CCFLOW_OIDC_SCOPES must include openid, got "${scopes}"`);
  return { issuer, clientId, clientSecret, rolesClaim: env.CCFLOW_OIDC_ROLES_CLAIM?.trim() || "roles", audience: env.CCFLOW_OIDC_AUDIENCE?.trim() || API_AUDIENCE, scopes };
}

function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path];
  let v: unknown = claims;
  for (const part of path.split(".")) v = v && typeof v === "object" ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

export type AgentLookup = (candidates: string[]) => string | undefined;

/** Claims of an id token or access token as the API's Principal. */
export function principalFromClaims(claims: JWTPayload, rolesClaim: string, via: Principal["via"], findAgent: AgentLookup): Principal {
  const raw = claimAt(claims as Record<string, unknown>, rolesClaim);
  const roles = new Set<Role>((Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(/[\s,]+/) : []).map((r) => String(r).toLowerCase()).filter(isRole));
  const str = (k: string) => (typeof claims[k] === "string" ? (claims[k] as string) : undefined);
  const isApp = str("idtyp") === "app" || (!str("preferred_username") && !str("email") && !str("scp") && !str("nonce"));
  if (isApp) {
    const clientId = str("client_id") ?? str("azp") ?? str("appid") ?? String(claims.sub);
    return { kind: "app", subject: clientId, name: str("name") ?? clientId, roles, via };
  }
  const username = str("preferred_username") ?? str("email") ?? String(claims.sub);
  const agentId = str("agent_id") ?? findAgent([username, str("email") ?? ""].filter(Boolean));
  return { kind: "user", subject: username, name: str("name") ?? username, roles, ...(agentId ? { agentId } : {}), via };
}

export interface BearerVerifier {
  verify(token: string): Promise<JWTPayload>;
  readonly rolesClaim: string;
}

export function embeddedVerifier(identity: IdentityService): BearerVerifier {
  return { verify: (token) => identity.verifyAccessToken(token), rolesClaim: "roles" };
}

export function externalVerifier(config: ExternalProviderConfig, jwksUri: () => Promise<string>): BearerVerifier {
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  return {
    rolesClaim: config.rolesClaim,
    async verify(token) {
      jwks ??= createRemoteJWKSet(new URL(await jwksUri()));
      const { payload } = await jwtVerify(token, jwks, { issuer: config.issuer, audience: config.audience });
      return payload;
    },
  };
}
