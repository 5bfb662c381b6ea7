/**
 * Time as the engine sees it. Every timeout, music duration, ring timer and HTTP deadline goes
 * through a Clock so that tests and `ccflow call` can run a 30-second hold in microseconds.
 */
import { CallSignal } from "./call-signal.js";

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

/** A callback scheduled on a clock, cancellable without an AbortController. */
export interface ClockTimer {
  cancel(): void;
}

/**
 * Calls `fire` after `ms` of the clock's time. Cheaper than `sleep` with an AbortController for
 * the timers that are usually cancelled (ring timeouts, deadlines, call limits).
 */
export function startTimer(clock: Clock, ms: number, fire: () => void): ClockTimer {
  if (clock instanceof VirtualClock) return clock.timer(ms, fire);
  if (clock instanceof SystemClock) {
    const handle = setTimeout(fire, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  }
  const ac = new AbortController();
  clock.sleep(ms, ac.signal).then(fire, () => undefined);
  return { cancel: () => ac.abort() };
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

/**
 * A timer of a VirtualClock, for sleeps and startTimer alike: one class, so the heap compares
 * objects of one shape, and `cancel` is a method rather than a closure and a wrapper per timer.
 */
class Timer implements ClockTimer {
  reject: ((reason: unknown) => void) | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  cancelled = false;
  /** Fired already: cancelling it now changes nothing. */
  done = false;

  constructor(
    private readonly clock: VirtualClock,
    readonly at: number,
    readonly seq: number,
    public fire: () => void,
  ) {}

  cancel(): void {
    if (this.cancelled || this.done) return;
    this.release();
    this.clock.timerCancelled();
  }

  /**
   * Marks it cancelled and lets go of what it would have called: a cancelled timer stays in the
   * heap until the next compaction, and its callback (a request, a whole contact) with it, which
   * kept them alive through collections they need not survive.
   */
  release(): void {
    this.cancelled = true;
    this.fire = noop;
    this.reject = undefined;
    this.signal = undefined;
  }
}

function noop(): void {}

/**
 * A clock that only moves when told to, or — with `autoAdvance` — jumps to the next timer as soon
 * as nothing else can happen: no tracked real-world work pending and the event loop has drained.
 *
 * Timers live in a binary heap ordered by (time, creation): thousands of concurrent contacts each
 * hold a few (hold music, ring timer, HTTP deadline, the 24 h call limit), and a cancelled timer
 * is only marked, so the heap is compacted when cancelled ones outnumber live ones.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private heap: Timer[] = [];
  private cancelled = 0;
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
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const timer = new Timer(this, this.current + Math.max(0, ms), this.seq++, noop);
    // The executor is one function for every sleep, not a closure per sleep: it runs at once,
    // and takes the timer it arms from here.
    this.arming = timer;
    const slept = new Promise<void>(this.arm);
    this.arming = undefined;
    if (signal) {
      timer.signal = signal;
      this.watch(signal).push(timer);
    }
    this.push(timer);
    this.scheduleIdleCheck();
    return slept;
  }

  /** The timer `sleep` is making a promise for (set only while its executor runs). */
  private arming: Timer | undefined = undefined;
  private readonly arm = (resolve: () => void, reject: (reason: unknown) => void): void => {
    const timer = this.arming!;
    timer.fire = resolve;
    timer.reject = reject;
  };

  /** Schedules `fire` after `ms` without a promise; see startTimer. */
  timer(ms: number, fire: () => void): ClockTimer {
    const timer = new Timer(this, this.current + Math.max(0, ms), this.seq++, fire);
    this.push(timer);
    this.scheduleIdleCheck();
    return timer;
  }

  /** The sleeps waiting under a signal, if this clock watches it. */
  private watched(signal: AbortSignal): Timer[] | undefined {
    if (signal instanceof CallSignal) {
      const own = signal.clockWatch;
      if (own?.clock === this) return own.timers as Timer[];
    }
    return this.bySignal.get(signal);
  }

  /** A timer of this clock was cancelled (it stays in the heap, marked). */
  timerCancelled(): void {
    this.cancelled++;
    if (this.cancelled > 64 && this.cancelled * 2 > this.heap.length) this.compact();
    this.scheduleIdleCheck();
  }

  /**
   * Timers waiting under each signal. One abort listener per signal, not one per sleep: a
   * contact's signal covers dozens of sleeps, and EventTarget listeners are costly to add and drop.
   */
  private readonly bySignal = new WeakMap<AbortSignal, Timer[]>();

  /**
   * The sleeps under a signal, as a list: a signal has one sleep at a time almost always, so a
   * fired one is the last entry and comes off with a pop (a Set's add and delete hashed, and
   * shrank its table, for every prompt). One fired out of order stays until the list is pruned.
   */
  private watch(signal: AbortSignal): Timer[] {
    const list = this.watched(signal);
    if (list) {
      if (list.length >= 8) prune(list);
      return list;
    }
    const timers: Timer[] = [];
    // A CallSignal carries its list itself, unless another clock took its slot first.
    if (signal instanceof CallSignal && signal.clockWatch === undefined) signal.clockWatch = { clock: this, timers };
    else this.bySignal.set(signal, timers);
    const onAbort = () => {
      const reason = abortReason(signal);
      for (const t of timers) {
        if (t.cancelled || t.done) continue;
        const reject = t.reject;
        t.release();
        this.cancelled++;
        reject?.(reason);
      }
      timers.length = 0;
      if (this.cancelled > 64 && this.cancelled * 2 > this.heap.length) this.compact();
      this.scheduleIdleCheck();
    };
    // A contact's CallSignal takes a plain callback: no listener entry, and no Event built when
    // the agent answers and the signal aborts.
    if (signal instanceof CallSignal) signal.onAbort(onAbort);
    else signal.addEventListener("abort", onAbort, { once: true });
    return timers;
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
    return this.heap.length - this.cancelled;
  }

  private static before(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!VirtualClock.before(h[i]!, h[parent]!)) break;
      // A temporary, not a destructuring swap: that allocates an array per step.
      const t = h[i]!;
      h[i] = h[parent]!;
      h[parent] = t;
      i = parent;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftDown(start: number): void {
    const h = this.heap;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && VirtualClock.before(h[l]!, h[m]!)) m = l;
      if (r < h.length && VirtualClock.before(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      const t = h[i]!;
      h[i] = h[m]!;
      h[m] = t;
      i = m;
    }
  }

  private compact(): void {
    this.heap = this.heap.filter((t) => !t.cancelled);
    this.cancelled = 0;
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private peek(): Timer | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) {
      this.pop();
      this.cancelled--;
    }
    return this.heap[0];
  }

  private fireNext(): void {
    const timer = this.peek();
    if (!timer) return;
    this.pop();
    timer.done = true;
    this.current = Math.max(this.current, timer.at);
    if (timer.signal) {
      const list = this.watched(timer.signal);
      if (list !== undefined && list[list.length - 1] === timer) list.pop();
    }
    timer.fire();
  }

  private scheduleIdleCheck(): void {
    if (!this.autoAdvance || this.idleCheckScheduled) return;
    this.idleCheckScheduled = true;
    // A macrotask turn runs after every microtask, so promise chains started by the last timer
    // have registered their own timers or real-world work before we decide nothing else can happen.
    setImmediate(() => {
      this.idleCheckScheduled = false;
      if (this.pendingWork > 0) return;
      const next = this.peek();
      if (!next) return;
      // Everything due at the same instant fires together; each may start more work.
      const at = next.at;
      while (this.peek()?.at === at) this.fireNext();
      this.scheduleIdleCheck();
    });
  }
}

/** Drops fired and cancelled timers from a signal's list, in place. */
function prune(list: Timer[]): void {
  let n = 0;
  for (const t of list) if (!t.done && !t.cancelled) list[n++] = t;
  list.length = n;
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
