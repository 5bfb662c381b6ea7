/**
 * Transfers and consults through the API, as two agents would use them: a blind transfer to a
 * queue (the caller hears music while waiting, the next agent's AgentOffered and AgentAnswered
 * event flows run and pop for them), a blind transfer to an agent, and a consult that ends in a
 * consulted transfer or is called off, or becomes a three-way conference.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually, startTestServer, type Loose, type TestServer } from "./helpers.js";
import { supportFlow } from "./fixtures.js";

let t: TestServer;

beforeEach(async () => {
  t = await startTestServer({
    flows: [{ id: "support", definition: supportFlow() }],
    environment: {
      queues: [
        { id: "Q-Test", name: "Test Queue" },
        { id: "Q-Other", name: "Other Queue" },
      ],
      agents: [
        { id: "ana", name: "Ana Lima", queues: ["Q-Test"] },
        { id: "bo", name: "Bo Chen", queues: ["Q-Other"] },
      ],
      center: { ringTimeoutSeconds: 60 },
    },
  });
  await t.call("POST", "/api/agents/ana/login", { available: true });
});
afterEach(async () => {
  await t?.close();
});

async function answered(ani: string): Promise<string> {
  const placed = await t.call("POST", "/api/calls", { ani, flow: "support" });
  const id = placed.body.interactionId as string;
  await t.call("POST", `/api/calls/${id}/digits`, { digits: "1" });
  const offer = await eventually(async () => (await t.call("GET", "/api/agents/ana")).body.offer, "the offer to ana");
  await t.call("POST", "/api/agents/ana/accept", { offerId: offer.offerId });
  return id;
}

async function accept(agent: string): Promise<Loose> {
  const offer = await eventually(async () => (await t.call("GET", `/api/agents/${agent}`)).body.offer, `the offer to ${agent}`);
  return (await t.call("POST", `/api/agents/${agent}/accept`, { offerId: offer.offerId })).body;
}

const trace = async (id: string): Promise<Loose[]> => (await t.call("GET", `/api/contacts/${id}`)).body.events;

describe("transfers", () => {
  it("blind to a queue: the caller waits with music, the queue's agent gets it and the flow's answer event runs for them", async () => {
    const id = await answered("+15550002001");
    const caller = await t.socket(`/api/calls/${id}/ws?observe=1`);
    await t.call("POST", "/api/agents/bo/login", { available: true });
    const after = await t.call("POST", "/api/agents/ana/transfer", { queue: "Q-Other" });
    expect(after.status).toBe(200);
    expect(after.body.agent.state).toBe("WrapUp");
    await caller.next((m) => m.type === "play" && m.music === true, "music while the caller waits again");
    const bo = await accept("bo");
    expect(bo.agent.state).toBe("Engaged");
    expect(bo.contact).toMatchObject({ interactionId: id, queue: { id: "Q-Other" } });

    const events = await trace(id);
    expect(events.find((e) => e.type === "requeued")).toMatchObject({ reason: "transfer", agent: "ana", queue: "Q-Other", queueName: "Other Queue" });
    expect(events.find((e) => e.type === "control")).toMatchObject({ action: "transfer", agent: "ana", detail: "queue Other Queue" });
    expect(events.filter((e) => e.type === "answered").map((e) => e.agent)).toEqual(["ana", "bo"]);
    const answerFlows = events.filter((e) => e.type === "event" && e.name === "AgentContactAssigned");
    expect(answerFlows).toHaveLength(2);
    // The flow's screen pop goes to whoever answered.
    await eventually(async () => ((await t.call("GET", "/api/agents/bo")).body.contact.screenPops.length === 1 ? true : undefined), "bo's screen pop");
  });

  it("blind to an agent: only an Available one; it rings there", async () => {
    const id = await answered("+15550002002");
    const busy = await t.call("POST", "/api/agents/ana/transfer", { agent: "bo" });
    expect(busy.status).toBe(400);
    expect(busy.body.error).toEqual({ code: "AGENT_NOT_AVAILABLE", message: "Bo Chen is signed out; only an Available agent can take a transfer or a consult" });
    expect((await t.call("POST", "/api/agents/ana/transfer", { queue: "Q-Other", agent: "bo" })).status).toBe(400);
    await t.call("POST", "/api/agents/bo/login", { available: true });
    await t.call("POST", "/api/agents/ana/transfer", { agent: "bo" });
    const bo = await accept("bo");
    expect(bo.contact.interactionId).toBe(id);
    expect((await trace(id)).find((e) => e.type === "requeued")).toMatchObject({ reason: "transfer", to: "bo", toName: "Bo Chen" });
  });

  it("consult, then transfer to the consulted agent: the caller is held meanwhile and taken off hold by the new agent", async () => {
    const id = await answered("+15550002003");
    await t.call("POST", "/api/agents/bo/login", { available: true });
    const asking = await t.call("POST", "/api/agents/ana/consult", { agent: "bo" });
    expect(asking.body.consult).toMatchObject({ role: "asking", with: { id: "bo", name: "Bo Chen" } });
    expect(asking.body.contact.controls.held).toBe(true);
    const consulted = (await t.call("GET", "/api/agents/bo")).body;
    expect(consulted.agent).toMatchObject({ state: "Engaged", reason: "Consult" });
    expect(consulted.consult).toMatchObject({ role: "consulted", with: { id: "ana" } });
    expect(consulted.contact.interactionId).toBe(id);
    // Only the agent on the call acts on it.
    expect((await t.call("POST", "/api/agents/bo/hold")).status).toBe(409);
    expect((await t.call("POST", "/api/agents/ana/transfer", { queue: "Q-Other" })).body.error.message).toBe("end the consult first (or transfer to the consulted agent)");

    const done = await t.call("POST", "/api/agents/ana/consult/transfer");
    expect(done.body.agent.state).toBe("WrapUp");
    expect(done.body.consult).toBeUndefined();
    const bo = (await t.call("GET", "/api/agents/bo")).body;
    expect(bo.agent.state).toBe("Engaged");
    expect(bo.contact).toMatchObject({ interactionId: id, controls: { held: false } });
    const events = await trace(id);
    expect(events.filter((e) => e.type === "control").map((e) => e.action)).toEqual(["hold", "consult", "consult-transfer"]);
    expect(events.filter((e) => e.type === "event" && e.name === "AgentContactAssigned")).toHaveLength(2);
    // Bo ends the call for good: the caller's contact ends and Bo wraps up.
    await t.call("POST", "/api/agents/bo/end");
    await eventually(async () => ((await t.call("GET", `/api/calls/${id}`)).body.state === "ended" ? true : undefined), "the call ended");
  });

  it("the contact record keeps both agents' legs, and the report's AHT counts them both", async () => {
    const pause = () => new Promise((r) => setTimeout(r, 40));
    const id = await answered("+15550002005");
    await t.call("POST", "/api/agents/bo/login", { available: true });
    await pause();
    await t.call("POST", "/api/agents/ana/transfer", { agent: "bo" });
    await accept("bo");
    await pause();
    await t.call("POST", "/api/agents/ana/wrapup", { state: "Idle", reason: "Admin" });
    await t.call("POST", "/api/agents/bo/end");
    await pause();
    await t.call("POST", "/api/agents/bo/wrapup", { state: "Idle", reason: "Admin" });
    const record = await eventually(async () => {
      const r = (await t.call("GET", `/api/records/${id}`)).body.record as Loose;
      return r?.legs?.[1]?.wrapEndAt !== undefined ? r : undefined;
    }, "both legs wrapped up");
    expect(record).toMatchObject({ agentId: "ana", legs: [{ agentId: "ana", agentName: "Ana Lima" }, { agentId: "bo", agentName: "Bo Chen" }] });
    const legs = record.legs as Array<{ answeredAt: number; endedAt: number; wrapEndAt: number }>;
    const handle = legs.reduce((sum, l) => sum + (l.endedAt - l.answeredAt) + (l.wrapEndAt - l.endedAt), 0);
    expect(legs[1]!.endedAt - legs[1]!.answeredAt, "Bo talked").toBeGreaterThan(0);
    const report = await t.call("GET", "/api/reports?interval=1d&queue=Q-Test");
    expect(report.body.queues[0].intervals.at(-1)).toMatchObject({ answered: 1, ahtMs: handle });
  });

  it("each agent's handle time is their own: a consulted agent's consult is a leg of theirs, beside the asking agent's talk", async () => {
    const pause = () => new Promise((r) => setTimeout(r, 40));
    const id = await answered("+15550002007");
    await t.call("POST", "/api/agents/bo/login", { available: true });
    await pause();
    await t.call("POST", "/api/agents/ana/consult", { agent: "bo" });
    await pause();
    await t.call("POST", "/api/agents/ana/consult/transfer");
    await t.call("POST", "/api/agents/ana/wrapup", { state: "Idle", reason: "Admin" });
    await pause();
    await t.call("POST", "/api/agents/bo/end");
    await t.call("POST", "/api/agents/bo/wrapup", { state: "Idle", reason: "Admin" });
    const record = await eventually(async () => {
      const r = (await t.call("GET", `/api/records/${id}`)).body.record as Loose;
      return r?.legs?.[2]?.wrapEndAt !== undefined ? r : undefined;
    }, "every leg wrapped up");
    const legs = record.legs as Array<{ agentId: string; consult?: boolean; answeredAt: number; endedAt: number; wrapEndAt: number }>;
    expect(legs.map((l) => [l.agentId, l.consult ?? false])).toEqual([
      ["ana", false],
      ["bo", true],
      ["bo", false],
    ]);
    const [ana, consult, bo] = legs as [(typeof legs)[0], (typeof legs)[0], (typeof legs)[0]];
    expect(consult.endedAt - consult.answeredAt, "Bo's consult minutes are his").toBeGreaterThan(0);
    expect(consult.wrapEndAt, "no wrap-up after a consult").toBe(consult.endedAt);
    expect(consult.answeredAt).toBeGreaterThanOrEqual(ana.answeredAt);
    expect(consult.endedAt).toBeLessThanOrEqual(bo.answeredAt);
    expect(ana.endedAt, "Ana talked until she handed the caller over").toBeGreaterThanOrEqual(consult.endedAt);
    const handle = legs.reduce((sum, l) => sum + (l.endedAt - l.answeredAt) + (l.wrapEndAt - l.endedAt), 0);
    const report = await t.call("GET", "/api/reports?interval=1d&queue=Q-Test");
    expect(report.body.queues[0].intervals.at(-1).ahtMs).toBe(handle);
  });

  it("a consult called off closes the consulted agent's consult leg; the first agent's leg goes on", async () => {
    const id = await answered("+15550002008");
    await t.call("POST", "/api/agents/bo/login", { available: true });
    await t.call("POST", "/api/agents/ana/consult", { agent: "bo" });
    await new Promise((r) => setTimeout(r, 40));
    await t.call("POST", "/api/agents/ana/consult/end");
    const record = await eventually(async () => {
      const r = (await t.call("GET", `/api/records/${id}`)).body.record as Loose;
      return r?.legs?.[1]?.endedAt !== undefined ? r : undefined;
    }, "the consult leg closed");
    expect(record.legs).toMatchObject([{ agentId: "ana" }, { agentId: "bo", consult: true }]);
    expect(record.legs[0].endedAt).toBeUndefined();
    expect(record.legs[1].endedAt - record.legs[1].answeredAt).toBeGreaterThan(0);
  });

  it("a consult called off leaves the caller on hold with the first agent, and the consulted agent Available", async () => {
    const id = await answered("+15550002004");
    await t.call("POST", "/api/agents/bo/login", { available: true });
    await t.call("POST", "/api/agents/ana/consult", { agent: "bo" });
    // The consulted agent hanging up leaves the consult, not the caller's call.
    const bo = await t.call("POST", "/api/agents/bo/end");
    expect(bo.body.agent.state).toBe("Available");
    const ana = (await t.call("GET", "/api/agents/ana")).body;
    expect(ana.agent.state).toBe("Engaged");
    expect(ana.consult).toBeUndefined();
    expect(ana.contact.controls.held).toBe(true);
    expect((await t.call("POST", "/api/agents/ana/resume")).body.contact.controls.held).toBe(false);
    expect((await t.call("GET", `/api/calls/${id}`)).body.state).toBe("engaged");
  });

  it("a consult made a conference: the caller comes off hold; when the consulted agent leaves, the caller stays with the first agent, talking", async () => {
    const id = await answered("+15550002006");
    await t.call("POST", "/api/agents/bo/login", { available: true });
    await t.call("POST", "/api/agents/ana/consult", { agent: "bo" });
    // Only the asking agent makes it a conference.
    const refused = await t.call("POST", "/api/agents/bo/consult/conference");
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe('agent "bo" has no consult of their own to turn into a conference');

    const conf = await t.call("POST", "/api/agents/ana/consult/conference");
    expect(conf.status).toBe(200);
    expect(conf.body.consult).toMatchObject({ role: "asking", with: { id: "bo" }, conference: true });
    expect(conf.body.contact.controls.held).toBe(false);
    expect((await t.call("GET", "/api/agents/bo")).body.consult).toMatchObject({ role: "consulted", conference: true });
    expect((await t.call("POST", "/api/agents/ana/consult/conference")).body.error.code).toBe("ALREADY_CONFERENCED");
    expect((await t.call("POST", "/api/agents/ana/hold")).body.error.message).toBe("the call is a conference; end the consult (the caller stays with you) or transfer first");
    // Mute still works in a conference (it cuts Ana toward both).
    expect((await t.call("POST", "/api/agents/ana/mute", { muted: true })).body.contact.controls.muted).toBe(true);

    const bo = await t.call("POST", "/api/agents/bo/consult/end");
    expect(bo.body.agent.state).toBe("Available");
    const ana = (await t.call("GET", "/api/agents/ana")).body;
    expect(ana.agent.state).toBe("Engaged");
    expect(ana.consult).toBeUndefined();
    expect(ana.contact.controls).toMatchObject({ held: false, muted: true });
    const events = await trace(id);
    expect(events.filter((e) => e.type === "control").map((e) => [e.action, e.detail ?? ""])).toEqual([
      ["hold", ""],
      ["consult", "Bo Chen"],
      ["conference", "Bo Chen"],
      ["mute", ""],
      ["consult-end", ""],
    ]);
    // A new consult on the same call starts as a consult again (the caller on hold).
    await t.call("POST", "/api/agents/bo/login", { available: true });
    const again = await t.call("POST", "/api/agents/ana/consult", { agent: "bo" });
    expect(again.body.consult.conference).toBeUndefined();
    expect(again.body.contact.controls.held).toBe(true);
  });
});
