/**
 * Access tokens as Entra issues them for Dataverse (v1 claims, RS256, `kid` in the header) and their
 * verification on every Web API request: signature with our key only, RS256 only (so `alg: none`
 * and HMAC tricks fail), issuer, expiry, and an audience that is one of this service's URLs.
 */
import { randomBytes } from "node:crypto";
import { SignJWT, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { normalizeResource } from "../config.js";
import type { AppRegistration } from "./apps.js";
import type { SigningKeys } from "./keys.js";

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3599;

export interface AccessTokenClaims extends JWTPayload {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  appidacr: string;
  oid: string;
  roles: string[];
  ver: string;
}

export type TokenFailure = "missing" | "malformed" | "expired" | "not_yet_valid" | "bad_signature" | "bad_issuer" | "bad_audience" | "bad_algorithm" | "bad_tenant";

export class TokenError extends Error {
  constructor(readonly reason: TokenFailure, message: string) {
    super(message);
  }
}

export function issuerFor(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

/** Verified tokens are remembered until they expire: clients reuse a token for an hour of requests. */
const VERIFIED_CACHE_LIMIT = 2048;

export class TokenService {
  private readonly verified = new Map<string, AccessTokenClaims>();

  constructor(
    private readonly keys: SigningKeys,
    private readonly tenantId: string,
    private readonly now: () => number = Date.now,
    private readonly lifetimeSeconds = DEFAULT_TOKEN_LIFETIME_SECONDS,
  ) {}

  async issue(app: AppRegistration, resource: string, options: { lifetimeSeconds?: number } = {}): Promise<{ token: string; expiresIn: number }> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const lifetime = options.lifetimeSeconds ?? this.lifetimeSeconds;
    const issuer = issuerFor(this.tenantId);
    const token = await new SignJWT({
      appid: app.clientId,
      appidacr: "1",
      idp: issuer,
      oid: app.applicationUserId,
      roles: app.roles,
      tid: this.tenantId,
      uti: randomBytes(16).toString("base64url"),
      ver: "1.0",
    })
      .setProtectedHeader({ typ: "JWT", alg: "RS256", kid: this.keys.kid })
      .setIssuer(issuer)
      .setAudience(resource)
      .setSubject(app.applicationUserId)
      .setIssuedAt(nowSeconds)
      .setNotBefore(nowSeconds - 300)
      .setExpirationTime(nowSeconds + lifetime)
      .sign(this.keys.privateKey);
    return { token, expiresIn: lifetime };
  }

  /** Verifies a bearer token; `audiences` are normalised origins (see normalizeResource). */
  async verify(token: string, audiences: ReadonlySet<string>): Promise<AccessTokenClaims> {
    if (!token) throw new TokenError("missing", "The request has no bearer token.");
    let claims = this.verified.get(token);
    if (claims && Number(claims.exp) * 1000 <= this.now()) {
      this.verified.delete(token);
      claims = undefined;
    }
    claims ??= await this.verifySignatureAndClaims(token);
    const aud = claims.aud;
    const candidates = Array.isArray(aud) ? aud : typeof aud === "string" ? [aud] : [];
    if (!candidates.some((a) => audiences.has(normalizeResource(a)))) {
      throw new TokenError("bad_audience", `The access token's audience '${candidates.join(", ")}' is not this service.`);
    }
    return claims;
  }

  /** Signature, algorithm, issuer and lifetime: the expensive part, done once per token. */
  private async verifySignatureAndClaims(token: string): Promise<AccessTokenClaims> {
    const parts = token.split(".");
    if (parts.length !== 3) throw new TokenError("malformed", "The bearer token is not a JSON Web Token.");
    let header: { alg?: unknown };
    try {
      header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8")) as { alg?: unknown };
    } catch {
      throw new TokenError("malformed", "The bearer token is not a JSON Web Token.");
    }
    if (header.alg !== "RS256") throw new TokenError("bad_algorithm", `The bearer token uses the algorithm '${String(header.alg)}'; only RS256 is accepted.`);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys.publicKey, {
        algorithms: ["RS256"],
        issuer: issuerFor(this.tenantId),
        currentDate: new Date(this.now()),
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new TokenError("expired", "The access token has expired.");
      if (err instanceof joseErrors.JWTClaimValidationFailed) {
        if (err.claim === "iss") throw new TokenError("bad_issuer", "The access token was not issued by this service's token endpoint.");
        if (err.claim === "nbf") throw new TokenError("not_yet_valid", "The access token is not valid yet.");
        throw new TokenError("malformed", `The access token's '${err.claim}' claim is not valid.`);
      }
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) throw new TokenError("bad_signature", "The access token signature is invalid.");
      throw new TokenError("malformed", "The bearer token could not be verified.");
    }
    if (typeof payload.appid !== "string") throw new TokenError("malformed", "The access token has no 'appid' claim.");
    if (typeof payload.exp !== "number") throw new TokenError("malformed", "The access token has no 'exp' claim.");
    // The issuer names the tenant too, but the tenant claim is what clients and policies read.
    if (typeof payload.tid !== "string" || payload.tid.toLowerCase() !== this.tenantId.toLowerCase()) {
      throw new TokenError("bad_tenant", "The access token was issued for another tenant than this organization's.");
    }
    const claims = payload as AccessTokenClaims;
    if (this.verified.size >= VERIFIED_CACHE_LIMIT) this.verified.clear();
    this.verified.set(token, claims);
    return claims;
  }
}
