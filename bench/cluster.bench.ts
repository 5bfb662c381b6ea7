/**
 * The center's shared state (issue 15, §6): routing decisions per second through the Redis
 * store's atomic functions beside the in-memory store, and offer latency (a caller enqueued and
 * routed to an Available agent, one decision) at p50/p99 with three nodes — three connections, each
 * a node routing its own callers at the same time. Redis is a real `redis-server` started here on a
 * free loopback port in a temporary directory, append-only file on with `appendfsync everysec`
 * (the usual production setting). Skipped with a note when /usr/bin/redis-server is absent.
 *
 * Each decision: `enqueue` (the caller joins the queue) then `routeList` (best caller to the
 * longest-available agent, offer written). Agents are made Available again in batches between
 * timed rounds, so every timed decision finds an agent.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "redis";
import type { ContactRecord } from "../src/center/state.js";
import type { CenterStore } from "../src/center/store/center-store.js";
import { MemoryCenterStore } from "../src/center/store/memory-center-store.js";
import { RedisCenterStore } from "../src/center/store/redis-center-store.js";
import type { BenchContext, BenchModule, BenchResult } from "./types.js";
import { CenterReplicator } from "../src/center/cluster/center-replicator.js";
import { ContactCenter } from "../src/center/contact-center.js";
import type { ContactHandle } from "../src/center/types.js";
import { SystemClock } from "../src/time/clock.js";
import { freePort } from "../src/util/free-port.js";

const REDIS = "/usr/bin/redis-server";


async function startRedis(): Promise<{ url: string; stop: () => void }> {
  const dir = mkdtempSync(path.join(tmpdir(), "ccflow-bench-redis-"));
  const port = await freePort();
  const child = spawn(REDIS, ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""], { stdio: "ignore" });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const c = createClient({ url, socket: { reconnectStrategy: false } });
    c.on("error", () => {});
    try {
      await c.connect();
      await c.quit();
      return {
        url,
        stop: () => {
          child.kill("SIGKILL");
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill("SIGKILL");
  throw new Error("redis-server did not start");
}

function caller(id: string, seq: number, now: number): ContactRecord {
  return { interactionId: id, ani: "+15550100", dnis: "+18005550000", kind: "call", state: "queued", queueId: "sales", listId: "sales", priority: 5, seq, enqueuedAt: now, firstQueuedAt: now, offers: 0, screenPops: [] };
}

async function seed(store: CenterStore, agents: number): Promise<void> {
  await store.saveQueue({ id: "sales", name: "Sales", routing: "LONGEST_AVAILABLE_AGENT", auto: false });
  for (let i = 0; i < agents; i++) {
    await store.saveAgent({ id: `a${i}`, name: `Agent ${i}`, queues: ["sales"], state: "LoggedOut", since: 0, availableSince: 0, availableSeq: 0 });
    await store.setAgentState(`a${i}`, "Idle", "Login", 1);
  }
}

/** Every agent Available again (untimed): end their calls, then make them Available. */
async function reset(store: CenterStore, agents: number, now: number): Promise<void> {
  for (const c of await store.contacts()) await store.removeContact(c.interactionId, now);
  for (let i = 0; i < agents; i++) {
    await store.setAgentState(`a${i}`, "Idle", "Reset", now);
    await store.makeAvailable(`a${i}`, now, false);
  }
}

interface Round {
  decisionsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** `nodes` stores route `perNode` callers each, concurrently; every decision's latency recorded. */
async function round(nodes: CenterStore[], perNode: number, tag: string): Promise<Round> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    nodes.map(async (store, n) => {
      for (let i = 0; i < perNode; i++) {
        const t0 = process.hrtime.bigint();
        const seq = await store.nextSeq();
        await store.enqueue(caller(`${tag}-${n}-${i}-${next++}`, seq, Date.now()));
        const d = await store.routeList("sales", Date.now());
        if (!d) throw new Error("no agent was Available: the bench's reset is wrong");
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return { decisionsPerSecond: latencies.length / seconds, p50Ms: q(0.5), p99Ms: q(0.99) };
}

/**
 * The running path (`ccflow serve --redis`): one node's ContactCenter replicated through the
 * shared log. Each caller's queue-contact is one XADD; the node reads it back (XREAD) and applies
 * it, and the routing decision (offer to the longest-available agent) happens then. Latency: from
 * queue-contact to the `offered` notice; decisions/s: callers offered over the time from the first
 * queue-contact to the last offer. Agents are all Available before the timed part.
 */
async function logRound(url: string, callers: number): Promise<Round> {
  const agentIds = Array.from({ length: callers }, (_, i) => `l${i}`);
  const replicator = await CenterReplicator.connect({ redisUrl: url, nodeId: "bench", prefix: "bench-log:", snapshotEveryMs: 3_600_000 });
  const center = new ContactCenter({ clock: new SystemClock(), config: { queues: [{ id: "sales", name: "Sales" }], agents: agentIds.map((id) => ({ id, name: id, queues: ["sales"] })) }, replication: replicator });
  replicator.attach(center);
  await replicator.start();
  try {
    for (const id of agentIds) await center.perform("login", id, { available: true });
    const latencies: number[] = [];
    let offered = 0;
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    const started = process.hrtime.bigint();
    for (let i = 0; i < callers; i++) {
      const t0 = process.hrtime.bigint();
      const handle: ContactHandle = {
        interactionId: `log-${i}`,
        ani: "+15550100",
        dnis: "+18005550000",
        callAssociatedData: () => [],
        notify: (notice) => {
          if (notice.type !== "offered") return;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          if (++offered === callers) done();
        },
      };
      const r = center.queueContact({ contact: handle, queueId: "sales", priority: 5 });
      if (!r.ok) throw new Error(`queue-contact refused: ${r.code}`);
    }
    await all;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
    return { decisionsPerSecond: callers / seconds, p50Ms: q(0.5), p99Ms: q(0.99) };
  } finally {
    await replicator.stop();
  }
}

const bench: BenchModule = {
  name: "cluster",
  async run(ctx: BenchContext): Promise<BenchResult> {
    if (!existsSync(REDIS)) {
      ctx.log("  redis-server is not installed: skipped");
      return { figures: {}, report: ["Skipped: `/usr/bin/redis-server` is not installed (apt-get install redis-server)."] };
    }
    const perNode = ctx.quick ? 200 : 1000;
    const agents = perNode * 3;
    const redis = await startRedis();
    try {
      const memory = new MemoryCenterStore();
      await seed(memory, agents);
      await reset(memory, agents, Date.now());
      const mem1 = await round([memory], perNode * 3, "m");

      const nodes = await Promise.all([1, 2, 3].map(() => RedisCenterStore.connect(redis.url, { prefix: "bench:" })));
      await seed(nodes[0]!, agents);
      await reset(nodes[0]!, agents, Date.now());
      const one = await round([nodes[0]!], perNode * 3, "r1");
      await reset(nodes[0]!, agents, Date.now());
      const three = await round(nodes, perNode, "r3");
      for (const n of nodes) await n.close();
      const log = await logRound(redis.url, perNode * 3);

      const figures = {
        cluster_memory_decisions_per_s: Math.round(mem1.decisionsPerSecond),
        cluster_memory_p50_ms: round3(mem1.p50Ms),
        cluster_memory_p99_ms: round3(mem1.p99Ms),
        cluster_redis_1node_decisions_per_s: Math.round(one.decisionsPerSecond),
        cluster_redis_1node_p50_ms: round3(one.p50Ms),
        cluster_redis_1node_p99_ms: round3(one.p99Ms),
        cluster_redis_3nodes_decisions_per_s: Math.round(three.decisionsPerSecond),
        cluster_redis_3nodes_p50_ms: round3(three.p50Ms),
        cluster_redis_3nodes_p99_ms: round3(three.p99Ms),
        cluster_log_decisions_per_s: Math.round(log.decisionsPerSecond),
        cluster_log_p50_ms: round3(log.p50Ms),
        cluster_log_p99_ms: round3(log.p99Ms),
      };
      const row = (what: string, r: Round) => `| ${what} | ${Math.round(r.decisionsPerSecond).toLocaleString("en")} | ${r.p50Ms.toFixed(3)} | ${r.p99Ms.toFixed(3)} |`;
      return {
        figures,
        report: [
          `${perNode * 3} routing decisions per row (enqueue + routeList, each finding an Available agent among ${agents}), one queue.`,
          "",
          "| store | decisions/s | offer latency p50 (ms) | p99 (ms) |",
          "|---|---|---|---|",
          row("in memory (MemoryCenterStore), one caller at a time", mem1),
          row("Redis, one node (one connection), one caller at a time", one),
          row("Redis, three nodes (three connections) at once", three),
          row("the running path: one node's replicated center, queue-contact → XADD → XREAD → applied → offered (all callers at once)", log),
        ],
      };
    } finally {
      redis.stop();
    }
  },
};

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export default bench;
