/**
 * One contact's life: the main flow's step loop, event flows run one at a time in arrival order,
 * error routing (wired error port, else OnGlobalError, else the call drops), and the end of the
 * call. Everything observable leaves as a CallEvent.
 */
import { ActivityError } from "../util/activity-error.js";
import type { ActivityContext, ActivityEnvironment, ActivityOutcome, ActivitySpec, EndKind, OutboundLeg, ScheduledCallbackBooking, SubflowRunner } from "../activities/types.js";
import type { ActivityRegistry } from "../activities/registry.js";
import type { AgentInfo, CenterNotice, CenterPort, ContactHandle, QueueInfo } from "../center/types.js";
import type { CallerChannel } from "../channels/types.js";
import type { HttpGateway } from "../connectors/types.js";
import { isExprError, workThisTurn, WORK_PER_TURN } from "../expr/index.js";
import type { Template } from "../expr/types.js";
import { EVENT_NAMES, START_NAMESPACES, eventNamespaces, findEvent } from "../flow/event-names.js";
import type { ActivityDef, FlowDefinition, ProcessDef } from "../flow/types.js";
import { CallSignal } from "../time/call-signal.js";
import { startTimer, type Clock, type ClockTimer } from "../time/clock.js";
import type { Due, DueQueue } from "../time/due-queue.js";
import type { CallEvent, CallEventInput, CallEventListener, EndedEvent } from "./events.js";
import type { CompiledFlow } from "./compiled-flow.js";
import { ContactState, MAX_SUBFLOW_DEPTH, type Phase } from "./contact-state.js";
import { AGENT_DECLINED_REASON, AGENT_RONA_REASON, CALLBACK_FAILURE_REASONS, SCHEDULE_EXPIRED_REASON, campaignResultData, dialOutcome, preDialData, type CampaignStart, type DialFirst } from "./outbound-legs.js";
import { MASK, Variables } from "./variables.js";

export interface EngineLimits {
  /** Activities one contact may run in all, main and event flows together. */
  maxSteps: number;
  /** Longest a contact may last, ms (Webex caps time in queue at 24 h). */
  maxCallMs: number;
}

export const DEFAULT_LIMITS: EngineLimits = { maxSteps: 10_000, maxCallMs: 24 * 3600 * 1000 };

export interface InteractionDeps {
  registry: ActivityRegistry;
  http: HttpGateway;
  center: CenterPort;
  clock: Clock;
  env: ActivityEnvironment;
  limits: EngineLimits;
  /** For unexpected failures: the stack goes here, never to the caller's transcript. */
  logError?: (message: string, err: unknown) => void;
  /** Template render options (the clock's `now`), shared by every call of an engine. */
  renderOptions?: { now: () => number };
  /** The engine's compiled form of a flow (subflows and GoTo targets, compiled on first use). */
  compile(flow: FlowDefinition): CompiledFlow;
  /** Times the contacts' maxCallMs with one timer (time/due-queue.ts); without it each contact starts its own. */
  callLimits?: DueQueue;
}

export interface CallOptions {
  ani: string;
  dnis?: string;
  interactionId?: string;
  channel: CallerChannel;
  listener?: CallEventListener;
  /** Global variables' values (`Global_Language`), by name. */
  globals?: Record<string, unknown>;
  /** Extra start-event fields (EntryPointId, Headers, ...). */
  startData?: Record<string, unknown>;
  /**
   * Finds this call's subflows and GoTo targets, in place of the environment's: the set of flows
   * as it was when the call started (serve --watch replaces flows for new calls only).
   */
  resolveFlow?: (ref: string) => FlowDefinition | undefined;
  /** An outbound campaign contact: the customer was dialled and call progress analysis found `result`. */
  campaign?: CampaignStart;
  /**
   * The customer is dialled by ccflow itself (an agent's outdial, a dialler's campaign call):
   * PreDial runs for that leg first, then `dial`; the flow goes on only once the customer answered.
   */
  dialFirst?: DialFirst;
  /**
   * A web callback: a customer asked (on a web page) to be called at `number`. There is no
   * caller's leg, so the main flow does not run: the callback waits in `queueId` and the flow's
   * event flows run for it as for a courtesy callback, with PreDial's WEB_CALLBACK legs.
   */
  webCallback?: { number: string; queueId: string };
  /**
   * A contact restored after a restart, its caller long gone, that waited on these callbacks:
   * they are placed again (a scheduled one not yet due is re-armed for its window).
   */
  resume?: { callbacks: PendingCallback[]; operation: CallbackOperation; steps?: number };
  /** Told the contact's pending callbacks each time they change (empty once none is left). */
  onCallbacksChanged?: (pending: PendingCallback[], operation: CallbackOperation) => void;
}

export type CallbackOperation = "COURTESY_CALLBACK" | "WEB_CALLBACK";

/** A callback a contact waits on, as it can be kept and placed again after a restart. */
export interface PendingCallback {
  number: string;
  queueId: string;
  /** A scheduled callback not yet placed: its window opens then (epoch ms). */
  from?: number;
  /** A scheduled callback's window end (epoch ms). */
  until?: number;
}

/** A callback this contact asked for and waits on (registered, or scheduled for later). */
interface CallbackLeg {
  number: string;
  queueId: string;
  /** A scheduled callback not yet placed in its queue: its window start. */
  from?: number;
  /** A scheduled callback's window end: still not answered then, it fails. */
  until?: number;
  timer?: ClockTimer;
}

type Exit =
  | { kind: "end"; end: EndKind | "unwired"; activity?: ActivityDef }
  | { kind: "error"; message: string; activity?: ActivityDef }
  | { kind: "interrupted" };

const INTERRUPTED: Exit = Object.freeze({ kind: "interrupted" });

/** A live campaign customer the dialler puts in the campaign's queue waits at the highest priority: they are already on the line. */
const LIVE_VOICE_PRIORITY = 1;

/** No activity has this port: a self-loop limit hit a second time goes to OnGlobalError. */
const LOOP_LIMIT_PORT = "(self-loop limit)";

/**
 * The names an event's data is read under, per spec name: a table of the known events made once
 * at load (it is data, not a cache: nothing is added at run time).
 */
const EVENT_NAMESPACES = new Map<string, string[]>(EVENT_NAMES.map((e) => [e.spec, eventNamespaces(e)]));
function namespacesOf(specName: string): string[] | null {
  const names = EVENT_NAMESPACES.get(specName);
  if (names) return names;
  const known = findEvent(specName);
  return known ? eventNamespaces(known) : null;
}


interface Frame {
  compiled: CompiledFlow;
  vars: Variables;
}

let counter = 0;
let idMs = -1;
/** The clock's last 6 hex digits as character codes, for the millisecond of the last id. */
const idTime = [0, 0, 0, 0, 0, 0];

/** The character code of a hex digit (0-15), lower case. */
function hexCode(n: number): number {
  return n < 10 ? 48 + n : 87 + n;
}

/**
 * `rrrrrrrr-tttttt-cccccc`: random, the clock's last 6 hex digits, a counter (one per call). Made
 * from character codes in one call: a template literal of its ten parts built a chain of cons
 * strings, which V8 then flattens into a copy the first time the id is used as a key.
 */
function newInteractionId(): string {
  counter = (counter + 1) % 0x1000000;
  const now = Date.now();
  if (now !== idMs) {
    idMs = now;
    for (let i = 0; i < 6; i++) idTime[i] = hexCode(Math.floor(now / 16 ** (5 - i)) % 16);
  }
  const r = Math.floor(Math.random() * 0x100000000);
  const c = counter;
  const t = idTime;
  return String.fromCharCode(
    hexCode(r >>> 28), hexCode((r >>> 24) & 15), hexCode((r >>> 20) & 15), hexCode((r >>> 16) & 15),
    hexCode((r >>> 12) & 15), hexCode((r >>> 8) & 15), hexCode((r >>> 4) & 15), hexCode(r & 15),
    45, t[0]!, t[1]!, t[2]!, t[3]!, t[4]!, t[5]!, 45,
    hexCode(c >>> 20), hexCode((c >>> 16) & 15), hexCode((c >>> 12) & 15), hexCode((c >>> 8) & 15), hexCode((c >>> 4) & 15), hexCode(c & 15),
  );
}

export class Interaction implements ContactHandle, Due {
  readonly interactionId: string;
  readonly dnis: string;
  /** Resolves once the contact has ended and every event flow has finished. */
  readonly done: Promise<EndedEvent>;
  readonly flow: FlowDefinition;

  private readonly vars: Variables;
  private readonly listeners: CallEventListener[] = [];
  // CallSignals, not AbortControllers: see call-signal.ts.
  private readonly mainAbort = new CallSignal();
  private readonly lifetime = new CallSignal();
  /** The call-length limit's own timer: without the engine's the engine's queue of call limits, or once Schedule Callback moved it. */
  private limitTimer: ClockTimer | undefined;
  /** Where this contact's limit sits in the engine's queue of call limits (see Due). */
  dueAt = 0;
  dueSlot = -1;
  private eventChain: Promise<void> = SETTLED;
  /** Phase, ending, OnGlobalError, subflow depth: one machine (contact-state.ts). */
  private readonly st = new ContactState();
  private steps = 0;

  /** Activities run so far (main and event flows), against the limits' maxSteps. */
  get stepCount(): number {
    return this.steps;
  }
  /** Runs per activity id, for activities with a self-loop limit; made on the first such activity. */
  private visits: Map<string, number> | undefined;
  private resolveDone!: (e: EndedEvent) => void;
  private agent?: AgentInfo;
  private queue?: QueueInfo;
  private runner: SubflowRunner | undefined;
  private currentAni: string;
  /** Callbacks this contact waits on, by the center's callback id (or `scheduled-N` before it is placed). */
  private callbackLegs: Map<string, CallbackLeg> | undefined;
  /** The caller's leg is gone, but the contact lives on for its callbacks. */
  private callerGone = false;
  /**
   * PreDial's operation for the next agent leg the center offers (INBOUND, COURTESY_CALLBACK,
   * TRANSFER_TO_AGENT); undefined for a campaign contact, whose agent leg Cisco's table lists no
   * operation for (the dialler's own).
   */
  private agentLeg: string | undefined = "INBOUND";
  /** PreDial's operation for a callback's legs: the Callback activity's, or a web form's. */
  private callbackOperation: CallbackOperation = "COURTESY_CALLBACK";
  /** Queue Contacts that succeeded, to see whether a CallbackFailed handler queued the contact again. */
  private queuings = 0;
  /** The campaign result's handler has not finished: the main flow's End Flow does not end the call. */
  private campaignPending = false;
  private mainEnded = false;
  /** The campaign this contact belongs to: as the call started, or as its dialler found once it answered. */
  private campaign: CampaignStart | undefined;

  constructor(
    /** The flow as compiled when the call started: a flow replaced meanwhile does not change it. */
    readonly compiled: CompiledFlow,
    private readonly deps: InteractionDeps,
    private readonly options: CallOptions,
  ) {
    const flow = compiled.flow;
    this.flow = flow;
    this.interactionId = options.interactionId ?? newInteractionId();
    this.currentAni = options.ani;
    this.dnis = options.dnis ?? "";
    if (options.listener) this.listeners.push(options.listener);
    this.done = new Promise(captureResolve);
    this.resolveDone = captured!;
    captured = undefined;
    this.vars = new Variables(compiled.layout, (name, value, activity) => this.variableChanged(name, value, activity));
    if (options.globals) {
      for (const [name, value] of Object.entries(options.globals)) {
        if (flow.variables.has(name)) this.vars.assignRaw(name, value);
      }
    }
    const start = {
      ANI: this.ani,
      DNIS: this.dnis,
      InteractionId: this.interactionId,
      FlowId: flow.flowId ?? flow.id ?? "",
      FlowVersionLabel: flow.version !== undefined ? String(flow.version) : "",
      EntryPointId: "",
      OrgId: "",
      PSTNRegion: "",
      Headers: {},
      CallbackType: "",
      CallbackReason: "",
      ...options.startData,
    };
    this.vars.setNamespace(START_NAMESPACES, start);
  }

  /** A variable event, built stamped (see deliver): six or so per call. */
  private variableChanged(name: string, value: unknown, activity: string | undefined): void {
    const at = this.deps.clock.now();
    if (activity === undefined) this.deliver({ type: "variable", name, value, at, interactionId: this.interactionId });
    else this.deliver({ type: "variable", name, value, activity, at, interactionId: this.interactionId });
  }

  /** The caller's number: as the call arrived, or as ContactAniUpdated last changed it. */
  get ani(): string {
    return this.currentAni;
  }

  /** Adds a listener for this contact's events. */
  on(listener: CallEventListener): void {
    this.listeners.push(listener);
  }

  get variables(): Variables {
    return this.vars;
  }

  get state(): Phase {
    return this.st.phase;
  }

  /** Starts the main flow; returns at once. */
  start(): this {
    const limits = this.deps.callLimits;
    if (limits) limits.addNotBefore(this, this.deps.clock.now() + this.deps.limits.maxCallMs);
    else this.limitTimer = startTimer(this.deps.clock, this.deps.limits.maxCallMs, () => this.limitReached());
    const web = this.options.webCallback;
    if (web) {
      this.startWaiting([{ number: web.number, queueId: web.queueId }], "WEB_CALLBACK");
      return this;
    }
    const resume = this.options.resume;
    if (resume) {
      // The runaway limit counts the contact's whole life, not what ran since the restart.
      this.steps = resume.steps ?? 0;
      this.startWaiting(resume.callbacks, resume.operation);
      return this;
    }
    const dialFirst = this.options.dialFirst;
    if (dialFirst) {
      void this.dialThenStart(dialFirst);
      return this;
    }
    this.campaign = this.options.campaign;
    this.startAnswered(true);
    return this;
  }

  /** The call-length limit is reached, told by the engine's queue of call limits. */
  comeDue(): void {
    this.limitReached();
  }

  /** The call-length limit is reached (the engine's queue of call limits, or the contact's own timer). */
  limitReached(): void {
    if (this.lifetime.aborted) return;
    this.emit({ type: "error", message: `the call reached the ${Math.round(this.deps.limits.maxCallMs / 1000)} s limit`, handling: "end" });
    this.finish("max-duration");
  }

  /** The customer's leg is up: the campaign result's handler and the main flow run. */
  private startAnswered(preDialed: boolean): void {
    const campaign = this.campaign;
    if (campaign) {
      this.campaignPending = true;
      this.agentLeg = undefined;
      // The dialler called the customer (PreDial for the customer's leg, Cisco's table names the
      // preview kind only), then call progress analysis gave its result.
      if (campaign.mode === "preview" && preDialed) void this.dispatch("ContactPredial", preDialData({ operation: "PREVIEW_CAMPAIGN", participant: "Customer", dialNumber: this.ani }, this));
      void this.dispatch("ContactOutboundCampaignResult", campaignResultData(campaign)).then(() => this.afterCampaignResult(campaign));
    }
    void this.runMain();
  }

  /**
   * PreDial for the customer's leg (its handler may set the caller id), then the dial: an
   * unanswered call ends the contact with the dial's reason; an answered one goes on as a
   * campaign call, or straight to the agent who dialled it (outdial: the main flow does not run).
   */
  private async dialThenStart(d: DialFirst): Promise<void> {
    this.agentLeg = undefined;
    if (d.leg) await this.dispatch("ContactPredial", preDialData(d.leg, this));
    if (this.st.closing) return;
    const outcome = await d.dial();
    if (this.st.closing) return;
    if (!outcome.answered) return this.finish(outcome.reason);
    if (outcome.agentId === undefined) {
      this.campaign = outcome.campaign;
      return this.startAnswered(false);
    }
    const result = this.deps.center.queueToAgent({ contact: this, destination: outcome.agentId, lookup: "agentId", priority: LIVE_VOICE_PRIORITY, park: true });
    if (!result.ok) {
      this.emit({ type: "error", message: `connecting agent "${outcome.agentId}": ${result.description}`, handling: "end" });
      return this.finish("agent-unavailable");
    }
    this.emitFromActivity({ type: "queued", queue: `agent:${result.agent.id}`, priority: LIVE_VOICE_PRIORITY });
  }

  /**
   * A contact with no caller's leg that waits on callbacks from the start (a web callback, or one
   * restored after a restart): each is placed in its queue, or re-armed for its window. One the
   * center refuses is reported; with none left, the contact ends at once.
   */
  private startWaiting(callbacks: readonly PendingCallback[], operation: CallbackOperation): void {
    this.callbackOperation = operation;
    this.callerGone = true;
    const now = this.deps.clock.now();
    for (const cb of callbacks) {
      if (cb.from !== undefined && cb.until !== undefined && cb.from > now) {
        this.scheduleCallback({ number: cb.number, queueId: cb.queueId, from: cb.from, to: cb.until });
        continue;
      }
      this.pendingWindowEnd = cb.until;
      try {
        const placed = this.deps.center.registerCallback({ contact: this, number: cb.number, queueId: cb.queueId });
        if (!placed.ok) this.emit({ type: "error", message: `callback to ${cb.number}: ${placed.description}`, handling: "end" });
        else this.emit({ type: "callback", number: cb.number, queue: cb.queueId });
      } finally {
        this.pendingWindowEnd = undefined;
      }
    }
    if (!this.callbackLegs?.size) this.finish("callback-refused");
  }

  /** The kind of callback the contact waits on (PreDial's OperationType for its legs). */
  get callbackKind(): CallbackOperation {
    return this.callbackOperation;
  }

  /** The callbacks this contact waits on now, as they can be placed again after a restart. */
  pendingCallbacks(): PendingCallback[] {
    const out: PendingCallback[] = [];
    for (const leg of this.callbackLegs?.values() ?? []) {
      out.push({ number: leg.number, queueId: leg.queueId, ...(leg.from !== undefined ? { from: leg.from } : {}), ...(leg.until !== undefined ? { until: leg.until } : {}) });
    }
    return out;
  }

  private callbacksChanged(): void {
    this.options.onCallbacksChanged?.(this.st.closing ? [] : this.pendingCallbacks(), this.callbackOperation);
  }

  /**
   * After OutboundCampaignCallResult: an answering machine or an abandoned call ends unless its
   * handler kept the contact (queued it, or still runs the IVR); Webex ends it when no handler is
   * configured. A live voice carries on with the flow.
   */
  private afterCampaignResult(campaign: CampaignStart): void {
    this.campaignPending = false;
    if (this.st.closing || this.st.phase !== "ivr") return;
    if (campaign.result !== "LIVE_VOICE") return this.finish(`campaign-${campaign.result.toLowerCase()}`);
    if (this.mainEnded && !this.routeLiveVoice()) this.finish("flow-ended");
  }

  /**
   * A live customer of a campaign whose flow left them unqueued: placed in the campaign's queue,
   * as Webex's dialler connects a live voice to the campaign's agents. False when the campaign
   * names no queue (the call then ends as any flow's End Flow ends it).
   */
  private routeLiveVoice(): boolean {
    const campaign = this.campaign;
    if (campaign?.result !== "LIVE_VOICE") return false;
    if (campaign.agentId !== undefined) {
      // The dialler reserved this agent for the customer: they wait for that agent only.
      const parked = this.deps.center.queueToAgent({ contact: this, destination: campaign.agentId, lookup: "agentId", priority: LIVE_VOICE_PRIORITY, park: true, ...(campaign.queueId ? { reportingQueueId: campaign.queueId } : {}) });
      if (parked.ok) {
        this.emitFromActivity({ type: "queued", queue: campaign.queueId ?? `agent:${parked.agent.id}`, priority: LIVE_VOICE_PRIORITY });
        return true;
      }
      // Not connected to the reserved agent: the campaign's queue, when it names one, takes them.
      this.emit({ type: "error", message: `the campaign's reserved agent "${campaign.agentId}": ${parked.description}` });
    }
    if (!campaign.queueId) return false;
    const result = this.deps.center.queueContact({ contact: this, queueId: campaign.queueId, priority: LIVE_VOICE_PRIORITY });
    if (!result.ok) {
      this.emit({ type: "error", message: `the campaign's queue "${campaign.queueId}": ${result.description}`, handling: "end" });
      return false;
    }
    this.markQueued(result.queue);
    this.emit({ type: "queued", queue: result.queue.id, queueName: result.queue.name, priority: LIVE_VOICE_PRIORITY });
    return true;
  }

  // ---- ContactHandle (the center talks to us through this) ----

  callAssociatedData(): Array<{ label: string; name: string; value: string }> {
    const out: Array<{ label: string; name: string; value: string }> = [];
    for (const def of this.vars.definitions()) {
      if (!def.isCAD) continue;
      const v = this.vars.get(def.name);
      const text = def.isSecure ? MASK : v === null || v === undefined ? "" : typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
      out.push({ label: def.desktopLabel ?? def.name, name: def.name, value: text });
    }
    return out;
  }

  notify(notice: CenterNotice): void {
    if (this.st.phase === "ended" && notice.type !== "ended") return;
    switch (notice.type) {
      case "offered":
        this.st.on("offered");
        // Built stamped (see deliver), as the other events every call has.
        this.deliver({ type: "offered", agent: notice.agent.id, agentName: notice.agent.name, queue: notice.queue.id, at: this.deps.clock.now(), interactionId: this.interactionId });
        // Webex runs PreDial before it dials the agent's leg (Set Caller ID sits there): of an
        // inbound call, a courtesy callback, or a transferred contact. AgentOffered is not raised
        // for campaign contacts (Cisco's help: not supported for preview, progressive, predictive).
        if (this.agentLeg) this.dispatch("ContactPredial", preDialData({ operation: this.agentLeg, participant: "Agent" }, this));
        if (!this.campaign) this.dispatch("AgentOfferContact", agentData(notice.agent, notice.queue));
        break;
      case "rona":
      case "declined":
        this.st.on("requeued");
        this.emit({ type: "requeued", agent: notice.agent.id, agentName: notice.agent.name, reason: notice.type === "rona" ? "rona" : "declined" });
        break;
      case "answered":
        this.st.on("answered");
        this.agent = notice.agent;
        this.queue = notice.queue;
        this.deliver({ type: "answered", agent: notice.agent.id, agentName: notice.agent.name, queue: notice.queue.id, at: this.deps.clock.now(), interactionId: this.interactionId });
        // The agent's answer ends the IVR leg: hold music and whatever the main flow was doing stop.
        this.mainAbort.abort(InterruptedError.of("answered"));
        this.dispatch("AgentContactAssigned", agentData(notice.agent, notice.queue));
        break;
      case "consulting":
        // Webex runs PreDial before it dials a consult leg (Cisco's table: CONSULT_TO_AGENT, and
        // CONSULT_TO_QUEUE when the agent consulted a queue; the leg rings an agent either way).
        this.dispatch("ContactPredial", preDialData({ operation: notice.queue ? "CONSULT_TO_QUEUE" : "CONSULT_TO_AGENT", participant: "Agent" }, this));
        break;
      case "transferred":
        if (notice.number !== undefined) {
          // Out of the center to a number (the same event as the flow's Blind Transfer); the caller
          // stays on the line with them, so the contact goes on until either side hangs up.
          this.emit({ type: "transferred", destination: notice.number });
          break;
        }
        // Back to waiting: for a queue's agents, or for the one agent named (AgentOffered and
        // AgentAnswered run again for whoever takes it).
        this.st.on("requeued");
        this.emit({
          type: "requeued",
          agent: notice.agent.id,
          agentName: notice.agent.name,
          reason: "transfer",
          ...(notice.queue ? { queue: notice.queue.id, queueName: notice.queue.name } : {}),
          ...(notice.to ? { to: notice.to.id, toName: notice.to.name } : {}),
        });
        if (notice.queue) this.queue = notice.queue;
        this.agentLeg = "TRANSFER_TO_AGENT";
        break;
      case "agent-disconnected":
        // No `activity` key at all (emit would delete an undefined one, and a delete turns the event into a dictionary).
        this.deliver({ type: "disconnected", by: "agent", at: this.deps.clock.now(), interactionId: this.interactionId });
        this.dispatch("FCAsk(ContactLastAgentRemoved)", agentData(notice.agent, notice.queue));
        this.finish("agent-ended", { centerKnows: true });
        break;
      case "ended":
        this.finish(notice.reason, { centerKnows: true });
        break;
    }
  }

  /**
   * The caller's leg is gone. `reason` is the contact's end reason: `caller-hangup` when the
   * caller hung up; a channel that drops a caller who vanished names why (`rtp-timeout`).
   */
  hangup(reason = "caller-hangup"): void {
    if (this.st.closing) return;
    // Already gone, waiting on a callback: the contact is given up, its callbacks withdrawn.
    if (this.callerGone) return this.cancelCallbacks();
    this.emit({ type: "disconnected", by: reason === "caller-hangup" ? "caller" : "system" });
    if (this.awaitCallbacks(reason)) return;
    this.finish(reason);
  }

  /**
   * The caller's leg ended with a callback registered: the contact lives on (its event flows run
   * for the callback), it only leaves the queue it waited in. False when no callback is pending.
   */
  private awaitCallbacks(reason: string): boolean {
    if (!this.callbackLegs?.size || this.callerGone) return false;
    this.callerGone = true;
    this.mainAbort.abort(InterruptedError.of(reason));
    this.deps.center.contactEnded(this.interactionId, "callback");
    return true;
  }

  // ---- callbacks (courtesy and scheduled) ----

  private cancelCallbacks(): void {
    for (const [id, leg] of this.callbackLegs ?? []) {
      leg.timer?.cancel();
      // A scheduled one not yet placed (`scheduled-N`) is not with the center.
      if (!id.startsWith("scheduled-")) this.deps.center.contactEnded(id, "callback-cancelled");
    }
    this.callbackLegs?.clear();
    this.finish("callback-cancelled", { centerKnows: true });
  }

  callbackRegistered(callbackId: string, number: string, queueId = ""): void {
    if (this.st.closing) return;
    const legs = (this.callbackLegs ??= new Map());
    const leg: CallbackLeg = { number, queueId };
    const until = this.pendingWindowEnd;
    if (until !== undefined) {
      leg.until = until;
      leg.timer = startTimer(this.deps.clock, Math.max(0, until - this.deps.clock.now()), () => {
        // The window closed with the callback still not connected: it leaves its queue and fails.
        if (this.callbackLegs?.get(callbackId) !== leg) return;
        void this.callbackFailed(callbackId, leg, SCHEDULE_EXPIRED_REASON, "callback-expired");
      });
    }
    legs.set(callbackId, leg);
    this.callbacksChanged();
  }

  /** The window end of the scheduled callback being placed right now (read by callbackRegistered). */
  private pendingWindowEnd: number | undefined;
  private scheduledSeq = 0;

  callbackNotice(callbackId: string, notice: CenterNotice): void {
    const leg = this.callbackLegs?.get(callbackId);
    if (!leg || this.st.closing) return;
    switch (notice.type) {
      case "offered":
        this.agentLeg = this.callbackOperation;
        return this.notify(notice);
      case "answered":
        // The agent took the callback: now the customer is dialled.
        void this.dialCustomer(callbackId, leg, notice);
        return;
      case "rona":
      case "declined":
        // The center has already withdrawn it (a callback is not offered round again).
        void this.callbackFailed(callbackId, leg, notice.type === "rona" ? AGENT_RONA_REASON : AGENT_DECLINED_REASON);
        return;
      case "agent-disconnected":
      case "ended":
        this.callbackLegs!.delete(callbackId);
        leg.timer?.cancel();
        this.callbacksChanged();
        return this.notify(notice);
      default:
        return this.notify(notice);
    }
  }

  private async dialCustomer(callbackId: string, leg: CallbackLeg, answered: Extract<CenterNotice, { type: "answered" }>): Promise<void> {
    await this.dispatch("ContactPredial", preDialData({ operation: this.callbackOperation, participant: "Customer", dialNumber: leg.number }, this));
    const dial = dialOutcome(this.deps.env.scripts?.callbackDials, leg.number);
    if (dial.ringSeconds > 0) await this.deps.clock.sleep(dial.ringSeconds * 1000, this.lifetime.asAbortSignal()).catch(() => undefined);
    if (this.st.closing || this.callbackLegs?.get(callbackId) !== leg) return;
    if (dial.outcome === "answered") {
      leg.timer?.cancel();
      return this.notify(answered);
    }
    // The agent's leg is dropped (wrap-up) and the callback leaves the center.
    await this.callbackFailed(callbackId, leg, CALLBACK_FAILURE_REASONS[dial.outcome], `callback-${dial.outcome}`);
  }

  /**
   * CallbackFailed runs with `reason`; afterwards the contact ends unless its handler asked for
   * another callback or queued it again (Webex's retry pattern: Wait, then Callback).
   */
  private async callbackFailed(callbackId: string, leg: CallbackLeg, reason: string, centerReason?: string): Promise<void> {
    this.callbackLegs?.delete(callbackId);
    leg.timer?.cancel();
    this.callbacksChanged();
    // After the leg is forgotten: the center's notices about it (agent-disconnected) are then ignored.
    if (centerReason) this.deps.center.contactEnded(callbackId, centerReason);
    this.emit({ type: "callback", number: leg.number, state: "failed", reason });
    const queuings = this.queuings;
    await this.dispatch("ContactCallbackFailed", { reason });
    if (this.st.closing || this.callbackLegs?.size || this.queuings !== queuings) return;
    if (this.callerGone) this.finish("callback-failed", { centerKnows: true });
  }

  /**
   * Schedule Callback: the callback waits for its window. At `from` it is placed in its queue
   * with the center's callback machinery; not answered by `to`, it fails (CallbackFailed). The
   * contact stays open until then: the call-length limit counts from the window's end.
   */
  scheduleCallback(booking: ScheduledCallbackBooking): void {
    if (this.st.closing) return;
    const key = `scheduled-${++this.scheduledSeq}`;
    const leg: CallbackLeg = { number: booking.number, queueId: booking.queueId, from: booking.from, until: booking.to };
    (this.callbackLegs ??= new Map()).set(key, leg);
    this.callbacksChanged();
    const now = this.deps.clock.now();
    this.deps.callLimits?.remove(this);
    this.limitTimer?.cancel();
    this.limitTimer = startTimer(this.deps.clock, booking.to - now + this.deps.limits.maxCallMs, () => {
      if (this.lifetime.aborted) return;
      this.finish("max-duration");
    });
    leg.timer = startTimer(this.deps.clock, Math.max(0, booking.from - now), () => {
      if (this.st.closing || this.callbackLegs?.get(key) !== leg) return;
      this.callbackLegs.delete(key);
      this.pendingWindowEnd = booking.to;
      try {
        const placed = this.deps.center.registerCallback({ contact: this, number: booking.number, queueId: booking.queueId });
        if (!placed.ok) void this.callbackFailed(key, leg, placed.code);
      } finally {
        this.pendingWindowEnd = undefined;
      }
    });
  }

  /** Raises PreDial for a leg an activity is about to dial; resolves when its handler is done. */
  raisePreDial(leg: OutboundLeg): Promise<void> {
    return this.dispatch("ContactPredial", preDialData(leg, this));
  }

  /**
   * The caller's number changed during the call (an operator desk passed the call on, the carrier
   * sent the caller's real identity): NewPhoneContact.ANI and what agents see follow, and
   * ContactAniUpdated runs with the new and the previous number.
   */
  updateAni(ani: string): void {
    if (this.st.closing || ani === this.currentAni) return;
    const previous = this.currentAni;
    this.currentAni = ani;
    const start = this.vars.get("NewPhoneContact");
    if (start && typeof start === "object") (start as Record<string, unknown>).ANI = ani;
    this.deps.center.contactAniChanged?.(this.interactionId, ani);
    void this.dispatch("ContactAniUpdated", { ANI: ani, previousANI: previous });
  }

  /** Marks the contact as waiting in a queue (queue-contact succeeded). */
  markQueued(queue: QueueInfo): void {
    this.queuings++;
    this.st.on("queued");
    this.queue = queue;
  }

  // ---- running flows ----

  private async runMain(): Promise<void> {
    const flow = this.flow;
    if (!flow.startId) {
      this.emit({ type: "error", message: "the flow has no start activity", handling: "end" });
      this.finish("no-start");
      return;
    }
    const exit = await this.runProcess(flow.main, flow.startId, "main", this.mainAbort.asAbortSignal());
    await this.afterMain(exit);
  }

  private async afterMain(exit: Exit): Promise<void> {
    if (this.st.closing) return;
    switch (exit.kind) {
      case "interrupted":
        return;
      case "end":
        return this.afterFlowEnd(exit.end, exit.activity, "main");
      case "error":
        return this.globalError(exit.message, exit.activity);
    }
  }

  private async afterFlowEnd(end: EndKind | "unwired", activity: ActivityDef | undefined, flowName: string): Promise<void> {
    switch (end) {
      case "disconnect":
        if (this.callerGone) {
          // A handler run for a callback (CallbackFailed) gives up on it.
          this.callbackLegs?.clear();
          return this.finish("disconnected");
        }
        this.emit({ type: "disconnected", by: "flow", activity: activity?.name, activityId: activity?.id, flow: flowName });
        this.options.channel.hangup();
        if (this.awaitCallbacks("disconnected")) return;
        return this.finish("disconnected");
      case "transferred":
        return this.finish("transferred");
      case "callback":
        this.options.channel.hangup();
        return this.finish("callback");
      case "subflow":
      case "flow":
      case "unwired":
        // End Flow leaves a queued contact waiting for its agent; anywhere else it is dead air.
        if (flowName === "main" && (this.st.phase === "queued" || this.st.phase === "offered" || this.st.phase === "engaged")) return;
        if (flowName !== "main") return;
        // A contact waiting on its callback, or on its campaign result's handler, is not over.
        if (this.callbackLegs?.size || this.callerGone) return;
        if (this.campaignPending) {
          this.mainEnded = true;
          return;
        }
        if (this.routeLiveVoice()) return;
        return this.finish("flow-ended");
    }
  }

  private async globalError(message: string, activity?: ActivityDef): Promise<void> {
    const handler = this.flow.handlers.get("GlobalErrorHandling");
    if (!handler || !this.st.enterGlobalError()) {
      this.finish(handler ? "global-error" : "no-handler");
      return;
    }
    // OnGlobalError takes over the IVR leg from the main flow: it runs beside the other event flows
    // rather than queued behind them, and stops when an agent answers, as the main flow does. A
    // handler that queues the caller and loops hold music would otherwise play on under the
    // conversation and hold back AgentContactAssigned (the screen pop) until the step limit.
    await this.runHandler("GlobalErrorHandling", { ErrorMessage: message, ActivityName: activity?.name ?? "", ActivityId: activity?.id ?? "" }, this.mainAbort.asAbortSignal());
    this.st.leaveGlobalError();
    // The call stays up only if the handler queued it (or it was already with an agent).
    if (this.st.phase === "ivr" && !this.st.ending) this.finish("global-error");
  }

  private dispatch(specName: string, data: Record<string, unknown>): Promise<void> {
    const run = this.eventChain.then(() => this.runHandlerQuietly(specName, data));
    this.eventChain = run;
    return run;
  }

  /**
   * runHandler for the event chain, which never rejects: a failure of one handler does not stop
   * the next. Most event flows run synchronously throughout, and then need no `catch` promise.
   */
  private runHandlerQuietly(specName: string, data: Record<string, unknown>): void | Promise<void> {
    try {
      const ran = this.runHandler(specName, data);
      return ran instanceof Promise ? ran.catch(ignore) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Runs an event flow; returns a promise only when one of its activities waits. */
  private runHandler(specName: string, data: Record<string, unknown>, signal: AbortSignal = this.lifetime.asAbortSignal()): void | Promise<void> {
    const names = namespacesOf(specName);
    if (names) this.vars.setNamespace(names, data);
    const handler = this.flow.handlers.get(specName);
    if (!handler) return;
    this.deliver({ type: "event", name: specName, flow: specName, at: this.deps.clock.now(), interactionId: this.interactionId });
    // Event flows are not interrupted by the answer; they stop only when the contact is gone for good.
    const exit = this.runProcess(this.flow.events, handler.activityId, specName, signal);
    if (exit instanceof Promise) return exit.then((e) => this.afterHandler(e, specName));
    return this.afterHandler(exit, specName);
  }

  private afterHandler(exit: Exit, specName: string): void | Promise<void> {
    if (exit.kind === "end" && (exit.end === "disconnect" || exit.end === "transferred" || exit.end === "callback")) {
      return this.afterFlowEnd(exit.end, exit.activity, specName);
    }
    // An error inside an event flow ends that handler only; raising OnGlobalError from it could loop.
  }

  /**
   * Runs a process from `startId` until it ends, fails or is interrupted. Synchronous for as long
   * as its activities are (event flows usually are throughout): a promise and a microtask turn
   * per step cost more than most activities' own work.
   */
  private runProcess(process: ProcessDef, startId: string, flowName: string, signal: AbortSignal, frame: Frame = this.rootFrame()): Exit | Promise<Exit> {
    return this.continueProcess(new ProcessContext(this, this.deps, this.options.channel, process, flowName, signal, frame), startId);
  }

  private continueProcess(ctx: ProcessContext, startId: string): Exit | Promise<Exit> {
    const { process, flowName, signal } = ctx;
    let id = startId;
    for (;;) {
      if (signal.aborted) return INTERRUPTED;
      // Templates' work in this turn of the event loop, all contacts together: past WORK_PER_TURN
      // the run lets the loop turn before its next step, so flows looping through expensive
      // renders, or many of them at once, cannot hold it.
      if (workThisTurn() > WORK_PER_TURN) {
        const resumeAt = id;
        // Tracked: a virtual clock must not take the turn for idleness and jump to the next timer.
        return this.deps.clock.track(new Promise<void>((turned) => setImmediate(turned))).then(() => this.continueProcess(ctx, resumeAt));
      }
      const def = process.activities.get(id);
      if (!def) return { kind: "error", message: `link to missing activity "${id}"` };
      if (++this.steps > this.deps.limits.maxSteps) {
        const message = `the contact ran ${this.deps.limits.maxSteps} activities; stopping a runaway loop at "${def.name}"`;
        this.emit({ type: "error", message, activity: def.name, activityId: def.id, flow: flowName, handling: "end" });
        this.finish("step-limit");
        return INTERRUPTED;
      }
      const compiled = ctx.compiled.activity(def);
      const spec = compiled.spec;
      let result: ActivityOutcome | Promise<ActivityOutcome>;
      try {
        if (spec?.loopLimit !== undefined) {
          const visits = (this.visits ??= new Map());
          const n = (visits.get(def.id) ?? 0) + 1;
          visits.set(def.id, n);
          if (n > spec.loopLimit) {
            // The activity's own error-like port (Queue Contact's `failure`) when it has one; once
            // that path has led back here, OnGlobalError (a port no activity has), or it loops on.
            const ports = spec.ports(def);
            const port = n === spec.loopLimit + 1 ? ((spec.errorPorts ?? ["error"]).find((p) => ports.includes(p)) ?? "error") : LOOP_LIMIT_PORT;
            throw new ActivityError(`"${def.name}" ran more than ${spec.loopLimit} times for this contact (self-loop limit)`, port);
          }
        }
        const step = compiled.step;
        result = step.run(step.sync ? ctx.lend(def) : ctx.forActivity(def));
      } catch (err) {
        const failed = this.stepFailed(err, def, spec, process, flowName, signal);
        if (typeof failed !== "string") return failed;
        id = failed;
        continue;
      }
      if (result instanceof Promise) return this.awaitStep(result, def, spec, ctx);
      const next = this.afterStep(result, def, process, flowName, signal);
      if (typeof next !== "string") return next;
      id = next;
    }
  }

  /**
   * An activity that waits: the rest of its process continues once it is done (one `then`, no
   * async frame). The process waits on one activity at a time, so that activity is kept on its
   * context, and the two continuations are made once per process rather than per step.
   */
  private awaitStep(pending: Promise<ActivityOutcome>, def: ActivityDef, spec: ActivitySpec | undefined, ctx: ProcessContext): Promise<Exit> {
    ctx.waitingDef = def;
    ctx.waitingSpec = spec;
    if (!ctx.resume) this.makeContinuations(ctx);
    return pending.then(ctx.resume, ctx.resumeFailed);
  }

  private makeContinuations(ctx: ProcessContext): void {
    ctx.resume = (outcome) => {
      const def = ctx.waitingDef!;
      const next = this.afterStep(outcome, def, ctx.process, ctx.flowName, ctx.signal);
      return typeof next === "string" ? this.continueProcess(ctx, next) : next;
    };
    ctx.resumeFailed = (err) => {
      const failed = this.stepFailed(err, ctx.waitingDef!, ctx.waitingSpec, ctx.process, ctx.flowName, ctx.signal);
      return typeof failed === "string" ? this.continueProcess(ctx, failed) : failed;
    };
  }

  /** The id of the next activity, or how the process ends. */
  private afterStep(outcome: ActivityOutcome, def: ActivityDef, process: ProcessDef, flowName: string, signal: AbortSignal): string | Exit {
    if (signal.aborted) return INTERRUPTED;
    // Step events are built stamped (see deliver): the commonest event, twenty per call.
    if (typeof outcome !== "string") {
      this.deliver({ type: "step", activity: def.name, activityId: def.id, activityType: def.type, flow: flowName, at: this.deps.clock.now(), interactionId: this.interactionId });
      return { kind: "end", end: outcome.end, activity: def };
    }
    this.deliver({ type: "step", activity: def.name, activityId: def.id, activityType: def.type, flow: flowName, port: outcome, at: this.deps.clock.now(), interactionId: this.interactionId });
    const target = process.next.get(def.id)?.get(outcome);
    if (!target) return { kind: "end", end: "unwired", activity: def };
    return target;
  }

  /** A failed activity: its error port's target, or how the process ends. */
  private stepFailed(err: unknown, def: ActivityDef, spec: ActivitySpec | undefined, process: ProcessDef, flowName: string, signal: AbortSignal): string | Exit {
    if (signal.aborted || err instanceof InterruptedError) return INTERRUPTED;
    const { message, port } = this.describeFailure(def, err);
    const ports = spec?.ports(def) ?? [];
    const target = ports.includes(port) ? process.next.get(def.id)?.get(port) : undefined;
    const handling = target ? "port" : flowName === "main" ? "global-error" : "end";
    this.emit({ type: "error", message, activity: def.name, activityId: def.id, flow: flowName, handling });
    if (target) {
      this.emit({ type: "step", activity: def.name, activityId: def.id, activityType: def.type, flow: flowName, port });
      return target;
    }
    this.emit({ type: "step", activity: def.name, activityId: def.id, activityType: def.type, flow: flowName });
    return { kind: "error", message, activity: def };
  }

  private describeFailure(def: ActivityDef, err: unknown): { message: string; port: string } {
    if (err instanceof ActivityError) return { message: err.message, port: err.port };
    if (isExprError(err)) return { message: `${def.name}: ${err.message}`, port: "error" };
    // Anything else is our bug, not the flow's: log the stack, tell the caller's trace one line.
    this.deps.logError?.(`unexpected failure in ${def.type} "${def.name}"`, err);
    return { message: `${def.name}: internal error in ${def.type}: ${err instanceof Error ? err.message : String(err)}`, port: "error" };
  }

  private rootFrame(): Frame {
    return { compiled: this.compiled, vars: this.vars };
  }

  /** Runs a subflow (or a GoTo target) for this contact with its own variables. */
  private async runSubflow(ref: string, inputs: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>> {
    const flow = (this.options.resolveFlow ?? this.deps.env.resolveFlow)?.(ref);
    if (!flow) throw new ActivityError(`subflow "${ref}" is not loaded in this environment`);
    if (!this.st.enterSubflow()) throw new ActivityError(`subflows nested more than ${MAX_SUBFLOW_DEPTH} deep at "${flow.name}"`);
    try {
      const compiled = this.deps.compile(flow);
      const vars = new Variables(compiled.layout, (name, value, activity) => this.variableChanged(`${flow.name}.${name}`, value, activity));
      for (const [name, value] of Object.entries(inputs)) vars.set(name, value);
      vars.setNamespace(START_NAMESPACES, this.vars.get("NewPhoneContact") as Record<string, unknown>);
      const exit = await this.runProcess(flow.main, flow.startId, `subflow:${flow.name}`, signal, { compiled, vars });
      if (exit.kind === "error") throw new ActivityError(`subflow "${flow.name}": ${exit.message}`);
      if (exit.kind === "interrupted") throw InterruptedError.of("subflow interrupted");
      if (exit.kind === "end" && exit.end === "disconnect") {
        this.emit({ type: "disconnected", by: "flow", activity: exit.activity?.name, flow: `subflow:${flow.name}` });
        this.options.channel.hangup();
        this.finish("disconnected");
        throw InterruptedError.of("disconnected in subflow");
      }
      const out: Record<string, unknown> = {};
      for (const def of flow.variables.values()) {
        if (def.source.split(",").map((s) => s.trim()).includes("SUBFLOW_OUTPUT")) out[def.name] = vars.get(def.name);
      }
      return out;
    } finally {
      this.st.leaveSubflow();
    }
  }

  /** Runs subflows for this contact's activities; made when an activity first asks (few flows have subflows). */
  get subflowRunner(): SubflowRunner {
    return (this.runner ??= { run: (ref, inputs, signal) => this.runSubflow(ref, inputs, signal) });
  }

  /** An activity's event, stamped with where it came from (see ProcessContext.emit). */
  emitFromActivity(event: CallEventInput): void {
    if (event.type === "queued") this.markQueued({ id: event.queue, name: event.queueName ?? event.queue });
    this.emit(event);
  }

  /** An activity's event as its view stamped it, `at` and `interactionId` included (ActivityView.emit). */
  deliverFromActivity(event: CallEvent): void {
    if (event.type === "queued") this.markQueued({ id: event.queue, name: event.queueName ?? event.queue });
    this.deliver(event);
  }

  // ---- the end ----

  /**
   * Ends the contact: stops the main flow, tells the center, runs PhoneContactEnded after any
   * handler still running, then emits `ended`. Never awaited by a handler (it would wait on itself).
   */
  private finish(reason: string, opts: { centerKnows?: boolean } = {}): void {
    if (!this.st.finish()) return;
    // A contact that ever waited on a callback: none is pending any more.
    if (this.callbackLegs) this.callbacksChanged();
    this.mainAbort.abort(InterruptedError.of(reason));
    if (!opts.centerKnows) this.deps.center.contactEnded(this.interactionId, reason);
    void this.dispatch("ContactEnded", {
      AgentID: this.agent?.id ?? "",
      AgentEmailID: this.agent?.email ?? "",
      TeamID: this.agent?.teamId ?? "",
      QueueID: this.queue?.id ?? "",
      InboundChannel: "telephony",
      RoutingStrategyID: "",
      Reason: reason,
    }).then(() => {
      this.st.on("ended");
      this.lifetime.abort(InterruptedError.of(reason));
      this.deps.callLimits?.remove(this);
      this.limitTimer?.cancel();
      const ended = this.deliver({ type: "ended", reason, at: this.deps.clock.now(), interactionId: this.interactionId }) as EndedEvent;
      this.resolveDone(ended);
    });
  }

  private emit(input: CallEventInput): CallEvent {
    // Inputs are fresh literals from the emitting code: stamping them in place saves a copy per event.
    const event = input as CallEvent;
    event.at = this.deps.clock.now();
    event.interactionId = this.interactionId;
    // `in` first: deleting a property an object does not have still costs a slow-path call.
    if (event.activity === undefined && "activity" in event) delete event.activity;
    return this.deliver(event);
  }

  /**
   * Hands a stamped event to the listeners. Events built with `at` and `interactionId` last in
   * their literal come here directly: the same fields in the same order as emit's, without two
   * properties added to each object after it was made.
   */
  private deliver(event: CallEvent): CallEvent {
    const safe = this.vars.hasSecure ? maskSecrets(event, this.vars.secureValues()) : event;
    for (const l of this.listeners) l(safe);
    return safe;
  }
}

/**
 * What the activities of one running process share: the contact, its flow and variables, the
 * engine's services. One per running process (main flow, each event flow); each activity sees it
 * through its own ActivityView. A class rather than an object of closures: every call runs
 * several processes, and the closures were a measurable share of a call's allocations.
 */
class ProcessContext {
  readonly compiled: CompiledFlow;
  readonly vars: Variables;
  /** The activity the process waits on (awaitStep), and its spec. */
  waitingDef: ActivityDef | undefined = undefined;
  waitingSpec: ActivitySpec | undefined = undefined;
  /** The process's continuations once its waiting activity is done: made when it first waits. */
  resume: ((outcome: ActivityOutcome) => Exit | Promise<Exit>) | undefined = undefined;
  resumeFailed: ((err: unknown) => Exit | Promise<Exit>) | undefined = undefined;

  constructor(
    readonly contact: Interaction,
    readonly deps: InteractionDeps,
    readonly caller: CallerChannel,
    readonly process: ProcessDef,
    readonly flowName: string,
    readonly signal: AbortSignal,
    frame: Frame,
  ) {
    this.compiled = frame.compiled;
    this.vars = frame.vars;
  }

  get flow(): FlowDefinition {
    return this.compiled.flow;
  }

  get interactionId(): string {
    return this.contact.interactionId;
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  get renderOptions(): { now: () => number } {
    const deps = this.deps;
    return deps.renderOptions ?? { now: () => deps.clock.now() };
  }

  /** The context one activity runs with: its `activity` is that activity for good. */
  forActivity(def: ActivityDef): ActivityView {
    return new ActivityView(this, def);
  }

  /** The view lent to this process's sync steps (ActivityStep.sync), one after another. */
  private lent: ActivityView | undefined = undefined;

  /**
   * The context for a sync step: one view, its activity set to each such step in turn. Nothing of
   * a sync step uses its context once it has returned, so no later activity is seen through it.
   */
  lend(def: ActivityDef): ActivityView {
    const view = this.lent;
    if (view === undefined) return (this.lent = new ActivityView(this, def));
    view.activity = def;
    return view;
  }
}

/**
 * One activity's context: the process's shared context, read through getters, and the activity,
 * fixed, so a callback an activity leaves behind (a timer, a late promise) still emits and writes
 * outputs as that activity after the process has moved on. Two fields per step: the views of
 * every call share one hidden class, and none is a prototype. (BENCHMARKS.md §15: a view made
 * with `Object.create(context)` made every call's context a prototype and sent every activity's
 * reads megamorphic; a view copying the context's fields cost a 15-field copy per step.)
 */
class ActivityView implements ActivityContext {
  constructor(
    private readonly process: ProcessContext,
    /** Fixed for a view made per step; set per step only for the view a process lends (ProcessContext.lend). */
    public activity: ActivityDef,
  ) {}

  get flow(): FlowDefinition {
    return this.process.flow;
  }

  get vars(): Variables {
    return this.process.vars;
  }

  get interactionId(): string {
    return this.process.interactionId;
  }

  get flowName(): string {
    return this.process.flowName;
  }

  get clock(): Clock {
    return this.process.clock;
  }

  get signal(): AbortSignal {
    return this.process.signal;
  }

  get caller(): CallerChannel {
    return this.process.caller;
  }

  get http(): HttpGateway {
    return this.process.deps.http;
  }

  get center(): CenterPort {
    return this.process.deps.center;
  }

  get contact(): Interaction {
    return this.process.contact;
  }

  get env(): ActivityEnvironment {
    return this.process.deps.env;
  }

  get subflows(): SubflowRunner {
    return this.process.contact.subflowRunner;
  }

  preDial(leg: OutboundLeg): Promise<void> {
    const raised = this.process.contact.raisePreDial(leg);
    // An event flow waiting on the event queue it is part of would wait on itself.
    return this.process.flowName === "main" ? raised : SETTLED;
  }

  scheduleCallback(booking: ScheduledCallbackBooking): void {
    this.process.contact.scheduleCallback(booking);
  }

  template(source: string, field: string): Template {
    return this.process.compiled.template(source, this.activity, field);
  }

  render(source: string | null | undefined, field: string): string {
    if (source === null || source === undefined || source === "") return "";
    const process = this.process;
    const t = process.compiled.template(source, this.activity, field);
    if (t.isLiteral) return source;
    try {
      return t.render(process.vars.scope(), process.renderOptions);
    } catch (err) {
      return this.fail(err, field);
    }
  }

  evaluate(source: string | null | undefined, field: string): unknown {
    if (source === null || source === undefined) return "";
    const process = this.process;
    const t = process.compiled.template(source, this.activity, field);
    if (t.isLiteral) return source;
    try {
      return t.evaluate(process.vars.scope(), process.renderOptions);
    } catch (err) {
      return this.fail(err, field);
    }
  }

  output(key: string, value: unknown): void {
    this.process.vars.setOutput(this.activity.name, key, value);
  }

  emit(event: CallEventInput): void {
    // The caller's object is left as it was given: it may be shared (a constant event) or reused.
    const given = event as CallEventInput & { activity?: string; activityId?: string; flow?: string };
    // Copied then stamped, not `{ ...given, activity, … }`: V8 (Node 20) gives every object that
    // literal makes a hidden class of its own (a heap snapshot of served calls found one per
    // activity event, each kept in the call's trace), while these stores share one per event shape.
    // All five stamps here, in emit's order: the event is complete before the contact sees it.
    const process = this.process;
    const stamped = Object.assign(new StampedEvent(given.type), given) as Record<string, unknown>;
    stamped.activity = given.activity ?? this.activity.name;
    stamped.activityId = given.activityId ?? this.activity.id;
    stamped.flow = given.flow ?? process.flowName;
    stamped.at = process.clock.now();
    stamped.interactionId = process.interactionId;
    process.contact.deliverFromActivity(stamped as unknown as CallEvent);
  }

  private fail(err: unknown, field: string): never {
    if (isExprError(err)) throw new ActivityError(`${this.activity.name}: ${field}: ${err.message}`);
    throw err;
  }
}

/**
 * The object an activity's event is copied into and stamped: made by a constructor rather than
 * as `{}`, which has room for four properties in the object itself, so that an event's eight or
 * nine (its own, then activity, activityId, flow, at, interactionId) do not spill into a property
 * array, a second object per event. Its prototype is Object.prototype: to every reader the event
 * is a plain object, as before.
 */
const StampedEvent = function StampedEvent(this: { type: string }, type: string): void {
  this.type = type;
} as unknown as new (type: string) => { type: string };
StampedEvent.prototype = Object.prototype;

/**
 * The executor of every contact's `done` promise: it runs at once, so the constructor takes the
 * resolver from here (no closure and context per call).
 */
let captured: ((e: EndedEvent) => void) | undefined;
function captureResolve(resolve: (e: EndedEvent) => void): void {
  captured = resolve;
}

/** A settled promise: the start of every contact's event chain. */
const SETTLED: Promise<void> = Promise.resolve();

function ignore(): void {}

export class InterruptedError extends Error {
  private static readonly shared = new Map<string, InterruptedError>();

  /**
   * The error for a reason, shared: every answered or ended call throws one, and it carries
   * nothing but the reason. The map is capped for reasons made up at run time.
   */
  static of(reason: string): InterruptedError {
    let err = InterruptedError.shared.get(reason);
    if (!err) {
      err = new InterruptedError(reason);
      if (InterruptedError.shared.size < 100) InterruptedError.shared.set(reason, err);
    }
    return err;
  }

  constructor(readonly reason: string) {
    // One instance per reason is shared (see `of`), so its stack is captured once, not per call;
    // the process-wide Error.stackTraceLimit is left alone.
    super(`interrupted: ${reason}`);
    this.name = "InterruptedError";
  }
}

function agentData(agent: AgentInfo, queue: QueueInfo): Record<string, unknown> {
  return {
    AgentID: agent.id,
    AgentName: agent.name,
    AgentEmailId: agent.email ?? "",
    AgentEmailID: agent.email ?? "",
    AgentSessionID: agent.sessionId ?? "",
    QueueID: queue.id,
    QueueName: queue.name,
    TeamID: agent.teamId ?? "",
    TeamName: agent.teamName ?? "",
    TenantID: "",
  };
}

/** Replaces every occurrence of a secure value in an event's strings. */
function maskSecrets(event: CallEvent, secrets: string[]): CallEvent {
  const scrub = (v: unknown): unknown => {
    if (typeof v === "string") {
      let s = v;
      for (const secret of secrets) if (s.includes(secret)) s = s.split(secret).join(MASK);
      return s;
    }
    if (Array.isArray(v)) return v.map(scrub);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = scrub(x);
      return out;
    }
    return v;
  };
  return scrub(event) as CallEvent;
}

export const ALL_EVENT_SPECS = EVENT_NAMES.map((e) => e.spec);
