/**
 * A server that is one node of a cluster (`ccflow serve --redis URL --node-id NAME`): its contact
 * center follows the shared log on Redis (center/cluster/), and while Redis is away its API answers
 * 503 with a message saying so, instead of serving a copy of the center that no longer moves.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { ContactCenter } from "../center/contact-center.js";
import { CenterReplicator } from "../center/cluster/center-replicator.js";

export interface ClusterNodeOptions {
  /** redis://[user:password@]host:port[/db] */
  redisUrl: string;
  nodeId: string;
  /** A node is taken for dead this long after its last heartbeat; default 3000. */
  leaseMs?: number;
  /** How often a snapshot is written and the log trimmed; default 60000. */
  snapshotEveryMs?: number;
}

export const CENTER_UNAVAILABLE_MESSAGE = "The contact center's shared state (Redis) is not reachable right now; try again shortly.";

export async function connectClusterNode(options: ClusterNodeOptions, log: (level: "info" | "warn", message: string) => void): Promise<CenterReplicator> {
  try {
    return await CenterReplicator.connect({ redisUrl: options.redisUrl, nodeId: options.nodeId, ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}), ...(options.snapshotEveryMs ? { snapshotEveryMs: options.snapshotEveryMs } : {}), log });
  } catch (err) {
    const where = safeHost(options.redisUrl);
    throw new Error(`cannot reach Redis at ${where} (--redis): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** The API's routes answer 503 while the node cannot reach Redis; they recover by themselves when it is back. */
export function guardClusterRoutes(api: FastifyInstance, healthy: () => boolean): void {
  api.addHook("onRequest", async (_req, reply) => {
    if (healthy()) return;
    return reply.code(503).header("retry-after", "1").send({ error: { code: "CENTER_UNAVAILABLE", message: CENTER_UNAVAILABLE_MESSAGE } });
  });
}

/**
 * What every node's copy of the center must agree on, hashed: its queues and agents as the node
 * built them from its environment and flows, and the center's settings (ring time, wrap-up...).
 */
export function centerFingerprint(center: ContactCenter, settings: unknown): string {
  const queues = center.listQueues().map((q) => [q.id, q.name]);
  const agents = center.listAgents().map((a) => [a.id, a.email ?? "", a.teamId ?? "", a.queues]);
  return createHash("sha256").update(JSON.stringify({ queues, agents, settings: settings ?? null })).digest("hex");
}

/** host:port of a Redis URL, without user or password. */
export function safeHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "6379"}`;
  } catch {
    return "(not a URL)";
  }
}
