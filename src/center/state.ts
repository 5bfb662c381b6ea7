/**
 * The contact center's shared state behind one interface: queue, agent and contact records, the
 * waiting lists and the available-agent ordering. `ContactCenter` keeps nothing else that two
 * nodes would need to agree on; what stays in the process is what cannot leave it anyway (the
 * engine's ContactHandles, ring and wrap-up timers, event listeners).
 *
 * The seam is deliberately minimal: records are plain data that the center mutates and then
 * hands back through `save*`, and the routing questions (best waiting contact for a set of lists,
 * longest available agent of a queue) are store operations so that a shared store can answer
 * them with its own structures (a Redis implementation would use one sorted set per list/queue
 * and a Lua script per pick). Only the in-memory implementation exists today; it holds the very
 * objects it is given, so its `save*` methods have nothing to copy.
 */
import type { AgentState } from "./agent-machine.js";
import { IndexedHeap, type HeapSlot } from "./indexed-heap.js";
import { WaitingList, entryBefore, type WaitingEntry } from "./waiting-list.js";

export type { AgentState };
export type RoutingType = "LONGEST_AVAILABLE_AGENT" | "SKILLS_BASED";
export type ContactState = "queued" | "offered" | "engaged" | "ended";
/** A caller on the line, or a courtesy callback waiting for an agent. */
export type ContactKind = "call" | "callback";

export interface QueueRecord {
  id: string;
  name: string;
  routing: RoutingType;
  maxWaitSeconds?: number;
  /** Created because a flow used it and the environment lacked it. */
  auto: boolean;
  /** Gone from the environment file (serve --watch): takes no new contacts, removed when its last one leaves (reconfigure.ts). */
  retiring?: boolean;
}

export interface TeamRecord {
  id: string;
  name: string;
}

export interface AgentRecord {
  id: string;
  name: string;
  email?: string;
  teamId?: string;
  /** Queue ids the agent serves; `"*"` serves every queue, auto-created ones included. */
  queues: string[];
  state: AgentState;
  /** Idle reason (`RONA`, `Declined`, `Break`...), when Idle. */
  reason?: string;
  /** When the current state began. */
  since: number;
  /** When the agent last became Available: the longest-available order. */
  availableSince: number;
  /** Tie-breaker for equal `availableSince`. */
  availableSeq: number;
  sessionId?: string;
  /** The offer ringing (Reserved) or the contact being handled (Engaged, WrapUp). */
  offerId?: number;
  interactionId?: string;
  /** Cluster: the node whose desktop connection the agent is signed in through. */
  nodeId?: string;
}

export interface ScreenPopRecord {
  url: string;
  target: string;
  label?: string;
  agentId: string;
  at: number;
}

export interface ContactRecord {
  interactionId: string;
  ani: string;
  dnis: string;
  kind: ContactKind;
  state: ContactState;
  /** Queue reported in notices and stats. */
  queueId?: string;
  /** Where the contact waits: a queue id, or an agent's personal list (see `personalList`). */
  listId?: string;
  /** Queue-to-agent: where the contact goes when the named agent does not answer. */
  recoveryQueueId?: string;
  priority: number;
  /** Arrival order, global. */
  seq: number;
  /** When it joined its current list. */
  enqueuedAt: number;
  /** When it first entered the center (wait time is measured from here). */
  firstQueuedAt: number;
  agentId?: string;
  offerId?: number;
  offeredAt?: number;
  answeredAt?: number;
  offers: number;
  screenPops: ScreenPopRecord[];
  endedAt?: number;
  endedReason?: string;
  callbackId?: string;
  /** Cluster: the node the call's media runs on (a callback's: the node that will dial it). */
  nodeId?: string;
}

/** The waiting list of contacts parked on one agent (queue-to-agent). */
export function personalList(agentId: string): string {
  return `@agent:${agentId}`;
}

/** See MemoryCenterState.exportOrder. */
export interface OrderSnapshot {
  lists: Array<[listId: string, entries: Array<[interactionId: string, priority: number, since: number, seq: number]>]>;
  available: Array<[queueId: string, agentIds: string[]]>;
}

export interface CenterState {
  queue(id: string): QueueRecord | undefined;
  saveQueue(queue: QueueRecord): void;
  /** Forgets a queue nobody waits in and nobody serves any more. */
  deleteQueue(id: string): void;
  queues(): Iterable<QueueRecord>;

  team(id: string): TeamRecord | undefined;
  saveTeam(team: TeamRecord): void;
  deleteTeam(id: string): void;
  teams(): Iterable<TeamRecord>;

  agent(id: string): AgentRecord | undefined;
  /** Case-insensitive. */
  agentByEmail(email: string): AgentRecord | undefined;
  saveAgent(agent: AgentRecord): void;
  /** Forgets the agent and its email (the caller has taken it out of every ordering). */
  deleteAgent(id: string): void;
  forgetEmail(email: string, agent: AgentRecord): void;
  agents(): Iterable<AgentRecord>;

  contact(interactionId: string): ContactRecord | undefined;
  saveContact(contact: ContactRecord): void;
  deleteContact(interactionId: string): void;
  contacts(): Iterable<ContactRecord>;

  /** Puts the contact in `listId` using its priority and `enqueuedAt`; at the head of its level when `atHead`. */
  enqueue(contact: ContactRecord, listId: string, atHead: boolean): void;
  /** Takes the contact out of whatever list holds it. */
  dequeue(contact: ContactRecord): void;
  /** The contact to route next among several lists: best priority, then longest waiting. */
  bestWaiting(listIds: readonly string[]): ContactRecord | undefined;
  /** 1-based position in its list; 0 when not waiting. */
  position(contact: ContactRecord): number;
  waitingCount(listId: string): number;
  /** Waiting contacts of one list in routing order. */
  waiting(listId: string): Iterable<ContactRecord>;
  oldestWaitingSince(listId: string): number | undefined;

  /** Adds the agent to the available ordering of each queue, keyed by `availableSince`. */
  markAvailable(agent: AgentRecord, queueIds: readonly string[]): void;
  /** Removes the agent from every available ordering. */
  markUnavailable(agent: AgentRecord): void;
  longestAvailable(queueId: string): AgentRecord | undefined;
  availableCount(queueId: string): number;
}

interface Membership extends HeapSlot {
  readonly agent: AgentRecord;
}

function longerAvailable(a: Membership, b: Membership): boolean {
  if (a.agent.availableSince !== b.agent.availableSince) return a.agent.availableSince < b.agent.availableSince;
  return a.agent.availableSeq < b.agent.availableSeq;
}

export class MemoryCenterState implements CenterState {
  private readonly queueMap = new Map<string, QueueRecord>();
  private readonly teamMap = new Map<string, TeamRecord>();
  private readonly agentMap = new Map<string, AgentRecord>();
  private readonly emailIndex = new Map<string, AgentRecord>();
  private readonly contactMap = new Map<string, ContactRecord>();
  private readonly lists = new Map<string, WaitingList<ContactRecord>>();
  private readonly entries = new Map<string, WaitingEntry<ContactRecord>>();
  private readonly available = new Map<string, IndexedHeap<Membership>>();
  /** Per agent, one reusable heap slot per queue. */
  private readonly memberships = new Map<string, Map<string, Membership>>();

  queue(id: string): QueueRecord | undefined {
    return this.queueMap.get(id);
  }
  saveQueue(queue: QueueRecord): void {
    this.queueMap.set(queue.id, queue);
  }
  deleteQueue(id: string): void {
    this.queueMap.delete(id);
    this.lists.delete(id);
    this.available.delete(id);
    for (const slots of this.memberships.values()) slots.delete(id);
  }
  queues(): Iterable<QueueRecord> {
    return this.queueMap.values();
  }

  team(id: string): TeamRecord | undefined {
    return this.teamMap.get(id);
  }
  saveTeam(team: TeamRecord): void {
    this.teamMap.set(team.id, team);
  }
  deleteTeam(id: string): void {
    this.teamMap.delete(id);
  }
  teams(): Iterable<TeamRecord> {
    return this.teamMap.values();
  }

  agent(id: string): AgentRecord | undefined {
    return this.agentMap.get(id);
  }
  agentByEmail(email: string): AgentRecord | undefined {
    return this.emailIndex.get(email.trim().toLowerCase());
  }
  saveAgent(agent: AgentRecord): void {
    this.agentMap.set(agent.id, agent);
    if (agent.email) this.emailIndex.set(agent.email.toLowerCase(), agent);
  }
  /** An agent's email changed (the environment file was edited): the old one no longer finds them. */
  forgetEmail(email: string, agent: AgentRecord): void {
    if (this.emailIndex.get(email.toLowerCase()) === agent) this.emailIndex.delete(email.toLowerCase());
  }
  deleteAgent(id: string): void {
    const agent = this.agentMap.get(id);
    if (!agent) return;
    this.markUnavailable(agent);
    this.memberships.delete(id);
    if (agent.email && this.emailIndex.get(agent.email.toLowerCase()) === agent) this.emailIndex.delete(agent.email.toLowerCase());
    this.agentMap.delete(id);
  }
  agents(): Iterable<AgentRecord> {
    return this.agentMap.values();
  }

  contact(interactionId: string): ContactRecord | undefined {
    return this.contactMap.get(interactionId);
  }
  saveContact(contact: ContactRecord): void {
    this.contactMap.set(contact.interactionId, contact);
  }
  deleteContact(interactionId: string): void {
    const contact = this.contactMap.get(interactionId);
    if (contact) this.dequeue(contact);
    this.contactMap.delete(interactionId);
  }
  contacts(): Iterable<ContactRecord> {
    return this.contactMap.values();
  }

  enqueue(contact: ContactRecord, listId: string, atHead: boolean): void {
    this.dequeue(contact);
    const list = this.list(listId);
    const entry = atHead
      ? list.pushFront(contact, contact.priority, contact.enqueuedAt, contact.seq)
      : list.pushBack(contact, contact.priority, contact.enqueuedAt, contact.seq);
    this.entries.set(contact.interactionId, entry);
  }

  dequeue(contact: ContactRecord): void {
    const entry = this.entries.get(contact.interactionId);
    if (!entry) return;
    entry.owner?.remove(entry);
    this.entries.delete(contact.interactionId);
  }

  bestWaiting(listIds: readonly string[]): ContactRecord | undefined {
    let best: WaitingEntry<ContactRecord> | undefined;
    for (const id of listIds) {
      const head = this.lists.get(id)?.peek();
      if (head && (!best || entryBefore(head, best))) best = head;
    }
    return best?.value;
  }

  position(contact: ContactRecord): number {
    const entry = this.entries.get(contact.interactionId);
    return entry?.owner ? entry.owner.position(entry) : 0;
  }

  waitingCount(listId: string): number {
    return this.lists.get(listId)?.size ?? 0;
  }

  *waiting(listId: string): Iterable<ContactRecord> {
    const list = this.lists.get(listId);
    if (!list) return;
    for (const entry of list) yield entry.value;
  }

  oldestWaitingSince(listId: string): number | undefined {
    return this.lists.get(listId)?.oldestSince();
  }

  markAvailable(agent: AgentRecord, queueIds: readonly string[]): void {
    let slots = this.memberships.get(agent.id);
    if (!slots) this.memberships.set(agent.id, (slots = new Map()));
    for (const queueId of queueIds) {
      let slot = slots.get(queueId);
      if (!slot) slots.set(queueId, (slot = { agent, heapIndex: -1 }));
      this.heap(queueId).push(slot);
    }
  }

  markUnavailable(agent: AgentRecord): void {
    const slots = this.memberships.get(agent.id);
    if (!slots) return;
    for (const [queueId, slot] of slots) {
      if (slot.heapIndex >= 0) this.available.get(queueId)?.remove(slot);
    }
  }

  longestAvailable(queueId: string): AgentRecord | undefined {
    return this.available.get(queueId)?.peek()?.agent;
  }

  availableCount(queueId: string): number {
    return this.available.get(queueId)?.size ?? 0;
  }

  /**
   * The waiting lists in routing order (each entry as it was put there: priority, since, seq) and
   * which agents each queue's available ordering holds: what records alone do not say (a cluster
   * snapshot, center/snapshot.ts).
   */
  exportOrder(): OrderSnapshot {
    const lists: OrderSnapshot["lists"] = [];
    for (const [id, list] of this.lists) {
      if (list.size > 0) lists.push([id, [...list].map((e) => [e.value.interactionId, e.priority, e.since, e.seq])]);
    }
    const available = new Map<string, string[]>();
    for (const [agentId, slots] of this.memberships) {
      for (const [queueId, slot] of slots) {
        if (slot.heapIndex < 0) continue;
        let ids = available.get(queueId);
        if (!ids) available.set(queueId, (ids = []));
        ids.push(agentId);
      }
    }
    return { lists, available: [...available] };
  }

  /** Forgets every contact, waiting list and available ordering (a copy about to load a snapshot over itself); agents and queues stay. */
  clearContacts(): void {
    this.contactMap.clear();
    this.lists.clear();
    this.entries.clear();
    this.available.clear();
    this.memberships.clear();
  }

  /** Puts back what exportOrder gave, once the records it names are saved. */
  importOrder(order: OrderSnapshot): void {
    for (const [listId, entries] of order.lists) {
      const list = this.list(listId);
      for (const [id, priority, since, seq] of entries) {
        const contact = this.contactMap.get(id);
        if (contact) this.entries.set(id, list.pushBack(contact, priority, since, seq));
      }
    }
    for (const [queueId, agentIds] of order.available) {
      for (const id of agentIds) {
        const agent = this.agentMap.get(id);
        if (agent) this.markAvailable(agent, [queueId]);
      }
    }
  }

  private list(listId: string): WaitingList<ContactRecord> {
    let list = this.lists.get(listId);
    if (!list) this.lists.set(listId, (list = new WaitingList<ContactRecord>()));
    return list;
  }

  private heap(queueId: string): IndexedHeap<Membership> {
    let heap = this.available.get(queueId);
    if (!heap) this.available.set(queueId, (heap = new IndexedHeap<Membership>(longerAvailable)));
    return heap;
  }
}
