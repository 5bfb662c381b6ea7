/**
 * What a cluster node's contact center needs from the shared log it is replicated through
 * (src/center/cluster/). On one node every center change is applied at once, as before; on a
 * cluster node it is put in the shared log instead and every node (this one included) applies the
 * log's entries in the log's order to its own copy of the center, so all copies take the same
 * routing decisions. This file holds the commands and the hook; the log itself is cluster/.
 */
import type { Clock } from "../time/clock.js";
import type { CenterTimer } from "./center-core.js";
import type { ContactHandle } from "./types.js";

/** The agent-side calls that change the center (ContactCenter's methods of these names). */
export type AgentAction =
  | "login"
  | "logout"
  | "setAvailable"
  | "setIdle"
  | "requestState"
  | "finishWrapUp"
  | "accept"
  | "decline"
  | "end"
  | "transfer"
  | "consult"
  | "completeConsult"
  | "endConsult"
  | "desktopLost";

/** A contact as the other nodes know it: no engine behind it, just what the desktop shows. */
export interface ContactData {
  interactionId: string;
  ani: string;
  dnis: string;
  cad: Array<{ label: string; name: string; value: string }>;
}

export type CenterCommand =
  | { op: "agent"; action: AgentAction; args: unknown[] }
  | { op: "queueContact"; contact: ContactData; queueId: string; priority: number; skills?: unknown }
  | { op: "queueToAgent"; contact: ContactData; destination: string; lookup: "agentEmail" | "agentId"; priority: number; reportingQueueId?: string; park?: boolean }
  | { op: "setContactPriority"; interactionId: string; priority: number }
  | { op: "registerCallback"; id: string; contact: ContactData; number: string; queueId?: string; callerId?: string }
  | { op: "screenPop"; contact: ContactData; url: string; target: string; label?: string }
  | { op: "contactEnded"; interactionId: string; reason: string }
  | { op: "timer"; timer: CenterTimer }
  | { op: "nodeLost"; node: string; reason: string }
  /** The caller's number changed after the contact reached the center (AniUpdated): every copy's record and desks take it. */
  | { op: "contactAni"; interactionId: string; ani: string }
  /** A call's hold and mute state, shared by the call's node so every node's desk view shows it. */
  | { op: "controls"; interactionId: string; held: boolean; heldSince?: number; muted: boolean };

export interface CenterReplication {
  readonly nodeId: string;
  /** False until the node has caught up with the log: until then the center is being set up locally. */
  readonly live: boolean;
  /** The log is reachable (changes can be made). */
  readonly healthy: boolean;
  /** The center's clock: while an entry is applied, the entry's time (the same on every node). */
  readonly clock: Clock;
  /** Puts a command in the log; resolves with what applying it returned on this node (or rejects with what it threw). */
  submit(command: CenterCommand, handle?: ContactHandle): Promise<unknown>;
  /** A timer ran out on this node: the node that owns it logs it (see CenterCore.timerHook). */
  timerElapsed(timer: CenterTimer): void;
  /** A session id every node computes alike (from the entry being applied). */
  newSessionId(): string;
  /** An event's id every node computes alike: the entry being applied and the event's rank in it. */
  eventId(): string;
  /** A callback id unique in the cluster, chosen before the command is logged. */
  newCallbackId(): string;
  /** Contacts whose call runs on this node (for shutdown's count). */
  localContacts(): number;
  /**
   * Agents the machine plays (`simulated:`): no node owns them, and one node at a time plays them
   * (`play` starts the playing, from the agents' state in the center; its `stop` ends it).
   */
  playSimulated?(agentIds: readonly string[], play: () => { stop(): void }): void;
}
