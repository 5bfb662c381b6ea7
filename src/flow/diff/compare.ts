/**
 * A semantic diff of two flow exports: what a reviewer wants to read in a changelog. Activities
 * are matched by id (so a renamed activity is one change, not a removal and an addition), links
 * by their source and port, variables by name, event handlers by event. Everything the designer
 * writes for itself is left out: widget positions (`diagram`), `_renderRequestTimestamp`, the
 * `key:suffix` twins of `key_suffix` properties, export bookkeeping and the order of anything.
 *
 * Hand-written: a generic JSON diff (jsondiffpatch and the like) reports array moves and layout
 * churn; this one knows what an activity, a port and a variable are.
 */
import { findEvent } from "../event-names.js";
import type { ActivityDef, FlowDefinition, ProcessDef, VariableDef } from "../types.js";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface ActivityRef {
  id: string;
  name: string;
  type: string;
  process: "main" | "event";
}

export interface PropertyChange {
  /** Path inside the activity's properties (`promptsTts[0].value`). */
  path: string;
  old?: Json;
  new?: Json;
}

export interface ActivityChange {
  activity: ActivityRef;
  /** Set when the name differs. */
  renamedFrom?: string;
  typeFrom?: string;
  changes: PropertyChange[];
}

export interface LinkRef {
  process: "main" | "event";
  from: string;
  port: string;
  to: string;
}

export interface LinkChange {
  process: "main" | "event";
  /** Activity ids, and their names (from the newer flow where the activity is in both). */
  from: string;
  fromName: string;
  port: string;
  oldTo?: string;
  oldToName?: string;
  newTo?: string;
  newToName?: string;
}

export interface VariableChange {
  name: string;
  old?: VariableSummary;
  new?: VariableSummary;
}

export interface VariableSummary {
  type: string;
  value: string | null;
  cad: boolean;
  secure: boolean;
  agentEditable: boolean;
  reportable: boolean;
  desktopLabel: string;
  source: string;
}

export interface HandlerChange {
  event: string;
  /** Name of the first activity the handler leads to, before and after. */
  old?: string;
  new?: string;
}

export interface FlowDiff {
  from: { name: string; file?: string };
  to: { name: string; file?: string };
  flow: PropertyChange[];
  added: ActivityRef[];
  removed: ActivityRef[];
  changed: ActivityChange[];
  links: LinkChange[];
  variables: VariableChange[];
  handlers: HandlerChange[];
}

/** Properties that are identity (compared on their own) or the designer's bookkeeping. */
const IGNORED_PROPS = new Set(["name", "activityName", "activityId", "_renderRequestTimestamp"]);

/** The designer writes `key:suffix` beside `key_suffix` with the same value; keep one of them. */
function meaningful(props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) {
    if (IGNORED_PROPS.has(k)) continue;
    // `key:name` is `key_name` spelled the other way: one key, whichever spelling the export used.
    const spelled = k.replaceAll(":", "_");
    if (k !== spelled && Object.hasOwn(props, spelled)) continue;
    out[spelled] = v;
  }
  return out;
}

function ref(a: ActivityDef): ActivityRef {
  return { id: a.id, name: a.name, type: a.type, process: a.process };
}

function pathKey(base: string, k: string): string {
  const seg = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
  return base === "" && seg.startsWith(".") ? seg.slice(1) : `${base}${seg}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Numbers written as strings (`"2000"` vs `2000`) are the same setting to Webex. */
function sameScalar(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === "number" && typeof b === "string") || (typeof a === "string" && typeof b === "number")) return String(a) === String(b);
  return false;
}

/** A JSON-typed property whose text is itself JSON is compared as JSON. */
function parsedJsonString(v: unknown): unknown {
  if (typeof v !== "string") return v;
  const t = v.trim();
  if (!(t.startsWith("{") || t.startsWith("["))) return v;
  try {
    return JSON.parse(t);
  } catch {
    return v;
  }
}

export function diffValues(a: unknown, b: unknown, path: string, out: PropertyChange[], depth = 0): void {
  if (sameScalar(a, b)) return;
  if (depth < 12 && isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) diffValues(a[k], b[k], pathKey(path, k), out, depth + 1);
    return;
  }
  if (depth < 12 && Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => diffValues(v, b[i], `${path}[${i}]`, out, depth + 1));
    return;
  }
  // null, undefined and "" all mean "not set" in an export.
  const empty = (v: unknown) => v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
  if (empty(a) && empty(b)) return;
  if (typeof a === "string" && typeof b === "string") {
    const pa = parsedJsonString(a);
    const pb = parsedJsonString(b);
    if (pa !== a && pb !== b) {
      const inner: PropertyChange[] = [];
      diffValues(pa, pb, path, inner, depth + 1);
      if (inner.length === 0) return;
    }
  }
  out.push({ path, ...(empty(a) ? {} : { old: a as Json }), ...(empty(b) ? {} : { new: b as Json }) });
}

function activityMap(flow: FlowDefinition): Map<string, ActivityDef> {
  return new Map([...flow.main.activities, ...flow.events.activities]);
}

function linkMap(process: ProcessDef, kind: "main" | "event"): Map<string, LinkRef> {
  const out = new Map<string, LinkRef>();
  for (const [from, ports] of process.next) for (const [port, to] of ports) out.set(`${from}\u0000${port}`, { process: kind, from, port, to });
  return out;
}

function reportableNames(raw: unknown): Set<string> {
  const vars = isObject(raw) && Array.isArray(raw.variables) ? raw.variables : [];
  return new Set(vars.filter((v): v is Record<string, unknown> => isObject(v) && v.isReportable === true && typeof v.name === "string").map((v) => v.name as string));
}

function summary(v: VariableDef, reportable: Set<string>): VariableSummary {
  return {
    type: v.type,
    value: v.initial,
    cad: v.isCAD,
    secure: v.isSecure,
    agentEditable: v.isAgentEditable,
    reportable: reportable.has(v.name),
    desktopLabel: v.desktopLabel ?? "",
    source: v.source,
  };
}

function flowLevel(flow: FlowDefinition): Record<string, unknown> {
  const raw = isObject(flow.raw) ? flow.raw : {};
  return { name: flow.name, flowType: flow.flowType, description: raw.description ?? null };
}

/**
 * Which activity of `b` is which of `a`: by id first; an export re-imported into another
 * organisation gets new ids throughout, so what is left is matched by process, type and name
 * (event handlers by their event). Returns id in b → id in a.
 */
export function matchActivities(a: FlowDefinition, b: FlowDefinition): Map<string, string> {
  const before = activityMap(a);
  const after = activityMap(b);
  const match = new Map<string, string>(); // id in b → id in a
  for (const id of after.keys()) if (before.has(id)) match.set(id, id);
  const matchedA = new Set(match.values());
  const identity = (x: ActivityDef) => `${x.process}\u0000${x.type}\u0000${x.type === "event" ? String(x.properties.eventSpecificationName ?? x.name) : x.name}`;
  const leftovers = new Map<string, string[]>();
  for (const [id, x] of before) {
    if (matchedA.has(id)) continue;
    const list = leftovers.get(identity(x)) ?? [];
    list.push(id);
    leftovers.set(identity(x), list);
  }
  for (const [id, y] of after) {
    if (match.has(id)) continue;
    const candidate = leftovers.get(identity(y))?.shift();
    if (candidate) match.set(id, candidate);
  }
  return match;
}

export function diffFlows(a: FlowDefinition, b: FlowDefinition): FlowDiff {
  const flow: PropertyChange[] = [];
  diffValues(flowLevel(a), flowLevel(b), "", flow);

  const before = activityMap(a);
  const after = activityMap(b);
  const match = matchActivities(a, b);
  const matchedBefore = new Set(match.values());
  const added: ActivityRef[] = [];
  const removed: ActivityRef[] = [];
  const changed: ActivityChange[] = [];
  // An event handler with nothing after it does nothing; newer exports carry one for every event.
  // A wired one is reported as a handler change below, so handler nodes are never listed themselves.
  const idle = (_f: FlowDefinition, x: ActivityDef) => x.type === "event";
  for (const [id, x] of before) if (!matchedBefore.has(id) && !idle(a, x)) removed.push(ref(x));
  for (const [id, y] of after) {
    const x = match.has(id) ? before.get(match.get(id)!) : undefined;
    if (!x) {
      if (!idle(b, y)) added.push(ref(y));
      continue;
    }
    const changes: PropertyChange[] = [];
    diffValues(meaningful(x.properties), meaningful(y.properties), "", changes);
    const c: ActivityChange = { activity: ref(y), changes };
    if (x.name !== y.name) c.renamedFrom = x.name;
    if (x.type !== y.type) c.typeFrom = x.type;
    if (changes.length || c.renamedFrom !== undefined || c.typeFrom !== undefined) changed.push(c);
  }

  const links: LinkChange[] = [];
  for (const [kind, pa, pb] of [
    ["main", a.main, b.main],
    ["event", a.events, b.events],
  ] as const) {
    const la = linkMap(pa, kind);
    // b's links spelled with a's ids where the activity is in both, so the keys line up.
    const lb = new Map<string, LinkRef>();
    for (const l of linkMap(pb, kind).values()) {
      const from = match.get(l.from) ?? l.from;
      lb.set(`${from}\u0000${l.port}`, { ...l, from, to: match.get(l.to) ?? l.to });
    }
    for (const [k, l] of la) {
      const m = lb.get(k);
      // A removed activity's own links go with it; they say nothing more.
      if (!m && !matchedBefore.has(l.from)) continue;
      // A handler wired or unwired is a handler change, below.
      if (!m && pa.activities.get(l.from)?.type === "event") continue;
      const from = { process: kind, from: l.from, fromName: nameOf(a, b, l.from), port: l.port };
      if (!m) links.push({ ...from, oldTo: l.to, oldToName: nameOf(a, b, l.to) });
      else if (m.to !== l.to) links.push({ ...from, oldTo: l.to, oldToName: nameOf(a, b, l.to), newTo: m.to, newToName: nameOf(a, b, m.to) });
    }
    for (const [k, l] of lb) if (!la.has(k) && pb.activities.get(l.from)?.type !== "event" && !(pb.activities.get(match.get(l.from) ?? "")?.type === "event")) links.push({ process: kind, from: l.from, fromName: nameOf(a, b, l.from), port: l.port, newTo: l.to, newToName: nameOf(a, b, l.to) });
  }
  links.sort((x, y) => x.process.localeCompare(y.process) || x.fromName.localeCompare(y.fromName) || x.port.localeCompare(y.port));

  const variables: VariableChange[] = [];
  const ra = reportableNames(a.raw);
  const rb = reportableNames(b.raw);
  const names = [...new Set([...a.variables.keys(), ...b.variables.keys()])].sort((x, y) => x.localeCompare(y));
  for (const n of names) {
    const va = a.variables.get(n);
    const vb = b.variables.get(n);
    const sa = va ? summary(va, ra) : undefined;
    const sb = vb ? summary(vb, rb) : undefined;
    if (sa && sb && JSON.stringify(sa) === JSON.stringify(sb)) continue;
    variables.push({ name: n, ...(sa ? { old: sa } : {}), ...(sb ? { new: sb } : {}) });
  }

  const handlers: HandlerChange[] = [];
  const events = [...new Set([...a.handlers.keys(), ...b.handlers.keys()])].sort();
  for (const e of events) {
    const ha = a.handlers.get(e);
    const hb = b.handlers.get(e);
    const first = (f: FlowDefinition, id: string | undefined) => (id ? [...(f.events.next.get(id)?.values() ?? [])][0] : undefined);
    const wiredA = first(a, ha?.activityId);
    const wiredB = first(b, hb?.activityId);
    // An empty handler is the same as none: newer exports carry one for every event.
    if (wiredA === undefined && wiredB === undefined) continue;
    if ((wiredA === undefined) === (wiredB === undefined)) continue;
    handlers.push({ event: findEvent(e)?.ui ?? hb?.eventName ?? ha?.eventName ?? e, ...(wiredA ? { old: nameOf(a, b, wiredA) } : {}), ...(wiredB ? { new: nameOf(a, b, wiredB) } : {}) });
  }

  const byName = (x: ActivityRef, y: ActivityRef) => x.process.localeCompare(y.process) || x.name.localeCompare(y.name);
  return {
    from: { name: a.name, file: a.file },
    to: { name: b.name, file: b.file },
    flow,
    added: added.sort(byName),
    removed: removed.sort(byName),
    changed: changed.sort((x, y) => byName(x.activity, y.activity)),
    links,
    variables,
    handlers,
  };
}

export function isEmptyDiff(d: FlowDiff): boolean {
  return !d.flow.length && !d.added.length && !d.removed.length && !d.changed.length && !d.links.length && !d.variables.length && !d.handlers.length;
}

/** The name of an activity id on either side, for printing links and handlers. */
export function nameOf(a: FlowDefinition, b: FlowDefinition, id: string): string {
  return b.main.activities.get(id)?.name ?? b.events.activities.get(id)?.name ?? a.main.activities.get(id)?.name ?? a.events.activities.get(id)?.name ?? id;
}
