/**
 * Slows down guessing of secrets and passwords: failed attempts are counted per key (the callers
 * use who is tried and from which address together, so guesses from one place cannot lock the
 * client or person out elsewhere); past the limit within a sliding minute, that key waits (the
 * caller answers 429 with Retry-After). Successes are never counted. The CRM's token endpoint,
 * the identity service's token endpoint and its sign-in page share it.
 */
const MAX_KEYS = 10_000;

export class FailureGuard {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limitPerMinute: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(key: string): number[] {
    const cutoff = this.now() - 60_000;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Seconds to wait when any of the keys is over the limit, else 0. */
  blockedFor(keys: string[]): number {
    let wait = 0;
    for (const key of keys) {
      const list = this.recent(key);
      if (list.length >= this.limitPerMinute()) wait = Math.max(wait, Math.max(1, Math.ceil((list[0]! + 60_000 - this.now()) / 1000)));
    }
    return wait;
  }

  recordFailure(keys: string[]): void {
    for (const key of keys) {
      const list = this.recent(key);
      list.push(this.now());
      this.failures.set(key, list);
    }
    // A flood of distinct keys (addresses) must not grow the map without end: the oldest go first.
    while (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value!);
  }

  /** Forgets the failures of these keys (a success: the person knows their password after all). */
  clear(keys: string[]): void {
    for (const key of keys) this.failures.delete(key);
  }
}
