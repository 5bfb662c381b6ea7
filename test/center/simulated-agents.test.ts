import { describe, expect, it } from "vitest";
import { parseCenterConfig } from "../../src/center/config.js";
import { createSimulatedAgents, simulatedSpecs } from "../../src/center/simulated-agents.js";
import { FakeContact, harness } from "./helpers.js";

describe("simulated agents", () => {
  it("answer after N seconds, talk M, wrap up W, and are Available again — all on the clock", async () => {
    const env = {
      queues: [{ id: "support" }],
      agents: [{ id: "sim", name: "Sim", queues: ["support"], simulated: { answerAfterSeconds: 2, talkSeconds: 10, wrapUpSeconds: 3 } }],
    };
    const h = harness(env);
    const sims = createSimulatedAgents(h.center, simulatedSpecs(parseCenterConfig(env).config.agents), h.clock);
    await h.settle();
    expect(h.center.agent("sim")!.state).toBe("Available");
    const caller = new FakeContact("c1");
    h.center.queueContact({ contact: caller, queueId: "support", priority: 1 });
    await h.settle(); // the agent hears of the offer
    const states: Array<[number, string]> = [];
    const t0 = h.clock.now();
    for (let s = 0; s <= 16; s++) {
      const a = h.center.agent("sim")!;
      if (states.at(-1)?.[1] !== a.state) states.push([s, a.state]);
      await h.advance(1000);
    }
    expect(states).toEqual([
      [0, "Reserved"],
      [2, "Engaged"],
      [12, "WrapUp"],
      [15, "Available"],
    ]);
    expect(caller.types()).toEqual(["offered", "answered", "agent-disconnected", "ended"]);
    expect(sims.stats.get("sim")).toEqual({ offers: 1, accepted: 1, declined: 0, ignored: 0, ended: 1 });
    expect(h.clock.now() - t0).toBe(17_000);
    sims.stop();
  });

  it("can let offers ring out (RONA) and come back after readyAfterSeconds", async () => {
    const h = harness({ queues: [{ id: "q" }], agents: [{ id: "sleepy", name: "Sleepy", queues: ["q"] }] }, { ringTimeoutMs: 5_000 });
    const sims = createSimulatedAgents(h.center, [{ agentId: "sleepy", ignores: 1, readyAfterSeconds: 4, answerAfterSeconds: 1 }], h.clock);
    const caller = new FakeContact("c1");
    h.center.queueContact({ contact: caller, queueId: "q", priority: 1 });
    await h.advance(5_000);
    expect(h.center.agent("sleepy")).toMatchObject({ state: "Idle", reason: "RONA" });
    await h.advance(4_000); // ready again, offered again, answers after 1 s this time
    await h.advance(1_000);
    expect(caller.types()).toEqual(["offered", "rona", "offered", "answered"]);
    sims.stop();
    expect(h.clock.pendingTimers()).toBe(0);
  });
});
