/**
 * Slows down client-secret guessing: after too many failed attempts within a minute under one key
 * (the token endpoint uses client id and source address together), it answers 429 with
 * Retry-After until the minute has passed. Successful sign-ins are never counted.
 */
export class SecretGuard {
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
      if (list.length >= this.limitPerMinute()) wait = Math.max(wait, Math.ceil((list[0]! + 60_000 - this.now()) / 1000));
    }
    return wait;
  }

  recordFailure(keys: string[]): void {
    for (const key of keys) {
      const list = this.recent(key);
      list.push(this.now());
      this.failures.set(key, list);
    }
  }
}
