/**
 * PreDial for the legs an agent dials from a call, through the API as two agents would use it:
 * Ana takes an inbound call (PreDial INBOUND/Agent before her leg rings) and consults Bo, which
 * runs the flow's PreDial again as CONSULT_TO_AGENT/Agent before Bo's leg is brought in, as in
 * Cisco's operationType table. A consult that is called off runs nothing more.
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
      queues: [{ id: "Q-Test", name: "Test Queue" }],
      agents: [
        { id: "ana", name: "Ana Lima", queues: ["Q-Test"] },
        { id: "bo", name: "Bo Chen", queues: [] },
      ],
      center: { ringTimeoutSeconds: 60 },
    },
  });
  await t.call("POST", "/api/agents/ana/login", { available: true });
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
});
