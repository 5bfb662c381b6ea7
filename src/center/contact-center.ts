/**
 * The contact center: queues, agents, distribution, offers with a ring timeout, wrap-up, queue
 * statistics, queue-to-agent, courtesy callbacks and screen pops. The flow engine sees it as a
 * CenterPort; the server and the agent desktop use the agent-side calls (login, setAvailable,
 * accept, decline, end...) and the snapshots, and follow `subscribe` for live events.
 *
 * Routing rules: a queue serves its contacts by priority (1 first) and then time in queue; a
 * contact goes to the agent of that queue who has been Available the longest (LAA); an agent who
 * becomes Available takes the best contact across all the queues they serve (and contacts parked
 * on them by queue-to-agent). Whenever a queue has waiting contacts it has no Available agent, so
 * either pick is one look at the top of a per-queue structure (see state.ts).
 *
 * Re-entrancy: notices to contacts and events to listeners are never delivered in the middle of
 * an operation. Each operation finishes its state change first and queues what it has to say;
 * the queue is delivered in order on a microtask after the call returns. A notice handler that
 * calls back into the center (contactEnded from a hang-up, screenPop from an event flow) runs a
 * complete operation of its own, whose output joins the end of the same delivery queue.
 */
import { randomUUID } from "node:crypto";
import { startTimer, type Clock, type ClockTimer } from "../time/clock.js";
import type { CallAssociatedItem, CenterEvent, CenterEventListener, OfferCancelReason } from "./center-events.js";
import { parseCenterConfig, type AgentConfig, type CenterConfig, type ParsedCenterConfig, type QueueConfig } from "./config.js";
import { CenterError, failure } from "./errors.js";
import {
  MemoryCenterState,
  personalList,
  type AgentRecord,
  type AgentState,
  type CenterState,
  type ContactKind,
  type ContactRecord,
  type ContactState,
  type QueueRecord,
  type RoutingType,
  type ScreenPopRecord,
} from "./state.js";
import { SampleWindow, estimateWaitMs } from "./stats.js";
import { LOWEST_PRIORITY } from "./waiting-list.js";
import type {
  AgentInfo,
  AgentRequest,
  AgentResult,
  CallbackRequest,
  CenterNotice,
  CenterPort,
  ContactHandle,
  QueueInfo,
  QueueRequest,
  QueueResult,
  QueueStats,
  ScreenPopRequest,
} from "./types.js";

export interface ContactCenterOptions {
  clock: Clock;
  /** The environment's center sections, raw (validated here) or already parsed. */
  config?: CenterConfig | ParsedCenterConfig | unknown;
  /** Where shared state lives; in memory by default. */
  state?: CenterState;
  /** Overrides `center.ringTimeoutSeconds`. */
  ringTimeoutMs?: number;
  /** Overrides `center.wrapUpSeconds`; `null` = agents stay in WrapUp until made Available. */
  wrapUpMs?: number | null;
  /** Overrides `center.declineState`. */
  declineState?: "Idle" | "Available";
  /** Overrides `center.autoCreateQueues`. */
  autoCreateQueues?: boolean;
  /** Overrides `center.ewtLookbackMinutes`. */
  ewtLookbackMinutes?: number;
  /** Log lines (queue auto-creation, skills-based routing notices, listener failures). */
  log?: (level: "info" | "warn", message: string) => void;
  /** How many ended contacts `contact(id)` can still describe. */
  endedRetention?: number;
}

export interface WaitingContactSnapshot {
  interactionId: string;
  kind: ContactKind;
  ani: string;
  priority: number;
  /** 1-based. */
  position: number;
  waitedMs: number;
}

export interface QueueSnapshot {
  id: string;
  name: string;
  routing: RoutingType;
  auto: boolean;
  maxWaitSeconds?: number;
  queuedNow: number;
  loggedOnAgents: number;
  availableAgents: number;
  oldestWaitMs: number;
  /** Waiting contacts in routing order. */
  waiting: WaitingContactSnapshot[];
  /** Contacts of this queue ringing at an agent. */
  ringing: Array<{ interactionId: string; agentId: string; ani: string; priority: number }>;
  /** Contacts of this queue connected to an agent. */
  connected: Array<{ interactionId: string; agentId: string; ani: string }>;
}

export interface AgentSnapshot {
  id: string;
  name: string;
  email?: string;
  teamId?: string;
  teamName?: string;
  queues: string[];
  state: AgentState;
  reason?: string;
  since: number;
  sessionId?: string;
  offerId?: number;
  interactionId?: string;
  /** Contacts waiting for this agent in particular (queue-to-agent with parking). */
  parked: number;
}

export interface ContactSnapshot {
  interactionId: string;
  kind: ContactKind;
  ani: string;
  dnis: string;
  state: ContactState;
  queueId?: string;
  queueName?: string;
  priority: number;
  /** 1-based position while waiting; 0 otherwise. */
  position: number;
  /** Since first queued, up to now (or to the answer / end). */
  waitedMs: number;
  agentId?: string;
  offers: number;
  screenPops: ScreenPopRecord[];
  endedAt?: number;
  endedReason?: string;
}

export type CallbackState = "waiting" | "offered" | "connected" | "completed" | "cancelled";

export interface CallbackSnapshot {
  id: string;
  number: string;
  queueId: string;
  callerId?: string;
  /** The call during which the callback was requested. */
  interactionId?: string;
  createdAt: number;
  state: CallbackState;
  agentId?: string;
}

interface Offer {
  id: number;
  interactionId: string;
  agentId: string;
  timer: ClockTimer;
}

/** Flow Designer: a priority outside 1..9 (or 10) becomes 10, the lowest. */
export function normalizePriority(priority: unknown): number {
  const n = typeof priority === "string" && priority.trim() !== "" ? Number(priority) : priority;
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= LOWEST_PRIORITY ? n : LOWEST_PRIORITY;
}

function isParsed(config: unknown): config is ParsedCenterConfig {
  return typeof config === "object" && config !== null && "config" in config && "notices" in config;
}

function isPersonal(listId: string): boolean {
  return listId.startsWith("@agent:");
}

export class ContactCenter implements CenterPort {
  readonly clock: Clock;
  readonly state: CenterState;
  private readonly ringTimeoutMs: number;
  private readonly wrapUpMs: number | undefined;
  private readonly declineState: "Idle" | "Available";
  private readonly autoCreateQueues: boolean;
  private readonly ewtLookbackMinutes: number;
  private readonly log: (level: "info" | "warn", message: string) => void;
  private readonly endedRetention: number;

  private readonly handles = new Map<string, ContactHandle>();
  private readonly offers = new Map<number, Offer>();
  private readonly waitTimers = new Map<string, ClockTimer>();
  private readonly wrapTimers = new Map<string, ClockTimer>();
  private readonly listeners = new Set<CenterEventListener>();
  private readonly agentListeners = new Map<string, Set<CenterEventListener>>();
  private readonly servers = new Map<string, Set<AgentRecord>>();
  private readonly wildcardAgents = new Set<AgentRecord>();
  private readonly agentLists = new Map<string, string[]>();
  private readonly handleSamples = new Map<string, SampleWindow>();
  private readonly waitSamples = new Map<string, SampleWindow>();
  private readonly ended = new Map<string, ContactRecord>();
  /** Ended contacts in the order they ended (see finish); entries before endedHead are gone. */
  private readonly endedOrder: ContactRecord[] = [];
  private endedHead = 0;
  private readonly callbacks = new Map<string, CallbackSnapshot>();
  private readonly touched = new Set<string>();

  /**
   * Deliveries waiting for the flush, two slots each: a contact's handle and its notice, or null
   * and a center event. Pairs rather than a closure per delivery: a call makes a dozen.
   */
  private outbox: Array<ContactHandle | CenterNotice | CenterEvent | null> = [];
  private depth = 0;
  private flushing = false;
  private flushScheduled = false;
  private seq = 0;
  private offerSeq = 0;
  private availableSeq = 0;
  private callbackSeq = 0;

  constructor(options: ContactCenterOptions) {
    this.clock = options.clock;
    this.state = options.state ?? new MemoryCenterState();
    this.log = options.log ?? (() => {});
    const parsed: ParsedCenterConfig =
      options.config === undefined
        ? parseCenterConfig({})
        : isParsed(options.config)
          ? options.config
          : parseCenterConfig(options.config);
    const settings = parsed.config.center;
    this.ringTimeoutMs = options.ringTimeoutMs ?? settings.ringTimeoutSeconds * 1000;
    if (options.wrapUpMs !== undefined) this.wrapUpMs = options.wrapUpMs ?? undefined;
    else this.wrapUpMs = settings.wrapUpSeconds === undefined ? undefined : settings.wrapUpSeconds * 1000;
    this.declineState = options.declineState ?? settings.declineState;
    this.autoCreateQueues = options.autoCreateQueues ?? settings.autoCreateQueues;
    this.ewtLookbackMinutes = options.ewtLookbackMinutes ?? settings.ewtLookbackMinutes;
    this.endedRetention = options.endedRetention ?? 1000;

    this.op(() => {
      for (const team of parsed.config.teams) this.state.saveTeam({ id: team.id, name: team.name });
      for (const queue of parsed.config.queues) this.createQueue(queue, false);
      for (const agent of parsed.config.agents) this.createAgent(agent);
      for (const agent of parsed.config.agents) {
        if (agent.available) {
          this.loginAgent(this.state.agent(agent.id)!);
          this.makeAvailable(this.state.agent(agent.id)!, false);
        }
      }
    });
  }

  // ---------------------------------------------------------------- observation

  /** Every center event. Returns the unsubscribe function. */
  subscribe(listener: CenterEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events concerning one agent (state, offers, answers, ends, screen pops). */
  subscribeAgent(agentId: string, listener: CenterEventListener): () => void {
    let set = this.agentListeners.get(agentId);
    if (!set) this.agentListeners.set(agentId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.agentListeners.delete(agentId);
    };
  }

  /** Resolves once every queued notice and event has been delivered. */
  async settle(): Promise<void> {
    for (let i = 0; i < 10_000 && (this.outbox.length > 0 || this.flushScheduled || this.flushing); i++) {
      await Promise.resolve();
    }
  }

  listQueues(): QueueSnapshot[] {
    const now = this.clock.now();
    const ringing = new Map<string, QueueSnapshot["ringing"]>();
    const connected = new Map<string, QueueSnapshot["connected"]>();
    for (const c of this.state.contacts()) {
      if (!c.queueId || !c.agentId) continue;
      if (c.state === "offered") {
        push(ringing, c.queueId, { interactionId: c.interactionId, agentId: c.agentId, ani: c.ani, priority: c.priority });
      } else if (c.state === "engaged") {
        push(connected, c.queueId, { interactionId: c.interactionId, agentId: c.agentId, ani: c.ani });
      }
    }
    const out: QueueSnapshot[] = [];
    for (const q of this.state.queues()) {
      const waiting: WaitingContactSnapshot[] = [];
      let position = 0;
      for (const c of this.state.waiting(q.id)) {
        waiting.push({
          interactionId: c.interactionId,
          kind: c.kind,
          ani: c.ani,
          priority: c.priority,
          position: ++position,
          waitedMs: now - c.firstQueuedAt,
        });
      }
      const { loggedOn } = this.staffing(q.id);
      const oldest = this.state.oldestWaitingSince(q.id);
      out.push({
        id: q.id,
        name: q.name,
        routing: q.routing,
        auto: q.auto,
        ...(q.maxWaitSeconds !== undefined ? { maxWaitSeconds: q.maxWaitSeconds } : {}),
        queuedNow: waiting.length,
        loggedOnAgents: loggedOn,
        availableAgents: this.state.availableCount(q.id),
        oldestWaitMs: oldest === undefined ? 0 : now - oldest,
        waiting,
        ringing: ringing.get(q.id) ?? [],
        connected: connected.get(q.id) ?? [],
      });
    }
    return out;
  }

  listAgents(): AgentSnapshot[] {
    return [...this.state.agents()].map((a) => this.agentSnapshot(a));
  }

  agent(agentId: string): AgentSnapshot | undefined {
    const a = this.state.agent(agentId);
    return a ? this.agentSnapshot(a) : undefined;
  }

  /** A live contact, or one that ended recently. */
  contact(interactionId: string): ContactSnapshot | undefined {
    const c = this.state.contact(interactionId) ?? this.ended.get(interactionId);
    if (!c) return undefined;
    const queue = c.queueId ? this.state.queue(c.queueId) : undefined;
    const waitEnd = c.answeredAt ?? c.endedAt ?? this.clock.now();
    return {
      interactionId: c.interactionId,
      kind: c.kind,
      ani: c.ani,
      dnis: c.dnis,
      state: c.state,
      ...(queue ? { queueId: queue.id, queueName: queue.name } : {}),
      priority: c.priority,
      position: c.state === "queued" ? this.state.position(c) : 0,
      waitedMs: waitEnd - c.firstQueuedAt,
      ...(c.agentId ? { agentId: c.agentId } : {}),
      offers: c.offers,
      screenPops: [...c.screenPops],
      ...(c.endedAt !== undefined ? { endedAt: c.endedAt } : {}),
      ...(c.endedReason !== undefined ? { endedReason: c.endedReason } : {}),
    };
  }

  listCallbacks(): CallbackSnapshot[] {
    return [...this.callbacks.values()].map((cb) => ({ ...cb }));
  }

  /** The lists an agent takes contacts from: the queues served, then the agent's parked contacts. */
  routingLists(agentId: string): readonly string[] {
    const agent = this.state.agent(agentId);
    return agent ? this.listsOf(agent) : [];
  }

  // ---------------------------------------------------------------- configuration at runtime

  /**
   * Makes sure a queue exists; creates it (named after its id, LAA, no agents but those serving
   * every queue) with a notice when it does not. Explicit, so it ignores `autoCreateQueues`.
   */
  ensureQueue(queueId: string): { queue: QueueInfo; created: boolean } {
    return this.op(() => {
      const id = queueId.trim();
      if (!id) throw new CenterError("QUEUE_NOT_FOUND", "a queue id must not be empty");
      const existing = this.state.queue(id);
      if (existing) return { queue: this.queueInfo(existing), created: false };
      return { queue: this.queueInfo(this.autoCreate(id)), created: true };
    });
  }

  addQueue(queue: { id: string; name?: string; routing?: RoutingType; maxWaitSeconds?: number }): QueueInfo {
    return this.op(() => {
      const existing = this.state.queue(queue.id);
      if (existing) return this.queueInfo(existing);
      return this.queueInfo(this.createQueue({ routing: "LONGEST_AVAILABLE_AGENT", ...queue }, false));
    });
  }

  /** Adds a logged-out agent; queues it names that do not exist are created as auto queues. */
  addAgent(agent: { id: string; name: string; email?: string; teamId?: string; queues?: string[] }): AgentSnapshot {
    return this.op(() => {
      if (this.state.agent(agent.id)) throw new CenterError("INVALID_STATE", `agent "${agent.id}" already exists`);
      if (agent.email && this.state.agentByEmail(agent.email)) {
        throw new CenterError("INVALID_STATE", `email "${agent.email}" is already used by another agent`);
      }
      for (const q of agent.queues ?? []) if (q !== "*" && !this.state.queue(q)) this.autoCreate(q);
      return this.agentSnapshot(this.createAgent({ queues: [], ...agent }));
    });
  }

  // ---------------------------------------------------------------- agent side

  /** Logs the agent on, Idle (reason `Login`), or Available with `{available: true}`. */
  login(agentId: string, options: { available?: boolean } = {}): AgentSnapshot {
    return this.op(() => {
      const agent = this.requireAgent(agentId);
      if (agent.state === "LoggedOut") this.loginAgent(agent);
      if (options.available && agent.state === "Idle") this.makeAvailable(agent, false);
      return this.agentSnapshot(agent);
    });
  }

  /**
   * Logs the agent off. A ringing offer goes back to its queue (the contact hears `rona`);
   * contacts parked on the agent go to their recovery queue or end. Not allowed while Engaged.
   */
  logout(agentId: string): AgentSnapshot {
    return this.op(() => {
      const agent = this.requireAgent(agentId);
      if (agent.state === "LoggedOut") return this.agentSnapshot(agent);
      if (agent.state === "Engaged") {
        throw new CenterError("INVALID_STATE", `agent "${agentId}" is Engaged; end the contact before logging out`);
      }
      const requeued = agent.state === "Reserved" ? this.cancelOffer(agent, "logout", "rona") : undefined;
      this.state.markUnavailable(agent);
      this.clearWrapTimer(agent.id);
      agent.interactionId = undefined;
      this.setState(agent, "LoggedOut");
      agent.sessionId = undefined;
      this.state.saveAgent(agent);
      this.releaseParked(agent);
      if (requeued) this.dispatchList(requeued);
      return this.agentSnapshot(agent);
    });
  }

  /** Idle or WrapUp → Available; takes the best waiting contact at once if there is one. */
  setAvailable(agentId: string): AgentSnapshot {
    return this.op(() => {
      const agent = this.requireLoggedOn(agentId);
      if (agent.state === "Reserved" || agent.state === "Engaged") {
        throw new CenterError("INVALID_STATE", `agent "${agentId}" is ${agent.state}; finish the contact first`);
      }
      if (agent.state !== "Available") this.makeAvailable(agent, false);
      return this.agentSnapshot(agent);
    });
  }

  /** Available, WrapUp or Idle → Idle with a reason (`Break`, `Lunch`...). */
  setIdle(agentId: string, reason = "Idle"): AgentSnapshot {
    return this.op(() => {
      const agent = this.requireLoggedOn(agentId);
      if (agent.state === "Reserved" || agent.state === "Engaged") {
        throw new CenterError("INVALID_STATE", `agent "${agentId}" is ${agent.state}; finish the contact first`);
      }
      this.state.markUnavailable(agent);
      this.clearWrapTimer(agent.id);
      agent.interactionId = undefined;
      this.setState(agent, "Idle", reason);
      return this.agentSnapshot(agent);
    });
  }

  /** The ringing agent takes the contact: Engaged, and the contact hears `answered`. */
  accept(agentId: string, offerId?: number): AgentSnapshot {
    return this.op(() => {
      const agent = this.requireRinging(agentId, offerId, "accept");
      const offer = this.offers.get(agent.offerId!)!;
      this.offers.delete(offer.id);
      offer.timer.cancel();
      const contact = this.state.contact(offer.interactionId)!;
      const now = this.clock.now();
      contact.state = "engaged";
      contact.answeredAt = now;
      this.state.saveContact(contact);
      if (contact.queueId) this.samples(this.waitSamples, contact.queueId).record(now, now - contact.firstQueuedAt);
      this.setState(agent, "Engaged");
      const info = this.contactQueueInfo(contact);
      this.notify(contact, { type: "answered", agent: this.agentInfo(agent), queue: info });
      if (this.wants(agent.id)) {
        this.emit({ type: "answered", at: now, agentId: agent.id, interactionId: contact.interactionId, queue: info });
      }
      return this.agentSnapshot(agent);
    });
  }

  /** The ringing agent refuses: the contact goes back to the head of its priority. */
  decline(agentId: string, offerId?: number): AgentSnapshot {
    return this.op(() => {
      const agent = this.requireRinging(agentId, offerId, "decline");
      const requeued = this.cancelOffer(agent, "declined", "declined");
      if (this.declineState === "Available") {
        // Others Available for that queue get the contact first; the decliner rejoins at the back.
        this.dispatchList(requeued);
        this.makeAvailable(agent, false);
      } else {
        this.setState(agent, "Idle", "Declined");
        this.dispatchList(requeued);
      }
      return this.agentSnapshot(agent);
    });
  }

  /** The agent hangs up: the contact hears `agent-disconnected` then `ended`; the agent wraps up. */
  end(agentId: string): AgentSnapshot {
    return this.op(() => {
      const agent = this.requireAgent(agentId);
      if (agent.state !== "Engaged") {
        throw new CenterError("INVALID_STATE", `agent "${agentId}" is ${agent.state}; only an Engaged agent can end a contact`);
      }
      const contact = this.state.contact(agent.interactionId!)!;
      const handle = this.handles.get(contact.interactionId);
      const agentInfo = this.agentInfo(agent);
      const queue = this.contactQueueInfo(contact);
      this.recordHandle(contact);
      this.startWrapUp(agent);
      this.finish(contact, "agent-ended");
      if (handle) {
        this.deliver(handle, { type: "agent-disconnected", agent: agentInfo, queue });
        this.deliver(handle, { type: "ended", reason: "agent-ended", agent: agentInfo, queue });
      }
      if (this.wants(agent.id)) {
        this.emit({ type: "ended", at: this.clock.now(), agentId: agent.id, interactionId: contact.interactionId, by: "agent", reason: "agent-ended" });
      }
      return this.agentSnapshot(agent);
    });
  }

  // ---------------------------------------------------------------- CenterPort

  queueContact(request: QueueRequest): QueueResult {
    return this.op(() => {
      const queueId = request.queueId?.trim();
      if (!queueId) return failure("QUEUE_NOT_FOUND", "queue-contact has no queue id (the destination is empty)");
      const queue = this.resolveQueue(queueId);
      if (!queue) {
        return failure("QUEUE_NOT_FOUND", `queue "${queueId}" is not defined in the environment and autoCreateQueues is off`);
      }
      const busy = this.busyFailure(request.contact.interactionId);
      if (busy) return busy;
      const priority = normalizePriority(request.priority);
      const existing = this.state.contact(request.contact.interactionId);
      if (existing?.state === "queued" && existing.listId === queue.id && existing.priority === priority) {
        return { ok: true, queue: this.queueInfo(queue), position: this.state.position(existing) };
      }
      this.handles.set(request.contact.interactionId, request.contact);
      const contact = this.place(existing ?? this.newContact(request.contact, "call"), queue, priority);
      const position = this.state.position(contact);
      this.dispatchList(queue.id);
      return { ok: true, queue: this.queueInfo(queue), position };
    });
  }

  setContactPriority(interactionId: string, priority: number): QueueResult {
    return this.op(() => {
      const contact = this.state.contact(interactionId);
      if (contact?.state !== "queued" || !contact.listId) return failure("CONTACT_NOT_QUEUED", `contact ${interactionId} is not waiting in a queue`);
      const level = normalizePriority(priority);
      if (contact.priority !== level) {
        this.state.dequeue(contact);
        contact.priority = level;
        this.state.enqueue(contact, contact.listId, false);
        this.state.saveContact(contact);
        if (!isPersonal(contact.listId)) this.touch(contact.listId);
        this.dispatchList(contact.listId);
      }
      return { ok: true, queue: this.contactQueueInfo(contact), position: this.state.position(contact) };
    });
  }

  queueToAgent(request: AgentRequest): AgentResult {
    return this.op(() => {
      const destination = (request.destination ?? "").trim();
      if (!destination) {
        return failure("INVALID_DESTINATION", "queue-to-agent has no destination (the destination variable is empty)");
      }
      const byEmail = request.lookup === "agentEmail";
      const agent = byEmail ? this.state.agentByEmail(destination) : this.state.agent(destination);
      if (!agent) return failure("AGENT_NOT_FOUND", `no agent with ${byEmail ? "email" : "id"} "${destination}"`);
      if (agent.state === "LoggedOut") return failure("AGENT_NOT_LOGGED_IN", `agent "${agent.id}" is not logged in`);
      if (agent.state !== "Available" && !request.park) {
        return failure("AGENT_NOT_AVAILABLE", `agent "${agent.id}" is ${agent.state}${agent.reason ? ` (${agent.reason})` : ""}`);
      }
      const busy = this.busyFailure(request.contact.interactionId);
      if (busy) return busy;
      let recovery: QueueRecord | undefined;
      if (request.reportingQueueId?.trim()) {
        recovery = this.resolveQueue(request.reportingQueueId.trim());
        if (!recovery) {
          return failure("QUEUE_NOT_FOUND", `reporting queue "${request.reportingQueueId}" is not defined and autoCreateQueues is off`);
        }
      }
      this.handles.set(request.contact.interactionId, request.contact);
      const existing = this.state.contact(request.contact.interactionId);
      const contact = existing ?? this.newContact(request.contact, "call");
      if (existing?.listId) this.touch(existing.listId);
      this.state.dequeue(contact);
      contact.priority = normalizePriority(request.priority);
      contact.queueId = recovery?.id;
      contact.recoveryQueueId = recovery?.id;
      contact.listId = personalList(agent.id);
      contact.enqueuedAt = this.clock.now();
      contact.seq = ++this.seq;
      contact.state = "queued";
      this.state.enqueue(contact, contact.listId, false);
      this.state.saveContact(contact);
      if (agent.state === "Available") this.offer(contact, agent);
      return { ok: true, agent: this.agentInfo(agent), state: agent.state };
    });
  }

  queueStats(queueId: string, contact?: ContactHandle, options: { lookbackMinutes?: number } = {}): QueueStats | undefined {
    return this.op(() => {
      const queue = queueId?.trim() ? this.resolveQueue(queueId.trim()) : undefined;
      if (!queue) return undefined;
      const now = this.clock.now();
      const queuedNow = this.state.waitingCount(queue.id);
      const record = contact ? this.state.contact(contact.interactionId) : undefined;
      const position = record?.state === "queued" && record.listId === queue.id ? this.state.position(record) : 0;
      const lookback = Math.min(240, Math.max(5, options.lookbackMinutes ?? this.ewtLookbackMinutes));
      const since = now - lookback * 60_000;
      const { loggedOn, working } = this.staffing(queue.id);
      const available = this.state.availableCount(queue.id);
      const oldest = this.state.oldestWaitingSince(queue.id);
      return {
        queue: this.queueInfo(queue),
        piq: position > 0 ? position : queuedNow,
        ewtMs: estimateWaitMs({
          position: position > 0 ? position : queuedNow + 1,
          meanHandleMs: this.handleSamples.get(queue.id)?.meanSince(since),
          meanWaitMs: this.waitSamples.get(queue.id)?.meanSince(since),
          workingAgents: working,
          availableAgents: available,
        }),
        oldestCallTimeMs: oldest === undefined ? 0 : now - oldest,
        loggedOnAgents: loggedOn,
        availableAgents: available,
        queuedNow,
      };
    });
  }

  /**
   * Records a courtesy callback and queues it like a contact: when an agent of the queue is free,
   * the callback is offered (kind `callback`, ANI = the number to call). Accepting it stands for
   * placing the outbound call; ending it completes the callback. No outbound call is dialled.
   */
  registerCallback(request: CallbackRequest): { ok: true; id: string } | { ok: false; code: string; description: string } {
    return this.op(() => {
      const raw = (request.number ?? "").trim();
      const number = raw.replace(/[\s().-]/g, "");
      if (!/^\+?[0-9]{3,20}$/.test(number)) {
        return failure("INVALID_NUMBER", raw ? `callback number "${raw}" is not a dialable number` : "callback number is empty");
      }
      const origin = this.state.contact(request.contact.interactionId);
      const queueId = request.queueId?.trim() || origin?.queueId;
      if (!queueId) return failure("NO_QUEUE", "callback has no queue and the contact is not queued anywhere");
      const queue = this.resolveQueue(queueId);
      if (!queue) return failure("QUEUE_NOT_FOUND", `callback queue "${queueId}" is not defined and autoCreateQueues is off`);
      const id = `callback-${++this.callbackSeq}`;
      const callback: CallbackSnapshot = {
        id,
        number,
        queueId: queue.id,
        ...(request.callerId ? { callerId: request.callerId } : {}),
        interactionId: request.contact.interactionId,
        createdAt: this.clock.now(),
        state: "waiting",
      };
      this.callbacks.set(id, callback);
      const data: CallAssociatedItem[] = [
        { label: "Callback number", name: "callbackNumber", value: number },
        { label: "Requested during", name: "interactionId", value: request.contact.interactionId },
      ];
      const handle: ContactHandle = {
        interactionId: id,
        ani: number,
        dnis: request.callerId ?? "",
        callAssociatedData: () => data,
        notify: (notice) => this.onCallbackNotice(callback, notice),
      };
      this.handles.set(id, handle);
      const contact = this.newContact(handle, "callback");
      contact.callbackId = id;
      this.place(contact, queue, origin?.priority ?? LOWEST_PRIORITY);
      if (this.listeners.size > 0) {
        this.emit({
          type: "callback-registered",
          at: this.clock.now(),
          callbackId: id,
          number,
          queueId: queue.id,
          interactionId: request.contact.interactionId,
        });
      }
      this.dispatchList(queue.id);
      return { ok: true, id };
    });
  }

  screenPop(request: ScreenPopRequest): string | undefined {
    return this.op(() => {
      const contact = this.state.contact(request.contact.interactionId);
      if (!contact?.agentId || (contact.state !== "offered" && contact.state !== "engaged")) return undefined;
      const pop: ScreenPopRecord = {
        url: request.url,
        target: request.target,
        ...(request.label !== undefined ? { label: request.label } : {}),
        agentId: contact.agentId,
        at: this.clock.now(),
      };
      contact.screenPops.push(pop);
      this.state.saveContact(contact);
      if (this.wants(contact.agentId)) {
        this.emit({
          type: "screen-pop",
          at: pop.at,
          agentId: contact.agentId,
          interactionId: contact.interactionId,
          url: pop.url,
          target: pop.target,
          ...(pop.label !== undefined ? { label: pop.label } : {}),
        });
      }
      return contact.agentId;
    });
  }

  /**
   * The contact left (caller hung up, the flow disconnected or transferred it). Waiting: it is
   * removed. Ringing: the offer is withdrawn and the agent is Available again in the place they
   * had. Connected: the agent's leg is gone, so the contact hears `agent-disconnected` and the
   * agent wraps up. The engine already knows the call ended, so no `ended` notice is sent back.
   */
  contactEnded(interactionId: string, reason: string): void {
    this.op(() => {
      const contact = this.state.contact(interactionId);
      if (!contact) return;
      const handle = this.handles.get(interactionId);
      const by = reason === "caller-hangup" ? "caller" : "system";
      if (contact.state === "queued") {
        const queueId = contact.queueId;
        this.finish(contact, reason);
        if (this.listeners.size > 0) {
          this.emit({ type: "contact-left", at: this.clock.now(), interactionId, ...(queueId ? { queueId } : {}), reason });
        }
      } else if (contact.state === "offered") {
        const agent = this.state.agent(contact.agentId!)!;
        const offer = this.offers.get(contact.offerId!)!;
        this.offers.delete(offer.id);
        offer.timer.cancel();
        this.finish(contact, reason);
        agent.offerId = undefined;
        agent.interactionId = undefined;
        if (this.wants(agent.id)) {
          this.emit({ type: "offer-cancelled", at: this.clock.now(), agentId: agent.id, offerId: offer.id, interactionId, reason: "caller-hangup" });
        }
        this.makeAvailable(agent, true);
      } else if (contact.state === "engaged") {
        const agent = this.state.agent(contact.agentId!)!;
        const agentInfo = this.agentInfo(agent);
        const queue = this.contactQueueInfo(contact);
        this.recordHandle(contact);
        this.startWrapUp(agent);
        this.finish(contact, reason);
        if (handle) this.deliver(handle, { type: "agent-disconnected", agent: agentInfo, queue });
        if (this.wants(agent.id)) {
          this.emit({ type: "ended", at: this.clock.now(), agentId: agent.id, interactionId, by, reason });
        }
      }
    });
  }

  /**
   * Ends every contact (each hears `ended` with the reason), withdraws offers and stops all
   * timers; for a process that is going away. Agents stay logged on, Idle or in WrapUp.
   */
  shutdown(reason = "shutdown"): number {
    return this.op(() => {
      let count = 0;
      for (const contact of [...this.state.contacts()]) {
        const handle = this.handles.get(contact.interactionId);
        const queue = contact.queueId ? this.contactQueueInfo(contact) : undefined;
        const agent = contact.agentId ? this.state.agent(contact.agentId) : undefined;
        if (contact.state === "offered" && agent) {
          const offer = this.offers.get(contact.offerId!);
          if (offer) {
            this.offers.delete(offer.id);
            offer.timer.cancel();
            if (this.wants(agent.id)) {
              this.emit({ type: "offer-cancelled", at: this.clock.now(), agentId: agent.id, offerId: offer.id, interactionId: contact.interactionId, reason: "shutdown" });
            }
          }
          agent.offerId = agent.interactionId = undefined;
          this.setState(agent, "Idle", "Shutdown");
        } else if (contact.state === "engaged" && agent) {
          this.setState(agent, "WrapUp");
          if (this.wants(agent.id)) {
            this.emit({ type: "ended", at: this.clock.now(), agentId: agent.id, interactionId: contact.interactionId, by: "system", reason });
          }
        }
        this.finish(contact, reason);
        if (handle) {
          this.deliver(handle, { type: "ended", reason, ...(agent ? { agent: this.agentInfo(agent) } : {}), ...(queue ? { queue } : {}) });
        }
        count++;
      }
      for (const timer of this.wrapTimers.values()) timer.cancel();
      this.wrapTimers.clear();
      return count;
    });
  }

  // ---------------------------------------------------------------- distribution

  /** Offers waiting contacts of one list to its longest-available agents until one side runs out. */
  private dispatchList(listId: string): void {
    if (isPersonal(listId)) {
      const agent = this.state.agent(listId.slice("@agent:".length));
      if (agent?.state === "Available") this.dispatchAgent(agent);
      return;
    }
    for (;;) {
      const agent = this.state.longestAvailable(listId);
      if (!agent) return;
      const contact = this.state.bestWaiting([listId]);
      if (!contact) return;
      this.offer(contact, agent);
    }
  }

  /** An Available agent takes the best contact across their lists, or waits in every queue's ordering. */
  private dispatchAgent(agent: AgentRecord): void {
    const contact = this.state.bestWaiting(this.listsOf(agent));
    if (contact) this.offer(contact, agent);
    else this.state.markAvailable(agent, this.servedQueues(agent));
  }

  /**
   * The agent becomes Available. `keepPlace` restores their longest-available rank (an offer
   * withdrawn because the caller hung up was not the agent's doing); otherwise they join at the back.
   */
  private makeAvailable(agent: AgentRecord, keepPlace: boolean): void {
    this.clearWrapTimer(agent.id);
    this.state.markUnavailable(agent);
    if (!keepPlace) {
      agent.availableSince = this.clock.now();
      agent.availableSeq = ++this.availableSeq;
    }
    agent.interactionId = undefined;
    agent.offerId = undefined;
    this.setState(agent, "Available");
    this.dispatchAgent(agent);
  }

  private offer(contact: ContactRecord, agent: AgentRecord): void {
    const listId = contact.listId!;
    if (!isPersonal(listId)) this.touch(listId);
    this.state.dequeue(contact);
    this.state.markUnavailable(agent);
    const now = this.clock.now();
    const offerId = ++this.offerSeq;
    contact.state = "offered";
    contact.agentId = agent.id;
    contact.offerId = offerId;
    contact.offeredAt = now;
    contact.offers++;
    this.state.saveContact(contact);
    agent.offerId = offerId;
    agent.interactionId = contact.interactionId;
    this.setState(agent, "Reserved");

    const timer = startTimer(this.clock, this.ringTimeoutMs, () => this.op(() => this.ringTimeout(offerId)));
    this.offers.set(offerId, { id: offerId, interactionId: contact.interactionId, agentId: agent.id, timer });

    const queue = this.contactQueueInfo(contact);
    this.notify(contact, { type: "offered", agent: this.agentInfo(agent), queue });
    if (this.wants(agent.id)) {
      const handle = this.handles.get(contact.interactionId);
      this.emit({
        type: "offer",
        at: now,
        agentId: agent.id,
        offerId,
        interactionId: contact.interactionId,
        kind: contact.kind,
        via: isPersonal(listId) ? "direct" : "queue",
        ani: contact.ani,
        dnis: contact.dnis,
        queue,
        priority: contact.priority,
        ringTimeoutMs: this.ringTimeoutMs,
        callAssociatedData: handle ? safeCad(handle) : [],
      });
    }
  }

  private ringTimeout(offerId: number): void {
    const offer = this.offers.get(offerId);
    if (!offer) return;
    const agent = this.state.agent(offer.agentId)!;
    const requeued = this.cancelOffer(agent, "rona", "rona");
    this.setState(agent, "Idle", "RONA");
    this.dispatchList(requeued);
  }

  /**
   * Withdraws the agent's ringing offer and puts the contact back at the head of its priority
   * (in its queue, or the recovery queue of a queue-to-agent). Returns that list; the caller sets
   * the agent's new state and then dispatches the list.
   */
  private cancelOffer(agent: AgentRecord, reason: OfferCancelReason, notice: "rona" | "declined"): string {
    const offer = this.offers.get(agent.offerId!)!;
    this.offers.delete(offer.id);
    offer.timer.cancel();
    agent.offerId = undefined;
    agent.interactionId = undefined;
    const contact = this.state.contact(offer.interactionId)!;
    this.notify(contact, { type: notice, agent: this.agentInfo(agent), queue: this.contactQueueInfo(contact) });
    if (this.wants(agent.id)) {
      this.emit({ type: "offer-cancelled", at: this.clock.now(), agentId: agent.id, offerId: offer.id, interactionId: contact.interactionId, reason });
    }
    contact.state = "queued";
    contact.agentId = undefined;
    contact.offerId = undefined;
    if (isPersonal(contact.listId!) && contact.recoveryQueueId) {
      contact.listId = contact.recoveryQueueId;
      contact.recoveryQueueId = undefined;
      contact.enqueuedAt = this.clock.now();
    }
    this.state.enqueue(contact, contact.listId!, true);
    this.state.saveContact(contact);
    if (!isPersonal(contact.listId!)) this.touch(contact.listId!);
    return contact.listId!;
  }

  // ---------------------------------------------------------------- contacts

  private newContact(handle: ContactHandle, kind: ContactKind): ContactRecord {
    const now = this.clock.now();
    // Every field from the start (unset ones undefined): one shape for all contacts rather than
    // a chain of shapes as queueing, offering, answering and ending add fields.
    return {
      interactionId: handle.interactionId,
      ani: handle.ani,
      dnis: handle.dnis,
      kind,
      state: "queued",
      queueId: undefined,
      listId: undefined,
      recoveryQueueId: undefined,
      priority: LOWEST_PRIORITY,
      seq: 0,
      enqueuedAt: now,
      firstQueuedAt: now,
      agentId: undefined,
      offerId: undefined,
      offeredAt: undefined,
      answeredAt: undefined,
      offers: 0,
      screenPops: [],
      endedAt: undefined,
      endedReason: undefined,
      callbackId: undefined,
    };
  }

  /** Puts a contact at the back of its priority in a queue (moving it if it waits elsewhere). */
  private place(contact: ContactRecord, queue: QueueRecord, priority: number): ContactRecord {
    if (contact.listId && !isPersonal(contact.listId)) this.touch(contact.listId);
    this.state.dequeue(contact);
    contact.state = "queued";
    contact.queueId = queue.id;
    contact.listId = queue.id;
    contact.recoveryQueueId = undefined;
    contact.priority = priority;
    contact.enqueuedAt = this.clock.now();
    contact.seq = ++this.seq;
    this.state.enqueue(contact, queue.id, false);
    this.state.saveContact(contact);
    this.touch(queue.id);
    this.armMaxWait(contact, queue);
    if (this.listeners.size > 0) {
      this.emit({
        type: "contact-queued",
        at: contact.enqueuedAt,
        interactionId: contact.interactionId,
        kind: contact.kind,
        queue: this.queueInfo(queue),
        priority,
        position: this.state.position(contact),
      });
    }
    return contact;
  }

  private busyFailure(interactionId: string): { ok: false; code: string; description: string } | undefined {
    const c = this.state.contact(interactionId);
    if (c?.state === "offered") return failure("CONTACT_BUSY", `contact ${interactionId} is ringing at agent "${c.agentId}"`);
    if (c?.state === "engaged") return failure("CONTACT_BUSY", `contact ${interactionId} is connected to agent "${c.agentId}"`);
    return undefined;
  }

  /** The center is done with the contact; it stays describable for a while. */
  private finish(contact: ContactRecord, reason: string): void {
    if (contact.listId && !isPersonal(contact.listId) && contact.state === "queued") this.touch(contact.listId);
    contact.state = "ended";
    contact.endedAt = this.clock.now();
    contact.endedReason = reason;
    this.state.deleteContact(contact.interactionId);
    this.handles.delete(contact.interactionId);
    const timer = this.waitTimers.get(contact.interactionId);
    if (timer) {
      timer.cancel();
      this.waitTimers.delete(contact.interactionId);
    }
    this.ended.set(contact.interactionId, contact);
    this.endedOrder.push(contact);
    // Oldest first out. A FIFO beside the map rather than deleting the map's first key: a Map
    // emptied from the front makes every `keys().next()` step over the deleted slots.
    while (this.ended.size > this.endedRetention && this.endedHead < this.endedOrder.length) {
      const old = this.endedOrder[this.endedHead++]!;
      if (this.ended.get(old.interactionId) === old) this.ended.delete(old.interactionId);
    }
    if (this.endedHead > 1024 && this.endedHead * 2 > this.endedOrder.length) {
      this.endedOrder.splice(0, this.endedHead);
      this.endedHead = 0;
    }
  }

  private armMaxWait(contact: ContactRecord, queue: QueueRecord): void {
    this.waitTimers.get(contact.interactionId)?.cancel();
    this.waitTimers.delete(contact.interactionId);
    if (queue.maxWaitSeconds === undefined) return;
    const seq = contact.seq;
    const timer = startTimer(this.clock, queue.maxWaitSeconds * 1000, () =>
      this.op(() => {
        const c = this.state.contact(contact.interactionId);
        // Only a contact still waiting in that same placement times out; one ringing or connected has reached an agent.
        if (!c || c.state !== "queued" || c.seq !== seq) return;
        this.waitTimers.delete(c.interactionId);
        const handle = this.handles.get(c.interactionId);
        const info = this.queueInfo(queue);
        this.finish(c, "max-wait");
        if (handle) this.deliver(handle, { type: "ended", reason: "max-wait", queue: info });
        if (this.listeners.size > 0) {
          this.emit({ type: "contact-left", at: this.clock.now(), interactionId: c.interactionId, queueId: queue.id, reason: "max-wait" });
        }
      }),
    );
    this.waitTimers.set(contact.interactionId, timer);
  }

  /** Offer-to-end time: what an agent spends on one contact, for EWT. */
  private recordHandle(contact: ContactRecord): void {
    if (!contact.queueId || contact.offeredAt === undefined) return;
    const now = this.clock.now();
    this.samples(this.handleSamples, contact.queueId).record(now, now - contact.offeredAt);
  }

  private onCallbackNotice(callback: CallbackSnapshot, notice: CenterNotice): void {
    switch (notice.type) {
      case "offered":
        callback.state = "offered";
        callback.agentId = notice.agent.id;
        break;
      case "rona":
      case "declined":
        callback.state = "waiting";
        delete callback.agentId;
        break;
      case "answered":
        callback.state = "connected";
        break;
      case "agent-disconnected":
        callback.state = "completed";
        break;
      case "ended":
        if (callback.state !== "completed") callback.state = notice.reason === "agent-ended" ? "completed" : "cancelled";
        break;
    }
  }

  /** Contacts parked on an agent who logs out go to their recovery queue, or end. */
  private releaseParked(agent: AgentRecord): void {
    const parked = [...this.state.waiting(personalList(agent.id))];
    for (const contact of parked) {
      const recovery = contact.recoveryQueueId ? this.state.queue(contact.recoveryQueueId) : undefined;
      if (recovery) {
        this.place(contact, recovery, contact.priority);
        this.dispatchList(recovery.id);
      } else {
        const handle = this.handles.get(contact.interactionId);
        this.finish(contact, "agent-logged-out");
        if (handle) this.deliver(handle, { type: "ended", reason: "agent-logged-out", agent: this.agentInfo(agent) });
      }
    }
  }

  // ---------------------------------------------------------------- agents

  private createAgent(config: Pick<AgentConfig, "id" | "name" | "email" | "teamId" | "queues">): AgentRecord {
    const agent: AgentRecord = {
      id: config.id,
      name: config.name,
      ...(config.email ? { email: config.email } : {}),
      ...(config.teamId ? { teamId: config.teamId } : {}),
      queues: [...config.queues],
      state: "LoggedOut",
      since: this.clock.now(),
      availableSince: 0,
      availableSeq: 0,
    };
    this.state.saveAgent(agent);
    if (agent.queues.includes("*")) this.wildcardAgents.add(agent);
    for (const q of this.servedQueues(agent)) this.serversOf(q).add(agent);
    return agent;
  }

  private loginAgent(agent: AgentRecord): void {
    agent.sessionId = randomUUID();
    this.setState(agent, "Idle", "Login");
  }

  private startWrapUp(agent: AgentRecord): void {
    this.setState(agent, "WrapUp");
    if (this.wrapUpMs === undefined) return;
    const timer: ClockTimer = startTimer(this.clock, this.wrapUpMs, () =>
      this.op(() => {
        if (this.wrapTimers.get(agent.id) !== timer) return;
        this.wrapTimers.delete(agent.id);
        if (agent.state === "WrapUp") this.makeAvailable(agent, false);
      }),
    );
    this.wrapTimers.set(agent.id, timer);
  }

  private clearWrapTimer(agentId: string): void {
    const timer = this.wrapTimers.get(agentId);
    if (!timer) return;
    timer.cancel();
    this.wrapTimers.delete(agentId);
  }

  private setState(agent: AgentRecord, state: AgentState, reason?: string): void {
    agent.state = state;
    agent.since = this.clock.now();
    // Cleared, not deleted: a delete turns the record into a dictionary, and every routing
    // comparison then reads the agent's fields the slow way.
    agent.reason = reason;
    this.state.saveAgent(agent);
    if (this.wants(agent.id)) {
      const event: CenterEvent & { type: "agent-state" } = { type: "agent-state", at: agent.since, agentId: agent.id, state };
      if (reason !== undefined) event.reason = reason;
      if (agent.interactionId) event.interactionId = agent.interactionId;
      this.emit(event);
    }
  }

  private requireAgent(agentId: string): AgentRecord {
    const agent = this.state.agent(agentId);
    if (!agent) throw new CenterError("AGENT_NOT_FOUND", `no agent with id "${agentId}"`);
    return agent;
  }

  private requireLoggedOn(agentId: string): AgentRecord {
    const agent = this.requireAgent(agentId);
    if (agent.state === "LoggedOut") throw new CenterError("AGENT_NOT_LOGGED_IN", `agent "${agentId}" is not logged in`);
    return agent;
  }

  private requireRinging(agentId: string, offerId: number | undefined, what: string): AgentRecord {
    const agent = this.requireLoggedOn(agentId);
    if (agent.state !== "Reserved") {
      throw new CenterError("INVALID_STATE", `agent "${agentId}" is ${agent.state}; only a ringing (Reserved) agent can ${what}`);
    }
    if (offerId !== undefined && agent.offerId !== offerId) {
      throw new CenterError("STALE_OFFER", `offer ${offerId} is no longer ringing at agent "${agentId}"`);
    }
    return agent;
  }

  private servedQueues(agent: AgentRecord): string[] {
    if (agent.queues.includes("*")) return [...this.state.queues()].map((q) => q.id);
    return agent.queues;
  }

  private listsOf(agent: AgentRecord): string[] {
    let lists = this.agentLists.get(agent.id);
    if (!lists) this.agentLists.set(agent.id, (lists = [...this.servedQueues(agent), personalList(agent.id)]));
    return lists;
  }

  private serversOf(queueId: string): Set<AgentRecord> {
    let set = this.servers.get(queueId);
    if (!set) this.servers.set(queueId, (set = new Set()));
    return set;
  }

  /** Logged-on agents of a queue, and those working (not Idle). */
  private staffing(queueId: string): { loggedOn: number; working: number } {
    let loggedOn = 0;
    let working = 0;
    for (const a of this.servers.get(queueId) ?? []) {
      if (a.state === "LoggedOut") continue;
      loggedOn++;
      if (a.state !== "Idle") working++;
    }
    return { loggedOn, working };
  }

  // Built field by field rather than with conditional spreads: every agent action returns a
  // snapshot, and each spread allocated a throwaway object. Same fields, same order.
  private agentInfo(agent: AgentRecord): AgentInfo {
    const info: AgentInfo = { id: agent.id, name: agent.name };
    if (agent.email) info.email = agent.email;
    if (agent.teamId) {
      info.teamId = agent.teamId;
      const team = this.state.team(agent.teamId);
      if (team) info.teamName = team.name;
    }
    if (agent.sessionId) info.sessionId = agent.sessionId;
    return info;
  }

  private agentSnapshot(agent: AgentRecord): AgentSnapshot {
    const snap = { id: agent.id, name: agent.name } as AgentSnapshot;
    if (agent.email) snap.email = agent.email;
    if (agent.teamId) {
      snap.teamId = agent.teamId;
      const team = this.state.team(agent.teamId);
      if (team) snap.teamName = team.name;
    }
    snap.queues = agent.queues.slice();
    snap.state = agent.state;
    if (agent.reason !== undefined) snap.reason = agent.reason;
    snap.since = agent.since;
    if (agent.sessionId) snap.sessionId = agent.sessionId;
    if (agent.offerId !== undefined) snap.offerId = agent.offerId;
    if (agent.interactionId) snap.interactionId = agent.interactionId;
    // The agent's personal list id is the last of its cached lists: no id string built per snapshot.
    const lists = this.listsOf(agent);
    snap.parked = this.state.waitingCount(lists[lists.length - 1]!);
    return snap;
  }

  // ---------------------------------------------------------------- queues

  private resolveQueue(id: string): QueueRecord | undefined {
    const queue = this.state.queue(id);
    if (queue) return queue;
    return this.autoCreateQueues ? this.autoCreate(id) : undefined;
  }

  private autoCreate(id: string): QueueRecord {
    const queue = this.createQueue({ id, routing: "LONGEST_AVAILABLE_AGENT" }, true);
    this.notice("info", `queue "${id}" is not in the environment; created it (longest available agent, served by agents with queues ["*"])`);
    return queue;
  }

  private createQueue(config: Pick<QueueConfig, "id" | "routing"> & Partial<QueueConfig>, auto: boolean): QueueRecord {
    const queue: QueueRecord = {
      id: config.id,
      name: config.name ?? config.id,
      routing: config.routing,
      ...(config.maxWaitSeconds !== undefined ? { maxWaitSeconds: config.maxWaitSeconds } : {}),
      auto,
    };
    this.state.saveQueue(queue);
    if (queue.routing === "SKILLS_BASED") {
      this.notice("warn", `queue "${queue.id}": SKILLS_BASED routing is not implemented yet; routing it as LONGEST_AVAILABLE_AGENT`);
    }
    for (const agent of this.wildcardAgents) {
      this.serversOf(queue.id).add(agent);
      this.agentLists.delete(agent.id);
      if (agent.state === "Available") this.state.markAvailable(agent, [queue.id]);
    }
    if (this.listeners.size > 0) this.emit({ type: "queue-created", at: this.clock.now(), queue: this.queueInfo(queue), auto });
    return queue;
  }

  private queueInfo(queue: QueueRecord): QueueInfo {
    return { id: queue.id, name: queue.name };
  }

  /** The queue a contact's notices name; a queue-to-agent contact without a reporting queue names the agent. */
  private contactQueueInfo(contact: ContactRecord): QueueInfo {
    const queue = contact.queueId ? this.state.queue(contact.queueId) : undefined;
    if (queue) return this.queueInfo(queue);
    const listId = contact.listId ?? "";
    const agent = isPersonal(listId) ? this.state.agent(listId.slice("@agent:".length)) : undefined;
    return { id: listId, name: agent ? `Agent ${agent.name}` : listId };
  }

  private samples(map: Map<string, SampleWindow>, queueId: string): SampleWindow {
    let window = map.get(queueId);
    if (!window) map.set(queueId, (window = new SampleWindow()));
    return window;
  }

  private touch(queueId: string): void {
    if (this.listeners.size > 0) this.touched.add(queueId);
  }

  // ---------------------------------------------------------------- delivery

  private op<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) this.endOp();
    }
  }

  private endOp(): void {
    if (this.touched.size > 0) {
      const at = this.clock.now();
      for (const queueId of this.touched) {
        this.emit({ type: "queue-changed", at, queueId, queuedNow: this.state.waitingCount(queueId) });
      }
      this.touched.clear();
    }
    if (this.outbox.length > 0 && !this.flushing && !this.flushScheduled) {
      this.flushScheduled = true;
      // A then on a settled promise rather than queueMicrotask: Node wraps each queueMicrotask
      // callback in an AsyncResource, which costs three times as much.
      SETTLED.then(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    this.flushing = true;
    try {
      // Jobs queued by re-entrant calls land at the end of this same array and run in this loop.
      for (let i = 0; i < this.outbox.length; i += 2) {
        try {
          const handle = this.outbox[i] as ContactHandle | null;
          if (handle) handle.notify(this.outbox[i + 1] as CenterNotice);
          else this.dispatchEvent(this.outbox[i + 1] as CenterEvent);
        } catch (err) {
          this.log("warn", `contact notice handler failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    } finally {
      this.outbox = [];
      this.flushing = false;
    }
  };

  private notify(contact: ContactRecord, notice: CenterNotice): void {
    const handle = this.handles.get(contact.interactionId);
    if (handle) this.deliver(handle, notice);
  }

  private deliver(handle: ContactHandle, notice: CenterNotice): void {
    this.outbox.push(handle, notice);
  }

  private wants(agentId: string): boolean {
    return this.listeners.size > 0 || this.agentListeners.has(agentId);
  }

  private emit(event: CenterEvent): void {
    this.outbox.push(null, event);
  }

  private dispatchEvent(event: CenterEvent): void {
    if (this.listeners.size > 0) for (const listener of this.listeners) this.call(listener, event);
    const agentId = "agentId" in event ? event.agentId : undefined;
    if (!agentId) return;
    const own = this.agentListeners.get(agentId);
    if (own) for (const listener of own) this.call(listener, event);
  }

  /** One failing listener must not keep the event from the others. */
  private call(listener: CenterEventListener, event: CenterEvent): void {
    try {
      listener(event);
    } catch (err) {
      this.log("warn", `center listener failed on ${event.type}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private notice(level: "info" | "warn", message: string): void {
    this.log(level, message);
    if (this.listeners.size > 0) this.emit({ type: "notice", at: this.clock.now(), level, message });
  }
}

const SETTLED = Promise.resolve();

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function safeCad(handle: ContactHandle): CallAssociatedItem[] {
  try {
    return handle.callAssociatedData();
  } catch {
    return [];
  }
}
