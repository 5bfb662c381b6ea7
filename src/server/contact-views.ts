/**
 * What the API shows of a contact: the call's own summary joined with where the center has it
 * (queue, position, offers), and its trace. Shared by the caller, supervisor and socket routes.
 */
import type { ContactCenter, ContactSnapshot } from "../center/index.js";
import type { CallEvent } from "../engine/events.js";
import type { CallSession, CallSummary } from "./calls.js";

export interface ContactSummary extends CallSummary {
  /** Where the center has the contact: queued, offered, engaged, ended; absent before it is queued. */
  centerState?: string;
  /** 1-based position in its queue while waiting. */
  position?: number;
  waitedMs?: number;
  offers?: number;
}

export interface ContactTrace {
  contact: ContactSummary;
  /** The contact's CallEvent stream, in order (isSecure values masked). */
  events: CallEvent[];
  /** Events left out of the middle of a very long trace. */
  omittedEvents: number;
  /** Flow variables now (isSecure ones masked). */
  variables: Record<string, unknown>;
  callAssociatedData: Array<{ label: string; name: string; value: string }>;
  screenPops: ContactSnapshot["screenPops"];
}

export function contactSummary(center: ContactCenter, session: CallSession): ContactSummary {
  const base = session.summary();
  const c = center.contact(session.interactionId);
  if (!c) return base;
  return {
    ...base,
    centerState: c.state,
    ...(c.queueId ? { queue: { id: c.queueId, ...(c.queueName ? { name: c.queueName } : {}) } } : {}),
    priority: c.priority,
    ...(c.state === "queued" ? { position: c.position } : {}),
    waitedMs: c.waitedMs,
    offers: c.offers,
  };
}

export function contactTrace(center: ContactCenter, session: CallSession): ContactTrace {
  const snapshot = center.contact(session.interactionId);
  return {
    contact: contactSummary(center, session),
    events: session.events,
    omittedEvents: session.omittedEvents,
    variables: session.interaction.variables.snapshot(),
    callAssociatedData: session.interaction.callAssociatedData(),
    screenPops: snapshot?.screenPops ?? [],
  };
}
