/**
 * Time as the engine sees it. Every timeout, music duration, ring timer and HTTP deadline goes
 * through a Clock so that tests and `ccflow call` can run a 30-second hold in microseconds.
 */

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Marks real-world work (a socket, a file) in progress. A virtual clock does not jump ahead
   * while such work is pending, otherwise a loopback HTTP call would "time out" instantly.
   */
  track<T>(work: Promise<T>): Promise<T>;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("aborted", "AbortError");
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(signal!));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  track<T>(work: Promise<T>): Promise<T> {
    return work;
  }
}

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to, or — with `autoAdvance` — jumps to the next timer as soon
 * as nothing else can happen: no tracked real-world work pending and the event loop has drained.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: Timer[] = [];
  private pendingWork = 0;
  private idleCheckScheduled = false;
  private readonly autoAdvance: boolean;

  constructor(options: { start?: number; autoAdvance?: boolean } = {}) {
    this.current = options.start ?? Date.UTC(2026, 0, 5, 14, 0, 0);
    this.autoAdvance = options.autoAdvance ?? true;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const timer: Timer = {
        at: this.current + Math.max(0, ms),
        seq: this.seq++,
        cancelled: false,
        fire: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        timer.cancelled = true;
        reject(abortReason(signal!));
        this.scheduleIdleCheck();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.insert(timer);
      this.scheduleIdleCheck();
    });
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.pendingWork++;
    const done = () => {
      this.pendingWork--;
      this.scheduleIdleCheck();
    };
    work.then(done, done);
    return work;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      const next = this.peek();
      if (!next || next.at > target) break;
      this.fireNext();
      await flushMicrotasks();
    }
    this.current = Math.max(this.current, target);
  }

  /** Number of timers still waiting (for tests and leak checks). */
  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  private insert(timer: Timer): void {
    // Timers are few per contact; a sorted array keeps firing order stable (time, then creation).
    let i = this.timers.length;
    while (i > 0) {
      const prev = this.timers[i - 1]!;
      if (prev.at < timer.at || (prev.at === timer.at && prev.seq < timer.seq)) break;
      i--;
    }
    this.timers.splice(i, 0, timer);
  }

  private peek(): Timer | undefined {
    while (this.timers.length > 0 && this.timers[0]!.cancelled) this.timers.shift();
    return this.timers[0];
  }

  private fireNext(): void {
    const timer = this.peek();
    if (!timer) return;
    this.timers.shift();
    this.current = Math.max(this.current, timer.at);
    timer.fire();
  }

  private scheduleIdleCheck(): void {
    if (!this.autoAdvance || this.idleCheckScheduled) return;
    this.idleCheckScheduled = true;
    // Two macrotask turns: promise chains started by the last timer get to register their own
    // timers or real-world work before we decide that nothing else can happen.
    setImmediate(() =>
      setImmediate(() => {
        this.idleCheckScheduled = false;
        if (this.pendingWork > 0) return;
        if (!this.peek()) return;
        this.fireNext();
        this.scheduleIdleCheck();
      }),
    );
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
