/**
 * The web UI's sign-in, as an OpenID Connect relying party (openid-client): authorization code
 * with PKCE (S256), state and nonce, against the embedded identity service or an external
 * provider alike. The provider's configuration is discovered on first use and kept.
 */
import { randomBytes } from "node:crypto";
import * as oidc from "openid-client";

export interface RelyingPartyConfig {
  /** The issuer URL; a function because the embedded one is known only once the server listens. */
  issuer: () => string;
  clientId: string;
  clientSecret: string;
}

interface PendingSignIn {
  verifier: string;
  nonce: string;
  returnTo: string;
  redirectUri: string;
  expiresAt: number;
}

const PENDING_MS = 10 * 60_000;
const MAX_PENDING = 1000;

export class RelyingParty {
  private configuration?: Promise<oidc.Configuration>;
  private readonly pending = new Map<string, PendingSignIn>();

  constructor(readonly config: RelyingPartyConfig) {}

  private discover(): Promise<oidc.Configuration> {
    this.configuration ??= (async () => {
      const issuer = new URL(this.config.issuer());
      // The embedded provider and test providers are plain HTTP on loopback.
      const insecure = issuer.protocol === "http:";
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

  /** Where to send the browser to sign in; remembers the PKCE verifier, nonce and return path under the state. */
  async start(redirectUri: string, returnTo: string): Promise<{ url: string; state: string }> {
    const config = await this.discover();
    this.sweep();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = randomBytes(24).toString("base64url");
    const nonce = oidc.randomNonce();
    this.pending.set(state, { verifier, nonce, returnTo, redirectUri, expiresAt: Date.now() + PENDING_MS });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: "openid profile email",
      response_type: "code",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    return { url: url.href, state };
  }

  /** Completes a sign-in from the callback URL: the id token's claims and where to go next. */
  async finish(currentUrl: URL, state: string): Promise<{ claims: Record<string, unknown>; idToken?: string; returnTo: string }> {
    const p = this.pending.get(state);
    this.pending.delete(state);
    if (!p || p.expiresAt < Date.now()) throw new SignInError("the sign-in took too long or was already used; sign in again");
    if (`${currentUrl.origin}${currentUrl.pathname}` !== p.redirectUri) throw new SignInError("the sign-in came back to another address than it started from");
    const config = await this.discover();
    const tokens = await oidc.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: p.verifier, expectedState: state, expectedNonce: p.nonce, idTokenExpected: true });
    const claims = tokens.claims();
    if (!claims) throw new SignInError("the provider returned no id token");
    return { claims: claims as Record<string, unknown>, ...(tokens.id_token ? { idToken: tokens.id_token } : {}), returnTo: p.returnTo };
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

  private sweep(): void {
    const now = Date.now();
    for (const [s, p] of this.pending) if (p.expiresAt < now) this.pending.delete(s);
    while (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
  }
}

export class SignInError extends Error {}
