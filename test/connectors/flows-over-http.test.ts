/**
 * Whole flows, unchanged, through the engine and the real connector gateway over loopback HTTP:
 * the seed flow's lookups through its OAuth connector (real JWTs, verified by the fixture API),
 * and the Zendesk flow through a Basic-auth connector whose credentials the fixture checks.
 */
import { checkCallerId } from "../../src/channels/caller-id.js";
import type { ActivityEnvironment } from "../../src/activities/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import type { ConnectorConfig } from "../../src/connectors/config.js";
import { createHttpGateway } from "../../src/connectors/gateway.js";
import { VirtualClock } from "../../src/time/clock.js";
import { Engine } from "../../src/engine/engine.js";
import { parseFlowText } from "../../src/flow/load.js";
import { FakeCenter, Recorder } from "../helpers/fakes.js";
import { sharedFile } from "../activities/helpers/shared-flows.js";
import { readFileSync } from "node:fs";
import { capturingLogger } from "./helpers/capture.js";
import { startFixture, type Fixture } from "./helpers/fixture-server.js";

const seedFile = sharedFile("seed/MSD_HTTP_Connector_Flow.json");
const zendeskFile = sharedFile("flows/Zendesk_HTTP_Connector.json");
const SEED_CONNECTOR = "8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710";
const CLIENT = "6e5d4c3b-2a19-4807-9f6e-5d4c3b2a1908";
const SECRET = "flows-over-http-secret";

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function runCall(options: { file: string; connectors: (f: Fixture) => ConnectorConfig[]; fixture: Parameters<typeof startFixture>[0] extends infer O ? Omit<O & object, "clock"> : never; ani: string; digits: string; script: (f: Fixture) => void; env?: ActivityEnvironment }) {
  const clock = new VirtualClock();
  const fixture = await startFixture({ clock, ...options.fixture });
  const log = capturingLogger();
  const gateway = createHttpGateway({ connectors: options.connectors(fixture), clock, logger: log.logger });
  open.push(gateway, fixture);
  options.script(fixture);
  const flow = parseFlowText(readFileSync(options.file, "utf8"), options.file).flow!;
  const center = new FakeCenter();
  const engine = new Engine({ http: gateway, center, clock, env: options.env });
  const rec = new Recorder();
  const interaction = engine.startCall(flow, { ani: options.ani, dnis: "+18005550100", channel: new ScriptedCaller(clock, options.digits), listener: rec.listener });
  // Let the IVR run until it queues (then hang up from the hold music) or ends by itself.
  while (center.queued.length === 0 && interaction.state !== "ended") await new Promise((r) => setImmediate(r));
  if (interaction.state !== "ended") interaction.hangup();
  await interaction.done;
  return { fixture, rec, log, center };
}

const STRICT: ActivityEnvironment = { http: { jsonPathMiss: "keep", timeoutMode: "globalError", escaping: "strict" } };

function seedConnector(f: Fixture): ConnectorConfig[] {
  return [
    {
      id: SEED_CONNECTOR,
      name: "MSD_IVR_Connector",
      type: "oauth2-client-credentials",
      resourceDomain: f.apiBase,
      clientId: CLIENT,
      clientSecret: SECRET,
      scope: `${f.audience}/.default`,
      tokenUrl: f.tokenUrl,
      clientAuth: "client_secret_post",
      headers: {},
      secrets: [SECRET],
    },
  ];
}

describe.skipIf(!seedFile)("the seed flow over HTTP", () => {
  it("looks a known caller up through connector 8c3d7ff4-… with a real token, then their case", async () => {
    const { fixture, rec, log } = await runCall({
      file: seedFile!,
      connectors: seedConnector,
      fixture: { clientId: CLIENT, clientSecret: SECRET },
      ani: "+15550100777",
      digits: "1",
      script: (f) =>
        f.script(
          { status: 200, body: { value: [{ contactid: "5b1f0c2e-7a41-4d8e-9c3a-2f6d8e1b4a90", fullname: "Dana Whitfield", telephone1: "+15550100777" }] } },
          { status: 200, body: { value: [{ title: "Router keeps rebooting", ticketnumber: "CAS-01234-Q1W2E3", _customerid_value: "5b1f0c2e-7a41-4d8e-9c3a-2f6d8e1b4a90" }] } },
        ),
    });
    expect(fixture.tokenRequests).toBe(1);
    expect(fixture.received).toHaveLength(2);
    expect(fixture.received[0]!.query.$filter).toBe("contains(telephone1,'15550100777')");
    expect(fixture.received[1]!.rawUrl.split("?")[0]).toBe("/api/data/v9.2/incidents");
    for (const r of fixture.received) expect(r.headers.authorization).toBe(`Bearer ${fixture.issued[0]}`);
    const http = rec.of("http");
    expect(http.map((h) => [h.activity, h.status, h.connector])).toEqual([
      ["GetCustomerInfo", 200, "MSD_IVR_Connector"],
      ["GetCaseInfo", 200, "MSD_IVR_Connector"],
    ]);
    const personal = rec.prompts().find((p) => p.includes("Dana Whitfield"));
    expect(personal).toContain("Router keeps rebooting");
    expect(personal).toContain("CAS-01234-Q1W2E3");
    // No secret or token anywhere the call or the connector layer wrote.
    const everything = JSON.stringify(rec.events) + log.text();
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(fixture.issued[0]!);
  });

  it("sends a caller id into the CRM query as rendered, as Webex does (the edges refuse a hostile one)", async () => {
    const hostile = "1') or contains(fullname,'";
    expect(checkCallerId(hostile).ok).toBe(false);
    const { fixture } = await runCall({
      file: seedFile!,
      connectors: seedConnector,
      fixture: { clientId: CLIENT, clientSecret: SECRET },
      ani: hostile,
      digits: "",
      script: (f) => f.script({ status: 200, body: { value: [] } }),
    });
    // The seed flow does not escape: the caller's text becomes part of the filter.
    expect(fixture.received[0]!.query.$filter).toBe("contains(telephone1,'1') or contains(fullname,'')");
  });

  it("with http.escaping: strict keeps a hostile caller id a literal in the CRM query and routes the caller as unknown", async () => {
    const hostile = "1') or contains(fullname,'";
    const { fixture, rec } = await runCall({
      file: seedFile!,
      connectors: seedConnector,
      fixture: { clientId: CLIENT, clientSecret: SECRET },
      ani: hostile,
      digits: "",
      script: (f) => f.script({ status: 200, body: { value: [] } }),
      env: STRICT,
    });
    expect(fixture.received[0]!.query.$filter).toBe("contains(telephone1,'1'') or contains(fullname,''')");
    expect(Object.keys(fixture.received[0]!.query)).toEqual(["$select", "$filter"]);
    expect(rec.of("step").find((s) => s.activity === "ConditionCheck")!.port).toBe("true");
  });

  it("sends a CRM timeout to OnGlobalError with the activity, deadline and URL in the message", async () => {
    const clock = new VirtualClock();
    const gateway = createHttpGateway({
      connectors: [{ ...seedConnector({ apiBase: "https://crm.example.test/api/data/v9.2/", audience: "https://crm.example.test", tokenUrl: "https://login.example.test/t/oauth2/v2.0/token" } as Fixture)[0]! }],
      clock,
      fixtures: async (req, { clock: c, signal }) => {
        if (req.url.includes("/oauth2/")) return { status: 200, body: { access_token: "fixture-access-token-0001", expires_in: 3599 } };
        await c.sleep(60_000, signal);
        return { status: 200 };
      },
    });
    const flow = parseFlowText(readFileSync(seedFile!, "utf8"), "seed").flow!;
    const rec = new Recorder();
    const interaction = new Engine({ http: gateway, center: new FakeCenter(), clock }).startCall(flow, { ani: "+15550100777", channel: new ScriptedCaller(clock, ""), listener: rec.listener });
    await interaction.done;
    expect(rec.of("error")[0]).toMatchObject({
      activity: "GetCustomerInfo",
      handling: "global-error",
      message: "GetCustomerInfo: timeout after 2000 ms calling https://crm.example.test/api/data/v9.2/contacts?$select=fullname,telephone1,contactid&$filter=contains(telephone1,%2715550100777%27)",
    });
    expect(rec.of("http")[0]).toMatchObject({ activity: "GetCustomerInfo", ms: 2000, attempts: 1 });
    expect(rec.of("event").map((e) => e.name)).toContain("GlobalErrorHandling");
  });
});

describe.skipIf(!zendeskFile)("the Zendesk flow through a Basic-auth connector", () => {
  const USER = "helpdesk@acme.test/token";
  const PASSWORD = "zd-flow-token-91ab";
  const zendesk = (password: string) => (f: Fixture): ConnectorConfig[] => [
    {
      id: "d892fbcd-b050-4f64-9c8f-d6ccd08042c3",
      name: "Zendesk",
      type: "basic",
      resourceDomain: `${f.origin}/zendesk`,
      username: USER,
      password,
      clientAuth: "client_secret_post",
      headers: {},
      secrets: [password],
    },
  ];

  it("finds the caller's open ticket, plays it, and comments on it when they press 2", async () => {
    const { fixture, rec } = await runCall({
      file: zendeskFile!,
      connectors: zendesk(PASSWORD),
      fixture: { apiAuth: "basic", basicUser: USER, basicPassword: PASSWORD },
      ani: "+15550100777",
      digits: "2",
      script: (f) =>
        f.script(
          { status: 200, body: { users: [{ id: 36190911, name: "Robin Vale" }] } },
          { status: 200, body: { results: [{ id: 4242, status: "open" }] } },
          { status: 200, body: { ticket: { id: 4242 } } },
        ),
    });
    expect(fixture.received.map((r) => `${r.method} ${r.rawUrl.split("?")[0]}`)).toEqual([
      "GET /zendesk/api/v2/users/search.json",
      "GET /zendesk/api/v2/search.json",
      "PUT /zendesk/api/v2/tickets/4242.json",
    ]);
    const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
    expect(fixture.received.every((r) => r.headers.authorization === basic)).toBe(true);
    expect(rec.of("step").find((s) => s.activity === "ConditionCheck")!.port).toBe("false");
    expect(rec.of("http").map((h) => h.status)).toEqual([200, 200, 200]);
    expect(rec.of("disconnected")[0]).toMatchObject({ by: "flow" });
    expect(JSON.stringify(rec.events)).not.toContain(PASSWORD);
  });

  it("with refused credentials, leaves the sentinels and takes the no-ticket branch", async () => {
    const { fixture, rec } = await runCall({
      file: zendeskFile!,
      connectors: zendesk("an-old-password"),
      fixture: { apiAuth: "basic", basicUser: USER, basicPassword: PASSWORD },
      ani: "+15550100777",
      digits: "",
      script: () => undefined,
    });
    expect(rec.of("http").map((h) => h.status)).toEqual([401, 401]);
    expect(fixture.received).toHaveLength(2);
    expect(rec.of("step").find((s) => s.activity === "ConditionCheck")!.port).toBe("true");
  });
});
