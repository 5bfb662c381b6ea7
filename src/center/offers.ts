/**
 * Offers: a contact ringing at one agent (Reserved) with a ring timer. When the timer runs out
 * the offer ends as RONA (redirection on no answer): the agent goes Idle with reason `RONA` and
 * the contact goes back to the head of its priority. A declined or withdrawn offer ends the same
 * way with its own reason; accepting one is the agents' business (agents.ts).
 */
import { startTimer, type ClockTimer } from "../time/clock.js";
import type { CallAssociatedItem, OfferCancelReason, OfferEvent } from "./center-events.js";
import { isPersonal, type CenterCore } from "./center-core.js";
import type { AgentRecord, ContactRecord } from "./state.js";
import type { ContactHandle } from "./types.js";

export interface Offer {
  id: number;
  interactionId: string;
  agentId: string;
  timer: ClockTimer;
}

export class OfferBook {
  private readonly offers = new Map<number, Offer>();
  private offerSeq = 0;

  constructor(private readonly core: CenterCore) {}

  /** Rings the contact at the agent: contact `offered`, agent Reserved, ring timer started. */
  open(contact: ContactRecord, agent: AgentRecord): void {
    const { state, clock, outbox, views } = this.core;
    const listId = contact.listId!;
    if (!isPersonal(listId)) outbox.touch(listId);
    state.dequeue(contact);
    state.markUnavailable(agent);
    const now = clock.now();
    const offerId = ++this.offerSeq;
    contact.state = "offered";
    contact.agentId = agent.id;
    contact.offerId = offerId;
    contact.offeredAt = now;
    contact.offers++;
    state.saveContact(contact);
    agent.offerId = offerId;
    agent.interactionId = contact.interactionId;
    this.core.agents.setState(agent, "offer");

    const ringTimeoutMs = this.core.settings.ringTimeoutMs;
    this.arm(offerId, agent.id, contact.interactionId, ringTimeoutMs);

    const queue = views.contactQueueInfo(contact);
    this.core.notify(contact, { type: "offered", agent: views.agentInfo(agent), queue });
    if (outbox.wants(agent.id)) {
      const handle = this.core.handles.get(contact.interactionId);
      outbox.emit({
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
        ringTimeoutMs,
        callAssociatedData: handle ? safeCad(handle) : [],
      });
    }
  }

  private arm(offerId: number, agentId: string, interactionId: string, ms: number): void {
    const { clock, outbox } = this.core;
    const timer = startTimer(clock, ms, () => {
      // On a cluster node the ring-out goes through the shared log, so every node applies it in the same place.
      if (this.core.timerHook?.({ kind: "ring", offerId, agentId })) return;
      outbox.op(() => this.ringTimeout(offerId));
    });
    this.offers.set(offerId, { id: offerId, interactionId, agentId, timer });
  }

  /** What a cluster snapshot needs of this part: the offer counter and the offers ringing. */
  snapshot(): { offerSeq: number; ringing: Array<{ id: number; interactionId: string; agentId: string }> } {
    return { offerSeq: this.offerSeq, ringing: [...this.offers.values()].map((o) => ({ id: o.id, interactionId: o.interactionId, agentId: o.agentId })) };
  }

  /**
   * The agent's ringing offer as its `offer` event described it, rebuilt from the state: for a
   * copy that never saw the event (a cluster node that joined from a snapshot while it rang).
   */
  describe(agentId: string): OfferEvent | undefined {
    const { state, views, settings, handles } = this.core;
    const agent = state.agent(agentId);
    if (agent?.state !== "Reserved" || agent.offerId === undefined || agent.interactionId === undefined) return undefined;
    const contact = state.contact(agent.interactionId);
    if (!contact || contact.offerId !== agent.offerId) return undefined;
    const handle = handles.get(contact.interactionId);
    return {
      type: "offer",
      at: contact.offeredAt ?? agent.since,
      agentId,
      offerId: agent.offerId,
      interactionId: contact.interactionId,
      kind: contact.kind,
      via: contact.listId !== undefined && isPersonal(contact.listId) ? "direct" : "queue",
      ani: contact.ani,
      dnis: contact.dnis,
      queue: views.contactQueueInfo(contact),
      priority: contact.priority,
      ringTimeoutMs: settings.ringTimeoutMs,
      callAssociatedData: handle ? safeCad(handle) : [],
    };
  }

  /** Forgets every offer and stops its timer (a copy about to load a snapshot over itself). */
  clear(): void {
    for (const o of this.offers.values()) o.timer.cancel();
    this.offers.clear();
  }

  /** After a snapshot's contacts are in the state: the counter, and each ringing offer with what is left of its ring time. */
  restore(data: ReturnType<OfferBook["snapshot"]>): void {
    this.offerSeq = data.offerSeq;
    const now = this.core.clock.now();
    for (const o of data.ringing) {
      const offeredAt = this.core.state.contact(o.interactionId)?.offeredAt ?? now;
      this.arm(o.id, o.agentId, o.interactionId, Math.max(0, offeredAt + this.core.settings.ringTimeoutMs - now));
    }
  }

  /** Ends the offer's bookkeeping (timer stopped); the caller decides what becomes of agent and contact. */
  take(offerId: number): Offer | undefined {
    const offer = this.offers.get(offerId);
    if (!offer) return undefined;
    this.offers.delete(offerId);
    offer.timer.cancel();
    return offer;
  }

  /**
   * Withdraws the agent's ringing offer and puts the contact back at the head of its priority
   * (in its queue, or the recovery queue of a queue-to-agent); a callback is not put back, it has
   * failed. Returns that list; the caller sets the agent's new state and then dispatches the list.
   */
  cancel(agent: AgentRecord, reason: OfferCancelReason, notice: "rona" | "declined"): string {
    const { state, clock, outbox, views } = this.core;
    const offer = this.take(agent.offerId!)!;
    agent.offerId = undefined;
    agent.interactionId = undefined;
    const contact = state.contact(offer.interactionId)!;
    this.core.notify(contact, { type: notice, agent: views.agentInfo(agent), queue: views.contactQueueInfo(contact) });
    if (outbox.wants(agent.id)) {
      outbox.emit({ type: "offer-cancelled", at: clock.now(), agentId: agent.id, offerId: offer.id, interactionId: contact.interactionId, reason });
    }
    if (contact.kind === "callback") {
      // Webex fails a callback its agent declines or does not answer (CallbackFailed runs in the
      // flow that asked for it) rather than offering it round again.
      const listId = contact.listId!;
      this.core.contacts.finish(contact, `callback-${notice}`);
      return listId;
    }
    contact.state = "queued";
    contact.agentId = undefined;
    contact.offerId = undefined;
    if (isPersonal(contact.listId!) && contact.recoveryQueueId) {
      contact.listId = contact.recoveryQueueId;
      contact.recoveryQueueId = undefined;
      contact.enqueuedAt = clock.now();
    }
    state.enqueue(contact, contact.listId!, true);
    state.saveContact(contact);
    if (!isPersonal(contact.listId!)) outbox.touch(contact.listId!);
    return contact.listId!;
  }

  /** The offer rang out (RONA), if it is still ringing. */
  ringTimeout(offerId: number): void {
    const offer = this.offers.get(offerId);
    if (!offer) return;
    const agent = this.core.state.agent(offer.agentId)!;
    const requeued = this.cancel(agent, "rona", "rona");
    this.core.agents.setState(agent, "rona", "Idle", "RONA");
    this.core.router.dispatchList(requeued);
  }
}

function safeCad(handle: ContactHandle): CallAssociatedItem[] {
  try {
    return handle.callAssociatedData();
  } catch {
    return [];
  }
}
