/**
 * What happens to calls when the process stops. Persisting calls across a restart is a later
 * step; today every live call is ended with the reason `shutdown` — whatever it was doing: in
 * the IVR, waiting in a queue, ringing at an agent or talking to one — its PhoneContactEnded
 * event flow runs with that reason, and its trace ends with `ended: shutdown`. None is left
 * running or silently forgotten.
 *
 * Here at the Runtime level (what `ccflow serve`, `ccflow call` and `ccflow test` compose);
 * server-restart.test.ts does the same through a real `ccflow serve` process and its log.
 */
import { describe, expect, it } from "vitest";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import { VirtualClock } from "../../src/time/clock.js";
import type { CallEvent, EndedEvent } from "../../src/engine/events.js";
import type { Interaction } from "../../src/engine/interaction.js";
import { parseEnvironment } from "../../src/environment/load.js";
import { parseFlowText } from "../../src/flow/load.js";
import { Runtime } from "../../src/runtime/runtime.js";
import { readFileSync } from "node:fs";
import { EXAMPLE_FLOW } from "./helpers/flow-sources.js";
import { withinRealTime } from "./helpers/hang-guard.js";
import { recordFigures } from "./helpers/figures.js";

const QUEUE = "745fab6b-55e3-49f6-a60e-d06d408eda02";

const ENVIRONMENT = `
queues:
  - id: ${QUEUE}
    name: Customer Care
agents:
  - id: ringing
    name: Rita Rings
    queues: [${QUEUE}]
    simulated: { ignores: true }
  - id: talking
    name: Tom Talks
    queues: [${QUEUE}]
    simulated: { answerAfterSeconds: 1, talkSeconds: 100000 }
center:
  ringTimeoutSeconds: 3600
`;

function runtimeFor(clock: VirtualClock, log: string[]) {
  const environment = parseEnvironment(ENVIRONMENT, "restart.yaml");
  if (!environment.ok) throw new Error(environment.error);
  const flow = parseFlowText(readFileSync(EXAMPLE_FLOW, "utf8"), EXAMPLE_FLOW).flow!;
  const runtime = new Runtime({
    environment: environment.environment,
    flows: [flow],
    clock,
    // The CRM knows nobody: every caller is routed as unknown, straight to the queue.
    crm: { baseUrl: "https://crm.restart.test", tenantId: "t", clientId: "c", clientSecret: "restart-test-secret" },
    fixtures: (req) => (req.url.includes("/oauth2/") ? { status: 200, body: { access_token: "fixture-token-value", token_type: "Bearer", expires_in: 3599 } } : { status: 200, body: { value: [] } }),
    log: (level, message) => log.push(`${level} ${message}`),
  });
  return { runtime, flow };
}

describe("stopping the runtime with calls in every phase", () => {
  it("ends each call with the reason shutdown in its trace and runs its PhoneContactEnded", { timeout: 60_000 }, async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const log: string[] = [];
    const { runtime, flow } = runtimeFor(clock, log);
    const calls: Array<{ call: Interaction; events: CallEvent[] }> = [];
    const place = (ani: string, digits = "") => {
      const events: CallEvent[] = [];
      const call = runtime.startCall(flow, { ani, dnis: "+18005550100", channel: new ScriptedCaller(clock, digits), listener: (e) => events.push(e) });
      calls.push({ call, events });
      return call;
    };
    const settle = async (ms: number) => {
      for (let t = 0; t < ms; t += 500) {
        for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
        await clock.advance(500);
      }
    };
    // Twelve callers reach the queue: one is answered by Tom, one rings at Rita, ten wait.
    for (let i = 0; i < 12; i++) place(`+1555010${String(i).padStart(4, "0")}`);
    await settle(30_000);
    // Two more are still in the IVR: one hearing the greeting, one just connected.
    place("+15550109998");
    await settle(1_000);
    place("+15550109999");
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));

    const phases = calls.map((c) => c.call.state);
    expect(phases.filter((p) => p === "engaged")).toHaveLength(1);
    expect(phases.filter((p) => p === "offered")).toHaveLength(1);
    expect(phases.filter((p) => p === "queued")).toHaveLength(10);
    expect(phases.filter((p) => p === "ivr")).toHaveLength(2);

    const closing = runtime.close();
    // The event flows of ended calls still run on the clock.
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setImmediate(r));
      await clock.advance(1_000);
    }
    await closing;
    const ended: EndedEvent[] = await withinRealTime(Promise.all(calls.map((c) => c.call.done)), 10_000, "calls ending after close()");
    expect(ended.map((e) => e.reason)).toEqual(calls.map(() => "shutdown"));
    for (const { events } of calls) {
      // PhoneContactEnded ran (the example flow handles ContactEnded), and the trace ends there.
      expect(events.filter((e) => e.type === "event").map((e) => (e as { name: string }).name)).toContain("ContactEnded");
      expect(events.at(-1)).toMatchObject({ type: "ended", reason: "shutdown" });
      expect(events.filter((e) => e.type === "ended")).toHaveLength(1);
    }
    expect(runtime.center.listQueues().every((q) => q.queuedNow === 0 && q.ringing.length === 0 && q.connected.length === 0)).toBe(true);
    recordFigures("restart-runtime", { calls: calls.length, phases: { engaged: 1, offered: 1, queued: 10, ivr: 2 }, endedWithShutdown: ended.length });
  });
});
