/**
 * Slows down guessing of secrets and passwords: failed attempts are counted per key (the callers
 * use who is tried and from which address together, so guesses from one place cannot lock the
 * client or person out elsewhere); past the limit within a sliding minute, that key waits (the
 * caller answers 429 with Retry-After). The CRM's token endpoint, the identity service's token
 * endpoint and its sign-in page share it.
 *
 * An attempt is counted as a failure when it begins and taken back when it succeeds: checking a
 * secret is asynchronous (scrypt on libuv's pool), and counting only after the check would let a
 * burst of parallel guesses all pass the limit before the first was counted. Successes therefore
 * never count. The counter is in memory (one node) or, for a cluster, in Redis
 * (redis-failure-guard.ts), so that guesses spread over the nodes add up.
 */
import { randomBytes } from "node:crypto";

const MAX_KEYS = 10_000;
export const FAILURE_WINDOW_MS = 60_000;

export interface Attempt {
  /** Seconds to wait when a key is over the limit (the attempt was then not counted), else 0. */
  wait: number;
  /** The attempt succeeded: it no longer counts, and with `forgetAll` neither do the keys' earlier failures. */
  succeeded(forgetAll?: boolean): Promise<void>;
}

export interface FailureCounter {
  /** Begins an attempt for these keys: refused (wait > 0) when any is at the limit, else counted as a failure until it succeeds. */
  attempt(keys: string[]): Promise<Attempt>;
  close?(): Promise<void>;
}

export const NO_WAIT: Attempt = { wait: 0, succeeded: async () => undefined };

/** Counts in this process's memory. */
export class FailureGuard implements FailureCounter {
  private readonly failures = new Map<string, Array<{ at: number; id: string }>>();

  constructor(
    private readonly limitPerMinute: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(key: string): Array<{ at: number; id: string }> {
    const cutoff = this.now() - FAILURE_WINDOW_MS;
    const list = (this.failures.get(key) ?? []).filter((f) => f.at > cutoff);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Seconds to wait when any of the keys is over the limit, else 0. */
  blockedFor(keys: string[]): number {
    let wait = 0;
    for (const key of keys) {
      const list = this.recent(key);
      if (list.length >= this.limitPerMinute()) wait = Math.max(wait, Math.max(1, Math.ceil((list[0]!.at + FAILURE_WINDOW_MS - this.now()) / 1000)));
    }
    return wait;
  }

  async attempt(keys: string[]): Promise<Attempt> {
    if (keys.length === 0) return NO_WAIT;
    const wait = this.blockedFor(keys);
    if (wait > 0) return { wait, succeeded: async () => undefined };
    const id = randomBytes(9).toString("base64url");
    for (const key of keys) {
      const list = this.recent(key);
      list.push({ at: this.now(), id });
      this.failures.set(key, list);
    }
    // A flood of distinct keys (addresses) must not grow the map without end: the oldest go first.
    while (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value!);
    return {
      wait: 0,
      succeeded: async (forgetAll = false) => {
        for (const key of keys) {
          if (forgetAll) this.failures.delete(key);
          else {
            const rest = (this.failures.get(key) ?? []).filter((f) => f.id !== id);
            if (rest.length) this.failures.set(key, rest);
            else this.failures.delete(key);
          }
        }
      },
    };
  }
}
