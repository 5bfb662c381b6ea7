/**
 * An agent's call controls through the API: hold (the caller hears hold music, the trace says so)
 * and resume, mute, editing call-associated data only where the flow marks it isAgentEditable,
 * and a wrap-up code from the environment with notes, saved on the contact record. Another
 * agent cannot act on the call.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../helpers/api-auth.js";
import { eventually, startTestServer, type Loose, type TestServer } from "./helpers.js";
import { supportEnvironment, supportFlow } from "./fixtures.js";

let t: TestServer;

beforeAll(async () => {
  const flow = supportFlow();
  flow.variables.get("Tier")!.isAgentEditable = true;
  t = await startTestServer({
    flows: [{ id: "support", definition: flow }],
    environment: {
      ...supportEnvironment,
      center: { ringTimeoutSeconds: 60, wrapUpCodes: [{ id: "resolved", name: "Resolved" }, { id: "callback", name: "Call back later" }] },
    },
  });
});
afterAll(async () => {
  await t?.close();
});

async function answeredCall(ani: string): Promise<string> {
  await t.call("POST", "/api/agents/ana/login", { available: true });
  const placed = await t.call("POST", "/api/calls", { ani, flow: "support" });
  const id = placed.body.interactionId as string;
  await t.call("POST", `/api/calls/${id}/digits`, { digits: "1" });
  const offer = await eventually(async () => (await t.call("GET", "/api/agents/ana")).body.offer, "the offer to ana");
  await t.call("POST", "/api/agents/ana/accept", { offerId: offer.offerId });
  return id;
}

describe("call controls", () => {
  it("hold plays music to the caller until resumed; mute and resume show on the desk and the trace", async () => {
    const id = await answeredCall("+15550001001");
    const caller = await t.socket(`/api/calls/${id}/ws?observe=1`);
    const held = await t.call("POST", "/api/agents/ana/hold");
    expect(held.status).toBe(200);
    expect(held.body.contact.controls).toMatchObject({ held: true, muted: false });
    expect(held.body.contact.controls.heldSince).toBeGreaterThan(0);
    const music = await caller.next((m) => m.type === "play" && m.music === true, "hold music to the caller");
    expect(music.file).toBe("defaultmusic_on_hold.wav");
    expect((await t.call("POST", "/api/agents/ana/hold")).body.error.code).toBe("ALREADY_HELD");

    expect((await t.call("POST", "/api/agents/ana/mute", { muted: true })).body.contact.controls).toMatchObject({ held: true, muted: true });
    const resumed = await t.call("POST", "/api/agents/ana/resume");
    expect(resumed.body.contact.controls).toEqual({ held: false, muted: true });
    await caller.next((m) => m.type === "play-end" && m.promptId === music.promptId, "the music stopping");
    expect((await t.call("POST", "/api/agents/ana/resume")).body.error.code).toBe("NOT_HELD");

    const trace = (await t.call("GET", `/api/contacts/${id}`)).body.events as Loose[];
    expect(trace.filter((e) => e.type === "control").map((e) => e.action)).toEqual(["hold", "mute", "resume"]);
    expect(trace.find((e) => e.type === "control")).toMatchObject({ agent: "ana", agentName: "Ana Lima" });
    await t.call("POST", "/api/agents/ana/end");
    await t.call("POST", "/api/agents/ana/wrapup", { code: "resolved" });
  });

  it("lets the agent edit only call-associated data the flow marks isAgentEditable", async () => {
    const id = await answeredCall("+15550001002");
    const desk = (await t.call("GET", "/api/agents/ana")).body;
    expect(desk.contact.callAssociatedData).toEqual([{ label: "Customer tier", name: "Tier", value: "Gold", editable: true }]);
    const edited = await t.call("POST", "/api/agents/ana/cad", { name: "Tier", value: "Platinum" });
    expect(edited.body.contact.callAssociatedData[0]).toMatchObject({ name: "Tier", value: "Platinum" });
    expect((await t.call("GET", `/api/contacts/${id}`)).body.variables.Tier).toBe("Platinum");
    const refused = await t.call("POST", "/api/agents/ana/cad", { name: "Prio", value: "1" });
    expect(refused.status).toBe(404);
    expect(refused.body.error.message).toBe('the call has no call-associated data named "Prio"');
    await t.call("POST", "/api/agents/ana/end");
    await t.call("POST", "/api/agents/ana/wrapup", { code: "resolved" });
  });

  it("needs a wrap-up code from the environment and saves it with the notes on the contact record", async () => {
    const id = await answeredCall("+15550001003");
    await t.call("POST", "/api/agents/ana/end");
    const desk = (await t.call("GET", "/api/agents/ana")).body;
    expect(desk.wrapUpCodes).toEqual([{ id: "resolved", name: "Resolved" }, { id: "callback", name: "Call back later" }]);
    const missing = await t.call("POST", "/api/agents/ana/wrapup", { state: "Available" });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toBe("choose a wrap-up code (resolved, callback)");
    const unknown = await t.call("POST", "/api/agents/ana/wrapup", { code: "nope" });
    expect(unknown.body.error.message).toBe('code: no wrap-up code "nope" (codes: resolved, callback)');
    expect((await t.call("GET", "/api/agents/ana")).body.agent.state).toBe("WrapUp");
    const done = await t.call("POST", "/api/agents/ana/wrapup", { state: "Idle", reason: "Admin", code: "callback", notes: "Wants a call on Monday." });
    expect(done.body.agent.state).toBe("Idle");
    const record = await eventually(async () => {
      const r = (await t.call("GET", `/api/records/${id}`)).body.record;
      return r?.wrapUp ? r : undefined;
    }, "the wrap-up on the record");
    expect(record.wrapUp).toMatchObject({ code: "callback", name: "Call back later", notes: "Wants a call on Monday.", agentId: "ana" });
  });

  it("refuses controls to an agent without a call, and to anyone but the agent", async () => {
    expect((await t.call("POST", "/api/agents/ana/hold")).body.error.message).toMatch(/^agent "ana" is Idle; only an agent on a call can hold$/);
    // The supervisor watches calls but does not act on an agent's call.
    const sam = await signIn(t.url, "sam");
    for (const path of ["hold", "resume", "mute", "cad"]) expect((await sam.fetch(`/api/agents/ana/${path}`, { method: "POST", body: "{}" })).status, path).toBe(403);
  });
});
