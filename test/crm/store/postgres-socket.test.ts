/**
 * A CRM on a PostgreSQL server reached through its Unix-domain socket instead of loopback TCP: the
 * URL names the socket's directory (`host=`, libpq's form, which the `pg` client reads), the CRM
 * answers the caller-id lookup through it, every connection it holds is a socket one, and a
 * password in the URL's parameters stays out of the store's name in messages and logs. Runs in the
 * `crm-postgres` project (it starts its own server, to know where the socket is).
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redactUrl } from "../../../src/crm/store/postgres-store.js";
import { createDatabase, startPostgres, type TestPostgres } from "../../helpers/postgres.js";
import { startTestCrm, type TestCrm } from "../helpers.js";
import { postgresServer } from "../stores.js";

const enabled = postgresServer() !== undefined;
if (!enabled) console.info("notice: the CRM over PostgreSQL's Unix-domain socket is tested in the crm-postgres project only (it needs PostgreSQL 15)");

describe.skipIf(!enabled)("the CRM over PostgreSQL's Unix-domain socket", () => {
  let server: TestPostgres;
  let crm: TestCrm;
  let database: string;

  beforeAll(async () => {
    server = await startPostgres();
    const created = await createDatabase(server.url);
    database = new URL(created.url).pathname.slice(1);
    // The test server's socket sits in its own directory (pg_ctl -k), under the port's number.
    crm = await startTestCrm({ postgresUrl: `postgresql:///${database}?host=${encodeURIComponent(server.dir)}&port=${server.port}&user=ccflow` });
  }, 120_000);

  afterAll(async () => {
    await crm?.stop();
    await server?.stop();
  });

  it("finds the caller by the number through the socket, and holds no TCP connection", async () => {
    const found = await crm.api("contacts?$select=fullname,telephone1,contactid&$filter=contains(telephone1,'14806754110')");
    expect(found.status).toBe(200);
    expect(((await found.json()) as { value: Array<{ fullname: string }> }).value.map((c) => c.fullname)).toEqual(["Yvonne McKay"]);

    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      // client_port is -1 for a Unix-domain socket connection and a port number for TCP.
      const { rows } = await admin.query<{ socket: number; tcp: number }>(
        "SELECT count(*) FILTER (WHERE client_port = -1)::int AS socket, count(*) FILTER (WHERE client_port <> -1)::int AS tcp FROM pg_stat_activity WHERE datname = $1",
        [database],
      );
      expect(rows[0]!.socket).toBeGreaterThan(0);
      expect(rows[0]!.tcp).toBe(0);
    } finally {
      await admin.end();
    }
  });

  it("keeps a password given as a URL parameter out of the store's name", () => {
    const shown = redactUrl(`postgresql:///crm?host=%2Frun%2Fpostgresql&user=ccflow&password=s3cret-value`);
    expect(shown).not.toContain("s3cret-value");
    expect(shown).toContain("password=****");
    expect(redactUrl("postgresql://ccflow:s3cret-value@127.0.0.1:5432/crm")).toBe("postgresql://ccflow:****@127.0.0.1:5432/crm");
  });
});
