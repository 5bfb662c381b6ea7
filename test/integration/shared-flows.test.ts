/**
 * The six public flows in ../shared/flows, unchanged, each through at least its main path, against
 * a small local HTTP fixture standing in for its CRM (Salesforce, ServiceNow, Zendesk, the Webex
 * search API) over real loopback HTTP, with connectors bound by an environment file.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import { VirtualClock } from "../../src/time/clock.js";
import { parseEnvironment } from "../../src/environment/load.js";
import { parseFlowText } from "../../src/flow/load.js";
import type { FlowDefinition } from "../../src/flow/types.js";
import { Runtime } from "../../src/runtime/runtime.js";
import { buildFlow } from "../helpers/flow-builder.js";
import { Recorder } from "../helpers/fakes.js";
import { hasShared, readShared, sharedFlowPaths } from "../helpers/shared.js";

const flowNamed = (name: string, patch?: (text: string) => string): FlowDefinition => {
  const path = sharedFlowPaths.find((p) => p.includes(name))!;
  const text = readShared(path);
  return parseFlowText(patch ? patch(text) : text, path).flow!;
};

let fixture: FastifyInstance;
let base = "";
const seen: Array<{ method: string; url: string; auth?: string; body?: unknown }> = [];

beforeAll(async () => {
  if (!hasShared) return;
  fixture = Fastify();
  fixture.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))));
  fixture.addHook("onRequest", async (req) => {
    seen.push({ method: req.method, url: req.url, auth: req.headers.authorization });
  });
  // Salesforce: OAuth token + SOQL queries.
  fixture.post("/sf/token", async () => ({ access_token: "sf-token-1", token_type: "Bearer", expires_in: 3600 }));
  fixture.get("/sf/services/data/v52.0/query", async (req, reply) => {
    if (req.headers.authorization !== "Bearer sf-token-1") return reply.code(401).send([{ errorCode: "INVALID_SESSION_ID" }]);
    const q = String((req.query as Record<string, string>).q);
    if (q.includes("FROM Contact")) return { totalSize: 1, records: [{ Id: "003XYZ", Name: "Lena Park" }] };
    if (q.includes("from Account")) return { totalSize: 1, records: [{ Id: "001ABC", Name: "Park Industries" }] };
    if (q.includes("FROM Case") && q.includes("ContactId='003XYZ'")) return { totalSize: 1, records: [{ Id: "500CASE", CaseNumber: "00001027" }] };
    return { totalSize: 0, records: [] };
  });
  fixture.patch("/sf/services/data/v52.0/sobjects/Case/:id", async (_req, reply) => reply.code(204).send());
  // ServiceNow: Basic auth, table API with query parameters.
  const snowAuth = `Basic ${Buffer.from("snow.user:snow-pass").toString("base64")}`;
  fixture.get("/snow/api/now/table/sys_user", async (req, reply) => {
    if (req.headers.authorization !== snowAuth) return reply.code(401).send({ error: { message: "User Not Authenticated" } });
    const phone = (req.query as Record<string, string>).phone;
    return { result: phone === "(480) 675-4110" ? [{ sys_id: "u-42" }] : [] };
  });
  fixture.get("/snow/api/now/table/incident", async (req) => ({ result: (req.query as Record<string, string>).caller_id === "u-42" ? [{ number: "INC0010042" }] : [] }));
  fixture.post("/snow/incident.do", async () => ({ records: [{ sys_id: "x" }] }));
  // Zendesk: Basic auth, user and ticket search.
  const zdAuth = `Basic ${Buffer.from("agent@example.com/token:zd-api-token").toString("base64")}`;
  fixture.get("/zd/api/v2/users/search.json", async (req, reply) => {
    if (req.headers.authorization !== zdAuth) return reply.code(401).send({ error: "Couldn't authenticate you" });
    return { users: [{ id: 9001, name: "Maria Lopez" }] };
  });
  fixture.get("/zd/api/v2/search.json", async () => ({ results: [{ id: 77, status: "open" }] }));
  fixture.put("/zd/api/v2/tickets/:id", async () => ({ ticket: { id: 77 } }));
  // Webex analytics search (GraphQL over POST).
  fixture.post("/wx/search", async (req) => {
    seen[seen.length - 1]!.body = req.body;
    return { data: { taskDetails: { tasks: [{ id: "task-1", isWithInServiceLevel: true }] } } };
  });
  base = await fixture.listen({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await fixture?.close();
});

function environment() {
  const yaml = `
connectors:
  - { id: 9b04cc45-e715-45e4-a568-4635a88494f9, name: Salesforce, type: oauth2-client-credentials, resourceDomain: "${base}/sf", tokenUrl: "${base}/sf/token", clientId: sf-client, clientSecret: "\${SF_SECRET}", scope: api }
  - { id: 599f6b5b-ae9c-469d-927e-1ac563d356dd, name: ServiceNow, type: basic, resourceDomain: "${base}/snow", username: snow.user, password: "\${SNOW_PASSWORD}" }
  - { id: d892fbcd-b050-4f64-9c8f-d6ccd08042c3, name: Zendesk, type: basic, resourceDomain: "${base}/zd/", username: agent@example.com/token, password: "\${ZENDESK_TOKEN}" }
  - { id: 1fb6021b-0f11-456b-946c-a549b8e9048d, name: WebexSearch, type: none, resourceDomain: "${base}/wx" }
agents:
  - { id: ana, name: Ana Agent, email: lab_admin123@email.carehybrid.com, queues: ["*"], available: true, simulated: { answerAfterSeconds: 3, talkSeconds: 10 } }
globals:
  Global_Language: en-US
`;
  const parsed = parseEnvironment(yaml, "shared-flows-env.yaml");
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.environment;
}

async function run(flow: FlowDefinition, ani: string, digits = "", library: FlowDefinition[] = [], opts: { agents?: boolean; hangupAfterSeconds?: number } = {}) {
  const clock = new VirtualClock();
  const env = environment();
  if (opts.agents === false) env.agents = [];
  const runtime = new Runtime({
    environment: env,
    flows: [flow],
    library,
    clock,
    processEnv: { SF_SECRET: "sf-secret", SNOW_PASSWORD: "snow-pass", ZENDESK_TOKEN: "zd-api-token" },
  });
  const rec = new Recorder();
  const interaction = runtime.startCall(flow, { ani, channel: new ScriptedCaller(clock, digits), listener: rec.listener });
  if (opts.hangupAfterSeconds) void clock.sleep(opts.hangupAfterSeconds * 1000).then(() => interaction.hangup());
  const ended = await interaction.done;
  await runtime.close();
  return { rec, ended };
}

describe.skipIf(!hasShared)("the shared flows run against local fixtures", () => {
  it("Salesforce, as exported, stops at AccountByANI's malformed template and drops the call (it has no OnGlobalError)", async () => {
    const { rec, ended } = await run(flowNamed("Salesforce"), "+14806754110");
    expect(rec.of("error")[0]).toMatchObject({ activity: "AccountByANI", handling: "global-error" });
    expect(rec.of("error")[0]!.message).toContain("does not parse");
    expect(rec.of("http").filter((h) => h.flow === "main")).toHaveLength(0);
    expect(ended.reason).toBe("no-handler");
  });

  it("Salesforce, with the template typo fixed, looks up account, contact and case over OAuth, pops the account, updates the case after the call", async () => {
    const flow = flowNamed("Salesforce", (t) => t.replace("{{[phoneNumber}}", "{{phoneNumber}}"));
    const { rec } = await run(flow, "+14806754110");
    const http = rec.of("http");
    expect(http.map((h) => h.status)).toEqual([200, 200, 200, 204]);
    expect(http[0]!.url).toContain("Phone+LIKE+%27%254806754110%25%27");
    expect(http[2]!.url).toContain("ContactId=%27003XYZ%27");
    expect(rec.of("queued")).toHaveLength(1);
    const pop = rec.of("screen-pop")[0]!;
    expect(pop.target).toBe("sameBrowserTab");
    expect(pop.url).toBe("https://d2v000000qy4veag-dev-ed.lightning.force.com/lightning/r/Account/001ABC/view?channel=OPEN_CTI");
    expect(http[3]).toMatchObject({ method: "PATCH", flow: "ContactEnded" });
    expect(http[3]!.url).toMatch(/sobjects\/Case\/500CASE$/);
    expect(seen.some((s) => s.url.startsWith("/sf/services") && s.auth === "Bearer sf-token-1")).toBe(true);
  });

  it("ServiceNow formats the ANI, finds the user and incident with query parameters, reads the incident number", async () => {
    const { rec } = await run(flowNamed("ServiceNow"), "+14806754110");
    expect(rec.of("variable").find((v) => v.name === "aniSnowFormat")!.value).toBe("(480) 675-4110");
    // Query values are encoded as encodeURIComponent does (parentheses stay), spaces as %20.
    expect(rec.of("http")[0]!.url).toContain("?phone=(480)%20675-4110&sysparm_fields=sys_id&sysparm_limit=1");
    expect(rec.prompts()).toContain("Your incident number is: INC0010042");
    expect(rec.of("queued")).toHaveLength(1);
    expect(rec.of("http").at(-1)).toMatchObject({ method: "POST", flow: "ContactEnded", status: 200 });
  });

  it("Zendesk, through a Basic-auth connector the fixture checks, reads the ticket and queues on 1", async () => {
    const { rec } = await run(flowNamed("Zendesk"), "+14806754110", "1");
    expect(rec.of("http").slice(0, 2).map((h) => h.status)).toEqual([200, 200]);
    expect(rec.prompts().find((p) => p.startsWith("Hello"))).toContain("Your ticket number 77 is open");
    expect(rec.of("input")[0]!.digits).toBe("1");
    expect(rec.of("queued")).toHaveLength(1);
    expect(rec.of("screen-pop")[0]!.target).toBe("newBrowserTab");
  });

  it("Zendesk: pressing 2 updates the ticket with a PUT and disconnects", async () => {
    const { rec, ended } = await run(flowNamed("Zendesk"), "+14806754110", "2");
    expect(rec.of("http").at(-1)).toMatchObject({ method: "PUT", status: 200 });
    expect(rec.of("http").at(-1)!.url).toContain("/zd/api/v2/tickets/77.json");
    expect(ended.reason).toBe("disconnected");
  });

  it("AnalyzerLab collects the attendee id and queues; an agent answers", async () => {
    const { rec } = await run(flowNamed("AnalyzerLab"), "+14806754110", "123#");
    expect(rec.of("input")[0]).toMatchObject({ digits: "123", activity: "CollectAttendeeID" });
    expect(rec.of("variable").find((v) => v.name === "Global_AttendeeID")!.value).toBe("123");
    expect(rec.of("queued")).toHaveLength(1);
    expect(rec.of("answered")).toHaveLength(1);
  });

  it("AnalyzerLab with nobody staffing: hold music, then menu 2 asks for the attendee's own agent by email", async () => {
    const { rec, ended } = await run(flowNamed("AnalyzerLab"), "+14806754110", "123#,2", [], { agents: false, hangupAfterSeconds: 600 });
    expect(rec.of("input")[1]).toMatchObject({ digits: "2", activity: "Menu_k6m" });
    expect(rec.of("variable").find((v) => v.name === "AgentEmail")!.value).toBe("lab_admin123@email.carehybrid.com");
    expect(rec.of("step").find((s) => s.activity === "QueueToAgent_lqr")!.port).toBe("default");
    expect(ended.reason).toBe("caller-hangup");
  });

  it("MainFlow_template takes option 3: epoch arithmetic, a GraphQL POST through a connector, conditions, skills queue", async () => {
    const { rec } = await run(flowNamed("MainFlow_template"), "+19998887777", "3,1");
    const http = rec.of("http")[0]!;
    expect(http).toMatchObject({ method: "POST", status: 200, activity: "HTTPRequest_736" });
    const body = seen.find((s) => s.url.startsWith("/wx/search"))!.body as { query: string };
    expect(body.query).toContain('origin: { equals: "+19998887777"');
    const vars = rec.of("variable");
    const now = Number(vars.find((v) => v.name === "CurrentTime")!.value);
    expect(Number(vars.find((v) => v.name === "goBack7Days")!.value)).toBe(now - 604800000);
    expect(vars.find((v) => v.name === "noCustomeCall")!.value).toBe("task-1");
    expect(rec.of("queued")[0]).toMatchObject({ queue: "452a93b5-f576-4266-8cae-d4dcc03057d5" });
  });

  it("WaitTreatment, called as a subflow, rotates its comfort messages between music until the counter runs out", async () => {
    const sub = flowNamed("WaitTreatment");
    const parent = buildFlow({
      main: [
        { name: "Wait", type: "subflow-handoff", props: { subflowVersion: { id: sub.name }, subflowInputVariables: [{ src: "{{'en-US'}}", target: "Global_Language" }], subflowOutputVariables: [] } },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [["Wait", "default", "Bye"]],
    });
    const { rec, ended } = await run(parent, "+14806754110", "", [sub]);
    const messages = rec.prompts().filter((p) => !p.endsWith(".wav"));
    expect(messages).toHaveLength(50);
    expect(messages[0]).toContain("marketing or comfort message");
    expect(messages[3]).toContain("last message");
    expect(rec.of("prompt").filter((p) => p.music)).toHaveLength(50);
    expect(ended.reason).toBe("disconnected");
  });
});
