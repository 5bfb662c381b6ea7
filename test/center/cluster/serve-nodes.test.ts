/**
 * Three `ccflow serve` nodes sharing one contact center through a real Redis: an agent signed in
 * on one node is offered a caller whose call runs on another, with that call's screen pop; a
 * caller's number changed on its node reaches every node's queue and the agent's desk; many
 * callers at once across the nodes for one agent give one offer at a time; three accepts of one
 * offer give one winner; while Redis is down the API answers 503 and it recovers by itself; a
 * node killed with SIGKILL loses its calls (`node-lost`) and nothing else.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { redisAvailable, startRedis, type TestRedis } from "../../helpers/redis.js";
import type { ServeProcess } from "../../reliability/helpers/serve-process.js";
import { TestSocket } from "../../server/helpers.js";
import { clusterNode, expectNoNodeTakenForDead, removeClusterFiles, until, writeClusterFiles } from "./helpers/cluster.js";

const available = redisAvailable();
const LEASE_S = 2.5;
if (!available) console.warn("[skip] test/center/cluster: /usr/bin/redis-server is absent (apt-get install redis-server)");

interface Desk {
  agent: { id: string; state: string; reason?: string; offerId?: number; interactionId?: string };
  offer?: { offerId: number; interactionId: string; ani: string };
  contact?: { interactionId: string; state: string; endedReason?: string; screenPops: Array<{ url: string; agentId: string }> };
}
interface Call {
  interactionId: string;
  state: string;
  endReason?: string;
}

describe.skipIf(!available)("ccflow serve --redis --node-id: three nodes, one contact center", { timeout: 240_000 }, () => {
  let redis: TestRedis;
  let files: ReturnType<typeof writeClusterFiles>;
  let a: ServeProcess;
  let b: ServeProcess;
  let c: ServeProcess;
  const nodes = () => [a, b, c];

  beforeAll(async () => {
    redis = await startRedis();
    files = writeClusterFiles();
    // A lease short enough that a killed node is reaped well within the 5 s, long enough for a loaded machine.
    a = clusterNode(files, redis.url, "node-a", [], LEASE_S);
    b = clusterNode(files, redis.url, "node-b", [], LEASE_S);
    c = clusterNode(files, redis.url, "node-c", [], LEASE_S);
    // One after another: three starts at once on a loaded machine each take longer than all three in turn.
    for (const n of nodes()) await n.start();
  }, 300_000);

  afterEach(() => expectNoNodeTakenForDead(nodes()));

  afterAll(async () => {
    for (const n of [a, b, c]) await n?.stop("SIGKILL").catch(() => {});
    await redis?.stop();
    if (files) removeClusterFiles(files.dir);
  });

  const desk = async (node: ServeProcess, agent: string) => (await node.api<Desk>("GET", `/api/agents/${agent}`)).body;
  const place = async (node: ServeProcess, ani: string) => {
    const res = await node.api<Call>("POST", "/api/calls", { ani });
    expect(res.status).toBe(201);
    return res.body.interactionId;
  };

  it("offers a caller whose call runs on node B to an agent signed in on node A, with the call's screen pop", async () => {
    expect((await a.api("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    const id = await place(b, "+14805550101");
    const offered = await until("ana's offer on node A", async () => {
      const d = await desk(a, "ana");
      return d.offer?.interactionId === id ? d : undefined;
    });
    expect(offered.agent.state).toBe("Reserved");
    expect(offered.offer!.ani).toBe("+14805550101");
    // Node C, where neither the call nor the agent is, sees the same.
    await until("node C's view of ana", async () => ((await desk(c, "ana")).agent.state === "Reserved" ? true : undefined));

    const accepted = await a.api<Desk>("POST", "/api/agents/ana/accept", { offerId: offered.offer!.offerId });
    expect(accepted.status).toBe(200);
    expect(accepted.body.agent.state).toBe("Engaged");
    // The flow on node B heard `answered` and ran its screen pop; the pop reaches ana's desk on node A.
    const popped = await until("the screen pop on ana's desk", async () => {
      const d = await desk(a, "ana");
      return d.contact?.screenPops.length ? d : undefined;
    });
    expect(popped.contact!.interactionId).toBe(id);
    expect(popped.contact!.screenPops[0]!.url).toContain("crm.example.com");
    expect(popped.contact!.screenPops[0]!.url).toContain("14805550101");

    expect((await a.api("POST", "/api/agents/ana/end")).status).toBe(200);
    const ended = await until("the call on node B to end", async () => {
      const call = (await b.api<Call>("GET", `/api/calls/${id}`)).body;
      return call.state === "ended" ? call : undefined;
    });
    expect(ended.endReason).toBe("agent-ended");
    expect((await desk(a, "ana")).agent.state).toBe("WrapUp");
    expect((await a.api("POST", "/api/agents/ana/logout")).status).toBe(200);
  });

  it("carries a caller's new number (AniUpdated on the call's node B) to the queue on every node and to the agent's desk on node A", async () => {
    type Queue = { id: string; waiting: Array<{ interactionId: string; ani: string }>; ringing: Array<{ interactionId: string; ani: string }> };
    const queueOn = async (n: ServeProcess) => (await n.api<Queue[]>("GET", "/api/queues")).body.find((q) => q.id === "Q-Test")!;
    const id = await place(b, "+14805550111");
    await until("the caller waiting on every node", async () => ((await Promise.all(nodes().map(queueOn))).every((q) => q.waiting.some((w) => w.interactionId === id)) ? true : undefined));

    // Waiting: every node's queue (what a supervisor on any node reads) takes the new number.
    expect((await b.api("POST", `/api/calls/${id}/ani`, { ani: "+14085550147" })).status).toBe(200);
    for (const n of nodes()) {
      await until(`the new number in the queue on ${n === a ? "A" : n === b ? "B" : "C"}`, async () => ((await queueOn(n)).waiting.find((w) => w.interactionId === id)?.ani === "+14085550147" ? true : undefined));
    }

    // Ringing at ana, whose desktop is on A: her offer shows it, and a second change reaches her socket as contact-updated.
    const onA = await TestSocket.open(`${a.url.replace(/^http/, "ws")}/api/agents/ana/ws`, { authorization: `Bearer ${await a.token()}` });
    await onA.next((m) => m.type === "desk", "ana's first desk");
    expect((await a.api("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    const offer = (await onA.next((m) => m.type === "event" && m.event.type === "offer", "the offer")).event as { offerId: number; ani: string; interactionId: string };
    expect(offer).toMatchObject({ interactionId: id, ani: "+14085550147" });
    expect((await b.api("POST", `/api/calls/${id}/ani`, { ani: "+14085550148" })).status).toBe(200);
    const updated = (await onA.next((m) => m.type === "event" && m.event.type === "contact-updated", "contact-updated on A")).event;
    expect(updated).toMatchObject({ agentId: "ana", interactionId: id, ani: "+14085550148", previousAni: "+14085550147" });
    onA.close();
    for (const n of nodes()) {
      await until("the ringing offer with the new number on every node", async () => ((await desk(n, "ana")).offer?.ani === "+14085550148" && (await queueOn(n)).ringing.find((r) => r.interactionId === id)?.ani === "+14085550148" ? true : undefined));
    }

    expect((await a.api("POST", "/api/agents/ana/decline", { offerId: offer.offerId })).status).toBe(200);
    expect((await b.api("POST", `/api/calls/${id}/hangup`)).status).toBe(200);
    expect((await a.api("POST", "/api/agents/ana/logout")).status).toBe(200);
  });

  it("gives one agent one offer at a time while 50 callers arrive at once across the three nodes", async () => {
    expect((await a.api("POST", "/api/agents/ben/login", { available: true })).status).toBe(200);
    const placed = await Promise.all(Array.from({ length: 50 }, (_, i) => place(nodes()[i % 3]!, `+1480555${String(1000 + i)}`).then((id) => ({ id, node: nodes()[i % 3]! }))));
    const offeredNow = async () => {
      // Each node lists the calls it runs, with their state in the center; together they are all 50.
      const lists = await Promise.all(nodes().map((n) => n.api<Array<{ interactionId: string; centerState?: string }>>("GET", "/api/contacts?state=active")));
      const all = lists.flatMap((l) => l.body);
      return { offered: all.filter((x) => x.centerState === "offered").map((x) => x.interactionId), queued: all.filter((x) => x.centerState === "queued").length };
    };
    for (let round = 0; round < 3; round++) {
      const ringing = await until(`offer ${round + 1} ringing at ben`, async () => {
        const d = await desk(a, "ben");
        const now = await offeredNow();
        return d.offer && now.offered.length === 1 && now.queued === 49 - round ? { desk: d, now } : undefined;
      });
      expect(ringing.now.offered).toEqual([ringing.desk.offer!.interactionId]);
      // Every node agrees on who rings where.
      for (const n of nodes()) await until("the same offer on every node", async () => ((await desk(n, "ben")).agent.interactionId === ringing.desk.offer!.interactionId ? true : undefined));
      expect((await a.api("POST", "/api/agents/ben/accept", { offerId: ringing.desk.offer!.offerId })).status).toBe(200);
      expect((await offeredNow()).offered).toEqual([]);
      expect((await a.api("POST", "/api/agents/ben/end")).status).toBe(200);
      expect((await a.api("POST", "/api/agents/ben/wrapup", { state: "Available" })).status).toBe(200);
    }
    await until("the fourth offer", async () => ((await offeredNow()).offered.length === 1 ? true : undefined));
    expect((await a.api("POST", "/api/agents/ben/logout")).status).toBe(200);
    for (const { id, node } of placed) await node.api("POST", `/api/calls/${id}/hangup`);
    await until("no caller left waiting on any node", async () => {
      const queues = await Promise.all(nodes().map((n) => n.api<Array<{ id: string; queuedNow: number }>>("GET", "/api/queues")));
      return queues.every((q) => q.body.find((x) => x.id === "Q-Test")?.queuedNow === 0) ? true : undefined;
    });
  });

  it("lets one of three simultaneous accepts of one offer, sent through three nodes, win", async () => {
    expect((await a.api("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    const id = await place(b, "+14805550199");
    const offer = await until("ana's offer", async () => {
      const d = await desk(a, "ana");
      return d.offer?.interactionId === id ? d.offer : undefined;
    });
    for (const n of nodes()) await until("the offer on every node", async () => ((await desk(n, "ana")).agent.state === "Reserved" ? true : undefined));
    const answers = await Promise.all(nodes().map((n) => n.api<{ error?: { code: string } }>("POST", "/api/agents/ana/accept", { offerId: offer.offerId })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    for (const n of nodes()) await until("ana Engaged on every node", async () => ((await desk(n, "ana")).agent.state === "Engaged" ? true : undefined));
    expect((await a.api("POST", "/api/agents/ana/end")).status).toBe(200);
    expect((await a.api("POST", "/api/agents/ana/logout")).status).toBe(200);
  });

  it("lets the desk's call controls, keys and hang-up act on a call of node B through any node, with the call's node's answers", async () => {
    expect((await a.api("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    const id = await place(b, "+14805550111");
    const offer = await until("ana's offer", async () => {
      const d = await desk(a, "ana");
      return d.offer?.interactionId === id ? d.offer : undefined;
    });
    expect((await a.api("POST", "/api/agents/ana/accept", { offerId: offer.offerId })).status).toBe(200);

    // Hold through ana's node A: done on B, where the call and its music are; B's answer comes back.
    const held = await a.api<Desk & { contact: { controls?: { held: boolean } } }>("POST", "/api/agents/ana/hold");
    expect(held.status).toBe(200);
    expect(held.body.contact.controls?.held).toBe(true);
    // B shares the call's hold state through the log: A's own view of ana's desk (her desktop's) shows it too.
    await until("the call held on ana's desk as node A shows it", async () => ((await a.api<{ contact?: { controls?: { held: boolean } } }>("GET", "/api/agents/ana")).body.contact?.controls?.held === true ? true : undefined));
    // B's refusal is the answer, not a misleading one of A's.
    const again = await a.api<{ error: { code: string } }>("POST", "/api/agents/ana/hold");
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("ALREADY_HELD");
    // Through node C (neither the agent's nor the call's): resume.
    const resumed = await c.api<Desk & { contact: { controls?: { held: boolean } } }>("POST", "/api/agents/ana/resume");
    expect(resumed.status).toBe(200);
    expect(resumed.body.contact.controls?.held).toBe(false);
    await until("the call resumed as node A shows it", async () => ((await a.api<{ contact?: { controls?: { held: boolean } } }>("GET", "/api/agents/ana")).body.contact?.controls?.held === false ? true : undefined));
    // The call read and keys pressed through C.
    const state = await c.api<Call & { centerState?: string }>("GET", `/api/calls/${id}`);
    expect(state.status).toBe(200);
    expect(state.body.centerState).toBe("engaged");
    const keys = await c.api<{ accepted: number }>("POST", `/api/calls/${id}/digits`, { digits: "12" });
    expect(keys.status).toBe(202);
    expect(keys.body.accepted).toBe(2);

    // Consult ben (signed in on C) and hand him the caller, all through A.
    expect((await c.api("POST", "/api/agents/ben/login", { available: true })).status).toBe(200);
    await until("ben Available on node A", async () => ((await desk(a, "ben")).agent.state === "Available" ? true : undefined));
    const consulting = await a.api<Desk & { consult?: { role: string; with: { id: string } } }>("POST", "/api/agents/ana/consult", { agent: "ben" });
    expect(consulting.status).toBe(200);
    expect(consulting.body.consult).toMatchObject({ role: "asking", with: { id: "ben" } });
    await until("ben consulted, seen on C", async () => ((await c.api<{ consult?: { role: string } }>("GET", "/api/agents/ben")).body.consult?.role === "consulted" ? true : undefined));
    const handed = await a.api<Desk>("POST", "/api/agents/ana/consult/transfer");
    expect(handed.status).toBe(200);
    expect(handed.body.agent.state).toBe("WrapUp");
    await until("ben on the call", async () => {
      const d = await desk(c, "ben");
      return d.agent.state === "Engaged" && d.agent.interactionId === id ? true : undefined;
    });
    // A transfer the center refuses when it applies it answers with the refusal: carl is not signed in.
    const refused = await c.api<{ error: { code: string; message: string } }>("POST", "/api/agents/ben/transfer", { agent: "carl" });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: "AGENT_NOT_AVAILABLE", message: expect.stringMatching(/signed out/) });

    // The caller hangs up through node A: the call on B ends.
    const hung = await a.api<{ hungUp: boolean }>("POST", `/api/calls/${id}/hangup`);
    expect(hung.status).toBe(200);
    expect(hung.body.hungUp).toBe(true);
    await until("the call on B to end", async () => ((await b.api<Call>("GET", `/api/calls/${id}`)).body.state === "ended" ? true : undefined));
    await until("ben in wrap-up", async () => ((await desk(c, "ben")).agent.state === "WrapUp" ? true : undefined));
    for (const [n, agent] of [[a, "ana"], [c, "ben"]] as const) {
      expect((await n.api("POST", `/api/agents/${agent}/wrapup`, { state: "Available" })).status).toBe(200);
      expect((await n.api("POST", `/api/agents/${agent}/logout`)).status).toBe(200);
    }
  });

  it("lets a desktop that reconnects to another node with the last event id it saw get the events it missed, then its desk", async () => {
    const open = async (n: ServeProcess, query = "") => TestSocket.open(`${n.url.replace(/^http/, "ws")}/api/agents/ana/ws${query}`, { authorization: `Bearer ${await n.token()}` });
    const onA = await open(a);
    expect((await a.api("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    const seen = await onA.next((m) => m.type === "desk" && m.desk.agent.state === "Available", "ana Available on her desk");
    const last = seen.lastEventId as string;
    expect(last).toMatch(/^\d+-\d+\.\d+$/);
    onA.close();

    // While her desktop is away a caller (on B) rings at her.
    const id = await place(b, "+14805550121");
    await until("ana's offer", async () => ((await desk(a, "ana")).offer?.interactionId === id ? true : undefined));

    // She comes back through node C: the missed events first, with the ids node A gives them too, then the desk.
    const onC = await open(c, `?after=${encodeURIComponent(last)}`);
    const back = await onC.next((m) => m.type === "desk", "the desk after the missed events");
    expect(back.resumed).toBe(true);
    const missed = onC.messages.slice(0, onC.messages.indexOf(back));
    expect(missed.map((m) => m.event.type)).toEqual(expect.arrayContaining(["agent-state", "offer"]));
    expect(missed.find((m) => m.event.type === "offer")!.event.interactionId).toBe(id);
    expect(back.desk.offer.interactionId).toBe(id);
    const again = await open(a, `?after=${encodeURIComponent(last)}`);
    const backOnA = await again.next((m) => m.type === "desk", "the desk on A");
    expect(again.messages.slice(0, again.messages.indexOf(backOnA)).map((m) => m.id)).toEqual(missed.map((m) => m.id));
    // An id the node does not hold: the desk alone, saying so.
    const lost = await open(c, "?after=1-0.1");
    expect((await lost.next((m) => m.type === "desk", "the desk")).resumed).toBe(false);
    for (const sock of [onC, again, lost]) sock.close();

    expect((await a.api("POST", "/api/agents/ana/decline", { offerId: back.desk.offer.offerId })).status).toBe(200);
    expect((await b.api("POST", `/api/calls/${id}/hangup`)).status).toBe(200);
    expect((await a.api("POST", "/api/agents/ana/logout")).status).toBe(200);
  });

  it("answers 503 with a clear message while Redis is down, and recovers by itself with the state it had (append-only file)", async () => {
    expect((await b.api("POST", "/api/agents/ben/login")).status).toBe(200);
    const waiting = await place(c, "+14805550177");
    await until("the caller waiting on every node", async () => {
      const queues = await Promise.all(nodes().map((n) => n.api<Array<{ id: string; queuedNow: number }>>("GET", "/api/queues")));
      return queues.every((q) => q.body.find((x) => x.id === "Q-Test")?.queuedNow === 1) ? true : undefined;
    });
    await redis.halt();
    for (const n of nodes()) {
      const refused = await until("a 503 during the outage", async () => {
        const res = await n.api<{ error: { code: string; message: string } }>("GET", "/api/agents");
        return res.status === 503 ? res.body : undefined;
      });
      expect(refused.error.code).toBe("CENTER_UNAVAILABLE");
      expect(refused.error.message).toMatch(/Redis\) is not reachable right now; try again shortly/);
    }
    await redis.resume();
    for (const n of nodes()) await until("the API back after the outage", async () => ((await n.api("GET", "/api/agents")).status === 200 ? true : undefined));
    // What Redis acknowledged survived: ben signed in (Idle), the caller waiting.
    expect((await desk(a, "ben")).agent.state).toBe("Idle");
    const ben = await b.api<Desk>("POST", "/api/agents/ben/state", { state: "Available" });
    expect(ben.status).toBe(200);
    const offered = await until("the waiting caller offered to ben after the outage", async () => {
      const d = await desk(b, "ben");
      return d.offer?.interactionId === waiting ? d.offer : undefined;
    });
    expect((await b.api("POST", "/api/agents/ben/accept", { offerId: offered.offerId })).status).toBe(200);
    expect((await b.api("POST", "/api/agents/ben/end")).status).toBe(200);
    expect((await b.api("POST", "/api/agents/ben/logout")).status).toBe(200);
  });

  it("refuses to start a node whose environment differs from the running nodes'", async () => {
    const other = writeClusterFiles({ extraAgent: "zed" });
    const d = clusterNode(other, redis.url, "node-d");
    try {
      await expect(d.start()).rejects.toThrow(/node node-d: its queues, agents or center settings differ from those of the nodes already running/);
    } finally {
      await d.stop("SIGKILL").catch(() => {});
      removeClusterFiles(other.dir);
    }
  });

  it("ends a killed node's calls with node-lost, wraps up and signs out its agents, re-queues its offer; the other nodes' calls go on", async () => {
    // Each agent takes one call: sign in, one call, accept, in turn, so who gets what is known.
    const engage = async (agent: string, agentNode: ServeProcess, callNode: ServeProcess, ani: string) => {
      expect((await agentNode.api("POST", `/api/agents/${agent}/login`, { available: true })).status).toBe(200);
      const id = await place(callNode, ani);
      const offer = await until(`${agent}'s offer`, async () => {
        const d = await desk(agentNode, agent);
        return d.offer?.interactionId === id ? d.offer : undefined;
      });
      expect((await agentNode.api("POST", `/api/agents/${agent}/accept`, { offerId: offer.offerId })).status).toBe(200);
      return id;
    };
    const x = await engage("carl", c, a, "+14805550201"); // agent on C, call on A
    const y = await engage("dora", b, c, "+14805550202"); // agent on B, call on C
    const z = await engage("eve", a, b, "+14805550203"); // agent on A, call on B: untouched
    expect((await c.api("POST", "/api/agents/ben/login", { available: true })).status).toBe(200);
    const v = await place(b, "+14805550204"); // rings at ben, whose desktop is on C
    await until("ben's offer", async () => ((await desk(a, "ben")).agent.interactionId === v ? true : undefined));
    const w = await place(c, "+14805550205"); // waits in the queue, its call on C
    await until("the caller on C waiting", async () => ((await a.api<Array<{ id: string; queuedNow: number }>>("GET", "/api/queues")).body.find((q) => q.id === "Q-Test")?.queuedNow === 1 ? true : undefined));

    const killed = Date.now();
    await c.stop("SIGKILL");
    // Holding the call that ran on C, through dora's node B: a 503 naming the lost node, not a misleading 409.
    const hold = await b.api<{ error: { code: string; message: string } }>("POST", "/api/agents/dora/hold");
    expect(hold.status).toBe(503);
    expect(hold.body.error.code).toBe("CALL_NODE_UNREACHABLE");
    expect(hold.body.error.message).toMatch(/node node-c/);
    // Its call with dora (on B) ended node-lost; dora is in WrapUp with it.
    const dora = await until("dora's call from node C to end node-lost", async () => {
      const d = await desk(b, "dora");
      return d.contact?.interactionId === y && d.contact.endedReason === "node-lost" ? d : undefined;
    });
    const seconds = (Date.now() - killed) / 1000;
    console.log(`node C killed: its calls ended node-lost after ${seconds.toFixed(1)} s (lease ${LEASE_S} s)`);
    expect(dora.agent.state).toBe("WrapUp");
    // Its agents: carl (talking to a caller on A) went through WrapUp to LoggedOut; the caller on A heard the end.
    await until("carl signed out", async () => ((await desk(a, "carl")).agent.state === "LoggedOut" ? true : undefined));
    const xCall = await until("the call on A that carl had to end", async () => {
      const call = (await a.api<Call>("GET", `/api/calls/${x}`)).body;
      return call.state === "ended" ? call : undefined;
    });
    expect(xCall.endReason).toBe("agent-ended");
    // ben's ringing offer expired as RONA: the caller on B waits again, first in line; ben signed out.
    await until("ben signed out and the caller on B waiting again", async () => {
      const q = (await a.api<Array<{ id: string; queuedNow: number }>>("GET", "/api/queues")).body.find((q) => q.id === "Q-Test");
      return (await desk(a, "ben")).agent.state === "LoggedOut" && q?.queuedNow === 1 ? true : undefined;
    });
    // The caller that waited with its call on C is gone; the one on B is still waiting.
    const onB = (await b.api<Call & { centerState?: string }>("GET", `/api/calls/${v}`)).body;
    expect(onB.centerState).toBe("queued");
    void w;
    // The survivors' call goes on and ends normally.
    expect((await desk(a, "eve")).agent.state).toBe("Engaged");
    expect((await b.api<Call>("GET", `/api/calls/${z}`)).body.state).not.toBe("ended");
    expect((await a.api("POST", "/api/agents/eve/end")).status).toBe(200);
    const zCall = await until("eve's call on B to end", async () => {
      const call = (await b.api<Call>("GET", `/api/calls/${z}`)).body;
      return call.state === "ended" ? call : undefined;
    });
    expect(zCall.endReason).toBe("agent-ended");
    // The re-queued caller is not stuck: the next agent to become Available gets it.
    expect((await a.api("POST", "/api/agents/ana/login", { available: true })).status).toBe(200);
    await until("the re-queued caller offered to ana", async () => ((await desk(a, "ana")).offer?.interactionId === v ? true : undefined));
    for (const n of [a, b]) {
      const agents = (await n.api<Array<{ id: string; state: string }>>("GET", "/api/agents")).body;
      expect(agents.filter((g) => g.state === "Reserved").map((g) => g.id)).toEqual(["ana"]);
      expect((await n.api<Array<{ id: string; queuedNow: number }>>("GET", "/api/queues")).body.find((q) => q.id === "Q-Test")?.queuedNow).toBe(0);
    }
  });
});
