/**
 * The embedded OpenID Connect provider and OAuth 2.0 token service of ccflow's API:
 * - client credentials for machines (scope `api://ccflow/.default`), the app's roles in the token;
 * - authorization code with PKCE (S256 only) for people, who sign in on its page; id tokens;
 * - discovery and JWKS, so a relying party (openid-client) treats it like any provider.
 *
 * Hand-written on jose because the maintained provider library (oidc-provider) brings its own
 * Koa server, stores and UI; this service is a development stand-in with a few fixed users and
 * clients, and everything it signs is checked by standard clients (openid-client, jose).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { SignJWT, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { MemoryCodeStore, type CodeStore, type PendingCode } from "./codes.js";
import { FileKeyRing, type KeyRing } from "./key-ring.js";
import { keyEncryptionKey } from "./key-encryption.js";
import { IdentityPostgres, PostgresCodeStore } from "./postgres-store.js";
import { SharedKeyRing } from "./shared-keys.js";
import { API_AUDIENCE, isRole, type Role } from "./roles.js";
import { PostgresUsers } from "./postgres-users.js";
import { SqliteUsers, type UserBackend } from "./user-backend.js";
import { UserDirectory, type DevelopmentUser, type IdentityUser } from "./users.js";
import { FailureGuard, type FailureCounter } from "../util/failure-guard.js";
import { RedisFailureGuard } from "../util/redis-failure-guard.js";

export const ACCESS_TOKEN_SECONDS = 3600;
/** A refresh token lives as long as the longest sign-in session (12 h). */
const REFRESH_TOKEN_SECONDS = 12 * 3600;
const CODE_SECONDS = 60;
const VERIFIED_CACHE_LIMIT = 4096;

export interface IdentityClient {
  clientId: string;
  displayName: string;
  /** App roles carried by its client-credentials tokens. */
  roles: Role[];
  /** May ask for client-credentials tokens. */
  clientCredentials: boolean;
  /** Origins its redirect_uri may have (authorization code). Empty: no sign-in with this client. */
  redirectOrigins: () => Iterable<string>;
  /** The server's own client with a random 256-bit secret: failed secrets for it are not throttled. */
  internal?: boolean;
}

interface StoredClient extends IdentityClient {
  secretDigest: Buffer;
}

export interface ApiTokenClaims extends JWTPayload {
  sub: string;
  roles: string[];
  /** `app` for client credentials, `user` for a person. */
  idtyp: "app" | "user";
  client_id: string;
  name?: string;
  preferred_username?: string;
  agent_id?: string;
}

export class IdentityError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

export interface IdentityOptions {
  dataDir: string;
  users?: DevelopmentUser[];
  now?: () => number;
  /**
   * `postgresql://…`: share the signing keys and the authorization codes with every server on
   * this database (postgres-store.ts), so a sign-in may finish on another node than it started.
   */
  postgresUrl?: string;
  /** A new shared signing key when the newest is this old (default 30 days; PostgreSQL only). */
  keyRotationMs?: number;
  /**
   * `redis://…` (a cluster node's `--redis`): count failed passwords and client secrets there, so
   * that guesses spread over the nodes add up; in memory, per node, without it.
   */
  redisUrl?: string;
  /** Where `CCFLOW_KEY_ENCRYPTION_KEY` is read (PostgreSQL only: the key the stored signing keys are encrypted with); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Told when Redis cannot be reached and a node counts failures by itself for a while. */
  warn?: (message: string) => void;
}

/** Failed sign-ins (or client secrets) a minute per (user name or client, source address). */
const FAILURES_PER_MINUTE = 10;

/** The id-token claim carrying the credential stamp the user signed in with. */
export const CREDENTIAL_CLAIM = "ccflow_credential";

export class IdentityService {
  private issuerUrl?: string;
  private readonly clients = new Map<string, StoredClient>();
  private readonly verified = new Map<string, ApiTokenClaims>();
  private directory: UserDirectory;
  private development: DevelopmentUser[];
  /** Failed passwords on the sign-in page, per (user name, address); shared through Redis in a cluster. */
  signInFailures: FailureCounter;
  /** Failed client secrets at the token endpoint, per (client, address). */
  secretFailures: FailureCounter;

  private constructor(
    readonly keys: KeyRing,
    private readonly codes: CodeStore,
    private readonly shared: IdentityPostgres | undefined,
    users: DevelopmentUser[],
    readonly now: () => number,
    /** The users kept in the data directory or, with --postgres, the database (`ccflow users`); they take precedence over development users of the same name. */
    readonly userStore: UserBackend,
  ) {
    this.development = users;
    this.directory = new UserDirectory(users);
    this.signInFailures = new FailureGuard(() => FAILURES_PER_MINUTE, now);
    this.secretFailures = new FailureGuard(() => FAILURES_PER_MINUTE, now);
  }

  /** Counts failures in Redis instead of this process's memory (IdentityOptions.redisUrl). */
  private async countInRedis(url: string, warn: (message: string) => void): Promise<void> {
    this.signInFailures = await RedisFailureGuard.connect(url, "sign-in", () => FAILURES_PER_MINUTE, warn);
    this.secretFailures = await RedisFailureGuard.connect(url, "client-secret", () => FAILURES_PER_MINUTE, warn);
  }

  /**
   * The person if the password is theirs: a stored user (scrypt, off the event loop) or else a
   * development user; undefined otherwise, with no hint which part was wrong.
   */
  async checkPassword(username: string, password: string): Promise<IdentityUser | undefined> {
    const stored = await this.userStore.check(username, password);
    if (stored !== null) return stored;
    return this.directory.check(username, password);
  }

  /**
   * The stamp of the credential `username` signs in with now: the stored user's (see
   * UserStore.credentialStamp), `d` for a development user no stored user replaces, undefined
   * for nobody (removed). Sessions compare it with the stamp they were made with.
   */
  async credentialStamp(username: string): Promise<string | undefined> {
    return (await this.userStore.credentialStamp(username)) ?? (this.directory.get(username.trim()) ? "d" : undefined);
  }

  /** The development users with their public passwords (for the banner and the sign-in page), less those a stored user of the same name replaces. */
  async developmentUsers(): Promise<DevelopmentUser[]> {
    const replaced = new Set((await this.userStore.list()).map((u) => u.username.toLowerCase()));
    return this.development.filter((u) => !replaced.has(u.username.toLowerCase()));
  }

  /** Replaces the development users (the server knows its agents only once the center is built). */
  setUsers(users: DevelopmentUser[]): void {
    this.development = users;
    this.directory = new UserDirectory(users);
  }

  static async create(options: IdentityOptions): Promise<IdentityService> {
    const service = await IdentityService.open(options);
    if (options.redisUrl) {
      try {
        await service.countInRedis(options.redisUrl, options.warn ?? (() => undefined));
      } catch (err) {
        await service.close();
        throw new Error(`the identity service cannot reach Redis to count failed sign-ins (--redis): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
    return service;
  }

  private static async open(options: IdentityOptions): Promise<IdentityService> {
    const now = options.now ?? Date.now;
    if (!options.postgresUrl) {
      return new IdentityService(await FileKeyRing.open(options.dataDir), new MemoryCodeStore(), undefined, options.users ?? [], now, SqliteUsers.open(options.dataDir, options.now));
    }
    const db = await IdentityPostgres.open(options.postgresUrl);
    try {
      const encryption = keyEncryptionKey(options.dataDir, options.env);
      const keys = await SharedKeyRing.open(db, { now, tokenSeconds: ACCESS_TOKEN_SECONDS, encryption, ...(options.keyRotationMs ? { rotateMs: options.keyRotationMs } : {}) });
      return new IdentityService(keys, new PostgresCodeStore(db), db, options.users ?? [], now, new PostgresUsers(db, now));
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.signInFailures.close?.();
    await this.secretFailures.close?.();
    await this.userStore.close();
    await this.keys.close();
    await this.codes.close();
    await this.shared?.close();
  }

  /** The issuer is the service's own URL, known once the server has bound its port. */
  setIssuer(url: string): void {
    this.issuerUrl = url.replace(/\/+$/, "");
  }

  get issuer(): string {
    if (!this.issuerUrl) throw new IdentityError(503, "temporarily_unavailable", "the identity service is starting");
    return this.issuerUrl;
  }

  get ready(): boolean {
    return this.issuerUrl !== undefined;
  }

  registerClient(client: IdentityClient & { clientSecret: string }): void {
    const { clientSecret, ...rest } = client;
    this.clients.set(client.clientId.toLowerCase(), { ...rest, secretDigest: sha256(clientSecret) });
  }

  client(clientId: string): IdentityClient | undefined {
    return this.clients.get(clientId.toLowerCase());
  }

  isInternal(clientId: string): boolean {
    return this.clients.get(clientId.trim().toLowerCase())?.internal === true;
  }

  /** The client if the secret is its own; an OAuth error otherwise. */
  async authenticateClient(clientId: string, secret: string): Promise<IdentityClient> {
    const c = this.clients.get(clientId.trim().toLowerCase());
    const given = sha256(secret);
    if (!c || !timingSafeEqual(given, c.secretDigest)) throw new IdentityError(401, "invalid_client", "client authentication failed (unknown client id or wrong secret)");
    return c;
  }

  redirectAllowed(client: IdentityClient, redirectUri: string): boolean {
    let origin: string;
    try {
      const u = new URL(redirectUri);
      if (u.hash) return false;
      origin = u.origin;
    } catch {
      return false;
    }
    for (const allowed of client.redirectOrigins()) if (allowed === origin) return true;
    return false;
  }

  async issueCode(p: Omit<PendingCode, "expiresAt">): Promise<string> {
    const code = randomBytes(32).toString("base64url");
    await this.codes.put(code, { ...p, expiresAt: this.now() + CODE_SECONDS * 1000 }, this.now());
    return code;
  }

  /** Redeems a code once: same client, same redirect_uri, and the PKCE verifier that hashes to its challenge. */
  async redeemCode(code: string, client: IdentityClient, redirectUri: string, verifier: string): Promise<PendingCode> {
    const p = code ? await this.codes.take(code, this.now()) : undefined;
    if (!p) throw new IdentityError(400, "invalid_grant", "the authorization code is unknown, used or expired");
    if (p.clientId !== client.clientId) throw new IdentityError(400, "invalid_grant", "the authorization code was issued to another client");
    if (p.redirectUri !== redirectUri) throw new IdentityError(400, "invalid_grant", "redirect_uri differs from the one in the authorization request");
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) throw new IdentityError(400, "invalid_grant", "code_verifier must be 43-128 characters of [A-Za-z0-9._~-]");
    const challenge = createHash("sha256").update(verifier, "ascii").digest("base64url");
    if (challenge !== p.codeChallenge) throw new IdentityError(400, "invalid_grant", "code_verifier does not match the code_challenge");
    return p;
  }

  async appToken(client: IdentityClient): Promise<string> {
    return this.sign(
      { roles: client.roles, idtyp: "app", client_id: client.clientId, name: client.displayName },
      client.clientId,
      API_AUDIENCE,
      ACCESS_TOKEN_SECONDS,
    );
  }

  async userTokens(user: IdentityUser, client: IdentityClient, nonce?: string): Promise<{ accessToken: string; idToken: string; refreshToken: string }> {
    const profile = {
      name: user.name,
      preferred_username: user.username,
      ...(user.email ? { email: user.email } : {}),
      roles: user.roles,
      ...(user.agentId ? { agent_id: user.agentId } : {}),
    };
    const accessToken = await this.sign({ ...profile, idtyp: "user", client_id: client.clientId }, user.username, API_AUDIENCE, ACCESS_TOKEN_SECONDS);
    // The id token goes only to the server's own web client (code flow); its session keeps the
    // stamp and ends when the user's credential changes (sessions.ts).
    const stamp = await this.credentialStamp(user.username);
    const idToken = await this.sign({ ...profile, ...(nonce ? { nonce } : {}), ...(stamp ? { [CREDENTIAL_CLAIM]: stamp } : {}), azp: client.clientId }, user.username, client.clientId, ACCESS_TOKEN_SECONDS);
    // Self-contained (signed, like the other tokens, so every node sharing the keys accepts it):
    // what makes it stop working is the credential stamp it carries, checked at each use.
    const refreshToken = await this.sign({ token_use: "refresh", client_id: client.clientId, ...(stamp ? { [CREDENTIAL_CLAIM]: stamp } : {}) }, user.username, `${this.issuer}/token`, REFRESH_TOKEN_SECONDS);
    return { accessToken, idToken, refreshToken };
  }

  /**
   * The person a refresh token stands for, as they are now (current roles), if it is this
   * client's, not expired, and their credential is still the one it was issued with: a person
   * removed, or given a new password, gets `invalid_grant` — which is how a relying party
   * (another ccflow using this service as its provider) learns to end their session.
   */
  async refreshUser(token: string, client: IdentityClient): Promise<IdentityUser> {
    const invalid = (why: string) => new IdentityError(400, "invalid_grant", why);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, async (header) => (await this.keys.verifying(header.kid)) ?? this.noKey(), { algorithms: ["RS256"], issuer: this.issuer, audience: `${this.issuer}/token`, currentDate: new Date(this.now()) }));
    } catch {
      throw invalid("the refresh token is not valid here or has expired");
    }
    if (payload.token_use !== "refresh" || payload.client_id !== client.clientId || typeof payload.sub !== "string") throw invalid("the refresh token was not issued to this client");
    const stamp = await this.credentialStamp(payload.sub);
    if (stamp === undefined || stamp !== payload[CREDENTIAL_CLAIM]) throw invalid("the user was removed or their credential changed since signing in");
    const user = (await this.userStore.find(payload.sub)) ?? this.directory.get(payload.sub.trim());
    if (!user) throw invalid("the user was removed");
    return user;
  }

  /**
   * Verifies an access token for the API: our key, RS256, our issuer, the API audience. A verified
   * token is remembered until it expires (an RSA check costs about 1.5 ms on a busy machine, and a
   * client sends the same token for an hour of requests).
   */
  async verifyAccessToken(token: string): Promise<ApiTokenClaims> {
    const known = this.verified.get(token);
    if (known) {
      if ((known.exp ?? 0) * 1000 > this.now()) return known;
      this.verified.delete(token);
    }
    const claims = await this.checkAccessToken(token);
    if (this.verified.size >= VERIFIED_CACHE_LIMIT) this.verified.clear();
    this.verified.set(token, claims);
    return claims;
  }

  private async checkAccessToken(token: string): Promise<ApiTokenClaims> {
    try {
      const { payload } = await jwtVerify(token, async (header) => (await this.keys.verifying(header.kid)) ?? this.noKey(), {
        algorithms: ["RS256"],
        issuer: this.issuer,
        audience: API_AUDIENCE,
        currentDate: new Date(this.now()),
      });
      if (typeof payload.sub !== "string") throw new IdentityError(401, "invalid_token", "the access token has no subject");
      return { ...payload, roles: Array.isArray(payload.roles) ? payload.roles.filter(isRole) : [] } as ApiTokenClaims;
    } catch (err) {
      if (err instanceof IdentityError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new IdentityError(401, "invalid_token", "the access token has expired");
      throw new IdentityError(401, "invalid_token", "the access token is not valid here (signature, issuer or audience)");
    }
  }

  private noKey(): never {
    throw new IdentityError(401, "invalid_token", "the access token is not valid here (signature, issuer or audience)");
  }

  private async sign(claims: Record<string, unknown>, subject: string, audience: string, lifetime: number): Promise<string> {
    const now = Math.floor(this.now() / 1000);
    const key = this.keys.signing();
    return new SignJWT(claims)
      .setProtectedHeader({ typ: "JWT", alg: "RS256", kid: key.kid })
      .setIssuer(this.issuer)
      .setSubject(subject)
      .setAudience(audience)
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + lifetime)
      .setJti(randomBytes(12).toString("base64url"))
      .sign(key.privateKey);
  }
}
