/** The contact-record store a server uses: PostgreSQL when it runs with `--postgres`, else SQLite in its data directory. */
import { PostgresRecordStore } from "./postgres-store.js";
import { SqliteRecordStore } from "./sqlite-store.js";
import type { ContactRecordStore } from "./store.js";

export async function openRecordStore(options: { dataDir: string; postgresUrl?: string }): Promise<ContactRecordStore> {
  return options.postgresUrl ? PostgresRecordStore.open(options.postgresUrl) : SqliteRecordStore.inDataDir(options.dataDir);
}
