/**
 * The identity service's own users, beyond the development ones: kept in
 * `<data>/identity/users.sqlite` (mode 0600) with their roles and a scrypt hash of their password
 * (never the password). `ccflow users` manages them; the running service reads the file at each
 * sign-in, so a user added, removed or given a new password counts at once, without a restart.
 */
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import path from "node:path";
import { hashPassword, verifyPassword } from "../util/password-hash.js";
import { openPrivateSqlite } from "../util/private-sqlite.js";
import { isRole, ROLES, type Role } from "./roles.js";
import type { IdentityUser } from "./users.js";

export interface StoredUser extends IdentityUser {
  createdAt: string;
  updatedAt: string;
}

/** A user as both stores keep it (SQLite's users table, PostgreSQL's ccflow_identity_users). */
export interface UserRow {
  username: string;
  name: string;
  email: string | null;
  roles: string;
  agent_id: string | null;
  password_hash: string;
  created_at: string;
  updated_at: string;
}

export class UserStoreError extends Error {}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const MIN_PASSWORD_LENGTH = 10;
const MAX_PASSWORD_LENGTH = 1024;

export function userStoreFile(dataDir: string): string {
  return path.join(dataDir, "identity", "users.sqlite");
}

export function checkUsername(username: string): string {
  if (!USERNAME.test(username)) throw new UserStoreError(`user name "${username}" is not allowed: 1-64 characters of letters, digits and . _ @ -, starting with a letter or digit`);
  return username;
}

export function checkPassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH) throw new UserStoreError(`the password is too short: at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw new UserStoreError(`the password is too long: at most ${MAX_PASSWORD_LENGTH} characters`);
  return password;
}

export function checkRoles(roles: string[]): Role[] {
  if (roles.length === 0) throw new UserStoreError(`a user needs at least one role (--role; the roles are ${ROLES.join(", ")})`);
  for (const r of roles) if (!isRole(r)) throw new UserStoreError(`unknown role "${r}": the roles are ${ROLES.join(", ")}`);
  return [...new Set(roles as Role[])];
}

export function toUser(row: UserRow): StoredUser {
  return {
    username: row.username,
    name: row.name,
    ...(row.email ? { email: row.email } : {}),
    roles: (JSON.parse(row.roles) as string[]).filter(isRole),
    ...(row.agent_id ? { agentId: row.agent_id } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The stamp of a password hash (see UserStore.credentialStamp): the same wherever the user is kept. */
export function credentialStampOf(passwordHash: string): string {
  return `s:${createHash("sha256").update(passwordHash).digest("base64url").slice(0, 22)}`;
}

export class UserStore {
  private readonly db: Database.Database;

  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
  ) {
    this.db = openPrivateSqlite(file);
    this.db.exec(`CREATE TABLE IF NOT EXISTS users (
      username TEXT PRIMARY KEY COLLATE NOCASE,
      name TEXT NOT NULL,
      email TEXT,
      roles TEXT NOT NULL,
      agent_id TEXT,
      password_hash TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`);
  }

  static open(dataDir: string, now?: () => number): UserStore {
    return new UserStore(userStoreFile(dataDir), now);
  }

  private row(username: string): UserRow | undefined {
    return this.db.prepare("SELECT * FROM users WHERE username = ?").get(username.trim()) as UserRow | undefined;
  }

  find(username: string): StoredUser | undefined {
    const row = this.row(username);
    return row ? toUser(row) : undefined;
  }

  list(): StoredUser[] {
    return (this.db.prepare("SELECT * FROM users ORDER BY username COLLATE NOCASE").all() as UserRow[]).map(toUser);
  }

  async add(user: IdentityUser, password: string): Promise<StoredUser> {
    checkUsername(user.username);
    const roles = checkRoles(user.roles);
    const exists = () => {
      if (this.row(user.username)) throw new UserStoreError(`user "${user.username}" already exists (change the password with: ccflow users set-password ${user.username})`);
    };
    exists();
    const hash = await hashPassword(checkPassword(password));
    exists();
    const at = new Date(this.now()).toISOString();
    this.db
      .prepare("INSERT INTO users (username, name, email, roles, agent_id, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(user.username, user.name, user.email ?? null, JSON.stringify(roles), user.agentId ?? null, hash, at, at);
    return this.find(user.username)!;
  }

  async setPassword(username: string, password: string): Promise<void> {
    const hash = await hashPassword(checkPassword(password));
    const changed = this.db.prepare("UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ?").run(hash, new Date(this.now()).toISOString(), username.trim()).changes;
    if (changed === 0) throw new UserStoreError(`no user "${username}" (ccflow users list shows them)`);
  }

  remove(username: string): void {
    const changed = this.db.prepare("DELETE FROM users WHERE username = ?").run(username.trim()).changes;
    if (changed === 0) throw new UserStoreError(`no user "${username}" (ccflow users list shows them)`);
  }

  /**
   * A short fingerprint of the user's current credential (a SHA-256 of the password hash, whose
   * salt is new at every change), or undefined when no stored user has this name. A session
   * remembers the stamp it signed in with; another stamp means the password changed (or the user
   * was removed and made again) since. Read from the file each time, so a change made by
   * `ccflow users` in another process counts at the next check.
   */
  credentialStamp(username: string): string | undefined {
    const row = this.db.prepare("SELECT password_hash FROM users WHERE username = ?").get(username.trim()) as { password_hash: string } | undefined;
    return row ? credentialStampOf(row.password_hash) : undefined;
  }

  /**
   * The user if the password is theirs; undefined for a wrong password or an unknown name, and
   * `null` when no stored user has this name (the caller may then try the development users).
   */
  async check(username: string, password: string): Promise<StoredUser | undefined | null> {
    const row = this.row(username);
    if (!row) return null;
    return (await verifyPassword(password, row.password_hash)) ? toUser(row) : undefined;
  }

  close(): void {
    this.db.close();
  }
}
