/**
 * PreDial for the legs an agent dials from a call, through the API as two agents would use it:
 * Ana takes an inbound call (PreDial INBOUND/Agent before her leg rings) and consults Bo, which
 * runs the flow's PreDial again as CONSULT_TO_AGENT/Agent before Bo's leg is brought in, as in
 * Cisco's operationType table. A consult that is called off runs nothing more. Ana consults the
 * back-office queue instead: its agent Available the longest (Cy, before Bo) is brought in, after
 * PreDial CONSULT_TO_QUEUE/Agent, and takes the caller on a consulted transfer; with nobody of the
 * queue Available the consult is refused and raises nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { eventually, startTestServer, type Loose, type TestServer } from "./helpers.js";

const consultLine = buildFlow({
  name: "Consult_Line",
  variables: [{ name: "Log", value: "" }],
  main: [
    { name: "Welcome", type: "play-message", props: tts("Welcome.") },
    { name: "Queue", type: "queue-contact", props: { destination: "Q-Test" } },
    { name: "Hold", type: "play-music", props: { prompt: "hold.wav", duration: "30" } },
  ],
  links: [
    ["Welcome", "default", "Queue"],
    ["Queue", "default", "Hold"],
    ["Hold", "default", "Hold"],
  ],
  events: {
    ContactPredial: {
      nodes: [
        { name: "LogLeg", type: "set-variable", props: { srcVariable: "Log", srcVariableType: "STRING", expr: "{{Log}}{{PreDial.OperationType}}/{{PreDial.ParticipantType}};" } },
        { name: "EndLeg", type: "end" },
      ],
      links: [
        ["ContactPredial", "out", "LogLeg"],
        ["LogLeg", "out", "EndLeg"],
      ],
    },
  },
});

let t: TestServer;

beforeEach(async () => {
  t = await startTestServer({
    flows: [{ id: "consult", definition: consultLine }],
    environment: {
      queues: [
        { id: "Q-Test", name: "Test Queue" },
        { id: "Q-Back", name: "Back Office" },
      ],
      agents: [
        { id: "ana", name: "Ana Lima", queues: ["Q-Test"] },
        { id: "cy", name: "Cy Diaz", queues: ["Q-Back"] },
        { id: "bo", name: "Bo Chen", queues: ["Q-Back"] },
      ],
      center: { ringTimeoutSeconds: 60 },
    },
  });
  await t.call("POST", "/api/agents/ana/login", { available: true });
  await t.call("POST", "/api/agents/cy/login", { available: true });
  await t.call("POST", "/api/agents/bo/login", { available: true });
});

afterEach(async () => {
  await t?.close();
});

async function answeredByAna(): Promise<string> {
  const placed = await t.call("POST", "/api/calls", { ani: "+15550003001", flow: "consult" });
  const id = placed.body.interactionId as string;
  const offer = await eventually(async () => (await t.call("GET", "/api/agents/ana")).body.offer, "the offer to ana");
  await t.call("POST", "/api/agents/ana/accept", { offerId: offer.offerId });
  return id;
}

const logOf = async (id: string): Promise<string> => ((await t.call("GET", `/api/contacts/${id}`)).body as Loose).variables.Log;

describe("PreDial for an agent's consult", () => {
  it("runs as CONSULT_TO_AGENT/Agent when Ana consults Bo, after INBOUND/Agent for Ana's own leg", async () => {
    const id = await answeredByAna();
    await eventually(async () => (await logOf(id)) === "INBOUND/Agent;" || undefined, "PreDial for Ana's leg");
    const consult = await t.call("POST", "/api/agents/ana/consult", { agent: "bo" });
    expect(consult.status).toBe(200);
    await eventually(async () => (await logOf(id)) === "INBOUND/Agent;CONSULT_TO_AGENT/Agent;" || undefined, "PreDial for Bo's consult leg");
    const ended = await t.call("POST", "/api/agents/ana/consult/end");
    expect(ended.status).toBe(200);
    await t.call("POST", "/api/agents/ana/end");
    await eventually(async () => ((await t.call("GET", `/api/calls/${id}`)).body.state === "ended" ? true : undefined), "the call to end");
    expect(await logOf(id)).toBe("INBOUND/Agent;CONSULT_TO_AGENT/Agent;");
  });

  it("runs as CONSULT_TO_QUEUE/Agent when Ana consults a queue; its agent Available the longest takes the consult, then the caller", async () => {
    const id = await answeredByAna();
    await eventually(async () => (await logOf(id)) === "INBOUND/Agent;" || undefined, "PreDial for Ana's leg");
    const consult = await t.call("POST", "/api/agents/ana/consult", { queue: "Q-Back" });
    expect(consult.status).toBe(200);
    expect(consult.body.consult).toMatchObject({ role: "asking", with: { id: "cy", name: "Cy Diaz" }, queue: { id: "Q-Back", name: "Back Office" } });
    expect((await t.call("GET", "/api/agents/cy")).body).toMatchObject({ agent: { state: "Engaged", reason: "Consult" }, consult: { role: "consulted", with: { id: "ana" } } });
    expect((await t.call("GET", "/api/agents/bo")).body.agent.state).toBe("Available");
    await eventually(async () => (await logOf(id)) === "INBOUND/Agent;CONSULT_TO_QUEUE/Agent;" || undefined, "PreDial for the queue consult's leg");

    const handed = await t.call("POST", "/api/agents/ana/consult/transfer");
    expect(handed.body.agent.state).toBe("WrapUp");
    expect((await t.call("GET", "/api/agents/cy")).body.contact).toMatchObject({ interactionId: id });
    const trace: Loose = (await t.call("GET", `/api/contacts/${id}`)).body;
    expect(trace.events.find((e: Loose) => e.type === "control" && e.action === "consult")).toMatchObject({ agent: "ana", detail: "Cy Diaz of queue Back Office" });
  });

  it("refuses a consult to a queue nobody of which is Available, and raises nothing", async () => {
    await t.call("POST", "/api/agents/cy/state", { state: "Idle", reason: "Break" });
    await t.call("POST", "/api/agents/bo/state", { state: "Idle", reason: "Break" });
    const id = await answeredByAna();
    await eventually(async () => (await logOf(id)) === "INBOUND/Agent;" || undefined, "PreDial for Ana's leg");
    const refused = await t.call("POST", "/api/agents/ana/consult", { queue: "Q-Back" });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: "AGENT_NOT_AVAILABLE", message: "no agent of Back Office is Available to take a consult" });
    const nowhere = await t.call("POST", "/api/agents/ana/consult", { queue: "Q-Nowhere" });
    expect(nowhere.status).toBe(404);
    const both = await t.call("POST", "/api/agents/ana/consult", { queue: "Q-Back", agent: "bo" });
    expect(both.status).toBe(400);
    expect((await t.call("GET", "/api/agents/ana")).body.consult).toBeUndefined();
    expect(await logOf(id)).toBe("INBOUND/Agent;");
  });
});
