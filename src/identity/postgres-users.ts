/**
 * The identity service's own users in PostgreSQL (`ccflow_identity_users`), for servers run with
 * `--postgres` and for `ccflow users --postgres`: the same rows as users.sqlite (a scrypt hash of
 * each password, never the password), read at each sign-in and each session check, so every node
 * sees a change at once. User names are unique regardless of case, as in the SQLite file.
 */
import { hashPassword, verifyPassword } from "../util/password-hash.js";
import type { UserBackend } from "./user-backend.js";
import { checkPassword, checkRoles, checkUsername, credentialStampOf, toUser, UserStoreError, type StoredUser, type UserRow } from "./user-store.js";
import type { IdentityUser } from "./users.js";
import type { IdentityPostgres } from "./postgres-store.js";

const key = (username: string) => username.trim().toLowerCase();

export class PostgresUsers implements UserBackend {
  readonly location = "PostgreSQL (table ccflow_identity_users)";

  constructor(
    private readonly db: IdentityPostgres,
    private readonly now: () => number = Date.now,
  ) {}

  private async row(username: string): Promise<UserRow | undefined> {
    const { rows } = await this.db.pool.query<UserRow>("SELECT * FROM ccflow_identity_users WHERE username_key = $1", [key(username)]);
    return rows[0];
  }

  async find(username: string): Promise<StoredUser | undefined> {
    const row = await this.row(username);
    return row ? toUser(row) : undefined;
  }

  async list(): Promise<StoredUser[]> {
    return (await this.db.pool.query<UserRow>("SELECT * FROM ccflow_identity_users ORDER BY username_key")).rows.map(toUser);
  }

  async add(user: IdentityUser, password: string): Promise<StoredUser> {
    checkUsername(user.username);
    const roles = checkRoles(user.roles);
    const taken = () => new UserStoreError(`user "${user.username}" already exists (change the password with: ccflow users set-password ${user.username})`);
    if (await this.row(user.username)) throw taken();
    const hash = await hashPassword(checkPassword(password));
    const at = new Date(this.now()).toISOString();
    const { rowCount } = await this.db.pool.query(
      "INSERT INTO ccflow_identity_users (username_key, username, name, email, roles, agent_id, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (username_key) DO NOTHING",
      [key(user.username), user.username, user.name, user.email ?? null, JSON.stringify(roles), user.agentId ?? null, hash, at],
    );
    if (rowCount === 0) throw taken();
    return (await this.find(user.username))!;
  }

  async setPassword(username: string, password: string): Promise<void> {
    const hash = await hashPassword(checkPassword(password));
    const { rowCount } = await this.db.pool.query("UPDATE ccflow_identity_users SET password_hash = $1, updated_at = $2 WHERE username_key = $3", [hash, new Date(this.now()).toISOString(), key(username)]);
    if (rowCount === 0) throw new UserStoreError(`no user "${username}" (ccflow users list shows them)`);
  }

  async remove(username: string): Promise<void> {
    const { rowCount } = await this.db.pool.query("DELETE FROM ccflow_identity_users WHERE username_key = $1", [key(username)]);
    if (rowCount === 0) throw new UserStoreError(`no user "${username}" (ccflow users list shows them)`);
  }

  async credentialStamp(username: string): Promise<string | undefined> {
    const { rows } = await this.db.pool.query<{ password_hash: string }>("SELECT password_hash FROM ccflow_identity_users WHERE username_key = $1", [key(username)]);
    return rows[0] ? credentialStampOf(rows[0].password_hash) : undefined;
  }

  async check(username: string, password: string): Promise<StoredUser | undefined | null> {
    const row = await this.row(username);
    if (!row) return null;
    return (await verifyPassword(password, row.password_hash)) ? toUser(row) : undefined;
  }

  async close(): Promise<void> {}
}
