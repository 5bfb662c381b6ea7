/**
 * Everything the server needs to know who is asking, shared by its HTTP and HTTPS listeners:
 * the sign-in sessions, the bearer-token verifier and the sign-in relying party (embedded or
 * external provider), the CSRF key, the origins allowed to change state, and who placed a call.
 */
import { createHash } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { discoveryDocument, IDENTITY_PREFIX } from "../../identity/routes.js";
import type { IdentityService } from "../../identity/service.js";
import type { Principal } from "./access.js";
import { embeddedVerifier, externalVerifier, principalFromClaims, type AgentLookup, type BearerVerifier, type ExternalProviderConfig } from "./provider.js";
import { RelyingParty } from "../../util/oidc-relying-party.js";
import { SessionSockets } from "./session-sockets.js";
import { PostgresSessionBackend } from "./session-postgres.js";
import { SESSION_COOKIE, SessionStore, type Session, type SessionOptions } from "./sessions.js";

export interface AuthOptions {
  /** The embedded identity service (when no external provider is configured). */
  identity?: IdentityService;
  external?: ExternalProviderConfig;
  /** The web UI's client at the embedded provider (registered there by the server). */
  webClient?: { clientId: string; clientSecret: string };
  /** This server's own address, where its relying party reaches the embedded token endpoint (the issuer may be a balancer's). */
  ownUrl?: string;
  sessions?: SessionOptions;
  /** Extra origins allowed to change state (a UI served elsewhere). */
  allowedOrigins?: string[];
  findAgent: AgentLookup;
}

/**
 * The credential fingerprint of a session made through an external provider: who the person is
 * and what roles and agent they have. Compared at each renewal with what the provider says then.
 */
export function externalFingerprint(p: Principal): string {
  const what = JSON.stringify([p.kind, p.subject, [...p.roles].sort(), p.agentId ?? null]);
  return `x:${createHash("sha256").update(what).digest("base64url").slice(0, 22)}`;
}

/** How often the sessions holding sockets are checked for a removed user or a changed password. */
const CREDENTIAL_TICK_MS = 2_000;

export class AuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class AuthService {
  readonly sessions: SessionStore;
  /** The WebSockets each session opened: closed when it ends. */
  readonly sockets = new SessionSockets();
  readonly rp: RelyingParty;
  readonly verifier: BearerVerifier;
  /** Binds CSRF tokens to the session (@fastify/csrf-protection's userInfo); kept with the sessions, so a page's token outlives a restart too. */
  readonly csrfKey: string;
  private readonly origins = new Set<string>();
  readonly external: boolean;
  private credentialTick: NodeJS.Timeout | undefined;

  /** Opens the session table (SQLite, or PostgreSQL with `sessions.postgresUrl`) and reads the CSRF key kept there. */
  static async create(options: AuthOptions): Promise<AuthService> {
    const pgUrl = options.sessions?.postgresUrl;
    const sessions = new SessionStore(options.sessions, pgUrl ? await PostgresSessionBackend.open(pgUrl) : undefined);
    try {
      return new AuthService(options, sessions, await sessions.secret("csrf"), Buffer.from(await sessions.secret("sign-in"), "base64url"));
    } catch (err) {
      await sessions.close();
      throw err;
    }
  }

  private constructor(
    readonly options: AuthOptions,
    sessions: SessionStore,
    csrfKey: string,
    sealKey: Uint8Array,
  ) {
    this.sessions = sessions;
    this.sessions.onEnd((key, why) => this.sockets.closeSession(key, why));
    this.csrfKey = csrfKey;
    for (const o of options.allowedOrigins ?? []) this.addOrigin(o);
    if (options.external) {
      const ext = options.external;
      this.external = true;
      this.rp = new RelyingParty({ issuer: () => ext.issuer, clientId: ext.clientId, clientSecret: ext.clientSecret, sealKey, scopes: ext.scopes });
      this.verifier = externalVerifier(ext, () => this.rp.jwksUri());
      // At each renewal (at most once a minute per session) the provider is asked again, with the
      // session's refresh token, who the person is: refused (removed, disabled, new password
      // there) or other roles end the session. An unreachable provider keeps it for now.
      this.sessions.checkAtRenewal(async (session) => {
        let answer: Awaited<ReturnType<RelyingParty["refresh"]>>;
        try {
          answer = await this.rp.refresh(session.refreshToken!);
        } catch {
          return undefined;
        }
        if (answer === "revoked") return "access revoked";
        const now = principalFromClaims(answer.claims, ext.rolesClaim, "session", options.findAgent);
        if (session.credential && externalFingerprint(now) !== session.credential) return "roles changed";
        return { refreshToken: answer.refreshToken };
      });
    } else {
      const identity = options.identity;
      const web = options.webClient;
      if (!identity || !web) throw new Error("auth: the embedded identity service and its web client are needed when no external provider is configured");
      this.external = false;
      const own = options.ownUrl?.replace(/\/+$/, "");
      const metadata = () => ({
        ...(discoveryDocument(identity.issuer) as { issuer: string }),
        ...(own ? { token_endpoint: `${own}${IDENTITY_PREFIX}/token`, jwks_uri: `${own}${IDENTITY_PREFIX}/jwks` } : {}),
      });
      this.rp = new RelyingParty({ issuer: () => identity.issuer, clientId: web.clientId, clientSecret: web.clientSecret, metadata, sealKey });
      this.verifier = embeddedVerifier(identity);
      // A person removed, or given a new password, by `ccflow users` (this process or another
      // one, on the same users.sqlite) loses their sessions: at their next request, and their
      // sockets within CREDENTIAL_TICK_MS (below).
      this.sessions.checkCredentials(async (subject, stamp) => {
        const now = await identity.credentialStamp(subject);
        return now === stamp ? undefined : now === undefined ? "user removed" : "password changed";
      });
    }
    // Every few seconds, the sessions holding sockets here are looked up again: a person removed
    // or given a new password, or signed out on another server sharing the sessions, loses them.
    this.credentialTick = setInterval(() => void this.sessions.recheck(this.sockets.sessionKeys()).catch(() => undefined), options.sessions?.credentialTickMs ?? CREDENTIAL_TICK_MS);
    this.credentialTick.unref();
  }

  addOrigin(url: string): void {
    this.origins.add(new URL(url).origin);
  }

  /** The server's own and configured origins (the embedded provider's allowed redirect origins). */
  ownOrigins(): string[] {
    return [...this.origins];
  }

  /** Same origin as the request, or one of the server's own and configured origins. */
  originAllowed(req: FastifyRequest, origin: string): boolean {
    return origin === `${req.protocol}://${req.host}` || this.origins.has(origin);
  }

  get rolesClaim(): string {
    return this.options.external?.rolesClaim ?? "roles";
  }

  /** The principal of a bearer token (401 when it is not valid here). */
  async bearer(token: string): Promise<Principal> {
    try {
      return principalFromClaims(await this.verifier.verify(token), this.verifier.rolesClaim, "bearer", this.options.findAgent);
    } catch (err) {
      const why = err instanceof Error && /expired/i.test(err.message) ? "the access token has expired" : "the access token is not valid here";
      throw new AuthError(401, "INVALID_TOKEN", `${why}; get one from the token endpoint (see docs/api.md)`);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.credentialTick);
    await this.sessions.close();
  }

  session(req: FastifyRequest): Promise<Session | undefined> {
    return this.sessions.get(req.cookies?.[SESSION_COOKIE]);
  }
}
