/**
 * Writes examples/flows/Dynamics_Priority_Routing_Flow.json: our own flow, in the Flow Designer
 * export format (the newer one: NewContact, activityName "Event", flowType, setVariablesArray),
 * doing every step of the seed use case properly:
 *   ANI lookup → case lookup filtered by the customer and newest first → personalised prompt →
 *   priority from the case's prioritycode (High → P1, Normal → P5, Low → P9, no case → P10) on a
 *   variable-priority Queue Contact → screen pop of that exact case, or the new-case form; an
 *   OnGlobalError flow that apologises and still queues the caller.
 * Three guards the seed flow lacks: the caller id is escaped for the OData literal it lands in
 * (Webex sends a URL as rendered), a withheld or too-short caller id is never looked up (an empty
 * `contains()` matches every customer), and a CRM that answers with an error status is treated as
 * unreachable (apology, P5) rather than as "unknown caller".
 *
 * Run: npm run build && node dist/scripts/build-example-flow.js
 * The JSON is committed; this script is how it was made and how to change it.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const CONNECTOR_ID = "8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710";
const QUEUE_ID = "745fab6b-55e3-49f6-a60e-d06d408eda02";
const CRM = "https://org734cd33d.crm.dynamics.com/main.aspx";
const APP_ID = "8a18ed00-21e1-ed11-a7c6-000d3a8bcaaa";

function uuid(seed: string): string {
  const h = createHash("sha1").update(`ccflow-example:${seed}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface Node {
  name: string;
  group: string;
  activityName: string;
  activityId: string;
  x: number;
  y: number;
  ports: string[];
  props: Record<string, unknown>;
}

const TTS = (text: string) => ({
  toggle: true,
  prompts: null,
  promptsTts: [{ type: "tts", value: text, name: text }],
  voiceLanguage: "en-US-Standard-C",
  speakingRate: "1",
  volumeGainDb: "0",
  connector: "2cd8a170-e237-4d36-85a1-a99bb04cf9da",
  toggleLanguage: true,
});

const http = (path: string, outputs: Array<[string, string]>) => ({
  authenticated: true,
  connectorId: CONNECTOR_ID,
  "connectorId:name": "MSD_IVR_Connector",
  connectorId_name: "MSD_IVR_Connector",
  httpRequestMethod: "GET",
  httpRequestPath: path,
  httpRequestUrl: null,
  httpQueryParameters: {},
  httpRequestHeaders: {},
  httpContentType: "Application/JSON",
  contentType: "JSON",
  httpResponseTimeout: 2000,
  retryAttempts: 1,
  outputVariableArray: outputs.map(([outputVariable, jsonPathExp]) => ({ outputVariable, jsonPathExp })),
});

const setVars = (items: Array<[string, string, string]>) => {
  const array = items.map(([srcVariable, srcVariableType, expr]) => ({
    srcVariable,
    srcVariableType,
    setTo: "set-to-literal",
    literal: expr,
    expr,
    literal_invalid_error: false,
  }));
  return { ...array[0], setVariablesArray: array };
};

const httpOk = (activity: string) => ({ expression: `{{ ${activity}.httpStatusCode == 200 }}` });

const main: Node[] = [
  { name: "NewContact", group: "start", activityName: "NewContact", activityId: "start", x: -360, y: -280, ports: ["out"], props: { event: "NewContact" } },
  { name: "StripANI", group: "set-variable", activityName: "set-variable", activityId: "set-variable", x: -120, y: -280, ports: ["out", "error"], props: setVars([["ANI", "STRING", '{{NewContact.ANI | replace({"+":""})}}']]) },
  { name: "Greeting", group: "action", activityName: "play-message", activityId: "5f114466ef5cfc454fbbf131", x: 120, y: -280, ports: ["default", "error"], props: TTS("Thank you for calling. One moment while we find your account.") },
  // A withheld number arrives empty or as a word; `contains(telephone1,'')` would match everyone.
  { name: "CallerIdUsable", group: "enum-gateway", activityName: "condition-activity", activityId: "condition-activity", x: 360, y: -280, ports: ["true", "false", "error"], props: { expression: "{{ ANI.length >= 7 }}" } },
  {
    name: "LookupContact", group: "action", activityName: "http-request-v2", activityId: "http-request-v2", x: 600, y: -280, ports: ["default"],
    // Webex inserts a value into a URL as rendered: the caller id is made one OData literal here,
    // quotes doubled and the whole of it URL-encoded, whatever the caller's network delivered.
    props: http(`contacts?$select=fullname,telephone1,contactid&$filter=contains(telephone1,'{{ ANI | replace({"'": "''"}) | urlencode }}')&$top=1`, [["CustomerID", "value[0].contactid"], ["ContactName", "value[0].fullname"]]),
  },
  { name: "ContactLookupOk", group: "enum-gateway", activityName: "condition-activity", activityId: "condition-activity", x: 840, y: -280, ports: ["true", "false", "error"], props: httpOk("LookupContact") },
  { name: "KnownCaller", group: "enum-gateway", activityName: "condition-activity", activityId: "condition-activity", x: 1080, y: -280, ports: ["true", "false", "error"], props: { expression: '{{ CustomerID != "" }}' } },
  { name: "PlayUnknownCaller", group: "action", activityName: "play-message", activityId: "5f114466ef5cfc454fbbf131", x: 1320, y: -280, ports: ["default", "error"], props: TTS("We could not find an account for this number. Let me connect you with an agent.") },
  { name: "MarkExisting", group: "set-variable", activityName: "set-variable", activityId: "set-variable", x: -120, y: -40, ports: ["out", "error"], props: setVars([["CustomerType", "STRING", "Existing"]]) },
  {
    name: "LookupLatestCase", group: "action", activityName: "http-request-v2", activityId: "http-request-v2", x: 120, y: -40, ports: ["default"],
    props: http("incidents?$select=title,ticketnumber,prioritycode,incidentid&$filter=_customerid_value eq {{CustomerID}} and statecode eq 0&$orderby=createdon desc&$top=1", [
      ["CaseId", "value[0].incidentid"],
      ["CaseTitle", "value[0].title"],
      ["CaseNumber", "value[0].ticketnumber"],
      ["CasePriority", "value[0].prioritycode"],
    ]),
  },
  { name: "CaseLookupOk", group: "enum-gateway", activityName: "condition-activity", activityId: "condition-activity", x: 360, y: -40, ports: ["true", "false", "error"], props: httpOk("LookupLatestCase") },
  { name: "HasOpenCase", group: "enum-gateway", activityName: "condition-activity", activityId: "condition-activity", x: 600, y: -40, ports: ["true", "false", "error"], props: { expression: '{{ CaseId != "" }}' } },
  {
    name: "PriorityFromCase", group: "set-variable", activityName: "set-variable", activityId: "set-variable", x: 840, y: -40, ports: ["out", "error"],
    props: setVars([["QueuePriority", "INTEGER", "{{ CasePriority == 1 ? 1 : (CasePriority == 2 ? 5 : (CasePriority == 3 ? 9 : 10)) }}"]]),
  },
  {
    name: "PlayCaseDetails", group: "action", activityName: "play-message", activityId: "5f114466ef5cfc454fbbf131", x: 1080, y: -40, ports: ["default", "error"],
    props: TTS("Hello {{ContactName}}. Your open case {{CaseNumber}}, about {{CaseTitle}}, is with our team."),
  },
  { name: "PlayNoOpenCase", group: "action", activityName: "play-message", activityId: "5f114466ef5cfc454fbbf131", x: 600, y: 200, ports: ["default", "error"], props: TTS("Hello {{ContactName}}. Let me connect you with an agent who can open a case for you.") },
  {
    name: "MainMenu", group: "enum-gateway", activityName: "ivr-menu", activityId: "5f1145ceef5cfc454fbbf134", x: 1080, y: 200, ports: ["1", "2", "timeout", "invalid", "error"],
    props: { ...TTS("Press 1 to speak with an agent about this case. Press 2 to end the call."), menuLinks: ["1", "2"], menuLinks_input: ["agent", "goodbye"], "menuLinks:input": ["agent", "goodbye"], entryTimeout: "5", interruptible: true },
  },
  { name: "Goodbye", group: "action", activityName: "play-message", activityId: "5f114466ef5cfc454fbbf131", x: 1320, y: 200, ports: ["default", "error"], props: TTS("Thank you for calling. Goodbye.") },
  { name: "DisconnectContact", group: "terminating-action", activityName: "disconnect-contact", activityId: "5faa898c8bf5b65b82f0706b", x: 1560, y: 200, ports: [], props: {} },
  // A CRM that answers but with an error status: the caller is not "unknown", the lookup failed.
  { name: "CrmTroublePriority", group: "set-variable", activityName: "set-variable", activityId: "set-variable", x: 120, y: 540, ports: ["out", "error"], props: setVars([["QueuePriority", "INTEGER", "5"]]) },
  { name: "PlayCrmTrouble", group: "action", activityName: "play-message", activityId: "5f114466ef5cfc454fbbf131", x: 360, y: 540, ports: ["default", "error"], props: TTS("We could not reach your account details just now. Let me connect you with an agent.") },
  {
    name: "QueueByCasePriority", group: "action", activityName: "queue-contact", activityId: "5f114550ef5cfc454fbbf133", x: 840, y: 540, ports: ["default", "failure"],
    props: {
      queueRadioGroup: "staticQueue",
      destination: QUEUE_ID,
      "destination:name": "Customer Care",
      destination_name: "Customer Care",
      destination_type: "LONGEST_AVAILABLE_AGENT",
      "destination:type": "LONGEST_AVAILABLE_AGENT",
      fallbackQueue: null,
      toggle: true,
      priorityRadioGroup: "variablePriority",
      priorityVariable: "{{QueuePriority}}",
      priority: null,
      skills: null,
    },
  },
  { name: "HoldMusic", group: "action", activityName: "play-music", activityId: "5faa2ad13505f538acc86afc", x: 1080, y: 540, ports: ["default", "error"], props: { prompt: "defaultmusic_on_hold.wav", audioRadioGroup: "staticAudio", duration: "30", skip: 0, promptDynamic: null } },
];

const mainLinks: Array<[string, string, string]> = [
  ["NewContact", "out", "StripANI"],
  ["StripANI", "out", "Greeting"],
  ["Greeting", "default", "CallerIdUsable"],
  ["CallerIdUsable", "true", "LookupContact"],
  ["CallerIdUsable", "false", "PlayUnknownCaller"],
  ["LookupContact", "default", "ContactLookupOk"],
  ["ContactLookupOk", "true", "KnownCaller"],
  ["ContactLookupOk", "false", "CrmTroublePriority"],
  ["KnownCaller", "true", "MarkExisting"],
  ["KnownCaller", "false", "PlayUnknownCaller"],
  ["MarkExisting", "out", "LookupLatestCase"],
  ["LookupLatestCase", "default", "CaseLookupOk"],
  ["CaseLookupOk", "true", "HasOpenCase"],
  ["CaseLookupOk", "false", "CrmTroublePriority"],
  ["HasOpenCase", "true", "PriorityFromCase"],
  ["HasOpenCase", "false", "PlayNoOpenCase"],
  ["PriorityFromCase", "out", "PlayCaseDetails"],
  ["PlayCaseDetails", "default", "MainMenu"],
  ["MainMenu", "1", "QueueByCasePriority"],
  ["MainMenu", "2", "Goodbye"],
  ["MainMenu", "timeout", "QueueByCasePriority"],
  ["MainMenu", "invalid", "QueueByCasePriority"],
  ["Goodbye", "default", "DisconnectContact"],
  ["PlayNoOpenCase", "default", "QueueByCasePriority"],
  ["PlayUnknownCaller", "default", "QueueByCasePriority"],
  ["CrmTroublePriority", "out", "PlayCrmTrouble"],
  ["PlayCrmTrouble", "default", "QueueByCasePriority"],
  ["QueueByCasePriority", "default", "HoldMusic"],
  ["HoldMusic", "default", "HoldMusic"],
];

interface EventSpec {
  ui: string;
  spec: string;
  specId: string;
  icon: string;
}

const EVENTS: EventSpec[] = [
  { ui: "AgentAnswered", spec: "AgentContactAssigned", specId: "5f354a0c6fb8c44e97ccb30d", icon: "icon-headset_16" },
  { ui: "AgentOffered", spec: "AgentOfferContact", specId: "637da544c02b556cf406d192", icon: "icon-audio-call_16" },
  { ui: "PhoneContactEnded", spec: "ContactEnded", specId: "5f354a336fb8c44e97ccb30e", icon: "icon-handset-muted_16" },
  { ui: "AgentDisconnected", spec: "FCAsk(ContactLastAgentRemoved)", specId: "5ffeafa86a7eff72a481c4b5", icon: "icon-headset-muted_16" },
  { ui: "OnGlobalError", spec: "GlobalErrorHandling", specId: "627c0663e98eca854178bba6", icon: "icon-error-legacy_16" },
];

const eventNodes: Node[] = EVENTS.map((e, i) => ({
  name: e.ui,
  group: "event",
  activityName: "Event",
  activityId: "event",
  x: -300,
  y: -200 + i * 200,
  ports: ["out"],
  props: {
    event: e.ui,
    displayName: e.ui,
    eventSpecificationName: e.spec,
    eventSpecificationId: e.specId,
    eventSourceName: "WebexContactCenter",
    eventClassificationName: "VoiceInteractions",
    iconDiagram: e.icon,
  },
}));

const popProps = (label: string, query: Record<string, string>) => ({
  screenPopUrl: `${CRM}?`,
  queryParameters: { appid: APP_ID, pagetype: "entityrecord", etn: "incident", ...query },
  screenPopDesktopLabel: label,
  target: "newBrowserTab",
});

eventNodes.push(
  { name: "CaseKnown", group: "enum-gateway", activityName: "condition-activity", activityId: "condition-activity", x: -60, y: -200, ports: ["true", "false", "error"], props: { expression: '{{ CaseId != "" }}' } },
  { name: "PopOpenCase", group: "action", activityName: "screen-pop", activityId: "5f36ab33791fbc3e0eae20c8", x: 180, y: -260, ports: ["default"], props: popProps("Open case {{CaseNumber}}", { id: "{{CaseId}}" }) },
  { name: "PopNewCase", group: "action", activityName: "screen-pop", activityId: "5f36ab33791fbc3e0eae20c8", x: 180, y: -140, ports: ["default"], props: popProps("New case for {{ ContactName | default(NewContact.ANI) }}", { customerid: "{{CustomerID}}", phone: "{{ANI}}" }) },
  { name: "EndAnswered", group: "end", activityName: "end", activityId: "end", x: 420, y: -200, ports: [], props: {} },
  { name: "EndOffered", group: "end", activityName: "end", activityId: "end", x: -60, y: 0, ports: [], props: {} },
  { name: "EndContactEnded", group: "end", activityName: "end", activityId: "end", x: -60, y: 200, ports: [], props: {} },
  { name: "EndAgentDisconnected", group: "end", activityName: "end", activityId: "end", x: -60, y: 400, ports: [], props: {} },
  { name: "ApologiseOnError", group: "action", activityName: "play-message", activityId: "5f114466ef5cfc454fbbf131", x: -60, y: 600, ports: ["default", "error"], props: TTS("We are having trouble reaching our systems. Please hold while we connect you to an agent.") },
  {
    name: "QueueAfterError", group: "action", activityName: "queue-contact", activityId: "5f114550ef5cfc454fbbf133", x: 180, y: 600, ports: ["default", "failure"],
    props: { queueRadioGroup: "staticQueue", destination: QUEUE_ID, "destination:name": "Customer Care", destination_name: "Customer Care", destination_type: "LONGEST_AVAILABLE_AGENT", toggle: true, priorityRadioGroup: "staticPriority", priority: "5", "priority:name": "P5 (Priority 5)", priority_name: "P5 (Priority 5)", priorityVariable: null, skills: null, fallbackQueue: null },
  },
  { name: "HoldMusicAfterError", group: "action", activityName: "play-music", activityId: "5faa2ad13505f538acc86afc", x: 420, y: 600, ports: ["default", "error"], props: { prompt: "defaultmusic_on_hold.wav", audioRadioGroup: "staticAudio", duration: "30", skip: 0, promptDynamic: null } },
  { name: "EndAfterError", group: "end", activityName: "end", activityId: "end", x: 420, y: 760, ports: [], props: {} },
);

const eventLinks: Array<[string, string, string]> = [
  ["AgentAnswered", "out", "CaseKnown"],
  ["CaseKnown", "true", "PopOpenCase"],
  ["CaseKnown", "false", "PopNewCase"],
  ["PopOpenCase", "default", "EndAnswered"],
  ["PopNewCase", "default", "EndAnswered"],
  ["AgentOffered", "out", "EndOffered"],
  ["PhoneContactEnded", "out", "EndContactEnded"],
  ["AgentDisconnected", "out", "EndAgentDisconnected"],
  ["OnGlobalError", "out", "ApologiseOnError"],
  ["ApologiseOnError", "default", "QueueAfterError"],
  ["QueueAfterError", "default", "HoldMusicAfterError"],
  ["QueueAfterError", "failure", "EndAfterError"],
  ["HoldMusicAfterError", "default", "HoldMusicAfterError"],
];

function process(nodes: Node[], links: Array<[string, string, string]>, scope: string) {
  const id = (name: string) => uuid(`${scope}:activity:${name}`);
  const activities: Record<string, unknown> = {};
  for (const n of nodes) {
    activities[id(n.name)] = {
      id: id(n.name),
      name: n.name,
      group: n.group,
      properties: { ...n.props, name: n.name, activityName: n.activityName, activityId: n.activityId, activityType: n.group === "set-variable" || n.group === "enum-gateway" ? "logic" : "core", description: "" },
    };
  }
  const linkDefs = links.map(([from, port, to], i) => {
    if (!nodes.some((n) => n.name === from) || !nodes.some((n) => n.name === to)) throw new Error(`bad link ${from} -> ${to}`);
    return { id: uuid(`${scope}:link:${i}`), sourceActivityId: id(from), targetActivityId: id(to), conditionExpr: port, properties: { value: port } };
  });
  const widgets: Record<string, unknown> = {};
  for (const n of nodes) {
    const wid = uuid(`${scope}:widget:${n.name}`);
    const ports = [...(n.group === "start" || n.group === "event" ? [] : ["in"]), ...n.ports].map((p) => ({
      portId: uuid(`${scope}:port:${n.name}:${p}`),
      isSourcePort: p === "in",
      links: linkDefs.filter((l) => (p === "in" ? l.targetActivityId === id(n.name) : l.sourceActivityId === id(n.name) && l.conditionExpr === p)).map((l) => l.id),
      properties: { name: p, label: p, alignment: p === "in" ? "left" : "right" },
    }));
    widgets[id(n.name)] = { id: wid, type: n.group, widgetType: "activity", label: n.name, point: { x: n.x, y: n.y }, ports, properties: activities[id(n.name)] && (activities[id(n.name)] as { properties: unknown }).properties };
  }
  for (const l of linkDefs) widgets[l.id] = { id: uuid(`${scope}:linkwidget:${l.id}`), type: "arrow", widgetType: "link", label: "", properties: {}, points: [] };
  return { process: { activities, links: linkDefs }, diagram: { widgets, properties: { offsetX: 400, offsetY: 300, zoom: 100, gridSize: 0 } } };
}

const variable = (name: string, type: string, value: string, cad: boolean, label = name) => ({
  name,
  description: "",
  type,
  value,
  isCAD: cad,
  desktopLabel: cad ? label : "",
  isAgentEditable: false,
  source: "",
  isReportable: false,
  overwrite: false,
  isSecure: false,
  id: "",
});

const mainPart = process(main, mainLinks, "main");
const eventPart = process(eventNodes, eventLinks, "events");
const onEvents: Record<string, string> = {};
for (const e of EVENTS) onEvents[e.spec] = uuid(`events:activity:${e.ui}`);

const flow = {
  orgId: "00000000-0000-4000-a000-00000000c0f1",
  version: 1,
  id: uuid("flow-version-1"),
  flowId: uuid("flow"),
  name: "Dynamics_Priority_Routing_Flow",
  description:
    "ccflow example: looks the caller up in Dynamics 365 by ANI, finds their newest open case, greets them by name, queues them at the case's priority (High P1, Normal P5, Low P9, none P10) and pops that case, or the new-case form, when an agent answers.",
  comment: "Written for ccflow in the Flow Designer export format",
  flowType: "FLOW",
  settings: [
    { name: "showActivityWait", value: "false", type: "BOOLEAN", group: "activityWait" },
    { name: "audioFile", value: "", type: "STRING", group: "activityWait" },
    { name: "delayTime", value: "2000", type: "INTEGER", group: "activityWait" },
  ],
  variables: [
    variable("ANI", "STRING", "", false),
    // Empty until the CRM answers: a placeholder such as "NA" would reach the agent's desktop.
    variable("CustomerID", "STRING", "", true, "Customer ID"),
    variable("ContactName", "STRING", "", true, "Customer"),
    variable("CustomerType", "STRING", "New", true, "Customer type"),
    variable("CaseId", "STRING", "", false),
    variable("CaseTitle", "STRING", "", true, "Case"),
    variable("CaseNumber", "STRING", "", true, "Case number"),
    variable("CasePriority", "INTEGER", "0", false),
    variable("QueuePriority", "INTEGER", "10", true, "Queue priority"),
  ],
  process: mainPart.process,
  diagram: mainPart.diagram,
  eventFlows: {
    eventsMap: {
      GLOBAL_EVENTS: { id: "GLOBAL_EVENTS", name: "", description: "", process: eventPart.process, onEvents, diagram: eventPart.diagram },
    },
    properties: { offsetX: 400, offsetY: 300, zoom: 100, gridSize: 0 },
  },
  variableOrders: { "pop-over": [], "interaction-panel": [] },
  runtimeVariables: [],
};

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, "../../examples/flows/Dynamics_Priority_Routing_Flow.json");
writeFileSync(out, `${JSON.stringify(flow, null, 2)}\n`);
console.log(`wrote ${out}`);
