/**
 * `ccflow serve --watch` on a cluster node (`--redis`, a real redis-server): the center is the
 * nodes' shared log, so a node does not apply the center part of a saved environment file on its
 * own. It says so, one line per change — a queue added, an agent changed, a center setting the
 * center holds — and the center stays as it was; a setting read only at the start is named as
 * needing a restart, as on a single server.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterNode, removeClusterFiles, writeClusterFiles } from "../center/cluster/helpers/cluster.js";
import { redisAvailable, startRedis, type TestRedis } from "../helpers/redis.js";
import type { ServeProcess } from "../reliability/helpers/serve-process.js";
import { eventually, type Loose } from "./helpers.js";

let redis: TestRedis;
let node: ServeProcess;
let files: ReturnType<typeof writeClusterFiles>;

describe.skipIf(!redisAvailable())("serve --watch on a cluster node", () => {
  beforeAll(async () => {
    redis = await startRedis();
    files = writeClusterFiles();
    node = clusterNode(files, redis.url, "n1", ["--watch"]);
    await node.start();
  }, 300_000);

  afterAll(async () => {
    await node?.stop();
    await redis?.stop();
    if (files) removeClusterFiles(files.dir);
  });

  it("names each center change it does not apply, and applies none of them", async () => {
    await eventually(async () => /environment: watching/.test(node.stdout) || undefined, "the environment file watched", 30_000);
    const text = readFileSync(files.env, "utf8")
      .replace("queues:\n", "queues:\n  - id: Q-New\n    name: New queue\n")
      .replace("name: Agent ana", "name: Ana Renamed")
      .replace("ringTimeoutSeconds: 120", "ringTimeoutSeconds: 30\n  serviceLevelSeconds: 30");
    const out = node.stdout.length;
    const err = node.stderr.length;
    writeFileSync(files.env, text);
    const lines = await eventually(async () => {
      const now = [...node.stdout.slice(out).split("\n"), ...node.stderr.slice(err).split("\n")];
      return now.filter((l) => /not applied on a cluster node|restart to apply/.test(l)).length >= 4 ? now : undefined;
    }, "the environment reloaded", 30_000);
    const notApplied = lines.filter((l) => /not applied on a cluster node/.test(l)).map((l) => /environment: (.*): not applied on a cluster node \(its nodes share the center through Redis\); restart the nodes with the new file$/.exec(l)?.[1]);
    expect(notApplied.sort()).toEqual(["agent ana changed: name", "center.ringTimeoutSeconds changed", "queue Q-New added"]);
    expect(lines).toContainEqual(expect.stringMatching(/center\.serviceLevelSeconds changed; it is read when the server starts: restart to apply$/));
    // The center is as it was.
    const queues = (await node.api<Loose[]>("GET", "/api/queues")).body;
    expect(queues.map((q) => q.id)).toEqual(["Q-Test"]);
    const agents = (await node.api<Loose[]>("GET", "/api/agents")).body;
    expect(agents.find((a) => a.id === "ana")?.name).toBe("Agent ana");
  }, 120_000);
});
