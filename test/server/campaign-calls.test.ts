/**
 * Outbound campaign calls through the HTTP API, from the dialler's and the agent's side: the
 * dialler reports that a customer picked up (POST /api/campaign-calls), OutboundCampaignCallResult
 * runs with the call progress result, and a live customer is greeted and queued by the flow, or
 * placed in the campaign's queue, then offered to an agent who takes the call. An answering
 * machine gets the voicemail message and the call ends. Real HTTP and WebSockets on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFlow, tts, type NodeSpec } from "../helpers/flow-builder.js";
import { supportEnvironment } from "./fixtures.js";
import { eventually, startTestServer, type Loose, type TestServer } from "./helpers.js";

/** The result handler: logs the CPA result; an answering machine hears a message and is hung up on. */
const RESULT_HANDLER = {
  nodes: [
    { name: "LogResult", type: "set-variable", props: { srcVariable: "Log", srcVariableType: "STRING", expr: "{{Log}}{{OutboundCampaignCallResult.CPAResult}}/{{OutboundCampaignCallResult.CPAResultCode}};" } },
    { name: "IsMachine", type: "condition-activity", props: { expression: '{{ OutboundCampaignCallResult.CPAResult == "AMD" }}' } },
    { name: "Voicemail", type: "play-message", props: tts("Please call Example Bank back about your account.") },
    { name: "HangupMachine", type: "disconnect-contact" },
    { name: "EndResult", type: "end" },
  ] as NodeSpec[],
  links: [
    ["ContactOutboundCampaignResult", "out", "LogResult"],
    ["LogResult", "out", "IsMachine"],
    ["IsMachine", "true", "Voicemail"],
    ["IsMachine", "false", "EndResult"],
    ["Voicemail", "default", "HangupMachine"],
  ] as Array<[string, string, string]>,
};

const logOffered = {
  nodes: [
    { name: "LogOffered", type: "set-variable", props: { srcVariable: "Log", srcVariableType: "STRING", expr: "{{Log}}offered;" } },
    { name: "EndOffered", type: "end" },
  ] as NodeSpec[],
  links: [
    ["AgentOfferContact", "out", "LogOffered"],
    ["LogOffered", "out", "EndOffered"],
  ] as Array<[string, string, string]>,
};

/** Greets the live customer and queues them in Q-Test itself, as an inbound flow would. */
const greetAndQueue = buildFlow({
  name: "Outbound_Collections",
  variables: [{ name: "Log", value: "" }],
  main: [
    { name: "Greeting", type: "play-message", props: tts("Hello, this is Example Bank.") },
    { name: "Queue", type: "queue-contact", props: { destination: "Q-Test" } },
    { name: "Hold", type: "play-music", props: { prompt: "hold.wav", duration: "30" } },
  ],
  links: [
    ["Greeting", "default", "Queue"],
    ["Queue", "default", "Hold"],
    ["Hold", "default", "Hold"],
  ],
  events: { ContactOutboundCampaignResult: RESULT_HANDLER, AgentOfferContact: logOffered },
});

/** Cisco's outbound templates: the main flow is a lone End Flow, everything is in the result handler. */
const endOnly = buildFlow({
  name: "Outbound_Placeholder",
  variables: [{ name: "Log", value: "" }],
  main: [{ name: "Placeholder", type: "end" }],
  links: [],
  events: { ContactOutboundCampaignResult: RESULT_HANDLER },
});

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({
    flows: [
      { id: "collections", definition: greetAndQueue },
      { id: "placeholder", definition: endOnly },
    ],
    environment: supportEnvironment,
  });
});

afterAll(async () => {
  await t?.close();
});

async function trace(id: string): Promise<Loose> {
  return (await t.call("GET", `/api/contacts/${id}`)).body;
}

async function endedTrace(id: string): Promise<Loose> {
  return eventually(async () => {
    const body = await trace(id);
    return body.contact?.state === "ended" ? body : undefined;
  }, `call ${id} to end`);
}

/** The agent signs in, goes Available, takes the offer for `id` and ends the call. */
async function agentTakes(id: string): Promise<Loose> {
  await t.call("POST", "/api/agents/ana/login");
  const agent = await t.socket("/api/agents/ana/ws");
  await agent.next((m) => m.type === "desk", "first desk");
  await t.call("POST", "/api/agents/ana/state", { state: "Available" });
  const offer = await agent.next((m) => m.type === "event" && m.event.type === "offer", "offer").then((m) => m.event);
  expect(offer).toMatchObject({ interactionId: id, ani: "+14805550199", queue: { id: "Q-Test" } });
  const accepted = await t.call("POST", "/api/agents/ana/accept", { offerId: offer.offerId });
  expect(accepted.body.agent.state).toBe("Engaged");
  const ended = await t.call("POST", "/api/agents/ana/end");
  expect(ended.body.contact).toMatchObject({ interactionId: id, endedReason: "agent-ended" });
  await t.call("POST", "/api/agents/ana/wrapup", { state: "Idle" });
  await t.call("POST", "/api/agents/ana/logout");
  agent.close();
  return offer;
}

describe("a campaign call started through the API", () => {
  it("to a live customer runs OutboundCampaignCallResult, goes on through the flow, is queued by it and taken by an agent", async () => {
    const started = await t.call("POST", "/api/campaign-calls", { flow: "collections", ani: "+14805550199", dnis: "+18005550111", result: "LIVE_VOICE", resultCode: "11" });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ ani: "+14805550199", dnis: "+18005550111", flow: { id: "collections" }, socket: `/api/calls/${started.body.interactionId}/ws` });
    const id: string = started.body.interactionId;

    const customer = await t.socket(started.body.socket);
    await customer.next((m) => m.type === "hello", "hello");
    const queued = await eventually(async () => (await trace(id)).events.find((e: Loose) => e.type === "queued"), "the customer to be queued");
    expect(queued).toMatchObject({ queue: "Q-Test", activity: "Queue" });
    await agentTakes(id);

    const done = await endedTrace(id);
    expect(done.contact).toMatchObject({ endReason: "agent-ended", agent: { id: "ana" } });
    // AgentOffered is not raised for campaign contacts (Cisco's help), so only the result is logged.
    expect(done.variables.Log).toBe("LIVE_VOICE/11;");
    const handlers = done.events.filter((e: Loose) => e.type === "event").map((e: Loose) => e.name);
    expect(handlers).toEqual(["ContactOutboundCampaignResult"]);
    expect(done.events.filter((e: Loose) => e.type === "prompt").map((e: Loose) => e.text)).toContain("Hello, this is Example Bank.");
    customer.close();
  });

  it("to a live customer whose flow only ends is placed in the campaign's queue and offered to its agent", async () => {
    const started = await t.call("POST", "/api/campaign-calls", { flow: "placeholder", ani: "+14805550199", result: "LIVE_VOICE", queue: "Q-Test" });
    expect(started.status).toBe(201);
    const id: string = started.body.interactionId;
    const queued = await eventually(async () => (await trace(id)).events.find((e: Loose) => e.type === "queued"), "the customer to be queued");
    expect(queued).toMatchObject({ queue: "Q-Test", priority: 1 });
    await agentTakes(id);
    const done = await endedTrace(id);
    expect(done.contact.endReason).toBe("agent-ended");
    expect(done.variables.Log).toBe("LIVE_VOICE/;");
  });

  it("to a live customer of a campaign with no queue ends with the flow, as an inbound call's End Flow does", async () => {
    const started = await t.call("POST", "/api/campaign-calls", { flow: "placeholder", ani: "+14805550199", result: "LIVE_VOICE" });
    const done = await endedTrace(started.body.interactionId);
    expect(done.contact.endReason).toBe("flow-ended");
  });

  it("that reaches an answering machine leaves the voicemail message and hangs up, never placed in the campaign's queue", async () => {
    const started = await t.call("POST", "/api/campaign-calls", { flow: "placeholder", ani: "+14805550199", result: "AMD", mode: "preview", queue: "Q-Test" });
    const done = await endedTrace(started.body.interactionId);
    expect(done.contact.endReason).toBe("disconnected");
    expect(done.events.filter((e: Loose) => e.type === "prompt").map((e: Loose) => e.text)).toContain("Please call Example Bank back about your account.");
    expect(done.events.some((e: Loose) => e.type === "queued")).toBe(false);
    expect(done.variables.Log).toBe("AMD/;");
  });

  it.each([
    [{ flow: "collections", ani: "+14805550199", result: "MAYBE" }, 400, "result: "],
    [{ flow: "collections", ani: "anonymous", result: "LIVE_VOICE" }, 400, "a withheld one cannot be called"],
    [{ flow: "collections", ani: "+1480<b>", result: "LIVE_VOICE" }, 400, "is not a number a carrier delivers"],
    [{ flow: "collections", ani: "+14805550199", result: "LIVE_VOICE", queue: "Q-Nowhere" }, 404, 'no queue "Q-Nowhere"'],
    [{ flow: "nowhere", ani: "+14805550199", result: "LIVE_VOICE" }, 404, 'no flow "nowhere"'],
  ])("refuses %j with %i and says why", async (body, status, message) => {
    const r = await t.call("POST", "/api/campaign-calls", body);
    expect(r.status).toBe(status);
    expect(r.body.error.message).toContain(message);
  });

  it("is in the OpenAPI document with its roles and its body's fields", async () => {
    const doc = (await fetch(`${t.url}/api/openapi.json`).then((r) => r.json())) as Loose;
    const op = doc.paths["/api/campaign-calls"].post;
    expect(op["x-ccflow-roles"]).toEqual(["caller", "supervisor"]);
    const schema = op.requestBody.content["application/json"].schema;
    expect(schema.properties.result.enum).toEqual(["LIVE_VOICE", "AMD", "ABANDONED"]);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["ani", "dnis", "flow", "result", "resultCode", "mode", "queue"]));
  });
});
