/**
 * `ccflow diff` from a reviewer's side: what changed between two versions of a flow reads as a
 * changelog (activities added, removed, renamed; properties old → new; links rewired; variables
 * and event flows), and what the designer changes for itself (positions, timestamps, twins,
 * order) is no change at all.
 */
import { describe, expect, it } from "vitest";
import { diffFlows, formatMarkdown, formatText, isEmptyDiff } from "../../../src/flow/diff/index.js";
import { readExport } from "../../../src/flow/read-export.js";
import { parseFlowText } from "../../../src/flow/load.js";
import type { FlowDefinition } from "../../../src/flow/types.js";
import { exportOf, tts, type FlowSpec } from "../../helpers/flow-builder.js";
import { hasShared, readShared, sharedDir } from "../../helpers/shared.js";

function load(raw: unknown, file: string): FlowDefinition {
  const read = readExport(raw, file);
  if (!read.flow) throw new Error(`${file} does not load`);
  return read.flow;
}

const base: FlowSpec = {
  variables: [{ name: "Lang", value: "en-US" }],
  main: [
    { name: "Greet", type: "play-message", props: tts("Welcome") },
    { name: "Queue", type: "queue-contact", props: { destination: "Sales", priority: 3 } },
    { name: "Music", type: "play-music", props: { prompt: "defaultmusic_on_hold.wav", duration: "30" } },
  ],
  links: [
    ["Greet", "default", "Queue"],
    ["Queue", "default", "Music"],
    ["Music", "default", "Music"],
  ],
};

describe("a semantic diff of two built flows", () => {
  it("reports a prompt, a queue and a priority changed, old → new", () => {
    const b = structuredClone(base);
    b.main[0]!.props = tts("Welcome to Sales");
    b.main[1]!.props = { destination: "Support", priority: 1 };
    const d = diffFlows(load(exportOf(base), "a.json"), load(exportOf(b), "b.json"));
    expect(d.changed.map((c) => [c.activity.name, c.changes])).toEqual([
      ["Greet", [{ path: "promptsTts[0].value", old: "Welcome", new: "Welcome to Sales" }]],
      [
        "Queue",
        [
          { path: "destination", old: "Sales", new: "Support" },
          { path: "priority", old: 3, new: 1 },
        ],
      ],
    ]);
    expect(d.added).toEqual([]);
    expect(d.links).toEqual([]);
  });

  it("reports an activity added (with the link that now leads to it), one removed, one renamed by id", () => {
    const b = structuredClone(base);
    b.main.splice(1, 0, { name: "Menu", type: "ivr-menu", props: { ...tts("Press 1"), menuLinks: ["1"] } });
    b.links = [
      ["Greet", "default", "Menu"],
      ["Menu", "1", "Queue"],
      ["Queue", "default", "Music"],
      ["Music", "default", "Music"],
    ];
    const raw = exportOf(b) as { process: { activities: Record<string, { name: string; properties: Record<string, unknown> }> } };
    raw.process.activities["m-Music"]!.name = "HoldMusic";
    raw.process.activities["m-Music"]!.properties.name = "HoldMusic";
    const text = formatText(diffFlows(load(exportOf(base), "a.json"), load(raw, "b.json")));
    expect(text).toContain("  + added Menu (ivr-menu)\n");
    expect(text).toContain("  ~ renamed Music → HoldMusic (play-music)\n");
    expect(text).toContain("      ~ Greet —default→ Queue now → Menu\n");
    expect(text).toContain("      + Menu —1→ Queue\n");
  });

  it("reports variables added, removed and changed (type, default, CAD, secure)", () => {
    const b = structuredClone(base);
    b.variables = [{ name: "Lang", value: "es-ES", isCAD: true }, { name: "Pin", isSecure: true }];
    const d = diffFlows(load(exportOf(base), "a.json"), load(exportOf(b), "b.json"));
    const text = formatText(d);
    expect(text).toContain("  ~ Lang\n      cad: false → true\n      value: \"en-US\" → \"es-ES\"\n");
    expect(text).toContain("  + Pin: STRING [secure]\n");
  });

  it("reports event flows: a handler wired, an activity added behind it", () => {
    const b: FlowSpec = { ...structuredClone(base), events: { AgentContactAssigned: { nodes: [{ name: "Pop", type: "screen-pop", props: { screenPopUrl: "https://crm.example/{{ANI}}" } }], links: [["AgentContactAssigned", "out", "Pop"]] } } };
    const text = formatText(diffFlows(load(exportOf(base), "a.json"), load(exportOf(b), "b.json")));
    expect(text).toContain("Event flows\n  + handler AgentAnswered → Pop\n  + added Pop (screen-pop)\n");
  });

  it("finds no change in a copy with other positions, timestamps, twins, bookkeeping and order", () => {
    const a = exportOf(base) as Record<string, unknown> & { process: { activities: Record<string, { properties: Record<string, unknown> }>; links: unknown[] } };
    a.process.activities["m-Queue"]!.properties.destination_name = "Sales";
    const b = structuredClone(a);
    b.process.links.reverse();
    b.process.activities = Object.fromEntries(Object.entries(b.process.activities).reverse());
    for (const act of Object.values(b.process.activities)) {
      act.properties._renderRequestTimestamp = 1_700_000_000_000;
      if (act.properties.destination) act.properties["destination:name"] = "Sales";
      if (act.properties.duration) act.properties.duration = 30;
    }
    Object.assign(b, { diagram: { widgets: { "m-Greet": { point: { x: 999, y: 7 } } } }, lastModifiedDate: "2027-01-01", version: 12 });
    const d = diffFlows(load(a, "a.json"), load(b, "b.json"));
    expect(isEmptyDiff(d)).toBe(true);
    expect(formatText(d)).toBe("a.json → b.json\n  the same flow (layout and export details aside)\n");
  });

  it("writes Markdown for a pull request", () => {
    const b = structuredClone(base);
    b.main[1]!.props = { destination: "Support", priority: 3 };
    expect(formatMarkdown(diffFlows(load(exportOf(base), "a.json"), load(exportOf(b), "b.json")))).toBe(
      "### Flow changes: `TestFlow` → `TestFlow`\n\n_1 changed_\n\n#### Main flow\n\n- **changed** Queue (queue-contact)\n  - destination: `\"Sales\"` → `\"Support\"`\n",
    );
  });
});

describe.skipIf(!hasShared)("the Cisco Live lab flow, version by version", () => {
  const flow = (f: string) => parseFlowText(readShared(`${sharedDir}/flows/${f}`), f).flow!;

  it("CL_1_start → CL_1_salesService reads as a changelog", () => {
    const text = formatText(diffFlows(flow("CL_1_start.json"), flow("CL_1_salesService.json")));
    expect(text.split("\n")[1]).toBe("  13 added, 6 changed, 24 link changes, 3 variable changes");
    for (const line of [
      "  + added salesService (ivr-menu)",
      "  ~ QueueContact_ys9 (queue-contact)\n      destination: \"f98926a4-a00d-4c92-86df-e9ba30de0ee1\" → \"ab14e66f-0817-40f7-875d-fe078f59d6b9\"",
      "      ~ PlayMessage_oc2 —default→ QueueContact_ys9 now → salesService",
      "      + salesService —1→ Q_Sales",
      "  + sPosition: INTEGER = \"0\"",
    ]) {
      expect(text).toContain(line);
    }
  });

  it("CL_1_salesService → …_lang_treatment_agentRouting reads as a changelog", () => {
    const text = formatText(diffFlows(flow("CL_1_salesService.json"), flow("CL_1_salesService_lang_treatment_agentRouting.json")));
    expect(text.split("\n")[1]).toBe("  10 added, 1 removed, 11 changed, 26 link changes, 6 variable changes");
    for (const line of [
      "  + added lang_menu (ivr-menu)",
      "  + added getTicketInfo (http-request-v2)",
      "  - removed Every_other (condition-activity)",
      "  ~ salesService (ivr-menu)\n      prompts[0].type: \"audioFile\" → \"audioPromptVariable\"\n      prompts[0].value: \"salesServiceMenu.wav\" → \"salesServiceMenu_{{lang}}.wav\"",
      "      ~ PlayMessage_oc2 —default→ salesService now → lang_menu",
      "  + lang: STRING = \"EN\"",
    ]) {
      expect(text).toContain(line);
    }
  });
});
