/**
 * How the center talks outwards: notices to contacts' handles and events to listeners, never in
 * the middle of an operation. Each operation (`op`) finishes its state change first and queues
 * what it has to say; the queue is delivered in order on a microtask after the call returns. A
 * notice handler that calls back into the center (contactEnded from a hang-up, screenPop from an
 * event flow) runs a complete operation of its own, whose output joins the end of the same queue.
 */
import type { Clock } from "../time/clock.js";
import type { CenterEvent, CenterEventListener } from "./center-events.js";
import type { CenterNotice, ContactHandle } from "./types.js";

export type CenterLog = (level: "info" | "warn", message: string) => void;

export class CenterOutbox {
  private readonly listeners = new Set<CenterEventListener>();
  private readonly agentListeners = new Map<string, Set<CenterEventListener>>();
  private readonly touched = new Set<string>();
  /**
   * Deliveries waiting for the flush, two slots each: a contact's handle and its notice, or null
   * and a center event. Pairs rather than a closure per delivery: a call makes a dozen. One array
   * for the outbox's life, filled from 0 to `count` and cleared after each flush: a new array per
   * flush grew its backing store again every time.
   */
  private readonly items: Array<ContactHandle | CenterNotice | CenterEvent | null> = [];
  private count = 0;
  private depth = 0;
  /** Runs at the end of each outermost operation, before its events go out (a retiring queue's sweep, reconfigure.ts). */
  afterOp: (() => void) | undefined = undefined;
  private flushing = false;
  /** Set when events carry ids (ContactCenter.numberEvents): called as each event is emitted. */
  stamp?: () => string;
  private readonly ids = new WeakMap<CenterEvent, string>();
  private flushScheduled = false;

  constructor(
    private readonly clock: Clock,
    private readonly waitingCount: (listId: string) => number,
    private readonly log: CenterLog,
  ) {}

  subscribe(listener: CenterEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subscribeAgent(agentId: string, listener: CenterEventListener): () => void {
    let set = this.agentListeners.get(agentId);
    if (!set) this.agentListeners.set(agentId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.agentListeners.delete(agentId);
    };
  }

  /** Someone follows every event (events nobody reads are not built). */
  get listening(): boolean {
    return this.listeners.size > 0;
  }

  /** Someone follows this agent's events. */
  wants(agentId: string): boolean {
    return this.listeners.size > 0 || this.agentListeners.has(agentId);
  }

  async settle(): Promise<void> {
    for (let i = 0; i < 10_000 && (this.count > 0 || this.flushScheduled || this.flushing); i++) {
      await Promise.resolve();
    }
  }

  /** Runs one center operation; what it queued goes out once the outermost one returns. */
  op<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) {
        this.afterOp?.();
        this.endOp();
      }
    }
  }

  /**
   * `op` without its closure, for the center's hottest calls: `begin()`, then the operation in a
   * try whose finally calls `end()`.
   */
  begin(): void {
    this.depth++;
  }

  end(): void {
    this.depth--;
    if (this.depth === 0) {
      this.afterOp?.();
      this.endOp();
    }
  }

  deliver(handle: ContactHandle, notice: CenterNotice): void {
    this.put(handle, notice);
  }

  emit(event: CenterEvent): void {
    if (this.stamp) this.ids.set(event, this.stamp());
    this.put(null, event);
  }

  private put(first: ContactHandle | null, second: CenterNotice | CenterEvent): void {
    const items = this.items;
    const at = this.count;
    if (at < items.length) {
      items[at] = first;
      items[at + 1] = second;
    } else items.push(first, second);
    this.count = at + 2;
  }

  /** The id the event was emitted with, when events are numbered. */
  idOf(event: CenterEvent): string | undefined {
    return this.ids.get(event);
  }

  /** The queue's waiting count changed: one `queue-changed` at the end of the operation. */
  touch(queueId: string): void {
    if (this.listeners.size > 0) this.touched.add(queueId);
  }

  notice(level: "info" | "warn", message: string): void {
    this.log(level, message);
    if (this.listeners.size > 0) this.emit({ type: "notice", at: this.clock.now(), level, message });
  }

  private endOp(): void {
    if (this.touched.size > 0) {
      const at = this.clock.now();
      for (const queueId of this.touched) {
        this.emit({ type: "queue-changed", at, queueId, queuedNow: this.waitingCount(queueId) });
      }
      this.touched.clear();
    }
    if (this.count > 0 && !this.flushing && !this.flushScheduled) {
      this.flushScheduled = true;
      // A then on a settled promise rather than queueMicrotask: Node wraps each queueMicrotask
      // callback in an AsyncResource, which costs three times as much.
      SETTLED.then(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    this.flushing = true;
    try {
      // Jobs queued by re-entrant calls land at the end of this same array and run in this loop.
      const items = this.items;
      for (let i = 0; i < this.count; i += 2) {
        try {
          const handle = items[i] as ContactHandle | null;
          if (handle) handle.notify(items[i + 1] as CenterNotice);
          else this.dispatch(items[i + 1] as CenterEvent);
        } catch (err) {
          this.log("warn", `contact notice handler failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    } finally {
      // Delivered items are let go (fill, not a new array: the backing store is kept). A burst
      // that grew the array past what a flush needs gives it back.
      if (this.items.length > 1024) this.items.length = 0;
      else this.items.fill(null, 0, this.count);
      this.count = 0;
      this.flushing = false;
    }
  };

  private dispatch(event: CenterEvent): void {
    if (this.listeners.size > 0) for (const listener of this.listeners) this.call(listener, event);
    const agentId = "agentId" in event ? event.agentId : undefined;
    if (!agentId) return;
    const own = this.agentListeners.get(agentId);
    if (own) for (const listener of own) this.call(listener, event);
  }

  /** One failing listener must not keep the event from the others. */
  private call(listener: CenterEventListener, event: CenterEvent): void {
    try {
      listener(event);
    } catch (err) {
      this.log("warn", `center listener failed on ${event.type}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

const SETTLED = Promise.resolve();
