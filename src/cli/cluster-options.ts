/** Checks `serve`'s cluster options (--redis, --node-id, --node-lease, --snapshot-every) before anything connects, naming the option at fault. */
import type { ClusterNodeOptions } from "../server/cluster.js";

export function parseClusterOptions(flags: { redis?: string; nodeId?: string; nodeLease?: string; snapshotEvery?: string }): ClusterNodeOptions | undefined {
  if (flags.redis === undefined && flags.nodeId === undefined) {
    if (flags.nodeLease !== undefined) throw new Error("--node-lease needs --redis and --node-id");
    if (flags.snapshotEvery !== undefined) throw new Error("--snapshot-every needs --redis and --node-id");
    return undefined;
  }
  if (flags.redis === undefined) throw new Error("--node-id needs --redis redis://host:port (the cluster's shared state)");
  if (flags.nodeId === undefined) throw new Error("--redis needs --node-id NAME: each node of the cluster has a name of its own");
  let url: URL;
  try {
    url = new URL(flags.redis);
  } catch {
    throw new Error("--redis must be a URL such as redis://127.0.0.1:6379, got something that is not a URL");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") throw new Error(`--redis must be a redis:// (or rediss://) URL, not ${url.protocol}//…`);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(flags.nodeId)) throw new Error(`--node-id must be 1-64 letters, digits, dots, dashes or underscores, got "${flags.nodeId.slice(0, 80)}"`);
  let leaseMs: number | undefined;
  if (flags.nodeLease !== undefined) {
    const s = Number(flags.nodeLease);
    if (!Number.isFinite(s) || s < 0.5 || s > 600) throw new Error(`--node-lease must be a number of seconds from 0.5 to 600, got "${flags.nodeLease}"`);
    leaseMs = Math.round(s * 1000);
  }
  let snapshotEveryMs: number | undefined;
  if (flags.snapshotEvery !== undefined) {
    const s = Number(flags.snapshotEvery);
    if (!Number.isFinite(s) || s < 1 || s > 86_400) throw new Error(`--snapshot-every must be a number of seconds from 1 to 86400, got "${flags.snapshotEvery.slice(0, 40)}"`);
    snapshotEveryMs = Math.round(s * 1000);
  }
  return { redisUrl: flags.redis, nodeId: flags.nodeId, ...(leaseMs ? { leaseMs } : {}), ...(snapshotEveryMs ? { snapshotEveryMs } : {}) };
}
