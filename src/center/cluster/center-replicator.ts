/**
 * A cluster node's contact center: every node keeps a whole copy of the center in memory and
 * applies the shared log (redis-log.ts) to it in the log's order, so every copy takes the same
 * routing decisions — one offer per contact, one contact per agent, one winner among accepts —
 * without a second implementation of the center's rules. What differs between nodes is only what
 * cannot be shared: the engine's handle on a call (the node running it delivers the center's
 * notices to its flow; the other nodes hold a stand-in) and the desktops and supervisors connected
 * to each node (each node's outbox feeds its own sockets from its own copy).
 *
 * Timers (ring-out, wrap-up, max-wait) run on every node but only the node that owns them — the
 * agent's node, the call's node — logs that they ran out; every node then applies that entry.
 * Entry times come from the stream ids (Redis's clock), so every copy records the same times.
 *
 * Leases: each node renews a key with a TTL; a node whose lease ran out is reaped by one survivor,
 * which logs `nodeLost`: every copy ends that node's calls (`node-lost`), RONAs its agents' ringing
 * offers and takes its agents through WrapUp to LoggedOut.
 */
import { createHash, randomUUID } from "node:crypto";
import type { CenterTimer } from "../center-core.js";
import type { ContactCenter } from "../contact-center.js";
import type { CenterSnapshot } from "../snapshot.js";
import { CenterError } from "../errors.js";
import type { CenterCommand, CenterReplication, ContactData } from "../replication.js";
import type { ContactHandle } from "../types.js";
import { SystemClock } from "../../time/clock.js";
import { NodeUnreachableError, type NodeAnswer, type NodeRequest, type NodeRequests } from "./node-requests.js";
import { RedisLog, type LogEntry } from "./redis-log.js";

export interface ClusterOptions {
  redisUrl: string;
  nodeId: string;
  /** Key prefix; the nodes of one center use the same one. */
  prefix?: string;
  /** A node is dead this long after its last heartbeat (default 3000). */
  leaseMs?: number;
  /** How often one node writes a snapshot of its copy and trims the log below what every node still needs (default 60000). */
  snapshotEveryMs?: number;
  /** How long an agent action waits to be applied before it is answered as unavailable (default 10000). */
  actionTimeoutMs?: number;
  log?: (level: "info" | "warn", message: string) => void;
}

const UNAVAILABLE = "the contact center's shared state (Redis) is not reachable right now; try again shortly";
/** How long a read of the log waits for an entry, ms. */
const READ_BLOCK_MS = 1000;
/** The lock whose holder plays the simulated agents. */
const PLAY_LOCK = "simulated";
/** A node's reported position protects the log from trimming this long after its last report. */
const APPLIED_FRESH_MS = 60_000;

/** What a node writes to Redis as the cluster's snapshot. */
interface NodeSnapshot {
  /** The last log entry the snapshot covers. */
  id: string;
  center: CenterSnapshot;
  contactNode: Array<[string, string]>;
  agentNode: Array<[string, string]>;
  /** Calls' hold and mute state as their nodes shared it. */
  controls?: Array<[string, { held: boolean; heldSince?: number; muted: boolean }]>;
}

/** a < b for stream ids ("ms-seq"). */
export function idBefore(a: string, b: string): boolean {
  const [am = 0, as = 0] = a.split("-").map(Number);
  const [bm = 0, bs = 0] = b.split("-").map(Number);
  return am !== bm ? am < bm : as < bs;
}

/** The system clock, except that while a log entry is applied `now()` is the entry's time. */
class LogClock extends SystemClock {
  at: number | undefined = undefined;
  override now(): number {
    return this.at ?? Date.now();
  }
}

interface Waiter {
  resolve(value: unknown): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
}

export class CenterReplicator implements CenterReplication {
  readonly nodeId: string;
  readonly clock = new LogClock();
  live = false;
  private center?: ContactCenter;
  private readonly leaseMs: number;
  private readonly actionTimeoutMs: number;
  private readonly log: (level: "info" | "warn", message: string) => void;
  private lastId = "0-0";
  private readerOk = false;
  private healthySince = 0;
  private stopped = false;
  private readonly waiters = new Map<string, Waiter>();
  private readonly localHandles = new Map<string, { handle: ContactHandle; at: number }>();
  /** Which node runs each contact's call, and through which node each agent works: the same on every copy. */
  private readonly contactNode = new Map<string, string>();
  private readonly agentNode = new Map<string, string>();
  /** Each call's hold and mute state as its node shared it (server/call-controls.ts). */
  private readonly controls = new Map<string, { held: boolean; heldSince?: number; muted: boolean }>();
  private entryId = "";
  private sessionSeq = 0;
  private eventSeq = 0;
  private callbackSeq = 0;
  private timers: NodeJS.Timeout[] = [];
  private following?: Promise<void>;
  private reaping = false;
  private readonly requests: NodeRequests;
  private readonly snapshotEveryMs: number;
  private lastSnapshotId = "";
  /** The process was paused: the log may have been trimmed past this copy (see follow). */
  private mustCheckTrim = false;
  /** Where this node's last trim left the log. */
  private trimmedTo = "";
  private snapshotting = false;
  /** The agents the machine plays, and the playing while this node holds the turn (the `simulated` lock). */
  private machine?: { ids: ReadonlySet<string>; play: () => { stop(): void }; playing?: { stop(): void }; checking: boolean };
  /** Where this run started from: the snapshot's id ("0-0": the log's first entry). */
  startedFrom = "0-0";

  private constructor(
    private readonly redis: RedisLog,
    options: ClusterOptions,
  ) {
    this.nodeId = options.nodeId;
    this.leaseMs = options.leaseMs ?? 3000;
    this.actionTimeoutMs = options.actionTimeoutMs ?? 10_000;
    this.snapshotEveryMs = options.snapshotEveryMs ?? 60_000;
    this.log = options.log ?? (() => {});
    this.requests = redis.nodeRequests(this.nodeId, (message) => this.log("warn", `requests from other nodes: ${message}`));
  }

  /** Connects to Redis (the error names the URL's host, never its password). */
  static async connect(options: ClusterOptions): Promise<CenterReplicator> {
    let lastError = "";
    const redis = await RedisLog.connect(options.redisUrl, options.prefix ?? "ccflow:cluster:", (err) => {
      if (err.message !== lastError) options.log?.("warn", `Redis: ${(lastError = err.message)}`);
    });
    return new CenterReplicator(redis, options);
  }

  attach(center: ContactCenter): void {
    this.center = center;
  }

  get healthy(): boolean {
    return this.readerOk && this.redis.writerReady;
  }

  /** The last log entry applied to this copy ("0-0" before the first). */
  get applied(): string {
    return this.lastId;
  }

  /**
   * Checks that this node's center was built from the same configuration as the running nodes'
   * (`fingerprint`), catches up with the log, joins (lease), then follows the log and reaps dead nodes.
   */
  async start(fingerprint?: string): Promise<void> {
    if (fingerprint !== undefined && (await this.redis.agreeOnConfig(fingerprint)) !== fingerprint) {
      throw new Error(
        `node ${this.nodeId}: its queues, agents or center settings differ from those of the nodes already running; every node of a cluster must run the same environment file and flows (or stop them all first)`,
      );
    }
    await this.loadSnapshot();
    for (;;) {
      const batch = await this.redis.read(this.lastId, 0);
      if (batch.length === 0) break;
      for (const entry of batch) this.apply(entry);
      await this.redis.reportApplied(this.nodeId, this.lastId);
    }
    this.readerOk = true;
    this.healthySince = Date.now();
    await this.redis.renewLease(this.nodeId, this.leaseMs);
    await this.requests.start();
    this.live = true;
    if ([...this.contactNode.values(), ...this.agentNode.values()].includes(this.nodeId)) {
      // An earlier run under this node id left calls and agents behind; its calls died with it.
      this.quietly({ op: "nodeLost", node: this.nodeId, reason: "node-lost" });
    }
    this.following = this.follow();
    const heartbeat = Math.max(100, Math.floor(this.leaseMs / 3));
    let lastBeat = Date.now();
    this.timers.push(
      setInterval(() => {
        const now = Date.now();
        const gap = now - lastBeat;
        lastBeat = now;
        // Less than half a lease was left: say so, for whoever wonders later why this node was taken for dead.
        if (gap > heartbeat + this.leaseMs / 2) {
          this.mustCheckTrim = true;
          this.log("warn", `this node's heartbeat ran ${gap} ms after the one before (every ${heartbeat} ms, lease ${this.leaseMs} ms): the process was paused or starved of CPU; a pause longer than the lease makes the other nodes take it for dead (--node-lease)`);
        }
        this.redis.renewLease(this.nodeId, this.leaseMs).catch(() => {});
        this.redis.reportApplied(this.nodeId, this.lastId).catch(() => {});
        void this.takeTurnToPlay();
      }, heartbeat),
      setInterval(() => void this.snapshotAndTrim(), this.snapshotEveryMs),
      setInterval(() => void this.reapDead(), 1000),
      setInterval(() => this.sweep(), 30_000),
    );
    void this.takeTurnToPlay();
  }

  async stop(): Promise<void> {
    const deadline = Date.now() + 2000;
    while (this.waiters.size > 0 && this.healthy && Date.now() < deadline) await sleep(50);
    this.stopped = true;
    if (this.machine?.playing) {
      this.machine.playing.stop();
      this.machine.playing = undefined;
      // Another node takes the turn at its next heartbeat rather than after the lock's TTL.
      await this.redis.releaseLock(PLAY_LOCK, this.nodeId).catch(() => {});
    }
    this.requests.stop();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.redis.forget(this.nodeId).catch(() => {});
    await this.redis.close();
    await this.following?.catch(() => {});
    await this.requests.finished();
    for (const w of this.waiters.values()) {
      clearTimeout(w.timer);
      w.reject(new CenterError("CENTER_UNAVAILABLE", "this node is stopping"));
    }
    this.waiters.clear();
  }

  // ---------------------------------------------------------------- CenterReplication

  submit(command: CenterCommand, handle?: ContactHandle): Promise<unknown> {
    if (handle) this.localHandles.set(handle.interactionId, { handle, at: Date.now() });
    const token = randomUUID();
    const text = JSON.stringify(command);
    // An agent's action fails at once while Redis is away (the API answers 503); what a call or a
    // timer logs is retried until Redis is back, so a hang-up or a ring-out is not lost.
    const retry = command.op !== "agent";
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.waiters.delete(token);
          reject(new CenterError("CENTER_UNAVAILABLE", UNAVAILABLE));
        },
        retry ? 120_000 : this.actionTimeoutMs,
      );
      timer.unref();
      this.waiters.set(token, { resolve, reject, timer });
      const attempt = (): void => {
        this.redis.append(this.nodeId, token, text).catch(() => {
          if (retry && !this.stopped && this.waiters.has(token)) {
            setTimeout(attempt, 250).unref();
            return;
          }
          const w = this.waiters.get(token);
          if (!w) return;
          this.waiters.delete(token);
          clearTimeout(w.timer);
          reject(new CenterError("CENTER_UNAVAILABLE", UNAVAILABLE));
        });
      };
      attempt();
    });
  }

  timerElapsed(timer: CenterTimer): void {
    if (!this.live) return;
    const owner = timer.kind === "max-wait" ? this.contactNode.get(timer.interactionId) : this.agentNode.get(timer.agentId);
    // Nobody known to own it: every node logs it; applying it twice changes nothing the second time.
    if (owner !== undefined && owner !== this.nodeId) return;
    this.quietly({ op: "timer", timer });
  }

  newSessionId(): string {
    const h = createHash("sha1").update(`${this.entryId}/${++this.sessionSeq}`).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  eventId(): string {
    return `${this.entryId || this.lastId}.${++this.eventSeq}`;
  }

  newCallbackId(): string {
    return `callback-${this.nodeId}-${Date.now().toString(36)}-${++this.callbackSeq}`;
  }

  localContacts(): number {
    let n = 0;
    for (const node of this.contactNode.values()) if (node === this.nodeId) n++;
    return n;
  }

  playSimulated(agentIds: readonly string[], play: () => { stop(): void }): void {
    this.machine = { ids: new Set(agentIds), play, checking: false };
    this.log("info", `simulated agents ${agentIds.join(", ")}: played by one node of the cluster at a time (the holder of the lock ${PLAY_LOCK})`);
  }

  /**
   * One node plays the simulated agents: the holder of a lock renewed with the lease. When the
   * holder dies or stops, another takes the lock and plays them from their state in its copy of
   * the center; a holder that finds the lock taken (it was frozen past its TTL) stops playing.
   */
  private async takeTurnToPlay(): Promise<void> {
    const machine = this.machine;
    if (!machine || machine.checking || !this.live || this.stopped) return;
    machine.checking = true;
    try {
      const mine = await this.redis.holdLock(PLAY_LOCK, this.nodeId, this.leaseMs);
      if (this.stopped) return;
      if (mine && !machine.playing) {
        machine.playing = machine.play();
        this.log("info", `this node (${this.nodeId}) plays the simulated agents ${[...machine.ids].join(", ")}`);
      } else if (!mine && machine.playing) {
        machine.playing.stop();
        machine.playing = undefined;
        this.log("warn", `this node (${this.nodeId}) no longer plays the simulated agents: node ${(await this.redis.lockHolder(PLAY_LOCK).catch(() => null)) ?? "(none)"} took the turn`);
      }
    } catch {
      // Redis is away: whoever holds the lock when it is back plays them.
    } finally {
      machine.checking = false;
    }
  }

  // ---------------------------------------------------------------- calls that live on one node

  /** The node a contact's call runs on, as every copy knows it (undefined: not a contact now). */
  callNode(interactionId: string): string | undefined {
    return this.contactNode.get(interactionId);
  }

  /** The call's node shares its hold and mute state (logged, so every node's desk shows it). */
  shareControls(interactionId: string, state: { held: boolean; heldSince?: number; muted: boolean }): void {
    if (this.contactNode.get(interactionId) !== this.nodeId) return;
    this.quietly({ op: "controls", interactionId, ...state });
  }

  /** A call's hold and mute state as its node last shared it. */
  sharedControls(interactionId: string): { held: boolean; heldSince?: number; muted: boolean } | undefined {
    return this.controls.get(interactionId);
  }

  /** What this node does when another asks it to act on a call that runs here. */
  serveRequests(handler: (request: NodeRequest) => Promise<NodeAnswer>): void {
    this.requests.serve(handler);
  }

  /**
   * Asks `node` (where the call runs) to do it, and resolves with what it answered. A node without
   * its lease, silent, or lost meanwhile: NodeUnreachableError naming it.
   */
  async ask(node: string, request: NodeRequest, timeoutMs = 8000): Promise<NodeAnswer> {
    let held: boolean;
    try {
      held = await this.redis.leaseHeld(node);
    } catch {
      throw new NodeUnreachableError(node, `the call runs on node ${node}; the shared state (Redis) is not reachable to ask it`);
    }
    if (!held) throw new NodeUnreachableError(node, `the call runs on node ${node}, which is not running (its lease ran out); its calls end node-lost`);
    return this.requests.ask(node, request, timeoutMs);
  }

  // ---------------------------------------------------------------- snapshots and trimming

  /**
   * Starts this node's copy from the newest snapshot, when there is one. Its position is reported
   * first and the trim point read after, so the entries after the snapshot cannot be trimmed away
   * between loading it and reading them (the trim is one script that honours reported positions).
   */
  private async loadSnapshot({ replace = false } = {}): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const text = await this.redis.loadSnapshot();
      const snapshot = text ? (JSON.parse(text) as NodeSnapshot) : undefined;
      const from = snapshot?.id ?? "0-0";
      await this.redis.reportApplied(this.nodeId, from);
      if (idBefore(from, await this.redis.trimmedTo())) {
        // A newer snapshot was written and the log trimmed meanwhile: load that one.
        if (attempt >= 5) throw new Error(`node ${this.nodeId}: the shared log was trimmed past the newest snapshot five times while joining; try again`);
        continue;
      }
      if (!snapshot) return;
      this.center!.restore(snapshot.center, (data) => this.handleFor(data), { replace });
      for (const [id, node] of snapshot.contactNode) this.contactNode.set(id, node);
      for (const [id, node] of snapshot.agentNode) this.agentNode.set(id, node);
      for (const [id, state] of snapshot.controls ?? []) this.controls.set(id, state);
      this.lastId = this.lastSnapshotId = this.startedFrom = snapshot.id;
      this.log("info", `loaded the cluster's snapshot at log entry ${snapshot.id} (${snapshot.center.contacts.length} contact(s), ${snapshot.agentNode.length} agent(s) signed in)`);
      return;
    }
  }

  /**
   * Writes a snapshot of this copy (one node per period: a lock) and trims the log below it and
   * below every position a node reported in the last minute. The copy is taken between two
   * entries (no await between reading the position and the state), so it is exactly the state
   * after entry `id`.
   */
  async snapshotAndTrim(): Promise<{ id: string; trimmedTo: string } | undefined> {
    if (!this.live || !this.healthy || this.snapshotting || this.lastId === "0-0") return undefined;
    const changed = this.lastId !== this.lastSnapshotId;
    // Nothing new since this node's last snapshot, and the trim reached it: nothing to do. When the
    // trim was held back (a node's reported position lagged), it is tried again with that snapshot,
    // or a log that goes quiet would keep what it no longer needs.
    if (!changed && this.trimmedTo === this.lastSnapshotId) return undefined;
    this.snapshotting = true;
    try {
      if (!(await this.redis.claimSnapshot(this.nodeId, Math.max(1000, this.snapshotEveryMs - 500)))) return undefined;
      let id = this.lastSnapshotId;
      if (changed) {
        id = this.lastId;
        const snapshot: NodeSnapshot = { id, center: this.center!.snapshot(), contactNode: [...this.contactNode], agentNode: [...this.agentNode], controls: [...this.controls] };
        await this.redis.saveSnapshot(JSON.stringify(snapshot));
        this.lastSnapshotId = id;
      }
      // This node's own position, as it is now, rather than as its last heartbeat reported it.
      await this.redis.reportApplied(this.nodeId, this.lastId);
      this.trimmedTo = await this.redis.trim(id, APPLIED_FRESH_MS);
      return { id, trimmedTo: this.trimmedTo };
    } catch (err) {
      this.log("warn", `snapshot of the contact center not written: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    } finally {
      this.snapshotting = false;
    }
  }

  // ---------------------------------------------------------------- applying the log

  private async follow(): Promise<void> {
    let turn = Date.now();
    while (!this.stopped) {
      try {
        // A turn long after the last one (or a late heartbeat): the process was stopped or starved
        // (SIGSTOP, a stalled VM) and may have been taken for dead meanwhile, and the log trimmed
        // past its position. Being reaped needs a pause of at least two thirds of a lease (the lease
        // minus one heartbeat), so half a lease is the mark. Checked until the check succeeds: Redis
        // may not answer the first turn after a long pause.
        const last = turn;
        turn = Date.now();
        if (turn - last > this.leaseMs / 2) this.mustCheckTrim = true;
        if (this.mustCheckTrim) {
          await this.rejoinIfTrimmed();
          this.mustCheckTrim = false;
        }
        const batch = await this.redis.read(this.lastId, READ_BLOCK_MS);
        if (!this.readerOk) {
          this.readerOk = true;
          this.healthySince = Date.now();
          this.log("info", "Redis is reachable again: the contact center follows the shared log from where it stopped");
        }
        for (const entry of batch) this.apply(entry);
      } catch (err) {
        if (this.stopped) return;
        if (this.readerOk) {
          this.readerOk = false;
          this.log("warn", `Redis is not reachable (${err instanceof Error ? err.message : String(err)}): the API answers 503 until it is back`);
        }
        await sleep(250);
      }
    }
  }

  /**
   * When the log was trimmed past the last entry this node applied (it was frozen past its lease,
   * reaped, and its position stopped holding the log back), its copy cannot catch up entry by
   * entry: it loads the cluster's snapshot over it, and the calls of this node the center no
   * longer holds (the others ended them node-lost) end here too.
   */
  private async rejoinIfTrimmed(): Promise<void> {
    const trimmed = await this.redis.trimmedTo();
    if (!idBefore(this.lastId, trimmed)) return;
    this.log(
      "warn",
      `this node (${this.nodeId}) was taken for dead while it was alive (stopped or starved longer than its lease): the shared log was trimmed past the last entry it applied (${this.lastId}); it reloads the cluster's snapshot and ends its calls node-lost`,
    );
    const local = [...this.localHandles.values()].map((l) => l.handle);
    this.contactNode.clear();
    this.agentNode.clear();
    this.controls.clear();
    await this.loadSnapshot({ replace: true });
    let ended = 0;
    for (const handle of local) {
      if (this.contactNode.get(handle.interactionId) === this.nodeId) continue;
      this.localHandles.delete(handle.interactionId);
      handle.notify({ type: "ended", reason: "node-lost" });
      ended++;
    }
    this.log("info", `rejoined the cluster from its snapshot at log entry ${this.lastId}: ${ended} call(s) of this node ended node-lost`);
  }

  private apply(entry: LogEntry): void {
    this.lastId = entry.id;
    const waiter = entry.node === this.nodeId ? this.waiters.get(entry.token) : undefined;
    if (waiter) {
      this.waiters.delete(entry.token);
      clearTimeout(waiter.timer);
    }
    let command: CenterCommand;
    try {
      command = JSON.parse(entry.command) as CenterCommand;
    } catch {
      this.log("warn", `shared log entry ${entry.id} is not JSON; skipped`);
      waiter?.reject(new Error("unreadable log entry"));
      return;
    }
    this.clock.at = entry.at;
    this.entryId = entry.id;
    this.sessionSeq = 0;
    this.eventSeq = 0;
    try {
      const result = this.applyOne(command, entry.node);
      waiter?.resolve(result);
    } catch (err) {
      if (waiter) waiter.reject(err);
      else if (!(err instanceof CenterError)) this.log("warn", `applying ${command.op} from node ${entry.node} failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.clock.at = undefined;
    }
  }

  private applyOne(command: CenterCommand, node: string): unknown {
    const center = this.center!;
    switch (command.op) {
      case "agent": {
        const agentId = String(command.args[0]);
        // The agent works through the node they signed in on; an action for them through another node (a supervisor's, a second tab) does not move them.
        // An agent the machine plays belongs to no node: losing the node that played them does not sign them out.
        if (this.machine?.ids.has(agentId)) this.agentNode.delete(agentId);
        else if (command.action === "login" || command.action === "requestState" || !this.agentNode.has(agentId)) this.agentNode.set(agentId, node);
        try {
          // JSON wrote an argument left out (accept without an offer id) as null: it is left out again.
          return center.applyCommand({ ...command, args: command.args.map((arg) => (arg === null ? undefined : arg)) });
        } finally {
          // Also when the action was refused: a signed-out agent's refused action gives them no node.
          if (center.state.agent(agentId)?.state === "LoggedOut") this.agentNode.delete(agentId);
        }
      }
      case "queueContact":
      case "queueToAgent":
        this.contactNode.set(command.contact.interactionId, node);
        return center.applyCommand(command, this.handleFor(command.contact));
      case "registerCallback":
      case "screenPop":
        return center.applyCommand(command, this.handleFor(command.contact));
      case "contactEnded": {
        const result = center.applyCommand(command);
        this.forgetContact(command.interactionId);
        return result;
      }
      case "timer":
      case "contactAni":
        return center.applyCommand(command);
      case "controls": {
        const { op: _op, interactionId, ...state } = command;
        if (center.state.contact(interactionId)) this.controls.set(interactionId, state);
        return undefined;
      }
      case "nodeLost": {
        const contacts = [...this.contactNode].filter(([, n]) => n === command.node).map(([id]) => id);
        const agents = [...this.agentNode].filter(([, n]) => n === command.node).map(([id]) => id);
        // Logged by another node while this one is running: it was taken for dead while alive (frozen past its lease).
        const reaped = command.node === this.nodeId && command.reason === "node-lost" && this.live && node !== this.nodeId;
        center.applyNodeLost(contacts, agents, command.reason);
        this.requests.nodeLost(command.node);
        if (reaped) {
          // Every copy ended these calls; the engine here still runs them: they end as the others recorded.
          for (const id of contacts) this.localHandles.get(id)?.handle.notify({ type: "ended", reason: "node-lost" });
          this.log(
            "warn",
            `this node (${this.nodeId}) was taken for dead while it was alive (stopped or starved longer than its lease; node ${node} logged it): its ${contacts.length} call(s) ended node-lost and its ${agents.length} agent(s) were signed out; it goes on as a member of the cluster`,
          );
          void this.redis.renewLease(this.nodeId, this.leaseMs).catch(() => {});
        }
        for (const id of contacts) this.forgetContact(id);
        for (const id of agents) this.agentNode.delete(id);
        return { contacts: contacts.length, agents: agents.length };
      }
    }
  }

  /** The engine's handle when the call runs here; elsewhere a stand-in that shows the contact and hears nothing. */
  private handleFor(data: ContactData): ContactHandle {
    const local = this.localHandles.get(data.interactionId);
    if (local) return local.handle;
    return { interactionId: data.interactionId, ani: data.ani, dnis: data.dnis, callAssociatedData: () => data.cad, notify: () => {} };
  }

  private forgetContact(interactionId: string): void {
    this.contactNode.delete(interactionId);
    this.controls.delete(interactionId);
    this.localHandles.delete(interactionId);
  }

  private quietly(command: CenterCommand): void {
    this.submit(command).catch((err: unknown) => this.log("warn", `${command.op} did not reach the shared log: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** Contacts the center no longer holds: their call's node and handle are not needed. */
  private sweep(): void {
    const center = this.center;
    if (!center) return;
    const old = Date.now() - 60_000;
    for (const [id, { at }] of this.localHandles) if (at < old && !center.state.contact(id)) this.localHandles.delete(id);
    for (const id of [...this.contactNode.keys()]) if (!center.state.contact(id) && !this.localHandles.has(id)) this.contactNode.delete(id);
  }

  private async reapDead(): Promise<void> {
    // After an outage every node needs a heartbeat or two to renew its lease: do not take them for dead meanwhile.
    if (this.reaping || !this.healthy || Date.now() - this.healthySince < 2 * this.leaseMs + 1000) return;
    this.reaping = true;
    try {
      for (const dead of await this.redis.deadNodes()) {
        if (dead === this.nodeId || !(await this.redis.claimReaping(dead, this.nodeId, 10_000))) continue;
        this.log("warn", `node ${dead} lost its lease: its calls end node-lost, its agents wrap up and sign out`);
        await this.redis.append(this.nodeId, randomUUID(), JSON.stringify({ op: "nodeLost", node: dead, reason: "node-lost" } satisfies CenterCommand));
        await this.redis.forget(dead);
      }
    } catch {
      // Redis went away mid-way: the next round (or another node) does it.
    } finally {
      this.reaping = false;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
