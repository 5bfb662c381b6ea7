/**
 * What the center's parts share: the clock, the state store, the settings, the engine's contact
 * handles and the outbox, and a reference to each part so that one can ask another (the offers
 * ask the agents to change state, the agents ask the router for a contact...). ContactCenter
 * builds one core and the parts around it; nothing outside src/center sees it.
 */
import type { Clock } from "../time/clock.js";
import type { AgentLifecycle } from "./agents.js";
import type { CallbackBook } from "./callbacks.js";
import type { ContactBook } from "./contacts.js";
import type { OfferBook } from "./offers.js";
import type { CenterOutbox, CenterLog } from "./outbox.js";
import type { Projections } from "./projections.js";
import type { QueueStatistics } from "./queue-statistics.js";
import type { Router } from "./router.js";
import type { Transfers } from "./transfers.js";
import type { CenterState, ContactRecord } from "./state.js";
import type { CenterNotice, ContactHandle } from "./types.js";

export interface CenterSettings {
  ringTimeoutMs: number;
  /** Undefined: agents stay in WrapUp until made Available. */
  wrapUpMs: number | undefined;
  declineState: "Idle" | "Available";
  autoCreateQueues: boolean;
  ewtLookbackMinutes: number;
  /** How many ended contacts stay describable. */
  endedRetention: number;
}

/** A center timer that ran out: which one, with what identifies the thing it was armed for. */
export type CenterTimer =
  | { kind: "ring"; offerId: number; agentId: string }
  | { kind: "wrap-up"; agentId: string; since: number }
  | { kind: "max-wait"; interactionId: string; seq: number };

export class CenterCore {
  /** The engine's handle on each contact the center holds (callbacks: the center's own). */
  readonly handles = new Map<string, ContactHandle>();
  agents!: AgentLifecycle;
  router!: Router;
  offers!: OfferBook;
  contacts!: ContactBook;
  callbacks!: CallbackBook;
  stats!: QueueStatistics;
  views!: Projections;
  transfers!: Transfers;
  /**
   * On a cluster node: told when a timer runs out, instead of the timer acting (returns true); the
   * node puts it in the shared log and every node applies it (ContactCenter.timerElapsed).
   */
  timerHook?: (timer: CenterTimer) => boolean;
  /** On a cluster node: session ids every node computes alike. */
  newSessionId?: () => string;

  constructor(
    readonly clock: Clock,
    readonly state: CenterState,
    readonly settings: CenterSettings,
    readonly outbox: CenterOutbox,
    readonly log: CenterLog,
  ) {}

  notify(contact: ContactRecord, notice: CenterNotice): void {
    const handle = this.handles.get(contact.interactionId);
    if (handle) this.outbox.deliver(handle, notice);
  }
}

export function isPersonal(listId: string): boolean {
  return listId.startsWith("@agent:");
}
