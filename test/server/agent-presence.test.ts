/**
 * An agent whose desktop goes away (tab closed, network lost) must not keep callers ringing: after
 * the environment's grace period the agent is Idle with the reason Disconnected, and a ringing
 * offer goes back to the queue. A desktop that reconnects within the grace period keeps its state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestServer, type TestServer } from "./helpers.js";
import { supportEnvironment, supportFlow } from "./fixtures.js";

let t: TestServer;
const GRACE_S = 0.5;

describe("an agent desktop that loses its connection", () => {
  beforeAll(async () => {
    t = await startTestServer({
      flows: [{ id: "support", definition: supportFlow() }],
      environment: {
        ...supportEnvironment,
        agents: [...supportEnvironment.agents, { id: "ben", name: "Ben Okafor", queues: ["Q-Test"] }],
        center: { ringTimeoutSeconds: 120, agentDisconnectGraceSeconds: GRACE_S },
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const state = async (id: string) => (await t.call("GET", `/api/agents/${id}`)).body.agent as { state: string; reason?: string };

  it("makes an Available agent Idle (Disconnected) once the grace period has passed", async () => {
    await t.call("POST", "/api/agents/ana/login", { available: true });
    const desk = await t.socket("/api/agents/ana/ws");
    const first = await desk.next((m) => m.type === "desk");
    // The desktop names the agent's queues (an agent may not list the center's queues).
    expect(first.desk.queues).toEqual([{ id: "Q-Test", name: "Test Queue" }]);
    expect((await state("ana")).state).toBe("Available");
    desk.close();
    const after = await eventually(async () => {
      const s = await state("ana");
      return s.state === "Idle" ? s : undefined;
    }, "ana Idle after her desktop closed");
    expect(after.reason).toBe("Disconnected");
    expect(t.logs).toContain("warn: Ana Lima's desktop lost its connection 0.5 s ago: now Idle (Disconnected)");
  });

  it("sends a ringing offer back to the queue, where the next agent gets it", async () => {
    await t.call("POST", "/api/agents/ana/state", { state: "Available" });
    const anaDesk = await t.socket("/api/agents/ana/ws");
    await anaDesk.next((m) => m.type === "desk");
    const placed = await t.call("POST", "/api/calls", { ani: "+15550001234", flow: "support" });
    expect(placed.status).toBe(201);
    const id = placed.body.interactionId as string;
    await t.call("POST", `/api/calls/${id}/digits`, { digits: "1" });
    await anaDesk.next((m) => m.type === "event" && m.event.type === "offer", "the offer to ana");
    await t.call("POST", "/api/agents/ben/login", { available: true });
    const benDesk = await t.socket("/api/agents/ben/ws");
    anaDesk.close();
    await benDesk.next((m) => m.type === "event" && m.event.type === "offer", "the offer to ben after ana's desktop was lost");
    expect(await state("ana")).toMatchObject({ state: "Idle", reason: "Disconnected" });
    await t.call("POST", `/api/calls/${id}/hangup`);
    benDesk.close();
  });

  it("keeps the state of an agent whose desktop reconnects (a reload) or who has another tab open", async () => {
    await t.call("POST", "/api/agents/ana/state", { state: "Available" });
    const first = await t.socket("/api/agents/ana/ws");
    const second = await t.socket("/api/agents/ana/ws");
    first.close();
    // Well past the grace period: the second tab is still there.
    await new Promise((r) => setTimeout(r, GRACE_S * 1000 + 700));
    expect((await state("ana")).state).toBe("Available");
    second.close();
    const reload = await t.socket("/api/agents/ana/ws");
    await reload.next((m) => m.type === "desk");
    await new Promise((r) => setTimeout(r, GRACE_S * 1000 + 700));
    expect((await state("ana")).state).toBe("Available");
    reload.close();
  });
});
