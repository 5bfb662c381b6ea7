/**
 * Ten agents and two hundred callers, all through the API: agents follow their sockets and
 * accept, talk briefly, end and wrap up over REST; callers dial, press 1 and wait, and some hang
 * up early. Every caller must end answered or cleanly disconnected, nobody may be left waiting,
 * and every offer and answer the agents saw must match what the callers' traces say.
 *
 * It checks accounting, not speed: no wait is bounded by the clock, only by progress (a count of
 * calls or agents that stops going down for a minute fails it), so a busy machine slows it down
 * without failing it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { supportFlow } from "./fixtures.js";
import { startTestServer, type TestServer, type TestSocket } from "./helpers.js";

const AGENTS = 10;
const CALLERS = 200;

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({
    // Two hundred calls placed at once on a busy two-core machine can take longer than the menu's
    // usual 10 s to reach their first key press; what this test checks is the accounting.
    flows: [{ id: "support", definition: supportFlow({ menuTimeoutSeconds: 300 }) }],
    environment: {
      queues: [{ id: "Q-Test", name: "Test Queue" }],
      agents: Array.from({ length: AGENTS }, (_, i) => ({ id: `a${i + 1}`, name: `Agent ${i + 1}`, queues: ["Q-Test"] })),
      // Likewise an offer may wait seconds for its agent's accept; RONA is not what this checks.
      center: { ringTimeoutSeconds: 600 },
    },
  });
});

afterAll(async () => {
  await t?.close();
});

interface AgentTally {
  offers: Set<string>;
  accepted: Set<string>;
  answered: Set<string>;
  cancelled: Set<string>;
  ended: Set<string>;
  stale: number;
  errors: string[];
}

/**
 * Waits until `remaining()` is 0, for as long as it keeps going down: a busy machine makes the
 * calls slower, not stuck, so only a count that stops moving for `stallMs` fails the wait.
 */
async function drained(remaining: () => Promise<number>, what: string, stallMs = 60_000): Promise<void> {
  let last = Number.POSITIVE_INFINITY;
  let movedAt = Date.now();
  for (;;) {
    const left = await remaining();
    if (left === 0) return;
    if (left < last) {
      last = left;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) throw new Error(`${what}: ${left} left, no progress for ${stallMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function runAgent(id: string, socket: TestSocket, tally: AgentTally, stop: { done: boolean }): Promise<void> {
  // Each socket message is handled in order; REST calls follow what the socket said.
  let seen = 0;
  while (!stop.done) {
    if (seen >= socket.messages.length) {
      await new Promise((r) => setTimeout(r, 2));
      continue;
    }
    const m = socket.messages[seen++];
    if (m.type !== "event") continue;
    const e = m.event;
    if (e.type === "offer") {
      tally.offers.add(e.interactionId);
      const r = await t.call("POST", `/api/agents/${id}/accept`, { offerId: e.offerId });
      if (r.status === 200) tally.accepted.add(e.interactionId);
      else if (r.body?.error?.code === "STALE_OFFER" || r.body?.error?.code === "INVALID_STATE") tally.stale++;
      else tally.errors.push(`accept ${r.status} ${JSON.stringify(r.body)}`);
    } else if (e.type === "offer-cancelled") {
      tally.cancelled.add(e.interactionId);
    } else if (e.type === "answered") {
      tally.answered.add(e.interactionId);
      await new Promise((r) => setTimeout(r, 2 + Math.floor(Math.random() * 10)));
      const r = await t.call("POST", `/api/agents/${id}/end`);
      if (r.status !== 200 && r.body?.error?.code !== "INVALID_STATE") tally.errors.push(`end ${r.status} ${JSON.stringify(r.body)}`);
    } else if (e.type === "ended") {
      tally.ended.add(e.interactionId);
      const r = await t.call("POST", `/api/agents/${id}/wrapup`, { state: "Available" });
      if (r.status !== 200) tally.errors.push(`wrapup ${r.status} ${JSON.stringify(r.body)}`);
    }
  }
}

describe("ten agents, two hundred callers, through the API", () => {
  it("ends every caller answered or cleanly disconnected, with every offer and answer accounted for", async () => {
    const tallies = new Map<string, AgentTally>();
    const stop = { done: false };
    const runners: Promise<void>[] = [];
    for (let i = 1; i <= AGENTS; i++) {
      const id = `a${i}`;
      const tally: AgentTally = { offers: new Set(), accepted: new Set(), answered: new Set(), cancelled: new Set(), ended: new Set(), stale: 0, errors: [] };
      tallies.set(id, tally);
      const socket = await t.socket(`/api/agents/${id}/ws`);
      await t.call("POST", `/api/agents/${id}/login`, { available: true });
      runners.push(runAgent(id, socket, tally, stop));
    }

    const hangUpEarly = new Set<string>();
    const placed = await Promise.all(
      Array.from({ length: CALLERS }, async (_, i) => {
        const r = await t.call("POST", "/api/calls", { ani: `+1480555${String(1000 + i)}`, flow: "support" });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        const id: string = r.body.interactionId;
        const keys = await t.call("POST", `/api/calls/${id}/digits`, { digits: "1" });
        expect(keys.status, JSON.stringify(keys.body)).toBe(202);
        if (i % 8 === 0) {
          hangUpEarly.add(id);
          await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
          await t.call("POST", `/api/calls/${id}/hangup`);
        }
        return id;
      }),
    );
    expect(new Set(placed).size).toBe(CALLERS);

    await drained(async () => (await t.call("GET", "/api/contacts?state=active")).body.length, "every call to end");
    // Let the agents finish their last wrap-ups before stopping them.
    await drained(async () => (await t.call("GET", "/api/agents")).body.filter((a: { state: string }) => a.state !== "Available").length, "every agent to be Available again");
    stop.done = true;
    await Promise.all(runners);

    const contacts = (await t.call("GET", "/api/contacts?state=ended")).body as Array<{ interactionId: string; endReason: string }>;
    expect(contacts).toHaveLength(CALLERS);
    const traces = await Promise.all(placed.map(async (id) => (await t.call("GET", `/api/contacts/${id}`)).body));

    const answeredByTrace = new Set<string>();
    const offeredByTrace = new Map<string, number>();
    for (const trace of traces) {
      const id = trace.contact.interactionId;
      const types: string[] = trace.events.map((e: { type: string }) => e.type);
      expect(types.at(-1), `call ${id} ends with an ended event`).toBe("ended");
      const answered = types.includes("answered");
      if (answered) answeredByTrace.add(id);
      offeredByTrace.set(id, types.filter((x) => x === "offered").length);
      // Answered and ended by the agent, or the caller hung up: nothing else.
      if (answered) expect(["agent-ended", "caller-hangup"]).toContain(trace.contact.endReason);
      else expect(trace.contact.endReason, `call ${id} was never answered, so the caller hung up`).toBe("caller-hangup");
      if (trace.contact.endReason === "caller-hangup") expect(hangUpEarly.has(id)).toBe(true);
    }

    const all = [...tallies.values()];
    const union = (pick: (x: AgentTally) => Set<string>) => new Set(all.flatMap((x) => [...pick(x)]));
    expect(all.flatMap((x) => x.errors)).toEqual([]);
    // Every answer a caller heard is an answer an agent saw, and the other way round.
    expect([...union((x) => x.answered)].sort()).toEqual([...answeredByTrace].sort());
    expect([...union((x) => x.accepted)].sort()).toEqual([...answeredByTrace].sort());
    // Each contact answered once, by one agent.
    expect(all.reduce((n, x) => n + x.answered.size, 0)).toBe(answeredByTrace.size);
    // Offers the agents saw are the offers in the traces; each either answered or withdrawn.
    const offersSeen = all.reduce((n, x) => n + x.offers.size, 0);
    expect(offersSeen).toBe([...offeredByTrace.values()].reduce((a, b) => a + b, 0));
    for (const x of all) for (const id of x.offers) expect(x.accepted.has(id) || x.cancelled.has(id), `offer of ${id}`).toBe(true);
    // Everyone who did not hang up early was answered.
    for (const id of placed) if (!hangUpEarly.has(id)) expect(answeredByTrace.has(id), `caller ${id} was answered`).toBe(true);
    expect(answeredByTrace.size).toBeGreaterThanOrEqual(CALLERS - hangUpEarly.size);

    const queues = (await t.call("GET", "/api/queues")).body;
    expect(queues.find((q: { id: string }) => q.id === "Q-Test")).toMatchObject({ queuedNow: 0, waiting: [], ringing: [], connected: [] });
    // Work was spread over the agents (longest available first).
    expect(all.filter((x) => x.answered.size > 0).length).toBe(AGENTS);
    // No time limit of its own beyond the stall checks above: on a loaded machine the same work takes longer.
  }, 1_800_000);
});
