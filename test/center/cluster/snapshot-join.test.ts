/**
 * A cluster that has run a while does not keep its whole history: one node writes a snapshot of
 * the contact center to Redis every second here (`--snapshot-every 1`) and trims the shared log
 * below it. A node that joins afterwards loads the snapshot, applies the few entries after it,
 * and sees what the running nodes see — and decides as they do from then on.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { redisAvailable, startRedis, type TestRedis } from "../../helpers/redis.js";
import type { ServeProcess } from "../../reliability/helpers/serve-process.js";
import { clusterNode, expectNoNodeTakenForDead, removeClusterFiles, until, writeClusterFiles } from "./helpers/cluster.js";

const available = redisAvailable();
if (!available) console.warn("[skip] test/center/cluster/snapshot-join: /usr/bin/redis-server is absent (apt-get install redis-server)");

interface Agent {
  id: string;
  state: string;
  reason?: string;
  interactionId?: string;
  offerId?: number;
  since: number;
}

describe.skipIf(!available)("ccflow serve --redis: snapshots, a trimmed log, and a node joining later", { timeout: 240_000 }, () => {
  let redis: TestRedis;
  let files: ReturnType<typeof writeClusterFiles>;
  let a: ServeProcess;
  let b: ServeProcess;
  let c: ServeProcess | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    files = writeClusterFiles();
    a = clusterNode(files, redis.url, "node-a", ["--snapshot-every", "1"]);
    b = clusterNode(files, redis.url, "node-b", ["--snapshot-every", "1"]);
    await a.start();
    await b.start();
  }, 300_000);

  afterEach(() => expectNoNodeTakenForDead([a, b, c]));

  afterAll(async () => {
    for (const n of [a, b, c]) await n?.stop("SIGKILL").catch(() => {});
    await redis?.stop();
    if (files) removeClusterFiles(files.dir);
  });

  // `since` of an agent never signed in is when that node started (each builds its agents at start); every other time is the log's.
  const agents = async (n: ServeProcess) =>
    (await n.api<Agent[]>("GET", "/api/agents")).body.map(({ id, state, reason, interactionId, offerId, since }) => ({ id, state, reason, interactionId, offerId, since: state === "LoggedOut" ? 0 : since }));
  const waiting = async (n: ServeProcess) => (await n.api<Array<{ id: string; queuedNow: number }>>("GET", "/api/queues")).body.find((q) => q.id === "Q-Test")?.queuedNow;
  const place = async (n: ServeProcess, ani: string) => {
    const res = await n.api<{ interactionId: string }>("POST", "/api/calls", { ani });
    expect(res.status).toBe(201);
    return res.body.interactionId;
  };

  it("trims the log below the snapshot, and a node joining then has the same agents, calls and queue, and takes the same decisions", async () => {
    // Some history: ana talks to a caller of B; carl has a call ringing; a caller waits; ben is signed in, Idle.
    expect((await a.api("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    const talking = await place(b, "+14805550301");
    const offer = await until("ana's offer", async () => {
      const d = (await a.api<{ offer?: { offerId: number; interactionId: string } }>("GET", "/api/agents/ana")).body;
      return d.offer?.interactionId === talking ? d.offer : undefined;
    });
    expect((await a.api("POST", "/api/agents/ana/accept", { offerId: offer.offerId })).status).toBe(200);
    expect((await b.api("POST", "/api/agents/carl/login", { available: true })).status).toBe(200);
    const ringing = await place(a, "+14805550302");
    await until("carl's offer", async () => ((await agents(b)).find((x) => x.id === "carl")?.interactionId === ringing ? true : undefined));
    const waits = await place(b, "+14805550303");
    expect((await b.api("POST", "/api/agents/ben/login")).status).toBe(200);
    await until("the caller waiting on both nodes", async () => ((await waiting(a)) === 1 && (await waiting(b)) === 1 ? true : undefined));

    // A snapshot is written and the log trimmed below it (and below both nodes' positions).
    const client = createClient({ url: redis.url });
    client.on("error", () => {});
    await client.connect();
    let entries = 0;
    try {
      // Nine changes so far (sign-ins, calls queued, offers accepted...): all but the last few are gone.
      const trimmed = await until("the log trimmed", async () => {
        const t = (await client.sendCommand(["GET", "ccflow:cluster:trimmed"])) as string | null;
        entries = (await client.sendCommand(["XLEN", "ccflow:cluster:log"])) as number;
        return t && entries < 5 ? t : undefined;
      });
      const [first] = (await client.sendCommand(["XRANGE", "ccflow:cluster:log", "-", "+", "COUNT", "1"])) as Array<[string, string[]]>;
      expect(first![0] >= trimmed).toBe(true);
      expect((await client.sendCommand(["EXISTS", "ccflow:cluster:snapshot"])) as number).toBe(1);
      console.log(`log trimmed to ${trimmed}: ${entries} entr${entries === 1 ? "y" : "ies"} left`);
    } finally {
      await client.quit().catch(() => {});
    }

    // Node C joins: from the snapshot, not from the log's first entry.
    c = clusterNode(files, redis.url, "node-c", ["--snapshot-every", "1"]);
    await c.start();
    expect(c.stdout).toMatch(/loaded the cluster's snapshot at log entry \d+-\d+/);
    expect(await agents(c)).toEqual(await agents(a));
    expect(await waiting(c)).toBe(1);
    const onC = (await c.api<{ agent: Agent; contact?: { interactionId: string } }>("GET", "/api/agents/ana")).body;
    expect(onC.agent.state).toBe("Engaged");
    expect(onC.contact?.interactionId).toBe(talking);

    // From here on C decides as the others: ben goes Available through C and gets the waiting caller, offer id and all.
    expect((await c.api("POST", "/api/agents/ben/state", { state: "Available" })).status).toBe(200);
    const benOffer = await until("ben's offer on C", async () => {
      const d = (await c!.api<{ offer?: { offerId: number; interactionId: string } }>("GET", "/api/agents/ben")).body;
      return d.offer?.interactionId === waits ? d.offer : undefined;
    });
    for (const n of [a, b]) await until("the same offer on A and B", async () => ((await agents(n)).find((x) => x.id === "ben")?.offerId === benOffer.offerId ? true : undefined));
    expect((await c.api("POST", "/api/agents/ben/accept", { offerId: benOffer.offerId })).status).toBe(200);
    // Carl's ringing offer, restored on C: C never saw its event, yet its desk describes it as A's does (A saw it ring).
    type DeskOffer = { offerId: number; interactionId: string; ani: string; queue: { id: string }; priority: number; offeredAt: number; ringTimeoutMs: number; via: string; callAssociatedData: unknown[] };
    const carlOnA = (await a.api<{ offer?: DeskOffer }>("GET", "/api/agents/carl")).body.offer;
    const carlOnC = (await c.api<{ offer?: DeskOffer }>("GET", "/api/agents/carl")).body.offer;
    expect(carlOnA?.interactionId).toBe(ringing);
    expect(carlOnC).toEqual(carlOnA);
    expect(carlOnC!.callAssociatedData).toEqual([expect.objectContaining({ name: "Tier", value: "Gold" })]);
    // It is accepted through C; and ana's call, of B, ends through C.
    const carl = (await agents(c)).find((x) => x.id === "carl")!;
    expect((await c.api("POST", "/api/agents/carl/accept", { offerId: carl.offerId })).status).toBe(200);
    expect((await c.api("POST", "/api/agents/ana/end")).status).toBe(200);
    await until("ana's call on B to end", async () => ((await b.api<{ state: string }>("GET", `/api/calls/${talking}`)).body.state === "ended" ? true : undefined));
    await until("every node agreeing", async () => {
      const [x, y, z] = await Promise.all([agents(a), agents(b), agents(c!)]);
      return JSON.stringify(x) === JSON.stringify(y) && JSON.stringify(y) === JSON.stringify(z) ? true : undefined;
    });
    const final = await agents(c);
    expect(final.find((x) => x.id === "ana")?.state).toBe("WrapUp");
    expect(final.find((x) => x.id === "ben")).toMatchObject({ state: "Engaged", interactionId: waits });
    expect(final.find((x) => x.id === "carl")).toMatchObject({ state: "Engaged", interactionId: ringing });
  });
});
