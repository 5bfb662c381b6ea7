/**
 * A web callback through the API: a customer asks on a web page to be called back
 * (POST /api/web-callbacks). The callback waits in its queue; the agent who becomes free is
 * offered it, PreDial runs as WEB_CALLBACK/Agent and, once the agent takes it, as
 * WEB_CALLBACK/Customer with the number dialled; the flow's AgentAnswered runs too. Declined, it
 * fails: CallbackFailed runs and the contact ends. The main flow never runs (no caller's leg).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildFlow, logs, tts } from "../helpers/flow-builder.js";
import { eventually, startTestServer, type Loose, type TestServer } from "./helpers.js";

const webLine = buildFlow({
  name: "Web_Callback_Line",
  variables: [{ name: "Log", value: "" }],
  main: [{ name: "Welcome", type: "play-message", props: tts("Welcome, caller.") }],
  links: [],
  events: {
    ContactPredial: logs("ContactPredial", "{{PreDial.OperationType}}/{{PreDial.ParticipantType}}{{PreDial.dialNumber}}"),
    AgentContactAssigned: logs("AgentContactAssigned", "answered by {{AgentAnswered.AgentName}}"),
    ContactCallbackFailed: logs("ContactCallbackFailed", "failed {{CallbackFailed.reason}}"),
  },
});

let t: TestServer;

beforeEach(async () => {
  t = await startTestServer({
    flows: [{ id: "web", definition: webLine }],
    environment: { queues: [{ id: "Q-Web", name: "Web Callbacks" }], agents: [{ id: "ana", name: "Ana Lima", queues: ["Q-Web"] }], center: { ringTimeoutSeconds: 60 } },
  });
});

afterEach(async () => {
  await t?.close();
});

async function requested(): Promise<string> {
  const r = await t.call("POST", "/api/web-callbacks", { number: "+15550004001", queue: "Q-Web", flow: "web" });
  expect(r.status).toBe(201);
  expect(r.body).toMatchObject({ ani: "+15550004001", flow: { id: "web" } });
  return r.body.interactionId as string;
}

async function ended(id: string): Promise<Loose> {
  return eventually(async () => {
    const body: Loose = (await t.call("GET", `/api/contacts/${id}`)).body;
    return body.contact.state === "ended" ? body : undefined;
  }, "the web callback to end");
}

describe("a web callback", () => {
  it("is offered to a free agent with PreDial WEB_CALLBACK/Agent, then dials the customer with WEB_CALLBACK/Customer once taken", async () => {
    const id = await requested();
    const queues: Loose = (await t.call("GET", "/api/queues")).body;
    expect(queues.find((q: Loose) => q.id === "Q-Web").waiting).toEqual([expect.objectContaining({ ani: "+15550004001", kind: "callback" })]);

    await t.call("POST", "/api/agents/ana/login", { available: true });
    const offer = await eventually(async () => (await t.call("GET", "/api/agents/ana")).body.offer, "the offer to ana");
    expect(offer).toMatchObject({ ani: "+15550004001", kind: "callback" });
    await t.call("POST", "/api/agents/ana/accept", { offerId: offer.offerId });
    await eventually(async () => ((await t.call("GET", `/api/contacts/${id}`)).body.variables.Log as string).includes("answered") || undefined, "AgentAnswered");
    await t.call("POST", "/api/agents/ana/end");

    const done = await ended(id);
    expect(done.variables.Log).toBe("WEB_CALLBACK/Agent;WEB_CALLBACK/Customer+15550004001;answered by Ana Lima;");
    expect(done.contact.endReason).toBe("agent-ended");
    // No caller's leg: the main flow's welcome never played.
    expect(done.events.some((e: Loose) => e.type === "prompt")).toBe(false);
  });

  it("declined by the agent fails: CallbackFailed runs and the contact ends", async () => {
    const id = await requested();
    await t.call("POST", "/api/agents/ana/login", { available: true });
    const offer = await eventually(async () => (await t.call("GET", "/api/agents/ana")).body.offer, "the offer to ana");
    await t.call("POST", "/api/agents/ana/decline", { offerId: offer.offerId });
    const done = await ended(id);
    expect(done.variables.Log).toBe("WEB_CALLBACK/Agent;failed AGENT_DECLINED;");
    expect(done.contact.endReason).toBe("callback-failed");
    const queues: Loose = (await t.call("GET", "/api/queues")).body;
    expect(queues.find((q: Loose) => q.id === "Q-Web").waiting).toEqual([]);
  });

  it.each([
    [{ number: "+15550004001", queue: "Q-Nowhere" }, 404, 'no queue "Q-Nowhere"'],
    [{ number: "anonymous", queue: "Q-Web" }, 400, "a callback needs a number to call"],
    [{ number: "+1555<b>", queue: "Q-Web" }, 400, "is not a number a carrier delivers"],
    [{ number: "+15550004001" }, 400, "queue: "],
  ])("refuses %j with %i and says why", async (body, status, message) => {
    const r = await t.call("POST", "/api/web-callbacks", body);
    expect(r.status).toBe(status);
    expect(r.body.error.message).toContain(message);
  });
});
