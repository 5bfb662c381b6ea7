/**
 * The flow as an SVG picture, drawn by hand (no layout or drawing library reproduces the
 * designer's boxes-with-port-rows look): one panel for the main flow and one for the event
 * flows, boxes where the designer put them, orthogonal arrows. With coverage from `ccflow test`
 * (or a call's steps, for a live trace), taken paths are green and ports no scenario took are
 * marked. The web UI's supervisor view can call renderFlowSvg with a `trace` the same way.
 */
import { createRegistry } from "../activities/index.js";
import type { ActivityRegistry } from "../activities/registry.js";
import type { FlowDefinition } from "../flow/types.js";
import type { FlowCoverage } from "../flowtest/coverage.js";
import type { Category } from "./describe.js";
import type { DiffMarks } from "./diff.js";
import { BOX, layoutFlow, type EdgeLayout, type NodeLayout, type PanelLayout } from "./layout.js";

export interface TraceStep {
  activityId: string;
  port?: string;
}

export interface RenderOptions {
  /** Which panels to draw (default both). */
  panels?: "main" | "events" | "both";
  /** Coverage of this flow (from `ccflow test --coverage-out`). */
  coverage?: FlowCoverage;
  /** A call's steps so far; the last one is the current activity. */
  trace?: { steps: TraceStep[]; current?: string };
  /** Title over the picture (default: the flow's name). */
  title?: string | false;
  registry?: ActivityRegistry;
  /** What changed against an older version (`ccflow graph --diff`), from diffPicture. */
  diff?: DiffMarks;
}

const FONT = "DejaVu Sans, Verdana, Arial, sans-serif";
const MARGIN = 24;
const PANEL_TITLE = 34;
const PANEL_GAP = 28;

const COLORS: Record<Category, { icon: string; ink: string }> = {
  start: { icon: "#cdeebf", ink: "#3f8f1f" },
  event: { icon: "#c7efe5", ink: "#127a63" },
  action: { icon: "#ece1fb", ink: "#7b3fd0" },
  queue: { icon: "#ece1fb", ink: "#7b3fd0" },
  gateway: { icon: "#f7c948", ink: "#6b4e00" },
  end: { icon: "#fbd9e1", ink: "#c2264f" },
};

const INK = "#1f2328";
const MUTED = "#6b7280";
const LINE = "#7c828a";
const COVERED = "#1a9850";
const MISSED = "#d73027";
/** Diff marks: added, removed, changed / rewired. */
const DIFF_COLORS = { added: "#1a9850", removed: "#d73027", changed: "#d97706", rewired: "#d97706" } as const;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Advance widths of DejaVu Sans in em, by class of character (measured with resvg). */
function charWidth(ch: string): number {
  if ("ijl|!.,:;'`".includes(ch)) return 0.28;
  if ("frtI()[] ".includes(ch)) return 0.38;
  if (ch === "m" || ch === "w") return 0.93;
  if (ch === "M" || ch === "W") return 0.86;
  if (ch === "_") return 0.5;
  if (/[0-9]/.test(ch)) return 0.64;
  if (/[A-Z]/.test(ch)) return 0.7;
  if (/[a-z]/.test(ch)) return 0.6;
  return 0.66;
}

export function textWidth(text: string, size: number, bold = false): number {
  let em = 0;
  for (const ch of text) em += charWidth(ch);
  return em * size * (bold ? 1.12 : 1);
}

/** Clips text to a width, with an ellipsis. */
export function fit(text: string, width: number, size: number, bold = false): string {
  if (textWidth(text, size, bold) <= width) return text;
  let out = "";
  for (const ch of text) {
    if (textWidth(`${out}${ch}…`, size, bold) > width) break;
    out += ch;
  }
  return `${out}…`;
}

/** A name in the box header: smaller type before cutting it short. */
function nameText(name: string, width: number): { text: string; size: number } {
  for (const size of [13, 12, 11]) if (textWidth(name, size, true) <= width) return { text: name, size };
  return { text: fit(name, width, 11, true), size: 11 };
}

interface Marks {
  visits: Map<string, number>;
  /** activity id → port → hits (counted ports only for coverage). */
  ports: Map<string, Map<string, { hits: number; counted: boolean }>>;
  unreachable: Set<string>;
  current?: string;
  mode: "coverage" | "trace";
}

function marksOf(options: RenderOptions): Marks | undefined {
  if (options.coverage) {
    const m: Marks = { visits: new Map(), ports: new Map(), unreachable: new Set(), mode: "coverage" };
    for (const a of options.coverage.activities) {
      m.visits.set(a.id, a.visits);
      if (!a.reachable) m.unreachable.add(a.id);
      m.ports.set(a.id, new Map(a.ports.map((p) => [p.port, { hits: p.hits, counted: p.counted }])));
    }
    return m;
  }
  if (options.trace) {
    const m: Marks = { visits: new Map(), ports: new Map(), unreachable: new Set(), mode: "trace", current: options.trace.current ?? options.trace.steps[options.trace.steps.length - 1]?.activityId };
    for (const s of options.trace.steps) {
      m.visits.set(s.activityId, (m.visits.get(s.activityId) ?? 0) + 1);
      if (s.port === undefined) continue;
      const ports = m.ports.get(s.activityId) ?? new Map();
      const p = ports.get(s.port) ?? { hits: 0, counted: true };
      p.hits++;
      ports.set(s.port, p);
      m.ports.set(s.activityId, ports);
    }
    return m;
  }
  return undefined;
}

function icon(n: NodeLayout): string {
  const c = COLORS[n.view.category];
  const x = n.x + 10;
  const y = n.y + 9;
  const glyphSize = n.view.glyph.length > 1 ? 10 : 16;
  const shape =
    n.view.category === "gateway"
      ? `<polygon points="${x + 16},${y} ${x + 32},${y + 16} ${x + 16},${y + 32} ${x},${y + 16}" fill="${c.icon}"/>`
      : `<rect x="${x}" y="${y}" width="32" height="32" rx="${n.view.category === "end" ? 16 : 6}" fill="${c.icon}"/>`;
  return `${shape}<text x="${x + 16}" y="${y + 16 + glyphSize * 0.36}" font-size="${glyphSize}" font-weight="bold" text-anchor="middle" fill="${c.ink}">${esc(n.view.glyph)}</text>`;
}

function node(n: NodeLayout, marks: Marks | undefined, diff?: DiffMarks): string {
  const out: string[] = [];
  const change = diff?.activities.get(n.def.id);
  const visited = marks ? (marks.visits.get(n.def.id) ?? 0) > 0 : false;
  const unreachable = marks?.unreachable.has(n.def.id) ?? false;
  const missed = marks?.mode === "coverage" && !visited && !unreachable;
  const current = marks?.current === n.def.id;
  const stroke = change ? DIFF_COLORS[change] : current ? "#2563eb" : missed ? MISSED : visited ? COVERED : "#c9ced4";
  const strokeWidth = change ? 2.4 : current ? 2.5 : visited || missed ? 1.6 : 1;
  const faded = unreachable || change === "removed";
  out.push(`<g class="activity" id="${esc(`activity-${n.def.id}`)}" data-activity="${esc(n.def.name)}" data-type="${esc(n.def.type)}"${change ? ` data-change="${change}"` : ""}${faded ? ` opacity="${change === "removed" ? 0.6 : 0.45}"` : ""}>`);
  out.push(`<title>${esc(`${n.def.name} (${n.view.typeLabel})${n.view.detail ? `\n${n.view.detail}` : ""}`)}</title>`);
  out.push(`<rect x="${n.x + 1.5}" y="${n.y + 2}" width="${n.width}" height="${n.height}" rx="5" fill="#000" opacity="0.07"/>`);
  out.push(`<rect x="${n.x}" y="${n.y}" width="${n.width}" height="${n.height}" rx="5" fill="#fff" stroke="${stroke}" stroke-width="${strokeWidth}"${missed || change === "removed" ? ' stroke-dasharray="5 3"' : ""}/>`);
  if (n.view.category === "start" || n.view.category === "event") {
    out.push(`<rect x="${n.x}" y="${n.y}" width="4" height="${n.height}" rx="2" fill="${COLORS[n.view.category].ink}"/>`);
  }
  if (n.view.category === "end") out.push(`<rect x="${n.x + n.width - 4}" y="${n.y}" width="4" height="${n.height}" rx="2" fill="${COLORS.end.ink}"/>`);
  out.push(icon(n));
  const nameColor = n.view.category === "end" ? COLORS.end.ink : n.view.category === "start" || n.view.category === "event" ? COLORS[n.view.category].ink : INK;
  // Event handlers are shown by their event, as on the designer's canvas (AgentAnswered, not AgentContactAssigned).
  const shown = nameText(n.view.title ?? n.def.name, n.width - 58);
  out.push(`<text x="${n.x + 50}" y="${n.y + 23}" font-size="${shown.size}" font-weight="bold" fill="${nameColor}">${esc(shown.text)}</text>`);
  out.push(`<text x="${n.x + 50}" y="${n.y + 39}" font-size="11" fill="${MUTED}">${esc(fit(n.view.typeLabel, n.width - 58, 11))}</text>`);
  if (marks && visited) {
    const count = marks.visits.get(n.def.id)!;
    const badge = marks.mode === "coverage" ? `✓ ${count}` : count > 1 ? `×${count}` : "✓";
    // A pill on the top edge, clear of the name.
    const w = textWidth(badge, 9.5, true) + 10;
    out.push(`<rect x="${n.x + n.width - w - 8}" y="${n.y - 7}" width="${w}" height="14" rx="7" fill="${current ? "#2563eb" : COVERED}"/>`);
    out.push(`<text x="${n.x + n.width - 8 - w / 2}" y="${n.y + 3.5}" font-size="9.5" font-weight="bold" text-anchor="middle" fill="#fff">${esc(badge)}</text>`);
  }
  if (change) {
    const label = change === "added" ? "+ added" : change === "removed" ? "− removed" : "~ changed";
    const w = textWidth(label, 9.5, true) + 12;
    out.push(`<rect x="${n.x + n.width - w - 8}" y="${n.y - 8}" width="${w}" height="15" rx="7.5" fill="${DIFF_COLORS[change]}"/>`);
    out.push(`<text x="${n.x + n.width - 8 - w / 2}" y="${n.y + 3}" font-size="9.5" font-weight="bold" text-anchor="middle" fill="#fff">${esc(label)}</text>`);
  }
  if (n.view.detail) {
    out.push(`<text x="${n.x + 10}" y="${n.y + BOX.header + 14}" font-size="11" font-style="italic" fill="#374151">${esc(fit(n.view.detail, n.width - 20, 11))}</text>`);
  }
  const section = (y: number, title: string) => {
    out.push(`<rect x="${n.x + 1}" y="${y}" width="${n.width - 2}" height="${BOX.sectionTitle}" fill="#f2f3f5"/>`);
    out.push(`<text x="${n.x + 10}" y="${y + 14}" font-size="10" font-weight="bold" fill="#4b5563">${esc(title)}</text>`);
  };
  if (n.rowsTitleY !== undefined) section(n.rowsTitleY, n.view.rowsTitle ?? "");
  const firstRow = n.ports.find((p) => p.place === "row");
  if (firstRow?.rowY !== undefined && n.rowsTitleY === undefined) out.push(`<line x1="${n.x + 1}" x2="${n.x + n.width - 1}" y1="${firstRow.rowY - 2}" y2="${firstRow.rowY - 2}" stroke="#e5e7eb"/>`);
  if (n.errorTitleY !== undefined) section(n.errorTitleY, "Error Handling");
  for (const p of n.ports) {
    const mark = marks?.ports.get(n.def.id)?.get(p.port);
    const wired = p.wired;
    if (p.rowY !== undefined) {
      out.push(`<text x="${n.x + 14}" y="${p.y + 4}" font-size="11.5" fill="${INK}">${esc(fit(p.label, n.width - 34, 11.5))}</text>`);
    }
    let fill = wired ? LINE : "#fff";
    let ring = LINE;
    let extra = "";
    if (marks && mark?.counted !== false && !(marks.unreachable.has(n.def.id))) {
      if ((mark?.hits ?? 0) > 0) {
        fill = COVERED;
        ring = COVERED;
      } else if (marks.mode === "coverage" && mark?.counted) {
        fill = "#fff";
        ring = MISSED;
        extra = `<text x="${p.x - 9}" y="${p.y + 4}" font-size="11" font-weight="bold" text-anchor="end" fill="${MISSED}">✗</text>`;
      }
    }
    out.push(`<circle class="port" data-port="${esc(p.port)}" cx="${p.x}" cy="${p.y}" r="4" fill="${fill}" stroke="${ring}" stroke-width="1.4"/>${extra}`);
  }
  if (n.input) out.push(`<circle cx="${n.input.x}" cy="${n.input.y}" r="3.5" fill="#fff" stroke="${LINE}" stroke-width="1.4"/>`);
  out.push("</g>");
  return out.join("");
}

/** Orthogonal polyline with rounded corners. */
function pathOf(points: Array<{ x: number; y: number }>): string {
  const r = 6;
  let d = `M${points[0]!.x},${points[0]!.y}`;
  for (let i = 1; i < points.length; i++) {
    const p = points[i]!;
    const prev = points[i - 1]!;
    const next = points[i + 1];
    if (!next) {
      d += ` L${p.x},${p.y}`;
      break;
    }
    const inLen = Math.hypot(p.x - prev.x, p.y - prev.y);
    const outLen = Math.hypot(next.x - p.x, next.y - p.y);
    const k = Math.min(r, inLen / 2, outLen / 2);
    if (k < 0.5) {
      d += ` L${p.x},${p.y}`;
      continue;
    }
    const a = { x: p.x - ((p.x - prev.x) / inLen) * k, y: p.y - ((p.y - prev.y) / inLen) * k };
    const b = { x: p.x + ((next.x - p.x) / outLen) * k, y: p.y + ((next.y - p.y) / outLen) * k };
    d += ` L${a.x},${a.y} Q${p.x},${p.y} ${b.x},${b.y}`;
  }
  return d;
}

function edge(e: EdgeLayout, marks: Marks | undefined, diff?: DiffMarks): string {
  const change = diff?.links.get(e.link.id);
  if (change) {
    const color = DIFF_COLORS[change];
    return `<path class="link" data-link="${esc(e.link.id)}" data-change="${change}" data-from="${esc(e.from.def.name)}" data-port="${esc(e.link.port)}" data-to="${esc(e.to.def.name)}" d="${pathOf(e.points)}" fill="none" stroke="${color}" stroke-width="2.2"${change === "removed" ? ' stroke-dasharray="6 4"' : ""} marker-end="url(#arrow-${change})"/>`;
  }
  const mark = marks?.ports.get(e.from.def.id)?.get(e.link.port);
  const taken = (mark?.hits ?? 0) > 0;
  const missed = marks?.mode === "coverage" && !taken && mark?.counted === true && !marks.unreachable.has(e.from.def.id);
  const color = taken ? COVERED : missed ? MISSED : LINE;
  const width = taken ? 2.2 : 1.3;
  const marker = taken ? "arrow-covered" : missed ? "arrow-missed" : "arrow";
  return `<path class="link" data-link="${esc(e.link.id)}" data-from="${esc(e.from.def.name)}" data-port="${esc(e.link.port)}" data-to="${esc(e.to.def.name)}" d="${pathOf(e.points)}" fill="none" stroke="${color}" stroke-width="${width}"${missed ? ' stroke-dasharray="6 4"' : ""} marker-end="url(#${marker})"/>`;
}

function panel(p: PanelLayout, width: number, top: number, marks: Marks | undefined, diff?: DiffMarks): { svg: string; height: number } {
  const h = p.bounds.height + PANEL_TITLE + 16;
  const out: string[] = [];
  out.push(`<g class="panel" data-panel="${p.kind}">`);
  out.push(`<rect x="${MARGIN / 2}" y="${top}" width="${width - MARGIN}" height="${h}" rx="8" fill="#e9ebee" stroke="#d5d9de"/>`);
  out.push(`<text x="${MARGIN}" y="${top + 23}" font-size="15" font-weight="bold" fill="${INK}">${esc(p.title)}</text>`);
  if (!p.fromDiagram) out.push(`<text x="${width - MARGIN}" y="${top + 23}" font-size="11" text-anchor="end" fill="${MUTED}">laid out by ccflow (the export has no diagram positions)</text>`);
  const dx = MARGIN - p.bounds.x;
  const dy = top + PANEL_TITLE - p.bounds.y;
  out.push(`<g transform="translate(${dx} ${dy})">`);
  // Arrows under boxes, as on the canvas.
  for (const e of p.edges) out.push(edge(e, marks, diff));
  for (const n of p.nodes) out.push(node(n, marks, diff));
  out.push("</g></g>");
  return { svg: out.join("\n"), height: h };
}

function legend(y: number, marks: Marks): string {
  const items =
    marks.mode === "coverage"
      ? [
          [COVERED, "path taken by a scenario (✓ n = runs)"],
          [MISSED, "reachable, no scenario took it (✗)"],
          [LINE, "not counted (cannot be taken)"],
        ]
      : [
          [COVERED, "path this call took"],
          ["#2563eb", "current activity"],
        ];
  let x = MARGIN;
  const out: string[] = [];
  for (const [color, text] of items) {
    out.push(`<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2.4"/>`);
    out.push(`<text x="${x + 28}" y="${y + 4}" font-size="11" fill="${INK}">${esc(text!)}</text>`);
    x += 40 + text!.length * 6.2;
  }
  return out.join("");
}

function diffLegend(y: number): string {
  const items: Array<[string, string, boolean]> = [
    [DIFF_COLORS.added, "added", false],
    [DIFF_COLORS.removed, "removed", true],
    [DIFF_COLORS.changed, "changed activity / rewired link", false],
  ];
  let x = MARGIN;
  const out: string[] = [];
  for (const [color, text, dashed] of items) {
    out.push(`<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2.4"${dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    out.push(`<text x="${x + 28}" y="${y + 4}" font-size="11" fill="${INK}">${esc(text)}</text>`);
    x += 40 + textWidth(text, 11);
  }
  return out.join("");
}

/** Draws the flow; returns a complete SVG document. */
export function renderFlowSvg(flow: FlowDefinition, options: RenderOptions = {}): string {
  const registry = options.registry ?? createRegistry();
  const panels = layoutFlow(flow, registry, options.panels ?? "both");
  const marks = marksOf(options);
  const title = options.title === false ? undefined : (options.title ?? flow.name);
  const width = Math.ceil(Math.max(...panels.map((p) => p.bounds.width), 360) + 2 * MARGIN);
  let y = title ? 44 : MARGIN / 2;
  const body: string[] = [];
  for (const p of panels) {
    const r = panel(p, width, y, marks, options.diff);
    body.push(r.svg);
    y += r.height + PANEL_GAP;
  }
  if (marks) {
    body.push(legend(y, marks));
    y += 24;
  }
  if (options.diff) {
    body.push(diffLegend(y));
    y += 24;
  }
  if (options.coverage) {
    const c = options.coverage;
    body.push(`<text x="${width - MARGIN}" y="${28}" font-size="12" text-anchor="end" fill="${c.percent >= 100 ? COVERED : MISSED}">${esc(`${c.percent}% of reachable ports covered (${c.totals.covered}/${c.totals.targets}) by ${c.scenarios} scenario${c.scenarios === 1 ? "" : "s"}`)}</text>`);
  }
  const height = Math.ceil(y - PANEL_GAP + MARGIN);
  const head = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`,
    "<defs>",
    ...[
      ["arrow", LINE],
      ["arrow-covered", COVERED],
      ["arrow-missed", MISSED],
      ["arrow-added", DIFF_COLORS.added],
      ["arrow-removed", DIFF_COLORS.removed],
      ["arrow-rewired", DIFF_COLORS.rewired],
    ].map(([id, color]) => `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`),
    "</defs>",
    `<rect width="${width}" height="${height}" fill="#f7f8fa"/>`,
  ];
  if (title) head.push(`<text x="${MARGIN}" y="30" font-size="18" font-weight="bold" fill="${INK}">${esc(title)}</text>`);
  return `${[...head, ...body, "</svg>"].join("\n")}\n`;
}
