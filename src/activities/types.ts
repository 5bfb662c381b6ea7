/**
 * What an activity handler is, and what the engine hands it. Handlers reach the outside world
 * only through this context: the caller channel, the HTTP gateway, the center and the clock.
 */
import type { CenterPort, ContactHandle } from "../center/types.js";
import type { CallerChannel } from "../channels/types.js";
import type { JsonPathMissMode } from "../connectors/jsonpath.js";
import type { HttpGateway } from "../connectors/types.js";
import type { Clock } from "../time/clock.js";
import type { CallEventInput } from "../engine/events.js";
import type { Scope, Template } from "../expr/types.js";
import type { ActivityDef, Diagnostic, FlowDefinition, VariableType } from "../flow/types.js";
import type { ActivityScripts } from "../environment/activity-scripts.js";

/** How a flow ends, when an activity ends it. */
export type EndKind =
  /** disconnect-contact: hang up. */
  | "disconnect"
  /** end: the current flow stops (in an event flow: the handler is done). */
  | "flow"
  /** end-subflow: return to the caller flow. */
  | "subflow"
  /** The contact left the IVR: transferred, callback registered. */
  | "transferred"
  | "callback";

export type ActivityOutcome = string | { end: EndKind };

// Activity files added before the move still import it from here; new code names util/activity-error.ts.
export { ActivityError, PropertyError } from "../util/activity-error.js";
import type { PropertyError } from "../util/activity-error.js";

export interface VariableStore {
  /** Typed value of a declared variable, an activity output (`Name.Output`) or context namespace. */
  get(name: string): unknown;
  /** Declared type of a flow variable, or undefined if not declared. */
  typeOf(name: string): VariableType | undefined;
  /** Assigns a declared variable, coercing to its type; throws ActivityError on a bad value. */
  set(name: string, value: unknown, activity?: string): void;
  /** Sets `<namespace>.<key>` (activity outputs, event data). */
  setOutput(namespace: string, key: string, value: unknown): void;
  /** Scope for templates. */
  scope(): Scope;
  isSecure(name: string): boolean;
}

export interface SubflowRunner {
  /** Runs a subflow by name/id with inputs; resolves with its SUBFLOW_OUTPUT variables. */
  run(ref: string, inputs: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>>;
}

export interface ActivityContext {
  readonly activity: ActivityDef;
  readonly flow: FlowDefinition;
  readonly interactionId: string;
  /** `main` or the event flow's spec name. */
  readonly flowName: string;
  readonly clock: Clock;
  /** Aborted when the running flow is interrupted (agent answered, caller hung up). */
  readonly signal: AbortSignal;
  readonly vars: VariableStore;
  readonly caller: CallerChannel;
  readonly http: HttpGateway;
  readonly center: CenterPort;
  readonly contact: ContactHandle;
  readonly subflows?: SubflowRunner;
  /** Business hours and other environment answers activities may need. */
  readonly env: ActivityEnvironment;
  /** Compiled (and cached) template of a property value; throws ActivityError naming the field. */
  template(source: string, field: string): Template;
  /** Renders a template property to text; render errors become ActivityError naming the field. */
  render(source: string | null | undefined, field: string): string;
  /** Native value of a single-expression template, else its text. */
  evaluate(source: string | null | undefined, field: string): unknown;
  /** Sets an output variable `<activity name>.<key>`. */
  output(key: string, value: unknown): void;
  emit(event: CallEventInput): void;
  /**
   * Raises PreDial for an outbound leg this activity is about to dial (a transfer to a number)
   * and resolves when its handler is done, so a Set Caller ID there applies to the leg.
   */
  preDial?(leg: OutboundLeg): Promise<void>;
  /** Keeps a scheduled callback: it is placed in its queue at `from`, and fails if not answered by `to`. */
  scheduleCallback?(booking: ScheduledCallbackBooking): void;
}

/**
 * An outbound leg Webex raises PreDial for: `operation` is `PreDial.OperationType` and
 * `participant` its `ParticipantType`, as in Cisco's operationType table (INBOUND/Agent,
 * COURTESY_CALLBACK/Customer, TRANSFER_TO_DN/DN, ...).
 */
export interface OutboundLeg {
  operation: string;
  participant: "Agent" | "Customer" | "DN" | "EP-DN";
  /** The number the leg dials (a customer's, a transfer destination); absent for an agent's. */
  dialNumber?: string;
}

export interface ScheduledCallbackBooking {
  number: string;
  queueId: string;
  /** Window start and end, epoch ms. */
  from: number;
  to: number;
}

export interface ActivityEnvironment {
  /** The environment file's `http:` options (flow-designer §12 #1, #2); absent means the defaults. */
  http?: HttpActivityOptions;
  /** Answers a business-hours activity; undefined when the environment does not define it. */
  businessHours?(scheduleId: string, at: number): { status: "workingHours" | "holidays" | "override" | "default"; shift?: string; holiday?: string; override?: string };
  /** Rewrites a screen-pop URL per the environment's host map. */
  rewriteScreenPop?(url: string): string;
  /** Flow referenced by a GoTo (hand-off) activity. */
  resolveFlow?(ref: string): FlowDefinition | undefined;
  /** Percentage Allocation's random source, uniform in [0, 1) (seedable: the environment's `activities.randomSeed`). */
  random?: () => number;
  /** The environment's `activities:` section (activity-scripts.ts): forced branches, far ends, surveys, the BRE URL. */
  scripts?: ActivityScripts;
  /**
   * Whether an audio prompt can be played, when the environment names a prompts folder: resolves
   * undefined, or what is wrong (the file is not in the folder, not a WAV). Absent: not checked.
   */
  checkPromptFile?(file: string): Promise<string | undefined>;
  /** The scripted answer of a virtual agent (ccflow runs no bot); undefined when none is scripted. */
  virtualAgent?(virtualAgentId: string): VirtualAgentAnswer | undefined;
}

/** What a scripted virtual agent's conversation came to. */
export interface VirtualAgentAnswer {
  /** The port the activity leaves by. */
  outcome: "ENDED" | "ESCALATE" | "error";
  metaData: Record<string, unknown>;
  stateEventName: string;
  transcriptUrl: string;
  /** What the bot says to the caller, in order. */
  prompts: string[];
  /** With outcome `error`: the error to report. */
  errorMessage?: string;
  /** The script's id (the virtual agent's own, or `*`), for messages. */
  scriptedAs: string;
}

/** How HTTP Request and Parse treat a timeout and a JSONPath that matches nothing. */
export interface HttpActivityOptions {
  /** `keep` leaves the variable unchanged (default); `empty` sets a STRING to "" and other types to null. */
  jsonPathMiss: JsonPathMissMode;
  /** `globalError`: a timeout is an activity error (default); `status408`: it leaves by `default` with status 408. */
  timeoutMode: "globalError" | "status408";
  /** `webex` (default): interpolated values go into URLs and bodies as rendered; `strict`: each is escaped for where it lands. */
  escaping?: "webex" | "strict";
}

/** A template-bearing property, for the validator: where it is and what it holds. */
export interface TemplateField {
  /** Property path relative to `properties` (`promptsTts[0].value`). */
  field: string;
  source: string;
}

/**
 * What an activity is made into once per flow: the work that depends only on the activity's
 * properties (its request plan, prompts, JSONPaths, allocations) is done by `compile`, and
 * `run` does one call's share. An activity with nothing to wait for may return its outcome
 * directly: the engine then goes on without a promise and a microtask turn per step.
 */
export interface ActivityStep {
  run(ctx: ActivityContext): Promise<ActivityOutcome> | ActivityOutcome;
  /**
   * True when `run` returns its outcome at once (never a promise) and keeps nothing that uses its
   * context once it has returned (no timer, callback or pending promise). The engine then lends it
   * a context it reuses for the process's next such step, instead of making one per step: no
   * later activity can be seen through it, since nothing of this one uses it after `run`.
   */
  readonly sync?: boolean;
}

/** What `compile` may ask of the flow being compiled. */
export interface FlowCompiler {
  readonly flow: FlowDefinition;
  /**
   * The flow's parsed template of a property value (each distinct text parsed once per flow);
   * throws ActivityError naming the activity and field when it does not parse. A step that must
   * not fail at compile time catches that and fails per call instead (ctx.render does so).
   */
  template(source: string, def: ActivityDef, field: string): Template;
  /**
   * Notes a property that is wrong whatever the call (a literal number that cannot be dialled):
   * the compiled flow lists it among its problems, and the step still does per call what the
   * activity does with such a value (set its failure outputs, leave by its failure port). A
   * property that leaves the activity nothing to do is thrown from `compile` instead.
   */
  report(problem: PropertyError): void;
}

export interface ActivitySpec {
  /** activityName as exported. */
  type: string;
  /** Other activityNames this handler also runs. */
  aliases?: string[];
  /** Output ports this activity can leave by, given its properties. */
  ports(def: ActivityDef): string[];
  /** Ports that may stay unwired without a warning (synonyms such as screen pop's `default`/`out`). */
  optionalPorts?: string[];
  /** Error-class ports (taken on ActivityError when wired). Default: `["error"]`. */
  errorPorts?: string[];
  /** Template-bearing properties, for validation and precompilation. */
  templates?(def: ActivityDef): TemplateField[];
  /** Extra checks (required properties, bad values); push diagnostics. */
  validate?(def: ActivityDef, report: (d: Omit<Diagnostic, "path" | "activity"> & { path?: string }) => void, flow: FlowDefinition): void;
  /** How many times this activity may run per contact before it fails (Webex self-loop limits). */
  loopLimit?: number;
  /**
   * Reads the activity's properties once, when its flow is compiled (CompiledFlow), and returns
   * the step every call runs. A property it cannot use is thrown as a PropertyError (the activity
   * then fails with it per call) or, when the step still has work to do with it, reported.
   */
  compile(def: ActivityDef, flow: FlowCompiler): ActivityStep;
}

/** The name activity files used while `compile` was optional; every spec is compiled now. */
export type CompiledActivitySpec = ActivitySpec;
