/**
 * The cluster's shared log on Redis: one stream (`<prefix>log`, XADD with server-assigned ids, so
 * the entries of every node fall into one order) read by every node from the start, plus node
 * leases (a key with a TTL per node, renewed by a heartbeat) and the set of nodes that joined.
 * Three connections: a writer that fails at once while Redis is away (so the API can answer 503
 * instead of queueing changes nobody sees), a reader for the blocking XREAD, and one for the
 * blocking pop of requests from other nodes (node-requests.ts).
 * The `redis` client (node-redis) reconnects by itself; no protocol of our own.
 */
import { createClient } from "redis";
import { NodeRequests } from "./node-requests.js";

function newClient(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(100 + retries * 100, 1000) },
  });
}
type Client = ReturnType<typeof newClient>;

/** HSET applied NODE "id|seconds" with Redis's clock, so freshness does not depend on the nodes' clocks. */
const REPORT_APPLIED = `redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. redis.call('TIME')[1]) return 1`;

/**
 * KEYS: log, applied hash, trimmed key; ARGV: snapshot id, freshness in seconds. The threshold is
 * the lowest of the snapshot id and every fresh applied position; stale positions are dropped.
 */
const TRIM = `
local function parse(id) local ms, seq = string.match(id, '^(%d+)-(%d+)$') return tonumber(ms), tonumber(seq) end
local function lower(a, b)
  local am, as = parse(a) local bm, bs = parse(b)
  if am ~= bm then return am < bm end
  return as < bs
end
local min = ARGV[1]
local now = tonumber(redis.call('TIME')[1])
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local id, at = string.match(all[i + 1], '^(.+)|(%d+)$')
  if id and now - tonumber(at) <= tonumber(ARGV[2]) then
    if lower(id, min) then min = id end
  else
    redis.call('HDEL', KEYS[2], all[i])
  end
end
-- Never lower: a node that wakes from a freeze and reports an old position must still find that the log went past it.
local prev = redis.call('GET', KEYS[3])
if prev and lower(min, prev) then min = prev end
redis.call('SET', KEYS[3], min)
redis.call('XTRIM', KEYS[1], 'MINID', min)
return min
`;

/** KEYS: the lock; ARGV: node, ttl ms. Renews the lock when the node holds it, takes it when nobody does; 1 when the node holds it after. */
const HOLD_LOCK = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if v then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** KEYS: the lock; ARGV: node. Lets go of the lock when the node holds it. */
const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface LogEntry {
  id: string;
  /** The entry's time: the milliseconds part of its stream id (Redis's clock, the same for every node). */
  at: number;
  node: string;
  token: string;
  command: string;
}

type StreamEntries = Array<[string, string[]]>;
/** RESP2 gives [[key, entries]]; node-redis turns it into {key: entries}. Both are read. */
type XReadReply = Array<[string, StreamEntries]> | Record<string, StreamEntries> | null;

export class RedisLog {
  private readonly key: string;

  private constructor(
    private readonly writer: Client,
    private readonly reader: Client,
    private readonly popper: Client,
    private readonly prefix: string,
  ) {
    this.key = `${prefix}log`;
  }

  static async connect(url: string, prefix: string, onError: (err: Error) => void): Promise<RedisLog> {
    const writer = newClient(url);
    const reader = newClient(url);
    const popper = newClient(url);
    for (const c of [writer, reader, popper]) c.on("error", onError);
    await writer.connect();
    await reader.connect();
    await popper.connect();
    return new RedisLog(writer, reader, popper, prefix);
  }

  /** Requests between nodes (node-requests.ts), on the writer and a connection of their own. */
  nodeRequests(nodeId: string, onError: (message: string) => void): NodeRequests {
    return new NodeRequests(this.writer, this.popper, this.prefix, nodeId, onError);
  }

  /** The node holds its lease (it renewed it within the lease time). */
  async leaseHeld(node: string): Promise<boolean> {
    return ((await this.writer.sendCommand(["EXISTS", `${this.prefix}lease:${node}`])) as number) === 1;
  }

  get writerReady(): boolean {
    return this.writer.isReady;
  }

  /** Appends one entry; resolves with its id. */
  async append(node: string, token: string, command: string): Promise<string> {
    return (await this.writer.sendCommand(["XADD", this.key, "*", "n", node, "t", token, "c", command])) as string;
  }

  /** Entries after `afterId`; waits up to `blockMs` for one when there is none (0: does not wait). */
  async read(afterId: string, blockMs: number, count = 1000): Promise<LogEntry[]> {
    const args = ["XREAD", "COUNT", String(count)];
    if (blockMs > 0) args.push("BLOCK", String(blockMs));
    args.push("STREAMS", this.key, afterId);
    const reply = (await this.reader.sendCommand(args)) as XReadReply;
    if (!reply) return [];
    const out: LogEntry[] = [];
    const streams = Array.isArray(reply) ? reply.map(([, entries]) => entries) : Object.values(reply);
    for (const entries of streams) {
      for (const [id, fields] of entries) {
        const f = new Map<string, string>();
        for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
        out.push({ id, at: Number(id.split("-")[0]), node: f.get("n") ?? "", token: f.get("t") ?? "", command: f.get("c") ?? "{}" });
      }
    }
    return out;
  }

  /** Renews this node's lease and (re)joins the set of nodes. */
  async renewLease(node: string, leaseMs: number): Promise<void> {
    await this.writer.sendCommand(["SET", `${this.prefix}lease:${node}`, String(Date.now()), "PX", String(leaseMs)]);
    await this.writer.sendCommand(["SADD", `${this.prefix}nodes`, node]);
  }

  /** Joined nodes whose lease ran out. */
  async deadNodes(): Promise<string[]> {
    const nodes = (await this.writer.sendCommand(["SMEMBERS", `${this.prefix}nodes`])) as string[];
    const dead: string[] = [];
    for (const n of nodes) {
      if (((await this.writer.sendCommand(["EXISTS", `${this.prefix}lease:${n}`])) as number) === 0) dead.push(n);
    }
    return dead;
  }

  /**
   * A lock one node holds while it renews it (a key with a TTL, `<prefix><name>`): renewed when
   * `node` holds it, taken when nobody does. True when `node` holds it now.
   */
  async holdLock(name: string, node: string, ttlMs: number): Promise<boolean> {
    return ((await this.writer.sendCommand(["EVAL", HOLD_LOCK, "1", `${this.prefix}${name}`, node, String(ttlMs)])) as number) === 1;
  }

  /** Lets go of the lock `name` if `node` holds it. */
  async releaseLock(name: string, node: string): Promise<void> {
    await this.writer.sendCommand(["EVAL", RELEASE_LOCK, "1", `${this.prefix}${name}`, node]);
  }

  /** The node holding the lock `name`, if any. */
  async lockHolder(name: string): Promise<string | null> {
    return (await this.writer.sendCommand(["GET", `${this.prefix}${name}`])) as string | null;
  }

  /** One node at a time reaps a dead node: a lock per dead node, with a TTL. */
  async claimReaping(deadNode: string, byNode: string, ttlMs: number): Promise<boolean> {
    const ok = await this.writer.sendCommand(["SET", `${this.prefix}reaping:${deadNode}`, byNode, "NX", "PX", String(ttlMs)]);
    return (ok as unknown) === "OK";
  }

  /**
   * The cluster's center configuration fingerprint: set by the first node when no node holds a
   * lease, then every node must match it. Returns the fingerprint in force.
   */
  async agreeOnConfig(fingerprint: string): Promise<string> {
    const key = `${this.prefix}config`;
    const nodes = (await this.writer.sendCommand(["SMEMBERS", `${this.prefix}nodes`])) as string[];
    const dead = await this.deadNodes();
    if (nodes.length === dead.length) {
      await this.writer.sendCommand(["SET", key, fingerprint]);
      return fingerprint;
    }
    await this.writer.sendCommand(["SET", key, fingerprint, "NX"]);
    return ((await this.writer.sendCommand(["GET", key])) as string | null) ?? fingerprint;
  }

  // ------------------------------------------------------------ snapshots and trimming

  /** The newest snapshot (JSON with the id of the last entry it covers), or null. */
  async loadSnapshot(): Promise<string | null> {
    return (await this.writer.sendCommand(["GET", `${this.prefix}snapshot`])) as string | null;
  }

  /** One node at a time writes a snapshot: a lock with a TTL. */
  async claimSnapshot(node: string, ttlMs: number): Promise<boolean> {
    return ((await this.writer.sendCommand(["SET", `${this.prefix}snapshot-lock`, node, "NX", "PX", String(ttlMs)])) as unknown) === "OK";
  }

  async saveSnapshot(text: string): Promise<void> {
    await this.writer.sendCommand(["SET", `${this.prefix}snapshot`, text]);
  }

  /** The last entry this node applied (stamped with Redis's time): entries after it are not trimmed while it is fresh. */
  async reportApplied(node: string, id: string): Promise<void> {
    await this.writer.sendCommand(["EVAL", REPORT_APPLIED, "1", `${this.prefix}applied`, node, id]);
  }

  /**
   * Trims the log below the snapshot `snapshotId` and below every fresh applied position (one
   * atomic script, so a node that reported its position is never trimmed past); returns the
   * threshold (entries before it are gone).
   */
  async trim(snapshotId: string, freshMs: number): Promise<string> {
    return (await this.writer.sendCommand(["EVAL", TRIM, "3", this.key, `${this.prefix}applied`, `${this.prefix}trimmed`, snapshotId, String(Math.ceil(freshMs / 1000))])) as string;
  }

  /** Where the log was last trimmed to ("0-0" when never). */
  async trimmedTo(): Promise<string> {
    return ((await this.writer.sendCommand(["GET", `${this.prefix}trimmed`])) as string | null) ?? "0-0";
  }

  /** Entries in the log now. */
  async length(): Promise<number> {
    return (await this.writer.sendCommand(["XLEN", this.key])) as number;
  }

  /** The node left the set of nodes (reaped, or leaving on purpose). */
  async forget(node: string): Promise<void> {
    await this.writer.sendCommand(["HDEL", `${this.prefix}applied`, node]);
    await this.writer.sendCommand(["SREM", `${this.prefix}nodes`, node]);
    await this.writer.sendCommand(["DEL", `${this.prefix}lease:${node}`]);
  }

  async close(): Promise<void> {
    for (const c of [this.popper, this.reader, this.writer]) {
      try {
        if (c.isOpen) c.destroy();
      } catch {
        // closing a client that is reconnecting may throw; it is going away anyway
      }
    }
  }
}
