/**
 * What a box in the picture says about an activity, the way Flow Designer's canvas says it: the
 * type as the activity library names it ("HTTP Request"), one line of detail (the description,
 * or the condition's expression, a Set Variable's assignment, a handler's event), and its ports
 * grouped as the designer groups them — outcomes as rows ("True", "1 agent"), failures under
 * "Error Handling" ("Undefined Error", "No-Input Timeout", "Unmatched Entry").
 */
import { allocationsOf } from "../activities/percent-allocation.js";
import type { ActivityRegistry } from "../activities/registry.js";
import type { ActivityDef, FlowDefinition } from "../flow/types.js";

export type Category = "start" | "event" | "action" | "gateway" | "queue" | "end";

export interface PortView {
  port: string;
  label: string;
  /** Where the port sits: on the header line (the success port), an outcome row, or an error row. */
  place: "header" | "row" | "error";
}

export interface ActivityView {
  /** What the box is titled, when not the activity's name (an event handler shows its event). */
  title?: string;
  typeLabel: string;
  detail: string;
  category: Category;
  /** A one-character mark drawn in the icon square. */
  glyph: string;
  ports: PortView[];
  /** Title over the outcome rows (`Custom Links` for menus), when there is one. */
  rowsTitle?: string;
}

const TYPE_LABELS: Record<string, string> = {
  NewPhoneContact: "Start Flow",
  NewContact: "Start Flow",
  NewSubFlowStart: "Subflow Start",
  event: "Event Handler",
  "set-variable": "Set Variable",
  "play-message": "Play Message",
  "play-music": "Play Music",
  "ivr-menu": "Menu",
  "ivr-collectdigits": "Collect Digits",
  "condition-activity": "Condition",
  "case-statement": "Case",
  "http-request-v2": "HTTP Request",
  "parse-activity": "Parse",
  "queue-contact": "Queue Contact",
  "queue-to-agent": "Queue To Agent",
  "queue-lookup": "Get Queue Info",
  callback: "Callback",
  "screen-pop": "Screen Pop",
  "blind-transfer": "Blind Transfer",
  "business-hours": "Business Hours",
  subflow: "Subflow",
  "hand-off": "GoTo",
  goto: "GoTo",
  "disconnect-contact": "Disconnect Contact",
  end: "End Flow",
  "end-subflow": "End Subflow",
  "ivr-virtualassistantvoice": "Virtual Agent V2",
  "ivr-virtualassistant": "Virtual Agent",
  "start-media-stream": "Start Media Stream",
  "percent-allocation": "Percentage Allocation",
  "bridged-transfer": "Bridged Transfer",
  "Feedback-V2": "Feedback",
  record: "Record",
  RecordingControl: "Recording Control",
  "bre-request": "BRE Request",
  "set-contact-priority": "Set Contact Priority",
  "advanced-queue-info": "Advanced Queue Information",
  "wait-activity": "Wait",
  SetCallerID: "Set Caller ID",
  "send-digits": "Send Digits",
  "scheduled-callback": "Schedule Callback",
};

const GLYPHS: Record<string, string> = {
  start: "⚑",
  event: "⚡",
  "set-variable": "x",
  "play-message": "▶",
  "play-music": "♪",
  "ivr-menu": "☰",
  "ivr-collectdigits": "#",
  "condition-activity": "?",
  "case-statement": "?",
  "business-hours": "◷",
  "http-request-v2": "</>",
  "parse-activity": "{ }",
  "queue-contact": "⇄",
  "queue-to-agent": "⇄",
  "queue-lookup": "i",
  callback: "☏",
  "screen-pop": "↗",
  "blind-transfer": "↪",
  subflow: "⤷",
  "disconnect-contact": "☏",
  end: "✕",
  "end-subflow": "✕",
  "ivr-virtualassistantvoice": "◎",
  "ivr-virtualassistant": "◎",
  "start-media-stream": "≋",
  "percent-allocation": "%",
  "bridged-transfer": "⇆",
  "Feedback-V2": "★",
  record: "●",
  RecordingControl: "◐",
  "bre-request": "</>",
  "set-contact-priority": "↑",
  "advanced-queue-info": "i",
  "wait-activity": "⏸",
  SetCallerID: "☎",
  "send-digits": "#",
  "scheduled-callback": "☏",
};

const PORT_LABELS: Record<string, string> = {
  error: "Undefined Error",
  timeout: "No-Input Timeout",
  invalid: "Unmatched Entry",
  failure: "Failure",
  insufficientdata: "Insufficient Data",
  true: "True",
  false: "False",
  workingHours: "Working Hours",
  holidays: "Holidays",
  override: "Override",
  default: "Default",
  ENDED: "Ended",
  ESCALATE: "Escalate",
  noInputTimeout: "No-Input Timeout",
  undefinedErrors: "Undefined Error",
};

const ERROR_PORTS = new Set(["error", "failure", "timeout", "invalid", "noInputTimeout", "undefinedErrors"]);
const GATEWAYS = new Set(["condition-activity", "case-statement", "ivr-menu", "business-hours", "ivr-virtualassistantvoice", "ivr-virtualassistant"]);
const QUEUEING = new Set(["queue-contact", "queue-to-agent", "callback", "blind-transfer", "bridged-transfer", "set-contact-priority", "scheduled-callback"]);

function text(v: unknown): string {
  return typeof v === "string" ? v.replace(/\s+/g, " ").trim() : "";
}

function category(def: ActivityDef): Category {
  if (def.type === "event") return "event";
  if (def.group === "start" || def.group === "start-subflow" || def.type === "NewPhoneContact" || def.type === "NewContact") return "start";
  if (def.group === "end" || def.group === "terminating-action" || def.type === "end" || def.type === "disconnect-contact") return "end";
  if (GATEWAYS.has(def.type) || def.group === "enum-gateway") return "gateway";
  if (QUEUEING.has(def.type)) return "queue";
  return "action";
}

function firstTts(def: ActivityDef): string {
  const list = def.properties.promptsTts;
  if (Array.isArray(list) && list[0] && typeof list[0] === "object") return text((list[0] as { value?: unknown }).value);
  const files = def.properties.prompts;
  if (Array.isArray(files) && files[0] && typeof files[0] === "object") return text((files[0] as { value?: unknown }).value);
  return "";
}

function assignment(def: ActivityDef): string {
  const p = def.properties;
  const list = Array.isArray(p.setVariablesArray) && p.setVariablesArray.length > 0 ? (p.setVariablesArray as Array<Record<string, unknown>>) : [p];
  const first = list[0] ?? {};
  const expr = text(first.expr) || text(first.literal);
  const one = `${text(first.srcVariable) || "?"} = ${expr}`;
  return list.length > 1 ? `${one} (+${list.length - 1} more)` : one;
}

function detail(def: ActivityDef, flow: FlowDefinition): string {
  const p = def.properties;
  const description = text(p.description);
  switch (def.type) {
    case "event": {
      const h = [...flow.handlers.values()].find((x) => x.activityId === def.id);
      return `Event = ${h?.eventName ?? (text(p.event) || def.name)}`;
    }
    case "NewPhoneContact":
    case "NewContact":
      return `Event = ${text(p.event) || def.type}`;
    case "set-variable":
      return assignment(def);
    case "condition-activity":
    case "case-statement":
      return text(p.expression);
  }
  if (description) return description;
  switch (def.type) {
    case "play-message":
    case "ivr-menu":
    case "ivr-collectdigits":
      return firstTts(def);
    case "play-music":
      return text(p.prompt);
    case "http-request-v2":
      return `${text(p.httpRequestMethod) || "GET"} ${text(p.httpRequestPath) || text(p.httpRequestUrl)}`;
    case "queue-contact":
      return `Queue ${text(p.destination) || text(p.destinationVariable)}`;
    case "screen-pop":
      return text(p.screenPopDesktopLabel) || text(p.screenPopUrl);
    case "business-hours":
      return text(p.businessHoursId) || text(p.businessHoursVariable);
    case "ivr-virtualassistantvoice":
    case "ivr-virtualassistant":
      // The designer's display name of a choice sits beside the id as `<field>:name`.
      return text(p["virtualAgentId:name"]) || text(p.virtualAgentId) || text(p.variableSelection);
    case "start-media-stream":
      return text(p["mediaDestinationId:name"]) || text(p.mediaDestinationId);
    case "bridged-transfer":
      return `To ${text(p.transfertodn)}`;
    case "Feedback-V2":
      return text(p.surveyMethod_name) || text(p["surveyMethod:name"]);
    case "set-contact-priority":
      return p.priorityRadioGroup === "variablePriority" ? `Priority = ${text(p.priorityVariable)}` : `Priority = P${text(String(p.priority ?? "?"))}`;
    case "advanced-queue-info":
      return `Queue ${text(p["destination:name"]) || text(p.destination) || text(p.destinationVariable)}`;
    case "wait-activity":
      return `Wait ${text(p.duration)}`;
    case "SetCallerID":
      return text(p.callerId) ? `Caller ID = ${text(p.callerId)}` : "Default caller ID";
    case "send-digits":
      return `Digits = ${text(p.transferoutdigits)}`;
    case "scheduled-callback":
      return `Call back ${text(p.callbackDn) || "{{NewPhoneContact.ANI}}"} on ${text(p.scheduleDate)}`;
    case "RecordingControl":
      return `Recording = ${typeof p.enableRecording === "boolean" ? String(p.enableRecording) : text(p.enableRecording)}`;
    default:
      return "";
  }
}

function rowLabels(def: ActivityDef): Map<string, string> {
  const out = new Map<string, string>();
  if (def.type === "percent-allocation") {
    // A branch is labelled with its share and description, as the designer lists it.
    for (const a of allocationsOf(def).allocations) out.set(a.port, `${a.percent} %${a.description ? `  ${a.description}` : ""}`);
    return out;
  }
  const links = def.properties.menuLinks;
  const inputs = def.properties.menuLinks_input;
  if (Array.isArray(links)) {
    links.forEach((port, i) => {
      if (typeof port !== "string") return;
      const label = Array.isArray(inputs) && typeof inputs[i] === "string" ? inputs[i] : "";
      // Menus label a digit port with its purpose; a case labels an index port with its value.
      out.set(port, def.type === "case-statement" ? label || port : label ? `${port}  ${label}` : port);
    });
  }
  return out;
}

/** The ports a box shows, in the designer's order: synonyms collapsed to the wired one. */
function shownPorts(def: ActivityDef, flow: FlowDefinition, registry: ActivityRegistry): string[] {
  const process = def.process === "main" ? flow.main : flow.events;
  const wired = process.next.get(def.id);
  const spec = registry.lookup(def.type);
  const listed = spec ? spec.ports(def) : [...(wired?.keys() ?? [])];
  const optional = spec?.optionalPorts ?? [];
  const used = optional.find((p) => wired?.has(p)) ?? optional[0];
  const ports = listed.filter((p) => !optional.includes(p) || p === used);
  // A link on a port the registry does not list (an export newer than ccflow) is still drawn.
  for (const p of wired?.keys() ?? []) if (!ports.includes(p)) ports.push(p);
  // Two names for one port (Schedule Callback's `error` / `undefinedErrors`): one row, the wired one.
  const label = (p: string) => PORT_LABELS[p] ?? p;
  return ports.filter((p, i) => wired?.has(p) || !ports.some((q, j) => q !== p && label(q) === label(p) && (wired?.has(q) || j < i)));
}

export function describeActivity(def: ActivityDef, flow: FlowDefinition, registry: ActivityRegistry): ActivityView {
  const cat = category(def);
  const ports = shownPorts(def, flow, registry);
  const labels = rowLabels(def);
  const gateway = cat === "gateway";
  const headerPort = gateway ? undefined : ports.find((p) => p === "out" || p === "default");
  const views: PortView[] = ports.map((port) => {
    if (port === headerPort) return { port, label: port, place: "header" };
    const isError = ERROR_PORTS.has(port) && !(def.type === "condition-activity" && (port === "true" || port === "false"));
    return { port, label: labels.get(port) ?? PORT_LABELS[port] ?? port, place: isError ? "error" : "row" };
  });
  // Outcome rows first, then the error handling rows, as the designer lists them.
  views.sort((a, b) => rank(a) - rank(b));
  const handler = def.type === "event" ? [...flow.handlers.values()].find((h) => h.activityId === def.id) : undefined;
  return {
    title: handler && handler.eventName !== def.name ? handler.eventName : undefined,
    typeLabel: TYPE_LABELS[def.type] ?? def.type,
    detail: detail(def, flow),
    category: cat,
    glyph: GLYPHS[cat === "start" ? "start" : def.type] ?? "•",
    ports: views,
    rowsTitle: def.type === "ivr-menu" ? "Custom Links" : undefined,
  };
}

function rank(p: PortView): number {
  return p.place === "header" ? 0 : p.place === "row" ? 1 : 2;
}
