/**
 * OpenTelemetry traces as an operator gets them: the server started with an OTLP/HTTP endpoint
 * sends each contact's spans to a collector. The collector here is a real HTTP server on loopback
 * that keeps what it is sent (OTLP's JSON encoding, as @opentelemetry/exporter-trace-otlp-http
 * sends it). A call sets a secure PIN, looks the caller up in the embedded CRM through an OAuth
 * connector (the PIN in the query), waits in a queue, is answered by Ana (her event flow pops a
 * record) and ended by her. The spans make one tree — contact, its activities, the HTTP request
 * under its activity, the event flow — and no secret is in what was exported.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS } from "../../src/crm/config.js";
import { buildFlow } from "../helpers/flow-builder.js";
import { eventually, startTestServer, type TestServer } from "./helpers.js";

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Array<{ key: string; value: OtlpValue }>;
  events?: Array<{ name: string }>;
  status?: { code?: number };
}

const PIN = "7319-pin-secret";
const ANI = "+14805550144";

const flow = buildFlow({
  name: "Traced_Line",
  variables: [
    { name: "Pin", value: "0000", isSecure: true },
  ],
  main: [
    { name: "SetPin", type: "set-variable", props: { srcVariable: "Pin", srcVariableType: "STRING", expr: PIN } },
    {
      name: "Lookup",
      type: "http-request-v2",
      props: { authenticated: true, connectorId: "crm", httpRequestMethod: "GET", httpRequestPath: "contacts?$select=fullname&$filter=telephone1 eq '{{Pin}}'" },
    },
    { name: "Queue", type: "queue-contact", props: { destination: "Q-Traced", toggle: true } },
    { name: "Hold", type: "play-music", props: { prompt: "hold.wav", duration: "30" } },
  ],
  links: [
    ["SetPin", "out", "Lookup"],
    ["Lookup", "default", "Queue"],
    ["Queue", "default", "Hold"],
    ["Hold", "default", "Hold"],
  ],
  events: {
    AgentContactAssigned: {
      nodes: [
        { name: "Pop", type: "screen-pop", props: { screenPopUrl: "https://crm.example.com/main.aspx?", queryParameters: { pin: "{{Pin}}" }, target: "insideDesktop", screenPopDesktopLabel: "Caller" } },
        { name: "EndAssigned", type: "end" },
      ],
      links: [
        ["AgentContactAssigned", "out", "Pop"],
        ["Pop", "default", "EndAssigned"],
      ],
    },
  },
});

let collector: FastifyInstance;
const bodies: string[] = [];
let t: TestServer;

beforeAll(async () => {
  collector = Fastify();
  collector.post("/v1/traces", async (req, reply) => {
    bodies.push(JSON.stringify(req.body));
    return reply.code(200).send({});
  });
  const address = await collector.listen({ port: 0, host: "127.0.0.1" });
  t = await startTestServer({
    flows: [{ id: "traced", definition: flow }],
    crm: true,
    environment: {
      queues: [{ id: "Q-Traced", name: "Traced Queue" }],
      agents: [{ id: "ana", name: "Ana Lima", queues: ["Q-Traced"] }],
      center: { ringTimeoutSeconds: 60 },
    },
    extra: { tracing: { endpoint: `${address}/v1/traces`, exportDelayMs: 100 } },
  });
});
afterAll(async () => {
  await t?.close();
  await collector?.close();
});

function spansOf(bodyList: string[]): OtlpSpan[] {
  const out: OtlpSpan[] = [];
  for (const body of bodyList) {
    const parsed = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
    for (const rs of parsed.resourceSpans) for (const ss of rs.scopeSpans) out.push(...ss.spans);
  }
  return out;
}

const attr = (s: OtlpSpan | undefined, key: string): unknown => {
  const v = s?.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : v?.boolValue);
};

describe("OpenTelemetry traces over OTLP/HTTP", () => {
  it("export one tree per contact: the contact, its activities, the HTTP request under its activity, the event flow; nothing secret", async () => {
    expect(t.logs).toContainEqual(expect.stringMatching(/traces: each contact's spans go to http:\/\/127\.0\.0\.1:\d+\/v1\/traces/));
    await t.call("POST", "/api/agents/ana/login", { available: true });
    const placed = await t.call("POST", "/api/calls", { ani: ANI, flow: "traced" });
    expect(placed.status).toBe(201);
    const id = placed.body.interactionId as string;
    const offer = await eventually(async () => (await t.call("GET", "/api/agents/ana")).body.offer, "the offer to ana");
    expect((await t.call("POST", "/api/agents/ana/accept", { offerId: offer.offerId })).status).toBe(200);
    await eventually(async () => ((await t.call("GET", "/api/agents/ana")).body.contact?.screenPops?.length === 1 ? true : undefined), "ana's screen pop");
    expect((await t.call("POST", "/api/agents/ana/end")).status).toBe(200);

    const spans = await eventually(() => {
      const all = spansOf(bodies);
      return all.some((s) => s.name === "contact" && attr(s, "ccflow.contact.id") === id) ? all : undefined;
    }, "the contact's span at the collector");
    const root = spans.find((s) => s.name === "contact" && attr(s, "ccflow.contact.id") === id)!;
    const mine = spans.filter((s) => s.traceId === root.traceId);
    const byName = (name: string) => mine.find((s) => s.name === name);
    const childrenOf = (s: OtlpSpan) => mine.filter((x) => x.parentSpanId === s.spanId).map((x) => x.name);

    expect(root.parentSpanId ?? "").toBe("");
    expect(attr(root, "ccflow.flow.name")).toBe("Traced_Line");
    expect(attr(root, "ccflow.contact.end_reason")).toBe("agent-ended");
    expect(attr(root, "ccflow.agent.id")).toBe("ana");
    expect(root.events?.map((e) => e.name)).toEqual(expect.arrayContaining(["offered", "answered", "disconnected"]));

    // The main flow's activities, in order, under the contact; the answer interrupted the music.
    expect(childrenOf(root)).toEqual(expect.arrayContaining(["SetPin", "Lookup", "Queue", "Hold", "event AgentContactAssigned"]));
    expect(attr(byName("Lookup"), "ccflow.activity.type")).toBe("http-request-v2");
    expect(attr(byName("Lookup"), "ccflow.activity.port")).toBe("default");
    expect(attr(byName("Hold"), "ccflow.activity.interrupted")).toBe(true);
    const start = (s: OtlpSpan | undefined) => BigInt(s!.startTimeUnixNano);
    const end = (s: OtlpSpan | undefined) => BigInt(s!.endTimeUnixNano);
    expect(start(byName("Lookup")) <= start(byName("Queue"))).toBe(true);
    expect(end(byName("Lookup")) <= start(byName("Queue"))).toBe(true);
    expect(end(root) >= end(byName("Hold"))).toBe(true);

    // The request, under the activity that made it: a client span with method, URL without its query, status.
    const http = byName("HTTP GET")!;
    expect(http.parentSpanId).toBe(byName("Lookup")!.spanId);
    expect(http.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(attr(http, "http.response.status_code")).toBe(200);
    expect(attr(http, "ccflow.connector")).toBe("embedded CRM");
    expect(attr(http, "url.full")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/contacts$/);
    expect(start(http) >= start(byName("Lookup")) && end(http) <= end(byName("Lookup"))).toBe(true);

    // The event flow's activities (its start node first) under its own span.
    expect(childrenOf(byName("event AgentContactAssigned")!)).toEqual(["AgentContactAssigned", "Pop", "EndAssigned"]);

    // Nothing secret or personal was exported: the secure PIN, the connector's client secret, a
    // bearer token (a JWT starts eyJ), the caller's number.
    const exported = bodies.join("\n");
    expect(exported).not.toContain(PIN);
    expect(exported).not.toContain(encodeURIComponent(PIN));
    expect(exported).not.toContain(DEV_CREDENTIALS.clientSecret);
    expect(exported).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    expect(exported).not.toContain(ANI.slice(1));
  });
});
