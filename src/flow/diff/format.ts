/**
 * A FlowDiff as a changelog: plain text for the terminal, Markdown to paste into a pull request,
 * or JSON for machines. Also the canonical text of one flow, for git's `textconv`.
 */
import type { FlowDefinition } from "../types.js";
import { diffValues, isEmptyDiff, type ActivityChange, type FlowDiff, type Json, type LinkChange, type PropertyChange, type VariableSummary } from "./compare.js";

const MAX_VALUE = 160;

/** A value as a reader wants it: strings quoted, long ones clipped, newlines shown as ⏎. */
export function show(v: Json | undefined): string {
  if (v === undefined) return "(not set)";
  const text = typeof v === "string" ? JSON.stringify(v).replace(/\\n/g, "⏎") : JSON.stringify(v);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 20)}…${text.slice(-15)}` : text;
}

function change(c: PropertyChange): string {
  if (c.old === undefined) return `${c.path}: set to ${show(c.new)}`;
  if (c.new === undefined) return `${c.path}: ${show(c.old)} removed`;
  return `${c.path}: ${show(c.old)} → ${show(c.new)}`;
}

function variable(v: VariableSummary): string {
  const flags = [v.cad && "CAD", v.secure && "secure", v.agentEditable && "agent-editable", v.reportable && "reportable", v.source && v.source].filter(Boolean);
  return `${v.type}${v.value !== null && v.value !== "" ? ` = ${show(v.value)}` : ""}${flags.length ? ` [${flags.join(", ")}]` : ""}`;
}

function variableChanges(o: VariableSummary, n: VariableSummary): string[] {
  const out: PropertyChange[] = [];
  diffValues(o as unknown as Json, n as unknown as Json, "", out);
  return out.map(change);
}

function link(l: LinkChange): string {
  const from = `${l.fromName} —${l.port}→`;
  if (l.oldTo === undefined) return `+ ${from} ${l.newToName}`;
  if (l.newTo === undefined) return `- ${from} ${l.oldToName}`;
  return `~ ${from} ${l.oldToName} now → ${l.newToName}`;
}

function activityHeading(c: ActivityChange): string {
  const rename = c.renamedFrom !== undefined ? `renamed ${c.renamedFrom} → ${c.activity.name}` : c.activity.name;
  return `${rename} (${c.typeFrom ? `${c.typeFrom} → ` : ""}${c.activity.type})`;
}

interface Section {
  title: string;
  lines: Array<{ text: string; sub?: string[] }>;
}

function sections(d: FlowDiff): Section[] {
  const out: Section[] = [];
  if (d.flow.length) out.push({ title: "Flow", lines: d.flow.map((c) => ({ text: change(c) })) });
  for (const [kind, title] of [
    ["main", "Main flow"],
    ["event", "Event flows"],
  ] as const) {
    const lines: Section["lines"] = [];
    if (kind === "event") for (const h of d.handlers) lines.push({ text: h.old === undefined ? `+ handler ${h.event} → ${h.new}` : h.new === undefined ? `- handler ${h.event} (was → ${h.old})` : `~ handler ${h.event}: ${h.old} → ${h.new}` });
    for (const a of d.added.filter((x) => x.process === kind)) lines.push({ text: `+ added ${a.name} (${a.type})` });
    for (const a of d.removed.filter((x) => x.process === kind)) lines.push({ text: `- removed ${a.name} (${a.type})` });
    for (const c of d.changed.filter((x) => x.activity.process === kind)) lines.push({ text: `~ ${activityHeading(c)}`, sub: c.changes.map(change) });
    const ls = d.links.filter((l) => l.process === kind);
    if (ls.length) lines.push({ text: "links", sub: ls.map(link) });
    if (lines.length) out.push({ title, lines });
  }
  if (d.variables.length) {
    out.push({
      title: "Variables",
      lines: d.variables.map((v) => {
        if (!v.old) return { text: `+ ${v.name}: ${variable(v.new!)}` };
        if (!v.new) return { text: `- ${v.name}: ${variable(v.old)}` };
        return { text: `~ ${v.name}`, sub: variableChanges(v.old, v.new) };
      }),
    });
  }
  return out;
}

function counts(d: FlowDiff): string {
  const n = (k: number, w: string) => (k ? `${k} ${w}` : "");
  return [n(d.added.length, "added"), n(d.removed.length, "removed"), n(d.changed.length, "changed"), n(d.links.length, `link change${d.links.length === 1 ? "" : "s"}`), n(d.variables.length, `variable change${d.variables.length === 1 ? "" : "s"}`), n(d.handlers.length, `handler change${d.handlers.length === 1 ? "" : "s"}`)]
    .filter(Boolean)
    .join(", ");
}

export function formatText(d: FlowDiff): string {
  const head = `${d.from.file ?? d.from.name} → ${d.to.file ?? d.to.name}`;
  if (isEmptyDiff(d)) return `${head}\n  the same flow (layout and export details aside)\n`;
  const out = [head, `  ${counts(d)}`];
  for (const s of sections(d)) {
    out.push("", s.title);
    for (const l of s.lines) {
      out.push(`  ${l.text}`);
      for (const sub of l.sub ?? []) out.push(`      ${sub}`);
    }
  }
  return `${out.join("\n")}\n`;
}

/** Backticks inside a code span would end it; Markdown has no escape there, so swap them. */
function code(s: string): string {
  return `\`${s.replace(/`/g, "ˋ").replace(/\|/g, "\\|")}\``;
}

export function formatMarkdown(d: FlowDiff): string {
  const head = `### Flow changes: ${code(d.from.name)} → ${code(d.to.name)}`;
  if (isEmptyDiff(d)) return `${head}\n\nThe same flow (layout and export details aside).\n`;
  const out = [head, "", `_${counts(d)}_`];
  for (const s of sections(d)) {
    out.push("", `#### ${s.title}`, "");
    for (const l of s.lines) {
      const m = /^([+~-]) (.*)$/.exec(l.text);
      const marker = m ? { "+": "**added**", "-": "**removed**", "~": "**changed**" }[m[1] as "+" | "-" | "~"] : "";
      const rest = m ? m[2]!.replace(/^(added|removed) /, "") : l.text;
      out.push(`- ${marker ? `${marker} ` : ""}${rest}`);
      for (const sub of l.sub ?? []) out.push(`  - ${sub.replace(/(".*?(?<!\\)")/g, (q) => code(q))}`);
    }
  }
  return `${out.join("\n")}\n`;
}

export function formatJson(d: FlowDiff): string {
  return `${JSON.stringify({ same: isEmptyDiff(d), ...d }, null, 2)}\n`;
}

/**
 * One flow as stable, sorted text, for `git diff` with a textconv driver: line diffs of this
 * read like the semantic diff (no positions, no timestamps, no twins, a fixed order).
 */
export function canonicalText(flow: FlowDefinition): string {
  const out = [`flow ${flow.name} (${flow.flowType})`];
  for (const v of [...flow.variables.values()].sort((x, y) => x.name.localeCompare(y.name))) {
    out.push(`variable ${v.name}: ${v.type}${v.initial ? ` = ${JSON.stringify(v.initial)}` : ""}${v.isCAD ? " [CAD]" : ""}${v.isSecure ? " [secure]" : ""}${v.source ? ` [${v.source}]` : ""}`);
  }
  for (const h of [...flow.handlers.values()].sort((x, y) => x.eventName.localeCompare(y.eventName))) {
    const next = [...(flow.events.next.get(h.activityId)?.values() ?? [])][0];
    if (next) out.push(`handler ${h.eventName} → ${flow.events.activities.get(next)?.name ?? next}`);
  }
  for (const [kind, process] of [
    ["main", flow.main],
    ["event", flow.events],
  ] as const) {
    for (const a of [...process.activities.values()].sort((x, y) => x.name.localeCompare(y.name))) {
      if (a.type === "event") continue;
      out.push("", `${kind} ${a.name} (${a.type}) id ${a.id}`);
      const props: PropertyChange[] = [];
      diffValues({}, Object.fromEntries(Object.entries(a.properties).filter(([k]) => !["name", "activityName", "activityId", "_renderRequestTimestamp"].includes(k) && !(k.includes(":") && Object.hasOwn(a.properties, k.replaceAll(":", "_"))))), "", props);
      for (const p of props) out.push(`  ${p.path} = ${JSON.stringify(p.new)}`);
      for (const [port, to] of [...(process.next.get(a.id) ?? [])].sort(([x], [y]) => x.localeCompare(y))) out.push(`  —${port}→ ${process.activities.get(to)?.name ?? to}`);
    }
  }
  return `${out.join("\n")}\n`;
}
