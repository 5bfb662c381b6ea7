/**
 * The supervisor's live KPIs and the interval reports, through the API: one call answered,
 * ended and wrapped up, one abandoned while waiting; the supervisor socket's snapshot carries the
 * queue's figures and /api/reports gives them per interval as JSON and CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFetch } from "../helpers/api-auth.js";
import { eventually, startTestServer, type TestServer } from "./helpers.js";
import { supportEnvironment, supportFlow } from "./fixtures.js";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({
    flows: [{ id: "support", definition: supportFlow() }],
    environment: { ...supportEnvironment, center: { ringTimeoutSeconds: 60, serviceLevelSeconds: 30 } },
  });
});
afterAll(async () => {
  await t?.close();
});

async function queuedCall(ani: string): Promise<string> {
  const placed = await t.call("POST", "/api/calls", { ani, flow: "support" });
  const id = placed.body.interactionId as string;
  await t.call("POST", `/api/calls/${id}/digits`, { digits: "1" });
  return id;
}

describe("live KPIs and reports", () => {
  it("count an answered and an abandoned contact in the snapshot and the reports", async () => {
    const supervisor = await t.socket("/api/supervisor/ws");
    await t.call("POST", "/api/agents/ana/login", { available: true });
    const answered = await queuedCall("+15550000001");
    const offer = await eventually(async () => (await t.call("GET", "/api/agents/ana")).body.offer, "the offer to ana");
    await t.call("POST", "/api/agents/ana/accept", { offerId: offer.offerId });
    await t.call("POST", "/api/agents/ana/end");
    await t.call("POST", "/api/agents/ana/wrapup", { state: "Idle", reason: "Admin" });
    const abandoned = await queuedCall("+15550000002");
    await eventually(async () => ((await t.call("GET", "/api/queues")).body[0].queuedNow === 1 ? true : undefined), "the second caller waiting");
    await t.call("POST", `/api/calls/${abandoned}/hangup`);

    const snap = await supervisor.next((m) => m.type === "snapshot" && m.kpis?.find((k: { queueId: string }) => k.queueId === "Q-Test")?.figures.abandoned === 1, "a snapshot with both contacts counted");
    const kpi = snap.kpis.find((k: { queueId: string }) => k.queueId === "Q-Test");
    expect(kpi).toMatchObject({ queueName: "Test Queue", waiting: 0, serviceLevelSeconds: 30, windowMinutes: 60, agents: { Idle: 1 }, occupancy: null });
    // Answered at once (well within 30 s), then one abandoned: SL 1/2, abandon rate 1/2.
    expect(kpi.figures).toMatchObject({ offered: 2, answered: 1, abandoned: 1, answeredWithinThreshold: 1, serviceLevel: 0.5, abandonRate: 0.5 });
    expect(kpi.figures.asaMs).toBeGreaterThanOrEqual(0);
    expect(kpi.figures.ahtMs).toBeGreaterThanOrEqual(0);
    expect(answered).not.toBe(abandoned);

    const report = await t.call("GET", "/api/reports?interval=1d&queue=Q-Test");
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ interval: "1d", serviceLevelSeconds: 30, queues: [{ queue: { id: "Q-Test", name: "Test Queue" } }] });
    expect(report.body.queues[0].intervals.at(-1)).toMatchObject({ offered: 2, answered: 1, abandoned: 1, serviceLevel: 0.5 });
    const quarter = await t.call("GET", "/api/reports?interval=15m");
    expect(quarter.body.queues.map((q: { queue: { id: string } }) => q.queue.id)).toEqual(["Q-Test", "Q-Other"]);

    const res = await apiFetch(t.url, "/api/reports?interval=1h&queue=Q-Test&format=csv");
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const csv = (await res.text()).trim().split("\n");
    expect(csv[0]).toBe("queue,interval_start,interval_end,offered,answered,abandoned,answered_within_threshold,service_level_percent,asa_seconds,abandon_rate_percent,aht_seconds");
    expect(csv.at(-1)).toMatch(/^Test Queue,\d{4}-\d\d-\d\dT\d\d:00:00\.000Z,[^,]+,2,1,1,1,50\.0,\d+\.\d,50\.0,\d+\.\d$/);
  });

  it("refuses an unknown interval, format or queue with a clear message", async () => {
    expect((await t.call("GET", "/api/reports?interval=5m")).body.error.message).toBe('interval must be 15m, 1h or 1d, not "5m"');
    expect((await t.call("GET", "/api/reports?format=xls")).body.error.message).toBe('format must be json or csv, not "xls"');
    expect((await t.call("GET", "/api/reports?queue=nope")).status).toBe(404);
  });
});
