/**
 * Sign-in sessions of the web UI: a random id in an HttpOnly cookie; the person's principal in a
 * table — SQLite (`<data>/sessions.sqlite`, mode 0600; in memory when no file is given) or, for
 * servers sharing sessions, PostgreSQL (session-postgres.ts) — so a restart does not sign anyone
 * out. The table holds a SHA-256 of each id, never the id itself:
 * a copy of the file opens no session. A session expires after a spell of idleness and, whatever
 * happens, after a maximum age; the server enforces both (a cookie's own lifetime is only a hint
 * to the browser). Each request moves the idle deadline on; it is written down with the cookie's
 * renewal, at most once a minute.
 */
import { createHash, randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import type { FastifyReply, FastifyRequest } from "fastify";
import { isRole } from "../../identity/roles.js";
import { openPrivateSqlite } from "../../util/private-sqlite.js";
import type { Principal } from "./access.js";

export const SESSION_COOKIE = "ccflow_session";

export interface SessionOptions {
  /** Signed out after this long without a request. Default 8 h (a shift). */
  idleSeconds?: number;
  /** Signed out this long after signing in, however active. Default 12 h. */
  maxSeconds?: number;
  now?: () => number;
  /** How often ended sessions are looked for, so their sockets close without waiting for a request. Default 30 s. */
  sweepSeconds?: number;
  /** The SQLite file that keeps sessions across restarts; in memory when absent. */
  file?: string;
  /** How often sessions holding sockets are checked for a removed user or a changed password. Default 2 s. */
  credentialTickMs?: number;
  /** `postgresql://…`: keep the sessions in this database (shared by every server using it) instead of `file`. */
  postgresUrl?: string;
}

export type SessionEnd = "signed out" | "session expired" | "user removed" | "password changed" | "access revoked" | "roles changed";

/**
 * Tells whether a session's person may still sign in as they did: undefined when the credential
 * the session was made with still holds, else why the session must end. Sessions made without a
 * credential stamp (an external provider's) are never asked.
 */
export type CredentialCheck = (subject: string, stamp: string) => Promise<Extract<SessionEnd, "user removed" | "password changed"> | undefined>;

export interface Session {
  /** The id in the cookie (known from the cookie it was read by, or from its creation). */
  id: string;
  /** SHA-256 of the id: what the table and the socket registry know the session by. */
  key: string;
  principal: Principal;
  createdAt: number;
  /** The idle deadline; moves on with each request. */
  expiresAt: number;
  renewedAt: number;
  /** The id token, for the provider's sign-out (end session) request. */
  idToken?: string;
  /**
   * The credential stamp the person signed in with: the embedded identity service's (`s:…`,
   * `d`), or for an external provider a fingerprint of who they were and their roles (`x:…`).
   */
  credential?: string;
  /** An external provider's refresh token, used at renewal to ask it again who the person is. */
  refreshToken?: string;
}

/**
 * Asked at a session's renewal (at most once a minute) when it has a refresh token: undefined to
 * keep it as it is, a SessionEnd to end it, or the provider's next refresh token to keep.
 */
export type RenewalCheck = (session: Session) => Promise<SessionEnd | { refreshToken: string } | undefined>;

/** One session as its table keeps it. */
export interface SessionRow {
  key: string;
  principal: string;
  created_at: number;
  renewed_at: number;
  id_token: string | null;
  credential: string | null;
  refresh_token?: string | null;
}

/**
 * Where sessions are kept: a SQLite file of the data directory (one server), or PostgreSQL
 * (session-postgres.ts: several servers behind one address accept each other's sessions).
 */
export interface SessionBackend {
  readonly location: string;
  insert(row: SessionRow): Promise<void>;
  find(key: string): Promise<SessionRow | undefined>;
  /** True when the session was there (and is gone now). */
  remove(key: string): Promise<boolean>;
  /** Records a renewal (and the provider's next refresh token, when there is one). */
  touch(key: string, renewedAt: number, refreshToken?: string): Promise<void>;
  /** Keeps the provider's next refresh token without renewing (a check made by the timer, not by a request). */
  keepRefreshToken(key: string, refreshToken: string): Promise<void>;
  /** Keys of sessions idle since `idleBefore` or made before `createdBefore`. */
  expired(idleBefore: number, createdBefore: number): Promise<string[]>;
  count(): Promise<number>;
  oldest(n: number): Promise<string[]>;
  /** The named secret, made from `make()` by whoever asks first. */
  secret(name: string, make: () => string): Promise<string>;
  close(): Promise<void>;
}

/** Sessions in a SQLite file (or in memory), for one server. */
export class SqliteSessionBackend implements SessionBackend {
  private readonly db: Database.Database;
  readonly location: string;

  constructor(file?: string) {
    this.location = file ?? ":memory:";
    this.db = openPrivateSqlite(this.location);
    this.db.exec(`CREATE TABLE IF NOT EXISTS sessions (
      key TEXT PRIMARY KEY,
      principal TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      renewed_at INTEGER NOT NULL,
      id_token TEXT
    );
    CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    // Files made before sessions kept the credential stamp get the column (their sessions have none).
    const columns = this.db.prepare("PRAGMA table_info(sessions)").all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === "credential")) this.db.exec("ALTER TABLE sessions ADD COLUMN credential TEXT");
    if (!columns.some((c) => c.name === "refresh_token")) this.db.exec("ALTER TABLE sessions ADD COLUMN refresh_token TEXT");
  }

  async insert(r: SessionRow): Promise<void> {
    this.db.prepare("INSERT INTO sessions (key, principal, created_at, renewed_at, id_token, credential, refresh_token) VALUES (?, ?, ?, ?, ?, ?, ?)").run(r.key, r.principal, r.created_at, r.renewed_at, r.id_token, r.credential, r.refresh_token ?? null);
  }

  async find(key: string): Promise<SessionRow | undefined> {
    if (!this.db.open) return undefined;
    return this.db.prepare("SELECT * FROM sessions WHERE key = ?").get(key) as SessionRow | undefined;
  }

  async remove(key: string): Promise<boolean> {
    return this.db.open && this.db.prepare("DELETE FROM sessions WHERE key = ?").run(key).changes > 0;
  }

  async touch(key: string, renewedAt: number, refreshToken?: string): Promise<void> {
    if (!this.db.open) return;
    if (refreshToken) this.db.prepare("UPDATE sessions SET renewed_at = ?, refresh_token = ? WHERE key = ?").run(renewedAt, refreshToken, key);
    else this.db.prepare("UPDATE sessions SET renewed_at = ? WHERE key = ?").run(renewedAt, key);
  }

  async keepRefreshToken(key: string, refreshToken: string): Promise<void> {
    this.db.prepare("UPDATE sessions SET refresh_token = ? WHERE key = ?").run(refreshToken, key);
  }

  async expired(idleBefore: number, createdBefore: number): Promise<string[]> {
    if (!this.db.open) return [];
    return (this.db.prepare("SELECT key FROM sessions WHERE renewed_at <= ? OR created_at <= ?").all(idleBefore, createdBefore) as Array<{ key: string }>).map((r) => r.key);
  }

  async count(): Promise<number> {
    return this.db.open ? (this.db.prepare("SELECT COUNT(*) AS n FROM sessions").get() as { n: number }).n : 0;
  }

  async oldest(n: number): Promise<string[]> {
    return (this.db.prepare("SELECT key FROM sessions ORDER BY created_at LIMIT ?").all(n) as Array<{ key: string }>).map((r) => r.key);
  }

  async secret(name: string, make: () => string): Promise<string> {
    this.db.prepare("INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)").run(name, make());
    return (this.db.prepare("SELECT value FROM secrets WHERE name = ?").get(name) as { value: string }).value;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

const MAX_SESSIONS = 10_000;
const RENEW_EVERY_MS = 60_000;

function keyOf(id: string): string {
  return createHash("sha256").update(id, "utf8").digest("base64url");
}

function principalFrom(text: string): Principal {
  const p = JSON.parse(text) as Omit<Principal, "roles"> & { roles: string[] };
  return { ...p, roles: new Set(p.roles.filter(isRole)), via: "session" };
}

export class SessionStore {
  readonly idleMs: number;
  readonly maxMs: number;
  private readonly now: () => number;
  private readonly endListeners: Array<(key: string, why: SessionEnd) => void> = [];
  private readonly sweeper: NodeJS.Timeout;
  private credentialCheck: CredentialCheck | undefined;
  private renewalCheck: RenewalCheck | undefined;
  /** When this server last asked the provider about a session (by key), and the question in flight. */
  private readonly providerAsked = new Map<string, number>();
  private readonly providerAsking = new Map<string, Promise<SessionEnd | { refreshToken: string } | undefined>>();
  private closed = false;

  constructor(
    options: SessionOptions = {},
    readonly backend: SessionBackend = new SqliteSessionBackend(options.file),
  ) {
    this.idleMs = (options.idleSeconds ?? 8 * 3600) * 1000;
    this.maxMs = (options.maxSeconds ?? 12 * 3600) * 1000;
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), (options.sweepSeconds ?? 30) * 1000);
    this.sweeper.unref();
  }

  /**
   * A random secret kept with the sessions (made at first use): what must outlive a restart
   * along with them, and be the same on every server sharing them, such as the key CSRF tokens
   * are bound with.
   */
  secret(name: string): Promise<string> {
    return this.backend.secret(name, () => randomBytes(32).toString("base64url"));
  }

  /** Told of every session that ends (by its key): signed out, expired, or pushed out by the session limit. */
  onEnd(listener: (key: string, why: SessionEnd) => void): void {
    this.endListeners.push(listener);
  }

  /** Stops the sweeping timer and closes the table (the server is closing). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    await this.backend.close();
  }

  async create(principal: Principal, idToken?: string, credential?: string, refreshToken?: string): Promise<Session> {
    await this.sweep();
    const now = this.now();
    const id = randomBytes(32).toString("base64url");
    const s: Session = { id, key: keyOf(id), principal, createdAt: now, expiresAt: now + this.idleMs, renewedAt: now, ...(idToken ? { idToken } : {}), ...(credential ? { credential } : {}), ...(refreshToken ? { refreshToken } : {}) };
    const stored = { ...principal, roles: [...principal.roles] };
    await this.backend.insert({ key: s.key, principal: JSON.stringify(stored), created_at: now, renewed_at: now, id_token: idToken ?? null, credential: credential ?? null, refresh_token: refreshToken ?? null });
    return s;
  }

  /** Asks the provider again at each renewal of a session that has a refresh token (RenewalCheck); set by the server. */
  checkAtRenewal(check: RenewalCheck): void {
    this.renewalCheck = check;
  }

  /** Checks sessions' credentials against the person's current ones (CredentialCheck); set by the server. */
  checkCredentials(check: CredentialCheck): void {
    this.credentialCheck = check;
  }

  /**
   * For the sessions holding sockets on this server (by key), every few seconds: ends each whose
   * person was removed or changed their password since signing in, and tells the listeners of
   * each that is gone from the table — signed out on another server sharing it.
   */
  async recheck(keys: Iterable<string>): Promise<void> {
    const live = new Set<string>();
    for (const key of keys) {
      live.add(key);
      if (this.closed) return;
      const row = await this.backend.find(key);
      if (!row) {
        for (const listener of this.endListeners) listener(key, "signed out");
        continue;
      }
      if (row.credential && this.credentialCheck) {
        const why = await this.credentialCheck((JSON.parse(row.principal) as { subject: string }).subject, row.credential);
        if (why) {
          await this.end(key, why);
          continue;
        }
      }
      // An external provider's person with sockets open and no request coming: asked again as
      // often as a request would ask (once a minute), so the sockets close when it stops vouching.
      if (row.refresh_token && this.renewalCheck && this.now() - Math.max(row.renewed_at, this.providerAsked.get(key) ?? 0) > RENEW_EVERY_MS) {
        const checked = await this.askProvider(key, row.refresh_token, row.credential ?? undefined, principalFrom(row.principal));
        if (typeof checked === "string") await this.end(key, checked);
        else if (checked) await this.backend.keepRefreshToken(key, checked.refreshToken);
      }
    }
    for (const key of this.providerAsked.keys()) if (!live.has(key)) this.providerAsked.delete(key);
  }

  /**
   * One question to the provider per session at a time: a request's renewal and the timer's check
   * share it (a refresh token used twice at once may be taken for a stolen one by a provider that
   * rotates them).
   */
  private askProvider(key: string, refreshToken: string, credential: string | undefined, principal: Principal): Promise<SessionEnd | { refreshToken: string } | undefined> {
    const asking = this.providerAsking.get(key);
    if (asking) return asking.then((r) => (typeof r === "string" ? r : undefined));
    const session: Session = { id: "", key, principal, createdAt: 0, expiresAt: 0, renewedAt: 0, refreshToken, ...(credential ? { credential } : {}) };
    const question = this.renewalCheck!(session).finally(() => {
      this.providerAsking.delete(key);
      this.providerAsked.set(key, this.now());
    });
    this.providerAsking.set(key, question);
    return question;
  }

  /** The live session with this id, its idle deadline moved on; undefined when unknown or ended. */
  async get(id: string | undefined): Promise<Session | undefined> {
    if (!id || this.closed) return undefined;
    const key = keyOf(id);
    const row = await this.backend.find(key);
    if (!row) return undefined;
    const now = this.now();
    if (this.expired(row, now)) {
      await this.end(key, "session expired");
      return undefined;
    }
    const principal = principalFrom(row.principal);
    const revoked = row.credential && this.credentialCheck ? await this.credentialCheck(principal.subject, row.credential) : undefined;
    if (revoked) {
      await this.end(key, revoked);
      return undefined;
    }
    return {
      id,
      key,
      principal,
      createdAt: row.created_at,
      expiresAt: Math.min(now + this.idleMs, row.created_at + this.maxMs),
      renewedAt: row.renewed_at,
      ...(row.id_token ? { idToken: row.id_token } : {}),
      ...(row.credential ? { credential: row.credential } : {}),
      ...(row.refresh_token ? { refreshToken: row.refresh_token } : {}),
    };
  }

  async destroy(id: string | undefined): Promise<void> {
    if (id) await this.end(keyOf(id), "signed out");
  }

  size(): Promise<number> {
    return this.backend.count();
  }

  /** Sets (or renews) the cookie: HttpOnly, SameSite=Lax, Secure under HTTPS, as long as the session; records the renewal. */
  async writeCookie(req: FastifyRequest, reply: FastifyReply, s: Session, refreshToken?: string): Promise<void> {
    s.renewedAt = this.now();
    await this.backend.touch(s.key, s.renewedAt, refreshToken);
    void reply.setCookie(SESSION_COOKIE, s.id, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: req.protocol === "https",
      maxAge: Math.max(1, Math.floor((s.expiresAt - this.now()) / 1000)),
    });
  }

  /**
   * Renews the cookie (and the recorded idle deadline) when the last renewal was more than a
   * minute ago; a session with a refresh token is first checked with its provider (RenewalCheck).
   * False when that ended the session.
   */
  async renewCookie(req: FastifyRequest, reply: FastifyReply, s: Session): Promise<boolean> {
    if (this.now() - s.renewedAt <= RENEW_EVERY_MS) return true;
    // The timer asked the provider within the minute (recheck): its answer stands.
    const askedLately = this.now() - (this.providerAsked.get(s.key) ?? 0) <= RENEW_EVERY_MS;
    const checked = s.refreshToken && this.renewalCheck && !askedLately ? await this.askProvider(s.key, s.refreshToken, s.credential, s.principal) : undefined;
    if (typeof checked === "string") {
      await this.end(s.key, checked);
      this.clearCookie(req, reply);
      return false;
    }
    await this.writeCookie(req, reply, s, checked?.refreshToken);
    return true;
  }

  clearCookie(req: FastifyRequest, reply: FastifyReply): void {
    void reply.clearCookie(SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "lax", secure: req.protocol === "https" });
  }

  /** Ends the sessions past their deadlines (and, at the limit, the oldest). */
  async sweep(): Promise<void> {
    if (this.closed) return;
    const now = this.now();
    for (const key of await this.backend.expired(now - this.idleMs, now - this.maxMs)) await this.end(key, "session expired");
    const over = (await this.backend.count()) - MAX_SESSIONS + 1;
    if (over > 0) for (const key of await this.backend.oldest(over)) await this.end(key, "session expired");
  }

  private expired(row: SessionRow, now: number): boolean {
    return now >= row.renewed_at + this.idleMs || now >= row.created_at + this.maxMs;
  }

  private async end(key: string, why: SessionEnd): Promise<void> {
    if (this.closed || !(await this.backend.remove(key))) return;
    for (const listener of this.endListeners) listener(key, why);
  }
}
