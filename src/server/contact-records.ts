/**
 * Contact records for the supervisor's KPIs and reports: one record per contact (how it went
 * through the center — queued, answered or abandoned, conversation ended, wrap-up finished — the
 * wrap-up code and notes, and its trace once the call ended), built from the center's and the
 * calls' events. Records are written through to a store (records/store.ts: SQLite in the data
 * directory, or PostgreSQL) and pruned after `center.recordRetentionDays`; the last day is also
 * kept in memory, where the live view reads the last hour per queue. Reports read intervals from
 * the store, so they survive a restart. The arithmetic is center/kpi.ts.
 */
import { intervalFigures, intervalSeries, intervalStart, occupancy, type AgentStateCounts, type ContactRecord, type IntervalFigures } from "../center/kpi.js";
import type { CenterEvent, ContactCenter } from "../center/index.js";
import type { CallEvent } from "../engine/events.js";
import type { CallRegistry, CallSession } from "./calls.js";
import type { ContactRecordStore, RecordQuery, StoredContact, StoredTrace, WrapUp } from "./records/store.js";

const LIVE_WINDOW_MS = 60 * 60_000;
const DAY_MS = 24 * 60 * 60_000;
/** How often (at most) old records are pruned from the store: retention is counted in days. */
const PRUNE_EVERY_MS = 60 * 60_000;

export interface QueueLiveKpis {
  queueId: string;
  queueName: string;
  waiting: number;
  longestWaitMs: number;
  /** The trailing window the rates are computed over. */
  windowMinutes: number;
  serviceLevelSeconds: number;
  figures: IntervalFigures;
  agents: AgentStateCounts;
  occupancy: number | null;
}

export const REPORT_INTERVALS = { "15m": 15 * 60_000, "1h": 60 * 60_000, "1d": DAY_MS } as const;
export type ReportInterval = keyof typeof REPORT_INTERVALS;

export interface ContactRecordsOptions {
  now: () => number;
  serviceLevelSeconds: number;
  /** Records older than this many days are removed from the store. Default 30. */
  retentionDays?: number;
  /** Where records are written; without one they live in memory for a day. */
  store?: ContactRecordStore;
  /** The calls whose flow, numbers and trace go on the record. */
  calls?: CallRegistry;
  log?: (level: "warn" | "error", message: string) => void;
}

function queued(r: StoredContact): r is StoredContact & ContactRecord {
  return r.queueId !== undefined && r.queuedAt !== undefined;
}

export class ContactRecords {
  /** The last day's records, oldest first (insertion order). */
  private readonly recent = new Map<string, StoredContact>();
  /** Per agent: the contact whose wrap-up is running. */
  private readonly wrapping = new Map<string, string>();
  private readonly unsubscribe: Array<() => void> = [];
  private writes: Promise<void> = Promise.resolve();
  private lastPrune = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly center: ContactCenter,
    private readonly options: ContactRecordsOptions,
  ) {
    this.unsubscribe.push(center.subscribe((e) => this.onCenterEvent(e)));
    if (options.calls) this.unsubscribe.push(options.calls.onEvent((s, e) => this.onCallEvent(s, e)));
  }

  /** Reads the last day's records back from the store (after a restart) and prunes old ones. */
  async load(): Promise<void> {
    const store = this.options.store;
    if (!store) return;
    const now = this.options.now();
    await this.pruneStore(now);
    for (const r of await store.list({ from: now - DAY_MS })) if (!this.recent.has(r.interactionId)) this.recent.set(r.interactionId, r);
  }

  /** Stops listening, finishes pending writes and closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe) u();
    await this.writes;
    await this.options.store?.close();
  }

  get serviceLevelSeconds(): number {
    return this.options.serviceLevelSeconds;
  }

  get retentionDays(): number {
    return this.options.retentionDays ?? 30;
  }

  get location(): string {
    return this.options.store?.location ?? "memory";
  }

  /** The last day's queued contacts (for one queue). */
  list(queueId?: string): ContactRecord[] {
    return [...this.recent.values()].filter(queued).filter((r) => !queueId || r.queueId === queueId);
  }

  /** Stored records, newest first with a limit; from memory when there is no store. */
  async search(query: RecordQuery = {}): Promise<StoredContact[]> {
    await this.writes;
    if (this.options.store) return this.options.store.list(query);
    const all = [...this.recent.values()].filter((r) => (query.from === undefined || r.startedAt >= query.from) && (query.to === undefined || r.startedAt < query.to) && (query.queueId === undefined || r.queueId === query.queueId));
    return query.limit !== undefined ? all.reverse().slice(0, query.limit) : all;
  }

  /** One record with its trace (when the call has ended and a store keeps it). */
  async find(interactionId: string): Promise<{ record: StoredContact; trace?: StoredTrace } | undefined> {
    await this.writes;
    const stored = await this.options.store?.get(interactionId);
    if (stored) return stored;
    const r = this.recent.get(interactionId);
    return r ? { record: r } : undefined;
  }

  /** The record of a contact seen in the last day, as it is now. */
  current(interactionId: string): StoredContact | undefined {
    return this.recent.get(interactionId);
  }

  /** The contact the agent handled last (the one they are wrapping up). */
  lastHandledBy(agentId: string): string | undefined {
    return this.wrapping.get(agentId);
  }

  /** Saves the agent's wrap-up code and notes on the contact's record. */
  setWrapUp(interactionId: string, wrapUp: WrapUp): void {
    const r = this.recent.get(interactionId);
    if (!r) return;
    r.wrapUp = wrapUp;
    this.persist(r);
  }

  /** Notes a call-control step (hold, transfer, consult) on the contact's record. */
  addControl(interactionId: string, step: { at: number; action: string; agentId: string; detail?: string }): void {
    const r = this.recent.get(interactionId);
    if (!r) return;
    (r.controls ??= []).push(step);
    this.persist(r);
  }

  /** Per queue: waiting now, longest wait, and the last hour's figures, agents and occupancy. */
  live(): QueueLiveKpis[] {
    const now = this.options.now();
    const agents = this.center.listAgents();
    const threshold = this.options.serviceLevelSeconds * 1000;
    return this.center.listQueues().map((q) => {
      const counts: AgentStateCounts = { Available: 0, Idle: 0, Reserved: 0, Engaged: 0, WrapUp: 0, LoggedOut: 0 };
      for (const a of agents) if (a.queues.includes(q.id) || a.queues.includes("*")) counts[a.state]++;
      return {
        queueId: q.id,
        queueName: q.name,
        waiting: q.queuedNow,
        longestWaitMs: q.oldestWaitMs,
        windowMinutes: LIVE_WINDOW_MS / 60_000,
        serviceLevelSeconds: this.options.serviceLevelSeconds,
        figures: intervalFigures(this.list(q.id), now - LIVE_WINDOW_MS, now + 1, threshold),
        agents: counts,
        occupancy: occupancy(counts),
      };
    });
  }

  /** Intervals of one size, aligned to the clock, covering [from, to) (default: today so far). */
  async report(interval: ReportInterval, options: { queueId?: string; from?: number; to?: number } = {}): Promise<IntervalFigures[]> {
    const size = REPORT_INTERVALS[interval];
    const now = this.options.now();
    const to = options.to ?? now + 1;
    const from = intervalStart(options.from ?? intervalStart(now, DAY_MS), size);
    // Intervals count contacts by when they were queued, which is after they started (an IVR
    // can take a while, but not a day).
    const rows = this.options.store ? (await this.search({ from: from - DAY_MS, to, ...(options.queueId ? { queueId: options.queueId } : {}) })).filter(queued) : this.list(options.queueId);
    return intervalSeries(rows, from, to, size, this.options.serviceLevelSeconds * 1000);
  }

  private record(interactionId: string, at: number): StoredContact {
    let r = this.recent.get(interactionId);
    if (!r) {
      const s = this.options.calls?.get(interactionId);
      r = { interactionId, startedAt: s?.startedAt ?? at, ...(s ? { ani: s.ani, dnis: s.dnis, flow: { id: s.flow.id, name: s.flow.name } } : {}) };
      this.recent.set(interactionId, r);
      this.pruneMemory(at);
    }
    return r;
  }

  private onCenterEvent(e: CenterEvent): void {
    switch (e.type) {
      case "contact-queued": {
        const r = this.record(e.interactionId, e.at);
        if (r.queuedAt === undefined) {
          Object.assign(r, { queueId: e.queue.id, queueName: e.queue.name, queuedAt: e.at });
          this.persist(r);
        }
        break;
      }
      case "answered": {
        const r = this.recent.get(e.interactionId);
        if (r) {
          const agentName = this.center.agent(e.agentId)?.name ?? e.agentId;
          if (r.answeredAt === undefined) Object.assign(r, { answeredAt: e.at, agentId: e.agentId, agentName });
          (r.legs ??= []).push({ agentId: e.agentId, agentName, answeredAt: e.at });
          this.persist(r);
        }
        break;
      }
      case "consult": {
        // The consulted agent's minutes on the call are theirs, not the asking agent's talk: a
        // consult leg of their own, closed when the consult ends or becomes a transfer.
        const r = this.recent.get(e.interactionId);
        if (!r) break;
        if (e.state === "started") {
          if (this.center.consultFor(e.agentId)?.to !== e.agentId) break;
          (r.legs ??= []).push({ agentId: e.agentId, agentName: this.center.agent(e.agentId)?.name ?? e.agentId, consult: true, answeredAt: e.at });
          this.persist(r);
          break;
        }
        const leg = r.legs?.findLast((l) => l.consult && l.agentId === e.agentId && l.endedAt === undefined);
        if (leg) {
          // Consulted agents go back to Available without wrap-up.
          leg.endedAt = e.at;
          leg.wrapEndAt = e.at;
          this.persist(r);
        }
        break;
      }
      case "contact-left": {
        const r = this.recent.get(e.interactionId);
        if (r && r.queuedAt !== undefined && r.answeredAt === undefined && r.abandonedAt === undefined && r.leftAt === undefined) {
          // A caller who vanished (no RTP) left the queue as surely as one who hung up.
          if (e.reason === "caller-hangup" || e.reason === "rtp-timeout") r.abandonedAt = e.at;
          else r.leftAt = e.at;
          this.persist(r);
        }
        break;
      }
      case "ended": {
        // Each agent's leg ends (a transfer ends the first); the record's endedAt is the last.
        const r = this.recent.get(e.interactionId);
        const leg = r?.legs?.findLast((l) => l.agentId === e.agentId && l.endedAt === undefined);
        if (r && (leg || r.endedAt === undefined)) {
          r.endedAt = e.at;
          if (leg) leg.endedAt = e.at;
          this.wrapping.set(e.agentId, e.interactionId);
          this.persist(r);
        }
        break;
      }
      case "agent-state": {
        const id = this.wrapping.get(e.agentId);
        if (id && e.state !== "WrapUp") {
          const r = this.recent.get(id);
          const leg = r?.legs?.findLast((l) => l.agentId === e.agentId && l.endedAt !== undefined && l.wrapEndAt === undefined);
          if (r && (leg || r.wrapEndAt === undefined)) {
            r.wrapEndAt = Math.max(r.wrapEndAt ?? 0, e.at);
            if (leg) leg.wrapEndAt = e.at;
            this.persist(r);
          }
          this.wrapping.delete(e.agentId);
        }
        break;
      }
    }
  }

  private onCallEvent(session: CallSession, e: CallEvent): void {
    if (e.type !== "ended") return;
    const r = this.record(session.interactionId, e.at);
    Object.assign(r, { callEndedAt: e.at, endReason: e.reason });
    this.persist(r);
    const trace: StoredTrace = { events: session.events, omittedEvents: session.omittedEvents };
    const store = this.options.store;
    if (store) this.queue(() => store.saveTrace(session.interactionId, trace));
  }

  private persist(r: StoredContact): void {
    const store = this.options.store;
    if (!store || this.closed) return;
    this.queue(() => store.save(r));
    const now = this.options.now();
    if (now - this.lastPrune >= PRUNE_EVERY_MS) this.queue(() => this.pruneStore(now).then(() => undefined));
  }

  /** Writes go one after another, in the order the events happened. */
  private queue(write: () => Promise<void>): void {
    this.writes = this.writes.then(write).catch((err: unknown) => this.options.log?.("error", `could not store a contact record: ${(err as Error).message}`));
  }

  private async pruneStore(now: number): Promise<number> {
    this.lastPrune = now;
    return (await this.options.store?.prune(now - this.retentionDays * DAY_MS)) ?? 0;
  }

  private pruneMemory(now: number): void {
    for (const [id, r] of this.recent) {
      if (r.startedAt >= now - DAY_MS) break;
      this.recent.delete(id);
    }
  }
}
