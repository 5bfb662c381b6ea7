/**
 * The failure counter of failure-guard.ts kept in Redis, for a cluster (`serve --redis`): every
 * node counts into the same sorted set per key, so a guesser spreading attempts over the nodes
 * behind a balancer gets the limit once, not once per node. One Lua script takes an attempt
 * atomically (drop entries older than the window, refuse at the limit, else add this attempt),
 * timed by Redis's clock so the nodes' clocks do not matter. Keys are SHA-256 digests of the
 * counted pair: user names typed into the sign-in page do not sit in Redis in clear.
 *
 * While Redis cannot be reached, each node falls back to counting in its own memory (the
 * single-node behaviour) rather than refusing every sign-in.
 */
import { createHash, randomBytes } from "node:crypto";
import { createClient } from "redis";
import { FAILURE_WINDOW_MS, FailureGuard, NO_WAIT, type Attempt, type FailureCounter } from "./failure-guard.js";

/** KEYS: the counters; ARGV: limit, window ms, member. Returns seconds to wait (0: counted). */
const ATTEMPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wait = 0
for _, k in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', k, '-inf', now - window)
  if redis.call('ZCARD', k) >= limit then
    local oldest = redis.call('ZRANGE', k, 0, 0, 'WITHSCORES')
    local w = math.ceil((tonumber(oldest[2]) + window - now) / 1000)
    if w < 1 then w = 1 end
    if w > wait then wait = w end
  end
end
if wait == 0 then
  for _, k in ipairs(KEYS) do
    redis.call('ZADD', k, now, ARGV[3])
    redis.call('PEXPIRE', k, window)
  end
end
return wait
`;

function newClient(url: string) {
  return createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(100 + retries * 100, 1000) } });
}

export class RedisFailureGuard implements FailureCounter {
  private readonly local: FailureGuard;

  private constructor(
    private readonly client: ReturnType<typeof newClient>,
    private readonly name: string,
    private readonly limitPerMinute: () => number,
    private readonly onError: (message: string) => void,
  ) {
    this.local = new FailureGuard(limitPerMinute);
  }

  /** `name` separates counters (sign-in page, token endpoint) on the same Redis. */
  static async connect(url: string, name: string, limitPerMinute: () => number, onError: (message: string) => void = () => undefined): Promise<RedisFailureGuard> {
    const client = newClient(url);
    // node-redis reports each failed reconnection; the counter notices failures where it uses them.
    client.on("error", () => undefined);
    await client.connect();
    return new RedisFailureGuard(client, name, limitPerMinute, onError);
  }

  private key(k: string): string {
    return `ccflow:failures:${this.name}:${createHash("sha256").update(k, "utf8").digest("base64url")}`;
  }

  async attempt(keys: string[]): Promise<Attempt> {
    if (keys.length === 0) return NO_WAIT;
    const redisKeys = keys.map((k) => this.key(k));
    const member = randomBytes(9).toString("base64url");
    let wait: number;
    try {
      wait = Number(await this.client.sendCommand(["EVAL", ATTEMPT, String(redisKeys.length), ...redisKeys, String(this.limitPerMinute()), String(FAILURE_WINDOW_MS), member]));
    } catch (err) {
      this.onError(`failed sign-ins are counted on this node only while Redis is unreachable: ${err instanceof Error ? err.message : String(err)}`);
      return this.local.attempt(keys);
    }
    if (wait > 0) return { wait, succeeded: async () => undefined };
    return {
      wait: 0,
      succeeded: async (forgetAll = false) => {
        try {
          if (forgetAll) await this.client.sendCommand(["DEL", ...redisKeys]);
          else for (const k of redisKeys) await this.client.sendCommand(["ZREM", k, member]);
        } catch {
          // Redis away: the attempt stays counted until the window passes (a success costs one slot at worst).
        }
      },
    };
  }

  async close(): Promise<void> {
    if (this.client.isOpen) await this.client.quit().catch(() => undefined);
  }
}
