/**
 * `ccflow graph --diff OLD NEW`: the new flow drawn with what changed marked — added activities
 * and links green, removed ones red and dashed where they were, changed activities and rewired
 * links amber — in SVG and PNG.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runGraphCommand } from "../../src/cli/commands/graph.js";
import { diffPicture } from "../../src/graph/diff.js";
import { renderFlowSvg } from "../../src/graph/svg.js";
import { buildFlow, exportOf, tts, type FlowSpec } from "../helpers/flow-builder.js";

const older: FlowSpec = {
  name: "Sales",
  main: [
    { name: "Greet", type: "play-message", props: tts("Welcome") },
    { name: "Every_other", type: "condition-activity", props: { expression: "{{ true }}" } },
    { name: "Queue", type: "queue-contact", props: { destination: "Sales" } },
    { name: "Music", type: "play-music", props: { prompt: "defaultmusic_on_hold.wav", duration: "30" } },
  ],
  links: [
    ["Greet", "default", "Every_other"],
    ["Every_other", "true", "Queue"],
    ["Every_other", "false", "Queue"],
    ["Queue", "default", "Music"],
    ["Music", "default", "Music"],
  ],
};

const newer: FlowSpec = {
  name: "Sales",
  main: [
    { name: "Greet", type: "play-message", props: tts("Welcome to Sales") },
    { name: "Menu", type: "ivr-menu", props: { ...tts("Press 1"), menuLinks: ["1"] } },
    { name: "Queue", type: "queue-contact", props: { destination: "Sales" } },
    { name: "Music", type: "play-music", props: { prompt: "defaultmusic_on_hold.wav", duration: "30" } },
  ],
  links: [
    ["Greet", "default", "Menu"],
    ["Menu", "1", "Queue"],
    ["Queue", "default", "Music"],
    ["Music", "default", "Music"],
  ],
};

const marked = (svg: string, what: "activity" | "link", change: string) =>
  [...svg.matchAll(new RegExp(`<(?:g|path) class="${what}"[^>]*data-change="${change}"[^>]*>`, "g"))].map((m) => /data-(?:activity|from)="([^"]*)"/.exec(m[0])![1] + (what === "link" ? ` —${/data-port="([^"]*)"/.exec(m[0])![1]}→ ${/data-to="([^"]*)"/.exec(m[0])![1]}` : "")).sort();

describe("a picture of what changed", () => {
  it("marks activities added, removed and changed, and links added, removed and rewired", () => {
    const { flow, marks } = diffPicture(buildFlow(older), buildFlow(newer));
    const svg = renderFlowSvg(flow, { diff: marks, title: marks.title });
    expect(marked(svg, "activity", "added")).toEqual(["Menu"]);
    expect(marked(svg, "activity", "removed")).toEqual(["Every_other"]);
    expect(marked(svg, "activity", "changed")).toEqual(["Greet"]);
    expect(marked(svg, "link", "added")).toEqual(["Menu —1→ Queue"]);
    expect(marked(svg, "link", "rewired")).toEqual(["Greet —default→ Menu"]);
    expect(marked(svg, "link", "removed")).toEqual(["Every_other —false→ Queue", "Every_other —true→ Queue", "Greet —default→ Every_other"]);
    expect(svg).toContain(">+ added</text>");
    expect(svg).toContain(">− removed</text>");
    expect(svg).toContain(">Sales → Sales</text>");
  });

  it("writes SVG and PNG from the command; an unreadable old file is one clear line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccflow-graph-diff-"));
    try {
      const a = join(dir, "v1.json");
      const b = join(dir, "v2.json");
      writeFileSync(a, JSON.stringify(exportOf(older)));
      writeFileSync(b, JSON.stringify(exportOf(newer)));
      const io = { out: () => {}, err: () => {} };
      expect(await runGraphCommand(b, { diff: a, out: join(dir, "d.svg") }, io)).toBe(0);
      expect(readFileSync(join(dir, "d.svg"), "utf8")).toContain(">v1.json → v2.json</text>");
      expect(await runGraphCommand(b, { diff: a, out: join(dir, "d.png") }, io)).toBe(0);
      expect(readFileSync(join(dir, "d.png")).subarray(1, 4).toString()).toBe("PNG");
      let err = "";
      expect(await runGraphCommand(b, { diff: join(dir, "none.json"), out: join(dir, "x.svg") }, { out: () => {}, err: (s) => (err += s) })).toBe(1);
      expect(err).toBe(`ccflow: ${join(dir, "none.json")}: Cannot read ${join(dir, "none.json")}: no such file\n`);
      expect(await runGraphCommand(b, { diff: a, format: "mermaid" }, { out: () => {}, err: (s) => (err += s) })).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
