/**
 * What the lint rules ask of a flow, computed once: every template an activity holds (with the
 * names it reads), which activities write which variables, who links to whom, and which values
 * a caller controls. Names are compared case-insensitively, as the validator does.
 */
import { isExprError, parseTemplate } from "../../expr/index.js";
import { key } from "../read-export.js";
import type { ActivityDef, FlowDefinition, ProcessDef } from "../types.js";

export interface TemplateUse {
  activity: ActivityDef;
  /** Path inside `properties`, starting with `.` or `[` (`.promptsTts[0].value`). */
  field: string;
  source: string;
  refs: Array<{ root: string; path: string[]; position: number }>;
}

export interface VariableWrite {
  activity: ActivityDef;
  kind: "set-variable" | "http" | "parse" | "subflow";
  /** For set-variable: the template assigned. */
  expr?: string;
}

/** Keys that repeat another property for the designer's display (`queue:name`, `queue_name`). */
const TWIN = /:|_(name|type|radioName|radioGroup|input)$/;
/** Properties that are identity or bookkeeping, never read at run time (`testObject` is Record's designer-only sample). */
const SKIP = new Set(["name", "activityName", "activityId", "description", "_renderRequestTimestamp", "iconDiagram", "testObject"]);

export interface CallerValue {
  kind: "text" | "digits";
  origin: string;
}

export interface FlowFacts {
  templates: TemplateUse[];
  /** Ids of activities holding a template that does not parse (the validator reports it; lint cannot read it). */
  unparsed: Set<string>;
  /** lower-case root name → the templates that read it. */
  readsOf: Map<string, TemplateUse[]>;
  /** lower-case variable name → the activities that read it by bare name (parse input, subflow input). */
  bareReads: Map<string, ActivityDef[]>;
  /** lower-case variable name → writes. */
  writes: Map<string, VariableWrite[]>;
  /** lower-case activity name → activity. */
  byName: Map<string, ActivityDef>;
  /** activity id → ids of the activities that link to it (within its process). */
  preds: Map<string, Set<string>>;
  processOf(a: ActivityDef): ProcessDef;
  /** Ids reachable from `from` (inclusive) following links of its process. */
  reachableFrom(from: string, ports?: (port: string) => boolean): Set<string>;
  /**
   * Whether a template reference holds a value the caller controls, and where it comes from in a
   * few words (`the caller's number`); `digits` when it can only hold 0-9, * and #.
   */
  caller(root: string, path: string[]): CallerValue | undefined;
}

function lower(s: string): string {
  return s.toLowerCase();
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

const MAX_TEMPLATE = 64 * 1024;

function parseRefs(source: string): TemplateUse["refs"] | undefined {
  try {
    return parseTemplate(source).references();
  } catch (err) {
    // The validator reports templates that do not parse; lint looks only at the ones that do.
    if (isExprError(err)) return undefined;
    throw err;
  }
}

function collectTemplates(a: ActivityDef, value: unknown, field: string, out: TemplateUse[], unparsed: Set<string>, depth: number): void {
  if (depth > 8) return;
  if (typeof value === "string") {
    if (!value.includes("{{") && !value.includes("{%")) return;
    // No hand-written template is this long; the validator still parses it, lint leaves it unread.
    if (value.length > MAX_TEMPLATE) {
      unparsed.add(a.id);
      return;
    }
    const refs = parseRefs(value);
    if (refs) out.push({ activity: a, field, source: value, refs });
    else unparsed.add(a.id);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => collectTemplates(a, v, `${field}[${i}]`, out, unparsed, depth + 1));
    return;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (depth === 0 && (SKIP.has(k) || TWIN.test(k))) continue;
      collectTemplates(a, v, key(field, k), out, unparsed, depth + 1);
    }
  }
}

function rows(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? v.filter((r): r is Record<string, unknown> => !!r && typeof r === "object") : [];
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Outputs of activity types that only ever hold keypad digits. */
const DIGIT_OUTPUTS: Record<string, string[]> = {
  "ivr-collectdigits": ["digitsentered"],
  "ivr-menu": ["optionentered"],
};
/** Start-event fields a caller (or the caller's carrier) controls. */
const CALLER_FIELDS: Record<string, string> = { ani: "the caller's number", dnis: "the dialled number" };

export function computeFacts(flow: FlowDefinition): FlowFacts {
  const all = [...flow.main.activities.values(), ...flow.events.activities.values()];
  const templates: TemplateUse[] = [];
  const unparsed = new Set<string>();
  const readsOf = new Map<string, TemplateUse[]>();
  const bareReads = new Map<string, ActivityDef[]>();
  const writes = new Map<string, VariableWrite[]>();
  const byName = new Map<string, ActivityDef>();
  const preds = new Map<string, Set<string>>();

  for (const a of all) {
    byName.set(lower(a.name), a);
    const start = templates.length;
    collectTemplates(a, a.properties, "", templates, unparsed, 0);
    for (const t of templates.slice(start)) for (const r of t.refs) push(readsOf, lower(r.root), t);
    const p = a.properties;
    if (a.type === "set-variable") {
      const list = rows(p.setVariablesArray).filter((r) => str(r.srcVariable));
      if (list.length === 0 && str(p.srcVariable)) list.push(p);
      for (const r of list) push(writes, lower(r.srcVariable as string), { activity: a, kind: "set-variable", expr: typeof r.expr === "string" ? r.expr : typeof r.literal === "string" ? r.literal : "" });
    }
    if (a.type === "http-request-v2" || a.type === "parse-activity" || a.type === "bre-request") {
      for (const r of rows(p.outputVariableArray)) {
        const v = str(r.outputVariable);
        if (v) push(writes, lower(v), { activity: a, kind: a.type === "parse-activity" ? "parse" : "http" });
      }
    }
    if (a.type === "parse-activity" && str(p.inputVariable)) push(bareReads, lower(p.inputVariable as string), a);
    if (a.type === "subflow-handoff" || a.type === "subflow") {
      for (const r of rows(p.subflowOutputVariables)) {
        const v = str(r.outputVariable) ?? str(r.variable);
        if (v) push(writes, lower(v), { activity: a, kind: "subflow" });
      }
      for (const r of rows(p.subflowInputVariables)) {
        const v = str(r.src) ?? str(r.source) ?? str(r.value);
        if (v && !v.includes("{{")) push(bareReads, lower(v), a);
      }
    }
  }
  for (const process of [flow.main, flow.events]) {
    for (const l of process.links) {
      const set = preds.get(l.target) ?? new Set();
      set.add(l.source);
      preds.set(l.target, set);
    }
  }

  const processOf = (a: ActivityDef) => (a.process === "event" ? flow.events : flow.main);
  const reachableFrom = (from: string, ports?: (port: string) => boolean): Set<string> => {
    const a = flow.main.activities.get(from) ?? flow.events.activities.get(from);
    const process = a ? processOf(a) : flow.main;
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const [port, t] of process.next.get(id) ?? []) if (!ports || id !== from || ports(port)) stack.push(t);
    }
    return seen;
  };

  // Caller-controlled variables: assigned from a caller value, or from an HTTP result (another
  // system's text). Iterated to a fixed point, as assignments chain.
  const tainted = new Map<string, CallerValue>();
  const rootTaint = (root: string, path: string[]): CallerValue | undefined => {
    const r = lower(root);
    if (r === "newphonecontact" || r === "newcontact") {
      const field = lower(path[0] ?? "");
      return Object.hasOwn(CALLER_FIELDS, field) ? { kind: "text", origin: CALLER_FIELDS[field]! } : undefined;
    }
    const act = byName.get(r);
    if (act) {
      const field = lower(path[0] ?? "");
      if (DIGIT_OUTPUTS[act.type]?.includes(field)) return { kind: "digits", origin: `the digits entered at ${act.name}` };
      if (act.type === "http-request-v2" && field === "httpresponsebody") return { kind: "text", origin: `the response of ${act.name}` };
      return undefined;
    }
    return tainted.get(r);
  };
  for (let changed = true, rounds = 0; changed && rounds < 20; rounds++) {
    changed = false;
    for (const [name, ws] of writes) {
      if (tainted.get(name)?.kind === "text") continue;
      for (const w of ws) {
        let t: CallerValue | undefined;
        if (w.kind === "http") t = { kind: "text", origin: `the response of ${w.activity.name}` };
        else if (w.kind === "set-variable" && w.expr?.includes("{{")) {
          for (const r of parseRefs(w.expr) ?? []) {
            const rt = rootTaint(r.root, r.path);
            if (rt && (!t || rt.kind === "text")) t = rt;
          }
        }
        if (t && tainted.get(name)?.kind !== t.kind && !(tainted.get(name)?.kind === "text")) {
          tainted.set(name, t);
          changed = true;
        }
      }
    }
  }

  return {
    templates,
    unparsed,
    readsOf,
    bareReads,
    writes,
    byName,
    preds,
    processOf,
    reachableFrom,
    caller: rootTaint,
  };
}
