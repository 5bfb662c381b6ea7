/**
 * Abort listeners without EventTarget churn. A contact's AbortSignal is watched by every request
 * deadline and prompt it runs; adding and removing an EventTarget listener each time costs more
 * than the work it guards. `whenAborted` keeps one real listener per signal and a plain set of
 * callbacks behind it (a contact's own CallSignal takes plain callbacks itself).
 */
import { CallSignal } from "./call-signal.js";

const watchers = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `callback` once when `signal` aborts (at once, synchronously, if it already has).
 * Returns a function that removes it.
 */
export function whenAborted(signal: AbortSignal, callback: () => void): () => void {
  if (signal instanceof CallSignal) return signal.onAbort(callback);
  if (signal.aborted) {
    callback();
    return noop;
  }
  let set = watchers.get(signal);
  if (!set) {
    const callbacks = new Set<() => void>();
    set = callbacks;
    watchers.set(signal, callbacks);
    signal.addEventListener(
      "abort",
      () => {
        const pending = [...callbacks];
        callbacks.clear();
        for (const f of pending) f();
      },
      { once: true },
    );
  }
  const callbacks = set;
  callbacks.add(callback);
  return () => callbacks.delete(callback);
}

function noop(): void {}
