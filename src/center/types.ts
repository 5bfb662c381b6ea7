/**
 * The contract between the flow engine and the contact center (queues, agents, distribution).
 * The engine hands activities a CenterPort; the center talks back to a contact through its
 * ContactHandle. Both sides stay in-memory today; a shared (Redis) implementation would sit
 * behind the same interface.
 */

/** What the center tells a contact about its routing. The engine turns these into event flows. */
export type CenterNotice =
  | { type: "offered"; agent: AgentInfo; queue: QueueInfo }
  | { type: "rona"; agent: AgentInfo; queue: QueueInfo }
  | { type: "declined"; agent: AgentInfo; queue: QueueInfo }
  | { type: "answered"; agent: AgentInfo; queue: QueueInfo }
  | { type: "agent-disconnected"; agent: AgentInfo; queue: QueueInfo }
  /** The agent on the call brings another agent onto it (a consult leg is dialled). */
  /** `queue`: the consult asked for a queue, and `to` is the agent of it who takes the consult. */
  | { type: "consulting"; agent: AgentInfo; to: AgentInfo; queue?: QueueInfo }
  /** The agent passed the contact on: to a queue (it waits there) or to another agent. */
  | { type: "transferred"; agent: AgentInfo; queue?: QueueInfo; to?: AgentInfo; /** Out of the center, to this number. */ number?: string }
  | { type: "ended"; reason: string; agent?: AgentInfo; queue?: QueueInfo };

export interface AgentInfo {
  id: string;
  name: string;
  email?: string;
  teamId?: string;
  teamName?: string;
  /** Session id for AgentSessionID. */
  sessionId?: string;
}

export interface QueueInfo {
  id: string;
  name: string;
}

/** The center's handle on one contact (implemented by the engine's interaction). */
export interface ContactHandle {
  readonly interactionId: string;
  readonly ani: string;
  readonly dnis: string;
  /** Call-associated data shown to the agent: isCAD variables by desktopLabel. */
  callAssociatedData(): Array<{ label: string; name: string; value: string }>;
  notify(notice: CenterNotice): void;
  /** A courtesy callback for this contact was registered under `callbackId` (callbacks.ts). */
  callbackRegistered?(callbackId: string, number: string, queueId?: string): void;
  /** What the center tells that callback's contact, passed on to the contact that asked for it. */
  callbackNotice?(callbackId: string, notice: CenterNotice): void;
}

export interface QueueRequest {
  contact: ContactHandle;
  queueId: string;
  /** 1 (highest) .. 10 (lowest). */
  priority: number;
  /** Skill requirements as exported, passed through for skills-based routing. */
  skills?: unknown;
}

export type QueueResult =
  | { ok: true; queue: QueueInfo; position: number }
  | { ok: false; code: string; description: string };

export interface QueueStats {
  queue: QueueInfo;
  /** Position in queue of the asking contact (1-based), or the count waiting when not queued. */
  piq: number;
  /** Estimated wait in ms; -1 when unknown. */
  ewtMs: number;
  oldestCallTimeMs: number;
  loggedOnAgents: number;
  availableAgents: number;
  queuedNow: number;
}

export interface AgentRequest {
  contact: ContactHandle;
  /** Value of the destination variable. */
  destination: string;
  lookup: "agentEmail" | "agentId";
  priority: number;
  reportingQueueId?: string;
  /**
   * parkContactToggle: when the agent is logged on but busy, wait for that agent instead of
   * failing. Absent means false.
   */
  park?: boolean;
}

export type AgentResult =
  | { ok: true; agent: AgentInfo; state: string }
  | { ok: false; code: string; description: string };

export interface CallbackRequest {
  contact: ContactHandle;
  number: string;
  queueId?: string;
  callerId?: string;
}

export interface ScreenPopRequest {
  contact: ContactHandle;
  url: string;
  target: string;
  label?: string;
}

/** What activities may ask of the center. */
export interface CenterPort {
  queueContact(request: QueueRequest): QueueResult;
  queueToAgent(request: AgentRequest): AgentResult;
  /** `lookbackMinutes` is the queue-lookup activity's ewtLookbackMinutes (5-240). */
  queueStats(queueId: string, contact?: ContactHandle, options?: { lookbackMinutes?: number }): QueueStats | undefined;
  /**
   * Set Contact Priority: moves a waiting contact to another priority (1 highest .. 10), at the
   * back of that level. Optional: a center without it makes the activity fail.
   */
  setContactPriority?(interactionId: string, priority: number): QueueResult;
  registerCallback(request: CallbackRequest): { ok: true; id: string } | { ok: false; code: string; description: string };
  /** Delivers a pop to the agent currently handling the contact; returns the agent id or undefined. */
  screenPop(request: ScreenPopRequest): string | undefined;
  /** The contact has left (hung up, disconnected by the flow, transferred). */
  contactEnded(interactionId: string, reason: string): void;
  /** The caller's number changed (ContactAniUpdated): queues, offers and desks show the new one. */
  contactAniChanged?(interactionId: string, ani: string): void;
}
