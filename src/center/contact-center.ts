/**
 * The contact center: queues, agents, distribution, offers with a ring timeout, wrap-up, queue
 * statistics, queue-to-agent, courtesy callbacks and screen pops. The flow engine sees it as a
 * CenterPort; the server and the agent desktop use the agent-side calls (login, setAvailable,
 * accept, decline, end...) and the snapshots, and follow `subscribe` for live events.
 *
 * This class is the front door; the work is done by its parts, one module each:
 *   agent-machine.ts  the agent state machine (transition table, refusals)
 *   agents.ts         agents through their states, wrap-up timers
 *   router.ts         who gets what: best waiting contact, longest-available agent
 *   offers.ts         ringing offers, ring timers, RONA
 *   contacts.ts       contact records, placement, max-wait, ended contacts
 *   callbacks.ts      courtesy callbacks
 *   queue-statistics.ts  queue-lookup's figures (EWT...)
 *   projections.ts    snapshots the UI and API read
 *   outbox.ts         notices and events, delivered after each operation
 * Every public call runs as one operation (`op`): state first, then what it has to say.
 */
import type { Clock } from "../time/clock.js";
import { checkAgentAction } from "./agent-machine.js";
import { AgentLifecycle } from "./agents.js";
import { CallbackBook, type CallbackSnapshot } from "./callbacks.js";
import { CenterCore, isPersonal, type CenterTimer } from "./center-core.js";
import type { CenterEvent, CenterEventListener, OfferEvent } from "./center-events.js";
import { parseCenterConfig, type CenterConfig, type ParsedCenterConfig } from "./config.js";
import { ContactBook } from "./contacts.js";
import { CenterError, failure } from "./errors.js";
import { OfferBook } from "./offers.js";
import { CenterOutbox } from "./outbox.js";
import { Projections, type AgentSnapshot, type ContactSnapshot, type QueueSnapshot } from "./projections.js";
import { QueueStatistics } from "./queue-statistics.js";
import { autoCreateQueue, createQueue, resolveQueue, retiredFailure } from "./queues.js";
import { Router } from "./router.js";
import { Transfers, type ConsultSnapshot } from "./transfers.js";
import { MemoryCenterState, personalList, type AgentRecord, type CenterState, type QueueRecord, type RoutingType, type ScreenPopRecord } from "./state.js";
import type {
  AgentRequest,
  AgentResult,
  CallbackRequest,
  CenterPort,
  ContactHandle,
  QueueInfo,
  QueueRequest,
  QueueResult,
  QueueStats,
  ScreenPopRequest,
} from "./types.js";
import { LOWEST_PRIORITY } from "./waiting-list.js";
import type { AgentAction, CenterCommand, CenterReplication, ContactData } from "./replication.js";
import { SNAPSHOT_VERSION, type CenterSnapshot } from "./snapshot.js";
import { reconfigureCenter, type CenterReconfiguration } from "./reconfigure.js";

export type { AgentSnapshot, ContactSnapshot, QueueSnapshot, WaitingContactSnapshot } from "./projections.js";
export type { CallbackSnapshot, CallbackState } from "./callbacks.js";

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
  /** On a cluster node: the shared log every change goes through (replication.ts). */
  replication?: CenterReplication;
}

/** Flow Designer: a priority outside 1..9 (or 10) becomes 10, the lowest. */
export function normalizePriority(priority: unknown): number {
  const n = typeof priority === "string" && priority.trim() !== "" ? Number(priority) : priority;
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= LOWEST_PRIORITY ? n : LOWEST_PRIORITY;
}

function isParsed(config: unknown): config is ParsedCenterConfig {
  return typeof config === "object" && config !== null && "config" in config && "notices" in config;
}

export class ContactCenter implements CenterPort {
  readonly clock: Clock;
  readonly state: CenterState;
  private readonly core: CenterCore;
  private readonly outbox: CenterOutbox;
  private readonly replication?: CenterReplication;
  private readonly log: (level: "info" | "warn", message: string) => void;
  /** Set while a logged command is applied: the center then acts instead of logging. */
  private applying = false;

  constructor(options: ContactCenterOptions) {
    this.replication = options.replication;
    this.clock = options.replication?.clock ?? options.clock;
    const state = (this.state = options.state ?? new MemoryCenterState());
    const log = (this.log = options.log ?? (() => {}));
    const parsed: ParsedCenterConfig =
      options.config === undefined
        ? parseCenterConfig({})
        : isParsed(options.config)
          ? options.config
          : parseCenterConfig(options.config);
    const settings = parsed.config.center;
    let wrapUpMs: number | undefined;
    if (options.wrapUpMs !== undefined) wrapUpMs = options.wrapUpMs ?? undefined;
    else wrapUpMs = settings.wrapUpSeconds === undefined ? undefined : settings.wrapUpSeconds * 1000;
    this.outbox = new CenterOutbox(this.clock, (listId) => state.waitingCount(listId), log);
    const core = (this.core = new CenterCore(
      this.clock,
      state,
      {
        ringTimeoutMs: options.ringTimeoutMs ?? settings.ringTimeoutSeconds * 1000,
        wrapUpMs,
        declineState: options.declineState ?? settings.declineState,
        autoCreateQueues: options.autoCreateQueues ?? settings.autoCreateQueues,
        ewtLookbackMinutes: options.ewtLookbackMinutes ?? settings.ewtLookbackMinutes,
        endedRetention: options.endedRetention ?? 1000,
      },
      this.outbox,
      log,
    ));
    core.agents = new AgentLifecycle(core);
    core.router = new Router(core);
    core.offers = new OfferBook(core);
    core.contacts = new ContactBook(core);
    core.callbacks = new CallbackBook(core);
    core.stats = new QueueStatistics(core);
    core.views = new Projections(core);
    core.transfers = new Transfers(core);
    const replication = this.replication;
    if (replication) {
      core.timerHook = (timer) => {
        replication.timerElapsed(timer);
        return true;
      };
      core.newSessionId = () => replication.newSessionId();
    }

    this.op(() => {
      for (const team of parsed.config.teams) state.saveTeam({ id: team.id, name: team.name });
      for (const queue of parsed.config.queues) createQueue(core, queue, false);
      for (const agent of parsed.config.agents) core.agents.create(agent);
      for (const agent of parsed.config.agents) {
        // A cluster node's agents sign in through the shared log, not each node at its start.
        if (agent.available && !this.replication) {
          core.agents.login(state.agent(agent.id)!);
          core.agents.makeAvailable(state.agent(agent.id)!, "available", false);
        }
      }
    });
  }

  // ---------------------------------------------------------------- observation

  /** Every center event. Returns the unsubscribe function. */
  subscribe(listener: CenterEventListener): () => void {
    return this.outbox.subscribe(listener);
  }

  /** Events concerning one agent (state, offers, answers, ends, screen pops). */
  subscribeAgent(agentId: string, listener: CenterEventListener): () => void {
    return this.outbox.subscribeAgent(agentId, listener);
  }

  /**
   * Gives every event from now on an id (`eventId`), so a socket that reconnects can say which it
   * saw last. On a cluster node the id is the shared log entry's id and the event's rank within
   * it, the same on every node; on one node, a counter of this process.
   */
  numberEvents(): void {
    if (this.outbox.stamp) return;
    const replication = this.replication;
    if (replication) {
      this.outbox.stamp = () => replication.eventId();
      return;
    }
    const boot = Date.now().toString(36);
    let n = 0;
    this.outbox.stamp = () => `${boot}-${++n}`;
  }

  /** The id of an event emitted since numberEvents(). */
  eventId(event: CenterEvent): string | undefined {
    return this.outbox.idOf(event);
  }

  /** Resolves once every queued notice and event has been delivered. */
  settle(): Promise<void> {
    return this.outbox.settle();
  }

  listQueues(): QueueSnapshot[] {
    return this.core.views.listQueues();
  }

  listAgents(): AgentSnapshot[] {
    return [...this.state.agents()].map((a) => this.core.views.agentSnapshot(a));
  }

  /** The offer ringing at the agent, described as its `offer` event was (offers.ts describe). */
  ringingOffer(agentId: string): OfferEvent | undefined {
    return this.core.offers.describe(agentId);
  }

  agent(agentId: string): AgentSnapshot | undefined {
    const a = this.state.agent(agentId);
    return a ? this.core.views.agentSnapshot(a) : undefined;
  }

  /** A live contact, or one that ended recently. */
  contact(interactionId: string): ContactSnapshot | undefined {
    return this.core.views.contact(interactionId);
  }

  listCallbacks(): CallbackSnapshot[] {
    return this.core.callbacks.list();
  }

  /** The lists an agent takes contacts from: the queues served, then the agent's parked contacts. */
  routingLists(agentId: string): readonly string[] {
    const agent = this.state.agent(agentId);
    return agent ? this.core.router.listsOf(agent) : [];
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
      if (existing) return { queue: this.core.views.queueInfo(existing), created: false };
      return { queue: this.core.views.queueInfo(autoCreateQueue(this.core, id)), created: true };
    });
  }

  addQueue(queue: { id: string; name?: string; routing?: RoutingType; maxWaitSeconds?: number }): QueueInfo {
    return this.op(() => {
      const existing = this.state.queue(queue.id);
      if (existing) return this.core.views.queueInfo(existing);
      return this.core.views.queueInfo(createQueue(this.core, { routing: "LONGEST_AVAILABLE_AGENT", ...queue }, false));
    });
  }

  /** Adds a logged-out agent; queues it names that do not exist are created as auto queues. */
  addAgent(agent: { id: string; name: string; email?: string; teamId?: string; queues?: string[] }): AgentSnapshot {
    return this.op(() => {
      if (this.state.agent(agent.id)) throw new CenterError("INVALID_STATE", `agent "${agent.id}" already exists`);
      if (agent.email && this.state.agentByEmail(agent.email)) {
        throw new CenterError("INVALID_STATE", `email "${agent.email}" is already used by another agent`);
      }
      for (const q of agent.queues ?? []) if (q !== "*" && !this.state.queue(q)) autoCreateQueue(this.core, q);
      return this.core.views.agentSnapshot(this.core.agents.create({ queues: [], ...agent }));
    });
  }

  /**
   * The environment file changed (`serve --watch`): queue settings, teams and agents take the new
   * values (reconfigure.ts says how). Returns one line per change. A cluster node changes none:
   * its nodes share the center through the log, and each would apply its own file.
   */
  reconfigure(next: CenterReconfiguration): string[] {
    if (this.replication) return ["queues, teams and agents are shared by the cluster's nodes through Redis: a change to them is applied when the nodes restart"];
    return this.op(() => reconfigureCenter(this.core, next, (agentId) => this.logout(agentId)));
  }

  // ---------------------------------------------------------------- agent side

  /** Logs the agent on, Idle (reason `Login`), or Available with `{available: true}`. */
  login(agentId: string, options: { available?: boolean } = {}): AgentSnapshot {
    if (this.viaLog) return this.forward("login", [agentId, options], agentId);
    return this.op(() => {
      const agent = this.core.agents.require(agentId);
      if (agent.state === "LoggedOut") this.core.agents.login(agent);
      if (options.available && agent.state === "Idle") this.core.agents.makeAvailable(agent, "available", false);
      return this.core.views.agentSnapshot(agent);
    });
  }

  /**
   * Logs the agent off. A ringing offer goes back to its queue (the contact hears `rona`);
   * contacts parked on the agent go to their recovery queue or end. Not allowed while Engaged.
   */
  logout(agentId: string): AgentSnapshot {
    if (this.viaLog) return this.forward("logout", [agentId], agentId);
    return this.op(() => {
      const { agents, offers, router, views } = this.core;
      const agent = agents.require(agentId);
      if (agent.state === "LoggedOut") return views.agentSnapshot(agent);
      checkAgentAction(agentId, agent.state, "logout");
      const requeued = agent.state === "Reserved" ? offers.cancel(agent, "logout", "rona") : undefined;
      this.state.markUnavailable(agent);
      agents.clearWrapTimer(agent.id);
      agent.interactionId = undefined;
      agents.setState(agent, "logout");
      agent.sessionId = undefined;
      this.state.saveAgent(agent);
      agents.releaseParked(agent);
      if (requeued) router.dispatchList(requeued);
      return views.agentSnapshot(agent);
    });
  }

  /** Idle or WrapUp → Available; takes the best waiting contact at once if there is one. */
  setAvailable(agentId: string): AgentSnapshot {
    if (this.viaLog) return this.forward("setAvailable", [agentId], agentId);
    return this.available(agentId, true)!;
  }

  /** setAvailable itself; `snapshot` false for act(), whose caller reads none (the simulated agents). */
  private available(agentId: string, snapshot: boolean): AgentSnapshot | undefined {
    this.outbox.begin();
    try {
      const agent = this.core.agents.require(agentId);
      checkAgentAction(agentId, agent.state, "available");
      if (agent.state !== "Available") this.core.agents.makeAvailable(agent, "available", false);
      return snapshot ? this.core.views.agentSnapshot(agent) : undefined;
    } finally {
      this.outbox.end();
    }
  }

  /**
   * `setAvailable`, `accept` or `end` for a caller that reads no snapshot back (the simulated
   * agents, which act three times per contact): the same action, through the log on a cluster
   * node, without building the snapshot the method returns.
   */
  act(action: "setAvailable" | "accept" | "end", agentId: string, offerId?: number): void {
    if (this.viaLog) {
      this.core.agents.require(agentId);
      this.logQuietly({ op: "agent", action, args: action === "accept" ? [agentId, offerId] : [agentId] });
      return;
    }
    if (action === "accept") this.take(agentId, offerId, false);
    else if (action === "end") this.hangUp(agentId, false);
    else this.available(agentId, false);
  }

  /** Available, WrapUp or Idle → Idle with a reason (`Break`, `Lunch`...). */
  setIdle(agentId: string, reason = "Idle"): AgentSnapshot {
    if (this.viaLog) return this.forward("setIdle", [agentId, reason], agentId);
    return this.op(() => {
      const agent = this.core.agents.require(agentId);
      checkAgentAction(agentId, agent.state, "idle");
      this.core.agents.makeIdle(agent, reason);
      return this.core.views.agentSnapshot(agent);
    });
  }

  /** The desktop's state switch: a logged-out agent is logged on first, then made Available or Idle. */
  requestState(agentId: string, request: { state: "Available" | "Idle"; reason?: string }): AgentSnapshot {
    if (this.viaLog) return this.forward("requestState", [agentId, request], agentId);
    return this.op(() => {
      const agent = this.core.agents.require(agentId);
      if (agent.state === "LoggedOut") this.login(agentId);
      return request.state === "Available" ? this.setAvailable(agentId) : this.setIdle(agentId, request.reason ?? "Idle");
    });
  }

  /** Ends wrap-up by hand: Available (the default) or Idle with a reason. Only in WrapUp. */
  finishWrapUp(agentId: string, next: { state?: "Available" | "Idle"; reason?: string } = {}): AgentSnapshot {
    if (this.viaLog) return this.forward("finishWrapUp", [agentId, next], agentId);
    return this.op(() => {
      const agent = this.core.agents.require(agentId);
      checkAgentAction(agentId, agent.state, "finish-wrap-up");
      return next.state === "Idle" ? this.setIdle(agentId, next.reason ?? "Idle") : this.setAvailable(agentId);
    });
  }

  /**
   * The agent's desktop is gone (no socket came back within the grace period). An Available
   * agent goes Idle (`Disconnected`); a ringing offer is declined first so the caller does not
   * ring out on a screen nobody sees. A call in progress, wrap-up or Idle is left alone.
   * Returns the agent when something changed.
   */
  desktopLost(agentId: string): AgentSnapshot | undefined {
    if (this.viaLog) return this.forward("desktopLost", [agentId], agentId);
    return this.op(() => {
      const agent = this.state.agent(agentId);
      if (!agent || (agent.state !== "Available" && agent.state !== "Reserved")) return undefined;
      if (agent.state === "Reserved") this.decline(agentId);
      return this.setIdle(agentId, "Disconnected");
    });
  }

  /** The ringing agent takes the contact: Engaged, and the contact hears `answered`. */
  accept(agentId: string, offerId?: number): AgentSnapshot {
    if (this.viaLog) return this.forward("accept", [agentId, offerId], agentId);
    return this.take(agentId, offerId, true)!;
  }

  /** accept itself (see available). */
  private take(agentId: string, offerId: number | undefined, snapshot: boolean): AgentSnapshot | undefined {
    this.outbox.begin();
    try {
      const { agents, offers, views, stats, outbox } = this.core;
      const agent = this.requireRinging(agentId, offerId, "accept");
      const offer = offers.take(agent.offerId!)!;
      const contact = this.state.contact(offer.interactionId)!;
      const now = this.clock.now();
      contact.state = "engaged";
      contact.answeredAt = now;
      this.state.saveContact(contact);
      stats.recordWait(contact, now);
      agents.setState(agent, "accept");
      const info = views.contactQueueInfo(contact);
      this.core.notify(contact, { type: "answered", agent: views.agentInfo(agent), queue: info });
      if (outbox.wants(agent.id)) {
        outbox.emit({ type: "answered", at: now, agentId: agent.id, interactionId: contact.interactionId, queue: info });
      }
      return snapshot ? this.core.views.agentSnapshot(agent) : undefined;
    } finally {
      this.outbox.end();
    }
  }

  /** The ringing agent refuses: the contact goes back to the head of its priority. */
  decline(agentId: string, offerId?: number): AgentSnapshot {
    if (this.viaLog) return this.forward("decline", [agentId, offerId], agentId);
    return this.op(() => {
      const { agents, offers, router } = this.core;
      const agent = this.requireRinging(agentId, offerId, "decline");
      const requeued = offers.cancel(agent, "declined", "declined");
      if (this.core.settings.declineState === "Available") {
        // Others Available for that queue get the contact first; the decliner rejoins at the back.
        router.dispatchList(requeued);
        agents.makeAvailable(agent, "decline", false);
      } else {
        agents.setState(agent, "decline", "Idle", "Declined");
        router.dispatchList(requeued);
      }
      return this.core.views.agentSnapshot(agent);
    });
  }

  /** The agent hangs up: the contact hears `agent-disconnected` then `ended`; the agent wraps up. */
  end(agentId: string): AgentSnapshot {
    if (this.viaLog) return this.forward("end", [agentId], agentId);
    return this.hangUp(agentId, true)!;
  }

  /** end itself (see available). */
  private hangUp(agentId: string, snapshot: boolean): AgentSnapshot | undefined {
    this.outbox.begin();
    try {
      const { agents, views, stats, contacts, outbox } = this.core;
      const agent = agents.require(agentId);
      checkAgentAction(agentId, agent.state, "end");
      // A consulted agent hanging up leaves the consult, not the caller's call.
      if (this.core.transfers.consultFor(agentId)?.to === agentId) return this.endConsult(agentId);
      this.core.transfers.contactGone(agent.interactionId!);
      const contact = this.state.contact(agent.interactionId!)!;
      const handle = this.core.handles.get(contact.interactionId);
      const agentInfo = views.agentInfo(agent);
      const queue = views.contactQueueInfo(contact);
      stats.recordHandle(contact);
      agents.startWrapUp(agent, "end");
      contacts.finish(contact, "agent-ended");
      if (handle) {
        outbox.deliver(handle, { type: "agent-disconnected", agent: agentInfo, queue });
        outbox.deliver(handle, { type: "ended", reason: "agent-ended", agent: agentInfo, queue });
      }
      if (outbox.wants(agent.id)) {
        outbox.emit({ type: "ended", at: this.clock.now(), agentId: agent.id, interactionId: contact.interactionId, by: "agent", reason: "agent-ended" });
      }
      return snapshot ? this.core.views.agentSnapshot(agent) : undefined;
    } finally {
      this.outbox.end();
    }
  }

  // ---------------------------------------------------------------- transfers and consults (transfers.ts)

  /** Blind transfer of the agent's call to a queue, or to an Available agent. */
  transfer(agentId: string, to: { queueId: string } | { agentId: string } | { number: string }): AgentSnapshot {
    if (this.viaLog) return this.forward("transfer", [agentId, to], agentId);
    return this.op(() => {
      if ("number" in to) this.core.transfers.toNumber(agentId, to.number);
      else if ("queueId" in to) this.core.transfers.toQueue(agentId, to.queueId);
      else this.core.transfers.toAgent(agentId, to.agentId);
      return this.core.views.agentSnapshot(this.core.agents.require(agentId));
    });
  }

  /**
   * Brings an Available agent onto the call while the caller waits on hold: the one named, or the
   * longest-available agent of the queue named.
   */
  consult(agentId: string, target: string | { queueId: string }): AgentSnapshot {
    if (this.viaLog) return this.forward("consult", [agentId, target], agentId);
    return this.op(() => {
      if (typeof target === "string") this.core.transfers.consult(agentId, target);
      else this.core.transfers.consultQueue(agentId, target.queueId);
      return this.core.views.agentSnapshot(this.core.agents.require(agentId));
    });
  }

  /** Consulted transfer: the consulted agent takes the contact, the asking one wraps up. */
  completeConsult(agentId: string): AgentSnapshot {
    if (this.viaLog) return this.forward("completeConsult", [agentId], agentId);
    return this.op(() => {
      this.core.transfers.completeConsult(agentId);
      return this.core.views.agentSnapshot(this.core.agents.require(agentId));
    });
  }

  /** Ends a consult (either agent); the call stays with the asking agent. */
  endConsult(agentId: string): AgentSnapshot {
    if (this.viaLog) return this.forward("endConsult", [agentId], agentId);
    return this.op(() => {
      this.core.transfers.endConsult(agentId);
      return this.core.views.agentSnapshot(this.core.agents.require(agentId));
    });
  }

  /** The consult an agent takes part in, asking or consulted. */
  consultFor(agentId: string): ConsultSnapshot | undefined {
    return this.core.transfers.consultFor(agentId);
  }

  // ---------------------------------------------------------------- CenterPort

  queueContact(request: QueueRequest): QueueResult {
    if (this.viaLog) return this.logQueueContact(request);
    this.outbox.begin();
    try {
      const { views, contacts, router } = this.core;
      const queueId = request.queueId?.trim();
      if (!queueId) return failure("QUEUE_NOT_FOUND", "queue-contact has no queue id (the destination is empty)");
      // Before the queue is resolved: a refused request auto-creates no queue (a cluster node refuses it before logging it).
      const busy = contacts.busyFailure(request.contact.interactionId);
      if (busy) return busy;
      const queue = resolveQueue(this.core, queueId);
      if (!queue) {
        return failure("QUEUE_NOT_FOUND", `queue "${queueId}" is not defined in the environment and autoCreateQueues is off`);
      }
      if (queue.retiring) return retiredFailure(queue);
      const priority = normalizePriority(request.priority);
      const existing = this.state.contact(request.contact.interactionId);
      if (existing?.state === "queued" && existing.listId === queue.id && existing.priority === priority) {
        return { ok: true, queue: views.queueInfo(queue), position: this.state.position(existing) };
      }
      this.core.handles.set(request.contact.interactionId, request.contact);
      const contact = contacts.place(existing ?? contacts.create(request.contact, "call"), queue, priority);
      const position = this.state.position(contact);
      router.dispatchList(queue.id);
      return { ok: true, queue: views.queueInfo(queue), position };
    } finally {
      this.outbox.end();
    }
  }

  setContactPriority(interactionId: string, priority: number): QueueResult {
    if (this.viaLog) {
      const contact = this.state.contact(interactionId);
      if (contact?.state !== "queued" || !contact.listId) return failure("CONTACT_NOT_QUEUED", `contact ${interactionId} is not waiting in a queue`);
      if (!this.replication!.healthy) return unavailable();
      this.logQuietly({ op: "setContactPriority", interactionId, priority });
      return { ok: true, queue: this.core.views.contactQueueInfo(contact), position: this.state.position(contact) };
    }
    return this.op(() => {
      const contact = this.state.contact(interactionId);
      if (contact?.state !== "queued" || !contact.listId) return failure("CONTACT_NOT_QUEUED", `contact ${interactionId} is not waiting in a queue`);
      const level = normalizePriority(priority);
      if (contact.priority !== level) {
        this.state.dequeue(contact);
        contact.priority = level;
        this.state.enqueue(contact, contact.listId, false);
        this.state.saveContact(contact);
        if (!isPersonal(contact.listId)) this.outbox.touch(contact.listId);
        this.core.router.dispatchList(contact.listId);
      }
      return { ok: true, queue: this.core.views.contactQueueInfo(contact), position: this.state.position(contact) };
    });
  }

  /**
   * The caller's number changed after the contact reached the center: its record (what queues,
   * the supervisor and offers read) takes the new number, and the agent it rings for or talks to
   * (and a consulted agent) hears `contact-updated`. On a cluster node the call's node logs it, and
   * every copy applies it.
   */
  contactAniChanged(interactionId: string, ani: string): void {
    if (this.viaLog) {
      // Also when this copy does not hold the contact yet: its queue-contact may be in the log, not applied here yet.
      if (this.state.contact(interactionId)?.ani !== ani) this.logQuietly({ op: "contactAni", interactionId, ani });
      return;
    }
    this.op(() => {
      const contact = this.state.contact(interactionId);
      if (!contact || contact.ani === ani) return;
      const previousAni = contact.ani;
      contact.ani = ani;
      this.state.saveContact(contact);
      if (contact.listId && !isPersonal(contact.listId)) this.outbox.touch(contact.listId);
      else if (contact.queueId) this.outbox.touch(contact.queueId);
      const consult = this.core.transfers.consultOf(interactionId);
      const at = this.clock.now();
      for (const agentId of new Set([contact.agentId, consult?.from, consult?.to])) {
        if (agentId && this.outbox.wants(agentId)) this.outbox.emit({ type: "contact-updated", at, agentId, interactionId, ani, previousAni });
      }
    });
  }

  queueToAgent(request: AgentRequest): AgentResult {
    if (this.viaLog) return this.logQueueToAgent(request);
    return this.op(() => {
      const { views, contacts, offers, outbox } = this.core;
      const target = this.queueToAgentTarget(request);
      if (!target.ok) return target;
      const { agent } = target;
      let recovery: QueueRecord | undefined;
      if (request.reportingQueueId?.trim()) {
        recovery = resolveQueue(this.core, request.reportingQueueId.trim());
        if (!recovery) {
          return failure("QUEUE_NOT_FOUND", `reporting queue "${request.reportingQueueId}" is not defined and autoCreateQueues is off`);
        }
      }
      this.core.handles.set(request.contact.interactionId, request.contact);
      const existing = this.state.contact(request.contact.interactionId);
      const contact = existing ?? contacts.create(request.contact, "call");
      if (existing?.listId) outbox.touch(existing.listId);
      this.state.dequeue(contact);
      contact.priority = normalizePriority(request.priority);
      contact.queueId = recovery?.id;
      contact.recoveryQueueId = recovery?.id;
      contact.listId = personalList(agent.id);
      contact.enqueuedAt = this.clock.now();
      contact.seq = contacts.nextSeq();
      contact.state = "queued";
      this.state.enqueue(contact, contact.listId, false);
      this.state.saveContact(contact);
      if (agent.state === "Available") offers.open(contact, agent);
      return { ok: true, agent: views.agentInfo(agent), state: agent.state };
    });
  }

  queueStats(queueId: string, contact?: ContactHandle, options: { lookbackMinutes?: number } = {}): QueueStats | undefined {
    return this.op(() => {
      const queue = queueId?.trim() ? resolveQueue(this.core, queueId.trim()) : undefined;
      if (!queue) return undefined;
      return this.core.stats.queueStats(queue, contact, options.lookbackMinutes);
    });
  }

  /** Records a courtesy callback and queues it like a contact (see callbacks.ts). */
  registerCallback(request: CallbackRequest, id?: string): { ok: true; id: string } | { ok: false; code: string; description: string } {
    if (this.viaLog) {
      if (!this.replication!.healthy) return unavailable();
      const chosen = this.replication!.newCallbackId();
      const { contact, ...rest } = request;
      this.logQuietly({ op: "registerCallback", id: chosen, contact: contactData(contact), ...rest });
      return { ok: true, id: chosen };
    }
    return this.op(() => this.core.callbacks.register(request, id));
  }

  screenPop(request: ScreenPopRequest): string | undefined {
    if (this.viaLog) {
      const contact = this.state.contact(request.contact.interactionId);
      if (!contact?.agentId || (contact.state !== "offered" && contact.state !== "engaged")) return undefined;
      const { contact: handle, ...rest } = request;
      this.logQuietly({ op: "screenPop", contact: contactData(handle), ...rest });
      return contact.agentId;
    }
    this.outbox.begin();
    try {
      const contact = this.state.contact(request.contact.interactionId);
      if (!contact?.agentId || (contact.state !== "offered" && contact.state !== "engaged")) return undefined;
      // Two literals rather than a conditional spread (a throwaway object and a slow copy per pop).
      const { url, target, label } = request;
      const agentId = contact.agentId;
      const at = this.clock.now();
      const pop: ScreenPopRecord = label !== undefined ? { url, target, label, agentId, at } : { url, target, agentId, at };
      // The first pop replaces the empty array: a push to it would give it room for 17.
      if (contact.screenPops.length === 0) contact.screenPops = [pop];
      else contact.screenPops.push(pop);
      this.state.saveContact(contact);
      if (this.outbox.wants(agentId)) {
        const interactionId = contact.interactionId;
        this.outbox.emit(
          label !== undefined
            ? { type: "screen-pop", at, agentId, interactionId, url, target, label }
            : { type: "screen-pop", at, agentId, interactionId, url, target },
        );
      }
      return contact.agentId;
    } finally {
      this.outbox.end();
    }
  }

  /**
   * The contact left (caller hung up, the flow disconnected or transferred it). Waiting: it is
   * removed. Ringing: the offer is withdrawn and the agent is Available again in the place they
   * had. Connected: the agent's leg is gone, so the contact hears `agent-disconnected` and the
   * agent wraps up. The engine already knows the call ended, so no `ended` notice is sent back.
   */
  contactEnded(interactionId: string, reason: string): void {
    if (this.viaLog) {
      this.logQuietly({ op: "contactEnded", interactionId, reason });
      return;
    }
    this.outbox.begin();
    try {
      const { agents, offers, views, stats, contacts, outbox } = this.core;
      const contact = this.state.contact(interactionId);
      if (!contact) return;
      this.core.transfers.contactGone(interactionId);
      const handle = this.core.handles.get(interactionId);
      const by = reason === "caller-hangup" ? "caller" : "system";
      if (contact.state === "queued") {
        const queueId = contact.queueId;
        contacts.finish(contact, reason);
        if (outbox.listening) {
          outbox.emit({ type: "contact-left", at: this.clock.now(), interactionId, ...(queueId ? { queueId } : {}), reason });
        }
      } else if (contact.state === "offered") {
        const agent = this.state.agent(contact.agentId!)!;
        const offer = offers.take(contact.offerId!)!;
        contacts.finish(contact, reason);
        agent.offerId = undefined;
        agent.interactionId = undefined;
        if (outbox.wants(agent.id)) {
          outbox.emit({ type: "offer-cancelled", at: this.clock.now(), agentId: agent.id, offerId: offer.id, interactionId, reason: "caller-hangup" });
        }
        agents.makeAvailable(agent, "withdrawn", true);
      } else if (contact.state === "engaged") {
        const agent = this.state.agent(contact.agentId!)!;
        const agentInfo = views.agentInfo(agent);
        const queue = views.contactQueueInfo(contact);
        stats.recordHandle(contact);
        agents.startWrapUp(agent, "contact-ended");
        contacts.finish(contact, reason);
        if (handle) outbox.deliver(handle, { type: "agent-disconnected", agent: agentInfo, queue });
        if (outbox.wants(agent.id)) {
          outbox.emit({ type: "ended", at: this.clock.now(), agentId: agent.id, interactionId, by, reason });
        }
      }
    } finally {
      this.outbox.end();
    }
  }

  /**
   * Ends every contact (each hears `ended` with the reason), withdraws offers and stops all
   * timers; for a process that is going away. Agents stay logged on, Idle or in WrapUp.
   */
  shutdown(reason = "shutdown"): number {
    if (this.viaLog) {
      // A cluster node leaving ends its own calls (through the log); the other nodes' go on.
      this.logQuietly({ op: "nodeLost", node: this.replication!.nodeId, reason });
      return this.replication!.localContacts();
    }
    return this.op(() => {
      const { agents, offers, views, contacts, outbox } = this.core;
      let count = 0;
      for (const contact of [...this.state.contacts()]) {
        this.core.transfers.contactGone(contact.interactionId);
        const handle = this.core.handles.get(contact.interactionId);
        const queue = contact.queueId ? views.contactQueueInfo(contact) : undefined;
        const agent = contact.agentId ? this.state.agent(contact.agentId) : undefined;
        if (contact.state === "offered" && agent) {
          const offer = offers.take(contact.offerId!);
          if (offer && outbox.wants(agent.id)) {
            outbox.emit({ type: "offer-cancelled", at: this.clock.now(), agentId: agent.id, offerId: offer.id, interactionId: contact.interactionId, reason: "shutdown" });
          }
          agent.offerId = agent.interactionId = undefined;
          agents.setState(agent, "shutdown", "Idle", "Shutdown");
        } else if (contact.state === "engaged" && agent) {
          agents.setState(agent, "shutdown", "WrapUp");
          if (outbox.wants(agent.id)) {
            outbox.emit({ type: "ended", at: this.clock.now(), agentId: agent.id, interactionId: contact.interactionId, by: "system", reason });
          }
        }
        contacts.finish(contact, reason);
        if (handle) {
          outbox.deliver(handle, { type: "ended", reason, ...(agent ? { agent: views.agentInfo(agent) } : {}), ...(queue ? { queue } : {}) });
        }
        count++;
      }
      agents.stopAllTimers();
      return count;
    });
  }

  // ---------------------------------------------------------------- cluster nodes (replication.ts)

  /**
   * Runs an agent-side action and resolves with its result. On one node that is the method
   * itself; on a cluster node the action goes through the shared log and resolves once this node
   * has applied it in the log's order (so of three nodes accepting one offer, one wins).
   */
  async perform<A extends AgentAction>(action: A, ...args: Parameters<ContactCenter[A]>): Promise<ReturnType<ContactCenter[A]>> {
    if (this.replication?.live) {
      if (!this.replication.healthy) throw unavailableError();
      return (await this.replication.submit({ op: "agent", action, args })) as ReturnType<ContactCenter[A]>;
    }
    return (this[action] as (...a: unknown[]) => ReturnType<ContactCenter[A]>)(...args);
  }

  /**
   * Applies one command of the shared log to this node's copy of the center. `handle` is the
   * engine's handle when the contact's call runs on this node, a stand-in otherwise.
   */
  applyCommand(command: CenterCommand, handle?: ContactHandle): unknown {
    this.applying = true;
    try {
      switch (command.op) {
        case "agent":
          return (this[command.action] as (...a: unknown[]) => unknown).apply(this, command.args);
        case "queueContact":
          return this.queueContact({ contact: handle!, queueId: command.queueId, priority: command.priority, ...(command.skills !== undefined ? { skills: command.skills } : {}) });
        case "queueToAgent": {
          const { op: _op, contact: _c, ...rest } = command;
          return this.queueToAgent({ ...rest, contact: handle! });
        }
        case "setContactPriority":
          return this.setContactPriority(command.interactionId, command.priority);
        case "registerCallback": {
          const { op: _op, contact: _c, id, ...rest } = command;
          return this.registerCallback({ ...rest, contact: handle! }, id);
        }
        case "screenPop": {
          const { op: _op, contact: _c, ...rest } = command;
          return this.screenPop({ ...rest, contact: handle! });
        }
        case "contactEnded":
          return this.contactEnded(command.interactionId, command.reason);
        case "contactAni":
          return this.contactAniChanged(command.interactionId, command.ani);
        case "timer":
          return this.timerElapsed(command.timer);
        case "nodeLost":
          return undefined;
      }
    } finally {
      this.applying = false;
    }
  }

  /**
   * A node is gone (its lease ran out, or it left): its contacts end with `reason` (their calls
   * died with it); its agents' ringing offers expire as RONA, a call they were on ends, and they
   * go through WrapUp to LoggedOut. Contacts and agents of the other nodes are not touched.
   */
  applyNodeLost(contactIds: readonly string[], agentIds: readonly string[], reason: string): void {
    this.applying = true;
    try {
      this.op(() => {
        for (const id of contactIds) this.contactEnded(id, reason);
        for (const id of agentIds) {
          const agent = this.state.agent(id);
          if (!agent) continue;
          if (agent.state === "Reserved" && agent.offerId !== undefined) this.core.offers.ringTimeout(agent.offerId);
          if (agent.state === "Engaged") this.end(id);
          if (agent.state !== "LoggedOut" && agent.state !== "Engaged") this.logout(id);
        }
      });
    } finally {
      this.applying = false;
    }
  }

  /** A timer a node logged (see CenterCore.timerHook): acts as the timer would have, if it still applies. */
  timerElapsed(timer: CenterTimer): void {
    this.op(() => {
      if (timer.kind === "ring") this.core.offers.ringTimeout(timer.offerId);
      else if (timer.kind === "wrap-up") this.core.agents.wrapUpElapsed(timer.agentId, timer.since);
      else this.core.contacts.maxWaitElapsed(timer.interactionId, timer.seq);
    });
  }

  /**
   * The center as plain data (center/snapshot.ts), for a cluster node's snapshot. Only the
   * in-memory state can be taken this way.
   */
  snapshot(): CenterSnapshot {
    const core = this.core;
    const state = this.memoryState();
    return {
      version: SNAPSHOT_VERSION,
      queues: [...state.queues()],
      agents: [...state.agents()],
      contacts: [...state.contacts()].map((record) => {
        const handle = record.kind === "call" ? core.handles.get(record.interactionId) : undefined;
        return { record, cad: handle ? contactData(handle).cad : [] };
      }),
      order: state.exportOrder(),
      availableSeq: core.agents.snapshot().availableSeq,
      offers: core.offers.snapshot(),
      arrivals: core.contacts.snapshot(),
      callbacks: core.callbacks.snapshot(),
      consults: core.transfers.snapshot(),
      stats: core.stats.snapshot(),
    };
  }

  /**
   * Loads a snapshot into a center built from the same configuration that holds no contact yet
   * (a node joining a cluster). `standIn` gives the handle of a call that runs elsewhere.
   * `replace`: the center holds a copy that went its own way (a node taken for dead while it was
   * frozen); everything but its configuration is forgotten first, timers stopped.
   */
  restore(snapshot: CenterSnapshot, standIn: (data: ContactData) => ContactHandle, { replace = false } = {}): void {
    if (snapshot.version !== SNAPSHOT_VERSION) throw new Error(`center snapshot version ${String(snapshot.version)} is not ${SNAPSHOT_VERSION}`);
    const core = this.core;
    const state = this.memoryState();
    if (replace) {
      core.offers.clear();
      core.contacts.clear();
      core.callbacks.clear();
      core.transfers.clear();
      core.agents.stopAllTimers();
      core.handles.clear();
      state.clearContacts();
    }
    for (const queue of snapshot.queues) state.saveQueue(queue);
    for (const agent of snapshot.agents) {
      const existing = state.agent(agent.id);
      if (!existing) {
        state.saveAgent(agent);
        continue;
      }
      // Keep the record other parts may hold; only its fields change.
      for (const key of Object.keys(existing)) delete (existing as unknown as Record<string, unknown>)[key];
      Object.assign(existing, agent);
      state.saveAgent(existing);
    }
    for (const { record, cad } of snapshot.contacts) {
      state.saveContact(record);
      if (record.kind === "call") core.handles.set(record.interactionId, standIn({ interactionId: record.interactionId, ani: record.ani, dnis: record.dnis, cad }));
    }
    state.importOrder(snapshot.order);
    core.agents.restore({ availableSeq: snapshot.availableSeq });
    core.offers.restore(snapshot.offers);
    core.contacts.restore(snapshot.arrivals);
    core.callbacks.restore(snapshot.callbacks);
    core.transfers.restore(snapshot.consults);
    core.stats.restore(snapshot.stats);
  }

  private memoryState(): MemoryCenterState {
    if (!(this.state instanceof MemoryCenterState)) throw new Error("only the in-memory center state can be snapshotted");
    return this.state;
  }

  /** On a cluster node outside the application of a logged command: changes go through the log. */
  private get viaLog(): boolean {
    return this.replication !== undefined && this.replication.live && !this.applying;
  }

  /** An agent action called directly on a cluster node: logged, answered with the agent as it is now. */
  private forward(action: AgentAction, args: unknown[], agentId: string): AgentSnapshot {
    const agent = this.core.agents.require(agentId);
    this.logQuietly({ op: "agent", action, args });
    return this.core.views.agentSnapshot(agent);
  }

  private logQuietly(command: CenterCommand, handle?: ContactHandle): void {
    this.replication!.submit(command, handle).then(
      (result) => {
        if (isFailure(result)) this.log("warn", `${command.op} on the shared log failed here: ${result.code} ${result.description}`);
      },
      (err: unknown) => this.log("warn", `${command.op} did not reach the shared log: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  /** queueContact on a cluster node: checked against this node's copy, logged, answered at once. */
  private logQueueContact(request: QueueRequest): QueueResult {
    const queueId = request.queueId?.trim();
    if (!queueId) return failure("QUEUE_NOT_FOUND", "queue-contact has no queue id (the destination is empty)");
    const busy = this.core.contacts.busyFailure(request.contact.interactionId);
    if (busy) return busy;
    const queue = this.state.queue(queueId);
    if (!queue && !this.core.settings.autoCreateQueues) {
      return failure("QUEUE_NOT_FOUND", `queue "${queueId}" is not defined in the environment and autoCreateQueues is off`);
    }
    if (!this.replication!.healthy) return unavailable();
    const { contact, ...rest } = request;
    this.logQuietly({ op: "queueContact", contact: contactData(contact), ...rest, queueId }, contact);
    // The position is this node's estimate: the log may hold arrivals from other nodes it has not applied yet.
    return { ok: true, queue: queue ? this.core.views.queueInfo(queue) : { id: queueId, name: queueId }, position: (queue ? this.state.waitingCount(queueId) : 0) + 1 };
  }

  private logQueueToAgent(request: AgentRequest): AgentResult {
    const target = this.queueToAgentTarget(request);
    if (!target.ok) return target;
    const { agent } = target;
    if (!this.replication!.healthy) return unavailable();
    const { contact, ...rest } = request;
    this.logQuietly({ op: "queueToAgent", contact: contactData(contact), ...rest }, contact);
    return { ok: true, agent: this.core.views.agentInfo(agent), state: agent.state };
  }

  // ---------------------------------------------------------------- helpers

  /** The agent a Queue To Agent names, or why it cannot take the contact: one check for the local and the logged path, so both refuse alike. */
  private queueToAgentTarget(request: AgentRequest): { ok: true; agent: AgentRecord } | ReturnType<typeof failure> {
    const destination = (request.destination ?? "").trim();
    if (!destination) return failure("INVALID_DESTINATION", "queue-to-agent has no destination (the destination variable is empty)");
    const byEmail = request.lookup === "agentEmail";
    const agent = byEmail ? this.state.agentByEmail(destination) : this.state.agent(destination);
    if (!agent) return failure("AGENT_NOT_FOUND", `no agent with ${byEmail ? "email" : "id"} "${destination}"`);
    if (agent.state === "LoggedOut") return failure("AGENT_NOT_LOGGED_IN", `agent "${agent.id}" is not logged in`);
    if (agent.state !== "Available" && !request.park) {
      return failure("AGENT_NOT_AVAILABLE", `agent "${agent.id}" is ${agent.state}${agent.reason ? ` (${agent.reason})` : ""}`);
    }
    return this.core.contacts.busyFailure(request.contact.interactionId) ?? { ok: true, agent };
  }

  private requireRinging(agentId: string, offerId: number | undefined, action: "accept" | "decline") {
    const agent = this.core.agents.require(agentId);
    checkAgentAction(agentId, agent.state, action);
    if (offerId !== undefined && agent.offerId !== offerId) {
      throw new CenterError("STALE_OFFER", `offer ${offerId} is no longer ringing at agent "${agentId}"`);
    }
    return agent;
  }

  private op<T>(fn: () => T): T {
    return this.outbox.op(fn);
  }
}

const UNAVAILABLE = "the contact center's shared state (Redis) is not reachable right now; try again shortly";

function unavailable(): { ok: false; code: string; description: string } {
  return failure("CENTER_UNAVAILABLE", UNAVAILABLE);
}

function unavailableError(): CenterError {
  return new CenterError("CENTER_UNAVAILABLE", UNAVAILABLE);
}

function isFailure(result: unknown): result is { ok: false; code: string; description: string } {
  return typeof result === "object" && result !== null && (result as { ok?: unknown }).ok === false;
}

function contactData(handle: ContactHandle): ContactData {
  let cad: ContactData["cad"] = [];
  try {
    cad = handle.callAssociatedData();
  } catch {
    cad = [];
  }
  return { interactionId: handle.interactionId, ani: handle.ani, dnis: handle.dnis, cad };
}
