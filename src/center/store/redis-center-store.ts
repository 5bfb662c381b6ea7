/**
 * CenterStore on a Redis 7 server: records as JSON strings, waiting contacts and available agents
 * in sorted sets, and every routing decision one call of a server-side function (see
 * redis-functions.ts for the keys and the Lua). The `redis` client (node-redis) carries it.
 */
import { createClient } from "redis";
import type { AgentRecord, ContactRecord, QueueRecord } from "../state.js";
import type { AcceptResult, CenterStore, OfferRecord, RemovedContact, RoutingDecision } from "./center-store.js";
import { CENTER_LIBRARY, CENTER_LIBRARY_VERSION } from "./redis-functions.js";

function newClient(url: string) {
  return createClient({ url });
}
type Client = ReturnType<typeof newClient>;
type Reply = string | null | Reply[];

export interface ReapReport {
  contactsEnded: number;
  agentsWrappedUp: number;
  offersExpired: number;
  agentsLoggedOut: number;
  callbacksHandedOn: number;
}

/** One entry of the center's event stream: its stream id and the event's fields. */
export interface StreamedEvent {
  id: string;
  type: string;
  at: number;
  [field: string]: unknown;
}

export interface RedisCenterStoreOptions {
  /** Key prefix; nodes of one center use the same one. */
  prefix?: string;
}

export class RedisCenterStore implements CenterStore {
  readonly kind = "redis" as const;
  private readonly prefix: string;

  private constructor(
    private readonly client: Client,
    options: RedisCenterStoreOptions,
  ) {
    this.prefix = options.prefix ?? "ccflow:center:";
  }

  /** Connects, and loads the function library unless this version is there already. */
  static async connect(url: string, options: RedisCenterStoreOptions = {}): Promise<RedisCenterStore> {
    const client = newClient(url);
    client.on("error", () => {
      // Reconnection is the client's; a failed command rejects where it was made.
    });
    await client.connect();
    const store = new RedisCenterStore(client, options);
    await store.loadFunctions();
    return store;
  }

  private async loadFunctions(): Promise<void> {
    let version: string | undefined;
    try {
      version = (await this.client.sendCommand(["FCALL", "ccf_version", "0"])) as string;
    } catch {
      version = undefined;
    }
    if (version !== CENTER_LIBRARY_VERSION) await this.client.sendCommand(["FUNCTION", "LOAD", "REPLACE", CENTER_LIBRARY]);
  }

  private call(fn: string, ...args: Array<string | number>): Promise<Reply> {
    return this.client.sendCommand(["FCALL", fn, "0", this.prefix, ...args.map(String)]) as Promise<Reply>;
  }

  private key(kind: string, id: string): string {
    return `${this.prefix}${kind}:${id}`;
  }

  private async readMany<T>(setKey: string, kind: string, fix: (raw: T) => T): Promise<T[]> {
    const ids = await this.client.sMembers(`${this.prefix}${setKey}`);
    if (ids.length === 0) return [];
    const values = await this.client.mGet(ids.sort().map((id) => this.key(kind, id)));
    return values.filter((v): v is string => typeof v === "string").map((v) => fix(JSON.parse(v) as T));
  }

  async saveQueue(queue: QueueRecord): Promise<void> {
    await this.call("ccf_save_queue", JSON.stringify(queue));
  }
  async queue(id: string): Promise<QueueRecord | undefined> {
    const raw = await this.client.get(this.key("q", id));
    return raw ? (JSON.parse(raw) as QueueRecord) : undefined;
  }
  async queues(): Promise<QueueRecord[]> {
    return this.readMany<QueueRecord>("queues", "q", (q) => q);
  }

  async saveAgent(agent: AgentRecord): Promise<void> {
    await this.call("ccf_save_agent", JSON.stringify(agent));
  }
  async agent(id: string): Promise<AgentRecord | undefined> {
    const raw = await this.client.get(this.key("a", id));
    return raw ? fixAgent(JSON.parse(raw) as AgentRecord) : undefined;
  }
  async agents(): Promise<AgentRecord[]> {
    return this.readMany<AgentRecord>("agents", "a", fixAgent);
  }

  async contact(id: string): Promise<ContactRecord | undefined> {
    const raw = await this.client.get(this.key("c", id));
    return raw ? fixContact(JSON.parse(raw) as ContactRecord) : undefined;
  }
  async contacts(): Promise<ContactRecord[]> {
    return this.readMany<ContactRecord>("contacts", "c", fixContact);
  }
  async nextSeq(): Promise<number> {
    return this.client.incr(`${this.prefix}seq:contact`);
  }

  async enqueue(contact: ContactRecord): Promise<void> {
    if (contact.state !== "queued" || !contact.listId) throw new Error(`contact ${contact.interactionId}: only a queued contact with a list can be enqueued`);
    await this.call("ccf_enqueue", JSON.stringify(contact));
  }

  async waiting(listId: string): Promise<ContactRecord[]> {
    const members = await this.client.zRange(this.key("w", listId), 0, -1);
    if (members.length === 0) return [];
    const values = await this.client.mGet(members.map((m) => this.key("c", m.slice(13))));
    return values.filter((v): v is string => typeof v === "string").map((v) => fixContact(JSON.parse(v) as ContactRecord));
  }

  async position(interactionId: string): Promise<number> {
    const contact = await this.contact(interactionId);
    if (!contact || contact.state !== "queued" || !contact.listId) return 0;
    const rank = await this.client.zRank(this.key("w", contact.listId), `${String(contact.seq).padStart(12, "0")}|${interactionId}`);
    return rank === null ? 0 : rank + 1;
  }

  async available(queueId: string): Promise<string[]> {
    return (await this.client.zRange(this.key("av", queueId), 0, -1)).map((m) => m.slice(13));
  }

  async makeAvailable(agentId: string, now: number, keepPlace: boolean): Promise<RoutingDecision | undefined> {
    return decision(await this.call("ccf_make_available", agentId, now, keepPlace ? "1" : "0"));
  }

  async setAgentState(agentId: string, state: "LoggedOut" | "Idle" | "WrapUp", reason: string | undefined, now: number): Promise<AgentRecord | undefined> {
    const raw = await this.call("ccf_set_state", agentId, state, reason ?? "", now);
    return typeof raw === "string" ? fixAgent(JSON.parse(raw) as AgentRecord) : undefined;
  }

  async routeList(listId: string, now: number): Promise<RoutingDecision | undefined> {
    return decision(await this.call("ccf_route_list", listId, now));
  }

  async offer(offerId: number): Promise<OfferRecord | undefined> {
    const raw = await this.client.get(this.key("o", String(offerId)));
    return raw ? (JSON.parse(raw) as OfferRecord) : undefined;
  }

  async accept(agentId: string, offerId: number | undefined, now: number): Promise<AcceptResult> {
    const reply = (await this.call("ccf_accept", agentId, offerId ?? "", now)) as string[];
    if (reply[0] === "ok") return { ok: true, contact: fixContact(JSON.parse(reply[1]!) as ContactRecord), agent: fixAgent(JSON.parse(reply[2]!) as AgentRecord) };
    const state = reply[1] ? (reply[1] as AgentRecord["state"]) : undefined;
    return { ok: false, reason: reply[0] === "stale-offer" ? "stale-offer" : "not-reserved", ...(state ? { state } : {}) };
  }

  async cancelOffer(offerId: number, reason: string, now: number): Promise<{ listId: string; contact: ContactRecord; agent: AgentRecord } | undefined> {
    const reply = (await this.call("ccf_cancel_offer", offerId, reason, now)) as string[] | null;
    if (!reply) return undefined;
    return { listId: reply[0]!, contact: fixContact(JSON.parse(reply[1]!) as ContactRecord), agent: fixAgent(JSON.parse(reply[2]!) as AgentRecord) };
  }

  async removeContact(interactionId: string, now: number): Promise<RemovedContact | undefined> {
    const reply = (await this.call("ccf_remove_contact", interactionId, now)) as string[] | null;
    if (!reply) return undefined;
    const out: RemovedContact = { contact: fixContact(JSON.parse(reply[0]!) as ContactRecord) };
    if (reply[1]) out.agent = fixAgent(JSON.parse(reply[1]) as AgentRecord);
    if (reply[2]) out.offerId = Number(reply[2]);
    const next = decision(reply.length > 3 ? reply.slice(3) : null);
    if (next) out.next = next;
    return out;
  }

  // ---------------------------------------------------------------- cluster: leases, reaping, events

  /** The node joins (or renews its lease): the lease key lives `leaseMs` unless renewed. */
  async renewLease(nodeId: string, leaseMs: number): Promise<void> {
    await this.client.multi().sAdd(`${this.prefix}nodes`, nodeId).set(`${this.prefix}node:${nodeId}`, String(Date.now()), { PX: leaseMs }).exec();
  }

  /** A node going away on purpose: no lease, not a member. Its contacts are its own business. */
  async leave(nodeId: string): Promise<void> {
    await this.client.multi().sRem(`${this.prefix}nodes`, nodeId).del(`${this.prefix}node:${nodeId}`).exec();
  }

  /** Nodes that joined and whose lease ran out. */
  async deadNodes(): Promise<string[]> {
    const nodes = (await this.client.sMembers(`${this.prefix}nodes`)).sort();
    if (nodes.length === 0) return [];
    const leases = await this.client.mGet(nodes.map((n) => `${this.prefix}node:${n}`));
    return nodes.filter((_, i) => leases[i] === null);
  }

  /** Takes the reaper's lock for `ms` unless another node holds it. */
  async tryReaperLock(nodeId: string, ms: number): Promise<boolean> {
    return (await this.client.set(`${this.prefix}reaper`, nodeId, { NX: true, PX: ms })) === "OK";
  }

  /**
   * Ends what died with a node (see ccf_reap): its calls end with `node-lost`, agents it served
   * wrap up and sign out, offers ringing on its desktops expire as RONA, callbacks go to `heir`.
   * Returns the counts and the lists that got a contact back (to be routed again).
   */
  async reap(deadNode: string, heir: string, now: number): Promise<{ report: ReapReport; requeued: string[] }> {
    const reply = (await this.call("ccf_reap", deadNode, now, heir)) as string[];
    return { report: JSON.parse(reply[0]!) as ReapReport, requeued: [...new Set(reply.slice(1))] };
  }

  /** Events after `afterId` (`0-0`: from the start of what the stream keeps), oldest first. */
  async events(afterId = "0-0", count = 1000): Promise<StreamedEvent[]> {
    const reply = await this.client.xRange(`${this.prefix}events`, `(${afterId}`, "+", { COUNT: count });
    const entries = (reply ?? []) as Array<{ id: string; message: Record<string, unknown> }>;
    return entries.map((m) => ({ id: m.id, ...(JSON.parse(String(m.message["data"])) as Record<string, unknown>) }) as StreamedEvent);
  }

  /** Follows the event stream after `afterId` on a connection of its own; returns the stop function. */
  follow(afterId: string, onEvent: (event: StreamedEvent) => void): () => Promise<void> {
    const reader = this.client.duplicate();
    reader.on("error", () => {});
    let last = afterId;
    let running = true;
    const loop = (async () => {
      await reader.connect();
      while (running) {
        try {
          const reply = await reader.xRead({ key: `${this.prefix}events`, id: last }, { BLOCK: 500, COUNT: 100 });
          for (const stream of (reply as Array<{ messages: Array<{ id: string; message: Record<string, unknown> }> }> | null) ?? []) {
            for (const m of stream.messages) {
              last = m.id;
              onEvent({ id: m.id, ...(JSON.parse(String(m.message["data"])) as Record<string, unknown>) } as StreamedEvent);
            }
          }
        } catch {
          // Redis away: the client reconnects; go on from the last id seen.
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    })();
    return async () => {
      running = false;
      await loop.catch(() => {});
      if (reader.isOpen) await reader.quit().catch(() => {});
    };
  }

  /** Deletes every key of this store's prefix (tests, and `ccflow` tools that reset a center). */
  async clear(): Promise<void> {
    for await (const keys of this.client.scanIterator({ MATCH: `${this.prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await this.client.del(keys);
    }
  }

  async close(): Promise<void> {
    if (this.client.isOpen) await this.client.quit();
  }
}

function decision(reply: Reply): RoutingDecision | undefined {
  if (!Array.isArray(reply) || reply.length < 5) return undefined;
  const [offerId, interactionId, agentId, listId, at] = reply as string[];
  return { offerId: Number(offerId), interactionId: interactionId!, agentId: agentId!, listId: listId!, offeredAt: Number(at) };
}

/** cjson writes an empty array as `{}`. */
function fixAgent(agent: AgentRecord): AgentRecord {
  if (!Array.isArray(agent.queues)) agent.queues = [];
  return agent;
}

function fixContact(contact: ContactRecord): ContactRecord {
  if (!Array.isArray(contact.screenPops)) contact.screenPops = [];
  return contact;
}
