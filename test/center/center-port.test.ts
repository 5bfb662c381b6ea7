/** What the flow engine's activities get from the center: queue-contact, queue-lookup, queue-to-agent, callback. */
import { describe, expect, it } from "vitest";
import { normalizePriority } from "../../src/center/contact-center.js";
import { FakeContact, harness, oneQueue } from "./helpers.js";

describe("queue-contact", () => {
  it("auto-creates a queue the environment lacks, says so, and lets agents serving every queue take it", async () => {
    const h = harness({ agents: [{ id: "any", name: "Anyone", queues: ["*"] }] });
    h.center.login("any", { available: true });
    const caller = new FakeContact("c1");
    const result = h.center.queueContact({ contact: caller, queueId: "Q-from-flow", priority: 1 });
    expect(result).toEqual({ ok: true, queue: { id: "Q-from-flow", name: "Q-from-flow" }, position: 1 });
    await h.settle();
    expect(h.logs).toEqual([expect.stringContaining('info: queue "Q-from-flow" is not in the environment; created it')]);
    expect(h.eventsOf("queue-created")).toMatchObject([{ queue: { id: "Q-from-flow" }, auto: true }]);
    expect(caller.types()).toEqual(["offered"]);
    expect(h.center.listQueues()).toMatchObject([{ id: "Q-from-flow", auto: true }]);

    expect(h.center.ensureQueue("Q-from-flow")).toEqual({ queue: { id: "Q-from-flow", name: "Q-from-flow" }, created: false });
    expect(h.center.ensureQueue("other")).toEqual({ queue: { id: "other", name: "other" }, created: true });
  });

  it("fails with QUEUE_NOT_FOUND when auto-creation is off, and for an empty queue id", () => {
    const h = harness({ queues: [{ id: "support" }], center: { autoCreateQueues: false } });
    expect(h.center.queueContact({ contact: new FakeContact("c1"), queueId: "nope", priority: 1 })).toEqual({
      ok: false,
      code: "QUEUE_NOT_FOUND",
      description: 'queue "nope" is not defined in the environment and autoCreateQueues is off',
    });
    expect(h.center.queueContact({ contact: new FakeContact("c2"), queueId: "  ", priority: 1 })).toMatchObject({ ok: false, code: "QUEUE_NOT_FOUND" });
    expect(h.center.queueStats("nope")).toBeUndefined();
  });

  it("treats any priority outside 1..10 as 10, the lowest", () => {
    expect([1, 9, 10, "3", 0, 11, -2, 2.5, "high", null, undefined].map(normalizePriority)).toEqual([1, 9, 10, 3, 10, 10, 10, 10, 10, 10, 10]);
    const h = harness(oneQueue(0));
    h.center.queueContact({ contact: new FakeContact("zero"), queueId: "support", priority: 0 });
    h.center.queueContact({ contact: new FakeContact("nine"), queueId: "support", priority: 9 });
    expect(h.center.listQueues()[0]!.waiting.map((w) => [w.interactionId, w.priority])).toEqual([
      ["nine", 9],
      ["zero", 10],
    ]);
  });

  it("moves a waiting contact that the flow queues again, and refuses one already with an agent", () => {
    const h = harness({ queues: [{ id: "support" }, { id: "overflow" }], agents: [{ id: "a1", name: "A", queues: ["overflow"] }] });
    const caller = new FakeContact("c1");
    h.center.queueContact({ contact: caller, queueId: "support", priority: 5 });
    h.center.queueContact({ contact: new FakeContact("c0"), queueId: "overflow", priority: 5 });
    expect(h.center.queueContact({ contact: caller, queueId: "overflow", priority: 2 })).toMatchObject({ ok: true, position: 1 });
    expect(h.center.listQueues().map((q) => q.queuedNow)).toEqual([0, 2]);

    h.center.login("a1", { available: true });
    expect(h.center.queueContact({ contact: caller, queueId: "support", priority: 1 })).toMatchObject({ ok: false, code: "CONTACT_BUSY" });
  });

  it("ends a caller who waits past the queue's maxWaitSeconds", async () => {
    const h = harness({ queues: [{ id: "support", maxWaitSeconds: 60 }] });
    const caller = new FakeContact("c1");
    h.center.queueContact({ contact: caller, queueId: "support", priority: 5 });
    await h.advance(59_999);
    expect(caller.notices).toEqual([]);
    await h.advance(1);
    expect(caller.notices).toEqual([{ type: "ended", reason: "max-wait", queue: { id: "support", name: "support" } }]);
    expect(h.center.contact("c1")).toMatchObject({ state: "ended", endedReason: "max-wait" });
  });
});

describe("queue-lookup: position in queue and estimated wait from the queue's real state", () => {
  it("reports PIQ in priority order, the oldest wait, agents, and no EWT before there is any data", async () => {
    const h = harness(oneQueue(3));
    h.center.login("a1");
    h.center.login("a2");
    const first = new FakeContact("first");
    const vip = new FakeContact("vip");
    h.center.queueContact({ contact: first, queueId: "support", priority: 5 });
    await h.advance(30_000);
    h.center.queueContact({ contact: vip, queueId: "support", priority: 1 });

    const stats = h.center.queueStats("support", first)!;
    expect(stats).toEqual({
      queue: { id: "support", name: "Support" },
      piq: 2,
      ewtMs: -1, // nobody working, no history: the activity takes its insufficientdata port
      oldestCallTimeMs: 30_000,
      loggedOnAgents: 2,
      availableAgents: 0,
      queuedNow: 2,
    });
    expect(h.center.queueStats("support", vip)!.piq).toBe(1);
    // Asked for a contact that is not waiting: the number waiting.
    expect(h.center.queueStats("support", new FakeContact("elsewhere"))!.piq).toBe(2);
  });

  it("estimates the wait from recent handle times, the position and the agents working", async () => {
    const h = harness(oneQueue(2, { wrapUpSeconds: 0 }));
    h.center.login("a1", { available: true });
    h.center.login("a2", { available: true });
    // Two calls handled in 100 s each (offer to end).
    for (const id of ["h1", "h2"]) h.center.queueContact({ contact: new FakeContact(id), queueId: "support", priority: 5 });
    h.center.accept("a1");
    h.center.accept("a2");
    await h.advance(100_000);
    h.center.end("a1");
    h.center.end("a2");
    await h.advance(0); // zero-second wrap-up
    // Both agents busy again, four callers waiting.
    const waiting = ["w1", "w2", "w3", "w4", "w5", "w6"].map((id) => new FakeContact(id));
    for (const c of waiting) h.center.queueContact({ contact: c, queueId: "support", priority: 5 });
    await h.settle();
    expect(h.center.queueStats("support")!.queuedNow).toBe(4);
    // Position p waits for p releases; two agents each release one per 100 s.
    expect(h.center.queueStats("support", waiting[2])!).toMatchObject({ piq: 1, ewtMs: 50_000 });
    expect(h.center.queueStats("support", waiting[5])!).toMatchObject({ piq: 4, ewtMs: 200_000 });

    // Outside the look-back window the history no longer counts.
    h.center.accept("a1");
    h.center.accept("a2");
    await h.advance(6 * 60_000);
    expect(h.center.queueStats("support", waiting[5], { lookbackMinutes: 5 })!.ewtMs).toBe(-1);
    expect(h.center.queueStats("support", waiting[5], { lookbackMinutes: 15 })!.ewtMs).toBe(200_000);
  });

  it("reports zero wait when an agent is free for a newcomer", () => {
    const h = harness(oneQueue(1));
    h.center.login("a1", { available: true });
    expect(h.center.queueStats("support")).toMatchObject({ ewtMs: 0, availableAgents: 1, queuedNow: 0, piq: 0 });
  });
});

describe("queue-to-agent", () => {
  it("reserves the named agent, found by email or by id", async () => {
    const h = harness(oneQueue(2));
    h.center.login("a1", { available: true });
    h.center.login("a2", { available: true });
    const caller = new FakeContact("c1");
    const result = h.center.queueToAgent({ contact: caller, destination: "Agent2@Example.com", lookup: "agentEmail", priority: 1 });
    expect(result).toMatchObject({ ok: true, agent: { id: "a2", email: "agent2@example.com" }, state: "Reserved" });
    await h.settle();
    expect(h.eventsOf("offer")).toMatchObject([{ agentId: "a2", interactionId: "c1", via: "direct" }]);
    expect(caller.notices[0]).toMatchObject({ type: "offered", agent: { id: "a2" }, queue: { name: "Agent Agent 2" } });

    expect(h.center.queueToAgent({ contact: new FakeContact("c2"), destination: "a1", lookup: "agentId", priority: 1 })).toMatchObject({
      ok: true,
      agent: { id: "a1" },
    });
  });

  it("fails with a code and a description when the agent cannot take it", () => {
    const h = harness(oneQueue(2));
    h.center.login("a1");
    const c = new FakeContact("c1");
    const ask = (destination: string, lookup: "agentEmail" | "agentId" = "agentId") =>
      h.center.queueToAgent({ contact: c, destination, lookup, priority: 1 });
    expect(ask("")).toMatchObject({ ok: false, code: "INVALID_DESTINATION" });
    expect(ask("zoe@example.com", "agentEmail")).toEqual({ ok: false, code: "AGENT_NOT_FOUND", description: 'no agent with email "zoe@example.com"' });
    expect(ask("a2")).toEqual({ ok: false, code: "AGENT_NOT_LOGGED_IN", description: 'agent "a2" is not logged in' });
    expect(ask("a1")).toEqual({ ok: false, code: "AGENT_NOT_AVAILABLE", description: 'agent "a1" is Idle (Login)' });
  });

  it("parks the contact on a busy agent when asked to, and offers it when the agent is free", async () => {
    const h = harness(oneQueue(1));
    h.center.login("a1");
    const c = new FakeContact("c1");
    expect(h.center.queueToAgent({ contact: c, destination: "a1", lookup: "agentId", priority: 3, park: true })).toMatchObject({ ok: true, state: "Idle" });
    expect(h.center.agent("a1")!.parked).toBe(1);
    h.center.setAvailable("a1");
    await h.settle();
    expect(c.types()).toEqual(["offered"]);
  });

  it("sends a contact the named agent did not answer to the reporting queue, at the head of its priority", async () => {
    const h = harness({
      queues: [{ id: "support", name: "Support" }],
      agents: [
        { id: "a1", name: "Queue agent", queues: ["support"] },
        { id: "a2", name: "Named agent", queues: [] },
      ],
    });
    h.center.login("a1");
    h.center.login("a2", { available: true });
    h.center.queueContact({ contact: new FakeContact("early"), queueId: "support", priority: 3 });
    const direct = new FakeContact("direct");
    h.center.queueToAgent({ contact: direct, destination: "a2", lookup: "agentId", priority: 3, reportingQueueId: "support" });
    h.center.queueContact({ contact: new FakeContact("later"), queueId: "support", priority: 3 });
    await h.advance(15_000);
    expect(direct.types()).toEqual(["offered", "rona"]);
    expect(direct.notices[0]).toMatchObject({ queue: { id: "support", name: "Support" } });
    expect(h.center.listQueues()[0]!.waiting.map((w) => w.interactionId)).toEqual(["direct", "early", "later"]);
    expect(h.center.agent("a2")).toMatchObject({ state: "Idle", reason: "RONA", parked: 0 });
  });

  it("keeps a contact parked on the named agent after a ring-out when there is no reporting queue", async () => {
    const h = harness(oneQueue(1));
    h.center.login("a1", { available: true });
    const direct = new FakeContact("direct");
    h.center.queueToAgent({ contact: direct, destination: "a1", lookup: "agentId", priority: 3 });
    await h.advance(15_000);
    expect(h.center.agent("a1")).toMatchObject({ state: "Idle", parked: 1 });
    h.center.setAvailable("a1");
    await h.settle();
    expect(direct.types()).toEqual(["offered", "rona", "offered"]);
    h.center.decline("a1");
    h.center.logout("a1");
    await h.settle();
    expect(direct.notices.at(-1)).toMatchObject({ type: "ended", reason: "agent-logged-out" });
  });
});

describe("callbacks", () => {
  it("records a courtesy callback and offers it like a caller when an agent of its queue is free", async () => {
    const h = harness(oneQueue(1));
    const caller = new FakeContact("c1");
    h.center.queueContact({ contact: caller, queueId: "support", priority: 2 });
    const result = h.center.registerCallback({ contact: caller, number: "+1 (555) 010-0199", callerId: "+18005550000" });
    expect(result).toEqual({ ok: true, id: "callback-1" });
    h.center.contactEnded("c1", "disconnected"); // the flow hangs up after the callback activity
    expect(h.center.listCallbacks()).toEqual([
      expect.objectContaining({ id: "callback-1", number: "+15550100199", queueId: "support", interactionId: "c1", state: "waiting" }),
    ]);
    expect(h.center.listQueues()[0]!.waiting).toMatchObject([{ interactionId: "callback-1", kind: "callback", ani: "+15550100199", priority: 2 }]);

    h.center.login("a1", { available: true });
    await h.settle();
    expect(h.eventsOf("offer").at(-1)).toMatchObject({
      agentId: "a1",
      kind: "callback",
      ani: "+15550100199",
      callAssociatedData: [
        { label: "Callback number", name: "callbackNumber", value: "+15550100199" },
        { label: "Requested during", name: "interactionId", value: "c1" },
      ],
    });
    expect(h.center.listCallbacks()[0]).toMatchObject({ state: "offered", agentId: "a1" });
    h.center.accept("a1");
    await h.settle();
    expect(h.center.listCallbacks()[0]!.state).toBe("connected");
    h.center.end("a1");
    await h.settle();
    expect(h.center.listCallbacks()[0]!.state).toBe("completed");
  });

  it("declined or left ringing, fails instead of waiting again; withdrawn, is cancelled: neither is listed as waiting", async () => {
    const h = harness(oneQueue(1));
    const caller = new FakeContact("c1");
    h.center.queueContact({ contact: caller, queueId: "support", priority: 2 });
    const first = h.center.registerCallback({ contact: caller, number: "+15550100199" });
    const second = h.center.registerCallback({ contact: caller, number: "+15550100188" });
    h.center.contactEnded("c1", "disconnected");
    h.center.login("a1", { available: true });
    await h.settle();
    expect(h.center.listCallbacks().map((c) => c.state)).toEqual(["offered", "waiting"]);
    h.center.decline("a1");
    expect(h.center.listCallbacks()[0]).toMatchObject({ id: first.ok ? first.id : "", state: "failed" });
    expect(h.center.listCallbacks()[0]!.agentId).toBeUndefined();
    await h.settle();
    // Declined, the callback left its queue; the other one waits on (a1 went Idle after declining).
    expect(h.center.listQueues()[0]!.waiting.map((w) => w.interactionId)).toEqual([second.ok ? second.id : ""]);
    h.center.contactEnded(second.ok ? second.id : "", "callback-cancelled");
    expect(h.center.listCallbacks().map((c) => c.state)).toEqual(["failed", "cancelled"]);
    expect(h.center.listQueues()[0]!.waiting).toEqual([]);
  });

  it("refuses a callback without a dialable number or a queue", () => {
    const h = harness(oneQueue(1));
    const c = new FakeContact("c1");
    expect(h.center.registerCallback({ contact: c, number: "" })).toEqual({ ok: false, code: "INVALID_NUMBER", description: "callback number is empty" });
    expect(h.center.registerCallback({ contact: c, number: "call me", queueId: "support" })).toMatchObject({ ok: false, code: "INVALID_NUMBER" });
    expect(h.center.registerCallback({ contact: c, number: "5550100" })).toMatchObject({ ok: false, code: "NO_QUEUE" });
  });
});

describe("shutdown", () => {
  it("ends every contact with the reason, frees ringing agents and stops every timer", async () => {
    const h = harness(oneQueue(2, { wrapUpSeconds: 30 }));
    h.center.login("a1", { available: true });
    h.center.login("a2", { available: true });
    const talking = new FakeContact("talking");
    const ringing = new FakeContact("ringing");
    const waiting = new FakeContact("waiting");
    h.center.queueContact({ contact: talking, queueId: "support", priority: 1 });
    h.center.accept("a1");
    h.center.queueContact({ contact: ringing, queueId: "support", priority: 1 });
    h.center.queueContact({ contact: waiting, queueId: "support", priority: 1 });
    expect(h.center.shutdown()).toBe(3);
    await h.settle();
    for (const c of [talking, ringing, waiting]) expect(c.notices.at(-1)).toMatchObject({ type: "ended", reason: "shutdown" });
    expect(h.center.listAgents().map((a) => a.state)).toEqual(["WrapUp", "Idle"]);
    expect(h.clock.pendingTimers()).toBe(0);
  });
});
