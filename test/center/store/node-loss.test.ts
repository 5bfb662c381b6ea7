/**
 * A node is killed (kill -9) while calls are up, on three node processes sharing one Redis. The
 * survivors notice its lease ran out and one of them, holding the reaper's lock, cleans up — all
 * within 5 s: the calls whose media ran on the dead node end with `node-lost` (their agents on
 * other nodes go to wrap-up); the dead node's agents wrap up and are signed out; an offer ringing
 * on the dead node's desktop expires as RONA and the caller goes back to the queue, where a
 * surviving agent gets it; the dead node's callback is handed to a survivor; the other nodes'
 * calls are untouched and end normally. Nothing is left Reserved or waiting for a dead desktop.
 * A supervisor following the event stream from before the kill sees all of it, in order.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContactRecord } from "../../../src/center/state.js";
import { RedisCenterStore } from "../../../src/center/store/redis-center-store.js";
import { redisAvailable, startRedis, type TestRedis } from "../../helpers/redis.js";
import { ensureBuilt } from "../../reliability/helpers/dist.js";

const haveRedis = redisAvailable();
if (!haveRedis) console.warn("[skip] test/center/store/node-loss.test.ts: /usr/bin/redis-server is not installed (apt-get install redis-server)");

const PREFIX = "nodeloss:";
const CHILD = path.join(import.meta.dirname, "helpers", "cluster-node-child.mjs");

function call(id: string, node: string, seq: number, listId = "sales", kind: "call" | "callback" = "call"): ContactRecord {
  return { interactionId: id, ani: "+15550100", dnis: "+18005550000", kind, state: "queued", queueId: "sales", listId, priority: 5, seq, enqueuedAt: 1000 + seq, firstQueuedAt: 1000 + seq, offers: 0, screenPops: [], nodeId: node };
}

async function startNode(url: string, nodeId: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify({ url, prefix: PREFIX, nodeId, leaseMs: 1500, reapEveryMs: 250 })], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${nodeId} did not start: ${err}`)), 20_000);
    child.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes('"ready":true')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`node ${nodeId} exited with ${code}: ${err}`)));
  });
  return child;
}

describe.skipIf(!haveRedis)("kill -9 of a node during calls", () => {
  let redis: TestRedis;
  let store: RedisCenterStore;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    redis = await startRedis();
    store = await RedisCenterStore.connect(redis.url, { prefix: PREFIX });
  }, 300_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    await store?.close();
    await redis?.stop();
  });

  it("ends the dead node's calls with node-lost, wraps up and signs out its agents, requeues its offers, hands on its callbacks, within 5 s", async () => {
    const now = () => Date.now();
    await store.saveQueue({ id: "sales", name: "Sales", routing: "LONGEST_AVAILABLE_AGENT", auto: false });
    // ana and ben sign in through n1 and n2, cleo and dev through n3 (the one that dies); eve through n2, Idle until later.
    const agents = { ana: "n1", ben: "n2", cleo: "n3", dev: "n3", eve: "n2" };
    for (const [id, nodeId] of Object.entries(agents)) {
      await store.saveAgent({ id, name: id, queues: ["sales"], state: "LoggedOut", since: 0, availableSince: 0, availableSeq: 0, nodeId });
      await store.setAgentState(id, "Idle", "Login", now());
    }
    const connect = async (id: string, agentId: string, node: string) => {
      await store.enqueue(call(id, node, await store.nextSeq()));
      const offer = await store.makeAvailable(agentId, now(), false);
      expect(offer?.interactionId).toBe(id);
      return offer!;
    };
    // c1: media on n3, talking to ana (n1). c2: media on n1, talking to cleo (n3). c3: n2 with ben (n2), untouched.
    await store.accept("ana", (await connect("c1", "ana", "n3")).offerId, now());
    await store.accept("cleo", (await connect("c2", "cleo", "n1")).offerId, now());
    await store.accept("ben", (await connect("c3", "ben", "n2")).offerId, now());
    // c4: media on n1, ringing at dev (n3). c5: on n3, waiting. cb1: a callback n3 was to dial, waiting.
    await connect("c4", "dev", "n1");
    await store.enqueue(call("c5", "n3", await store.nextSeq()));
    await store.enqueue(call("cb1", "n3", await store.nextSeq(), "sales", "callback"));

    for (const n of ["n1", "n2", "n3"]) children.push(await startNode(redis.url, n));
    const seen = await store.events();
    const before = seen.length > 0 ? seen[seen.length - 1]!.id : "0-0";

    const killedAt = Date.now();
    children[2]!.kill("SIGKILL");
    let reaped = false;
    while (!reaped && Date.now() - killedAt < 8000) {
      reaped = (await store.events(before)).some((e) => e.type === "node-lost" && e.node === "n3");
      if (!reaped) await new Promise((r) => setTimeout(r, 50));
    }
    const took = Date.now() - killedAt;
    expect(reaped, "no node-lost event for n3").toBe(true);
    expect(took).toBeLessThan(5000);

    const events = await store.events(before);
    // Two survivors looked; the one holding the reaper's lock reaped, once.
    expect(events.filter((e) => e.type === "node-lost").map((e) => e.node)).toEqual(["n3"]);
    expect(["n1", "n2"]).toContain(events.find((e) => e.type === "node-lost")!.by);
    const ended = events.filter((e) => e.type === "contact-ended").map((e) => [e.interactionId, e.reason]);
    expect(ended.sort()).toEqual([["c1", "node-lost"], ["c5", "node-lost"]]);
    expect(await store.contact("c1")).toBeUndefined();
    expect(await store.contact("c5")).toBeUndefined();
    // ana (alive, on n1) lost her caller: wrap-up, as after any call.
    expect((await store.agent("ana"))!.state).toBe("WrapUp");
    // cleo and dev (n3's desktops): through wrap-up (cleo was on a call) to signed out.
    const cleoStates = events.filter((e) => e.type === "agent-state" && e.agentId === "cleo").map((e) => e.state);
    expect(cleoStates).toEqual(["WrapUp", "LoggedOut"]);
    expect(await store.agent("cleo")).toMatchObject({ state: "LoggedOut", reason: "node-lost" });
    expect(await store.agent("dev")).toMatchObject({ state: "LoggedOut", reason: "node-lost" });
    expect(events.some((e) => e.type === "agent-lost" && e.interactionId === "c2")).toBe(true);
    // c4's offer on dev's dead desktop expired as RONA: back at its place in the queue, ahead of
    // the callback that arrived after it, and the next agent to become Available (eve, n2) gets it.
    expect(events.some((e) => e.type === "offer-cancelled" && e.interactionId === "c4" && e.reason === "rona")).toBe(true);
    expect((await store.waiting("sales")).map((c) => c.interactionId)).toEqual(["c4", "cb1"]);
    expect((await store.makeAvailable("eve", now(), false))?.interactionId).toBe("c4");
    // The callback now belongs to a survivor.
    expect(["n1", "n2"]).toContain((await store.contact("cb1"))!.nodeId);
    // Nothing Reserved on a dead desktop, nobody waiting but the callback.
    for (const a of await store.agents()) if (a.state === "Reserved") expect(a.nodeId).not.toBe("n3");
    expect((await store.waiting("sales")).map((c) => c.interactionId)).toEqual(["cb1"]);
    expect(await store.deadNodes()).toEqual([]);
    // The survivors' call finishes normally.
    expect(await store.contact("c3")).toMatchObject({ state: "engaged", agentId: "ben" });
    const done = await store.removeContact("c3", now());
    expect(done?.agent?.state).toBe("WrapUp");
  }, 60_000);
});
