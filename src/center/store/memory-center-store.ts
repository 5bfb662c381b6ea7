/**
 * CenterStore in one process's memory: the single-node store, and the reference the Redis store
 * is checked against (test/center/store/differential.test.ts). Records are cloned on the way in
 * and out. Waiting lists and available orderings are indexed heaps (O(log n) pick and removal).
 */
import { IndexedHeap, type HeapSlot } from "../indexed-heap.js";
import { personalList, type AgentRecord, type ContactRecord, type QueueRecord } from "../state.js";
import {
  agentBefore,
  contactBefore,
  type AcceptResult,
  type CenterStore,
  type OfferRecord,
  type RemovedContact,
  type RoutingDecision,
} from "./center-store.js";

interface ContactSlot extends HeapSlot {
  record: ContactRecord;
  list: string | undefined;
}
interface AgentSlot extends HeapSlot {
  agent: AgentRecord;
}

const PERSONAL = "@agent:";

export class MemoryCenterStore implements CenterStore {
  readonly kind = "memory" as const;
  private readonly queueMap = new Map<string, QueueRecord>();
  private readonly agentMap = new Map<string, AgentRecord>();
  private readonly contactSlots = new Map<string, ContactSlot>();
  private readonly lists = new Map<string, IndexedHeap<ContactSlot>>();
  private readonly availableHeaps = new Map<string, IndexedHeap<AgentSlot>>();
  /** Per agent, its slot in each queue's available ordering. */
  private readonly agentSlots = new Map<string, Map<string, AgentSlot>>();
  private readonly offers = new Map<number, OfferRecord>();
  private seq = 0;
  private offerSeq = 0;
  private availableSeq = 0;

  async saveQueue(queue: QueueRecord): Promise<void> {
    const isNew = !this.queueMap.has(queue.id);
    this.queueMap.set(queue.id, clone(queue));
    if (!isNew) return;
    // Agents serving every queue serve this one too; the Available ones wait in it at once.
    for (const agent of this.agentMap.values()) {
      if (agent.queues.includes("*") && agent.state === "Available") this.join(agent, [queue.id]);
    }
  }
  async queue(id: string): Promise<QueueRecord | undefined> {
    return cloneMaybe(this.queueMap.get(id));
  }
  async queues(): Promise<QueueRecord[]> {
    return [...this.queueMap.values()].map(clone);
  }

  async saveAgent(agent: AgentRecord): Promise<void> {
    const existing = this.agentMap.get(agent.id);
    if (!existing) {
      this.agentMap.set(agent.id, { ...clone(agent), state: "LoggedOut", availableSince: 0, availableSeq: 0 });
      return;
    }
    existing.name = agent.name;
    existing.queues = [...agent.queues];
    setOptional(existing, "email", agent.email);
    setOptional(existing, "teamId", agent.teamId);
    setOptional(existing, "sessionId", agent.sessionId);
    setOptional(existing, "nodeId", agent.nodeId);
  }
  async agent(id: string): Promise<AgentRecord | undefined> {
    return cloneMaybe(this.agentMap.get(id));
  }
  async agents(): Promise<AgentRecord[]> {
    return [...this.agentMap.values()].map(clone);
  }

  async contact(id: string): Promise<ContactRecord | undefined> {
    return cloneMaybe(this.contactSlots.get(id)?.record);
  }
  async contacts(): Promise<ContactRecord[]> {
    return [...this.contactSlots.values()].map((s) => clone(s.record));
  }
  async nextSeq(): Promise<number> {
    return ++this.seq;
  }

  async enqueue(contact: ContactRecord): Promise<void> {
    if (contact.state !== "queued" || !contact.listId) throw new Error(`contact ${contact.interactionId}: only a queued contact with a list can be enqueued`);
    let slot = this.contactSlots.get(contact.interactionId);
    if (slot) this.leaveList(slot);
    else this.contactSlots.set(contact.interactionId, (slot = { record: clone(contact), list: undefined, heapIndex: -1 }));
    slot.record = clone(contact);
    this.joinList(slot);
  }

  async waiting(listId: string): Promise<ContactRecord[]> {
    return this.sortedWaiting(listId).map(clone);
  }

  async position(interactionId: string): Promise<number> {
    const slot = this.contactSlots.get(interactionId);
    if (!slot?.list) return 0;
    let ahead = 0;
    for (const other of this.contactSlots.values()) {
      if (other.list === slot.list && contactBefore(other.record, slot.record)) ahead++;
    }
    return ahead + 1;
  }

  async available(queueId: string): Promise<string[]> {
    const out: AgentRecord[] = [];
    for (const slots of this.agentSlots.values()) {
      const slot = slots.get(queueId);
      if (slot && slot.heapIndex >= 0) out.push(slot.agent);
    }
    return out.sort((a, b) => (agentBefore(a, b) ? -1 : 1)).map((a) => a.id);
  }

  async makeAvailable(agentId: string, now: number, keepPlace: boolean): Promise<RoutingDecision | undefined> {
    const agent = this.agentMap.get(agentId);
    if (!agent) return undefined;
    this.leaveAll(agent);
    agent.state = "Available";
    agent.since = now;
    delete agent.reason;
    delete agent.offerId;
    delete agent.interactionId;
    if (!keepPlace) {
      agent.availableSince = now;
      agent.availableSeq = ++this.availableSeq;
    }
    const best = this.bestFor(agent);
    if (best) return this.writeOffer(best, agent, now);
    this.join(agent, this.servedQueues(agent));
    return undefined;
  }

  async setAgentState(agentId: string, state: "LoggedOut" | "Idle" | "WrapUp", reason: string | undefined, now: number): Promise<AgentRecord | undefined> {
    const agent = this.agentMap.get(agentId);
    if (!agent) return undefined;
    this.leaveAll(agent);
    agent.state = state;
    agent.since = now;
    setOptional(agent, "reason", reason);
    delete agent.offerId;
    if (state !== "WrapUp") delete agent.interactionId;
    return clone(agent);
  }

  async routeList(listId: string, now: number): Promise<RoutingDecision | undefined> {
    if (listId.startsWith(PERSONAL)) {
      const agent = this.agentMap.get(listId.slice(PERSONAL.length));
      if (agent?.state !== "Available") return undefined;
      const best = this.bestFor(agent);
      return best ? this.writeOffer(best, agent, now) : undefined;
    }
    const agentSlot = this.availableHeaps.get(listId)?.peek();
    const contactSlot = this.lists.get(listId)?.peek();
    if (!agentSlot || !contactSlot) return undefined;
    return this.writeOffer(contactSlot, agentSlot.agent, now);
  }

  async offer(offerId: number): Promise<OfferRecord | undefined> {
    return cloneMaybe(this.offers.get(offerId));
  }

  async accept(agentId: string, offerId: number | undefined, now: number): Promise<AcceptResult> {
    const agent = this.agentMap.get(agentId);
    if (!agent || agent.state !== "Reserved") return { ok: false, reason: "not-reserved", ...(agent ? { state: agent.state } : {}) };
    if (offerId !== undefined && agent.offerId !== offerId) return { ok: false, reason: "stale-offer", state: agent.state };
    const offer = this.offers.get(agent.offerId!);
    const slot = offer ? this.contactSlots.get(offer.interactionId) : undefined;
    if (!offer || !slot) return { ok: false, reason: "stale-offer", state: agent.state };
    this.offers.delete(offer.id);
    slot.record.state = "engaged";
    slot.record.answeredAt = now;
    agent.state = "Engaged";
    agent.since = now;
    delete agent.offerId;
    return { ok: true, contact: clone(slot.record), agent: clone(agent) };
  }

  async cancelOffer(offerId: number, reason: string, now: number): Promise<{ listId: string; contact: ContactRecord; agent: AgentRecord } | undefined> {
    const offer = this.offers.get(offerId);
    if (!offer) return undefined;
    this.offers.delete(offerId);
    const agent = this.agentMap.get(offer.agentId)!;
    const slot = this.contactSlots.get(offer.interactionId)!;
    delete agent.offerId;
    delete agent.interactionId;
    agent.state = "Idle";
    agent.since = now;
    agent.reason = reason;
    const c = slot.record;
    c.state = "queued";
    delete c.agentId;
    delete c.offerId;
    if (c.listId!.startsWith(PERSONAL) && c.recoveryQueueId) {
      c.listId = c.recoveryQueueId;
      delete c.recoveryQueueId;
      c.enqueuedAt = now;
    }
    this.joinList(slot);
    return { listId: c.listId!, contact: clone(c), agent: clone(agent) };
  }

  async removeContact(interactionId: string, now: number): Promise<RemovedContact | undefined> {
    const slot = this.contactSlots.get(interactionId);
    if (!slot) return undefined;
    this.leaveList(slot);
    this.contactSlots.delete(interactionId);
    const contact = slot.record;
    const agent = contact.agentId ? this.agentMap.get(contact.agentId) : undefined;
    const out: RemovedContact = { contact: clone(contact) };
    if (contact.state === "offered" && agent) {
      this.offers.delete(contact.offerId!);
      out.offerId = contact.offerId!;
      const next = await this.makeAvailable(agent.id, now, true);
      if (next) out.next = next;
      out.agent = clone(agent);
    } else if (contact.state === "engaged" && agent) {
      agent.state = "WrapUp";
      agent.since = now;
      delete agent.reason;
      out.agent = clone(agent);
    }
    return out;
  }

  async close(): Promise<void> {}

  // ---------------------------------------------------------------- internals

  private servedQueues(agent: AgentRecord): string[] {
    return agent.queues.includes("*") ? [...this.queueMap.keys()] : agent.queues;
  }

  private bestFor(agent: AgentRecord): ContactSlot | undefined {
    let best: ContactSlot | undefined;
    for (const listId of [...this.servedQueues(agent), personalList(agent.id)]) {
      const head = this.lists.get(listId)?.peek();
      if (head && (!best || contactBefore(head.record, best.record))) best = head;
    }
    return best;
  }

  private writeOffer(slot: ContactSlot, agent: AgentRecord, now: number): RoutingDecision {
    const c = slot.record;
    const listId = c.listId!;
    this.leaveList(slot);
    this.leaveAll(agent);
    const offerId = ++this.offerSeq;
    c.state = "offered";
    c.agentId = agent.id;
    c.offerId = offerId;
    c.offeredAt = now;
    c.offers = (c.offers ?? 0) + 1;
    agent.state = "Reserved";
    agent.since = now;
    delete agent.reason;
    agent.offerId = offerId;
    agent.interactionId = c.interactionId;
    this.offers.set(offerId, { id: offerId, interactionId: c.interactionId, agentId: agent.id, listId, at: now });
    return { offerId, interactionId: c.interactionId, agentId: agent.id, listId, offeredAt: now };
  }

  private joinList(slot: ContactSlot): void {
    const listId = slot.record.listId!;
    let heap = this.lists.get(listId);
    if (!heap) this.lists.set(listId, (heap = new IndexedHeap<ContactSlot>((a, b) => contactBefore(a.record, b.record))));
    slot.list = listId;
    heap.push(slot);
  }

  private leaveList(slot: ContactSlot): void {
    if (slot.list) this.lists.get(slot.list)?.remove(slot);
    slot.list = undefined;
  }

  private join(agent: AgentRecord, queueIds: readonly string[]): void {
    let slots = this.agentSlots.get(agent.id);
    if (!slots) this.agentSlots.set(agent.id, (slots = new Map()));
    for (const queueId of queueIds) {
      let slot = slots.get(queueId);
      if (!slot) slots.set(queueId, (slot = { agent, heapIndex: -1 }));
      let heap = this.availableHeaps.get(queueId);
      if (!heap) this.availableHeaps.set(queueId, (heap = new IndexedHeap<AgentSlot>((a, b) => agentBefore(a.agent, b.agent))));
      heap.push(slot);
    }
  }

  private leaveAll(agent: AgentRecord): void {
    const slots = this.agentSlots.get(agent.id);
    if (!slots) return;
    for (const [queueId, slot] of slots) if (slot.heapIndex >= 0) this.availableHeaps.get(queueId)?.remove(slot);
  }

  private sortedWaiting(listId: string): ContactRecord[] {
    const out: ContactRecord[] = [];
    for (const slot of this.contactSlots.values()) if (slot.list === listId) out.push(slot.record);
    return out.sort((a, b) => (contactBefore(a, b) ? -1 : 1));
  }
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function cloneMaybe<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : structuredClone(value);
}

function setOptional<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}
