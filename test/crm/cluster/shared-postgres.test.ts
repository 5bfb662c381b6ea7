/**
 * Two CRM nodes on one PostgreSQL database, as `ccflow serve --postgres` runs them: started at once
 * on an empty database they load the demo data once; a record written
 * through one node is read through the other (caller-id lookup included), case numbers never repeat
 * between nodes, and while PostgreSQL restarts the Web API answers 503 with a clear message and
 * recovers by itself. Runs in the `crm-postgres` project (it starts its own server, to restart it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, startPostgres, type TestPostgres } from "../../helpers/postgres.js";
import { startTestCrm, type TestCrm } from "../helpers.js";
import { postgresServer } from "../stores.js";

const enabled = postgresServer() !== undefined;
if (!enabled) console.info("notice: two CRM nodes on PostgreSQL are tested in the crm-postgres project only (it needs PostgreSQL 15)");

describe.skipIf(!enabled)("two CRM nodes sharing PostgreSQL", () => {
  let server: TestPostgres;
  let a: TestCrm;
  let b: TestCrm;

  beforeAll(async () => {
    server = await startPostgres();
    const { url } = await createDatabase(server.url);
    // Started at once on an empty database: one of them loads the demo data, the other finds it.
    [a, b] = await Promise.all([startTestCrm({ postgresUrl: url }), startTestCrm({ postgresUrl: url })]);
  }, 120_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await server?.stop();
  });

  it("reads through one node what the other wrote, and never hands out a case number twice", async () => {
    expect(await (await b.api("contacts/$count")).text()).toBe("36");
    const created = await a.api("contacts", {
      method: "POST",
      headers: { "Content-Type": "application/json", Prefer: "return=representation" },
      body: JSON.stringify({ firstname: "Ines", lastname: "Node", telephone1: "+15205557788" }),
    });
    expect(created.status).toBe(201);
    const contactId = ((await created.json()) as { contactid: string }).contactid;
    const found = await b.api("contacts?$select=fullname&$filter=contains(telephone1,'5205557788')");
    expect(((await found.json()) as { value: Array<{ fullname: string }> }).value.map((c) => c.fullname)).toEqual(["Ines Node"]);

    const cases = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).api("incidents", {
          method: "POST",
          headers: { "Content-Type": "application/json", Prefer: "return=representation" },
          body: JSON.stringify({ title: `Case ${i}`, "customerid_contact@odata.bind": `/contacts(${contactId})` }),
        }),
      ),
    );
    const numbers = await Promise.all(cases.map(async (r) => ((await r.json()) as { ticketnumber: string }).ticketnumber.slice(0, 9)));
    expect(new Set(numbers).size).toBe(10);
  });

  it("answers 503 with a clear message while PostgreSQL is down, and recovers by itself when it is back", async () => {
    await server.halt();
    try {
      const down = await a.api("contacts?$select=fullname&$top=1");
      expect(down.status).toBe(503);
      const body = (await down.json()) as { error: { message: string } };
      expect(body.error.message).toBe("The CRM database (PostgreSQL) is not reachable right now; try again shortly.");
      const write = await b.api("contacts", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ lastname: "Lost" }) });
      expect(write.status).toBe(503);
    } finally {
      await server.resume();
    }
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await a.api("contacts?$select=fullname&$top=1")).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
    const again = await b.api("contacts?$select=fullname&$filter=contains(telephone1,'5205557788')");
    expect(again.status).toBe(200);
    expect(await (await b.api("contacts/$count?$filter=lastname eq 'Lost'")).text()).toBe("0");
  }, 120_000);
});
