/**
 * Checks a loaded flow before any call runs and reports every problem at once. Errors are what
 * Webex itself refuses to publish (a link to a missing activity, an expression that does not
 * parse, an activity missing what it cannot run without); what Webex tolerates is at most a
 * warning (an activity type ccflow does not run, an unwired port). Also checked: dangling links, ports an activity does not have, templates that do not parse, variables
 * read but never declared, connectors and queues the environment does not bind.
 *
 * The activity catalog is handed in (the activities room owns it), so this module stays pure.
 */
import { parseTemplate, isExprError } from "../expr/index.js";
import { EVENT_NAMES, START_NAMESPACES, eventNamespaces } from "./event-names.js";
import { clipMessage, key } from "./read-export.js";
import type { ActivityDef, Diagnostic, FlowDefinition, ProcessDef } from "./types.js";

export interface CatalogEntry {
  ports(def: ActivityDef): string[];
  errorPorts?: string[];
  optionalPorts?: string[];
  templates?(def: ActivityDef): Array<{ field: string; source: string }>;
  validate?(def: ActivityDef, report: (d: Omit<Diagnostic, "path" | "activity"> & { path?: string }) => void, flow: FlowDefinition): void;
}

export interface ActivityCatalog {
  lookup(type: string): CatalogEntry | undefined;
  /** Names of every type the catalog runs, for "did you mean" hints. */
  types(): string[];
}

export interface BindingCheck {
  /** Connector ids the environment defines; undefined = zero-config (everything is auto-bound). */
  connectors?: Set<string>;
  /** Queue ids the environment defines; undefined = zero-config. */
  queues?: Set<string>;
  /** Global variable names the environment provides. */
  globals?: Set<string>;
}

export interface ReferenceInfo {
  /** Connector ids used by http-request-v2 activities. */
  connectors: Map<string, ActivityDef[]>;
  /** Static queue ids used by queue-contact/queue-lookup/callback activities. */
  queues: Map<string, ActivityDef[]>;
}

/** Properties that name a queue, per activity type. */
const QUEUE_FIELDS: Record<string, string[]> = {
  "queue-contact": ["destination", "fallbackQueue"],
  "queue-lookup": ["destination"],
  callback: ["callbackQueue"],
  "queue-to-agent": ["reportingQueue", "recoveryQueue"],
  "blind-transfer": [],
};

export function collectReferences(flow: FlowDefinition): ReferenceInfo {
  const connectors = new Map<string, ActivityDef[]>();
  const queues = new Map<string, ActivityDef[]>();
  const add = (m: Map<string, ActivityDef[]>, id: string, a: ActivityDef) => {
    const list = m.get(id) ?? [];
    list.push(a);
    m.set(id, list);
  };
  for (const a of allActivities(flow)) {
    const p = a.properties;
    if (a.type === "http-request-v2" && p.authenticated !== false && typeof p.connectorId === "string" && p.connectorId) {
      add(connectors, p.connectorId, a);
    }
    // Own keys only: an activityName of "constructor" or "__proto__" must not reach Object.prototype.
    for (const f of Object.hasOwn(QUEUE_FIELDS, a.type) ? QUEUE_FIELDS[a.type]! : []) {
      const v = p[f];
      // A variable queue (`{{...}}`) is only known at run time.
      if (typeof v === "string" && v && !v.includes("{{")) {
        if (a.type === "queue-contact" && f === "destination" && p.queueRadioGroup === "variableQueue") continue;
        add(queues, v, a);
      }
    }
  }
  return { connectors, queues };
}

export function* allActivities(flow: FlowDefinition): Generator<ActivityDef> {
  yield* flow.main.activities.values();
  yield* flow.events.activities.values();
}

export function validateFlow(flow: FlowDefinition, catalog: ActivityCatalog, bindings: BindingCheck = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const knownRoots = rootNames(flow, bindings);

  checkUnknownTypes(flow, catalog, out);
  checkProcess(flow, flow.main, catalog, knownRoots, out);
  checkProcess(flow, flow.events, catalog, knownRoots, out);
  checkVariables(flow, out);
  checkReachability(flow, out);
  checkBindings(flow, bindings, out);
  for (const d of out) d.message = clipMessage(d.message);
  return out;
}

function rootNames(flow: FlowDefinition, bindings: BindingCheck): Set<string> {
  const names = new Set<string>();
  const add = (n: string) => names.add(n.toLowerCase());
  for (const v of flow.variables.keys()) add(v);
  for (const a of allActivities(flow)) add(a.name);
  for (const n of START_NAMESPACES) add(n);
  for (const e of EVENT_NAMES) for (const n of eventNamespaces(e)) add(n);
  for (const g of bindings.globals ?? []) add(g);
  return names;
}

/**
 * Activity types the catalog does not run, each reported once with every activity of that type.
 * A warning, not an error: an export names only types its Flow Designer offered, so Webex
 * publishes it; ccflow loads it and a call that reaches such an activity takes its error path.
 */
function checkUnknownTypes(flow: FlowDefinition, catalog: ActivityCatalog, out: Diagnostic[]): void {
  const byType = new Map<string, ActivityDef[]>();
  for (const a of allActivities(flow)) {
    if (a.type === "(none)" || catalog.lookup(a.type)) continue;
    const list = byType.get(a.type);
    if (list) list.push(a);
    else byType.set(a.type, [a]);
  }
  for (const [type, acts] of byType) {
    const first = acts[0]!;
    const names = acts.map((a) => `"${a.name}"`);
    const shown = names.length > 5 ? `${names.slice(0, 5).join(", ")} and ${names.length - 5} more` : names.join(", ");
    out.push({
      severity: "warning",
      code: "unknown-activity",
      message: `Activity type "${type}" is not one ccflow runs (${shown})${hint(type, catalog.types())}; a call that reaches it takes its error path (OnGlobalError)`,
      path: `${first.path}.properties.activityName`,
      activity: { id: first.id, name: first.name },
    });
  }
}

function checkProcess(flow: FlowDefinition, process: ProcessDef, catalog: ActivityCatalog, roots: Set<string>, out: Diagnostic[]): void {
  for (const a of process.activities.values()) {
    const where = { id: a.id, name: a.name };
    const spec = catalog.lookup(a.type);
    if (!spec) continue;
    spec.validate?.(a, (d) => out.push({ severity: d.severity, code: d.code, message: d.message, expression: d.expression, path: d.path ? `${a.path}.properties${d.path.startsWith("[") ? "" : "."}${d.path}` : a.path, activity: where }), flow);
    for (const t of spec.templates?.(a) ?? []) checkTemplate(a, t.field, t.source, roots, out);

    const ports = new Set(spec.ports(a));
    const wired = process.next.get(a.id);
    for (const [port] of wired ?? []) {
      if (!ports.has(port)) {
        const link = process.links.find((l) => l.source === a.id && l.port === port)!;
        out.push({
          severity: "error",
          code: "unknown-port",
          message: `Activity "${a.name}" (${a.type}) has no port "${port}"; its ports are ${[...ports].map((p) => `"${p}"`).join(", ") || "none"}`,
          path: `${link.path}.conditionExpr`,
          activity: where,
        });
      }
    }
    const errorPorts = new Set([...(spec.errorPorts ?? ["error"]), ...(spec.optionalPorts ?? [])]);
    // Newer exports carry a handler for every event, wired or not; an empty handler is normal.
    if (a.type === "event") continue;
    for (const port of ports) {
      if (errorPorts.has(port) || wired?.has(port)) continue;
      out.push({
        severity: "warning",
        code: "unwired-port",
        message: `Port "${port}" of "${a.name}" leads nowhere; a call leaving by it ends the ${process === flow.main ? "main" : "event"} flow`,
        path: a.path,
        activity: where,
      });
    }
  }
  for (const link of process.links) {
    const src = process.activities.get(link.source);
    if (!src) {
      out.push({ severity: "error", code: "dangling-link", message: `A link starts at activity "${link.source}", which does not exist in this process`, path: `${link.path}.sourceActivityId` });
    }
    if (!process.activities.has(link.target)) {
      const elsewhere = flow.main.activities.get(link.target) ?? flow.events.activities.get(link.target);
      out.push({
        severity: "error",
        code: "dangling-link",
        message: elsewhere
          ? `Port "${link.port}" of "${src?.name ?? link.source}" links to "${elsewhere.name}" in the other process; links never cross between the main flow and event flows`
          : `Port "${link.port}" of "${src?.name ?? link.source}" links to activity "${link.target}", which does not exist`,
        path: `${link.path}.targetActivityId`,
        activity: src ? { id: src.id, name: src.name } : undefined,
      });
    }
  }
}

function checkTemplate(a: ActivityDef, field: string, source: string, roots: Set<string>, out: Diagnostic[]): void {
  const path = `${a.path}.properties${field.startsWith("[") ? "" : "."}${field}`;
  let template;
  try {
    template = parseTemplate(source);
  } catch (err) {
    if (!isExprError(err)) throw err;
    out.push({
      severity: "error",
      code: "bad-expression",
      message: `${a.name}: ${field} does not parse: ${err.reason} (position ${err.position})`,
      path,
      activity: { id: a.id, name: a.name },
      expression: { source, position: err.position },
    });
    return;
  }
  for (const e of template.staticErrors?.() ?? []) {
    out.push({ severity: "error", code: "bad-expression", message: `${a.name}: ${field} fails whenever it runs: ${e.message} (position ${e.position})`, path, activity: { id: a.id, name: a.name }, expression: { source, position: e.position } });
  }
  // One report per unknown name and field: a template that reads it 150,000 times is one mistake.
  const reported = new Set<string>();
  for (const ref of template.references()) {
    if (roots.has(ref.root.toLowerCase())) continue;
    if (reported.has(ref.root)) continue;
    reported.add(ref.root);
    out.push({
      severity: "error",
      code: "undeclared-variable",
      message: `${a.name}: ${field} reads "${[ref.root, ...ref.path].join(".")}", but no variable, activity or event is named "${ref.root}"`,
      path,
      activity: { id: a.id, name: a.name },
      expression: { source, position: ref.position },
    });
  }
}

function checkVariables(flow: FlowDefinition, out: Diagnostic[]): void {
  for (const v of flow.variables.values()) {
    if (v.initial === null || v.initial === "") continue;
    const bad =
      (v.type === "INTEGER" && !/^\s*[-+]?\d+\s*$/.test(v.initial)) ||
      (v.type === "DECIMAL" && Number.isNaN(Number(v.initial))) ||
      (v.type === "BOOLEAN" && !/^\s*(true|false)\s*$/i.test(v.initial)) ||
      (v.type === "JSON" && !isJson(v.initial));
    if (bad) {
      out.push({ severity: "warning", code: "bad-initial-value", message: `Variable "${v.name}" (${v.type}) starts as ${JSON.stringify(v.initial)}, which is not a valid ${v.type}; it starts empty`, path: `${v.path}.value` });
    }
  }
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

function checkReachability(flow: FlowDefinition, out: Diagnostic[]): void {
  const seen = new Set<string>();
  const walk = (process: ProcessDef, from: string) => {
    const stack = [from];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const t of process.next.get(id)?.values() ?? []) stack.push(t);
    }
  };
  if (flow.startId) walk(flow.main, flow.startId);
  for (const h of flow.handlers.values()) walk(flow.events, h.activityId);
  for (const a of allActivities(flow)) {
    if (seen.has(a.id) || a.type === "event") continue;
    out.push({ severity: "warning", code: "unreachable", message: `Activity "${a.name}" can never run: nothing links to it`, path: a.path, activity: { id: a.id, name: a.name } });
  }
}

function checkBindings(flow: FlowDefinition, bindings: BindingCheck, out: Diagnostic[]): void {
  const refs = collectReferences(flow);
  if (bindings.connectors) {
    for (const [id, acts] of refs.connectors) {
      if (bindings.connectors.has(id)) continue;
      for (const a of acts) {
        out.push({
          severity: "error",
          code: "unbound-connector",
          message: `Activity "${a.name}" uses connector "${id}", which the environment does not define`,
          path: `${a.path}.properties.connectorId`,
          activity: { id: a.id, name: a.name },
        });
      }
    }
  }
  if (bindings.queues) {
    for (const [id, acts] of refs.queues) {
      if (bindings.queues.has(id)) continue;
      for (const a of acts) {
        out.push({
          severity: "warning",
          code: "unbound-queue",
          message: `Activity "${a.name}" uses queue "${id}", which the environment does not define; it will be created with no agents`,
          path: a.path,
          activity: { id: a.id, name: a.name },
        });
      }
    }
  }
}

function hint(type: string, known: string[]): string {
  const lower = type.toLowerCase();
  const close = known.find((k) => k.toLowerCase() === lower || levenshtein(k.toLowerCase(), lower) <= 2);
  return close ? ` (did you mean "${close}"?)` : "";
}

function levenshtein(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

export { key as jsonPathKey };
