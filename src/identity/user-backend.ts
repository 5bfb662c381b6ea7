/**
 * Where the identity service's own users are kept: `<data>/identity/users.sqlite` for one server
 * (user-store.ts), or PostgreSQL for servers run with `--postgres` (postgres-users.ts), so a user
 * added, given a new password or removed through any node counts on every node at once — and a
 * session made through one node is not ended by another as "password changed". `ccflow users`
 * and the server use the same two.
 */
import type { IdentityUser } from "./users.js";
import { UserStore, type StoredUser } from "./user-store.js";

export interface UserBackend {
  /** Where the users are (a file, or the database), for messages. */
  readonly location: string;
  find(username: string): Promise<StoredUser | undefined>;
  list(): Promise<StoredUser[]>;
  add(user: IdentityUser, password: string): Promise<StoredUser>;
  setPassword(username: string, password: string): Promise<void>;
  remove(username: string): Promise<void>;
  /** A fingerprint of the user's current credential; undefined when no stored user has this name. */
  credentialStamp(username: string): Promise<string | undefined>;
  /** The user if the password is theirs; undefined for a wrong one; `null` when no stored user has the name. */
  check(username: string, password: string): Promise<StoredUser | undefined | null>;
  close(): Promise<void>;
}

/** The SQLite file of one data directory. */
export class SqliteUsers implements UserBackend {
  constructor(readonly store: UserStore) {}

  static open(dataDir: string, now?: () => number): SqliteUsers {
    return new SqliteUsers(UserStore.open(dataDir, now));
  }

  get location(): string {
    return this.store.file;
  }

  async find(username: string): Promise<StoredUser | undefined> {
    return this.store.find(username);
  }

  async list(): Promise<StoredUser[]> {
    return this.store.list();
  }

  add(user: IdentityUser, password: string): Promise<StoredUser> {
    return this.store.add(user, password);
  }

  setPassword(username: string, password: string): Promise<void> {
    return this.store.setPassword(username, password);
  }

  async remove(username: string): Promise<void> {
    this.store.remove(username);
  }

  async credentialStamp(username: string): Promise<string | undefined> {
    return this.store.credentialStamp(username);
  }

  check(username: string, password: string): Promise<StoredUser | undefined | null> {
    return this.store.check(username, password);
  }

  async close(): Promise<void> {
    this.store.close();
  }
}
