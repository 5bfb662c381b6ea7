/**
 * What the center tells the agent desktop, the supervisor view and tests. Contacts hear about
 * their routing through CenterNotice (types.ts); people watching the center read these.
 * Events carrying an `agentId` are also delivered to that agent's own subscribers.
 */
import type { QueueInfo } from "./types.js";
import type { AgentState, ContactKind } from "./state.js";

export interface CallAssociatedItem {
  label: string;
  name: string;
  value: string;
}

interface Base {
  /** Clock time, ms since the epoch. */
  at: number;
}

export interface AgentStateEvent extends Base {
  type: "agent-state";
  agentId: string;
  state: AgentState;
  reason?: string;
  interactionId?: string;
}

export interface OfferEvent extends Base {
  type: "offer";
  agentId: string;
  offerId: number;
  interactionId: string;
  kind: ContactKind;
  /** Queue-to-agent offers are `direct`. */
  via: "queue" | "direct";
  ani: string;
  dnis: string;
  queue: QueueInfo;
  priority: number;
  ringTimeoutMs: number;
  callAssociatedData: CallAssociatedItem[];
}

export type OfferCancelReason = "rona" | "declined" | "caller-hangup" | "logout" | "shutdown";

export interface OfferCancelledEvent extends Base {
  type: "offer-cancelled";
  agentId: string;
  offerId: number;
  interactionId: string;
  reason: OfferCancelReason;
}

export interface AnsweredEvent extends Base {
  type: "answered";
  agentId: string;
  interactionId: string;
  queue: QueueInfo;
}

export interface ContactEndedEvent extends Base {
  type: "ended";
  agentId: string;
  interactionId: string;
  /** Who ended the conversation. */
  by: "agent" | "caller" | "system";
  reason: string;
}

export interface ScreenPopCenterEvent extends Base {
  type: "screen-pop";
  agentId: string;
  interactionId: string;
  url: string;
  target: string;
  label?: string;
}

export interface ContactQueuedEvent extends Base {
  type: "contact-queued";
  interactionId: string;
  kind: ContactKind;
  queue: QueueInfo;
  priority: number;
  position: number;
}

/** A contact left the center without an agent (hang-up while waiting, max wait, shutdown). */
export interface ContactLeftEvent extends Base {
  type: "contact-left";
  interactionId: string;
  queueId?: string;
  reason: string;
}

/** A queue's waiting contacts changed; coalesced to one event per queue per center operation. */
export interface QueueChangedEvent extends Base {
  type: "queue-changed";
  queueId: string;
  queuedNow: number;
}

export interface QueueCreatedEvent extends Base {
  type: "queue-created";
  queue: QueueInfo;
  /** True when a flow used the id and the environment lacked it. */
  auto: boolean;
}

export interface CallbackRegisteredEvent extends Base {
  type: "callback-registered";
  callbackId: string;
  number: string;
  queueId: string;
  interactionId?: string;
}

/** A consult began or ended (transfers.ts); sent to each of the two agents. */
export interface ConsultEvent extends Base {
  type: "consult";
  agentId: string;
  interactionId: string;
  state: "started" | "ended" | "transferred";
  /** The other agent. */
  with: string;
}

/**
 * The caller's number changed (ContactAniUpdated) while the contact rang for, or talked to, this
 * agent (or a consulted one): the desk shows `ani` from now on.
 */
export interface ContactUpdatedEvent extends Base {
  type: "contact-updated";
  agentId: string;
  interactionId: string;
  ani: string;
  previousAni: string;
}

export interface CenterNoticeEvent extends Base {
  type: "notice";
  level: "info" | "warn";
  message: string;
}

export type CenterEvent =
  | AgentStateEvent
  | OfferEvent
  | OfferCancelledEvent
  | AnsweredEvent
  | ContactEndedEvent
  | ScreenPopCenterEvent
  | ContactQueuedEvent
  | ContactLeftEvent
  | QueueChangedEvent
  | QueueCreatedEvent
  | CallbackRegisteredEvent
  | ConsultEvent
  | ContactUpdatedEvent
  | CenterNoticeEvent;

export type CenterEventListener = (event: CenterEvent) => void;
