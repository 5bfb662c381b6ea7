/**
 * Priority routing with our example flow against the embedded CRM, through the API: a caller
 * whose newest open case is Low calls first, one whose case is High calls second; both wait in
 * Customer Care. When the agent goes Available, the High one is offered first.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FlowCatalog } from "../../src/server/flows.js";
import { repoRoot } from "../helpers/shared.js";
import { eventually, startTestServer, type TestServer } from "./helpers.js";

const exampleFlow = resolve(repoRoot, "examples/flows/Dynamics_Priority_Routing_Flow.json");
const QUEUE = "745fab6b-55e3-49f6-a60e-d06d408eda02";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({
    flows: await FlowCatalog.load([{ file: exampleFlow, source: "example" }]),
    crm: true,
    environment: {
      queues: [{ id: QUEUE, name: "Customer Care" }],
      agents: [{ id: "ana", name: "Ana Lima", email: "ana@example.com", queues: [QUEUE] }],
      center: { ringTimeoutSeconds: 60 },
      screenPop: { rewriteHosts: { "org734cd33d.crm.dynamics.com": "embedded-crm" } },
    },
  });
});

afterAll(async () => {
  await t?.close();
});

async function callAndQueue(ani: string): Promise<string> {
  const placed = await t.call("POST", "/api/calls", { ani });
  expect(placed.status).toBe(201);
  const id: string = placed.body.interactionId;
  // "Press 1 to speak with an agent about this case": typed ahead, it barges into the menu.
  await t.call("POST", `/api/calls/${id}/digits`, { digits: "1" });
  await eventually(async () => ((await t.call("GET", `/api/calls/${id}`)).body.state === "queued" ? true : undefined), `caller ${ani} to be queued`);
  return id;
}

describe.skipIf(!existsSync(exampleFlow))("priority routing with the example flow", () => {
  it("offers the caller with a High-priority case before an earlier caller with a Low one", async () => {
    const callers = t.server.context.demo.callers;
    const high = callers.find((c) => c.casePriority === "High" && !c.number.includes("14806754110"));
    const low = callers.find((c) => c.casePriority === "Low");
    expect(high, "the CRM demo data has a caller whose newest open case is High").toBeDefined();
    expect(low, "the CRM demo data has a caller whose newest open case is Low").toBeDefined();

    await t.call("POST", "/api/agents/ana/login");
    const agent = await t.socket("/api/agents/ana/ws");

    const lowId = await callAndQueue(low!.number);
    const highId = await callAndQueue(high!.number);

    const queue = (await t.call("GET", "/api/queues")).body.find((q: { id: string }) => q.id === QUEUE);
    expect(queue.waiting.map((w: { interactionId: string; priority: number; position: number }) => [w.interactionId, w.priority, w.position])).toEqual([
      [highId, 1, 1],
      [lowId, 9, 2],
    ]);
    const lowTrace = (await t.call("GET", `/api/contacts/${lowId}`)).body;
    expect(lowTrace.variables).toMatchObject({ CasePriority: 3, QueuePriority: 9, CustomerType: "Existing" });
    expect(lowTrace.events.filter((e: { type: string }) => e.type === "http").map((e: { status: number }) => e.status)).toEqual([200, 200]);

    await t.call("POST", "/api/agents/ana/state", { state: "Available" });
    const first = await agent.next((m) => m.type === "event" && m.event.type === "offer", "first offer").then((m) => m.event);
    expect(first.interactionId).toBe(highId);
    expect(first.priority).toBe(1);
    expect(first.callAssociatedData.find((c: { name: string }) => c.name === "ContactName").value).toBe(high!.name);

    await t.call("POST", "/api/agents/ana/accept", { offerId: first.offerId });
    await t.call("POST", "/api/agents/ana/end");
    await t.call("POST", "/api/agents/ana/wrapup", { state: "Available" });
    const second = await agent.next((m) => m.type === "event" && m.event.type === "offer" && m.event.offerId !== first.offerId, "second offer").then((m) => m.event);
    expect(second).toMatchObject({ interactionId: lowId, priority: 9 });
    await t.call("POST", "/api/agents/ana/accept", { offerId: second.offerId });
    await t.call("POST", "/api/agents/ana/end");
    await eventually(async () => ((await t.call("GET", "/api/contacts?state=active")).body.length === 0 ? true : undefined), "both calls to end");
  });
});
