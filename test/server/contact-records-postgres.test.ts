/**
 * With `--postgres`, contact records go to PostgreSQL (a real server started here): two server
 * runs with different data directories on one database read the same records and reports.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, postgresAvailable, startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { eventually, startTestServer, type Loose, type TestServer } from "./helpers.js";
import { supportEnvironment, supportFlow } from "./fixtures.js";

/** Servers on one database share the key their identity signing keys are encrypted with there (docs/security.md). */
const SHARED_KEY = randomBytes(32).toString("base64");

if (!postgresAvailable()) console.info("notice: contact records on PostgreSQL are not tested: PostgreSQL 15 is not installed (apt-get install postgresql)");

describe.skipIf(!postgresAvailable())("contact records on PostgreSQL", () => {
  let pg: TestPostgres;
  let url = "";

  beforeAll(async () => {
    pg = await startPostgres();
    url = (await createDatabase(pg.url, "records")).url;
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });

  const serve = (): Promise<TestServer> =>
    startTestServer({ flows: [{ id: "support", definition: supportFlow() }], environment: supportEnvironment, extra: { postgresUrl: url, processEnv: { CCFLOW_KEY_ENCRYPTION_KEY: SHARED_KEY } } });

  it("are read back by the next server on the same database", async () => {
    const first = await serve();
    let id = "";
    try {
      const placed = await first.call("POST", "/api/calls", { ani: "+15550000003", flow: "support" });
      id = placed.body.interactionId;
      await first.call("POST", `/api/calls/${id}/digits`, { digits: "1" });
      await eventually(async () => ((await first.call("GET", "/api/queues")).body[0].queuedNow === 1 ? true : undefined), "the caller waiting");
      await first.call("POST", `/api/calls/${id}/hangup`);
      await eventually(async () => ((await first.call("GET", `/api/records/${id}`)).body.trace ? true : undefined), "the stored trace");
    } finally {
      await first.close();
    }
    const second = await serve();
    try {
      const list = (await second.call("GET", "/api/records")).body as Loose[];
      expect(list.map((r) => r.interactionId)).toEqual([id]);
      expect(list[0]).toMatchObject({ ani: "+15550000003", queueId: "Q-Test", endReason: "caller-hangup" });
      expect(list[0].abandonedAt).toBeGreaterThan(0);
      const report = await second.call("GET", "/api/reports?interval=1d&queue=Q-Test");
      expect(report.body.queues[0].intervals.at(-1)).toMatchObject({ offered: 1, answered: 0, abandoned: 1 });
      const stored = await second.call("GET", `/api/records/${id}`);
      expect((stored.body.trace.events as Loose[]).at(-1)).toMatchObject({ type: "ended", reason: "caller-hangup" });
    } finally {
      await second.close();
    }
  });
});
