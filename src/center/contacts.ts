/**
 * Contacts through the center: their records, placement in a queue (with the queue's max-wait
 * timer), the end of a contact, and the ended contacts that stay describable for a while.
 */
import { startTimer, type ClockTimer } from "../time/clock.js";
import { isPersonal, type CenterCore } from "./center-core.js";
import { failure } from "./errors.js";
import type { ContactKind, ContactRecord, QueueRecord } from "./state.js";
import type { ContactHandle } from "./types.js";
import { LOWEST_PRIORITY } from "./waiting-list.js";

export class ContactBook {
  private readonly waitTimers = new Map<string, ClockTimer>();
  private readonly ended = new Map<string, ContactRecord>();
  /** Ended contacts in the order they ended (see finish); entries before endedHead are gone. */
  private readonly endedOrder: ContactRecord[] = [];
  private endedHead = 0;
  private seq = 0;

  constructor(private readonly core: CenterCore) {}

  /** A contact that ended lately, if it is still remembered. */
  endedContact(interactionId: string): ContactRecord | undefined {
    return this.ended.get(interactionId);
  }

  /** The next arrival number (orders contacts placed at the same instant). */
  nextSeq(): number {
    return ++this.seq;
  }

  create(handle: ContactHandle, kind: ContactKind): ContactRecord {
    const now = this.core.clock.now();
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
  place(contact: ContactRecord, queue: QueueRecord, priority: number): ContactRecord {
    const { state, outbox, clock } = this.core;
    if (contact.listId && !isPersonal(contact.listId)) outbox.touch(contact.listId);
    state.dequeue(contact);
    contact.state = "queued";
    contact.queueId = queue.id;
    contact.listId = queue.id;
    contact.recoveryQueueId = undefined;
    contact.priority = priority;
    contact.enqueuedAt = clock.now();
    contact.seq = ++this.seq;
    state.enqueue(contact, queue.id, false);
    state.saveContact(contact);
    outbox.touch(queue.id);
    this.armMaxWait(contact, queue);
    if (outbox.listening) {
      outbox.emit({
        type: "contact-queued",
        at: contact.enqueuedAt,
        interactionId: contact.interactionId,
        kind: contact.kind,
        queue: this.core.views.queueInfo(queue),
        priority,
        position: state.position(contact),
      });
    }
    return contact;
  }

  busyFailure(interactionId: string): { ok: false; code: string; description: string } | undefined {
    const c = this.core.state.contact(interactionId);
    if (c?.state === "offered") return failure("CONTACT_BUSY", `contact ${interactionId} is ringing at agent "${c.agentId}"`);
    if (c?.state === "engaged") return failure("CONTACT_BUSY", `contact ${interactionId} is connected to agent "${c.agentId}"`);
    return undefined;
  }

  /** The center is done with the contact; it stays describable for a while. */
  finish(contact: ContactRecord, reason: string): void {
    if (contact.listId && !isPersonal(contact.listId) && contact.state === "queued") this.core.outbox.touch(contact.listId);
    contact.state = "ended";
    contact.endedAt = this.core.clock.now();
    contact.endedReason = reason;
    if (contact.callbackId) this.core.callbacks.finished(contact.callbackId, reason);
    this.core.state.deleteContact(contact.interactionId);
    this.core.handles.delete(contact.interactionId);
    const timer = this.waitTimers.get(contact.interactionId);
    if (timer) {
      timer.cancel();
      this.waitTimers.delete(contact.interactionId);
    }
    this.ended.set(contact.interactionId, contact);
    this.endedOrder.push(contact);
    // Oldest first out. A FIFO beside the map rather than deleting the map's first key: a Map
    // emptied from the front makes every `keys().next()` step over the deleted slots.
    const retention = this.core.settings.endedRetention;
    while (this.ended.size > retention && this.endedHead < this.endedOrder.length) {
      const old = this.endedOrder[this.endedHead++]!;
      if (this.ended.get(old.interactionId) === old) this.ended.delete(old.interactionId);
    }
    if (this.endedHead > 1024 && this.endedHead * 2 > this.endedOrder.length) {
      this.endedOrder.splice(0, this.endedHead);
      this.endedHead = 0;
    }
  }

  /** What a cluster snapshot needs of this part: the arrival counter and the ended contacts still describable (oldest first). */
  snapshot(): { seq: number; ended: ContactRecord[] } {
    const ended: ContactRecord[] = [];
    for (let i = this.endedHead; i < this.endedOrder.length; i++) {
      const c = this.endedOrder[i]!;
      if (this.ended.get(c.interactionId) === c) ended.push(c);
    }
    return { seq: this.seq, ended };
  }

  /** Forgets the ended contacts and stops the max-wait timers (a copy about to load a snapshot over itself). */
  clear(): void {
    for (const t of this.waitTimers.values()) t.cancel();
    this.waitTimers.clear();
    this.ended.clear();
    this.endedOrder.length = 0;
    this.endedHead = 0;
  }

  /** After a snapshot's contacts are in the state: the counter, the ended ones, and max-wait timers for what is left of each wait. */
  restore(data: { seq: number; ended: ContactRecord[] }): void {
    this.seq = data.seq;
    for (const c of data.ended) {
      this.ended.set(c.interactionId, c);
      this.endedOrder.push(c);
    }
    const now = this.core.clock.now();
    for (const c of this.core.state.contacts()) {
      const queue = c.state === "queued" && c.listId ? this.core.state.queue(c.listId) : undefined;
      if (queue?.maxWaitSeconds !== undefined) this.armMaxWait(c, queue, Math.max(0, c.enqueuedAt + queue.maxWaitSeconds * 1000 - now));
    }
  }

  private armMaxWait(contact: ContactRecord, queue: QueueRecord, ms?: number): void {
    this.waitTimers.get(contact.interactionId)?.cancel();
    this.waitTimers.delete(contact.interactionId);
    if (queue.maxWaitSeconds === undefined) return;
    const seq = contact.seq;
    const { clock, outbox } = this.core;
    const interactionId = contact.interactionId;
    const timer = startTimer(clock, ms ?? queue.maxWaitSeconds * 1000, () => {
      // On a cluster node the timeout goes through the shared log (see maxWaitElapsed).
      if (this.core.timerHook?.({ kind: "max-wait", interactionId, seq })) return;
      outbox.op(() => this.maxWaitElapsed(interactionId, seq));
    });
    this.waitTimers.set(contact.interactionId, timer);
  }

  /** The contact waited its queue's maximum, if it still waits in the placement `seq` numbers. */
  maxWaitElapsed(interactionId: string, seq: number): void {
    const { clock, outbox, state, views } = this.core;
    const c = state.contact(interactionId);
    // Only a contact still waiting in that same placement times out; one ringing or connected has reached an agent.
    if (!c || c.state !== "queued" || c.seq !== seq || !c.listId) return;
    const queue = state.queue(c.listId);
    if (!queue) return;
    this.waitTimers.get(interactionId)?.cancel();
    this.waitTimers.delete(interactionId);
    const handle = this.core.handles.get(interactionId);
    const info = views.queueInfo(queue);
    this.finish(c, "max-wait");
    if (handle) outbox.deliver(handle, { type: "ended", reason: "max-wait", queue: info });
    if (outbox.listening) {
      outbox.emit({ type: "contact-left", at: clock.now(), interactionId, queueId: queue.id, reason: "max-wait" });
    }
  }
}
