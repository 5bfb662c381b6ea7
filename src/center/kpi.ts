/**
 * Contact-center KPIs from contact records: the arithmetic only (no clock, no storage), so the
 * supervisor's live figures and the interval reports compute them the same way.
 *
 * Definitions (per queue, for the contacts that entered the queue in the interval):
 * - offered: contacts queued; answered: of those, answered by an agent; abandoned: of those, the
 *   caller hung up while waiting. A contact still waiting is offered but neither.
 * - service level: answered within the threshold / (answered + abandoned); null when both are 0.
 * - ASA (average speed of answer): mean of answeredAt - queuedAt over answered contacts.
 * - abandon rate: abandoned / (answered + abandoned).
 * - AHT (average handle time): mean of talk (endedAt - answeredAt) plus wrap-up (wrapEndAt -
 *   endedAt) over answered contacts whose conversation ended; a wrap-up not finished yet counts 0.
 *   A contact transferred from agent to agent has one leg per agent who answered it: its handle
 *   time is every leg's talk plus wrap-up, counted once the last leg's conversation ended. Each
 *   agent's time is their own: a consulted agent has a consult leg of their own (consult start to
 *   its end or the transfer, no wrap-up), beside the asking agent's talk over the same minutes,
 *   and a further leg when they take the caller.
 * - occupancy (agents, at one moment): busy (Reserved, Engaged, WrapUp) / (busy + Available).
 */

export interface ContactRecord {
  interactionId: string;
  queueId: string;
  /** When the contact first entered the queue (ms). */
  queuedAt: number;
  answeredAt?: number;
  /** The caller hung up while waiting. */
  abandonedAt?: number;
  /** Left the queue another way (max wait, shutdown, transfer) without an agent. */
  leftAt?: number;
  /** The conversation with the agent ended. */
  endedAt?: number;
  /** The agent finished wrap-up. */
  wrapEndAt?: number;
  agentId?: string;
  /** One per agent who answered the contact, in order (more than one after a transfer). */
  legs?: HandleLeg[];
}

export interface HandleLeg {
  agentId: string;
  /** The agent was consulted on the call (answeredAt: the consult began), not handed it. */
  consult?: boolean;
  answeredAt: number;
  /** This agent's conversation ended (they hung up, or transferred the caller). */
  endedAt?: number;
  wrapEndAt?: number;
}

export interface IntervalFigures {
  from: number;
  to: number;
  offered: number;
  answered: number;
  abandoned: number;
  answeredWithinThreshold: number;
  /** 0..1, null when nothing was answered or abandoned. */
  serviceLevel: number | null;
  /** ms, null when nothing was answered. */
  asaMs: number | null;
  /** 0..1, null when nothing was answered or abandoned. */
  abandonRate: number | null;
  /** ms, null when no handled contact has ended. */
  ahtMs: number | null;
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Talk plus wrap-up of one conversation; undefined while it lasts. */
function legTime(answeredAt: number, endedAt: number | undefined, wrapEndAt: number | undefined): number | undefined {
  if (endedAt === undefined) return undefined;
  return Math.max(0, endedAt - answeredAt) + (wrapEndAt !== undefined ? Math.max(0, wrapEndAt - endedAt) : 0);
}

/** A contact's handle time over all its legs; undefined until the last conversation ended. */
export function handleTime(r: ContactRecord): number | undefined {
  if (r.answeredAt === undefined) return undefined;
  if (!r.legs || r.legs.length === 0) return legTime(r.answeredAt, r.endedAt, r.wrapEndAt);
  let total = 0;
  for (const leg of r.legs) {
    const t = legTime(leg.answeredAt, leg.endedAt, leg.wrapEndAt);
    if (t === undefined) return undefined;
    total += t;
  }
  return total;
}

/** Figures for the records queued in [from, to). */
export function intervalFigures(records: Iterable<ContactRecord>, from: number, to: number, thresholdMs: number): IntervalFigures {
  let offered = 0;
  let abandoned = 0;
  let within = 0;
  const waits: number[] = [];
  const handles: number[] = [];
  for (const r of records) {
    if (r.queuedAt < from || r.queuedAt >= to) continue;
    offered++;
    if (r.answeredAt !== undefined) {
      const wait = Math.max(0, r.answeredAt - r.queuedAt);
      waits.push(wait);
      if (wait <= thresholdMs) within++;
      const handle = handleTime(r);
      if (handle !== undefined) handles.push(handle);
    } else if (r.abandonedAt !== undefined) {
      abandoned++;
    }
  }
  const answered = waits.length;
  const finished = answered + abandoned;
  return {
    from,
    to,
    offered,
    answered,
    abandoned,
    answeredWithinThreshold: within,
    serviceLevel: finished === 0 ? null : within / finished,
    asaMs: mean(waits),
    abandonRate: finished === 0 ? null : abandoned / finished,
    ahtMs: mean(handles),
  };
}

/** Consecutive intervals of `sizeMs` from `from` (aligned to it) until `to`, each with its figures. */
export function intervalSeries(records: ContactRecord[], from: number, to: number, sizeMs: number, thresholdMs: number): IntervalFigures[] {
  if (!(sizeMs > 0)) throw new RangeError("interval size must be positive");
  const out: IntervalFigures[] = [];
  for (let start = from; start < to; start += sizeMs) out.push(intervalFigures(records, start, Math.min(start + sizeMs, to), thresholdMs));
  return out;
}

/** The start of the interval of `sizeMs` holding `at`, counted from the epoch in UTC (15 min, hour, day). */
export function intervalStart(at: number, sizeMs: number): number {
  return Math.floor(at / sizeMs) * sizeMs;
}

export interface AgentStateCounts {
  Available: number;
  Idle: number;
  Reserved: number;
  Engaged: number;
  WrapUp: number;
  LoggedOut: number;
}

/** Busy agents over agents who could take a call; null when nobody could. */
export function occupancy(counts: AgentStateCounts): number | null {
  const busy = counts.Reserved + counts.Engaged + counts.WrapUp;
  const staffed = busy + counts.Available;
  return staffed === 0 ? null : busy / staffed;
}
