/**
 * The two center stores must make the same decisions. fast-check writes random days at a small
 * contact center — callers arriving in three queues at three priorities, parked on an agent,
 * hanging up; four agents (one serves every queue, including one created mid-run) going
 * Available and Idle, accepting (sometimes a stale offer), ringing out, ending calls — and each
 * day runs against the in-memory store and against a real Redis server. Every operation's answer
 * (which contact went to which agent, who won an accept, where a ringing-out caller went back)
 * and the final state (agents, contacts, waiting lists in order, available orderings in order)
 * must be the same.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CenterStore } from "../../../src/center/store/center-store.js";
import { MemoryCenterStore } from "../../../src/center/store/memory-center-store.js";
import { RedisCenterStore } from "../../../src/center/store/redis-center-store.js";
import type { AgentRecord, ContactRecord } from "../../../src/center/state.js";
import { redisAvailable, startRedis, type TestRedis } from "../../helpers/redis.js";

const QUEUES = ["q0", "q1", "q2"];
const AGENTS: Array<Pick<AgentRecord, "id" | "name" | "queues">> = [
  { id: "a0", name: "Ana", queues: ["q0"] },
  { id: "a1", name: "Ben", queues: ["q0", "q1"] },
  { id: "a2", name: "Cleo", queues: ["*"] },
  { id: "a3", name: "Dev", queues: ["q2"] },
];

type Op =
  | { kind: "arrive"; c: number; q: number; priority: number }
  | { kind: "direct"; c: number; a: number; priority: number; recovery: boolean }
  | { kind: "available"; a: number }
  | { kind: "idle"; a: number }
  | { kind: "accept"; a: number; stale: boolean }
  | { kind: "rona"; a: number }
  | { kind: "end"; a: number }
  | { kind: "hangup"; c: number }
  | { kind: "tick"; ms: number }
  | { kind: "newQueue" };

const c = fc.integer({ min: 0, max: 9 });
const a = fc.integer({ min: 0, max: 3 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("arrive" as const), c, q: fc.integer({ min: 0, max: 2 }), priority: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("direct" as const), c, a, priority: fc.integer({ min: 1, max: 3 }), recovery: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("available" as const), a }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("idle" as const), a }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("accept" as const), a, stale: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("rona" as const), a }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("end" as const), a }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("hangup" as const), c }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.constantFrom(0, 1, 250, 4000) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "newQueue" as const }) },
);

function newContact(id: string, listId: string, priority: number, now: number, seq: number): ContactRecord {
  return {
    interactionId: id,
    ani: `+1555010${id.slice(1)}`,
    dnis: "+18005550000",
    kind: "call",
    state: "queued",
    queueId: listId.startsWith("@agent:") ? undefined : listId,
    listId,
    priority,
    seq,
    enqueuedAt: now,
    firstQueuedAt: now,
    offers: 0,
    screenPops: [],
  };
}

/** Drives a store the way the center does, and says what happened. */
async function apply(store: CenterStore, o: Op, clock: { now: number }): Promise<unknown> {
  const now = clock.now;
  switch (o.kind) {
    case "arrive": {
      const id = `c${o.c}`;
      if (await store.contact(id)) return "busy";
      await store.enqueue(newContact(id, QUEUES[o.q]!, o.priority, now, await store.nextSeq()));
      return { position: await store.position(id), decision: await store.routeList(QUEUES[o.q]!, now) };
    }
    case "direct": {
      const id = `c${o.c}`;
      const agent = await store.agent(`a${o.a}`);
      if ((await store.contact(id)) || !agent || agent.state === "LoggedOut") return "refused";
      const contact = newContact(id, `@agent:${agent.id}`, o.priority, now, await store.nextSeq());
      if (o.recovery) contact.recoveryQueueId = agent.queues[0] === "*" ? "q0" : agent.queues[0];
      await store.enqueue(contact);
      return store.routeList(contact.listId!, now);
    }
    case "available": {
      const agent = (await store.agent(`a${o.a}`))!;
      if (agent.state === "Reserved" || agent.state === "Engaged" || agent.state === "Available") return "no";
      if (agent.state === "LoggedOut") await store.setAgentState(agent.id, "Idle", "Login", now);
      return store.makeAvailable(agent.id, now, false);
    }
    case "idle": {
      const agent = (await store.agent(`a${o.a}`))!;
      if (agent.state === "Reserved" || agent.state === "Engaged" || agent.state === "LoggedOut") return "no";
      return store.setAgentState(agent.id, "Idle", "Break", now);
    }
    case "accept": {
      const agent = (await store.agent(`a${o.a}`))!;
      return store.accept(agent.id, o.stale ? (agent.offerId ?? 0) + 1000 : agent.offerId, now);
    }
    case "rona": {
      const agent = (await store.agent(`a${o.a}`))!;
      if (agent.state !== "Reserved") return "no";
      const back = await store.cancelOffer(agent.offerId!, "RONA", now);
      return { back, next: back ? await store.routeList(back.listId, now) : undefined };
    }
    case "end": {
      const agent = (await store.agent(`a${o.a}`))!;
      if (agent.state !== "Engaged") return "no";
      return store.removeContact(agent.interactionId!, now);
    }
    case "hangup":
      return store.removeContact(`c${o.c}`, now);
    case "tick":
      clock.now += o.ms;
      return clock.now;
    case "newQueue":
      if (await store.queue("q3")) return "exists";
      await store.saveQueue({ id: "q3", name: "Late", routing: "LONGEST_AVAILABLE_AGENT", auto: true });
      return store.available("q3");
  }
}

async function seed(store: CenterStore): Promise<void> {
  for (const id of QUEUES) await store.saveQueue({ id, name: id.toUpperCase(), routing: "LONGEST_AVAILABLE_AGENT", auto: false });
  for (const agent of AGENTS) await store.saveAgent({ ...agent, state: "LoggedOut", since: 0, availableSince: 0, availableSeq: 0 });
}

async function snapshot(store: CenterStore): Promise<unknown> {
  const byId = <T extends { id?: string; interactionId?: string }>(xs: T[]) => xs.sort((x, y) => String(x.id ?? x.interactionId).localeCompare(String(y.id ?? y.interactionId)));
  const lists = [...QUEUES, "q3", ...AGENTS.map((ag) => `@agent:${ag.id}`)];
  return {
    agents: byId(await store.agents()),
    contacts: byId(await store.contacts()),
    waiting: await Promise.all(lists.map(async (l) => (await store.waiting(l)).map((x) => x.interactionId))),
    available: await Promise.all([...QUEUES, "q3"].map((q) => store.available(q))),
  };
}

/** Undefined fields are absent in JSON (Redis) and may be present in memory: compare as JSON. */
const plain = (x: unknown) => JSON.parse(JSON.stringify(x ?? null)) as unknown;

const haveRedis = redisAvailable();
if (!haveRedis) console.warn("[skip] test/center/store/differential.test.ts: /usr/bin/redis-server is not installed (apt-get install redis-server)");

describe.skipIf(!haveRedis)("the in-memory and the Redis center stores", () => {
  let redis: TestRedis;
  let run = 0;
  /** Answers that carried an offer: the runs must exercise routing, not only refusals. */
  let decisions = 0;
  const stores: RedisCenterStore[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  }, 30_000);
  afterAll(async () => {
    for (const s of stores) await s.close();
    await redis?.stop();
  });

  it("make the same decisions on random operation sequences", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 100 }), async (ops) => {
        const memory = new MemoryCenterStore();
        const shared = await RedisCenterStore.connect(redis.url, { prefix: `diff:${++run}:` });
        stores.push(shared);
        await seed(memory);
        await seed(shared);
        const clocks = { memory: { now: 1_765_000_000_000 }, redis: { now: 1_765_000_000_000 } };
        for (const [i, o] of ops.entries()) {
          const expected = plain(await apply(memory, o, clocks.memory));
          const actual = plain(await apply(shared, o, clocks.redis));
          if (JSON.stringify(expected).includes('"offerId"')) decisions++;
          expect(actual, `operation ${i}: ${JSON.stringify(o)}`).toEqual(expected);
        }
        expect(plain(await snapshot(shared))).toEqual(plain(await snapshot(memory)));
        await shared.clear();
      }),
      { numRuns: 60 },
    );
    expect(decisions).toBeGreaterThan(100);
  }, 120_000);
});
