/**
 * Campaigns that place real calls (POST /api/campaigns), over real HTTP, with SIPp playing the
 * customers behind the environment's dial plan: one answers, one is busy (486), one rings and
 * never answers.
 *
 * Progressive: when Ana (of the campaign's queue) is Available the dialler holds her (Idle,
 * `Campaign <name>`) and dials; the customer who answers goes through OutboundCampaignCallResult
 * (LIVE_VOICE) and is offered to Ana alone; busy and unanswered numbers are dialled again up to
 * `maxAttempts`, each attempt read back with its outcome. With two lines per agent, two customers
 * answering for one agent leaves the second ABANDONED (its handler runs, then ccflow hangs up).
 * Preview: Ana is shown the contact first; when she accepts, PreDial PREVIEW_CAMPAIGN runs before
 * the number is dialled, and the customer who answers is hers; a skipped contact is never dialled.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildFlow, type NodeSpec } from "../helpers/flow-builder.js";
import { freeUdpPort, hasSipp } from "../channels/sip/helpers.js";
import { eventually, startTestServer, type Loose, type TestServer } from "../server/helpers.js";
import { ANSWERS, BUSY, customer, RINGS, type Customer } from "./sipp-customers.js";

if (!hasSipp) process.stderr.write("notice: sipp is not installed; the campaign dialler tests are skipped\n");

const log = (name: string, event: string, expr: string) => ({
  nodes: [
    { name, type: "set-variable", props: { srcVariable: "Log", srcVariableType: "STRING", expr: `{{Log}}${expr};` } },
    { name: `End${name}`, type: "end" },
  ] as NodeSpec[],
  links: [
    [event, "out", name],
    [name, "out", `End${name}`],
  ] as Array<[string, string, string]>,
});

/** Cisco's outbound template shape: a lone End Flow; the handlers log what the dialler raised. */
const campaignFlow = buildFlow({
  name: "Outbound_Campaign",
  variables: [{ name: "Log", value: "" }],
  main: [{ name: "Placeholder", type: "end" }],
  links: [],
  events: {
    ContactPredial: log("LogPreDial", "ContactPredial", "{{PreDial.OperationType}}/{{PreDial.ParticipantType}}/{{PreDial.dialNumber}}"),
    ContactOutboundCampaignResult: log("LogResult", "ContactOutboundCampaignResult", "{{OutboundCampaignCallResult.CPAResult}}"),
  },
});

describe.skipIf(!hasSipp)("a campaign dialler placing SIP calls (SIPp customers)", () => {
  let t: TestServer;
  let dir: string;
  const ports = { answers: 0, busy: 0, rings: 0 };
  const parties: Customer[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ccflow-campaign-"));
    ports.answers = await freeUdpPort();
    ports.busy = await freeUdpPort();
    ports.rings = await freeUdpPort();
    t = await startTestServer({
      flows: [{ id: "campaign", definition: campaignFlow }],
      environment: {
        queues: [{ id: "Q-Camp", name: "Collections" }],
        teams: [{ id: "T-Field", name: "Field" }],
        agents: [
          { id: "ana", name: "Ana Lima", teamId: "T-Field", queues: ["Q-Camp"] },
          { id: "cy", name: "Cy Park", queues: ["Q-Camp"] },
        ],
        center: {
          dialPlan: [
            { prefix: "+1555", uri: `sip:{number}@127.0.0.1:${ports.answers}` },
            { prefix: "+1666", uri: `sip:{number}@127.0.0.1:${ports.busy}` },
            { prefix: "+1777", uri: `sip:{number}@127.0.0.1:${ports.rings}` },
          ],
          outsideRingSeconds: 3,
        },
      },
      extra: { sipPort: 0 },
    });
  }, 60_000);

  afterEach(async () => {
    for (const p of parties.splice(0)) p.kill();
    const ana = t.server.context.center.agent("ana");
    if (ana && ana.state !== "LoggedOut" && ana.state !== "Engaged" && ana.state !== "Reserved") await t.call("POST", "/api/agents/ana/logout");
  });

  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function party(scenario: string, port: number, calls: number): Promise<Customer> {
    const p = await customer(scenario, dir, calls, port);
    parties.push(p);
    return p;
  }

  const campaign = async (id: string): Promise<Loose> => (await t.call("GET", `/api/campaigns/${id}`)).body;
  const trace = async (id: string): Promise<Loose> => (await t.call("GET", `/api/contacts/${id}`)).body;

  /** Ana takes the customer offered to her, talks, ends and wraps up Available. */
  async function anaTakesAndEnds(): Promise<string> {
    const offered = await eventually(() => {
      const a = t.server.context.center.agent("ana");
      return a?.state === "Reserved" ? a : undefined;
    }, "the customer offered to Ana");
    expect((await t.call("POST", "/api/agents/ana/accept", {})).status).toBe(200);
    expect((await t.call("POST", "/api/agents/ana/end")).status).toBe(200);
    expect((await t.call("POST", "/api/agents/ana/wrapup", { state: "Available" })).status).toBe(200);
    return offered.interactionId!;
  }

  it("progressive: dials for the Available agent of the queue, connects the live customer to her, retries busy and unanswered numbers up to maxAttempts", async () => {
    const answers = await party(ANSWERS, ports.answers, 1);
    const busy = await party(BUSY, ports.busy, 2);
    const rings = await party(RINGS, ports.rings, 2);
    await t.call("POST", "/api/agents/ana/login", { available: true });
    const created = await t.call("POST", "/api/campaigns", { name: "Collections", mode: "progressive", numbers: ["+15550000001", "+16660000002", "+17770000003"], queue: "Q-Camp", flow: "campaign", from: "+18005550111", maxAttempts: 2, retryDelaySeconds: 0 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), status: "running", mode: "progressive", contacts: [{ number: "+15550000001" }, { number: "+16660000002" }, { number: "+17770000003" }] });
    const id: string = created.body.id;

    const live = await anaTakesAndEnds();
    const liveTrace = await eventually(async () => {
      const body = await trace(live);
      return body.contact?.state === "ended" ? body : undefined;
    }, "the live call to end");
    expect(liveTrace.contact).toMatchObject({ ani: "+15550000001", dnis: "+18005550111", agent: { id: "ana" }, endReason: "agent-ended" });
    // A progressive customer's leg raises no PreDial (Cisco's table lists the preview kind only).
    expect(liveTrace.variables.Log).toBe("LIVE_VOICE;");
    const answered = await answers.done;
    expect(answered.code, answered.output).toBe(0);

    // While the unanswered number rings, Ana is held for the campaign.
    const ringing = await eventually(async () => {
      const c = await campaign(id);
      return c.contacts[2].status === "dialling" ? c : undefined;
    }, "the third number ringing");
    expect(ringing.reservations).toEqual([{ agentId: "ana", purpose: "dialling", contacts: [3] }]);
    expect(t.server.context.center.agent("ana")).toMatchObject({ state: "Idle", reason: "Campaign Collections" });

    const done = await eventually(async () => {
      const c = await campaign(id);
      return c.status === "finished" ? c : undefined;
    }, "the campaign to finish", 30_000);
    expect(done.contacts.map((c: Loose) => c.attempts.map((a: Loose) => a.result))).toEqual([["LIVE_VOICE"], ["BUSY", "BUSY"], ["RING_NO_ANSWER", "RING_NO_ANSWER"]]);
    expect(done.contacts[0].attempts[0]).toMatchObject({ agentId: "ana", interactionId: live });
    expect(done.contacts[1].attempts[0]).toMatchObject({ sipStatus: 486, reason: expect.stringContaining("486 Busy Here") });
    expect(done.totals).toMatchObject({ done: 3, attempts: 5, live: 1 });
    expect(done.reservations).toEqual([]);
    // An unanswered attempt is a contact too, ended with its outcome.
    expect((await trace(done.contacts[1].attempts[0].interactionId)).contact.endReason).toBe("campaign-busy");
    expect(t.server.context.center.agent("ana")?.state).toBe("Available");
    for (const p of [busy, rings]) {
      const r = await p.done;
      expect(r.code, r.output).toBe(0);
    }
  }, 90_000);

  it("progressive with two lines per agent: the first customer to answer is the agent's, the second is ABANDONED and hung up after its handler", async () => {
    const answers = await party(ANSWERS, ports.answers, 2);
    await t.call("POST", "/api/agents/ana/login", { available: true });
    const created = await t.call("POST", "/api/campaigns", { name: "Two lines", mode: "progressive", numbers: ["+15550000011", "+15550000012"], queue: "Q-Camp", flow: "campaign", linesPerAgent: 2 });
    expect(created.status).toBe(201);
    await anaTakesAndEnds();
    const done = await eventually(async () => {
      const c = await campaign(created.body.id);
      return c.status === "finished" ? c : undefined;
    }, "the campaign to finish", 30_000);
    const results = done.contacts.map((c: Loose) => c.attempts[0].result);
    expect(results.sort()).toEqual(["ABANDONED", "LIVE_VOICE"]);
    const abandoned = done.contacts.find((c: Loose) => c.attempts[0].result === "ABANDONED").attempts[0];
    const body = await eventually(async () => {
      const b = await trace(abandoned.interactionId);
      return b.contact.state === "ended" ? b : undefined;
    }, "the abandoned call to end");
    expect(body.contact.endReason).toBe("campaign-abandoned");
    expect(body.variables.Log).toBe("ABANDONED;");
    const r = await answers.done;
    expect(r.code, r.output).toBe(0);
  }, 90_000);

  it("preview: the agent sees the contact first; on accept PreDial PREVIEW_CAMPAIGN runs, the number is dialled and the customer is hers", async () => {
    const answers = await party(ANSWERS, ports.answers, 1);
    await t.call("POST", "/api/agents/ana/login", { available: true });
    const created = await t.call("POST", "/api/campaigns", { name: "Renewals", mode: "preview", numbers: ["+15550000021"], queue: "Q-Camp", flow: "campaign" });
    expect(created.status).toBe(201);
    const offer = await eventually(async () => {
      const r = await t.call("GET", "/api/agents/ana/preview");
      return r.status === 200 ? r.body : undefined;
    }, "the preview offer");
    expect(offer).toMatchObject({ campaignId: created.body.id, campaignName: "Renewals", contactId: 1, number: "+15550000021", attempts: 0 });
    expect(t.server.context.center.agent("ana")).toMatchObject({ state: "Idle", reason: "Campaign Renewals" });
    // Nothing is dialled before she accepts.
    expect((await campaign(created.body.id)).contacts[0]).toMatchObject({ status: "previewing", attempts: [] });

    const accepted = await t.call("POST", "/api/agents/ana/preview/accept", {});
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    const live = await anaTakesAndEnds();
    expect(live).toBe(accepted.body.interactionId);
    const done = await eventually(async () => {
      const b = await trace(live);
      return b.contact.state === "ended" ? b : undefined;
    }, "the call to end");
    expect(done.variables.Log).toBe("PREVIEW_CAMPAIGN/Customer/+15550000021;LIVE_VOICE;");
    expect(done.contact.agent).toMatchObject({ id: "ana" });
    expect((await campaign(created.body.id)).status).toBe("finished");
    const r = await answers.done;
    expect(r.code, r.output).toBe(0);
  }, 90_000);

  it("preview: a skipped contact is closed undialled and the agent is Available again", async () => {
    await t.call("POST", "/api/agents/ana/login", { available: true });
    const created = await t.call("POST", "/api/campaigns", { name: "Skips", mode: "preview", numbers: ["+16660000031"], queue: "Q-Camp", flow: "campaign" });
    await eventually(async () => ((await t.call("GET", "/api/agents/ana/preview")).status === 200 ? true : undefined), "the preview offer");
    const skipped = await t.call("POST", "/api/agents/ana/preview/skip", {});
    expect(skipped.status).toBe(200);
    expect(skipped.body).toMatchObject({ number: "+16660000031" });
    const c = await campaign(created.body.id);
    expect(c).toMatchObject({ status: "finished", contacts: [{ status: "done", attempts: [{ result: "SKIPPED", agentId: "ana" }] }] });
    expect(t.server.context.center.agent("ana")?.state).toBe("Available");
    expect((await t.call("POST", "/api/agents/ana/preview/accept", {})).status).toBe(409);
  });

  it("preview: an agent who signs out during the preview gives the contact back undialled; a stopped campaign holds nobody", async () => {
    await t.call("POST", "/api/agents/ana/login", { available: true });
    const created = await t.call("POST", "/api/campaigns", { name: "Leavers", mode: "preview", numbers: ["+16660000041"], queue: "Q-Camp", flow: "campaign" });
    await eventually(async () => ((await t.call("GET", "/api/agents/ana/preview")).status === 200 ? true : undefined), "the preview offer");
    expect((await t.call("POST", "/api/agents/ana/logout")).status).toBe(200);
    const back = await eventually(async () => {
      const c = await campaign(created.body.id);
      return c.reservations.length === 0 ? c : undefined;
    }, "the preview withdrawn");
    expect(back).toMatchObject({ status: "running", contacts: [{ status: "pending", attempts: [] }] });
    const stopped = await t.call("POST", `/api/campaigns/${created.body.id}/stop`, {});
    expect(stopped.body).toMatchObject({ status: "stopped", reservations: [] });
    await t.call("POST", "/api/agents/ana/login", { available: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(t.server.context.center.agent("ana")?.state).toBe("Available");
    expect((await t.call("GET", "/api/agents/ana/preview")).status).toBe(404);
  });

  it("a campaign for one team holds only that team's agents of the queue", async () => {
    await t.call("POST", "/api/agents/cy/login", { available: true });
    await t.call("POST", "/api/agents/ana/login", { available: true });
    try {
      const created = await t.call("POST", "/api/campaigns", { name: "Field", mode: "preview", numbers: ["+16660000051"], queue: "Q-Camp", team: "T-Field", flow: "campaign" });
      expect(created.status).toBe(201);
      await eventually(async () => ((await t.call("GET", "/api/agents/ana/preview")).status === 200 ? true : undefined), "Ana's preview offer");
      expect((await t.call("GET", "/api/agents/cy/preview")).status).toBe(404);
      expect(t.server.context.center.agent("cy")?.state).toBe("Available");
      expect((await t.call("POST", "/api/agents/ana/preview/skip", {})).status).toBe(200);
    } finally {
      await t.call("POST", "/api/agents/cy/logout");
    }
  });

  it.each([
    [{ name: "x", mode: "progressive", numbers: ["+4930123456"], queue: "Q-Camp" }, 400, "numbers[0]: no entry of the environment's center.dialPlan matches +4930123456"],
    [{ name: "x", mode: "progressive", numbers: ["+15550000001"], queue: "Q-None" }, 404, 'no queue "Q-None"'],
    [{ name: "x", mode: "progressive", numbers: ["+15550000001"], queue: "Q-Camp", team: "T-None" }, 404, 'no agent is in team "T-None"'],
    [{ name: "x", mode: "predictive", numbers: ["+15550000001"], queue: "Q-Camp" }, 400, "mode"],
    [{ name: "x", mode: "progressive", numbers: [], queue: "Q-Camp" }, 400, "numbers"],
  ])("refuses %j with %i and says why", async (body, status, message) => {
    const r = await t.call("POST", "/api/campaigns", body);
    expect(r.status).toBe(status);
    expect(r.body.error.message).toContain(message);
  });
});
