/**
 * What an agent's desktop shows, in one object: the agent's state, the offer ringing now (with
 * the call-associated data), the contact they are talking to or wrapping up, and the screen pops
 * of that contact. The center's snapshots hold most of it; the offer's ring timeout and the
 * contact an agent is wrapping up are only in its event stream, so they are followed here.
 *
 * It also follows whether an agent's desktop is connected: when the last socket of an agent closes
 * (tab closed, network lost) and none comes back within the grace period, an Available agent is
 * made Idle with the reason `Disconnected`, and a ringing offer goes back to its queue, so callers
 * do not ring out on a desktop nobody sees (the rule is the center's: `desktopLost`).
 */
import type { AgentSnapshot, CallAssociatedItem, ContactCenter, OfferEvent } from "../center/index.js";
import type { ScreenPopRecord } from "../center/state.js";
import { startTimer, type Clock, type ClockTimer } from "../time/clock.js";
import type { CallControls, ContactControls } from "./call-controls.js";
import type { CallRegistry } from "./calls.js";

export interface DeskOffer {
  offerId: number;
  interactionId: string;
  ani: string;
  dnis: string;
  kind: string;
  via: "queue" | "direct";
  queue: { id: string; name: string };
  priority: number;
  offeredAt: number;
  ringTimeoutMs: number;
  callAssociatedData: CallAssociatedItem[];
}

export interface DeskContact {
  interactionId: string;
  ani: string;
  dnis: string;
  state: string;
  queue?: { id: string; name?: string };
  priority: number;
  /** When the agent answered (for the call timer). */
  answeredAt?: number;
  endedAt?: number;
  endedReason?: string;
  callAssociatedData: DeskCadItem[];
  screenPops: ScreenPopRecord[];
  /** Hold and mute (server/call-controls.ts). */
  controls?: ContactControls;
}

export interface DeskCadItem extends CallAssociatedItem {
  /** The flow marks it isAgentEditable: the agent may change it. */
  editable?: boolean;
}

export interface DeskView {
  agent: AgentSnapshot;
  /** The agent's queues with their names (`*`: every queue), for the desktop to name them. */
  queues: Array<{ id: string; name: string }>;
  offer?: DeskOffer;
  /** The contact being handled, or the one just ended while the agent wraps up. */
  contact?: DeskContact;
  /** Wrap-up codes from the environment; when there are any, wrap-up needs one. */
  wrapUpCodes?: Array<{ id: string; name: string }>;
  /** On a call: the queues the agent may transfer it to. */
  transferQueues?: Array<{ id: string; name: string }>;
  /** A consult this agent takes part in: `asking` (their caller) or `consulted`. */
  consult?: { role: "asking" | "consulted"; with: { id: string; name: string }; since: number; conference?: boolean; queue?: { id: string; name: string }; number?: string };
}

export interface PresenceOptions {
  clock: Clock;
  graceMs: number;
  log?: (level: "info" | "warn", message: string) => void;
}

export class AgentDesk {
  private readonly offers = new Map<string, OfferEvent>();
  private readonly sockets = new Map<string, number>();
  private readonly graceTimers = new Map<string, ClockTimer>();
  private readonly lastContact = new Map<string, { interactionId: string; answeredAt: number }>();
  private readonly unsubscribe: () => void;
  /** Set by the server once built: hold and mute state, wrap-up codes. */
  controls?: CallControls;

  constructor(
    private readonly center: ContactCenter,
    private readonly calls: CallRegistry,
    private readonly presence?: PresenceOptions,
  ) {
    this.unsubscribe = center.subscribe((e) => {
      switch (e.type) {
        case "offer":
          this.offers.set(e.agentId, e);
          break;
        case "offer-cancelled":
          if (this.offers.get(e.agentId)?.offerId === e.offerId) this.offers.delete(e.agentId);
          break;
        case "answered":
          this.offers.delete(e.agentId);
          this.lastContact.set(e.agentId, { interactionId: e.interactionId, answeredAt: e.at });
          break;
      }
    });
  }

  close(): void {
    this.unsubscribe();
    for (const t of this.graceTimers.values()) t.cancel();
    this.graceTimers.clear();
  }

  /** A desktop socket of the agent opened; returns what to call when it closes. */
  connected(agentId: string): () => void {
    this.sockets.set(agentId, (this.sockets.get(agentId) ?? 0) + 1);
    this.graceTimers.get(agentId)?.cancel();
    this.graceTimers.delete(agentId);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.sockets.get(agentId) ?? 1) - 1;
      if (left > 0) return void this.sockets.set(agentId, left);
      this.sockets.delete(agentId);
      if (!this.presence) return;
      this.graceTimers.set(
        agentId,
        startTimer(this.presence.clock, this.presence.graceMs, () => {
          this.graceTimers.delete(agentId);
          this.connectionLost(agentId);
        }),
      );
    };
  }

  private connectionLost(agentId: string): void {
    if (this.sockets.has(agentId)) return;
    try {
      const agent = this.center.desktopLost(agentId);
      if (agent) this.presence?.log?.("warn", `${agent.name}'s desktop lost its connection ${this.presence.graceMs / 1000} s ago: now Idle (Disconnected)`);
    } catch {
      // The agent moved on meanwhile (answered, signed out): nothing to undo.
    }
  }

  /** The contact the agent is talking to (Engaged) or wrapping up. */
  currentInteraction(agentId: string): string | undefined {
    const agent = this.center.agent(agentId);
    return agent?.state === "Engaged" ? agent.interactionId : agent?.state === "WrapUp" ? this.lastContact.get(agentId)?.interactionId : undefined;
  }

  view(agentId: string): DeskView | undefined {
    const agent = this.center.agent(agentId);
    if (!agent) return undefined;
    const names = new Map(this.center.listQueues().map((q) => [q.id, q.name]));
    const out: DeskView = { agent, queues: agent.queues.map((id) => ({ id, name: id === "*" ? "every queue" : (names.get(id) ?? id) })) };
    const seen = this.offers.get(agentId);
    // A node that joined from a snapshot while the offer rang never saw its event: the center describes it.
    const offer = agent.state !== "Reserved" ? undefined : seen?.offerId === agent.offerId ? seen : this.center.ringingOffer(agentId);
    if (offer) {
      out.offer = {
        offerId: offer.offerId,
        interactionId: offer.interactionId,
        // As ContactAniUpdated last changed it, not as it was when the offer began to ring.
        ani: this.center.contact(offer.interactionId)?.ani ?? offer.ani,
        dnis: offer.dnis,
        kind: offer.kind,
        via: offer.via,
        queue: offer.queue,
        priority: offer.priority,
        offeredAt: offer.at,
        ringTimeoutMs: offer.ringTimeoutMs,
        callAssociatedData: this.cad(offer.interactionId) ?? offer.callAssociatedData,
      };
    }
    const last = this.lastContact.get(agentId);
    const current = this.currentInteraction(agentId);
    if (current) {
      const c = this.center.contact(current);
      if (c) {
        out.contact = {
          interactionId: c.interactionId,
          ani: c.ani,
          dnis: c.dnis,
          state: c.state,
          ...(c.queueId ? { queue: { id: c.queueId, ...(c.queueName ? { name: c.queueName } : {}) } } : {}),
          priority: c.priority,
          ...(last?.interactionId === current ? { answeredAt: last.answeredAt } : {}),
          ...(c.endedAt !== undefined ? { endedAt: c.endedAt } : {}),
          ...(c.endedReason !== undefined ? { endedReason: c.endedReason } : {}),
          callAssociatedData: this.cad(current, true) ?? [],
          screenPops: c.screenPops.filter((p) => p.agentId === agentId),
          ...(this.controls ? { controls: this.controls.state(current) } : {}),
        };
      }
    }
    if (this.controls?.wrapUpCodes.length) out.wrapUpCodes = this.controls.wrapUpCodes;
    if (agent.state === "Engaged") out.transferQueues = [...names].map(([id, name]) => ({ id, name }));
    const toNumber = this.controls?.numberConsultFor(agentId);
    if (toNumber) out.consult = { role: "asking", with: { id: toNumber.number, name: toNumber.number }, since: toNumber.since, number: toNumber.number };
    const consult = this.center.consultFor(agentId);
    if (consult) {
      const other = consult.from === agentId ? consult.to : consult.from;
      out.consult = {
        role: consult.from === agentId ? "asking" : "consulted",
        with: { id: other, name: this.center.agent(other)?.name ?? other },
        since: consult.since,
        ...(consult.queueId ? { queue: { id: consult.queueId, name: names.get(consult.queueId) ?? consult.queueId } } : {}),
        ...(this.controls?.inConference(consult.interactionId) ? { conference: true } : {}),
      };
    }
    return out;
  }

  /** The contact's call-associated data as it is now (the flow may have changed it since the offer). */
  private cad(interactionId: string, withEditable = false): DeskCadItem[] | undefined {
    const session = this.calls.get(interactionId);
    if (!session?.interaction) return undefined;
    try {
      const items: DeskCadItem[] = session.interaction.callAssociatedData();
      if (!withEditable) return items;
      const defs = session.flow.definition.variables;
      return items.map((i) => (defs.get(i.name)?.isAgentEditable && !defs.get(i.name)?.isSecure ? { ...i, editable: true } : i));
    } catch {
      return undefined;
    }
  }
}
