/**
 * The picture of a flow: every activity and every link of the seed flow is in the SVG, boxes sit
 * where the designer put them, flows without a diagram get a layout of their own, and coverage
 * marks taken and missed paths.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseFlowText } from "../../src/flow/load.js";
import type { FlowDefinition } from "../../src/flow/types.js";
import { CoverageCollector } from "../../src/flowtest/coverage.js";
import { createRegistry } from "../../src/activities/index.js";
import { layoutFlow } from "../../src/graph/layout.js";
import { renderFlowSvg } from "../../src/graph/svg.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { hasShared, readShared, repoRoot, seedFlowPath, sharedFlowPaths } from "../helpers/shared.js";

const registry = createRegistry();
const load = (text: string, file: string): FlowDefinition => parseFlowText(text, file).flow!;
const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

function activitiesIn(svg: string): string[] {
  return [...svg.matchAll(/<g class="activity" id="[^"]+" data-activity="([^"]*)"/g)].map((m) => unescape(m[1]!));
}
function linksIn(svg: string): string[] {
  return [...svg.matchAll(/<path class="link" data-link="[^"]*" data-from="([^"]*)" data-port="([^"]*)" data-to="([^"]*)"/g)].map((m) => `${unescape(m[1]!)} -${m[2]}-> ${unescape(m[3]!)}`);
}
function expectedLinks(flow: FlowDefinition): string[] {
  return [flow.main, flow.events].flatMap((p) => p.links.map((l) => `${p.activities.get(l.source)!.name} -${l.port}-> ${p.activities.get(l.target)!.name}`));
}

describe.skipIf(!hasShared)("the seed flow's picture", () => {
  // Read in beforeAll: a skipped describe's body still runs to collect its tests.
  let flow: FlowDefinition;
  let svg: string;
  beforeAll(() => {
    flow = load(readShared(seedFlowPath), "seed");
    svg = renderFlowSvg(flow);
  });

  it("has every activity and every link, the main flow and the event flows in two panels", () => {
    const names = [...flow.main.activities.values(), ...flow.events.activities.values()].map((a) => a.name);
    expect(activitiesIn(svg).sort()).toEqual(names.sort());
    expect(linksIn(svg).sort()).toEqual(expectedLinks(flow).sort());
    expect(linksIn(svg)).toHaveLength(26);
    expect(svg).toContain('<g class="panel" data-panel="main">');
    expect(svg).toContain('<g class="panel" data-panel="events">');
    expect(svg).toContain(">Main Flow</text>");
    expect(svg).toContain(">Event Flows</text>");
  });

  it("labels boxes as the designer does: type, detail, outcome rows and error handling", () => {
    for (const text of ["HTTP Request", "Set Variable", "Play Message", "Queue Contact", "Play Music", "Disconnect Contact", "Event Handler", "End Flow", "Screen Pop"]) expect(svg).toContain(`>${text}</text>`);
    expect(svg).toContain(">{{ CustomerID == &quot;NA&quot; }}</text>");
    expect(svg).toContain(">CustomerType = Existing</text>");
    expect(svg).toContain(">Event = NewPhoneContact</text>");
    for (const row of ["1  agent", "2  disconnect", "No-Input Timeout", "Unmatched Entry", "Undefined Error", "True", "False", "Custom Links", "Error Handling"]) expect(svg).toContain(`>${row}</text>`);
    // Handlers are titled by their event, as on the canvas.
    expect(svg).toMatch(/data-activity="AgentContactAssigned"[^]*?>AgentAnswered<\/text>/);
  });

  it("puts each box where the designer saved it, relative to the others", () => {
    const [main] = layoutFlow(flow, registry);
    const at = (name: string) => main!.nodes.find((n) => n.def.name === name)!;
    for (const [name, x, y] of [["NewPhoneContact", -357, -280], ["StripANI", -114, -250], ["MainMenu", -150, 413], ["PlayMusic", 503, 493]] as const) {
      expect([at(name).x, at(name).y]).toEqual([x, y]);
    }
    expect(main!.fromDiagram).toBe(true);
    // Links leave from their port and end at the target's input: the menu's 2 goes to Disconnect.
    const two = main!.edges.find((e) => e.from.def.name === "MainMenu" && e.link.port === "2")!;
    const port = at("MainMenu").ports.find((p) => p.port === "2")!;
    expect(two.points[0]).toEqual({ x: port.x, y: port.y });
    expect(two.points.at(-1)).toEqual(at("DisconnectContact").input);
    // Every segment is horizontal or vertical.
    for (const e of main!.edges) for (let i = 1; i < e.points.length; i++) expect(e.points[i]!.x === e.points[i - 1]!.x || e.points[i]!.y === e.points[i - 1]!.y).toBe(true);
    // The hold-music self-loop is drawn, around the top of its box.
    const loop = main!.edges.find((e) => e.from.def.name === "PlayMusic" && e.to.def.name === "PlayMusic")!;
    expect(Math.min(...loop.points.map((p) => p.y))).toBeLessThan(at("PlayMusic").y);
  });
});

describe("flows without a diagram", () => {
  it.skipIf(!hasShared)("WaitTreatment_subflow gets a layered layout, left to right from its start", () => {
    const flow = load(readShared(sharedFlowPaths.find((p) => p.endsWith("WaitTreatment_subflow.json"))!), "wait");
    const [main] = layoutFlow(flow, registry);
    expect(main!.fromDiagram).toBe(false);
    const svg = renderFlowSvg(flow);
    expect(svg).toContain("laid out by ccflow (the export has no diagram positions)");
    expect(activitiesIn(svg)).toHaveLength(flow.main.activities.size);
    expect(linksIn(svg).sort()).toEqual(expectedLinks(flow).sort());
    const start = main!.nodes.find((n) => n.def.id === flow.startId)!;
    for (const n of main!.nodes) expect(n.x).toBeGreaterThanOrEqual(start.x);
    // No two boxes overlap.
    for (const a of main!.nodes) for (const b of main!.nodes) if (a !== b) expect(a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y).toBe(true);
  });

  it("a loop back does not push the layout on forever; orphans are drawn too", () => {
    const flow = buildFlow({
      main: [
        { name: "Menu", type: "ivr-menu", props: { ...tts("Press 1"), menuLinks: ["1"], entryTimeout: 3 } },
        { name: "Again", type: "play-message", props: tts("Once more") },
        { name: "Bye", type: "disconnect-contact" },
        { name: "Orphan", type: "play-message", props: tts("Nobody comes here") },
      ],
      links: [
        ["Menu", "1", "Bye"],
        ["Menu", "invalid", "Again"],
        ["Again", "default", "Menu"],
      ],
    });
    const [main] = layoutFlow(flow, registry);
    const x = (name: string) => main!.nodes.find((n) => n.def.name === name)!.x;
    expect(x("Menu")).toBeLessThan(x("Again"));
    expect(x("Menu")).toBeLessThan(x("Bye"));
    expect(activitiesIn(renderFlowSvg(flow))).toContain("Orphan");
  });
});

describe("activities beyond the shared flows", () => {
  it("draws a virtual agent and a media stream with their designer names, detail and ports", () => {
    const flow = buildFlow({
      main: [
        { name: "Bot", type: "ivr-virtualassistantvoice", props: { virtualAgentId: "billing-bot", "virtualAgentId:name": "Billing bot" } },
        { name: "Stream", type: "start-media-stream", props: { mediaDestinationId: "md-42" } },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [
        ["Bot", "ENDED", "Bye"],
        ["Bot", "ESCALATE", "Stream"],
        ["Stream", "default", "Bye"],
      ],
    });
    const svg = unescape(renderFlowSvg(flow));
    for (const text of ["Virtual Agent V2", "Billing bot", "Escalate", "Ended", "Start Media Stream", "md-42"]) expect(svg).toContain(text);
  });
});

describe("coverage and traces", () => {
  const flow = buildFlow({
    main: [
      { name: "Menu", type: "ivr-menu", props: { ...tts("Press 1 or 2"), menuLinks: ["1", "2"], entryTimeout: 3 } },
      { name: "Bye", type: "disconnect-contact" },
      { name: "Other", type: "disconnect-contact" },
    ],
    links: [
      ["Menu", "1", "Bye"],
      ["Menu", "2", "Other"],
    ],
  });
  const collector = new CoverageCollector(flow, registry);
  collector.addRun([
    { type: "step", at: 0, interactionId: "i", activity: "NewPhoneContact", activityId: "m-NewPhoneContact", activityType: "NewPhoneContact", port: "out", flow: "main" },
    { type: "step", at: 0, interactionId: "i", activity: "Menu", activityId: "m-Menu", activityType: "ivr-menu", port: "1", flow: "main" },
    { type: "step", at: 0, interactionId: "i", activity: "Bye", activityId: "m-Bye", activityType: "disconnect-contact", flow: "main" },
  ]);
  const svg = renderFlowSvg(flow, { coverage: collector.result() });

  it("draws taken links green, reachable links no scenario took red and dashed, and marks those ports", () => {
    expect(svg).toMatch(/data-from="Menu" data-port="1" data-to="Bye" d="[^"]+" fill="none" stroke="#1a9850"/);
    expect(svg).toMatch(/data-from="Menu" data-port="2" data-to="Other" d="[^"]+" fill="none" stroke="#d73027" stroke-width="1.3" stroke-dasharray/);
    // 2, timeout and invalid were never taken.
    expect((svg.match(/fill="#d73027">✗<\/text>/g) ?? []).length).toBe(3);
    expect(svg).toContain("of reachable ports covered");
    expect(svg).toContain("path taken by a scenario");
  });

  it("a live trace marks the path so far and the current activity", () => {
    const live = renderFlowSvg(flow, { trace: { steps: [{ activityId: "m-NewPhoneContact", port: "out" }, { activityId: "m-Menu" }] } });
    expect(live).toMatch(/id="activity-m-Menu"[^>]*>[^]*?stroke="#2563eb" stroke-width="2.5"/);
    expect(live).toContain("current activity");
    expect(live).not.toContain("✗");
  });
});

it("our example flow is drawn from its own diagram", () => {
  const flow = load(readFileSync(resolve(repoRoot, "examples/flows/Dynamics_Priority_Routing_Flow.json"), "utf8"), "example");
  const svg = renderFlowSvg(flow);
  expect(activitiesIn(svg)).toHaveLength(flow.main.activities.size + flow.events.activities.size);
  expect(linksIn(svg).sort()).toEqual(expectedLinks(flow).sort());
  expect(layoutFlow(flow, registry).every((p) => p.fromDiagram)).toBe(true);
});
