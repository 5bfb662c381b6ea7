/**
 * Where contact records are kept, so the supervisor's reports survive a restart: one row per
 * contact (how it went through the center, its wrap-up) and, once the call has ended, its trace
 * (the CallEvent stream as the engine emitted it, isSecure values already masked). SQLite under
 * the data directory by default (sqlite-store.ts); PostgreSQL when the server runs with
 * `--postgres` (postgres-store.ts). Every method is async so both fit one interface.
 */
import type { CallEvent } from "../../engine/events.js";

export interface WrapUp {
  /** The wrap-up code's id from the environment (`center.wrapUpCodes`). */
  code: string;
  /** Its name as the agent saw it. */
  name: string;
  notes?: string;
  agentId: string;
  at: number;
}

/** A contact as it is stored. Times are ms since the epoch. */
export interface StoredContact {
  interactionId: string;
  ani?: string;
  dnis?: string;
  flow?: { id: string; name: string };
  startedAt: number;
  queueId?: string;
  queueName?: string;
  /** When the contact first entered a queue. */
  queuedAt?: number;
  answeredAt?: number;
  /** The caller hung up while waiting. */
  abandonedAt?: number;
  /** Left the queue another way (max wait, shutdown, transfer) without an agent. */
  leftAt?: number;
  /** The conversation with the agent ended. */
  endedAt?: number;
  /** The agent finished wrap-up. */
  wrapEndAt?: number;
  /** The first agent who answered. */
  agentId?: string;
  agentName?: string;
  /** One per agent who answered, in order: more than one after a transfer (AHT counts them all). */
  legs?: Array<{ agentId: string; agentName?: string; consult?: boolean; answeredAt: number; endedAt?: number; wrapEndAt?: number }>;
  /** The call itself ended (after the flow's ContactEnded event flow). */
  callEndedAt?: number;
  endReason?: string;
  wrapUp?: WrapUp;
  /** Hold, transfer and consult steps taken by agents, in order. */
  controls?: Array<{ at: number; action: string; agentId: string; detail?: string }>;
}

export interface StoredTrace {
  events: CallEvent[];
  /** Events left out of the middle of a very long trace. */
  omittedEvents: number;
}

export interface RecordQuery {
  /** Contacts that started at or after this time. */
  from?: number;
  /** ... and before this time. */
  to?: number;
  queueId?: string;
  /** Newest first, at most this many (default: all). */
  limit?: number;
}

export interface ContactRecordStore {
  /** Where the rows live, for the banner and logs (no password). */
  readonly location: string;
  save(record: StoredContact): Promise<void>;
  saveTrace(interactionId: string, trace: StoredTrace): Promise<void>;
  get(interactionId: string): Promise<{ record: StoredContact; trace?: StoredTrace } | undefined>;
  /** Records whose contact started in [from, to), oldest first (or newest first with a limit). */
  list(query?: RecordQuery): Promise<StoredContact[]>;
  /** Removes the records of contacts that started before `before`; resolves to how many. */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}
