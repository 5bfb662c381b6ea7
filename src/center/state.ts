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
import { WaitingList, entryBefore, unlinkedEntry, type WaitingEntry } from "./waiting-list.js";

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
  queueCount(): number;

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

  /** The router's memo of the lists an agent takes contacts from, kept with the agent (router.ts listsOf); undefined when none. */
  routingMemo(agentId: string): string[] | undefined;
  setRoutingMemo(agentId: string, lists: string[] | undefined): void;
}

/**
 * An agent's place in one queue's available ordering. The ordering's keys are copied in when the
 * agent joins it, so a heap comparison reads the slots it compares and never the agent records.
 */
interface Membership extends HeapSlot {
  readonly agent: AgentRecord;
  readonly queueId: string;
  /** The heap it was last pushed into (the queue's), kept so leaving it needs no lookup. */
  heap: IndexedHeap<Membership> | undefined;
  since: number;
  seq: number;
}

/**
 * What the state keeps per agent: the record, one reusable heap slot per queue served, and the
 * router's memo of the agent's lists. One object reached by the agent's id: routing an agent
 * among 10,000 reads it once, where a table per item cost a cold lookup each.
 */
interface AgentSlot {
  record: AgentRecord;
  memberships: Membership[];
  lists: string[] | undefined;
}

function longerAvailable(a: Membership, b: Membership): boolean {
  if (a.since !== b.since) return a.since < b.since;
  return a.seq < b.seq;
}

export class MemoryCenterState implements CenterState {
  private readonly queueMap = new Map<string, QueueRecord>();
  private readonly teamMap = new Map<string, TeamRecord>();
  private readonly agentMap = new Map<string, AgentSlot>();
  private readonly emailIndex = new Map<string, AgentRecord>();
  /**
   * Per contact, one waiting entry for its whole life: it holds the record and, while the contact
   * waits, its links and keys. One table for "the contact" and "its place in a list": routing a
   * contact looks its id up once (its bucket then stays in the cache for the second look), where
   * two tables cost two cold lookups per decision among 100,000 waiting contacts.
   */
  private readonly contactSlots = new Map<string, WaitingEntry<ContactRecord>>();
  /**
   * The slot of the contact bestWaiting last gave, while it is in contactSlots: the router offers
   * that contact next (dequeue, save), and among 100,000 waiting contacts a lookup of its id is a
   * few cache and TLB misses (the id's hash, the table's bucket and entry) that this one read saves.
   */
  private lastBest: WaitingEntry<ContactRecord> | undefined = undefined;
  private readonly lists = new Map<string, WaitingList<ContactRecord>>();
  private readonly available = new Map<string, IndexedHeap<Membership>>();

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
    for (const slot of this.agentMap.values()) {
      if (slot.memberships.some((m) => m.queueId === id)) slot.memberships = slot.memberships.filter((m) => m.queueId !== id);
    }
  }
  queues(): Iterable<QueueRecord> {
    return this.queueMap.values();
  }
  queueCount(): number {
    return this.queueMap.size;
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
    return this.agentMap.get(id)?.record;
  }
  agentByEmail(email: string): AgentRecord | undefined {
    return this.emailIndex.get(email.trim().toLowerCase());
  }
  saveAgent(agent: AgentRecord): void {
    const slot = this.agentMap.get(agent.id);
    if (slot === undefined) this.agentMap.set(agent.id, { record: agent, memberships: [], lists: undefined });
    else if (slot.record !== agent) {
      // Another record under the same id: the orderings must not go on naming the old one.
      this.leaveAll(slot);
      slot.record = agent;
      slot.memberships = [];
      slot.lists = undefined;
    }
    if (agent.email) this.emailIndex.set(agent.email.toLowerCase(), agent);
  }
  /** An agent's email changed (the environment file was edited): the old one no longer finds them. */
  forgetEmail(email: string, agent: AgentRecord): void {
    if (this.emailIndex.get(email.toLowerCase()) === agent) this.emailIndex.delete(email.toLowerCase());
  }
  deleteAgent(id: string): void {
    const slot = this.agentMap.get(id);
    if (!slot) return;
    const agent = slot.record;
    this.leaveAll(slot);
    if (agent.email && this.emailIndex.get(agent.email.toLowerCase()) === agent) this.emailIndex.delete(agent.email.toLowerCase());
    this.agentMap.delete(id);
  }
  *agents(): Iterable<AgentRecord> {
    for (const slot of this.agentMap.values()) yield slot.record;
  }

  contact(interactionId: string): ContactRecord | undefined {
    return this.contactSlots.get(interactionId)?.value;
  }
  saveContact(contact: ContactRecord): void {
    this.slotOf(contact);
  }
  deleteContact(interactionId: string): void {
    const slot = this.contactSlots.get(interactionId);
    if (!slot) return;
    slot.owner?.remove(slot);
    this.contactSlots.delete(interactionId);
    if (this.lastBest === slot) this.lastBest = undefined;
  }
  *contacts(): Iterable<ContactRecord> {
    for (const slot of this.contactSlots.values()) yield slot.value;
  }

  /** Records the contact too, if it is new (a new contact is enqueued, then saved). */
  enqueue(contact: ContactRecord, listId: string, atHead: boolean): void {
    const slot = this.slotOf(contact);
    slot.owner?.remove(slot);
    const list = this.list(listId);
    if (atHead) list.linkFront(slot, contact.priority, contact.enqueuedAt, contact.seq);
    else list.linkBack(slot, contact.priority, contact.enqueuedAt, contact.seq);
  }

  dequeue(contact: ContactRecord): void {
    const slot = this.lastBest?.value === contact ? this.lastBest : this.contactSlots.get(contact.interactionId);
    slot?.owner?.remove(slot);
  }

  bestWaiting(listIds: readonly string[]): ContactRecord | undefined {
    let best: WaitingEntry<ContactRecord> | undefined;
    for (const id of listIds) {
      const head = this.lists.get(id)?.peek();
      if (head && (!best || entryBefore(head, best))) best = head;
    }
    if (best === undefined) return undefined;
    this.lastBest = best;
    return best.value;
  }

  position(contact: ContactRecord): number {
    const slot = this.contactSlots.get(contact.interactionId);
    return slot?.owner ? slot.owner.position(slot) : 0;
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
    const slot = this.agentMap.get(agent.id);
    if (slot === undefined || slot.record !== agent) return;
    const memberships = slot.memberships;
    for (const queueId of queueIds) {
      let m: Membership | undefined;
      for (let i = 0; i < memberships.length; i++) {
        if (memberships[i]!.queueId === queueId) {
          m = memberships[i];
          break;
        }
      }
      if (m === undefined) memberships.push((m = { agent, queueId, heap: undefined, heapIndex: -1, since: 0, seq: 0 }));
      if (m.heapIndex >= 0) {
        // Already in the ordering: it keeps its place unless its keys moved.
        if (m.since === agent.availableSince && m.seq === agent.availableSeq) continue;
        m.heap!.remove(m);
      }
      m.since = agent.availableSince;
      m.seq = agent.availableSeq;
      (m.heap = this.heap(queueId)).push(m);
    }
  }

  markUnavailable(agent: AgentRecord): void {
    const slot = this.agentMap.get(agent.id);
    if (slot !== undefined && slot.record === agent) this.leaveAll(slot);
  }

  routingMemo(agentId: string): string[] | undefined {
    return this.agentMap.get(agentId)?.lists;
  }

  setRoutingMemo(agentId: string, lists: string[] | undefined): void {
    const slot = this.agentMap.get(agentId);
    if (slot !== undefined) slot.lists = lists;
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
    for (const [agentId, slot] of this.agentMap) {
      for (const m of slot.memberships) {
        if (m.heapIndex < 0) continue;
        let ids = available.get(m.queueId);
        if (!ids) available.set(m.queueId, (ids = []));
        ids.push(agentId);
      }
    }
    return { lists, available: [...available] };
  }

  /** Forgets every contact, waiting list and available ordering (a copy about to load a snapshot over itself); agents and queues stay. */
  clearContacts(): void {
    this.contactSlots.clear();
    this.lastBest = undefined;
    this.lists.clear();
    this.available.clear();
    for (const slot of this.agentMap.values()) slot.memberships = [];
  }

  /** Puts back what exportOrder gave, once the records it names are saved. */
  importOrder(order: OrderSnapshot): void {
    for (const [listId, entries] of order.lists) {
      const list = this.list(listId);
      for (const [id, priority, since, seq] of entries) {
        const slot = this.contactSlots.get(id);
        if (slot && !slot.owner) list.linkBack(slot, priority, since, seq);
      }
    }
    for (const [queueId, agentIds] of order.available) {
      for (const id of agentIds) {
        const agent = this.agentMap.get(id)?.record;
        if (agent) this.markAvailable(agent, [queueId]);
      }
    }
  }

  private slotOf(contact: ContactRecord): WaitingEntry<ContactRecord> {
    if (this.lastBest?.value === contact) return this.lastBest;
    const id = contact.interactionId;
    let slot = this.contactSlots.get(id);
    if (slot === undefined) this.contactSlots.set(id, (slot = unlinkedEntry(contact)));
    else slot.value = contact;
    return slot;
  }

  /** Out of every available ordering the agent is in. */
  private leaveAll(slot: AgentSlot): void {
    const memberships = slot.memberships;
    for (let i = 0; i < memberships.length; i++) {
      const m = memberships[i]!;
      if (m.heapIndex >= 0) m.heap!.remove(m);
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
