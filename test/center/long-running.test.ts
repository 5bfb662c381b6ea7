/**
 * A center that runs for days: what it keeps of a contact once the contact has ended. A server
 * takes contacts without end, so nothing per contact may stay behind but the last
 * `endedRetention` ended contacts (which `contact(id)` can still describe).
 */
import { describe, expect, it } from "vitest";
import { createSimulatedAgents } from "../../src/center/simulated-agents.js";
import { FakeContact, harness } from "./helpers.js";

describe("a long-running center", () => {
  it("keeps only the last endedRetention ended contacts, whatever the number of contacts it has taken", async () => {
    const h = harness(
      { queues: [{ id: "q1" }], agents: [{ id: "a1", name: "Ann", queues: ["q1"] }, { id: "a2", name: "Bob", queues: ["*"] }] },
      { endedRetention: 20, wrapUpMs: null },
    );
    const agents = createSimulatedAgents(h.center, [{ agentId: "a1", answerAfterSeconds: 1, talkSeconds: 3, wrapUpSeconds: 1 }, { agentId: "a2", answerAfterSeconds: 2, talkSeconds: 2, wrapUpSeconds: 0 }], h.clock);
    const sizes: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 100; i++) {
        const id = `r${round}-c${i}`;
        const contact = new FakeContact(id);
        expect(h.center.queueContact({ contact, queueId: "q1", priority: 1 + (i % 10) })).toMatchObject({ ok: true });
        if (i % 7 === 0) h.center.contactEnded(id, "caller-hangup"); // some hang up while they wait
      }
      await h.advance(600_000);
      const snapshot = h.center.snapshot();
      expect(snapshot.contacts).toEqual([]);
      expect(snapshot.offers.ringing).toEqual([]);
      sizes.push(snapshot.arrivals.ended.length);
    }
    agents.stop();
    // Each round ended 100 more contacts; the center describes the last 20 and has let go of the rest.
    expect(sizes).toEqual([20, 20, 20]);
    expect(h.center.contact("r0-c1")).toBeUndefined();
    expect(h.center.contact("r2-c99")).toMatchObject({ state: "ended" });
    expect(h.center.listQueues()[0]).toMatchObject({ id: "q1", queuedNow: 0, waiting: [], ringing: [], connected: [] });
    expect(h.center.listAgents().map((a) => a.state).sort()).toEqual(["Available", "Available"]);
  });
});
