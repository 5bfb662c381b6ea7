/**
 * Reads a Flow Designer export as exported — `process.activities` keyed by id, links whose
 * `conditionExpr` is the port, event flows under `eventFlows.eventsMap.GLOBAL_EVENTS` — into a
 * FlowDefinition. Tolerant: every structural problem becomes a diagnostic with its JSON path and
 * reading goes on, so one run reports everything wrong with a file.
 */
import { START_TYPES, SUBFLOW_START_TYPES, findEvent } from "./event-names.js";
import type {
  ActivityDef,
  Diagnostic,
  EventHandlerDef,
  FlowDefinition,
  LinkDef,
  ProcessDef,
  VariableDef,
  VariableType,
} from "./types.js";

const VARIABLE_TYPES: Record<string, VariableType> = {
  STRING: "STRING",
  INTEGER: "INTEGER",
  BOOLEAN: "BOOLEAN",
  DECIMAL: "DECIMAL",
  DATE_TIME: "DATE_TIME",
  DATETIME: "DATE_TIME",
  JSON: "JSON",
};

export function key(path: string, k: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing (the key is missing)";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/** Longest diagnostic message; a longer one is cut in the middle. */
const MAX_MESSAGE = 400;

/**
 * A message that quotes a value from the file (an id, a port, a type) stays readable when that
 * value is a megabyte string: the start and the end (which says what is wrong) are kept.
 */
export function clipMessage(message: string): string {
  if (message.length <= MAX_MESSAGE) return message;
  const cut = message.length - 320;
  return `${message.slice(0, 200)}… (${cut} characters left out) …${message.slice(-120)}`;
}

/**
 * A value from the file as JSON text, for a message or a hand-edited initial value. A value
 * nested deeper than JSON.stringify can go (a 100,000-deep array) is described instead.
 */
function jsonText(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return Array.isArray(v) ? "an array nested too deeply to show" : "an object nested too deeply to show";
  }
}

export interface ReadResult {
  flow?: FlowDefinition;
  diagnostics: Diagnostic[];
}

export function readExport(raw: unknown, file?: string): ReadResult {
  const diagnostics: Diagnostic[] = [];
  const report = (d: Omit<Diagnostic, "severity"> & { severity?: Diagnostic["severity"] }) =>
    diagnostics.push({ severity: "error", ...d, message: clipMessage(d.message) });

  if (!isObject(raw)) {
    report({ code: "bad-shape", message: `A flow export is a JSON object; this file holds ${describe(raw)}`, path: "$" });
    return { diagnostics };
  }

  const flowType = raw.flowType === "SUBFLOW" ? "SUBFLOW" : "FLOW";
  if (raw.flowType !== undefined && raw.flowType !== "FLOW" && raw.flowType !== "SUBFLOW") {
    report({ severity: "warning", code: "bad-flow-type", message: `Unknown flowType ${jsonText(raw.flowType)}; running it as FLOW`, path: "$.flowType" });
  }

  const variables = readVariables(raw.variables, report);
  const main = readProcess(raw.process, "$.process", "main", report);
  if (!main) return { diagnostics };

  const starts = [...main.activities.values()].filter((a) =>
    flowType === "SUBFLOW" ? SUBFLOW_START_TYPES.has(a.type) || a.group === "start-subflow" : START_TYPES.has(a.type) || a.group === "start",
  );
  let startId = starts[0]?.id ?? "";
  if (starts.length === 0) {
    report({
      code: "no-start",
      message: flowType === "SUBFLOW" ? "The subflow has no NewSubFlowStart activity" : "The flow has no start activity (NewPhoneContact or NewContact)",
      path: "$.process.activities",
    });
  } else if (starts.length > 1) {
    for (const s of starts.slice(1)) {
      report({ code: "many-starts", message: `More than one start activity; "${starts[0]!.name}" is used`, path: s.path, activity: { id: s.id, name: s.name } });
    }
  }
  if (!startId && main.activities.size > 0) startId = "";

  const { events, handlers } = readEventFlows(raw.eventFlows, flowType, report);

  const flow: FlowDefinition = {
    name: typeof raw.name === "string" && raw.name ? raw.name : (file ?? "flow"),
    id: typeof raw.id === "string" ? raw.id : undefined,
    flowId: typeof raw.flowId === "string" ? raw.flowId : undefined,
    version: typeof raw.version === "number" ? raw.version : undefined,
    flowType,
    variables,
    main,
    startId,
    events,
    handlers,
    layout: readLayout(isObject(raw.diagram) ? raw.diagram : undefined, main),
    eventLayout: readLayout(eventDiagram(raw.eventFlows), events),
    raw,
    file,
  };
  return { flow, diagnostics };
}

type Report = (d: Omit<Diagnostic, "severity"> & { severity?: Diagnostic["severity"] }) => void;

function readVariables(value: unknown, report: Report): Map<string, VariableDef> {
  const out = new Map<string, VariableDef>();
  if (value === undefined || value === null) return out;
  if (!Array.isArray(value)) {
    report({ code: "bad-shape", message: `"variables" must be an array, found ${describe(value)}`, path: "$.variables" });
    return out;
  }
  value.forEach((v, i) => {
    const path = `$.variables[${i}]`;
    if (!isObject(v)) {
      report({ code: "bad-shape", message: `A variable must be an object, found ${describe(v)}`, path });
      return;
    }
    if (typeof v.name !== "string" || v.name.trim() === "") {
      report({ code: "bad-variable", message: "A variable has no name", path: `${path}.name` });
      return;
    }
    const typeName = typeof v.type === "string" ? v.type.toUpperCase() : "";
    const type = VARIABLE_TYPES[typeName];
    if (!type) {
      report({ code: "bad-variable", message: `Variable "${v.name}" has ${v.type === undefined ? "no type" : `unknown type ${jsonText(v.type)}`} (expected STRING, INTEGER, BOOLEAN, DECIMAL, DATE_TIME or JSON)`, path: `${path}.type` });
    }
    if (v.value !== null && v.value !== undefined && typeof v.value !== "string") {
      // Exports always hold strings; a number here means the file was edited by hand. Accept it.
      report({ severity: "warning", code: "bad-variable", message: `Variable "${v.name}" has a ${typeof v.value} value; exports hold strings`, path: `${path}.value` });
    }
    if (out.has(v.name)) {
      report({ code: "duplicate-variable", message: `Variable "${v.name}" is declared twice`, path });
    }
    out.set(v.name, {
      name: v.name,
      type: type ?? "STRING",
      initial: v.value === null || v.value === undefined ? null : typeof v.value === "object" ? jsonText(v.value) : String(v.value),
      isCAD: v.isCAD === true,
      desktopLabel: typeof v.desktopLabel === "string" && v.desktopLabel ? v.desktopLabel : undefined,
      isSecure: v.isSecure === true,
      isAgentEditable: v.isAgentEditable === true,
      source: typeof v.source === "string" ? v.source : "",
      path,
    });
  });
  return out;
}

function readProcess(value: unknown, path: string, kind: "main" | "event", report: Report): ProcessDef | undefined {
  if (!isObject(value)) {
    report({ code: "bad-shape", message: `"${path.slice(2)}" must be an object with "activities" and "links", found ${describe(value)}`, path });
    return undefined;
  }
  const activities = new Map<string, ActivityDef>();
  const acts = value.activities;
  if (Array.isArray(acts)) {
    report({ code: "bad-shape", message: `"activities" must be an object keyed by activity id (as Flow Designer exports it), found an array`, path: `${path}.activities` });
  } else if (!isObject(acts)) {
    report({ code: "bad-shape", message: `"activities" must be an object keyed by activity id, found ${describe(acts)}`, path: `${path}.activities` });
  } else {
    for (const [id, a] of Object.entries(acts)) {
      const apath = key(`${path}.activities`, id);
      const def = readActivity(id, a, apath, kind, report);
      if (def) activities.set(id, def);
    }
  }

  const links: LinkDef[] = [];
  const next = new Map<string, Map<string, string>>();
  const rawLinks = value.links ?? [];
  if (!Array.isArray(rawLinks)) {
    report({ code: "bad-shape", message: `"links" must be an array, found ${describe(rawLinks)}`, path: `${path}.links` });
  } else {
    rawLinks.forEach((l, i) => {
      const lpath = `${path}.links[${i}]`;
      if (!isObject(l)) {
        report({ code: "bad-shape", message: `A link must be an object, found ${describe(l)}`, path: lpath });
        return;
      }
      const source = l.sourceActivityId;
      const target = l.targetActivityId;
      const props = isObject(l.properties) ? l.properties : {};
      const port = typeof l.conditionExpr === "string" && l.conditionExpr ? l.conditionExpr : typeof props.value === "string" ? props.value : undefined;
      if (typeof source !== "string" || typeof target !== "string") {
        report({ code: "bad-link", message: "A link needs string sourceActivityId and targetActivityId", path: lpath });
        return;
      }
      if (!port) {
        report({ code: "bad-link", message: `The link from ${source} has no port (conditionExpr)`, path: `${lpath}.conditionExpr` });
        return;
      }
      const link: LinkDef = { id: typeof l.id === "string" ? l.id : `link-${i}`, source, target, port, path: lpath };
      links.push(link);
      let ports = next.get(source);
      if (!ports) next.set(source, (ports = new Map()));
      if (ports.has(port)) {
        const src = activities.get(source);
        report({
          code: "duplicate-link",
          message: `Port "${port}" of "${src?.name ?? source}" has more than one link; the first is used`,
          path: lpath,
          activity: src ? { id: src.id, name: src.name } : undefined,
        });
        return;
      }
      ports.set(port, target);
    });
  }
  return { activities, links, next };
}

function readActivity(id: string, a: unknown, path: string, kind: "main" | "event", report: Report): ActivityDef | undefined {
  if (!isObject(a)) {
    report({ code: "bad-shape", message: `Activity "${id}" must be an object, found ${describe(a)}`, path });
    return undefined;
  }
  const props = isObject(a.properties) ? a.properties : undefined;
  if (!props) {
    report({ code: "bad-shape", message: `Activity "${id}" has no "properties" object`, path: `${path}.properties`, activity: { id, name: typeof a.name === "string" ? a.name : id } });
  }
  const properties = props ?? {};
  const name = typeof a.name === "string" && a.name ? a.name : typeof properties.name === "string" ? properties.name : id;
  const group = typeof a.group === "string" ? a.group : "";
  if (typeof a.id === "string" && a.id !== id) {
    report({ severity: "warning", code: "id-mismatch", message: `Activity keyed "${id}" says its id is "${a.id}"; the key is used`, path: `${path}.id`, activity: { id, name } });
  }
  let type = typeof properties.activityName === "string" ? properties.activityName : "";
  // Older exports give event handlers no activityName; newer ones say "Event". Both are the same thing.
  if (group === "event" || type === "Event" || properties.activityId === "event") type = "event";
  if (!type) {
    report({ code: "unknown-activity", message: `Activity "${name}" has no activityName, so its type is unknown`, path: `${path}.properties.activityName`, activity: { id, name } });
    type = "(none)";
  }
  return { id, name, group, type, properties, process: kind, path };
}

function readEventFlows(value: unknown, flowType: string, report: Report): { events: ProcessDef; handlers: Map<string, EventHandlerDef> } {
  const empty: ProcessDef = { activities: new Map(), links: [], next: new Map() };
  const handlers = new Map<string, EventHandlerDef>();
  if (value === undefined || value === null) return { events: empty, handlers };
  if (!isObject(value)) {
    report({ code: "bad-shape", message: `"eventFlows" must be an object, found ${describe(value)}`, path: "$.eventFlows" });
    return { events: empty, handlers };
  }
  const map = value.eventsMap;
  if (!isObject(map) || Object.keys(map).length === 0) {
    if (flowType === "FLOW" && map !== undefined && !isObject(map)) {
      report({ code: "bad-shape", message: `"eventsMap" must be an object`, path: "$.eventFlows.eventsMap" });
    }
    return { events: empty, handlers };
  }
  const global = map.GLOBAL_EVENTS;
  const gpath = "$.eventFlows.eventsMap.GLOBAL_EVENTS";
  if (!isObject(global)) {
    report({ code: "bad-shape", message: `"GLOBAL_EVENTS" must be an object, found ${describe(global)}`, path: gpath });
    return { events: empty, handlers };
  }
  const events = readProcess(global.process, `${gpath}.process`, "event", report) ?? empty;
  const onEvents = global.onEvents;
  if (onEvents !== undefined && !isObject(onEvents)) {
    report({ code: "bad-shape", message: `"onEvents" must map event names to handler activity ids`, path: `${gpath}.onEvents` });
  }
  const declared = isObject(onEvents) ? onEvents : {};
  for (const [specName, target] of Object.entries(declared)) {
    const opath = key(`${gpath}.onEvents`, specName);
    if (typeof target !== "string") {
      report({ code: "bad-shape", message: `onEvents["${specName}"] must be an activity id`, path: opath });
      continue;
    }
    const handler = events.activities.get(target);
    if (!handler) {
      report({ code: "dangling-handler", message: `Event "${specName}" names handler activity "${target}", which is not in the event flows`, path: opath });
      continue;
    }
    const known = findEvent(specName);
    if (!known) {
      report({ severity: "warning", code: "unknown-event", message: `Event "${specName}" is not one ccflow raises; its handler will never run`, path: opath, activity: { id: handler.id, name: handler.name } });
    }
    const ui = typeof handler.properties.event === "string" ? handler.properties.event : known?.ui ?? specName;
    handlers.set(specName, { specName, eventName: ui, activityId: target });
  }
  // Newer exports may carry a handler activity whose onEvents entry is missing; bind it by its spec name.
  for (const a of events.activities.values()) {
    if (a.type !== "event") continue;
    const spec = typeof a.properties.eventSpecificationName === "string" ? a.properties.eventSpecificationName : a.name;
    if (![...handlers.values()].some((h) => h.activityId === a.id) && !handlers.has(spec)) {
      handlers.set(spec, { specName: spec, eventName: typeof a.properties.event === "string" ? a.properties.event : spec, activityId: a.id });
    }
  }
  return { events, handlers };
}

function eventDiagram(eventFlows: unknown): Record<string, unknown> | undefined {
  if (!isObject(eventFlows) || !isObject(eventFlows.eventsMap)) return undefined;
  const g = eventFlows.eventsMap.GLOBAL_EVENTS;
  return isObject(g) && isObject(g.diagram) ? g.diagram : undefined;
}

function readLayout(diagram: Record<string, unknown> | undefined, process: ProcessDef): Map<string, { x: number; y: number }> {
  const layout = new Map<string, { x: number; y: number }>();
  const widgets = diagram && isObject(diagram.widgets) ? diagram.widgets : {};
  for (const [id, w] of Object.entries(widgets)) {
    if (!process.activities.has(id) || !isObject(w) || !isObject(w.point)) continue;
    const { x, y } = w.point;
    if (typeof x === "number" && typeof y === "number") layout.set(id, { x, y });
  }
  return layout;
}
