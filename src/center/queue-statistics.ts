/**
 * Queue statistics as queue-lookup reports them: position, estimated wait (from recent handle and
 * wait times, see stats.ts), oldest waiting contact, logged-on and Available agents.
 */
import type { CenterCore } from "./center-core.js";
import type { ContactRecord, QueueRecord } from "./state.js";
import { SampleWindow, estimateWaitMs } from "./stats.js";
import type { ContactHandle, QueueStats } from "./types.js";

export class QueueStatistics {
  private readonly handleSamples = new Map<string, SampleWindow>();
  private readonly waitSamples = new Map<string, SampleWindow>();

  constructor(private readonly core: CenterCore) {}

  /** Entry-to-answer time of a contact just answered. */
  recordWait(contact: ContactRecord, now: number): void {
    if (contact.queueId) this.samples(this.waitSamples, contact.queueId).record(now, now - contact.firstQueuedAt);
  }

  /** Offer-to-end time: what an agent spends on one contact, for EWT. */
  recordHandle(contact: ContactRecord): void {
    if (!contact.queueId || contact.offeredAt === undefined) return;
    const now = this.core.clock.now();
    this.samples(this.handleSamples, contact.queueId).record(now, now - contact.offeredAt);
  }

  queueStats(queue: QueueRecord, contact: ContactHandle | undefined, lookbackMinutes: number | undefined): QueueStats {
    const { state, clock, router, views, settings } = this.core;
    const now = clock.now();
    const queuedNow = state.waitingCount(queue.id);
    const record = contact ? state.contact(contact.interactionId) : undefined;
    const position = record?.state === "queued" && record.listId === queue.id ? state.position(record) : 0;
    const lookback = Math.min(240, Math.max(5, lookbackMinutes ?? settings.ewtLookbackMinutes));
    const since = now - lookback * 60_000;
    const { loggedOn, working } = router.staffing(queue.id);
    const available = state.availableCount(queue.id);
    const oldest = state.oldestWaitingSince(queue.id);
    return {
      queue: views.queueInfo(queue),
      piq: position > 0 ? position : queuedNow,
      ewtMs: estimateWaitMs({
        position: position > 0 ? position : queuedNow + 1,
        meanHandleMs: this.handleSamples.get(queue.id)?.meanSince(since),
        meanWaitMs: this.waitSamples.get(queue.id)?.meanSince(since),
        workingAgents: working,
        availableAgents: available,
      }),
      oldestCallTimeMs: oldest === undefined ? 0 : now - oldest,
      loggedOnAgents: loggedOn,
      availableAgents: available,
      queuedNow,
    };
  }

  /** The sample windows as plain data (a cluster snapshot), and back. */
  snapshot(): { handle: Array<[string, ReturnType<SampleWindow["toJSON"]>]>; wait: Array<[string, ReturnType<SampleWindow["toJSON"]>]> } {
    return { handle: [...this.handleSamples].map(([q, w]) => [q, w.toJSON()]), wait: [...this.waitSamples].map(([q, w]) => [q, w.toJSON()]) };
  }

  restore(data: ReturnType<QueueStatistics["snapshot"]>): void {
    for (const [q, w] of data.handle) this.handleSamples.set(q, SampleWindow.fromJSON(w));
    for (const [q, w] of data.wait) this.waitSamples.set(q, SampleWindow.fromJSON(w));
  }

  private samples(map: Map<string, SampleWindow>, queueId: string): SampleWindow {
    let window = map.get(queueId);
    if (!window) map.set(queueId, (window = new SampleWindow()));
    return window;
  }
}
