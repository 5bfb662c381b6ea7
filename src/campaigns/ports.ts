/**
 * What the dialler needs from the rest of the server, as an interface the server implements
 * (server/outbound-contacts.ts): start a contact whose customer ccflow dials itself. The dialler
 * decides what an answered call becomes; the server places the SIP call through the
 * environment's dial plan, carries its audio and hang-ups, and runs the flow.
 */
import type { OutboundLeg } from "../activities/types.js";
import type { DialFirstOutcome } from "../engine/outbound-legs.js";
import type { DialResult } from "./call-progress.js";

export interface OutboundContactRequest {
  /** The flow (id or name); absent: the flow the entry points bind to `from`, else the default. */
  flow?: string;
  /** The customer's number (the contact's ANI, PreDial's dialNumber). */
  number: string;
  /** Our number: shown to the customer, the contact's DNIS. */
  from: string;
  /** PreDial's leg, raised before the dial (none: no PreDial). */
  leg?: OutboundLeg;
  ringTimeoutMs?: number;
  /** Told what the dial came to, says what the contact does now. */
  decide(result: DialResult): DialFirstOutcome;
  /** The contact was queued (to an agent or a queue). */
  onQueued?(queue: string): void;
  /** The contact ended, with its end reason. */
  onEnded?(reason: string): void;
}

export interface OutboundContacts {
  /** Why `number` cannot be dialled (not a number, no dial plan entry), or undefined when it can. */
  refuse(number: string): string | undefined;
  /** Whether `flow` names a served flow (undefined: the default is used). */
  hasFlow(flow: string | undefined): boolean;
  /** Starts the contact: PreDial, then the dial; returns its interaction id at once. */
  start(request: OutboundContactRequest): { interactionId: string };
}
