/**
 * The Mermaid form, read back structurally: one node per activity, one edge per link, labelled
 * with the port, every edge between declared nodes, and labels that cannot break the syntax.
 */
import { describe, expect, it } from "vitest";
import { parseFlowText } from "../../src/flow/load.js";
import type { FlowDefinition } from "../../src/flow/types.js";
import { renderFlowMermaid } from "../../src/graph/mermaid.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { hasShared, readShared, seedFlowPath } from "../helpers/shared.js";

interface Parsed {
  direction: string;
  subgraphs: string[];
  nodes: Map<string, string>;
  edges: Array<{ from: string; port: string; to: string }>;
}

/** A reader for the subset of Mermaid flowchart syntax we write; anything else is an error. */
function parseMermaid(text: string): Parsed {
  const lines = text.trimEnd().split("\n");
  const head = /^flowchart (LR|TD)$/.exec(lines[0]!);
  if (!head) throw new Error(`bad header: ${lines[0]}`);
  const out: Parsed = { direction: head[1]!, subgraphs: [], nodes: new Map(), edges: [] };
  let depth = 0;
  for (const line of lines.slice(1)) {
    let m;
    if ((m = /^ {2}subgraph (\w+)\["[^"]*"\]$/.exec(line))) {
      out.subgraphs.push(m[1]!);
      depth++;
    } else if (/^ {2}end$/.test(line)) depth--;
    else if ((m = /^ {4}(a\d+)(\{\{"([^"]*)"\}\}|\(\["([^"]*)"\]\)|\[\["([^"]*)"\]\]|\["([^"]*)"\])$/.exec(line))) {
      if (depth !== 1) throw new Error(`node outside a subgraph: ${line}`);
      out.nodes.set(m[1]!, m[3] ?? m[4] ?? m[5] ?? m[6]!);
    } else if ((m = /^ {2}(a\d+) -->\|"([^"]*)"\| (a\d+)$/.exec(line))) out.edges.push({ from: m[1]!, port: m[2]!, to: m[3]! });
    else if (/^ {2}(classDef|class|linkStyle) /.test(line)) continue;
    else throw new Error(`unexpected line: ${JSON.stringify(line)}`);
  }
  if (depth !== 0) throw new Error("unbalanced subgraph");
  return out;
}

function check(flow: FlowDefinition) {
  const parsed = parseMermaid(renderFlowMermaid(flow));
  const activities = [...flow.main.activities.values(), ...flow.events.activities.values()];
  expect(parsed.nodes.size).toBe(activities.length);
  const links = [...flow.main.links, ...flow.events.links];
  expect(parsed.edges).toHaveLength(links.length);
  for (const e of parsed.edges) {
    expect(parsed.nodes.has(e.from)).toBe(true);
    expect(parsed.nodes.has(e.to)).toBe(true);
  }
  expect(parsed.edges.map((e) => e.port).sort()).toEqual(links.map((l) => l.port).sort());
  return parsed;
}

describe("mermaid", () => {
  it.skipIf(!hasShared)("the seed flow: a node per activity, an edge per link, main and event flows as subgraphs", () => {
    const flow = parseFlowText(readShared(seedFlowPath), "seed").flow!;
    const parsed = check(flow);
    expect(parsed.direction).toBe("LR");
    expect(parsed.subgraphs).toEqual(["main", "events"]);
    expect([...parsed.nodes.values()]).toContain("MainMenu<br/><small>Menu: This is the main menu.</small>");
    expect([...parsed.nodes.values()]).toContain("ConditionCheck<br/><small>Condition: {{ CustomerID == #quot;NA#quot; }}</small>");
    // The hold-music self-loop is an edge to itself.
    const music = [...parsed.nodes.entries()].find(([, l]) => l.startsWith("PlayMusic<br/>"))![0];
    expect(parsed.edges).toContainEqual({ from: music, port: "default", to: music });
  });

  it("labels with quotes, pipes and angle brackets stay inside their node", () => {
    const flow = buildFlow({
      main: [
        { name: 'Say "hi" | <now>', type: "play-message", props: { ...tts('He said "x" <b> | y'), description: "" } },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [['Say "hi" | <now>', "default", "Bye"]],
    });
    const parsed = check(flow);
    expect([...parsed.nodes.values()][1]).toBe("Say #quot;hi#quot; #124; #lt;now#gt;<br/><small>Play Message: He said #quot;x#quot; #lt;b#gt; #124; y</small>");
  });
});
