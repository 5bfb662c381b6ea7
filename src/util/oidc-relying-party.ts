/**
 * Signing people in as an OpenID Connect relying party (openid-client): authorization code with
 * PKCE (S256), state and nonce, against the embedded identity service or an external provider
 * alike. The provider's configuration is discovered on first use and kept. The server's web UI
 * (server/auth) and the record pages of the CRM run on its own (crm/pages) both sign in with it.
 *
 * The pending sign-in (PKCE verifier, nonce, where to go back) travels in the browser's
 * `ccflow_signin` cookie, encrypted and authenticated (JWE, `dir` + A256GCM, jose) under a key
 * kept with the sessions, and expires in ten minutes: no server remembers it, so the callback may
 * reach another server than the one that started the sign-in (servers sharing PostgreSQL share
 * the key), and a restart in between loses nothing.
 */
import { randomBytes } from "node:crypto";
import { EncryptJWT, jwtDecrypt } from "jose";
import * as oidc from "openid-client";

export interface RelyingPartyConfig {
  /** The issuer URL; a function because the embedded one is known only once the server listens. */
  issuer: () => string;
  clientId: string;
  clientSecret: string;
  /**
   * The provider's metadata, given instead of discovered (the embedded provider: its token
   * endpoint on this server's own address, since behind a balancer the issuer's address may
   * lead to another node — which would redeem the code just as well, but need not be reachable).
   */
  metadata?: () => oidc.ServerMetadata;
  /** 32 bytes sealing the pending sign-in into its cookie (the same on every server sharing sessions). */
  sealKey: Uint8Array;
  /** The scopes asked for; default `openid profile email`. */
  scopes?: string;
}

interface PendingSignIn {
  /** state */
  s: string;
  /** PKCE verifier */
  v: string;
  /** nonce */
  n: string;
  /** return path */
  r: string;
  /** redirect_uri */
  u: string;
}

const PENDING_SECONDS = 600;

export class RelyingParty {
  private configuration?: Promise<oidc.Configuration>;

  constructor(readonly config: RelyingPartyConfig) {}

  private discover(): Promise<oidc.Configuration> {
    this.configuration ??= (async () => {
      const issuer = new URL(this.config.issuer());
      // The embedded provider and test providers are plain HTTP on loopback.
      const insecure = issuer.protocol === "http:";
      if (this.config.metadata) {
        const config = new oidc.Configuration(this.config.metadata(), this.config.clientId, this.config.clientSecret);
        if (insecure || new URL(this.config.metadata().token_endpoint ?? "https:").protocol === "http:") oidc.allowInsecureRequests(config);
        return config;
      }
      return oidc.discovery(issuer, this.config.clientId, this.config.clientSecret, undefined, insecure ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 });
    })().catch((err: unknown) => {
      this.configuration = undefined;
      throw err;
    });
    return this.configuration;
  }

  async jwksUri(): Promise<string> {
    const uri = (await this.discover()).serverMetadata().jwks_uri;
    if (!uri) throw new Error("the OpenID Connect provider publishes no jwks_uri");
    return uri;
  }

  /**
   * Where to send the browser to sign in, and the sealed pending sign-in (PKCE verifier, nonce,
   * state, return path) for its cookie.
   */
  async start(redirectUri: string, returnTo: string): Promise<{ url: string; state: string; sealed: string }> {
    const config = await this.discover();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = randomBytes(24).toString("base64url");
    const nonce = oidc.randomNonce();
    const pending: PendingSignIn = { s: state, v: verifier, n: nonce, r: returnTo, u: redirectUri };
    const sealed = await new EncryptJWT({ ...pending }).setProtectedHeader({ alg: "dir", enc: "A256GCM" }).setIssuedAt().setExpirationTime(`${PENDING_SECONDS}s`).encrypt(this.config.sealKey);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.config.scopes ?? "openid profile email",
      response_type: "code",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    return { url: url.href, state, sealed };
  }

  /** Completes a sign-in from the callback URL and the sealed pending sign-in: the id token's claims and where to go next. */
  async finish(currentUrl: URL, state: string, sealed: string | undefined): Promise<{ claims: Record<string, unknown>; idToken?: string; refreshToken?: string; returnTo: string }> {
    const p = await this.unseal(sealed);
    if (!p || p.s !== state) throw new SignInError("this sign-in was not started in this browser, took too long, or was already used; sign in again from the start page");
    if (`${currentUrl.origin}${currentUrl.pathname}` !== p.u) throw new SignInError("the sign-in came back to another address than it started from");
    const config = await this.discover();
    const tokens = await oidc.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: p.v, expectedState: state, expectedNonce: p.n, idTokenExpected: true });
    const claims = tokens.claims();
    if (!claims) throw new SignInError("the provider returned no id token");
    return { claims: claims as Record<string, unknown>, ...(tokens.id_token ? { idToken: tokens.id_token } : {}), ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}), returnTo: p.r };
  }

  /**
   * Asks the provider again who the person is, with their refresh token: the new id token's
   * claims and the next refresh token; `revoked` when the provider refuses the token
   * (`invalid_grant`: the person was removed, disabled, or changed their password there).
   * Other failures (the provider unreachable) throw.
   */
  async refresh(refreshToken: string): Promise<{ claims: Record<string, unknown>; refreshToken: string } | "revoked"> {
    const config = await this.discover();
    try {
      const tokens = await oidc.refreshTokenGrant(config, refreshToken);
      const claims = tokens.claims();
      if (!claims) throw new Error("the provider returned no id token on refresh");
      return { claims: claims as Record<string, unknown>, refreshToken: tokens.refresh_token ?? refreshToken };
    } catch (err) {
      if (err instanceof oidc.ResponseBodyError && err.error === "invalid_grant") return "revoked";
      throw err;
    }
  }

  /** The pending sign-in of a cookie, if it is ours (decrypts and authenticates under the key) and not expired. */
  private async unseal(sealed: string | undefined): Promise<PendingSignIn | undefined> {
    if (!sealed) return undefined;
    try {
      const { payload } = await jwtDecrypt(sealed, this.config.sealKey, { keyManagementAlgorithms: ["dir"], contentEncryptionAlgorithms: ["A256GCM"] });
      const p = payload as Partial<PendingSignIn>;
      return [p.s, p.v, p.n, p.r, p.u].every((v) => typeof v === "string") ? (p as PendingSignIn) : undefined;
    } catch {
      return undefined;
    }
  }

  async endSessionUrl(idToken: string | undefined, postLogout: string): Promise<string | undefined> {
    try {
      const config = await this.discover();
      if (!config.serverMetadata().end_session_endpoint) return undefined;
      return oidc.buildEndSessionUrl(config, { post_logout_redirect_uri: postLogout, client_id: this.config.clientId, ...(idToken ? { id_token_hint: idToken } : {}) }).href;
    } catch {
      return undefined;
    }
  }
}

export class SignInError extends Error {}
