/**
 * The whole contact center as plain data, for a cluster node's snapshot: a node joining a cluster
 * loads the newest snapshot and applies only the shared log's entries after it, instead of every
 * entry since the cluster began (center/cluster/). It holds what the center's decisions depend
 * on — records, the order of each waiting list and available ordering, the counters that number
 * offers and arrivals, the offers ringing, consults, callbacks, the samples behind estimated
 * waits — so a copy restored from it decides exactly as a copy that applied the whole log.
 * Timers are not data: restoring re-arms each for what is left of it.
 */
import type { CallAssociatedItem } from "./center-events.js";
import type { CallbackSnapshot } from "./callbacks.js";
import type { QueueStatistics } from "./queue-statistics.js";
import type { AgentRecord, ContactRecord, OrderSnapshot, QueueRecord } from "./state.js";
import type { ConsultSnapshot } from "./transfers.js";

export const SNAPSHOT_VERSION = 1;

export interface CenterSnapshot {
  version: typeof SNAPSHOT_VERSION;
  queues: QueueRecord[];
  agents: AgentRecord[];
  /** Contacts in the center now; a call's with the call-associated data its desktop shows. */
  contacts: Array<{ record: ContactRecord; cad: CallAssociatedItem[] }>;
  order: OrderSnapshot;
  availableSeq: number;
  offers: { offerSeq: number; ringing: Array<{ id: number; interactionId: string; agentId: string }> };
  arrivals: { seq: number; ended: ContactRecord[] };
  callbacks: { seq: number; callbacks: CallbackSnapshot[] };
  consults: ConsultSnapshot[];
  stats: ReturnType<QueueStatistics["snapshot"]>;
}
