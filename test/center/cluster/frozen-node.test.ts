/**
 * A node taken for dead while it was alive: `ccflow serve --redis` frozen with SIGSTOP for longer
 * than its lease, so the other node reaps it (its calls end node-lost in the center), then woken
 * with SIGCONT. Two stories: woken while the log still holds the reaping entry, it applies it,
 * says so, ends its own calls node-lost and goes on as a member; woken after the log was trimmed
 * past its position (snapshots every second), it notices the gap, says so, reloads the cluster's
 * snapshot instead of going on with a copy that missed entries, and ends its calls node-lost. In
 * both, the woken node then takes part like any other: its next caller reaches an agent of the
 * other node and both copies agree.
 */
import { afterEach, describe, expect, it } from "vitest";
import { redisAvailable, startRedis, type TestRedis } from "../../helpers/redis.js";
import type { ServeProcess } from "../../reliability/helpers/serve-process.js";
import { clusterNode, removeClusterFiles, starvedNodes, until, writeClusterFiles } from "./helpers/cluster.js";

const available = redisAvailable();
if (!available) console.warn("[skip] test/center/cluster/frozen-node: /usr/bin/redis-server is absent (apt-get install redis-server)");

interface Desk {
  agent: { id: string; state: string; interactionId?: string };
  offer?: { offerId: number; interactionId: string };
}
interface Call {
  interactionId: string;
  state: string;
  endReason?: string;
}

/** a > b for stream ids ("ms-seq"). */
function idAfter(a: string, b: string): boolean {
  const [am = 0, as = 0] = a.split("-").map(Number);
  const [bm = 0, bs = 0] = b.split("-").map(Number);
  return am !== bm ? am > bm : as > bs;
}

describe.skipIf(!available)("a cluster node frozen past its lease (SIGSTOP), then woken (SIGCONT)", { timeout: 240_000 }, () => {
  let redis: TestRedis | undefined;
  let files: ReturnType<typeof writeClusterFiles> | undefined;
  let nodes: ServeProcess[] = [];

  afterEach(async () => {
    for (const n of nodes) {
      n.signal("SIGCONT");
      await n.stop("SIGKILL").catch(() => {});
    }
    nodes = [];
    await redis?.stop();
    if (files) removeClusterFiles(files.dir);
  });

  const start = async (extra: string[]) => {
    redis = await startRedis();
    files = writeClusterFiles();
    // A lease of 4 s: on a loaded machine b must not be reaped before it is frozen.
    nodes = [clusterNode(files, redis.url, "node-a", extra, 4), clusterNode(files, redis.url, "node-b", extra, 4)];
    for (const n of nodes) await n.start();
    return nodes as [ServeProcess, ServeProcess];
  };
  const place = async (node: ServeProcess, ani: string) => {
    const res = await node.api<Call>("POST", "/api/calls", { ani });
    expect(res.status).toBe(201);
    return res.body.interactionId;
  };
  const call = async (node: ServeProcess, id: string) => (await node.api<Call>("GET", `/api/calls/${id}`)).body;
  const queued = async (node: ServeProcess) => (await node.api<Array<{ id: string; queuedNow: number }>>("GET", "/api/queues")).body.find((q) => q.id === "Q-Test")?.queuedNow;

  /** b's caller goes to a's agent: b takes part in the cluster again, and both copies agree. */
  const takesPart = async (a: ServeProcess, b: ServeProcess) => {
    expect((await a.api("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    const id = await place(b, "+14805550701");
    const offer = await until("ana's offer for b's caller", async () => {
      const d = (await a.api<Desk>("GET", "/api/agents/ana")).body;
      return d.offer?.interactionId === id ? d.offer : undefined;
    });
    expect((await a.api("POST", "/api/agents/ana/accept", { offerId: offer.offerId })).status).toBe(200);
    await until("ana Engaged on b's copy too", async () => ((await b.api<Desk>("GET", "/api/agents/ana")).body.agent.state === "Engaged" ? true : undefined));
    expect((await a.api("POST", "/api/agents/ana/end")).status).toBe(200);
    expect((await until("b's call to end", async () => ((await call(b, id)).state === "ended" ? call(b, id) : undefined))).endReason).toBe("agent-ended");
  };

  it("woken while the log still holds its reaping: says so, ends its calls node-lost, and goes on as a member", async () => {
    // No snapshot while b sleeps (one would trim the log past b: the other story).
    const [a, b] = await start(["--snapshot-every", "3600"]);
    const waiting = await place(b, "+14805550700");
    await until("b's caller waiting on a's copy", async () => ((await queued(a)) === 1 ? true : undefined));
    b.signal("SIGSTOP");
    await until("a reaping b", async () => (/node node-b lost its lease/.test(a.stdout + a.stderr) ? true : undefined));
    await until("b's caller gone from a's copy", async () => ((await queued(a)) === 0 ? true : undefined));
    b.signal("SIGCONT");
    await until("b saying it was taken for dead", async () => (/this node \(node-b\) was taken for dead while it was alive .*node node-a logged it/.test(b.stdout + b.stderr) ? true : undefined));
    // What the other cluster tests look for after each test, to name a starved machine as the cause (helpers/cluster.ts).
    expect(starvedNodes([a, b]).some((line) => line.includes("node-b") && line.includes("taken for dead while it was alive"))).toBe(true);
    // Its first heartbeat after the freeze says how late it ran.
    await until("b's late heartbeat warning", async () => (starvedNodes([b]).some((line) => /heartbeat ran \d+ ms after the one before \(every 1333 ms, lease 4000 ms\)/.test(line)) ? true : undefined));
    // The engine's call on b ends as the center recorded it, instead of waiting on hold for nobody.
    expect((await until("b's caller to end", async () => ((await call(b, waiting)).state === "ended" ? call(b, waiting) : undefined))).endReason).toBe("node-lost");
    expect(await queued(b)).toBe(0);
    await takesPart(a, b);
  });

  it("woken after the log was trimmed past its position: notices, reloads the snapshot, ends its calls node-lost", async () => {
    const [a, b] = await start(["--snapshot-every", "1"]);
    const waiting = await place(b, "+14805550702");
    await until("b's caller waiting on a's copy", async () => ((await queued(a)) === 1 ? true : undefined));
    b.signal("SIGSTOP");
    await until("a reaping b", async () => (/node node-b lost its lease/.test(a.stdout + a.stderr) ? true : undefined));
    // Entries b never sees, then a snapshot and a trim past them (a's copy is the only one reporting).
    const probe = await import("redis").then(({ createClient }) => createClient({ url: redis!.url }));
    await probe.connect();
    try {
      // The reaping applied on a (b's caller left its copy): the log's newest entry is that nodeLost or later.
      await until("b's caller gone from a's copy", async () => ((await queued(a)) === 0 ? true : undefined));
      const reapedAt = (await probe.xRevRange("ccflow:cluster:log", "+", "-", { COUNT: 1 }))?.[0]?.id ?? "0-0";
      await place(a, "+14805550703");
      await until("a's caller waiting", async () => ((await queued(a)) === 1 ? true : undefined));
      await until("the log trimmed past the entry that reaped b", async () => {
        const trimmed = await probe.get("ccflow:cluster:trimmed");
        return trimmed && idAfter(trimmed, reapedAt) ? true : undefined;
      });
    } finally {
      await probe.quit();
    }
    b.signal("SIGCONT");
    await until("b noticing the trimmed log", async () => (/this node \(node-b\) was taken for dead while it was alive .*the shared log was trimmed past/.test(b.stdout + b.stderr) ? true : undefined));
    await until("b rejoined from the snapshot", async () => (/rejoined the cluster from its snapshot at log entry \S+: 1 call\(s\) of this node ended node-lost/.test(b.stdout + b.stderr) ? true : undefined));
    expect((await until("b's caller to end", async () => ((await call(b, waiting)).state === "ended" ? call(b, waiting) : undefined))).endReason).toBe("node-lost");
    // b's copy has what it missed: a's caller, waiting.
    await until("a's caller in b's copy", async () => ((await queued(b)) === 1 ? true : undefined));
    const other = (await a.api<Array<{ interactionId: string }>>("GET", "/api/contacts?state=active")).body[0]!.interactionId;
    expect((await a.api("POST", `/api/calls/${other}/hangup`)).status).toBe(200);
    await until("no caller waiting on either", async () => ((await queued(a)) === 0 && (await queued(b)) === 0 ? true : undefined));
    await takesPart(a, b);
  });
});
