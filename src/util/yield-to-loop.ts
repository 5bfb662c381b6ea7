/**
 * Lets the event loop run what is waiting (timers, sockets, other requests) before going on.
 * An `await` on a settled promise does not: it resumes in the same macrotask, so a request that
 * runs many synchronous steps (SQLite queries, serialising a page) back to back through `await`
 * holds the loop for their sum. Awaiting this between such steps bounds a block to one step.
 */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
