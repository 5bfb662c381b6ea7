/**
 * Simulated agents on cluster nodes: exactly one node plays them (the holder of a Redis lock
 * renewed with its lease). Three `ccflow serve --redis` processes: the player answers a caller of
 * another node through sam; killed with SIGKILL while sam talks, another node takes the turn and
 * plays sam from the state the replicated center holds (the call still ends after sam's talk time);
 * stopped with SIGTERM, the last node takes over, and sam answers its callers too.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { redisAvailable, startRedis, type TestRedis } from "../../helpers/redis.js";
import type { ServeProcess } from "../../reliability/helpers/serve-process.js";
import { clusterNode, expectNoNodeTakenForDead, removeClusterFiles, until, writeClusterFiles } from "./helpers/cluster.js";

const available = redisAvailable();
if (!available) console.warn("[skip] test/center/cluster/simulated-agents: /usr/bin/redis-server is absent (apt-get install redis-server)");

interface Desk {
  agent: { id: string; state: string; interactionId?: string };
}
interface Call {
  interactionId: string;
  state: string;
  endReason?: string;
}

const PLAYS = /this node \(node-\w\) plays the simulated agents sam/;

describe.skipIf(!available)("simulated agents on a cluster: one node plays them, another takes over", { timeout: 240_000 }, () => {
  let redis: TestRedis;
  let files: ReturnType<typeof writeClusterFiles>;
  let nodes: ServeProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    files = writeClusterFiles({ simulated: true });
    // Short enough that a killed player's turn passes quickly, long enough for a loaded machine.
    nodes = ["node-a", "node-b", "node-c"].map((id) => clusterNode(files, redis.url, id, [], 2.5));
    for (const n of nodes) await n.start();
  }, 300_000);

  afterEach(() => expectNoNodeTakenForDead(nodes));

  afterAll(async () => {
    for (const n of nodes) await n.stop("SIGKILL").catch(() => {});
    await redis?.stop();
    if (files) removeClusterFiles(files.dir);
  });

  const players = () => nodes.filter((n) => PLAYS.test(n.stdout + n.stderr));
  const desk = async (node: ServeProcess) => (await node.api<Desk>("GET", "/api/agents/sam")).body.agent;
  const place = async (node: ServeProcess, ani: string) => {
    const res = await node.api<Call>("POST", "/api/calls", { ani });
    expect(res.status).toBe(201);
    return res.body.interactionId;
  };
  const ends = (node: ServeProcess, id: string) =>
    until(`call ${id} to end`, async () => {
      const call = (await node.api<Call>("GET", `/api/calls/${id}`)).body;
      return call.state === "ended" ? call : undefined;
    });

  it("lets exactly one node play sam, who answers a caller of another node and hangs up after talking", async () => {
    const player = await until("a node playing sam", async () => (players().length > 0 ? players()[0] : undefined));
    // Every node sees sam signed in and Available (one login, through the log).
    for (const n of nodes) await until("sam Available on every node", async () => ((await desk(n)).state === "Available" ? true : undefined));
    expect(players()).toEqual([player]);
    const other = nodes.find((n) => n !== player)!;
    const id = await place(other, "+14805550601");
    await until("sam talking to the caller", async () => ((await desk(other)).interactionId === id && (await desk(other)).state === "Engaged" ? true : undefined));
    expect((await ends(other, id)).endReason).toBe("agent-ended");
    await until("sam Available again", async () => ((await desk(other)).state === "Available" ? true : undefined));
    expect(players()).toEqual([player]);
  });

  it("hands sam to another node when the playing node is killed, from the state the center holds", async () => {
    const player = players()[0]!;
    const rest = nodes.filter((n) => n !== player);
    const id = await place(rest[0]!, "+14805550602");
    await until("sam talking", async () => ((await desk(rest[0]!)).state === "Engaged" ? true : undefined));
    await player.stop("SIGKILL");
    nodes = rest;
    const next = await until("another node playing sam", async () => (players().length > 0 ? players() : undefined));
    expect(next).toHaveLength(1);
    // sam was not signed out with the dead node: the new player ends the call after sam's talk time.
    expect((await ends(rest[0]!, id)).endReason).toBe("agent-ended");
    await until("sam Available again", async () => ((await desk(rest[1]!)).state === "Available" ? true : undefined));
    const again = await place(rest[1]!, "+14805550603");
    await until("sam answering the next caller", async () => ((await desk(rest[0]!)).interactionId === again ? true : undefined));
    expect((await ends(rest[1]!, again)).endReason).toBe("agent-ended");
  });

  it("hands sam to the last node when the playing node stops on purpose (SIGTERM)", async () => {
    const player = players()[0]!;
    const last = nodes.find((n) => n !== player)!;
    await player.stop("SIGTERM");
    nodes = [last];
    await until("the last node playing sam", async () => (PLAYS.test(last.stdout) ? true : undefined));
    await until("sam Available", async () => ((await desk(last)).state === "Available" ? true : undefined));
    const id = await place(last, "+14805550604");
    expect((await ends(last, id)).endReason).toBe("agent-ended");
  });
});
