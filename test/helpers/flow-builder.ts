/**
 * Builds small flows in the Flow Designer export format for tests, so each test states the flow
 * it runs in a few lines instead of a page of JSON.
 */
import type { FlowDefinition } from "../../src/flow/types.js";
import { readExport } from "../../src/flow/read-export.js";

export interface NodeSpec {
  name: string;
  type: string;
  props?: Record<string, unknown>;
  group?: string;
}

export interface FlowSpec {
  name?: string;
  variables?: Array<{ name: string; type?: string; value?: string | null; isSecure?: boolean; isCAD?: boolean; desktopLabel?: string; source?: string }>;
  /** Main flow nodes; the first is the start unless a NewPhoneContact is given. */
  main: NodeSpec[];
  /** [from, port, to] by node name. */
  links: Array<[string, string, string]>;
  /** Event handlers: spec name (AgentContactAssigned...) → nodes after the handler + links. */
  events?: Record<string, { nodes: NodeSpec[]; links: Array<[string, string, string]> }>;
  flowType?: "FLOW" | "SUBFLOW";
}

const GROUPS: Record<string, string> = {
  NewPhoneContact: "start",
  NewContact: "start",
  NewSubFlowStart: "start-subflow",
  "set-variable": "set-variable",
  "condition-activity": "enum-gateway",
  "case-statement": "enum-gateway",
  "ivr-menu": "enum-gateway",
  "business-hours": "enum-gateway",
  "disconnect-contact": "terminating-action",
  end: "end",
  "end-subflow": "end",
};

function activity(n: NodeSpec, scope: string) {
  const id = `${scope}-${n.name}`;
  return [id, { id, name: n.name, group: n.group ?? GROUPS[n.type] ?? "action", properties: { name: n.name, activityName: n.type, activityId: n.type, ...n.props } }] as const;
}

export function exportOf(spec: FlowSpec): Record<string, unknown> {
  const main = spec.main.some((n) => n.type === "NewPhoneContact" || n.type === "NewContact" || n.type === "NewSubFlowStart")
    ? spec.main
    : [{ name: "NewPhoneContact", type: "NewPhoneContact" }, ...spec.main];
  const mainLinks = spec.main === main ? spec.links : [["NewPhoneContact", "out", spec.main[0]!.name] as [string, string, string], ...spec.links];
  const link = (scope: string) => ([from, port, to]: [string, string, string], i: number) => ({
    id: `${scope}-link-${i}`,
    sourceActivityId: `${scope}-${from}`,
    targetActivityId: `${scope}-${to}`,
    conditionExpr: port,
    properties: { value: port },
  });
  const eventActivities: Record<string, unknown> = {};
  const eventLinks: unknown[] = [];
  const onEvents: Record<string, string> = {};
  for (const [specName, handler] of Object.entries(spec.events ?? {})) {
    const hid = `ev-${specName}`;
    onEvents[specName] = hid;
    eventActivities[hid] = { id: hid, name: specName, group: "event", properties: { activityId: "event", eventSpecificationName: specName, name: specName, event: specName } };
    for (const n of handler.nodes) {
      const [id, a] = activity(n, "ev");
      eventActivities[id] = a;
    }
    handler.links.forEach((l, i) => {
      const from = l[0] === specName ? hid : `ev-${l[0]}`;
      eventLinks.push({ id: `ev-${specName}-link-${i}`, sourceActivityId: from, targetActivityId: `ev-${l[2]}`, conditionExpr: l[1], properties: { value: l[1] } });
    });
  }
  return {
    name: spec.name ?? "TestFlow",
    flowType: spec.flowType,
    variables: (spec.variables ?? []).map((v) => ({
      name: v.name,
      type: v.type ?? "STRING",
      value: v.value === undefined ? "" : v.value,
      isCAD: v.isCAD ?? false,
      desktopLabel: v.desktopLabel ?? "",
      isSecure: v.isSecure ?? false,
      isAgentEditable: false,
      source: v.source ?? "",
      id: "",
    })),
    process: { activities: Object.fromEntries(main.map((n) => activity(n, "m"))), links: mainLinks.map(link("m")) },
    eventFlows: { eventsMap: { GLOBAL_EVENTS: { id: "GLOBAL_EVENTS", process: { activities: eventActivities, links: eventLinks }, onEvents } } },
    diagram: { widgets: {} },
  };
}

export function buildFlow(spec: FlowSpec): FlowDefinition {
  const read = readExport(exportOf(spec), "test.json");
  const errors = read.diagnostics.filter((d) => d.severity === "error");
  if (!read.flow || errors.length) throw new Error(`test flow does not load: ${errors.map((e) => e.message).join("; ")}`);
  return read.flow;
}

export const tts = (text: string) => ({ toggle: true, promptsTts: [{ type: "tts", value: text }], prompts: null });

/**
 * An event flow's body that appends `text` to the flow's `Log` variable and ends: the event flows
 * a test watches run in order, so the log reads as the story of what ran.
 */
export function logs(spec: string, text: string): { nodes: NodeSpec[]; links: Array<[string, string, string]> } {
  return {
    nodes: [
      { name: `Log${spec}`, type: "set-variable", props: { srcVariable: "Log", srcVariableType: "STRING", expr: `{{Log}}${text};` } },
      { name: `End${spec}`, type: "end" },
    ],
    links: [
      [spec, "out", `Log${spec}`],
      [`Log${spec}`, "out", `End${spec}`],
    ],
  };
}
