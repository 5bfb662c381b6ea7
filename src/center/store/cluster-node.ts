/**
 * One engine node's membership of a cluster sharing a RedisCenterStore: it holds a lease (a key
 * with a TTL, renewed every `heartbeatMs`), and every `reapEveryMs` it tries to become the reaper
 * (a lock key with a TTL, so a reaper that dies mid-way is replaced). The reaper finds the nodes
 * whose lease ran out and reaps each one (ccf_reap: calls end with `node-lost`, agents wrap up and
 * sign out, offers ringing on the dead node's desktops expire as RONA, callbacks are handed to the
 * reaper), then routes the lists that got a contact back. A node that stops heartbeating — killed,
 * frozen, cut off — is dead once its lease expires: within leaseMs + reapEveryMs.
 */
import type { ReapReport, RedisCenterStore } from "./redis-center-store.js";

export interface ClusterNodeOptions {
  store: RedisCenterStore;
  nodeId: string;
  leaseMs?: number;
  heartbeatMs?: number;
  reapEveryMs?: number;
  now?: () => number;
  log?: (level: "info" | "warn", message: string) => void;
}

export class ClusterNode {
  readonly nodeId: string;
  private readonly store: RedisCenterStore;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly reapEveryMs: number;
  private readonly now: () => number;
  private readonly log: (level: "info" | "warn", message: string) => void;
  private timers: NodeJS.Timeout[] = [];
  private reaping = false;

  constructor(options: ClusterNodeOptions) {
    this.store = options.store;
    this.nodeId = options.nodeId;
    this.leaseMs = options.leaseMs ?? 3000;
    this.heartbeatMs = options.heartbeatMs ?? Math.max(100, Math.floor(this.leaseMs / 3));
    this.reapEveryMs = options.reapEveryMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => {});
  }

  async start(): Promise<void> {
    await this.store.renewLease(this.nodeId, this.leaseMs);
    this.timers.push(
      setInterval(() => {
        this.store.renewLease(this.nodeId, this.leaseMs).catch((err: unknown) => this.log("warn", `lease renewal failed: ${message(err)}`));
      }, this.heartbeatMs),
      setInterval(() => {
        this.reapOnce().catch((err: unknown) => this.log("warn", `reaping failed: ${message(err)}`));
      }, this.reapEveryMs),
    );
  }

  /** Reaps every dead node if this node gets the reaper's lock; returns what was done. */
  async reapOnce(): Promise<Array<{ node: string; report: ReapReport }>> {
    if (this.reaping) return [];
    this.reaping = true;
    try {
      const dead = await this.store.deadNodes();
      if (dead.length === 0 || !(await this.store.tryReaperLock(this.nodeId, this.leaseMs))) return [];
      const done: Array<{ node: string; report: ReapReport }> = [];
      for (const node of dead) {
        const { report, requeued } = await this.store.reap(node, this.nodeId, this.now());
        for (const listId of requeued) while (await this.store.routeList(listId, this.now()));
        this.log("warn", `node ${node} lost its lease: ${JSON.stringify(report)}`);
        done.push({ node, report });
      }
      return done;
    } finally {
      this.reaping = false;
    }
  }

  /** Leaves on purpose (no reaping of this node follows). */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.store.leave(this.nodeId).catch(() => {});
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
