/**
 * The Redis center store as three engine nodes see it: each node its own connection to one Redis
 * server. Routing decisions are atomic on the server, so 50 callers arriving at once through three
 * nodes for one agent give exactly one offer, and three accepts of one offer at once give one
 * winner. Redis restarted (append-only file on): the queues, agents and offers are still there.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisCenterStore } from "../../../src/center/store/redis-center-store.js";
import type { ContactRecord } from "../../../src/center/state.js";
import { redisAvailable, startRedis, type TestRedis } from "../../helpers/redis.js";

const haveRedis = redisAvailable();
if (!haveRedis) console.warn("[skip] test/center/store/redis-store.test.ts: /usr/bin/redis-server is not installed (apt-get install redis-server)");

function caller(id: string, seq: number, now: number, priority = 5): ContactRecord {
  return { interactionId: id, ani: "+15550100", dnis: "+18005550000", kind: "call", state: "queued", queueId: "sales", listId: "sales", priority, seq, enqueuedAt: now, firstQueuedAt: now, offers: 0, screenPops: [] };
}

describe.skipIf(!haveRedis)("the Redis center store shared by three nodes", () => {
  let redis: TestRedis;
  let nodes: RedisCenterStore[] = [];
  let prefix = 0;

  beforeAll(async () => {
    redis = await startRedis();
  }, 30_000);
  afterAll(async () => {
    for (const n of nodes) await n.close().catch(() => {});
    await redis?.stop();
  });

  async function cluster(): Promise<RedisCenterStore[]> {
    const p = `three:${++prefix}:`;
    nodes = await Promise.all([1, 2, 3].map(() => RedisCenterStore.connect(redis.url, { prefix: p })));
    await nodes[0]!.saveQueue({ id: "sales", name: "Sales", routing: "LONGEST_AVAILABLE_AGENT", auto: false });
    await nodes[0]!.saveAgent({ id: "ana", name: "Ana", queues: ["sales"], state: "LoggedOut", since: 0, availableSince: 0, availableSeq: 0 });
    await nodes[1]!.setAgentState("ana", "Idle", "Login", 1);
    expect(await nodes[2]!.makeAvailable("ana", 2, false)).toBeUndefined();
    return nodes;
  }

  it("gives one agent exactly one of 50 callers arriving at once through three nodes, the first in line", async () => {
    const [n1, n2, n3] = await cluster();
    const now = 1_765_000_000_000;
    const decisions = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const node = [n1!, n2!, n3!][i % 3]!;
        await node.enqueue(caller(`c${i}`, await node.nextSeq(), now + i));
        return node.routeList("sales", now + i);
      }),
    );
    const offers = decisions.filter((d) => d !== undefined);
    expect(offers).toHaveLength(1);
    expect(offers[0]!.agentId).toBe("ana");
    expect((await n1!.agent("ana"))!.state).toBe("Reserved");
    expect(await n2!.waiting("sales")).toHaveLength(49);
    // The one offered is whichever was in line when Ana was picked; nobody is offered twice.
    const ringing = (await n3!.contacts()).filter((c) => c.state === "offered");
    expect(ringing.map((c) => c.interactionId)).toEqual([offers[0]!.interactionId]);

    // Ana ends that call and becomes Available: the next is the earliest caller still waiting.
    const waitingFirst = (await n1!.waiting("sales"))[0]!.interactionId;
    expect((await n1!.accept("ana", offers[0]!.offerId, now + 100)).ok).toBe(true);
    await n2!.removeContact(offers[0]!.interactionId, now + 200);
    const next = await n3!.makeAvailable("ana", now + 300, false);
    expect(next?.interactionId).toBe(waitingFirst);
  });

  it("lets one of three simultaneous accepts of an offer win; the others hear it is gone", async () => {
    const [n1, n2, n3] = await cluster();
    await n1!.enqueue(caller("c1", await n1!.nextSeq(), 10));
    const offer = (await n1!.routeList("sales", 10))!;
    const results = await Promise.all([n1!, n2!, n3!].map((n) => n.accept("ana", offer.offerId, 20)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.reason)).toEqual(["not-reserved", "not-reserved"]);
    expect((await n2!.contact("c1"))!.state).toBe("engaged");
  });

  it("keeps waiting callers, agents and ringing offers across a Redis restart (append-only file)", async () => {
    const [n1] = await cluster();
    await n1!.enqueue(caller("c1", await n1!.nextSeq(), 10, 1));
    const offer = (await n1!.routeList("sales", 10))!;
    await n1!.enqueue(caller("c2", await n1!.nextSeq(), 11, 2));
    await redis.halt();
    await expect(n1!.agent("ana")).rejects.toThrow();
    await redis.resume();
    // The client reconnects by itself.
    let agent;
    for (let i = 0; i < 50 && !agent; i++) {
      agent = await n1!.agent("ana").catch(() => undefined);
      if (!agent) await new Promise((r) => setTimeout(r, 100));
    }
    expect(agent).toMatchObject({ state: "Reserved", offerId: offer.offerId, interactionId: "c1" });
    expect((await n1!.waiting("sales")).map((c) => c.interactionId)).toEqual(["c2"]);
    expect(await n1!.offer(offer.offerId)).toMatchObject({ interactionId: "c1", agentId: "ana" });
    // Routing goes on: Ana rings out, c1 goes back ahead of c2 (priority 1) and is offered again when she is back.
    const back = await n1!.cancelOffer(offer.offerId, "RONA", 20);
    expect(back?.listId).toBe("sales");
    expect((await n1!.makeAvailable("ana", 30, false))?.interactionId).toBe("c1");
  }, 30_000);

  it("streams offers to a supervisor on any node, who resumes after the last id seen when reconnecting", async () => {
    const [n1, n2] = await cluster();
    const seen: Array<{ id: string; interactionId?: unknown }> = [];
    const stop = n2!.follow("0-0", (e) => {
      if (e.type === "offer") seen.push({ id: e.id, interactionId: e["interactionId"] });
    });
    await n1!.enqueue(caller("c1", await n1!.nextSeq(), 10));
    await n1!.routeList("sales", 10);
    for (let i = 0; i < 50 && seen.length < 1; i++) await new Promise((r) => setTimeout(r, 50));
    await stop();
    expect(seen.map((e) => e.interactionId)).toEqual(["c1"]);
    // While the supervisor is away, Ana rings out and c1 is offered again.
    await n1!.cancelOffer((await n1!.agent("ana"))!.offerId!, "RONA", 20);
    await n1!.makeAvailable("ana", 30, false);
    const resumed: unknown[] = [];
    const stop2 = n2!.follow(seen[0]!.id, (e) => resumed.push([e.type, e["interactionId"]]));
    for (let i = 0; i < 50 && resumed.length < 1; i++) await new Promise((r) => setTimeout(r, 50));
    await stop2();
    expect(resumed).toEqual([["offer", "c1"]]);
  });
});
