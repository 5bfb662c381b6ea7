/**
 * A courtesy callback survives a restart of the server: a caller asks for a callback and hangs
 * up; the server stops before any agent is free; started again on the same data directory, it
 * has the callback waiting in its queue, and when an agent takes it the flow's event flows run for
 * it as before the restart (PreDial for the customer's leg, AgentAnswered), with the flow's
 * variables as they were (an isSecure one is not kept). Once done, nothing is left pending.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PendingCallbackStore } from "../../src/server/pending-callbacks.js";
import { buildFlow, logs, tts } from "../helpers/flow-builder.js";
import { eventually, startTestServer, type Loose, type TestServer } from "./helpers.js";

const callbackLine = buildFlow({
  name: "Callback_Line",
  variables: [
    { name: "Log", value: "" },
    { name: "Tier", value: "" },
    { name: "Pin", value: "0000", isSecure: true },
  ],
  main: [
    { name: "SetTier", type: "set-variable", props: { srcVariable: "Tier", srcVariableType: "STRING", expr: "Gold" } },
    { name: "SetPin", type: "set-variable", props: { srcVariable: "Pin", srcVariableType: "STRING", expr: "4321" } },
    { name: "Cb", type: "callback", props: { callbackDn: "{{NewPhoneContact.ANI}}", callbackQueue: "Q-Cb" } },
    { name: "Bye", type: "play-message", props: tts("We will call you back.") },
    { name: "Hangup", type: "disconnect-contact" },
  ],
  links: [
    ["SetTier", "out", "SetPin"],
    ["SetPin", "out", "Cb"],
    ["Cb", "default", "Bye"],
    ["Bye", "default", "Hangup"],
  ],
  events: {
    ContactPredial: logs("ContactPredial", "{{PreDial.OperationType}}/{{PreDial.ParticipantType}}{{PreDial.dialNumber}}"),
    AgentContactAssigned: logs("AgentContactAssigned", "answered by {{AgentAnswered.AgentName}} for a {{Tier}} customer, pin {{Pin}}"),
  },
});

const environment = { queues: [{ id: "Q-Cb", name: "Callbacks" }], agents: [{ id: "ana", name: "Ana Lima", queues: ["Q-Cb"] }], center: { ringTimeoutSeconds: 60 } };
const dataDir = mkdtempSync(join(tmpdir(), "ccflow-pending-"));
const servers: TestServer[] = [];

/** The rows written now (the store opened and closed again, as a later server would). */
function pendingRows(): number {
  const store = PendingCallbackStore.inDataDir(dataDir);
  try {
    return store.list().length;
  } finally {
    store.close();
  }
}

async function start(): Promise<TestServer> {
  const t = await startTestServer({ flows: [{ id: "callback", definition: callbackLine }], environment, extra: { dataDir } });
  servers.push(t);
  return t;
}

afterAll(async () => {
  for (const t of servers) await t.close().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

describe("a pending courtesy callback across a restart", () => {
  it("is placed again in its queue at start, and its flow's event flows run when an agent takes it", async () => {
    const first = await start();
    const placed = await first.call("POST", "/api/calls", { ani: "+15550005001", flow: "callback" });
    const id: string = placed.body.interactionId;
    await eventually(() => first.server.context.center.listCallbacks().some((c) => c.number === "+15550005001" && c.state === "waiting") || undefined, "the callback to wait");
    await eventually(() => pendingRows() === 1 || undefined, "the callback to be written");
    await first.close();

    const second = await start();
    const waiting = second.server.context.center.listCallbacks();
    expect(waiting).toEqual([expect.objectContaining({ number: "+15550005001", queueId: "Q-Cb", interactionId: id, state: "waiting" })]);
    const queues: Loose = (await second.call("GET", "/api/queues")).body;
    expect(queues.find((q: Loose) => q.id === "Q-Cb").waiting).toEqual([expect.objectContaining({ ani: "+15550005001", kind: "callback" })]);

    await second.call("POST", "/api/agents/ana/login", { available: true });
    const offer = await eventually(async () => (await second.call("GET", "/api/agents/ana")).body.offer, "the offer to ana");
    expect(offer).toMatchObject({ ani: "+15550005001", kind: "callback" });
    await second.call("POST", "/api/agents/ana/accept", { offerId: offer.offerId });
    const log = await eventually(async () => {
      const text = ((await second.call("GET", `/api/contacts/${id}`)).body as Loose).variables.Log as string;
      return text.includes("answered") ? text : undefined;
    }, "AgentAnswered after the restart");
    // Tier was kept; the isSecure Pin was not written, so it is back to its default.
    expect(log).toBe("COURTESY_CALLBACK/Agent;COURTESY_CALLBACK/Customer+15550005001;answered by Ana Lima for a Gold customer, pin 0000;");
    await second.call("POST", "/api/agents/ana/end");
    await eventually(async () => ((await second.call("GET", `/api/calls/${id}`)).body.state === "ended" ? true : undefined), "the callback's contact to end");
    expect(second.server.context.center.listCallbacks()[0]!.state).toBe("completed");
    await eventually(() => pendingRows() === 0 || undefined, "nothing left pending");
  });
});
