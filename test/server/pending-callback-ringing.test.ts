/**
 * What a restart does to a courtesy callback that was ringing at an agent, told from Ana's side:
 * the callback rings at her when the server stops; started again on the same data directory, the
 * server has no ring to give back (agents sign in afresh), so the callback is waiting in its queue
 * again, and when Ana signs in it rings at her anew, with the flow's PreDial for her leg run again
 * for that new offer. The contact keeps its count of activities run across the restart, so the
 * flow's runaway limit counts its whole life: with a limit that the contact's own steps before the
 * restart bring within reach, the AgentAnswered handler after the restart is where it stops.
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
  variables: [{ name: "Log", value: "" }],
  main: [
    { name: "Cb", type: "callback", props: { callbackDn: "{{NewPhoneContact.ANI}}", callbackQueue: "Q-Cb" } },
    { name: "Bye", type: "play-message", props: tts("We will call you back.") },
    { name: "Hangup", type: "disconnect-contact" },
  ],
  links: [
    ["Cb", "default", "Bye"],
    ["Bye", "default", "Hangup"],
  ],
  events: {
    ContactPredial: logs("ContactPredial", "{{PreDial.OperationType}}/{{PreDial.ParticipantType}}"),
    AgentContactAssigned: logs("AgentContactAssigned", "answered"),
  },
});

const environment = { queues: [{ id: "Q-Cb", name: "Callbacks" }], agents: [{ id: "ana", name: "Ana Lima", queues: ["Q-Cb"] }], center: { ringTimeoutSeconds: 60 } };
const dirs: string[] = [];
const servers: TestServer[] = [];

function written(dataDir: string): Loose[] {
  const store = PendingCallbackStore.inDataDir(dataDir);
  try {
    return store.list();
  } finally {
    store.close();
  }
}

async function start(dataDir: string, maxSteps: number): Promise<TestServer> {
  const t = await startTestServer({ flows: [{ id: "callback", definition: callbackLine }], environment, extra: { dataDir, limits: { maxSteps } } });
  servers.push(t);
  return t;
}

afterAll(async () => {
  for (const t of servers) await t.close().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("a courtesy callback ringing at an agent across a restart", () => {
  /** The callback rings at Ana on a first server, which stops; returns the contact and the steps it ran. */
  async function ringingThenStop(dataDir: string): Promise<{ id: string; stepsBefore: number }> {
    const first = await start(dataDir, 10_000);
    const placed = await first.call("POST", "/api/calls", { ani: "+15550006001", flow: "callback" });
    const id: string = placed.body.interactionId;
    await eventually(() => written(dataDir).length === 1 || undefined, "the callback to be written");
    await first.call("POST", "/api/agents/ana/login", { available: true });
    const offer = await eventually(async () => (await first.call("GET", "/api/agents/ana")).body.offer, "the callback ringing at Ana");
    expect(offer).toMatchObject({ kind: "callback", ani: "+15550006001" });
    const before = await eventually(async () => {
      const trace: Loose = (await first.call("GET", `/api/contacts/${id}`)).body;
      return trace.variables.Log === "COURTESY_CALLBACK/Agent;" ? trace : undefined;
    }, "PreDial for Ana's leg");
    const stepsBefore = (before.events as Loose[]).filter((e) => e.type === "step").length;
    await first.close();
    // Written once more at shutdown: the PreDial handler's Log and every step run.
    expect(written(dataDir)).toEqual([expect.objectContaining({ interactionId: id, steps: stepsBefore, variables: { Log: "COURTESY_CALLBACK/Agent;" } })]);
    return { id, stepsBefore };
  }

  it("comes back waiting, not ringing; it rings at Ana anew when she signs in, with PreDial for her leg run again", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ccflow-ringing-"));
    dirs.push(dataDir);
    const { id } = await ringingThenStop(dataDir);

    const second = await start(dataDir, 10_000);
    expect(second.server.context.center.listCallbacks()).toEqual([expect.objectContaining({ interactionId: id, state: "waiting" })]);
    expect((await second.call("GET", "/api/agents/ana")).body.agent.state).toBe("LoggedOut");
    await second.call("POST", "/api/agents/ana/login", { available: true });
    const offer = await eventually(async () => (await second.call("GET", "/api/agents/ana")).body.offer, "the callback ringing at Ana again");
    await second.call("POST", "/api/agents/ana/accept", { offerId: offer.offerId });
    const log = await eventually(async () => {
      const text = ((await second.call("GET", `/api/contacts/${id}`)).body as Loose).variables.Log as string;
      return text.includes("answered") ? text : undefined;
    }, "AgentAnswered after the restart");
    expect(log).toBe("COURTESY_CALLBACK/Agent;COURTESY_CALLBACK/Agent;COURTESY_CALLBACK/Customer;answered;");
    await second.call("POST", "/api/agents/ana/end");
    await eventually(async () => ((await second.call("GET", `/api/calls/${id}`)).body.state === "ended" ? true : undefined), "the callback's contact to end");
  });

  it("keeps the contact's step count: a runaway limit one step beyond what ran before the restart stops it in the next handler", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ccflow-ringing-"));
    dirs.push(dataDir);
    const { id, stepsBefore } = await ringingThenStop(dataDir);

    const second = await start(dataDir, stepsBefore + 1);
    await second.call("POST", "/api/agents/ana/login", { available: true });
    const summary: Loose = await eventually(async () => {
      const s: Loose = (await second.call("GET", `/api/calls/${id}`)).body;
      return s.state === "ended" ? s : undefined;
    }, "the contact to stop at the limit");
    expect(summary.endReason).toBe("step-limit");
    const trace: Loose = (await second.call("GET", `/api/contacts/${id}`)).body;
    expect((trace.events as Loose[]).find((e) => e.type === "error")).toMatchObject({ message: expect.stringContaining(`the contact ran ${stepsBefore + 1} activities`) });
    // The re-offer's PreDial handler took one step (its start); its Log would have been one too many.
    expect(trace.variables.Log).toBe("COURTESY_CALLBACK/Agent;");
  });
});
