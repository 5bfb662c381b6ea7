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
