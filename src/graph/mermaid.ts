/**
 * The flow as a Mermaid flowchart, for Markdown (GitHub, GitLab and most wikis render it): one
 * node per activity, one edge per link labelled with its port, the main flow and the event flows
 * as subgraphs. Positions are Mermaid's own; the SVG keeps the designer's.
 */
import { createRegistry } from "../activities/index.js";
import type { ActivityRegistry } from "../activities/registry.js";
import type { FlowDefinition, ProcessDef } from "../flow/types.js";
import type { FlowCoverage } from "../flowtest/coverage.js";
import { describeActivity } from "./describe.js";

export interface MermaidOptions {
  registry?: ActivityRegistry;
  coverage?: FlowCoverage;
  /** Graph direction (default LR, as the designer reads). */
  direction?: "LR" | "TD";
}

/** Text safe inside a quoted Mermaid label. */
function label(s: string): string {
  return s.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;").replace(/\|/g, "#124;").replace(/[\r\n]+/g, " ");
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function renderFlowMermaid(flow: FlowDefinition, options: MermaidOptions = {}): string {
  const registry = options.registry ?? createRegistry();
  const ids = new Map<string, string>();
  const idOf = (activityId: string) => {
    let id = ids.get(activityId);
    if (!id) ids.set(activityId, (id = `a${ids.size + 1}`));
    return id;
  };
  const lines = [`flowchart ${options.direction ?? "LR"}`];
  const covered = new Map<string, Map<string, number>>();
  const visited = new Set<string>();
  for (const a of options.coverage?.activities ?? []) {
    if (a.visits > 0) visited.add(a.id);
    covered.set(a.id, new Map(a.ports.map((p) => [p.port, p.hits])));
  }

  const section = (process: ProcessDef, key: string, title: string) => {
    if (process.activities.size === 0) return;
    lines.push(`  subgraph ${key}["${label(title)}"]`);
    for (const def of process.activities.values()) {
      const view = describeActivity(def, flow, registry);
      const id = idOf(def.id);
      const body = `"${label(view.title ?? def.name)}<br/><small>${label(`${view.typeLabel}${view.detail ? `: ${clip(view.detail, 40)}` : ""}`)}</small>"`;
      const shape = view.category === "gateway" ? `{{${body}}}` : view.category === "start" || view.category === "event" ? `([${body}])` : view.category === "end" ? `[[${body}]]` : `[${body}]`;
      lines.push(`    ${id}${shape}`);
    }
    lines.push("  end");
  };
  section(flow.main, "main", flow.flowType === "SUBFLOW" ? "Subflow" : "Main flow");
  section(flow.events, "events", "Event flows");

  const edgeIndex: number[] = [];
  let n = 0;
  for (const process of [flow.main, flow.events]) {
    for (const link of process.links) {
      if (!process.activities.has(link.source) || !process.activities.has(link.target)) continue;
      lines.push(`  ${idOf(link.source)} -->|"${label(link.port)}"| ${idOf(link.target)}`);
      if ((covered.get(link.source)?.get(link.port) ?? 0) > 0) edgeIndex.push(n);
      n++;
    }
  }
  if (options.coverage) {
    lines.push("  classDef covered stroke:#1a9850,stroke-width:2px");
    lines.push("  classDef missed stroke:#d73027,stroke-dasharray:4 3");
    for (const a of options.coverage.activities) {
      if (!ids.has(a.id) || !a.reachable) continue;
      lines.push(`  class ${ids.get(a.id)} ${visited.has(a.id) ? "covered" : "missed"}`);
    }
    if (edgeIndex.length) lines.push(`  linkStyle ${edgeIndex.join(",")} stroke:#1a9850,stroke-width:2px`);
  }
  return `${lines.join("\n")}\n`;
}
