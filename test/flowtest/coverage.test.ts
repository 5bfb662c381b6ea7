/**
 * Coverage counts what a call can reach: the ports of reachable activities, minus error ports
 * that are unwired or belong to activities that cannot fail; event handlers only for events that
 * can happen in the flow. Runs add visits and ports taken.
 */
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import type { CallEvent } from "../../src/engine/events.js";
import { parseFlowText } from "../../src/flow/load.js";
import { CoverageCollector, analyseFlow } from "../../src/flowtest/coverage.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { hasShared, readShared, seedFlowPath } from "../helpers/shared.js";

const registry = createRegistry();

function step(activity: string, id: string, port?: string, flow = "main"): CallEvent {
  return { type: "step", at: 0, interactionId: "i", activity, activityId: id, activityType: "x", flow, ...(port ? { port } : {}) };
}

describe("what counts", () => {
  it("an IVR that cannot fail and never queues: no OnGlobalError, no agent events", () => {
    const flow = buildFlow({
      main: [
        { name: "Hello", type: "play-message", props: tts("Hello") },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [["Hello", "default", "Bye"]],
      events: {
        ContactEnded: { nodes: [{ name: "End1", type: "end" }], links: [["ContactEnded", "out", "End1"]] },
        GlobalErrorHandling: { nodes: [{ name: "End2", type: "end" }], links: [["GlobalErrorHandling", "out", "End2"]] },
        AgentContactAssigned: { nodes: [{ name: "End3", type: "end" }], links: [["AgentContactAssigned", "out", "End3"]] },
        ContactPredial: { nodes: [{ name: "End4", type: "end" }], links: [["ContactPredial", "out", "End4"]] },
      },
    });
    const s = analyseFlow(flow, registry);
    const by = (n: string) => s.activities.find((a) => a.name === n)!;
    expect(by("Hello").ports).toMatchObject([
      { port: "default", counted: true, target: "Bye" },
      { port: "error", counted: false, reason: "not wired: a failure here goes to OnGlobalError" },
    ]);
    expect(by("ContactEnded").reachable).toBe(true);
    expect(by("End1").reachable).toBe(true);
    expect(by("GlobalErrorHandling")).toMatchObject({ reachable: false, reason: "GlobalErrorHandling cannot happen in this flow" });
    expect(by("AgentContactAssigned")).toMatchObject({ reachable: false, reason: "AgentContactAssigned cannot happen in this flow" });
    expect(by("ContactPredial")).toMatchObject({ reachable: false, reason: "ContactPredial cannot happen in this flow" });
    expect(by("End4").reachable).toBe(false);
  });

  it("an HTTP request can always fail, so OnGlobalError counts; queueing makes the agent events count", () => {
    const flow = buildFlow({
      main: [
        { name: "Lookup", type: "http-request-v2", props: { authenticated: false, httpRequestUrl: "https://crm.example/x", httpRequestMethod: "GET" } },
        { name: "Queue", type: "queue-contact", props: { destination: "Q1", queueRadioGroup: "staticQueue" } },
      ],
      links: [["Lookup", "default", "Queue"]],
      events: {
        GlobalErrorHandling: { nodes: [{ name: "E", type: "end" }], links: [["GlobalErrorHandling", "out", "E"]] },
        AgentOfferContact: { nodes: [{ name: "O", type: "end" }], links: [["AgentOfferContact", "out", "O"]] },
      },
    });
    const s = analyseFlow(flow, registry);
    expect(s.activities.filter((a) => a.reachable).map((a) => a.name)).toEqual(expect.arrayContaining(["Lookup", "Queue", "GlobalErrorHandling", "E", "AgentOfferContact", "O"]));
    // queue-contact's unwired failure goes to OnGlobalError; the default port is counted even though unwired.
    expect(s.byId.get("m-Queue")!.ports).toMatchObject([{ port: "default", counted: true }, { port: "failure", counted: false }]);
  });

  it("a wired error port counts only when the activity can fail", () => {
    const flow = buildFlow({
      variables: [{ name: "Count", type: "INTEGER", value: "0" }],
      main: [
        { name: "Safe", type: "condition-activity", props: { expression: '{{ Count == 1 }}' } },
        { name: "Risky", type: "condition-activity", props: { expression: "{{ Count > 1 }}" } },
        { name: "Oops", type: "play-message", props: tts("Sorry") },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [
        ["Safe", "true", "Risky"],
        ["Safe", "false", "Bye"],
        ["Safe", "error", "Oops"],
        ["Risky", "true", "Bye"],
        ["Risky", "false", "Bye"],
        ["Risky", "error", "Oops"],
        ["Oops", "default", "Bye"],
      ],
    });
    const s = analyseFlow(flow, registry);
    expect(s.byId.get("m-Safe")!.ports.find((p) => p.port === "error")).toMatchObject({ counted: false, reason: "this activity cannot fail as written" });
    expect(s.byId.get("m-Risky")!.ports.find((p) => p.port === "error")).toMatchObject({ counted: true });
    expect(s.byId.get("m-Oops")!.reachable).toBe(true);
  });
});

describe("runs add up", () => {
  const flow = buildFlow({
    main: [
      { name: "Menu", type: "ivr-menu", props: { ...tts("Press 1 or 2"), menuLinks: ["1", "2"], entryTimeout: 3 } },
      { name: "Bye", type: "disconnect-contact" },
    ],
    links: [
      ["Menu", "1", "Bye"],
      ["Menu", "2", "Bye"],
    ],
  });

  it("reports what is covered as a percentage of what counts, an End or Disconnect counting once", () => {
    const c = new CoverageCollector(flow, registry);
    c.addRun([step("NewPhoneContact", "m-NewPhoneContact", "out"), step("Menu", "m-Menu", "1"), step("Bye", "m-Bye")]);
    let r = c.result();
    // out, 1, 2, timeout, invalid (unwired success ports count: the caller can take them), Bye.
    expect(r.totals).toMatchObject({ targets: 6, covered: 3 });
    expect(r.percent).toBe(50);
    c.addRun([step("Menu", "m-Menu", "2"), step("Menu", "m-Menu", "timeout"), step("Menu", "m-Menu", "invalid")]);
    r = c.result();
    expect(r.scenarios).toBe(2);
    expect(r.percent).toBe(100);
    expect(r.activities.find((a) => a.name === "Menu")!.ports.find((p) => p.port === "1")!.hits).toBe(1);
  });

  it("a port taken although judged unreachable is counted: the run is the proof", () => {
    const c = new CoverageCollector(flow, registry);
    c.addRun([step("Menu", "m-Menu", "error")]);
    expect(c.result().activities.find((a) => a.name === "Menu")!.ports.find((p) => p.port === "error")).toMatchObject({ counted: true, hits: 1 });
  });

  it("rounds down, so 100% means everything", () => {
    const c = new CoverageCollector(flow, registry);
    c.addRun([step("NewPhoneContact", "m-NewPhoneContact", "out"), step("Menu", "m-Menu", "1"), step("Menu", "m-Menu", "2"), step("Menu", "m-Menu", "timeout"), step("Bye", "m-Bye")]);
    expect(c.result().percent).toBe(83.3);
  });
});

describe.skipIf(!hasShared)("the seed flow", () => {
  it("has 32 reachable targets; the unwired error ports and the menu's error port are not counted", () => {
    const flow = parseFlowText(readShared(seedFlowPath), "seed").flow!;
    const r = new CoverageCollector(flow, registry).result();
    expect(r.totals.targets).toBe(32);
    expect(r.totals.activities).toBe(27);
    const notCounted = r.activities.flatMap((a) => a.ports.filter((p) => !p.counted).map((p) => `${a.name}:${p.port}`));
    expect(notCounted).toContain("MainMenu:error");
    expect(notCounted).toContain("QueueContact:failure");
    expect(notCounted).toContain("ScreenPop:out");
    expect(notCounted.every((p) => /:(error|failure|out)$/.test(p))).toBe(true);
  });
});
