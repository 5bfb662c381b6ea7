/**
 * The SQLite files a server keeps in its data directory (users, sessions, contact records,
 * pending callbacks) open the same way: owner-only (private-file.ts), a busy timeout so a second
 * process on the same directory waits instead of failing, and WAL so readers do not block the writer.
 * ":memory:" opens a private in-memory database instead.
 */
import Database from "better-sqlite3";
import { ensurePrivateFile } from "./private-file.js";

export function openPrivateSqlite(file: string): Database.Database {
  const inMemory = file === ":memory:";
  if (!inMemory) ensurePrivateFile(file);
  const db = new Database(file);
  db.pragma("busy_timeout = 5000");
  if (!inMemory) db.pragma("journal_mode = WAL");
  return db;
}
