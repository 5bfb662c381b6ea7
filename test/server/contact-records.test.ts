/**
 * Contact records outlive the server: a supervisor's reports and the stored traces read the same
 * after a restart on the same data directory (SQLite), and records older than
 * `center.recordRetentionDays` are gone at the next start.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../src/time/clock.js";
import { eventually, startTestServer, type Loose, type TestServer } from "./helpers.js";
import { supportEnvironment, supportFlow } from "./fixtures.js";

const dataDir = mkdtempSync(join(tmpdir(), "ccflow-records-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function serve(extra: Record<string, unknown> = {}, center: Record<string, unknown> = {}): Promise<TestServer> {
  return startTestServer({
    flows: [{ id: "support", definition: supportFlow() }],
    environment: { ...supportEnvironment, center: { ringTimeoutSeconds: 60, serviceLevelSeconds: 30, ...center } },
    extra: { dataDir, ...extra },
  });
}

async function queuedCall(t: TestServer, ani: string): Promise<string> {
  const placed = await t.call("POST", "/api/calls", { ani, flow: "support" });
  const id = placed.body.interactionId as string;
  await t.call("POST", `/api/calls/${id}/digits`, { digits: "1" });
  return id;
}

/** A clock 31 days ahead: the records written today are past the default 30-day retention. */
class NextMonth extends SystemClock {
  override now(): number {
    return Date.now() + 31 * 24 * 60 * 60_000;
  }
}

describe("contact records", () => {
  let answered = "";
  let abandoned = "";

  it("are stored with their trace as calls end", async () => {
    const t = await serve();
    try {
      await t.call("POST", "/api/agents/ana/login", { available: true });
      answered = await queuedCall(t, "+15550000001");
      const offer = await eventually(async () => (await t.call("GET", "/api/agents/ana")).body.offer, "the offer to ana");
      await t.call("POST", "/api/agents/ana/accept", { offerId: offer.offerId });
      await t.call("POST", "/api/agents/ana/end");
      await t.call("POST", "/api/agents/ana/wrapup", { state: "Idle", reason: "Admin" });
      abandoned = await queuedCall(t, "+15550000002");
      await eventually(async () => ((await t.call("GET", "/api/queues")).body[0].queuedNow === 1 ? true : undefined), "the second caller waiting");
      await t.call("POST", `/api/calls/${abandoned}/hangup`);
      const records = await eventually(async () => {
        const list = (await t.call("GET", "/api/records")).body as Loose[];
        return list.length === 2 && list.every((r) => r.callEndedAt !== undefined) ? list : undefined;
      }, "both records ended");
      // Newest first.
      expect(records.map((r) => r.interactionId)).toEqual([abandoned, answered]);
      expect(records[1]).toMatchObject({ ani: "+15550000001", flow: { id: "support" }, queueId: "Q-Test", queueName: "Test Queue", agentId: "ana", agentName: "Ana Lima" });
      expect(records[1].wrapEndAt).toBeGreaterThanOrEqual(records[1].endedAt);
      expect(records[0].abandonedAt).toBeGreaterThanOrEqual(records[0].queuedAt);
      // Readable by its owner only: callers' numbers are in it.
      expect(statSync(join(dataDir, "contact-records.sqlite")).mode & 0o077).toBe(0);
    } finally {
      await t.close();
    }
  });

  it("give the same reports and traces after a restart", async () => {
    const t = await serve();
    try {
      const report = await t.call("GET", "/api/reports?interval=1d&queue=Q-Test");
      expect(report.body.queues[0].intervals.at(-1)).toMatchObject({ offered: 2, answered: 1, abandoned: 1, answeredWithinThreshold: 1, serviceLevel: 0.5, abandonRate: 0.5 });
      // The live view's last hour is read back too.
      const snap = await (await t.socket("/api/supervisor/ws")).next((m) => m.type === "snapshot", "a snapshot");
      expect(snap.kpis.find((k: Loose) => k.queueId === "Q-Test").figures).toMatchObject({ offered: 2, answered: 1, abandoned: 1 });

      const stored = await t.call("GET", `/api/records/${answered}`);
      expect(stored.status).toBe(200);
      const types = (stored.body.trace.events as Loose[]).map((e) => e.type);
      for (const type of ["step", "queued", "offered", "answered", "screen-pop", "ended"]) expect(types, type).toContain(type);
      // isSecure values stay masked in the stored trace.
      expect(JSON.stringify(stored.body)).not.toContain("9876");
      expect((await t.call("GET", "/api/records/nope")).body.error.message).toBe('no contact record "nope" (records are kept 30 days)');
      expect((await t.call("GET", "/api/records?limit=0")).status).toBe(400);
    } finally {
      await t.close();
    }
  });

  it("are deleted once older than center.recordRetentionDays", async () => {
    const t = await serve({ clock: new NextMonth() });
    try {
      expect((await t.call("GET", "/api/records")).body).toEqual([]);
      expect((await t.call("GET", `/api/records/${answered}`)).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
