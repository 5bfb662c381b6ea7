/**
 * Sessions of the record pages of the CRM run on its own, kept in `<data>/crm-page-sessions.sqlite`
 * (mode 0600), so a restart of the CRM does not sign its readers out. The file holds a SHA-256 of
 * each session id, never the id (a copy of it opens nothing), the app or person that signed in
 * and when. A session lasts a fixed time from sign-in; an app's ends early when its registration is gone.
 * With the CRM's rows in PostgreSQL the page sessions still live in the data directory: one CRM
 * process per data directory, as before.
 */
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import type Database from "better-sqlite3";
import { openPrivateSqlite } from "../../util/private-sqlite.js";

/** At most this many sessions; the oldest go first. */
const MAX_SESSIONS = 1000;

export function sessionKey(id: string): string {
  return createHash("sha256").update(id).digest("base64url");
}

export class PageSessions {
  private readonly db: Database.Database;

  constructor(
    readonly file: string,
    private readonly lifetimeMs: number,
    private readonly now: () => number,
  ) {
    this.db = openPrivateSqlite(file);
    this.db.exec("CREATE TABLE IF NOT EXISTS page_sessions (key TEXT PRIMARY KEY, client_id TEXT NOT NULL, created_at INTEGER NOT NULL)");
    this.db.exec("CREATE TABLE IF NOT EXISTS page_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
  }

  /** A random secret kept with the sessions (made at first use), such as the key CSRF tokens are made with: it outlives a restart as they do. */
  secret(name: string): string {
    this.db.prepare("INSERT OR IGNORE INTO page_secrets (name, value) VALUES (?, ?)").run(name, randomBytes(32).toString("base64url"));
    return (this.db.prepare("SELECT value FROM page_secrets WHERE name = ?").get(name) as { value: string }).value;
  }

  remove(id: string): void {
    if (this.db.open) this.db.prepare("DELETE FROM page_sessions WHERE key = ?").run(sessionKey(id));
  }

  static open(dataDir: string, lifetimeMs: number, now: () => number): PageSessions {
    return new PageSessions(path.join(dataDir, "crm-page-sessions.sqlite"), lifetimeMs, now);
  }

  create(id: string, clientId: string): void {
    const now = this.now();
    this.db.prepare("DELETE FROM page_sessions WHERE created_at <= ?").run(now - this.lifetimeMs);
    const over = (this.db.prepare("SELECT COUNT(*) AS n FROM page_sessions").get() as { n: number }).n - MAX_SESSIONS + 1;
    if (over > 0) this.db.prepare("DELETE FROM page_sessions WHERE key IN (SELECT key FROM page_sessions ORDER BY created_at LIMIT ?)").run(over);
    this.db.prepare("INSERT INTO page_sessions (key, client_id, created_at) VALUES (?, ?, ?)").run(sessionKey(id), clientId, now);
  }

  /** The app a live session signed in as; undefined (and the session gone) when unknown, expired, or `stillValid` says no. */
  get(id: string, stillValid: (clientId: string) => boolean): string | undefined {
    if (!this.db.open) return undefined;
    const key = sessionKey(id);
    const row = this.db.prepare("SELECT client_id, created_at FROM page_sessions WHERE key = ?").get(key) as { client_id: string; created_at: number } | undefined;
    if (!row) return undefined;
    if (row.created_at + this.lifetimeMs <= this.now() || !stillValid(row.client_id)) {
      this.db.prepare("DELETE FROM page_sessions WHERE key = ?").run(key);
      return undefined;
    }
    return row.client_id;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
