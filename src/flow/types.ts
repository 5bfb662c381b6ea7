/**
 * A Flow Designer export after loading: the same information, indexed for running.
 * The raw export is kept alongside (`raw`) so diagnostics can point at JSON paths in it.
 */

export type VariableType = "STRING" | "INTEGER" | "BOOLEAN" | "DECIMAL" | "DATE_TIME" | "JSON";

export interface VariableDef {
  name: string;
  type: VariableType;
  /** The export's value string (or null), uncoerced. */
  initial: string | null;
  isCAD: boolean;
  desktopLabel?: string;
  isSecure: boolean;
  isAgentEditable: boolean;
  /** `""` (flow), `GLOBAL`, `SUBFLOW_INPUT`, `SUBFLOW_OUTPUT`, or a comma list of the last two. */
  source: string;
  /** JSON path of the entry in the export, for diagnostics. */
  path: string;
}

export interface ActivityDef {
  id: string;
  name: string;
  group: string;
  /** activityName (`play-message`); event handlers get `event` whatever the export says. */
  type: string;
  properties: Record<string, unknown>;
  /** Which process it belongs to: `main` or `event`. */
  process: "main" | "event";
  /** JSON path of the activity in the export (`$.process.activities['<id>']`). */
  path: string;
}

export interface LinkDef {
  id: string;
  source: string;
  target: string;
  port: string;
  path: string;
}

export interface ProcessDef {
  activities: Map<string, ActivityDef>;
  links: LinkDef[];
  /** (sourceId, port) → target id. */
  next: Map<string, Map<string, string>>;
}

export interface EventHandlerDef {
  /** eventSpecificationName: the onEvents key (`AgentContactAssigned`). */
  specName: string;
  /** UI name (`AgentAnswered`). */
  eventName: string;
  activityId: string;
}

export interface FlowDefinition {
  name: string;
  id?: string;
  flowId?: string;
  version?: number;
  flowType: "FLOW" | "SUBFLOW";
  variables: Map<string, VariableDef>;
  main: ProcessDef;
  /** The start activity of the main process. */
  startId: string;
  events: ProcessDef;
  /** By eventSpecificationName. */
  handlers: Map<string, EventHandlerDef>;
  /** Layout from `diagram.widgets`: activity id → position, for drawing. */
  layout: Map<string, { x: number; y: number }>;
  eventLayout: Map<string, { x: number; y: number }>;
  raw: unknown;
  /** Where it was loaded from, for messages. */
  file?: string;
}

export type Severity = "error" | "warning";

export interface Diagnostic {
  severity: Severity;
  /** Stable machine code (`unknown-activity`, `dangling-link`, `bad-expression`, ...). */
  code: string;
  message: string;
  /** JSON path in the export. */
  path: string;
  activity?: { id: string; name: string };
  /** For expression errors: the template and the 0-based offset in it. */
  expression?: { source: string; position: number };
}
