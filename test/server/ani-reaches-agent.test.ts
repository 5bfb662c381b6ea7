/**
 * A caller's number that changes after the call was queued reaches the people handling it, as an
 * operator desk that passes a call on would expect: while the caller waits, the queue (what the
 * supervisor sees) shows the new number; while the call rings at Ana, her offer shows it and her
 * desk hears `contact-updated`; once she talks to the caller, her contact shows it. The flow's
 * AniUpdated event flow pops the CRM page for each new number on her desk (the change made while
 * the call rang at her too); a pop already shown is not rewritten (a page the agent may be
 * reading), the new one comes beside it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { eventually, startTestServer, type Loose, type TestServer } from "./helpers.js";
import { expectSocketMessagesFit } from "./socket-conformance.js";

const operatorQueue = buildFlow({
  name: "Operator_Queue",
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
    ContactAniUpdated: {
      nodes: [
        { name: "LogAni", type: "set-variable", props: { srcVariable: "Log", srcVariableType: "STRING", expr: "{{Log}}{{AniUpdated.ANI}};" } },
        { name: "Pop", type: "screen-pop", props: { screenPopUrl: "https://crm.example.com/lookup?", queryParameters: { phone: "{{AniUpdated.ANI}}" }, target: "insideDesktop", screenPopDesktopLabel: "Caller" } },
        { name: "EndAni", type: "end" },
      ],
      links: [
        ["ContactAniUpdated", "out", "LogAni"],
        ["LogAni", "out", "Pop"],
        ["Pop", "default", "EndAni"],
        ["Pop", "error", "EndAni"],
      ],
    },
  },
});

let t: TestServer;

beforeEach(async () => {
  t = await startTestServer({
    flows: [{ id: "operator", definition: operatorQueue }],
    environment: {
      queues: [{ id: "Q-Test", name: "Test Queue" }],
      agents: [{ id: "ana", name: "Ana Lima", queues: ["Q-Test"] }],
      center: { ringTimeoutSeconds: 60 },
    },
  });
});

afterEach(async () => {
  await t?.close();
});

const logOf = async (id: string): Promise<string> => ((await t.call("GET", `/api/contacts/${id}`)).body as Loose).variables.Log;
const queue = async (): Promise<Loose> => ((await t.call("GET", "/api/queues")).body as Loose[]).find((q) => q.id === "Q-Test");

describe("a caller's number changed after queueing", () => {
  it("shows in the queue, in Ana's ringing offer and on her call; AniUpdated pops the CRM page for it", async () => {
    await t.call("POST", "/api/agents/ana/login");
    const desk = await t.socket("/api/agents/ana/ws");
    await desk.next((m) => m.type === "desk", "first desk");
    const placed = await t.call("POST", "/api/calls", { ani: "+15550003001", flow: "operator" });
    const id = placed.body.interactionId as string;
    await eventually(async () => ((await queue()).waiting.length === 1 ? true : undefined), "the caller waiting");

    // Waiting: the queue the supervisor reads shows the new number.
    expect((await t.call("POST", `/api/calls/${id}/ani`, { ani: "+14085550147" })).status).toBe(200);
    expect((await queue()).waiting).toEqual([expect.objectContaining({ interactionId: id, ani: "+14085550147" })]);

    // Ringing at Ana: her offer shows the number as it is now.
    await t.call("POST", "/api/agents/ana/state", { state: "Available" });
    const offer = await desk.next((m) => m.type === "event" && m.event.type === "offer", "the offer").then((m) => m.event);
    expect(offer.ani).toBe("+14085550147");
    await t.call("POST", `/api/calls/${id}/ani`, { ani: "+14085550148" });
    const ringing = await desk.next((m) => m.type === "event" && m.event.type === "contact-updated", "contact-updated while ringing").then((m) => m.event);
    expect(ringing).toMatchObject({ agentId: "ana", interactionId: id, ani: "+14085550148", previousAni: "+14085550147" });
    expect((await t.call("GET", "/api/agents/ana")).body.offer).toMatchObject({ offerId: offer.offerId, ani: "+14085550148" });
    expect((await queue()).ringing).toEqual([expect.objectContaining({ interactionId: id, ani: "+14085550148" })]);

    // On the call: her contact shows it, and the flow's AniUpdated pops the CRM page for it.
    await t.call("POST", "/api/agents/ana/accept", { offerId: offer.offerId });
    await t.call("POST", `/api/calls/${id}/ani`, { ani: "+14085550149" });
    await desk.next((m) => m.type === "event" && m.event.type === "contact-updated" && m.event.ani === "+14085550149", "contact-updated on the call");
    const pop = await desk.next((m) => m.type === "event" && m.event.type === "screen-pop" && m.event.url.endsWith("149"), "the pop for the new number").then((m) => m.event);
    expect(pop).toMatchObject({ interactionId: id, url: "https://crm.example.com/lookup?phone=%2B14085550149", label: "Caller" });
    const onCall = (await t.call("GET", "/api/agents/ana")).body;
    expect(onCall.contact).toMatchObject({ interactionId: id, ani: "+14085550149" });
    // The pop made while the call rang at her stays as it was; the new one comes beside it.
    expect(onCall.contact.screenPops.map((p: Loose) => p.url)).toEqual(["https://crm.example.com/lookup?phone=%2B14085550148", "https://crm.example.com/lookup?phone=%2B14085550149"]);
    expect((await queue()).connected).toEqual([expect.objectContaining({ interactionId: id, ani: "+14085550149" })]);
    expect(await logOf(id)).toBe("+14085550147;+14085550148;+14085550149;");
    expect((await t.call("GET", `/api/calls/${id}`)).body.ani).toBe("+14085550149");
    // Every message the desk got fits the socket's published schema, contact-updated included.
    await expectSocketMessagesFit(t);
  });
});
