/**
 * Contact records for the supervisor's KPIs: one record per queued contact (queued, answered or
 * abandoned, conversation ended, wrap-up finished), built from the center's events and kept in
 * memory for `retainMs` (default a day). The live view reads the last hour per queue; reports read
 * intervals. The arithmetic is center/kpi.ts.
 *
 * Not built yet: storing these records (with the contact's trace) in SQLite or PostgreSQL, so
 * reports survive a restart; the environment's retention would then apply to that store.
 */
import { intervalFigures, intervalSeries, intervalStart, occupancy, type AgentStateCounts, type ContactRecord, type IntervalFigures } from "../center/kpi.js";
import type { CenterEvent, ContactCenter } from "../center/index.js";

const LIVE_WINDOW_MS = 60 * 60_000;

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

export const REPORT_INTERVALS = { "15m": 15 * 60_000, "1h": 60 * 60_000, "1d": 24 * 60 * 60_000 } as const;
export type ReportInterval = keyof typeof REPORT_INTERVALS;

export class ContactRecords {
  private readonly records = new Map<string, ContactRecord>();
  /** Per agent: the contact whose wrap-up is running. */
  private readonly wrapping = new Map<string, string>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly center: ContactCenter,
    private readonly options: { now: () => number; serviceLevelSeconds: number; retainMs?: number },
  ) {
    this.unsubscribe = center.subscribe((e) => this.onEvent(e));
  }

  close(): void {
    this.unsubscribe();
  }

  get serviceLevelSeconds(): number {
    return this.options.serviceLevelSeconds;
  }

  list(queueId?: string): ContactRecord[] {
    const all = [...this.records.values()];
    return queueId ? all.filter((r) => r.queueId === queueId) : all;
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
  report(interval: ReportInterval, options: { queueId?: string; from?: number; to?: number } = {}): IntervalFigures[] {
    const size = REPORT_INTERVALS[interval];
    const now = this.options.now();
    const to = options.to ?? now + 1;
    const from = intervalStart(options.from ?? intervalStart(now, REPORT_INTERVALS["1d"]), size);
    return intervalSeries(this.list(options.queueId), from, to, size, this.options.serviceLevelSeconds * 1000);
  }

  private onEvent(e: CenterEvent): void {
    switch (e.type) {
      case "contact-queued":
        if (!this.records.has(e.interactionId)) this.records.set(e.interactionId, { interactionId: e.interactionId, queueId: e.queue.id, queuedAt: e.at });
        this.prune(e.at);
        break;
      case "answered": {
        const r = this.records.get(e.interactionId);
        if (r && r.answeredAt === undefined) Object.assign(r, { answeredAt: e.at, agentId: e.agentId });
        break;
      }
      case "contact-left": {
        const r = this.records.get(e.interactionId);
        if (r && r.answeredAt === undefined) {
          if (e.reason === "caller-hangup") r.abandonedAt = e.at;
          else r.leftAt = e.at;
        }
        break;
      }
      case "ended": {
        const r = this.records.get(e.interactionId);
        if (r && r.endedAt === undefined) {
          r.endedAt = e.at;
          this.wrapping.set(e.agentId, e.interactionId);
        }
        break;
      }
      case "agent-state": {
        const id = this.wrapping.get(e.agentId);
        if (id && e.state !== "WrapUp") {
          const r = this.records.get(id);
          if (r && r.wrapEndAt === undefined) r.wrapEndAt = e.at;
          this.wrapping.delete(e.agentId);
        }
        break;
      }
    }
  }

  private prune(now: number): void {
    const keep = this.options.retainMs ?? REPORT_INTERVALS["1d"];
    for (const [id, r] of this.records) {
      if (r.queuedAt >= now - keep) break;
      this.records.delete(id);
    }
  }
}
