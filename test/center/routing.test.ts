import { describe, expect, it } from "vitest";
import { CenterError } from "../../src/center/errors.js";
import { FakeContact, harness, oneQueue } from "./helpers.js";

function queue(h: ReturnType<typeof harness>, contact: FakeContact, priority = 5, queueId = "support") {
  const result = h.center.queueContact({ contact, queueId, priority });
  expect(result.ok).toBe(true);
  return result;
}

function offerTo(h: ReturnType<typeof harness>, agentId: string) {
  return h.eventsOf("offer").filter((e) => e.agentId === agentId).at(-1);
}

describe("distribution: priority, then time in queue, to the longest available agent", () => {
  it("offers a P1 caller who called second before a P5 caller who called first", async () => {
    const h = harness(oneQueue(1));
    h.center.login("a1");
    const low = new FakeContact("low");
    const high = new FakeContact("high");
    queue(h, low, 5);
    await h.advance(1000);
    queue(h, high, 1);
    expect(h.center.listQueues()[0]!.waiting.map((w) => [w.interactionId, w.position])).toEqual([
      ["high", 1],
      ["low", 2],
    ]);

    h.center.setAvailable("a1");
    await h.settle();
    expect(high.types()).toEqual(["offered"]);
    expect(low.types()).toEqual([]);
    expect(h.center.agent("a1")!.state).toBe("Reserved");
  });

  it("serves callers of the same priority in arrival order", async () => {
    const h = harness(oneQueue(1, { wrapUpSeconds: 0 }));
    h.center.login("a1");
    const callers = ["c1", "c2", "c3"].map((id) => new FakeContact(id));
    for (const c of callers) {
      queue(h, c, 3);
      await h.advance(10);
    }
    const order: string[] = [];
    h.center.setAvailable("a1");
    for (let i = 0; i < 3; i++) {
      await h.settle();
      const offer = offerTo(h, "a1")!;
      order.push(offer.interactionId);
      h.center.accept("a1");
      h.center.end("a1");
      await h.advance(0); // zero-second wrap-up
    }
    expect(order).toEqual(["c1", "c2", "c3"]);
  });

  it("gives a new caller to the agent who has been available the longest", async () => {
    const h = harness(oneQueue(3));
    for (const id of ["a1", "a2", "a3"]) h.center.login(id);
    h.center.setAvailable("a2");
    await h.advance(5000);
    h.center.setAvailable("a3");
    await h.advance(5000);
    h.center.setAvailable("a1");

    const picks: string[] = [];
    for (const id of ["x", "y", "z"]) {
      queue(h, new FakeContact(id));
      await h.settle();
      picks.push(h.eventsOf("offer").at(-1)!.agentId);
    }
    expect(picks).toEqual(["a2", "a3", "a1"]);
  });

  it("hands an agent who becomes available the best contact across every queue they serve", async () => {
    const config = {
      queues: [{ id: "sales" }, { id: "support" }, { id: "billing" }],
      agents: [{ id: "a1", name: "Ana", queues: ["sales", "support"] }],
    };
    const h = harness(config);
    h.center.login("a1");
    queue(h, new FakeContact("support-p5"), 5, "support");
    await h.advance(1000);
    queue(h, new FakeContact("sales-p5"), 5, "sales");
    queue(h, new FakeContact("billing-p1"), 1, "billing"); // not a1's queue
    await h.advance(1000);
    queue(h, new FakeContact("sales-p3"), 3, "sales");

    h.center.setAvailable("a1");
    await h.settle();
    expect(offerTo(h, "a1")!.interactionId).toBe("sales-p3");
    h.center.accept("a1");
    h.center.end("a1");
    h.center.setAvailable("a1");
    await h.settle();
    // Same priority: the one waiting longer, whichever queue it is in.
    expect(offerTo(h, "a1")!.interactionId).toBe("support-p5");
  });
});

describe("offers: accept, decline, ring-out", () => {
  it("tells the caller who answered, with the agent's team and session, and the queue", async () => {
    const h = harness(oneQueue(1));
    h.center.login("a1", { available: true });
    const caller = new FakeContact("c1", "+15550111", "+18005550000", [{ label: "Case", name: "caseNumber", value: "CAS-1" }]);
    queue(h, caller, 2);
    expect(caller.notices).toEqual([]); // nothing is delivered while the center is mid-operation
    await h.settle();

    const offer = offerTo(h, "a1")!;
    expect(offer).toMatchObject({
      interactionId: "c1",
      ani: "+15550111",
      priority: 2,
      queue: { id: "support", name: "Support" },
      ringTimeoutMs: 15_000,
      callAssociatedData: [{ label: "Case", name: "caseNumber", value: "CAS-1" }],
    });
    h.center.accept("a1", offer.offerId);
    await h.settle();
    expect(caller.types()).toEqual(["offered", "answered"]);
    const answered = caller.notices[1]!;
    expect(answered).toMatchObject({
      type: "answered",
      agent: { id: "a1", name: "Agent 1", email: "agent1@example.com", teamId: "t1", teamName: "Tier 1" },
      queue: { id: "support", name: "Support" },
    });
    expect(answered.type === "answered" && answered.agent.sessionId).toMatch(/[0-9a-f-]{36}/);
    expect(h.center.agent("a1")).toMatchObject({ state: "Engaged", interactionId: "c1" });
    expect(h.center.contact("c1")).toMatchObject({ state: "engaged", agentId: "a1" });
    expect(h.clock.pendingTimers()).toBe(0); // the ring timer went with the answer
  });

  it("rings out after the ring timeout: the agent goes Idle (RONA), the caller back to the head of its priority", async () => {
    const h = harness(oneQueue(2));
    h.center.login("a1", { available: true });
    h.center.login("a2");
    const first = new FakeContact("first");
    queue(h, first, 5);
    await h.advance(1000);
    queue(h, new FakeContact("later-p5"), 5);
    queue(h, new FakeContact("later-p1"), 1);

    await h.advance(13_999);
    expect(first.types()).toEqual(["offered"]);
    await h.advance(1);
    expect(first.types()).toEqual(["offered", "rona"]);
    expect(h.center.agent("a1")).toMatchObject({ state: "Idle", reason: "RONA" });
    expect(h.eventsOf("offer-cancelled")).toMatchObject([{ agentId: "a1", interactionId: "first", reason: "rona" }]);
    expect(h.center.listQueues()[0]!.waiting.map((w) => w.interactionId)).toEqual(["later-p1", "first", "later-p5"]);

    // The next agent takes the P1, then the ring-out caller ahead of the one who came after it.
    h.center.setAvailable("a2");
    await h.settle();
    expect(offerTo(h, "a2")!.interactionId).toBe("later-p1");
    h.center.accept("a2");
    h.center.setAvailable("a1");
    await h.settle();
    expect(offerTo(h, "a1")!.interactionId).toBe("first");
  });

  it("puts a declined caller back at the head and offers it to the next available agent; the decliner goes Idle", async () => {
    const h = harness(oneQueue(2));
    h.center.login("a1", { available: true });
    await h.advance(1000);
    h.center.login("a2", { available: true });
    const caller = new FakeContact("c1");
    queue(h, caller);
    await h.settle();
    expect(offerTo(h, "a1")!.interactionId).toBe("c1");

    expect(() => h.center.decline("a1", 999)).toThrow(CenterError);
    h.center.decline("a1");
    await h.settle();
    expect(caller.types()).toEqual(["offered", "declined", "offered"]);
    expect(h.center.agent("a1")).toMatchObject({ state: "Idle", reason: "Declined" });
    expect(offerTo(h, "a2")!.interactionId).toBe("c1");
  });

  it("with declineState Available, the decliner rejoins the back of the available agents", async () => {
    const h = harness(oneQueue(2, { declineState: "Available" }));
    h.center.login("a1", { available: true });
    await h.advance(1000);
    h.center.login("a2", { available: true });
    queue(h, new FakeContact("c1"));
    h.center.decline("a1");
    queue(h, new FakeContact("c2"));
    await h.settle();
    expect(h.center.agent("a1")).toMatchObject({ state: "Reserved", interactionId: "c2" });
    expect(h.center.agent("a2")).toMatchObject({ state: "Reserved", interactionId: "c1" });
  });

  it("refuses agent calls the state does not allow, with a code", () => {
    const h = harness(oneQueue(1));
    expect(() => h.center.setAvailable("a1")).toThrow(expect.objectContaining({ code: "AGENT_NOT_LOGGED_IN" }));
    h.center.login("a1");
    expect(() => h.center.accept("a1")).toThrow(expect.objectContaining({ code: "INVALID_STATE" }));
    expect(() => h.center.end("a1")).toThrow(/only an Engaged agent can end/);
    expect(() => h.center.login("nobody")).toThrow(expect.objectContaining({ code: "AGENT_NOT_FOUND" }));
  });
});

describe("ending: the agent hangs up, wrap-up", () => {
  it("tells the caller agent-disconnected then ended, and keeps the agent in WrapUp until told", async () => {
    const h = harness(oneQueue(1));
    h.center.login("a1", { available: true });
    const caller = new FakeContact("c1");
    queue(h, caller);
    h.center.accept("a1");
    h.center.end("a1");
    await h.settle();
    expect(caller.types()).toEqual(["offered", "answered", "agent-disconnected", "ended"]);
    expect(caller.notices[3]).toMatchObject({ type: "ended", reason: "agent-ended", agent: { id: "a1" } });
    expect(h.center.agent("a1")!.state).toBe("WrapUp");
    expect(h.center.contact("c1")).toMatchObject({ state: "ended", endedReason: "agent-ended" });
    expect(h.eventsOf("ended")).toMatchObject([{ agentId: "a1", interactionId: "c1", by: "agent" }]);

    await h.advance(3_600_000);
    expect(h.center.agent("a1")!.state).toBe("WrapUp");
    h.center.setAvailable("a1");
    expect(h.center.agent("a1")!.state).toBe("Available");
  });

  it("makes the agent Available after the configured wrap-up time", async () => {
    const h = harness(oneQueue(1, { wrapUpSeconds: 10 }));
    h.center.login("a1", { available: true });
    queue(h, new FakeContact("c1"));
    h.center.accept("a1");
    h.center.end("a1");
    const waiting = new FakeContact("c2");
    queue(h, waiting);
    await h.advance(9_999);
    expect(h.center.agent("a1")!.state).toBe("WrapUp");
    await h.advance(1);
    expect(waiting.types()).toEqual(["offered"]); // Available, and straight into the next offer
    expect(h.eventsOf("agent-state").filter((e) => e.agentId === "a1").map((e) => e.state).slice(-3)).toEqual([
      "WrapUp",
      "Available",
      "Reserved",
    ]);
  });
});

describe("the caller hangs up", () => {
  it("while waiting: leaves the queue, and those behind move up", async () => {
    const h = harness(oneQueue(1));
    const a = new FakeContact("a");
    const b = new FakeContact("b");
    queue(h, a);
    queue(h, b);
    expect(h.center.queueStats("support", b)!.piq).toBe(2);
    h.center.contactEnded("a", "caller-hangup");
    await h.settle();
    expect(h.center.queueStats("support", b)!.piq).toBe(1);
    expect(h.center.contact("a")).toMatchObject({ state: "ended", endedReason: "caller-hangup" });
    expect(h.eventsOf("contact-left")).toMatchObject([{ interactionId: "a", queueId: "support", reason: "caller-hangup" }]);
    expect(a.notices).toEqual([]); // the engine told us; nothing to tell it back
    h.center.contactEnded("a", "caller-hangup"); // twice is harmless
  });

  it("while ringing: the offer is withdrawn and the agent keeps their place as longest available", async () => {
    const h = harness(oneQueue(2));
    h.center.login("a1", { available: true });
    await h.advance(1000);
    h.center.login("a2", { available: true });
    queue(h, new FakeContact("gone"));
    h.center.contactEnded("gone", "caller-hangup");
    await h.settle();
    expect(h.eventsOf("offer-cancelled")).toMatchObject([{ agentId: "a1", interactionId: "gone", reason: "caller-hangup" }]);
    expect(h.center.agent("a1")!.state).toBe("Available");
    expect(h.clock.pendingTimers()).toBe(0);

    queue(h, new FakeContact("next"));
    await h.settle();
    expect(offerTo(h, "a1")!.interactionId).toBe("next");
  });

  it("while connected: the agent's leg goes (agent-disconnected) and the agent wraps up", async () => {
    const h = harness(oneQueue(1));
    h.center.login("a1", { available: true });
    const caller = new FakeContact("c1");
    queue(h, caller);
    h.center.accept("a1");
    h.center.contactEnded("c1", "caller-hangup");
    await h.settle();
    expect(caller.types()).toEqual(["offered", "answered", "agent-disconnected"]);
    expect(h.center.agent("a1")!.state).toBe("WrapUp");
    expect(h.eventsOf("ended")).toMatchObject([{ agentId: "a1", interactionId: "c1", by: "caller" }]);
  });
});

describe("re-entrancy", () => {
  it("lets a notice handler call back into the center and sees consistent state", async () => {
    const h = harness(oneQueue(2));
    h.center.login("a1", { available: true });
    h.center.login("a2", { available: true });
    // A caller who hangs up the moment it is offered, from inside the notice.
    const flaky = new FakeContact("flaky");
    flaky.onNotice = (n) => {
      if (n.type === "offered") h.center.contactEnded("flaky", "caller-hangup");
    };
    // A caller whose event flow pops a screen as soon as it is answered.
    const popper = new FakeContact("popper");
    const pops: Array<string | undefined> = [];
    popper.onNotice = (n) => {
      if (n.type === "answered") {
        pops.push(h.center.screenPop({ contact: popper, url: "https://crm.example/case?id=1", target: "newBrowserTab", label: "Case" }));
      }
    };
    queue(h, flaky);
    queue(h, popper);
    await h.settle();
    expect(h.center.agent("a1")!.state).toBe("Available");
    expect(h.center.agent("a2")).toMatchObject({ state: "Reserved", interactionId: "popper" });
    h.center.accept("a2");
    await h.settle();
    expect(pops).toEqual(["a2"]);
    expect(h.eventsOf("screen-pop")).toMatchObject([
      { agentId: "a2", interactionId: "popper", url: "https://crm.example/case?id=1", target: "newBrowserTab", label: "Case" },
    ]);
    expect(h.center.contact("popper")!.screenPops).toHaveLength(1);
  });

  it("keeps delivering to other listeners when one throws", async () => {
    const h = harness(oneQueue(1));
    h.center.subscribe(() => {
      throw new Error("desktop socket closed");
    });
    const seen: string[] = [];
    h.center.subscribeAgent("a1", (e) => seen.push(e.type));
    h.center.login("a1", { available: true });
    await h.settle();
    expect(seen).toEqual(["agent-state", "agent-state"]);
    expect(h.logs.some((l) => l.includes("desktop socket closed"))).toBe(true);
  });
});

describe("screen pops", () => {
  it("go to nobody while the caller waits, and to the ringing agent once offered", async () => {
    const h = harness(oneQueue(1));
    const caller = new FakeContact("c1");
    queue(h, caller);
    expect(h.center.screenPop({ contact: caller, url: "https://x", target: "insideDesktop" })).toBeUndefined();
    h.center.login("a1", { available: true });
    expect(h.center.screenPop({ contact: caller, url: "https://x", target: "insideDesktop" })).toBe("a1");
  });
});

describe("agent logout", () => {
  it("returns a ringing offer to the queue and is refused while connected", async () => {
    const h = harness(oneQueue(2));
    h.center.login("a1", { available: true });
    const caller = new FakeContact("c1");
    queue(h, caller);
    h.center.logout("a1");
    await h.settle();
    expect(caller.types()).toEqual(["offered", "rona"]);
    expect(h.center.agent("a1")).toMatchObject({ state: "LoggedOut" });
    expect(h.center.contact("c1")).toMatchObject({ state: "queued", position: 1 });

    h.center.login("a2", { available: true });
    h.center.accept("a2");
    expect(() => h.center.logout("a2")).toThrow(/Engaged; end the contact before logging out/);
  });
});
