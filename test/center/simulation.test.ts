/**
 * Ten simulated agents (some decline, some let offers ring out) and two hundred callers with
 * random priorities, some of whom lose patience while waiting, ringing or talking. Every caller
 * must end answered or cleanly disconnected, nobody stuck, and every offer accounted for.
 */
import { describe, expect, it } from "vitest";
import { createSimulatedAgents } from "../../src/center/simulated-agents.js";
import type { CenterNotice } from "../../src/center/types.js";
import { FakeContact, harness } from "./helpers.js";
import { seededRandom } from "../../src/util/seeded-random.js";


type Outcome = "answered" | "abandoned";

describe("10 simulated agents and 200 callers", () => {
  it("ends every caller answered or cleanly disconnected, with every offer and answer accounted for", async () => {
    const random = seededRandom(2026);
    const agents = Array.from({ length: 10 }, (_, i) => ({
      id: `agent${i}`,
      name: `Agent ${i}`,
      queues: i < 7 ? ["support"] : ["support", "sales"],
    }));
    const h = harness({ queues: [{ id: "support" }, { id: "sales" }], agents }, { ringTimeoutMs: 10_000 });
    const sims = createSimulatedAgents(
      h.center,
      agents.map((a, i) => ({
        agentId: a.id,
        answerAfterSeconds: 1 + (i % 3),
        talkSeconds: 40 + 10 * i,
        wrapUpSeconds: 5,
        readyAfterSeconds: 20,
        // Two agents refuse some offers, two let some ring out.
        declines: i === 1 ? 5 : i === 2 ? true : 0,
        ignores: i === 3 ? 4 : i === 4 ? 2 : 0,
      })),
      h.clock,
    );

    const callers: Array<{ contact: FakeContact; outcome?: Outcome; hungUpIn?: string }> = [];
    const hangUp = (c: (typeof callers)[number], when: string) => {
      if (c.outcome) return;
      c.outcome = c.contact.types().includes("answered") ? "answered" : "abandoned";
      c.hungUpIn = when;
      h.center.contactEnded(c.contact.interactionId, "caller-hangup");
    };

    for (let i = 0; i < 200; i++) {
      const contact = new FakeContact(`call-${i}`, `+1555${String(i).padStart(7, "0")}`);
      const caller: (typeof callers)[number] = { contact };
      callers.push(caller);
      const patience = random() < 0.2 ? 30 + Math.floor(random() * 300) : Infinity;
      const hangsUpTalking = random() < 0.1;
      const hangsUpRinging = random() < 0.05;
      contact.onNotice = (n: CenterNotice) => {
        if (n.type === "offered" && hangsUpRinging) {
          h.clock.sleep(500).then(() => {
            if (h.center.contact(contact.interactionId)?.state === "offered") hangUp(caller, "offered");
          });
        }
        if (n.type === "answered" && hangsUpTalking) {
          h.clock.sleep(5_000).then(() => {
            if (h.center.contact(contact.interactionId)?.state === "engaged") hangUp(caller, "engaged");
          });
        }
        if (n.type === "ended" && !caller.outcome) caller.outcome = "answered";
      };
      const queueId = random() < 0.8 ? "support" : "sales";
      const result = h.center.queueContact({ contact, queueId, priority: 1 + Math.floor(random() * 10) });
      expect(result.ok).toBe(true);
      if (patience !== Infinity) {
        h.clock.sleep(patience * 1000).then(() => {
          const state = h.center.contact(contact.interactionId)?.state;
          if (state === "queued" || state === "offered") hangUp(caller, state);
        });
      }
      await h.advance(1000 + Math.floor(random() * 3000));
    }

    for (let t = 0; t < 6 * 3600 && callers.some((c) => !c.outcome); t++) await h.advance(1000);
    await h.advance(60_000); // let the last wrap-ups finish

    // Every caller reached an end; nothing is left in the center.
    expect(callers.filter((c) => !c.outcome).map((c) => c.contact.interactionId)).toEqual([]);
    expect(h.center.listQueues().map((q) => [q.queuedNow, q.ringing.length, q.connected.length])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    for (const c of callers) expect(h.center.contact(c.contact.interactionId)!.state).toBe("ended");

    // Each caller's notices tell a coherent story.
    for (const { contact, outcome, hungUpIn } of callers) {
      const types = contact.types();
      const answeredAt = types.indexOf("answered");
      expect(types.filter((t) => t === "answered").length).toBeLessThanOrEqual(1);
      if (outcome === "answered") {
        expect(answeredAt).toBeGreaterThan(0);
        expect(types[answeredAt - 1]).toBe("offered");
        // Then the agent leaves: they hung up on the caller, or the caller hung up on them.
        expect(types.slice(answeredAt + 1)).toEqual(hungUpIn === "engaged" ? ["agent-disconnected"] : ["agent-disconnected", "ended"]);
      } else {
        expect(answeredAt).toBe(-1);
        expect(["queued", "offered"]).toContain(hungUpIn);
      }
      // Every offer the caller heard about was either answered or withdrawn with a reason.
      const offered = types.filter((t) => t === "offered").length;
      const withdrawn = types.filter((t) => t === "rona" || t === "declined").length;
      const hungUpRinging = hungUpIn === "offered" ? 1 : 0;
      expect(offered).toBe(withdrawn + (answeredAt >= 0 ? 1 : 0) + hungUpRinging);
    }

    // The agents' side agrees with the callers' side.
    const offers = h.eventsOf("offer");
    const answers = h.eventsOf("answered");
    const cancelled = h.eventsOf("offer-cancelled");
    expect(offers.length).toBe(answers.length + cancelled.length);
    const answeredCallers = callers.filter((c) => c.outcome === "answered").length;
    expect(answers.length).toBe(answeredCallers);
    expect(new Set(answers.map((a) => a.interactionId)).size).toBe(answers.length);
    const stats = [...sims.stats.values()];
    const sum = (k: keyof (typeof stats)[number]) => stats.reduce((n, s) => n + s[k], 0);
    expect(sum("offers")).toBe(offers.length);
    expect(sum("accepted")).toBe(answers.length);
    // Each offer ends exactly once: answered, or withdrawn with a reason.
    const resolutions = new Map<number, string[]>();
    for (const o of offers) resolutions.set(o.offerId, []);
    for (const c of cancelled) resolutions.get(c.offerId)!.push(c.reason);
    for (const a of answers) {
      const offer = offers.filter((o) => o.agentId === a.agentId && o.interactionId === a.interactionId).at(-1)!;
      resolutions.get(offer.offerId)!.push("answered");
    }
    expect([...resolutions.values()].filter((r) => r.length !== 1)).toEqual([]);
    // Ring-outs come only from the agents that let offers ring, declines only from those that decline.
    const byReason = (reason: string) => cancelled.filter((c) => c.reason === reason);
    expect(new Set(byReason("rona").map((c) => c.agentId))).toEqual(new Set(["agent3", "agent4"]));
    expect(byReason("rona").length).toBeLessThanOrEqual(sum("ignored"));
    expect(new Set(byReason("declined").map((c) => c.agentId))).toEqual(new Set(["agent1", "agent2"]));
    expect(byReason("declined").length).toBeLessThanOrEqual(sum("declined"));
    expect(sum("ended") + callers.filter((c) => c.hungUpIn === "engaged").length).toBe(answers.length);
    // Every path was taken: answers, abandons while waiting and ringing, hang-ups while talking, declines, ring-outs.
    expect(byReason("declined").length).toBeGreaterThan(5);
    expect(byReason("rona").length).toBeGreaterThan(0);
    expect(byReason("caller-hangup").length).toBeGreaterThan(0);
    expect(new Set(callers.map((c) => c.hungUpIn))).toEqual(new Set([undefined, "queued", "offered", "engaged"]));

    // Agents are all back and free, and nothing is left ticking.
    expect(h.center.listAgents().map((a) => a.state)).toEqual(Array(10).fill("Available"));
    sims.stop();
    expect(h.clock.pendingTimers()).toBe(0);
    expect(answeredCallers).toBeGreaterThan(100);
  }, 60_000);
});

