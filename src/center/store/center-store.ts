/**
 * The contact center's shared state behind one asynchronous interface, so that several engine
 * nodes can share queues, agents and offers through a server (Redis) instead of one process's
 * memory. Two implementations: MemoryCenterStore (one process) and RedisCenterStore.
 *
 * Records go in and come out as copies: a caller never holds an object the store keeps, and a
 * change happens only through a store call. Every routing decision is one call that the store
 * makes atomically — pick the best waiting contact, pick the longest-available agent, write the
 * offer — so two nodes can never offer one contact twice or give one agent two contacts.
 *
 * Ordering (both implementations, exactly):
 *  - a waiting list serves by priority (1 first), then `enqueuedAt`, then `seq` (global arrival
 *    number). A contact put back after RONA or a decline keeps its `enqueuedAt` and `seq`, so it
 *    is back where it was: ahead of everyone who arrived after it.
 *  - the longest-available agent of a queue: smallest `availableSince`, then `availableSeq`.
 *    Both are set by the store when the agent becomes Available (`keepPlace` keeps the old ones).
 *
 * What the store does not check: whether a transition is allowed by the agent state machine
 * (agent-machine.ts) — the center asks that before it calls. What it does check, because only it
 * can check it atomically: an offer is accepted once, by the agent it rings at, while it rings.
 */
import type { AgentRecord, AgentState, ContactRecord, QueueRecord } from "../state.js";

export interface RoutingDecision {
  offerId: number;
  interactionId: string;
  agentId: string;
  /** The list the contact was taken from (a queue id or an agent's personal list). */
  listId: string;
  offeredAt: number;
}

export interface OfferRecord {
  id: number;
  interactionId: string;
  agentId: string;
  listId: string;
  at: number;
}

export type AcceptResult =
  | { ok: true; contact: ContactRecord; agent: AgentRecord }
  | { ok: false; reason: "not-reserved" | "stale-offer"; state?: AgentState };

export type RemovedContact = {
  contact: ContactRecord;
  /** What became of the agent the contact was with, if any. */
  agent?: AgentRecord;
  /** The offer withdrawn, when the contact was ringing. */
  offerId?: number;
  /** Set when the withdrawn offer's agent took another contact at once. */
  next?: RoutingDecision;
};

export interface CenterStore {
  readonly kind: "memory" | "redis";

  saveQueue(queue: QueueRecord): Promise<void>;
  queue(id: string): Promise<QueueRecord | undefined>;
  queues(): Promise<QueueRecord[]>;

  /** Writes an agent's descriptive fields (name, queues, session); routing fields are the store's. */
  saveAgent(agent: AgentRecord): Promise<void>;
  agent(id: string): Promise<AgentRecord | undefined>;
  agents(): Promise<AgentRecord[]>;

  contact(id: string): Promise<ContactRecord | undefined>;
  contacts(): Promise<ContactRecord[]>;
  /** The next global arrival number. */
  nextSeq(): Promise<number>;
  /**
   * Writes the contact as waiting in `contact.listId` at the place its priority, `enqueuedAt` and
   * `seq` give (out of any list it waited in before). State must be `queued`.
   */
  enqueue(contact: ContactRecord): Promise<void>;
  /** Waiting contacts of one list in routing order. */
  waiting(listId: string): Promise<ContactRecord[]>;
  /** 1-based position in its list; 0 when not waiting. */
  position(interactionId: string): Promise<number>;

  /** Available agents of a queue, longest available first. */
  available(queueId: string): Promise<string[]>;

  /**
   * The agent becomes Available and at once takes the best contact across its lists (its queues,
   * `*` = every queue, then its personal list): the decision, or undefined when it now waits in
   * each of its queues' available ordering.
   */
  makeAvailable(agentId: string, now: number, keepPlace: boolean): Promise<RoutingDecision | undefined>;
  /** The agent leaves every available ordering and takes `state` (Idle with a reason, LoggedOut, WrapUp). */
  setAgentState(agentId: string, state: Exclude<AgentState, "Available" | "Reserved" | "Engaged">, reason: string | undefined, now: number): Promise<AgentRecord | undefined>;
  /** The best contact of a list goes to the list's longest-available agent (personal list: its agent, if Available). */
  routeList(listId: string, now: number): Promise<RoutingDecision | undefined>;

  offer(offerId: number): Promise<OfferRecord | undefined>;
  /** One winner: the agent the offer rings at, while it rings. */
  accept(agentId: string, offerId: number | undefined, now: number): Promise<AcceptResult>;
  /**
   * Withdraws a ringing offer (RONA, decline, logout): the contact goes back to its place (a
   * queue-to-agent contact with a recovery queue goes there instead), the agent becomes Idle with
   * `reason`. Returns the list the contact went back to, to be routed again.
   */
  cancelOffer(offerId: number, reason: string, now: number): Promise<{ listId: string; contact: ContactRecord; agent: AgentRecord } | undefined>;
  /**
   * The contact ends. Waiting: it leaves its list. Ringing: the offer is withdrawn and its agent
   * is Available again in the place they had (and may take another contact: `next`). Connected:
   * its agent goes to WrapUp. The record is gone afterwards.
   */
  removeContact(interactionId: string, now: number): Promise<RemovedContact | undefined>;

  close(): Promise<void>;
}

/** Waiting-list order: priority, then enqueue time, then arrival number. */
export function contactBefore(a: Pick<ContactRecord, "priority" | "enqueuedAt" | "seq">, b: Pick<ContactRecord, "priority" | "enqueuedAt" | "seq">): boolean {
  if (a.priority !== b.priority) return a.priority < b.priority;
  if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt < b.enqueuedAt;
  return a.seq < b.seq;
}

/** Longest-available order. */
export function agentBefore(a: Pick<AgentRecord, "availableSince" | "availableSeq">, b: Pick<AgentRecord, "availableSince" | "availableSeq">): boolean {
  if (a.availableSince !== b.availableSince) return a.availableSince < b.availableSince;
  return a.availableSeq < b.availableSeq;
}
