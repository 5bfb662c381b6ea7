/**
 * Sign-in sessions of the web UI: a random id in an HttpOnly cookie; the person's principal in a
 * SQLite table (`<data>/sessions.sqlite`, mode 0600; in memory when no file is given), so a
 * restart does not sign anyone out. The table holds a SHA-256 of each id, never the id itself:
 * a copy of the file opens no session. A session expires after a spell of idleness and, whatever
 * happens, after a maximum age; the server enforces both (a cookie's own lifetime is only a hint
 * to the browser). Each request moves the idle deadline on; it is written down with the cookie's
 * renewal, at most once a minute.
 */
import { createHash, randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import type { FastifyReply, FastifyRequest } from "fastify";
import { isRole } from "../../identity/roles.js";
import { ensurePrivateFile } from "../../util/private-file.js";
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
}

export type SessionEnd = "signed out" | "session expired" | "user removed" | "password changed";

/**
 * Tells whether a session's person may still sign in as they did: undefined when the credential
 * the session was made with still holds, else why the session must end. Sessions made without a
 * credential stamp (an external provider's) are never asked.
 */
export type CredentialCheck = (subject: string, stamp: string) => Extract<SessionEnd, "user removed" | "password changed"> | undefined;

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
  /** The credential stamp the person signed in with (embedded identity service only). */
  credential?: string;
}

interface Row {
  key: string;
  principal: string;
  created_at: number;
  renewed_at: number;
  id_token: string | null;
  credential: string | null;
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
  private readonly db: Database.Database;
  private readonly endListeners: Array<(key: string, why: SessionEnd) => void> = [];
  private readonly sweeper: NodeJS.Timeout;
  private credentialCheck: CredentialCheck | undefined;

  constructor(options: SessionOptions = {}) {
    this.idleMs = (options.idleSeconds ?? 8 * 3600) * 1000;
    this.maxMs = (options.maxSeconds ?? 12 * 3600) * 1000;
    this.now = options.now ?? Date.now;
    if (options.file) ensurePrivateFile(options.file);
    this.db = new Database(options.file ?? ":memory:");
    this.db.pragma("busy_timeout = 5000");
    if (options.file) this.db.pragma("journal_mode = WAL");
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
    this.sweeper = setInterval(() => this.sweep(), (options.sweepSeconds ?? 30) * 1000);
    this.sweeper.unref();
  }

  /**
   * A random secret kept with the sessions (made at first use): what must outlive a restart
   * along with them, such as the key CSRF tokens are bound with.
   */
  secret(name: string): string {
    const row = this.db.prepare("SELECT value FROM secrets WHERE name = ?").get(name) as { value: string } | undefined;
    if (row) return row.value;
    const value = randomBytes(32).toString("base64url");
    this.db.prepare("INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)").run(name, value);
    return (this.db.prepare("SELECT value FROM secrets WHERE name = ?").get(name) as { value: string }).value;
  }

  /** Told of every session that ends (by its key): signed out, expired, or pushed out by the session limit. */
  onEnd(listener: (key: string, why: SessionEnd) => void): void {
    this.endListeners.push(listener);
  }

  /** Stops the sweeping timer and closes the table (the server is closing). */
  close(): void {
    clearInterval(this.sweeper);
    if (this.db.open) this.db.close();
  }

  create(principal: Principal, idToken?: string, credential?: string): Session {
    this.sweep();
    const now = this.now();
    const id = randomBytes(32).toString("base64url");
    const s: Session = { id, key: keyOf(id), principal, createdAt: now, expiresAt: now + this.idleMs, renewedAt: now, ...(idToken ? { idToken } : {}), ...(credential ? { credential } : {}) };
    const stored = { ...principal, roles: [...principal.roles] };
    this.db
      .prepare("INSERT INTO sessions (key, principal, created_at, renewed_at, id_token, credential) VALUES (?, ?, ?, ?, ?, ?)")
      .run(s.key, JSON.stringify(stored), now, now, idToken ?? null, credential ?? null);
    return s;
  }

  /** Checks sessions' credentials against the person's current ones (CredentialCheck); set by the server. */
  checkCredentials(check: CredentialCheck): void {
    this.credentialCheck = check;
  }

  /**
   * Ends each of these sessions (by key) whose person was removed or changed their password since
   * signing in; the server calls it for the sessions holding sockets, every few seconds.
   */
  recheck(keys: Iterable<string>): void {
    if (!this.credentialCheck || !this.db.open) return;
    const read = this.db.prepare("SELECT principal, credential FROM sessions WHERE key = ?");
    for (const key of keys) {
      const row = read.get(key) as Pick<Row, "principal" | "credential"> | undefined;
      if (!row?.credential) continue;
      const why = this.credentialCheck((JSON.parse(row.principal) as { subject: string }).subject, row.credential);
      if (why) this.end(key, why);
    }
  }

  /** The live session with this id, its idle deadline moved on; undefined when unknown or ended. */
  get(id: string | undefined): Session | undefined {
    if (!id || !this.db.open) return undefined;
    const key = keyOf(id);
    const row = this.db.prepare("SELECT * FROM sessions WHERE key = ?").get(key) as Row | undefined;
    if (!row) return undefined;
    const now = this.now();
    if (this.expired(row, now)) {
      this.end(key, "session expired");
      return undefined;
    }
    const principal = principalFrom(row.principal);
    const revoked = row.credential && this.credentialCheck ? this.credentialCheck(principal.subject, row.credential) : undefined;
    if (revoked) {
      this.end(key, revoked);
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
    };
  }

  destroy(id: string | undefined): void {
    if (id) this.end(keyOf(id), "signed out");
  }

  get size(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM sessions").get() as { n: number }).n;
  }

  /** Sets (or renews) the cookie: HttpOnly, SameSite=Lax, Secure under HTTPS, as long as the session; records the renewal. */
  writeCookie(req: FastifyRequest, reply: FastifyReply, s: Session): void {
    s.renewedAt = this.now();
    this.db.prepare("UPDATE sessions SET renewed_at = ? WHERE key = ?").run(s.renewedAt, s.key);
    void reply.setCookie(SESSION_COOKIE, s.id, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: req.protocol === "https",
      maxAge: Math.max(1, Math.floor((s.expiresAt - this.now()) / 1000)),
    });
  }

  /** Renews the cookie (and the recorded idle deadline) when the last renewal was more than a minute ago. */
  renewCookie(req: FastifyRequest, reply: FastifyReply, s: Session): void {
    if (this.now() - s.renewedAt > RENEW_EVERY_MS) this.writeCookie(req, reply, s);
  }

  clearCookie(req: FastifyRequest, reply: FastifyReply): void {
    void reply.clearCookie(SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "lax", secure: req.protocol === "https" });
  }

  /** Ends the sessions past their deadlines (and, at the limit, the oldest). */
  sweep(): void {
    if (!this.db.open) return;
    const now = this.now();
    const ended = this.db.prepare("SELECT key FROM sessions WHERE renewed_at + ? <= ? OR created_at + ? <= ?").all(this.idleMs, now, this.maxMs, now) as Array<{ key: string }>;
    for (const { key } of ended) this.end(key, "session expired");
    const over = this.size - MAX_SESSIONS + 1;
    if (over > 0) {
      const oldest = this.db.prepare("SELECT key FROM sessions ORDER BY created_at LIMIT ?").all(over) as Array<{ key: string }>;
      for (const { key } of oldest) this.end(key, "session expired");
    }
  }

  private expired(row: Row, now: number): boolean {
    return now >= row.renewed_at + this.idleMs || now >= row.created_at + this.maxMs;
  }

  private end(key: string, why: SessionEnd): void {
    if (!this.db.open) return;
    if (this.db.prepare("DELETE FROM sessions WHERE key = ?").run(key).changes === 0) return;
    for (const listener of this.endListeners) listener(key, why);
  }
}
