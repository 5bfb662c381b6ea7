/**
 * A client reads each call event by its type: the OpenAPI document publishes `CallEvent` as one
 * schema per type (src/server/call-event-schemas.ts), and here the events of real calls — the
 * seed flow, our example flow and shared flows, unchanged, through a real server over HTTP and
 * WebSockets, from dial-in through an agent's answer, hold and wrap-up — are each held to them:
 * to the strict zod schema of their type (a field the engine emits that the schema lacks fails,
 * and so does an event type without a schema), and to the served document's `CallEvent` (Ajv).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALL_EVENT_TYPES, exactCallEvent } from "../../src/server/call-event-schemas.js";
import { describeIssues } from "../../src/server/schemas.js";
import { FlowCatalog, type FlowFileSpec } from "../../src/server/flows.js";
import { hasShared, repoRoot, seedFlowPath, sharedDir } from "../helpers/shared.js";
import { eventually, startTestServer, type Loose, type TestServer } from "./helpers.js";

const QUEUE = "745fab6b-55e3-49f6-a60e-d06d408eda02";
const exampleFlow = resolve(repoRoot, "examples/flows/Dynamics_Priority_Routing_Flow.json");
/** Shared flows that end on their own within seconds, each reaching activities the others do not. */
const SHARED = ["PercentageAllocation_Template.json", "Recording_Template.json"];

const flows: FlowFileSpec[] = [
  { file: exampleFlow, source: "example", id: "example" },
  ...(hasShared ? [{ file: seedFlowPath, source: "seed" as const, id: "seed" }] : []),
  ...(hasShared ? SHARED.map((f) => ({ file: resolve(sharedDir, "flows", f), source: "file" as const, id: f.replace(/\.json$/, "") })).filter((f) => existsSync(f.file)) : []),
];

let t: TestServer;
let doc: Loose;

beforeAll(async () => {
  t = await startTestServer({
    flows: await FlowCatalog.load(flows),
    crm: true,
    msPerChar: 0,
    extra: { audioFileMs: 5 },
    environment: {
      queues: [{ id: QUEUE, name: "Customer Care" }],
      agents: [{ id: "ana", name: "Ana Lima", email: "ana.lima@ccflow.local", queues: ["*"] }],
      center: { ringTimeoutSeconds: 120 },
      screenPop: { rewriteHosts: { "org734cd33d.crm.dynamics.com": "embedded-crm" } },
    },
  });
  doc = (await fetch(`${t.url}/api/openapi.json`).then((r) => r.json())) as Loose;
}, 60_000);

afterAll(async () => {
  await t?.close();
});

/** Events gathered from every call: from the caller's socket and from the stored trace. */
const gathered: Array<{ flow: string; via: string; event: Loose }> = [];

/**
 * One call, driven as a person would: keys whenever the flow waits for them, and when it queues,
 * the agent answers, holds, resumes, ends and wraps up.
 */
async function callThrough(flow: string, ani: string): Promise<void> {
  const placed = await t.call("POST", "/api/calls", { ani, flow });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const id: string = placed.body.interactionId;
  const caller = await t.socket(`/api/calls/${id}/ws?observe=0`);
  await t.call("POST", "/api/agents/ana/login");
  await t.call("POST", "/api/agents/ana/state", { state: "Available" });
  let answered = false;
  let declined = false;
  await eventually(
    async () => {
      const call = (await t.call("GET", `/api/calls/${id}`)).body;
      if (call.state === "ended") return "ended";
      const collecting = caller.messages.filter((m) => m.type === "collect").length;
      const given = caller.messages.filter((m) => m.type === "collect-end").length;
      if (collecting > given) await t.call("POST", `/api/calls/${id}/digits`, { digits: "1" });
      const desk = (await t.call("GET", "/api/agents/ana")).body;
      if (desk.offer?.interactionId === id) {
        // The first offer of the example flow's call is declined (requeued), the next accepted.
        if (flow === "example" && !declined) {
          declined = true;
          await t.call("POST", "/api/agents/ana/decline", { offerId: desk.offer.offerId });
          await t.call("POST", "/api/agents/ana/state", { state: "Available" });
        } else await t.call("POST", "/api/agents/ana/accept", { offerId: desk.offer.offerId });
      }
      if (!answered && desk.contact?.interactionId === id && desk.agent.state === "Engaged") {
        answered = true;
        await t.call("POST", "/api/agents/ana/hold");
        await t.call("POST", "/api/agents/ana/resume");
        await t.call("POST", "/api/agents/ana/end");
      }
      if (desk.agent.state === "WrapUp") await t.call("POST", "/api/agents/ana/wrapup", { state: "Idle", reason: "Lunch" });
      return undefined;
    },
    `${flow}'s call to end`,
    60_000,
  ).catch(async (err: Error) => {
    await t.call("POST", `/api/calls/${id}/hangup`);
    throw err;
  });
  await eventually(async () => caller.messages.some((m) => m.type === "ended") || undefined, `${flow}: the caller socket's ended`);
  const trace = (await t.call("GET", `/api/contacts/${id}`)).body;
  for (const event of trace.events) gathered.push({ flow, via: "GET /api/contacts/{id}", event });
  for (const m of caller.messages) {
    if (m.type === "event") gathered.push({ flow, via: "caller socket event", event: m.event });
    if (m.type === "hello") for (const event of m.events) gathered.push({ flow, via: "caller socket hello", event });
  }
  const desk = (await t.call("GET", "/api/agents/ana")).body;
  if (desk.agent.state === "WrapUp") await t.call("POST", "/api/agents/ana/wrapup", { state: "Idle", reason: "Lunch" });
  await t.call("POST", "/api/agents/ana/logout");
}

describe("call events, each by the schema of its type", () => {
  it("the document gives CallEvent one schema per event type", () => {
    const union = doc.components.schemas.CallEvent;
    expect(union.oneOf.length).toBe(CALL_EVENT_TYPES.length);
    const types = union.oneOf.map((r: Loose) => doc.components.schemas[r.$ref.replace("#/components/schemas/", "")].properties.type.const);
    expect(types.sort()).toEqual([...CALL_EVENT_TYPES].sort());
    expect(doc.components.schemas.HttpEvent.properties).toMatchObject({ method: { type: "string" }, url: { type: "string" }, status: { type: "integer" }, ms: { type: "number" } });
    expect(doc.components.schemas.HttpEvent.required).toEqual(expect.arrayContaining(["type", "at", "interactionId", "method", "url", "ms"]));
  });

  it("a field or an event type the schemas lack is refused, so such an event fails below", () => {
    const step = { type: "step", at: 1, interactionId: "i-1", activityType: "play-message", port: "default" };
    expect(exactCallEvent.safeParse(step).success).toBe(true);
    expect(exactCallEvent.safeParse({ ...step, colour: "red" }).success).toBe(false);
    expect(exactCallEvent.safeParse({ ...step, type: "teleported" }).success).toBe(false);
  });

  for (const f of flows) {
    it(`the events of a call of ${f.id}`, async () => {
      await callThrough(f.id!, "+12063225171");
      expect(gathered.filter((g) => g.flow === f.id).length).toBeGreaterThan(0);
    }, 120_000);
  }

  it("every event parses against its type's schema and the served document", () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    const validate = ajv.compile({ $ref: "#/components/schemas/CallEvent", components: doc.components });
    const misfits: string[] = [];
    const seen = new Map<string, number>();
    for (const { flow, via, event } of gathered) {
      seen.set(event.type, (seen.get(event.type) ?? 0) + 1);
      const parsed = exactCallEvent.safeParse(event);
      if (!parsed.success) misfits.push(`${flow} (${via}): ${describeIssues(parsed.error.issues, "event")}: ${JSON.stringify(event).slice(0, 200)}`);
      if (!validate(event)) misfits.push(`${flow} (${via}) against the document: ${ajv.errorsText(validate.errors)}: ${JSON.stringify(event).slice(0, 200)}`);
    }
    expect(misfits).toEqual([]);
    // The calls reached these types (the example flow alone reaches all but activity-result).
    const reached = ["step", "prompt", "http", "variable", "input", "queued", "offered", "requeued", "answered", "screen-pop", "control", "event", "disconnected", "ended"];
    expect([...seen.keys()]).toEqual(expect.arrayContaining(hasShared ? [...reached, "activity-result"] : reached));
    expect(t.logs.filter((l) => l.includes("does not match its schema"))).toEqual([]);
  });
});
