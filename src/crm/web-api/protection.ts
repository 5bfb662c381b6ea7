/**
 * Dataverse's service protection limits, per user: requests per sliding window, combined execution
 * time per window, and concurrent requests. Exceeding one answers 429 with Retry-After and the
 * documented error code, so clients' retry logic can be exercised. Limits are configurable and a
 * test can force the next N requests to be throttled.
 */
import type { CrmLimits } from "../config.js";

export interface Throttle {
  code: string;
  message: string;
  retryAfterSeconds: number;
}

const BUCKETS = 30;

interface UserState {
  /** Per time bucket: start time, request count, execution milliseconds. */
  buckets: Array<{ start: number; requests: number; executionMs: number }>;
  active: number;
}

export class ServiceProtection {
  private readonly users = new Map<string, UserState>();
  private forced: Array<{ remaining: number; retryAfterSeconds: number; code: string }> = [];

  constructor(
    private limits: CrmLimits,
    private readonly now: () => number = Date.now,
  ) {}

  setLimits(limits: Partial<CrmLimits>): void {
    this.limits = { ...this.limits, ...limits };
  }

  get current(): CrmLimits {
    return this.limits;
  }

  /** The next `count` requests (any user) get a 429 with this Retry-After. */
  force(count: number, retryAfterSeconds = 2, code = "0x80072322"): void {
    this.forced.push({ remaining: count, retryAfterSeconds, code });
  }

  private state(user: string): UserState {
    let state = this.users.get(user);
    if (!state) {
      state = { buckets: [], active: 0 };
      this.users.set(user, state);
    }
    const windowMs = this.limits.windowSeconds * 1000;
    const cutoff = this.now() - windowMs;
    while (state.buckets.length && state.buckets[0]!.start + windowMs / BUCKETS <= cutoff) state.buckets.shift();
    return state;
  }

  private messages(code: string): string {
    const l = this.limits;
    switch (code) {
      case "0x80072321":
        return `Combined execution time of incoming requests exceeded limit of ${l.executionTimeMs.toLocaleString("en-US")} milliseconds over time window of ${l.windowSeconds} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`;
      case "0x80072326":
        return `Number of concurrent requests exceeded the limit of ${l.maxConcurrent}.`;
      default:
        return `Number of requests exceeded the limit of ${l.requestsPerWindow} over time window of ${l.windowSeconds} seconds.`;
    }
  }

  /** Admits a request or says how it is throttled. Call the returned `done` when the request ends. */
  begin(user: string): { done: () => void; remaining: number } | { throttle: Throttle } {
    const forced = this.forced[0];
    if (forced) {
      if (--forced.remaining <= 0) this.forced.shift();
      return { throttle: { code: forced.code, message: this.messages(forced.code), retryAfterSeconds: forced.retryAfterSeconds } };
    }
    const state = this.state(user);
    const windowMs = this.limits.windowSeconds * 1000;
    const requests = state.buckets.reduce((n, b) => n + b.requests, 0);
    const executionMs = state.buckets.reduce((n, b) => n + b.executionMs, 0);
    const untilOldestExpires = () => {
      const oldest = state.buckets[0];
      return oldest ? Math.max(1, Math.ceil((oldest.start + windowMs - this.now()) / 1000)) : 1;
    };
    if (state.active >= this.limits.maxConcurrent) {
      return { throttle: { code: "0x80072326", message: this.messages("0x80072326"), retryAfterSeconds: 1 } };
    }
    if (requests >= this.limits.requestsPerWindow) {
      return { throttle: { code: "0x80072322", message: this.messages("0x80072322"), retryAfterSeconds: untilOldestExpires() } };
    }
    if (executionMs >= this.limits.executionTimeMs) {
      return { throttle: { code: "0x80072321", message: this.messages("0x80072321"), retryAfterSeconds: untilOldestExpires() } };
    }
    const now = this.now();
    const bucketMs = windowMs / BUCKETS;
    let bucket = state.buckets[state.buckets.length - 1];
    if (!bucket || now - bucket.start >= bucketMs) {
      bucket = { start: now - (now % bucketMs), requests: 0, executionMs: 0 };
      state.buckets.push(bucket);
    }
    bucket.requests++;
    state.active++;
    const started = now;
    const current = bucket;
    let finished = false;
    return {
      remaining: this.limits.requestsPerWindow - requests - 1,
      done: () => {
        if (finished) return;
        finished = true;
        state.active--;
        current.executionMs += Math.max(0, this.now() - started);
      },
    };
  }
}
