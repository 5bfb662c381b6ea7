/**
 * The pool a PostgreSQL table of ccflow's own (contact records, sign-in sessions, the identity
 * service's keys, codes and users) opens with: its
 * schema is created inside one transaction under an advisory lock, so nodes starting together do
 * not race on CREATE TABLE. Each caller picks its own lock number and says what failed its way.
 */
import pg from "pg";

export async function openSchemaPool(url: string, lock: number, ddl: string): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5000 });
  // An idle connection the server drops must not end the process; the pool replaces it.
  pool.on("error", () => undefined);
  try {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [lock]);
      await client.query(ddl);
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return pool;
}
