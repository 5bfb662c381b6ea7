/**
 * The abort signal a running flow hands its activities (`ctx.signal`): aborted when the agent
 * answers or the contact ends. Written here rather than taken from AbortController because every
 * call creates and aborts at least one, and in Node an AbortController costs several microseconds
 * to create, more to abort (EventTarget dispatch), and more for each listener — a tenth of a
 * call's CPU time in the engine benchmark.
 *
 * It is what ccflow and the libraries it passes signals to use of an AbortSignal: `aborted`,
 * `reason`, `throwIfAborted()`, `onabort`, `addEventListener`/`removeEventListener("abort")` with
 * `once` and `signal` options, `dispatchEvent`. Node's own APIs (timers/promises, events.once)
 * and undici accept it, as they check for those members rather than the class. It is not an
 * `instanceof AbortSignal`, and `AbortSignal.any` does not take it: wrap it with `toAbortSignal`.
 */

type Listener = EventListenerOrEventListenerObject;

interface Entry {
  listener: Listener;
  once: boolean;
}

export class CallSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: AbortSignal, ev: Event) => unknown) | null = null;
  /**
   * The sleeps a VirtualClock has waiting under this signal, kept here rather than in the
   * clock's WeakMap: every call makes signals of its own, and a WeakMap entry per signal was a
   * visible insert in profiles, and ephemerons for every collection to trace (see VirtualClock.watch).
   */
  clockWatch: { clock: object; timers: unknown[] } | undefined = undefined;
  private entries: Entry[] | undefined;
  private callbacks: Array<() => void> | undefined;

  /** As AbortSignal's; throws the reason once aborted. */
  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  addEventListener(type: string, listener: Listener | null, options?: boolean | AddEventListenerOptions): void {
    if (type !== "abort" || !listener || this.aborted) return;
    const entries = (this.entries ??= []);
    if (entries.some((e) => e.listener === listener)) return;
    const once = typeof options === "object" && options !== null && options.once === true;
    entries.push({ listener, once });
    const stop = typeof options === "object" && options !== null ? options.signal : undefined;
    if (stop) {
      if (stop.aborted) this.removeEventListener(type, listener);
      else stop.addEventListener("abort", () => this.removeEventListener(type, listener), { once: true });
    }
  }

  removeEventListener(type: string, listener: Listener | null): void {
    if (type !== "abort" || !listener || !this.entries) return;
    const i = this.entries.findIndex((e) => e.listener === listener);
    if (i >= 0) this.entries.splice(i, 1);
  }

  dispatchEvent(event: Event): boolean {
    if (event.type !== "abort") return true;
    this.onabort?.call(this as unknown as AbortSignal, event);
    const entries = this.entries;
    if (!entries) return true;
    for (const e of [...entries]) {
      if (e.once) this.removeEventListener("abort", e.listener);
      if (typeof e.listener === "function") e.listener.call(this, event);
      else e.listener.handleEvent(event);
    }
    return true;
  }

  /**
   * Calls `callback` once on abort (at once if aborted already), without an Event; returns its
   * remover. For ccflow's own code on the hot path.
   */
  onAbort(callback: () => void): () => void {
    if (this.aborted) {
      callback();
      return noop;
    }
    const callbacks = (this.callbacks ??= []);
    callbacks.push(callback);
    return () => {
      const i = callbacks.indexOf(callback);
      // copyWithin, not splice: splice returns a new array of what it removed.
      if (i >= 0) callbacks.copyWithin(i, i + 1).length--;
    };
  }

  /** Aborts with `reason`: plain callbacks first, then `onabort` and the listeners. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const callbacks = this.callbacks;
    this.callbacks = undefined;
    if (callbacks) for (const f of callbacks) f();
    if (this.onabort || this.entries?.length) this.dispatchEvent(new Event("abort"));
    this.entries = undefined;
  }

  /** The signal as the type activities see. */
  asAbortSignal(): AbortSignal {
    return this as unknown as AbortSignal;
  }
}

function noop(): void {}

/** A real AbortSignal following `signal`, for APIs that insist on one (`AbortSignal.any`). */
export function toAbortSignal(signal: AbortSignal): AbortSignal {
  if (!(signal instanceof CallSignal)) return signal;
  const controller = new AbortController();
  (signal as CallSignal).onAbort(() => controller.abort((signal as CallSignal).reason));
  return controller.signal;
}
