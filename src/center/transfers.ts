/**
 * Transfers and consults an agent starts from a call, as a center part beside offers and
 * agents:
 * - blind transfer to a queue: the agent's leg ends (wrap-up) and the contact waits in that queue
 *   at its priority, like a newly queued one;
 * - blind transfer to an agent: the named agent must be Available; the offer rings there, and on
 *   RONA or decline the contact goes to the queue it came from;
 * - consult: an Available agent is brought onto the call beside the first (Engaged, reason
 *   Consult) while the caller waits on hold; the first agent then transfers to them (the
 *   consulted agent takes over the contact, the first wraps up) or ends the consult (the
 *   consulted agent is Available again). A consult to a queue brings in that queue's agent who
 *   has been Available the longest, as routing would pick them; with none Available it is refused
 *   (the asking agent is not left waiting in the queue).
 * - to an outside number (once the far end answered, server/outside-transfer.ts): the agent wraps up
 *   and the center lets go of the contact; the call goes on outside it until either side hangs up.
 * The contact hears `transferred`; the engine raises the documented event flows that follow from
 * it (AgentOffered and AgentAnswered for the agent who takes the contact). Flow Designer documents
 * no event of its own for hold, consult or transfer, so none is invented.
 */
import type { CenterCore } from "./center-core.js";
import { CenterError } from "./errors.js";
import { resolveQueue, retiredFailure } from "./queues.js";
import { personalList, type AgentRecord, type ContactRecord } from "./state.js";
import type { AgentInfo, QueueInfo } from "./types.js";

export interface ConsultSnapshot {
  interactionId: string;
  /** The agent who asked. */
  from: string;
  /** The agent consulted. */
  to: string;
  since: number;
  /** The queue the consult was asked for, when it was (`to` is the agent of it who took it). */
  queueId?: string;
}

export class Transfers {
  /** Consults under way, by contact. */
  private readonly consults = new Map<string, ConsultSnapshot>();

  constructor(private readonly core: CenterCore) {}

  /** The consults under way (a cluster snapshot), and back. */
  snapshot(): ConsultSnapshot[] {
    return [...this.consults.values()].map((c) => ({ ...c }));
  }

  clear(): void {
    this.consults.clear();
  }

  restore(consults: ConsultSnapshot[]): void {
    for (const c of consults) this.consults.set(c.interactionId, { ...c });
  }

  consultOf(interactionId: string): ConsultSnapshot | undefined {
    return this.consults.get(interactionId);
  }

  /** The consult an agent takes part in (asking or consulted). */
  consultFor(agentId: string): ConsultSnapshot | undefined {
    for (const c of this.consults.values()) if (c.from === agentId || c.to === agentId) return c;
    return undefined;
  }

  toQueue(agentId: string, queueId: string): void {
    const { agent, contact } = this.engaged(agentId, "transfer");
    const queue = resolveQueue(this.core, queueId.trim());
    if (!queue) throw new CenterError("QUEUE_NOT_FOUND", `no queue "${queueId}"`);
    if (queue.retiring) throw new CenterError("QUEUE_RETIRED", retiredFailure(queue).description);
    const to = this.core.views.queueInfo(queue);
    this.release(agent, contact, { queue: to });
    this.core.contacts.place(contact, queue, contact.priority);
    this.core.router.dispatchList(queue.id);
  }

  /** The caller now talks to an outside number: the agent wraps up, the center forgets the contact. */
  toNumber(agentId: string, number: string): void {
    const { agent, contact } = this.engaged(agentId, "transfer");
    this.release(agent, contact, { number });
    this.core.contacts.finish(contact, "transferred");
  }

  toAgent(agentId: string, targetId: string): void {
    const { agent, contact } = this.engaged(agentId, "transfer");
    const target = this.available(agentId, targetId);
    const { state, views, offers } = this.core;
    this.release(agent, contact, { agent: views.agentInfo(target) });
    // Waits on the agent's own list; a RONA or decline sends it back to the queue it came from.
    contact.recoveryQueueId = contact.queueId;
    contact.listId = personalList(target.id);
    contact.enqueuedAt = this.core.clock.now();
    contact.seq = this.core.contacts.nextSeq();
    contact.state = "queued";
    state.enqueue(contact, contact.listId, false);
    state.saveContact(contact);
    offers.open(contact, target);
  }

  consult(agentId: string, targetId: string): void {
    const { agent, contact } = this.engaged(agentId, "consult");
    if (this.consults.has(contact.interactionId)) throw new CenterError("INVALID_STATE", "a consult is already under way on this call");
    this.bringIn(agent, contact, this.available(agentId, targetId));
  }

  /** Consults the queue's longest-available agent (routing's pick); refused when none is Available. */
  consultQueue(agentId: string, queueId: string): void {
    const { agent, contact } = this.engaged(agentId, "consult");
    if (this.consults.has(contact.interactionId)) throw new CenterError("INVALID_STATE", "a consult is already under way on this call");
    const queue = this.core.state.queue(queueId.trim());
    if (!queue) throw new CenterError("QUEUE_NOT_FOUND", `no queue "${queueId}"`);
    const target = this.core.state.longestAvailable(queue.id);
    if (!target) throw new CenterError("AGENT_NOT_AVAILABLE", `no agent of ${queue.name} is Available to take a consult`);
    this.bringIn(agent, contact, target, this.core.views.queueInfo(queue));
  }

  private bringIn(agent: AgentRecord, contact: ContactRecord, target: AgentRecord, queue?: QueueInfo): void {
    const { state, agents } = this.core;
    state.markUnavailable(target);
    target.interactionId = contact.interactionId;
    agents.setState(target, "consult", "Engaged", "Consult");
    const consult: ConsultSnapshot = { interactionId: contact.interactionId, from: agent.id, to: target.id, since: this.core.clock.now(), ...(queue ? { queueId: queue.id } : {}) };
    this.consults.set(contact.interactionId, consult);
    this.tell(consult, "started");
    // The flow's PreDial runs for the consult leg (CONSULT_TO_AGENT, or CONSULT_TO_QUEUE).
    this.core.notify(contact, { type: "consulting", agent: this.core.views.agentInfo(agent), to: this.core.views.agentInfo(target), ...(queue ? { queue } : {}) });
  }

  /** The asking agent hands the contact to the consulted one and wraps up. */
  completeConsult(agentId: string): void {
    const consult = this.consultFor(agentId);
    if (!consult || consult.from !== agentId) throw new CenterError("INVALID_STATE", `agent "${agentId}" has no consult to transfer`);
    const { agent, contact } = this.engaged(agentId, "transfer", true);
    const target = this.core.state.agent(consult.to)!;
    const { views, outbox, clock, state } = this.core;
    this.consults.delete(contact.interactionId);
    this.tell(consult, "transferred");
    this.release(agent, contact, { agent: views.agentInfo(target) });
    const now = clock.now();
    contact.state = "engaged";
    contact.agentId = target.id;
    contact.offeredAt = now;
    contact.answeredAt = now;
    state.saveContact(contact);
    target.reason = undefined;
    state.saveAgent(target);
    const queue = views.contactQueueInfo(contact);
    this.core.notify(contact, { type: "answered", agent: views.agentInfo(target), queue });
    if (outbox.wants(target.id)) outbox.emit({ type: "answered", at: now, agentId: target.id, interactionId: contact.interactionId, queue });
  }

  /** Either agent ends the consult: the consulted agent is Available again; the call stays with the first. */
  endConsult(agentId: string): void {
    const consult = this.consultFor(agentId);
    if (!consult) throw new CenterError("INVALID_STATE", `agent "${agentId}" is in no consult`);
    this.dropConsult(consult);
  }

  /** The contact ended or left its agent: a consult on it ends too. */
  contactGone(interactionId: string): void {
    const consult = this.consults.get(interactionId);
    if (consult) this.dropConsult(consult);
  }

  private dropConsult(consult: ConsultSnapshot): void {
    this.consults.delete(consult.interactionId);
    this.tell(consult, "ended");
    const target = this.core.state.agent(consult.to);
    if (target?.state === "Engaged" && target.interactionId === consult.interactionId) this.core.agents.makeAvailable(target, "consult-end", false);
  }

  private tell(consult: ConsultSnapshot, state: "started" | "ended" | "transferred"): void {
    const { outbox, clock } = this.core;
    for (const [agentId, other] of [
      [consult.from, consult.to],
      [consult.to, consult.from],
    ] as const) {
      if (outbox.wants(agentId)) outbox.emit({ type: "consult", at: clock.now(), agentId, interactionId: consult.interactionId, state, with: other });
    }
  }

  /** The agent's leg of the contact ends (wrap-up); the contact hears where it goes. */
  private release(agent: AgentRecord, contact: ContactRecord, to: { queue?: QueueInfo; agent?: AgentInfo; number?: string }): void {
    const { views, stats, agents, outbox, clock } = this.core;
    const agentInfo = views.agentInfo(agent);
    stats.recordHandle(contact);
    agents.startWrapUp(agent, "end");
    contact.agentId = undefined;
    contact.offerId = undefined;
    contact.answeredAt = undefined;
    this.core.notify(contact, { type: "transferred", agent: agentInfo, ...(to.queue ? { queue: to.queue } : {}), ...(to.agent ? { to: to.agent } : {}), ...(to.number ? { number: to.number } : {}) });
    if (outbox.wants(agent.id)) {
      outbox.emit({ type: "ended", at: clock.now(), agentId: agent.id, interactionId: contact.interactionId, by: "agent", reason: "transferred" });
    }
  }

  private engaged(agentId: string, action: string, inConsult = false): { agent: AgentRecord; contact: ContactRecord } {
    const agent = this.core.agents.require(agentId);
    const contact = agent.interactionId ? this.core.state.contact(agent.interactionId) : undefined;
    if (agent.state !== "Engaged" || !contact || contact.agentId !== agent.id || contact.state !== "engaged") {
      throw new CenterError("INVALID_STATE", `agent "${agentId}" is ${agent.state}${agent.reason === "Consult" ? " (consulted)" : ""}; only the agent on the call can ${action}`);
    }
    if (!inConsult && this.consults.has(contact.interactionId)) throw new CenterError("INVALID_STATE", "end the consult first (or transfer to the consulted agent)");
    return { agent, contact };
  }

  private available(agentId: string, targetId: string): AgentRecord {
    const target = this.core.state.agent(targetId) ?? this.core.state.agentByEmail(targetId);
    if (!target) throw new CenterError("AGENT_NOT_FOUND", `no agent "${targetId}"`);
    if (target.id === agentId) throw new CenterError("INVALID_DESTINATION", "an agent cannot transfer to or consult themselves");
    if (target.state !== "Available") throw new CenterError("AGENT_NOT_AVAILABLE", `${target.name} is ${target.state === "LoggedOut" ? "signed out" : target.state}${target.reason ? ` (${target.reason})` : ""}; only an Available agent can take a transfer or a consult`);
    return target;
  }
}
