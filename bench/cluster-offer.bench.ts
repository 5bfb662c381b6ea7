/**
 * Offer latency through the running path with three nodes (issue 15 §6): three real `ccflow serve
 * --redis URL --node-id a|b|c` processes on a real `redis-server` (free loopback port, temporary
 * directory, append-only file with `appendfsync everysec`), agents signed in on node a with their
 * desktop sockets open there, callers placed through nodes b and c in turn. Beside it, the same on
 * one `ccflow serve` process without Redis (agents and callers on it), in the same run.
 *
 * Real processes rather than centers in the bench's process: what is measured is what a
 * deployment does — the call's node logs the queue-contact (XADD), every node reads it (XREAD)
 * and applies it, and the agent's node sends the offer on the agent's socket — with each node on
 * its own event loop, as in production.
 *
 * One caller at a time (a quiet center): latency is from the bench sending `POST /api/calls` (the
 * flow's first step queues the caller) to the `offer` event for that call arriving on the agent's
 * socket. Both sides go through the same HTTP request and flow start, so the difference between the
 * rows is the log's. After each offer the caller hangs up and the bench waits for the agent to be
 * Available again before the next caller. Skipped with a note when /usr/bin/redis-server is absent.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "redis";
import { WebSocket } from "undici";
import { packageRoot } from "../src/server/paths.js";
import { DEV_CREDENTIALS } from "../src/crm/config.js";
import { freePort } from "../src/util/free-port.js";
import type { BenchContext, BenchModule, BenchResult } from "./types.js";

const REDIS = "/usr/bin/redis-server";
const AGENTS = ["ana", "ben", "carl", "dora", "eve"];

function writeFiles(dir: string): { env: string; flow: string } {
  const env = path.join(dir, "env.yaml");
  writeFileSync(env, ["queues:", "  - id: Q-Bench", "    name: Bench queue", "agents:", ...AGENTS.flatMap((id) => [`  - id: ${id}`, `    name: Agent ${id}`, "    queues: [Q-Bench]"]), "center:", "  ringTimeoutSeconds: 120", ""].join("\n"));
  const act = (id: string, name: string, type: string, group: string, props: Record<string, unknown> = {}) => [id, { id, name, group, properties: { name, activityName: type, activityId: type, ...props } }];
  const flowExport = {
    name: "Bench_Queue",
    variables: [],
    process: {
      activities: Object.fromEntries([
        act("start", "NewPhoneContact", "NewPhoneContact", "start"),
        act("queue", "Queue", "queue-contact", "action", { destination: "Q-Bench", toggle: true, priorityRadioGroup: "staticPriority", staticPriority: "P1" }),
        act("hold", "Hold", "play-music", "action", { prompt: "hold.wav", duration: "30" }),
      ]),
      links: [
        { id: "l1", sourceActivityId: "start", targetActivityId: "queue", conditionExpr: "out", properties: { value: "out" } },
        { id: "l2", sourceActivityId: "queue", targetActivityId: "hold", conditionExpr: "default", properties: { value: "default" } },
        { id: "l3", sourceActivityId: "hold", targetActivityId: "hold", conditionExpr: "default", properties: { value: "default" } },
      ],
    },
    eventFlows: { eventsMap: { GLOBAL_EVENTS: { id: "GLOBAL_EVENTS", process: { activities: {}, links: [] }, onEvents: {} } } },
    diagram: { widgets: {} },
  };
  const flow = path.join(dir, "bench-queue.json");
  writeFileSync(flow, JSON.stringify(flowExport));
  return { env, flow };
}

async function startRedis(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(REDIS, ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""], { stdio: "ignore" });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const c = createClient({ url, socket: { reconnectStrategy: false } });
    c.on("error", () => {});
    try {
      await c.connect();
      await c.quit();
      return { url, child };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill("SIGKILL");
  throw new Error("redis-server did not start");
}

/** One `ccflow serve` process, ready, with the development app's token. */
class Node {
  url = "";
  private out = "";
  private token = "";
  private readonly exited: Promise<void>;
  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }

  static async start(args: string[]): Promise<Node> {
    const child = spawn(process.execPath, [path.join(packageRoot, "bin/ccflow.js"), "serve", "--port", "0", "--no-https", "--no-crm", "--no-sip", ...args], {
      cwd: packageRoot,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const node = new Node(child);
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (node.out += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (node.out += d));
    const started = Date.now();
    while (!/Ready in/.test(node.out)) {
      if (child.exitCode !== null) throw new Error(`ccflow serve exited (${child.exitCode}): ${node.out.slice(-800)}`);
      if (Date.now() - started > 90_000) throw new Error(`ccflow serve was not ready in 90 s: ${node.out.slice(-800)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    node.url = /API\s+(http:\/\/[^\s/]+)/.exec(node.out)![1]!;
    const res = await fetch(`${node.url}/identity/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: DEV_CREDENTIALS.clientSecret, scope: "api://ccflow/.default" }),
    });
    node.token = ((await res.json()) as { access_token: string }).access_token;
    return node;
  }

  async api<T>(method: string, pathAndQuery: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${pathAndQuery}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${pathAndQuery}: ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  socket(pathAndQuery: string): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${this.url.replace(/^http/, "ws")}${pathAndQuery}`, { headers: { authorization: `Bearer ${this.token}` } });
      ws.addEventListener("open", () => resolve(ws), { once: true });
      ws.addEventListener("error", () => reject(new Error(`cannot open ${pathAndQuery}`)), { once: true });
    });
  }

  /** SIGTERM (a cluster node leaves the cluster on it), SIGKILL if it has not exited 10 s later. */
  stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      const kill = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
      void this.exited.then(() => clearTimeout(kill));
    }
    return this.exited;
  }
}

interface Sampled {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

type Message = { type: string; event?: Record<string, unknown> };
type Waiter = { match: (m: Message) => boolean; resolve: (agentId: string, at: number) => void };

/** The agents signed in on one node, their desktop sockets open there; callers placed one at a time. */
class Agents {
  private readonly waiters = new Set<Waiter>();
  private readonly sockets: WebSocket[] = [];
  readonly latencies: number[] = [];

  constructor(readonly node: Node) {}

  async signIn(): Promise<void> {
    for (const agent of AGENTS) {
      const ws = await this.node.socket(`/api/agents/${agent}/ws`);
      ws.addEventListener("message", (e) => {
        const at = performance.now();
        const m = JSON.parse(String(e.data)) as Message;
        for (const w of [...this.waiters]) {
          if (w.match(m)) {
            this.waiters.delete(w);
            w.resolve(agent, at);
          }
        }
      });
      this.sockets.push(ws);
    }
    for (const agent of AGENTS) {
      const available = this.next((m) => m.type === "event" && m.event?.type === "agent-state" && m.event.agentId === agent && m.event.state === "Available", `${agent} Available`);
      await this.node.api("POST", `/api/agents/${agent}/login`, { available: true });
      await available;
    }
  }

  /**
   * One caller placed on `entry`: ms from POST /api/calls sent to the offer on an agent's socket.
   * The caller then hangs up and the agent is Available again before this resolves.
   */
  async sample(entry: Node, i: number): Promise<number> {
    // The offer may arrive before the POST answers (one node): one caller at a time, so the offer is this caller's.
    const offered = this.next((m) => m.type === "event" && m.event?.type === "offer", "an offer");
    const t0 = performance.now();
    const placed = await entry.api<{ interactionId: string }>("POST", "/api/calls", { ani: `+1480555${String(1000 + (i % 9000))}` });
    const offer = await offered;
    const back = this.next((m) => m.type === "event" && m.event?.type === "agent-state" && m.event.agentId === offer.agent && m.event.state === "Available", `${offer.agent} Available again`);
    await entry.api("POST", `/api/calls/${placed.interactionId}/hangup`, {});
    await back;
    return offer.at - t0;
  }

  async signOut(): Promise<void> {
    for (const agent of AGENTS) await this.node.api("POST", `/api/agents/${agent}/logout`, {});
    for (const ws of this.sockets) ws.close();
  }

  private next(match: Waiter["match"], what: string): Promise<{ agent: string; at: number }> {
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        match,
        resolve: (agent, at) => {
          clearTimeout(t);
          resolve({ agent, at });
        },
      };
      const t = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`no ${what} on ${this.node.url} in 30 s`));
      }, 30_000);
      this.waiters.add(w);
    });
  }
}

function summary(latencies: number[]): Sampled {
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { p50: q(0.5), p99: q(0.99), max: sorted[sorted.length - 1]!, n: sorted.length };
}

const bench: BenchModule = {
  name: "cluster-offer",
  async run(ctx: BenchContext): Promise<BenchResult> {
    if (!existsSync(REDIS)) {
      ctx.log("  redis-server is not installed: skipped");
      return { figures: {}, report: ["Skipped: `/usr/bin/redis-server` is not installed (apt-get install redis-server)."] };
    }
    const samples = ctx.quick ? 40 : 200;
    const warmup = 10;
    const dir = mkdtempSync(path.join(tmpdir(), "ccflow-bench-offer-"));
    const files = writeFiles(dir);
    const base = ["--env", files.env, "--flow", files.flow];
    let redis: { url: string; child: ChildProcess } | undefined;
    const nodes: Node[] = [];
    try {
      // All four processes start first and the two setups take turns caller by caller, so a loaded
      // machine's slow and quick moments fall on both alike.
      redis = await startRedis(dir);
      const single = await Node.start([...base, "--data", path.join(dir, "single")]);
      nodes.push(single);
      for (const id of ["a", "b", "c"]) nodes.push(await Node.start([...base, "--data", path.join(dir, `data-${id}`), "--redis", redis.url, "--node-id", id]));
      const [a, b, c] = nodes.slice(1) as [Node, Node, Node];
      ctx.log("  four nodes ready");
      const alone = new Agents(single);
      const cluster = new Agents(a);
      await alone.signIn();
      await cluster.signIn();
      for (let i = 0; i < warmup + samples; i++) {
        const x = await alone.sample(single, i);
        const y = await cluster.sample(i % 2 === 0 ? b : c, i);
        if (i >= warmup) {
          alone.latencies.push(x);
          cluster.latencies.push(y);
        }
        if (i % 50 === 0) ctx.log(`  caller ${i}: one node ${x.toFixed(1)} ms, three nodes ${y.toFixed(1)} ms`);
      }
      await alone.signOut();
      await cluster.signOut();
      const one = summary(alone.latencies);
      const three = summary(cluster.latencies);

      const r = (x: number) => Math.round(x * 100) / 100;
      const row = (what: string, s: Sampled) => `| ${what} | ${s.n} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.max.toFixed(2)} |`;
      return {
        figures: {
          cluster_offer_1node_p50_ms: r(one.p50),
          cluster_offer_1node_p99_ms: r(one.p99),
          cluster_offer_3nodes_p50_ms: r(three.p50),
          cluster_offer_3nodes_p99_ms: r(three.p99),
        },
        report: [
          `One caller at a time, the two setups taking turns, ${warmup} warm-up callers each then ${samples} measured; from \`POST /api/calls\` sent (the flow's first step queues the caller) to the \`offer\` event on the agent's socket. Real \`ccflow serve\` processes; Redis ${redis.url.replace(/^redis:\/\//, "")} with appendfsync everysec.`,
          "",
          "| setup | callers | offer latency p50 (ms) | p99 (ms) | max (ms) |",
          "|---|---|---|---|---|",
          row("one node, no Redis (agents and callers on it)", one),
          row("three nodes on Redis: agents on a, callers on b and c in turn", three),
        ],
      };
    } finally {
      for (const n of nodes) await n.stop().catch(() => {});
      redis?.child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
