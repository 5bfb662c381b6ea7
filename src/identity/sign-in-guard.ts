/**
 * Failed sign-ins counted per (user name, source address) in a sliding minute: past the limit, that
 * pair waits; other people, and the same person from elsewhere, are not locked out by it.
 */
export class SignInGuard {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limitPerMinute = 10,
    private readonly now: () => number = Date.now,
  ) {}

  private key(username: string, address: string): string {
    return `${username.trim().toLowerCase()}\u0000${address}`;
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - 60_000;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Seconds to wait before trying again; 0 when trying is allowed. */
  blockedFor(username: string, address: string): number {
    const list = this.recent(this.key(username, address));
    if (list.length < this.limitPerMinute) return 0;
    return Math.max(1, Math.ceil((list[0]! + 60_000 - this.now()) / 1000));
  }

  recordFailure(username: string, address: string): void {
    const key = this.key(username, address);
    const list = this.recent(key);
    list.push(this.now());
    this.failures.set(key, list);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  clear(username: string, address: string): void {
    this.failures.delete(this.key(username, address));
  }
}
