/**
 * Agents through their states (agent-machine.ts holds the rules): creation, login, the state
 * changes with their `agent-state` events, becoming Available (and taking a contact at once),
 * wrap-up with its timer, and what a logout does to contacts parked on the agent.
 */
import { randomUUID } from "node:crypto";
import { startTimer, type ClockTimer } from "../time/clock.js";
import { nextAgentState, type AgentState, type AgentTransition } from "./agent-machine.js";
import type { CenterEvent } from "./center-events.js";
import type { CenterCore } from "./center-core.js";
import type { AgentConfig } from "./config.js";
import { CenterError } from "./errors.js";
import { personalList, type AgentRecord } from "./state.js";

export class AgentLifecycle {
  private readonly wrapTimers = new Map<string, ClockTimer>();
  private availableSeq = 0;

  constructor(private readonly core: CenterCore) {}

  create(config: Pick<AgentConfig, "id" | "name" | "email" | "teamId" | "queues">): AgentRecord {
    const agent: AgentRecord = {
      id: config.id,
      name: config.name,
      ...(config.email ? { email: config.email } : {}),
      ...(config.teamId ? { teamId: config.teamId } : {}),
      queues: [...config.queues],
      state: "LoggedOut",
      since: this.core.clock.now(),
      availableSince: 0,
      availableSeq: 0,
    };
    this.core.state.saveAgent(agent);
    this.core.router.agentAdded(agent);
    return agent;
  }

  require(agentId: string): AgentRecord {
    const agent = this.core.state.agent(agentId);
    if (!agent) throw new CenterError("AGENT_NOT_FOUND", `no agent with id "${agentId}"`);
    return agent;
  }

  login(agent: AgentRecord): void {
    agent.sessionId = this.core.newSessionId?.() ?? randomUUID();
    this.setState(agent, "login", "Idle", "Login");
  }

  /** Moves the agent as the state machine allows, and tells whoever follows the agent. */
  setState(agent: AgentRecord, transition: AgentTransition, to?: AgentState, reason?: string): void {
    const state = nextAgentState(agent.id, agent.state, transition, to);
    agent.state = state;
    agent.since = this.core.clock.now();
    // Cleared, not deleted: a delete turns the record into a dictionary, and every routing
    // comparison then reads the agent's fields the slow way.
    agent.reason = reason;
    this.core.state.saveAgent(agent);
    if (this.core.outbox.wants(agent.id)) this.core.outbox.emit(agentStateEvent(agent, state, reason));
  }

  /**
   * The agent becomes Available. `keepPlace` restores their longest-available rank (an offer
   * withdrawn because the caller hung up was not the agent's doing); otherwise they join at the back.
   */
  makeAvailable(agent: AgentRecord, transition: AgentTransition, keepPlace: boolean): void {
    this.clearWrapTimer(agent.id);
    this.core.state.markUnavailable(agent);
    if (!keepPlace) {
      agent.availableSince = this.core.clock.now();
      agent.availableSeq = ++this.availableSeq;
    }
    agent.interactionId = undefined;
    agent.offerId = undefined;
    this.setState(agent, transition, "Available");
    this.core.router.dispatchAgent(agent);
  }

  /** Available, WrapUp or Idle → Idle with a reason; out of every available ordering. */
  makeIdle(agent: AgentRecord, reason: string): void {
    this.core.state.markUnavailable(agent);
    this.clearWrapTimer(agent.id);
    agent.interactionId = undefined;
    this.setState(agent, "idle", "Idle", reason);
  }

  startWrapUp(agent: AgentRecord, transition: AgentTransition): void {
    this.setState(agent, transition, "WrapUp");
    const wrapUpMs = this.core.settings.wrapUpMs;
    if (wrapUpMs === undefined) return;
    this.armWrapUp(agent, wrapUpMs);
  }

  private armWrapUp(agent: AgentRecord, ms: number): void {
    const since = agent.since;
    const timer: ClockTimer = startTimer(this.core.clock, ms, () => {
      if (this.wrapTimers.get(agent.id) !== timer) return;
      // On a cluster node the end of wrap-up goes through the shared log (see wrapUpElapsed).
      if (this.core.timerHook?.({ kind: "wrap-up", agentId: agent.id, since })) return;
      this.core.outbox.op(() => {
        this.wrapTimers.delete(agent.id);
        if (agent.state === "WrapUp") this.makeAvailable(agent, "wrap-up-elapsed", false);
      });
    });
    this.wrapTimers.set(agent.id, timer);
  }

  /** Wrap-up that began at `since` is over, if the agent is still in that wrap-up. */
  wrapUpElapsed(agentId: string, since: number): void {
    const agent = this.core.state.agent(agentId);
    if (agent?.state !== "WrapUp" || agent.since !== since) return;
    this.clearWrapTimer(agentId);
    this.makeAvailable(agent, "wrap-up-elapsed", false);
  }

  clearWrapTimer(agentId: string): void {
    const timer = this.wrapTimers.get(agentId);
    if (!timer) return;
    timer.cancel();
    this.wrapTimers.delete(agentId);
  }

  /** What a cluster snapshot needs of this part: the Available order's counter. */
  snapshot(): { availableSeq: number } {
    return { availableSeq: this.availableSeq };
  }

  /** After a snapshot's agents are in the state: the counter, and wrap-up timers for what is left of each wrap-up. */
  restore(data: { availableSeq: number }): void {
    this.availableSeq = data.availableSeq;
    const wrapUpMs = this.core.settings.wrapUpMs;
    if (wrapUpMs === undefined) return;
    const now = this.core.clock.now();
    for (const agent of this.core.state.agents()) {
      if (agent.state === "WrapUp") this.armWrapUp(agent, Math.max(0, agent.since + wrapUpMs - now));
    }
  }

  stopAllTimers(): void {
    for (const timer of this.wrapTimers.values()) timer.cancel();
    this.wrapTimers.clear();
  }

  /** Contacts parked on an agent who logs out go to their recovery queue, or end. */
  releaseParked(agent: AgentRecord): void {
    const { state, contacts, router, views } = this.core;
    const parked = [...state.waiting(personalList(agent.id))];
    for (const contact of parked) {
      const recovery = contact.recoveryQueueId ? state.queue(contact.recoveryQueueId) : undefined;
      if (recovery) {
        contacts.place(contact, recovery, contact.priority);
        router.dispatchList(recovery.id);
      } else {
        const handle = this.core.handles.get(contact.interactionId);
        contacts.finish(contact, "agent-logged-out");
        if (handle) this.core.outbox.deliver(handle, { type: "ended", reason: "agent-logged-out", agent: views.agentInfo(agent) });
      }
    }
  }
}

/**
 * The `agent-state` event, each combination of its optional fields one literal: fields added
 * after the literal went to a property array of their own, grown as each was added (a call makes
 * four of these events).
 */
function agentStateEvent(agent: AgentRecord, state: AgentState, reason: string | undefined): CenterEvent {
  const at = agent.since;
  const agentId = agent.id;
  const interactionId = agent.interactionId || undefined;
  if (reason !== undefined) {
    return interactionId !== undefined
      ? { type: "agent-state", at, agentId, state, reason, interactionId }
      : { type: "agent-state", at, agentId, state, reason };
  }
  return interactionId !== undefined ? { type: "agent-state", at, agentId, state, interactionId } : { type: "agent-state", at, agentId, state };
}
