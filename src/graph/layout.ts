/**
 * Where things go: each activity as a box at the position the designer saved in
 * `diagram.widgets` (the main flow's and the event flows' own diagrams), its ports on the box's
 * edges, and links routed the way the designer routes them. A process whose widgets are missing
 * (WaitTreatment_subflow.json has none) gets a layered layout instead: columns by distance from
 * the start, one band per event handler.
 */
import type { ActivityRegistry } from "../activities/registry.js";
import type { ActivityDef, FlowDefinition, LinkDef, ProcessDef } from "../flow/types.js";
import { describeActivity, type ActivityView } from "./describe.js";

export const BOX = {
  width: 180,
  header: 50,
  detail: 22,
  sectionTitle: 20,
  row: 24,
  /** Where the input port and the header's output port sit, from the top. */
  portY: 18,
};

export interface PortAnchor {
  port: string;
  label: string;
  place: "header" | "row" | "error";
  /** A link leaves from it. */
  wired: boolean;
  /** Centre of the port circle, absolute. */
  x: number;
  y: number;
  /** Row box, for the row's label (absent for the header port). */
  rowY?: number;
}

export interface NodeLayout {
  def: ActivityDef;
  view: ActivityView;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Top of the "Error Handling" section and of the outcome rows title, when present. */
  rowsTitleY?: number;
  errorTitleY?: number;
  ports: PortAnchor[];
  /** Where links arrive (left edge). */
  input?: { x: number; y: number };
}

export interface EdgeLayout {
  link: LinkDef;
  from: NodeLayout;
  to: NodeLayout;
  points: Array<{ x: number; y: number }>;
}

export interface PanelLayout {
  kind: "main" | "events";
  title: string;
  nodes: NodeLayout[];
  edges: EdgeLayout[];
  /** Bounding box of the content, in the panel's own coordinates. */
  bounds: { x: number; y: number; width: number; height: number };
  /** Whether positions came from the export's diagram. */
  fromDiagram: boolean;
}

function geometry(def: ActivityDef, view: ActivityView, x: number, y: number, wired: ReadonlySet<string> = new Set()): NodeLayout {
  let cursor = BOX.header;
  if (view.detail) cursor += BOX.detail;
  const ports: PortAnchor[] = [];
  let rowsTitleY: number | undefined;
  let errorTitleY: number | undefined;
  const rows = view.ports.filter((p) => p.place === "row");
  const errors = view.ports.filter((p) => p.place === "error");
  if (rows.length) {
    cursor += 4;
    if (view.rowsTitle) {
      rowsTitleY = cursor;
      cursor += BOX.sectionTitle;
    }
    for (const p of rows) {
      ports.push({ port: p.port, label: p.label, place: p.place, wired: wired.has(p.port), x: x + BOX.width, y: y + cursor + BOX.row / 2, rowY: y + cursor });
      cursor += BOX.row;
    }
  }
  if (errors.length) {
    errorTitleY = cursor;
    cursor += BOX.sectionTitle;
    for (const p of errors) {
      ports.push({ port: p.port, label: p.label, place: p.place, wired: wired.has(p.port), x: x + BOX.width, y: y + cursor + BOX.row / 2, rowY: y + cursor });
      cursor += BOX.row;
    }
  }
  const header = view.ports.find((p) => p.place === "header");
  if (header) ports.unshift({ port: header.port, label: header.label, place: "header", wired: wired.has(header.port), x: x + BOX.width, y: y + BOX.portY });
  const hasInput = view.category !== "start" && view.category !== "event";
  return {
    def,
    view,
    x,
    y,
    width: BOX.width,
    height: Math.max(cursor + (rows.length || errors.length ? 6 : 0), BOX.header),
    rowsTitleY: rowsTitleY === undefined ? undefined : y + rowsTitleY,
    errorTitleY: errorTitleY === undefined ? undefined : y + errorTitleY,
    ports,
    input: hasInput ? { x, y: y + BOX.portY } : undefined,
  };
}

/** Columns by longest distance from the entries (back edges ignored), rows stacked per column. */
function layeredPositions(process: ProcessDef, entries: string[], sizes: Map<string, number>, top = 0): { positions: Map<string, { x: number; y: number }>; bottom: number } {
  const positions = new Map<string, { x: number; y: number }>();
  let bandTop = top;
  const placed = new Set<string>();
  // Every activity nothing leads to is an entry too (orphans still get drawn).
  const targets = new Set(process.links.map((l) => l.target));
  const roots = [...entries, ...[...process.activities.keys()].filter((id) => !targets.has(id) && !entries.includes(id))];
  for (const root of roots) {
    if (placed.has(root)) continue;
    const layer = new Map<string, number>();
    const onStack = new Set<string>();
    const order: string[] = [];
    const visit = (id: string, depth: number) => {
      if (placed.has(id) || onStack.has(id)) return;
      if ((layer.get(id) ?? -1) >= depth) return;
      if (!layer.has(id)) order.push(id);
      layer.set(id, depth);
      onStack.add(id);
      for (const next of process.next.get(id)?.values() ?? []) visit(next, depth + 1);
      onStack.delete(id);
    };
    visit(root, 0);
    const columns = new Map<number, string[]>();
    for (const id of order) {
      const d = layer.get(id)!;
      const col = columns.get(d) ?? [];
      col.push(id);
      columns.set(d, col);
    }
    let bandBottom = bandTop;
    for (const [d, ids] of columns) {
      let y = bandTop;
      for (const id of ids) {
        positions.set(id, { x: d * (BOX.width + 70), y });
        placed.add(id);
        y += (sizes.get(id) ?? BOX.header) + 36;
      }
      bandBottom = Math.max(bandBottom, y);
    }
    bandTop = bandBottom + 24;
  }
  return { positions, bottom: bandTop };
}

function routeEdge(link: LinkDef, from: NodeLayout, to: NodeLayout): EdgeLayout | undefined {
  const port = from.ports.find((p) => p.port === link.port);
  if (!port || !to.input) return undefined;
  const s = { x: port.x, y: port.y };
  const t = to.input;
  const out = 20;
  let points: Array<{ x: number; y: number }>;
  if (t.x - s.x >= 2 * out) {
    // Forward: out of the port, down (or up) beside it, across into the target — as the designer draws.
    points = s.y === t.y ? [s, t] : [s, { x: s.x + out, y: s.y }, { x: s.x + out, y: t.y }, t];
  } else {
    // Backward, or a self-loop: out, up or down to a lane just above the target, back, and in.
    const lane = to.y - 16;
    points = [s, { x: s.x + out, y: s.y }, { x: s.x + out, y: lane }, { x: t.x - out, y: lane }, { x: t.x - out, y: t.y }, t];
  }
  return { link, from, to, points };
}

function layoutProcess(flow: FlowDefinition, process: ProcessDef, kind: "main" | "events", registry: ActivityRegistry): PanelLayout {
  const saved = kind === "main" ? flow.layout : flow.eventLayout;
  const views = new Map([...process.activities.values()].map((d) => [d.id, describeActivity(d, flow, registry)]));
  const sizes = new Map([...process.activities.values()].map((d) => [d.id, geometry(d, views.get(d.id)!, 0, 0).height]));
  const fromDiagram = process.activities.size > 0 && [...process.activities.keys()].every((id) => saved.has(id));
  let positions: Map<string, { x: number; y: number }>;
  if (fromDiagram) positions = saved;
  else {
    const entries = kind === "main" ? (flow.startId ? [flow.startId] : []) : [...flow.handlers.values()].map((h) => h.activityId);
    positions = layeredPositions(process, entries, sizes).positions;
  }
  const nodes = [...process.activities.values()].map((d) => {
    const at = positions.get(d.id) ?? { x: 0, y: 0 };
    return geometry(d, views.get(d.id)!, at.x, at.y, new Set(process.next.get(d.id)?.keys() ?? []));
  });
  const byId = new Map(nodes.map((n) => [n.def.id, n]));
  const edges: EdgeLayout[] = [];
  for (const link of process.links) {
    const from = byId.get(link.source);
    const to = byId.get(link.target);
    if (!from || !to) continue;
    const e = routeEdge(link, from, to);
    if (e) edges.push(e);
  }
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const grow = (x: number, y: number) => {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  };
  for (const n of nodes) {
    grow(n.x - 12, n.y - 4);
    grow(n.x + n.width + 12, n.y + n.height + 4);
  }
  for (const e of edges) for (const p of e.points) grow(p.x, p.y);
  if (nodes.length === 0) grow(0, 0);
  return {
    kind,
    title: kind === "main" ? (flow.flowType === "SUBFLOW" ? "Subflow" : "Main Flow") : "Event Flows",
    nodes,
    edges,
    bounds: { x: minX, y: minY, width: Math.max(maxX - minX, 200), height: Math.max(maxY - minY, 40) },
    fromDiagram,
  };
}

export function layoutFlow(flow: FlowDefinition, registry: ActivityRegistry, panels: "main" | "events" | "both" = "both"): PanelLayout[] {
  const out: PanelLayout[] = [];
  if (panels !== "events") out.push(layoutProcess(flow, flow.main, "main", registry));
  if (panels !== "main" && flow.events.activities.size > 0) out.push(layoutProcess(flow, flow.events, "events", registry));
  return out;
}
