import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { register } from "../../src/cli/commands/crm.js";
import { SEED_RECORDS } from "../../src/crm/demo-data.js";
import { PostgresCrmStore } from "../../src/crm/store/postgres-store.js";
import { SqliteCrmStore } from "../../src/crm/store/sqlite-store.js";
import type { CrmStore, Row } from "../../src/crm/store/types.js";
import { createDatabase } from "../helpers/postgres.js";
import { postgresServer, STORE_NAME } from "./stores.js";

const dirs: string[] = [];
const databases: Array<{ drop(): Promise<void> }> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const database of databases.splice(0)) await database.drop();
});

/** The data directory, plus the PostgreSQL database the seed goes to when the run is the PostgreSQL one. */
async function target(): Promise<{ dir: string; args: string[]; open(): Promise<CrmStore>; sql(text: string): Promise<Row[]> }> {
  const dir = mkdtempSync(path.join(tmpdir(), "ccflow-seed-"));
  dirs.push(dir);
  const server = postgresServer();
  if (!server) {
    const open = async () => new SqliteCrmStore({ file: path.join(dir, "crm.sqlite") });
    return { dir, args: ["--data", dir], open, sql: async (text) => withStore(await open(), async (s) => (s as SqliteCrmStore).db.prepare(text).all() as Row[]) };
  }
  const database = await createDatabase(server);
  databases.push(database);
  const open = () => PostgresCrmStore.open({ url: database.url });
  return { dir, args: ["--data", dir, "--postgres", database.url], open, sql: async (text) => withStore(await open(), (s) => (s as PostgresCrmStore).run(text, [])) };
}

async function withStore<T>(store: CrmStore, fn: (store: CrmStore) => Promise<T>): Promise<T> {
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function ccflow(...args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  const program = new Command().exitOverride();
  register(program);
  await program.parseAsync(["node", "ccflow", ...args]);
  vi.restoreAllMocks();
  const code = typeof process.exitCode === "number" ? process.exitCode : undefined;
  return { out, err, code };
}

async function count(open: () => Promise<CrmStore>, table: string): Promise<number> {
  return withStore(await open(), (store) => store.count(store.schema.table(table), undefined, Number.MAX_SAFE_INTEGER));
}

describe(`ccflow crm seed (${STORE_NAME})`, () => {
  it("reloads the demo data and generates a large set with progress on stderr", async () => {
    const { dir, args, open, sql } = await target();
    // PostgreSQL takes the generated contacts with COPY (row by row it had loaded ~140/s on a busy machine).
    const n = 25_000;
    const generated = await ccflow("crm", "seed", ...args, "--contacts", String(n));
    expect(generated.code).toBeUndefined();
    const where = postgresServer() ? args[3]! : path.join(dir, "crm.sqlite");
    expect(generated.out).toContain(`CRM demo data loaded into ${where}: 36 contacts, 12 accounts,`);
    expect(generated.out).toMatch(new RegExp(`generated ${n.toLocaleString("en-US")} contacts and [\\d,]+ cases in [\\d.]+ s`));
    expect(generated.err).toContain(`100% ${n.toLocaleString("en-US")}/${n.toLocaleString("en-US")} contacts`);
    expect(await count(open, "contact")).toBe(n + 36);

    const phones = await sql(`SELECT telephone1 FROM contact WHERE rid IN (40, ${n})`);
    expect(new Set(phones.map((p) => p.telephone1)).size).toBe(2);
    const [distinct] = await sql("SELECT COUNT(DISTINCT telephone1) AS n FROM contact");
    expect(Number(distinct!.n)).toBe(n + 36);
    // A generated contact has its full name and its phone's substring-index terms (one per position of "+1AAALLLLLLL").
    const [last] = await sql(`SELECT fullname, telephone1 FROM contact WHERE rid = ${n}`);
    expect(String(last!.fullname)).toMatch(/^\S+ \S+$/);
    const [terms] = await sql(`SELECT COUNT(*) AS n FROM ngram_contact_telephone1 WHERE rid = ${n}`);
    expect(Number(terms!.n)).toBe(String(last!.telephone1).length - 2);
    const seed = await sql("SELECT fullname FROM contact WHERE telephone1 LIKE '%14806754110%'");
    expect(seed).toEqual([{ fullname: SEED_RECORDS.contactName }]);

    const reloaded = await ccflow("crm", "seed", ...args);
    expect(reloaded.code).toBeUndefined();
    expect(await count(open, "contact")).toBe(36);
  }, 120_000);

  it("refuses a bad --contacts value or --postgres URL with one line", async () => {
    const badUrl = await ccflow("crm", "seed", "--data", "/nonexistent-never", "--postgres", "mysql://localhost/crm");
    expect(badUrl.code).toBe(1);
    expect(badUrl.err).toBe("ccflow: crm seed failed: --postgres must be a postgresql:// URL, not mysql://…\n");
    const result = await ccflow("crm", "seed", "--data", "/nonexistent-never", "--contacts", "lots");
    expect(result.code).toBe(1);
    expect(result.err).toBe('ccflow: --contacts must be a whole number from 0 to 10,000,000, got "lots"\n');
  });
});
