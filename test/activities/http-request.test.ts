/**
 * The HTTP Request activity from a flow author's side: the seed flow's lookups through an OAuth
 * connector against a loopback API, hostile caller ids, JSON bodies, failures and validation.
 */
import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import httpRequest from "../../src/activities/http-request.js";
import { ActivityError } from "../../src/util/activity-error.js";
import type { ConnectorConfig } from "../../src/connectors/config.js";
import { createHttpGateway, type ConnectorHttpGateway } from "../../src/connectors/gateway.js";
import { networkError } from "../../src/connectors/transport.js";
import { VirtualClock } from "../../src/time/clock.js";
import type { Diagnostic, FlowDefinition, VariableType } from "../../src/flow/types.js";
import { startFixture, type Fixture } from "../connectors/helpers/fixture-server.js";
import { activityDef, fakeContext, FakeVariables, runActivity } from "./helpers/http-fake-context.js";
import { loadSharedFlow } from "./helpers/shared-flows.js";

const require = createRequire(import.meta.url);
const odata = require("odata-v4-parser") as { filter(text: string): unknown };

const seed = loadSharedFlow("seed/MSD_HTTP_Connector_Flow.json");
const SEED_CONNECTOR = "8c3d7ff4-505b-45d8-9bb4-54e6e0a1e710";
const SECRET = "fixture-secret-for-activities";
const CLIENT = "0a1b2c3d-1111-4222-8333-444455556666";

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function crmFixture(clock: VirtualClock): Promise<{ fixture: Fixture; gateway: ConnectorHttpGateway }> {
  const fixture = await startFixture({ clock, clientId: CLIENT, clientSecret: SECRET });
  const connector: ConnectorConfig = {
    id: SEED_CONNECTOR,
    name: "MSD_IVR_Connector",
    type: "oauth2-client-credentials",
    resourceDomain: fixture.apiBase,
    clientId: CLIENT,
    clientSecret: SECRET,
    scope: `${fixture.audience}/.default`,
    tokenUrl: fixture.tokenUrl,
    clientAuth: "client_secret_post",
    headers: {},
    secrets: [SECRET],
  };
  const gateway = createHttpGateway({ connectors: [connector], clock });
  open.push(gateway, fixture);
  return { fixture, gateway };
}

const STRICT = { http: { jsonPathMiss: "keep", timeoutMode: "globalError", escaping: "strict" } } as const;

function seedVariables(initial: Record<string, unknown> = {}): FakeVariables {
  const types: Record<string, VariableType> = {};
  const values: Record<string, unknown> = {};
  for (const v of seed!.variables) {
    types[v.name] = v.type as VariableType;
    values[v.name] = v.value ?? "";
  }
  return new FakeVariables(types, { ...values, ...initial });
}

function literals(node: unknown, out: string[] = []): string[] {
  if (node && typeof node === "object") {
    const n = node as { type?: string; raw?: string };
    if (n.type === "Literal" && typeof n.raw === "string") out.push(n.raw);
    for (const v of Object.values(n)) literals(v, out);
  }
  return out;
}

describe.skipIf(!seed)("the seed flow's lookups through connector 8c3d7ff4-…", () => {
  it("GetCustomerInfo finds a known caller and maps CustomerID and ContactName", async () => {
    const clock = new VirtualClock();
    const { fixture, gateway } = await crmFixture(clock);
    fixture.script({
      status: 200,
      headers: { "content-type": "application/json; odata.metadata=minimal", "odata-version": "4.0" },
      body: { "@odata.context": "x", value: [{ "@odata.etag": 'W/"9"', fullname: "Dana Whitfield", telephone1: "15550100777", contactid: "5b1f0c2e-7a41-4d8e-9c3a-2f6d8e1b4a90" }] },
    });
    const vars = seedVariables({ ANI: "15550100777" });
    const ctx = fakeContext({ activity: seed!.activity("GetCustomerInfo"), vars, http: gateway, clock });

    expect(await runActivity(httpRequest, ctx)).toBe("default");

    const sent = fixture.received[0]!;
    expect(sent.method).toBe("GET");
    expect(sent.query.$filter).toBe("contains(telephone1,'15550100777')");
    expect(sent.headers.authorization).toMatch(/^Bearer eyJ/);
    expect(vars.values.get("CustomerID")).toBe("5b1f0c2e-7a41-4d8e-9c3a-2f6d8e1b4a90");
    expect(vars.values.get("ContactName")).toBe("Dana Whitfield");
    expect(vars.assignments.map((a) => a.activity)).toEqual(["GetCustomerInfo", "GetCustomerInfo"]);
    const out = vars.outputs.get("GetCustomerInfo")!;
    expect(out.httpStatusCode).toBe(200);
    expect(JSON.parse(out.httpResponseBody as string).value[0].fullname).toBe("Dana Whitfield");
    expect((out.httpResponseHeaders as Record<string, string>)["odata-version"]).toBe("4.0");
    // On a virtual clock the time reported is the real time the socket took.
    expect(ctx.events).toEqual([
      { type: "http", method: "GET", url: `${fixture.apiBase}contacts?$select=fullname,telephone1,contactid&$filter=contains(telephone1,%2715550100777%27)`, status: 200, ms: expect.any(Number), attempts: 1, connector: "MSD_IVR_Connector" },
    ]);
  });

  it("leaves CustomerID at NA for an unknown caller (empty result) and for a 401 body", async () => {
    const clock = new VirtualClock();
    const { fixture, gateway } = await crmFixture(clock);
    fixture.script({ status: 200, body: { value: [] } }, { status: 401, body: "" }, { status: 401, body: "" });
    for (const expected of [200, 401]) {
      const vars = seedVariables({ ANI: "15550199999" });
      const ctx = fakeContext({ activity: seed!.activity("GetCustomerInfo"), vars, http: gateway, clock });
      expect(await runActivity(httpRequest, ctx)).toBe("default");
      expect(vars.outputs.get("GetCustomerInfo")!.httpStatusCode).toBe(expected);
      expect(vars.values.get("CustomerID")).toBe("NA");
      expect(vars.assignments).toEqual([]);
    }
  });

  it("a caller id goes into the query as rendered, as Webex sends it", async () => {
    const clock = new VirtualClock();
    const { fixture, gateway } = await crmFixture(clock);
    const vars = seedVariables({ ANI: "1') or contains(fullname,'" });
    await runActivity(httpRequest, fakeContext({ activity: seed!.activity("GetCustomerInfo"), vars, http: gateway, clock }));
    // The seed flow does not escape it, so the text is part of the filter: the edges refuse such a caller id.
    expect(fixture.received[0]!.query.$filter).toBe("contains(telephone1,'1') or contains(fullname,'')");
  });

  it("with http.escaping: strict a hostile caller id stays a literal in the query the CRM receives", async () => {
    const clock = new VirtualClock();
    const { fixture, gateway } = await crmFixture(clock);
    const hostile = "1') or contains(fullname,'";
    const vars = seedVariables({ ANI: hostile });
    await runActivity(httpRequest, fakeContext({ activity: seed!.activity("GetCustomerInfo"), vars, http: gateway, clock, env: STRICT }));
    const filter = fixture.received[0]!.query.$filter!;
    expect(filter).toBe("contains(telephone1,'1'') or contains(fullname,''')");
    const found = literals(odata.filter(filter));
    expect(found).toHaveLength(1);
    expect(found[0]!.slice(1, -1).replace(/''/g, "'")).toBe(hostile);
    expect(Object.keys(fixture.received[0]!.query)).toEqual(["$select", "$filter"]);
  });

  it("GetCaseInfo reads string-typed timeout and retries and maps the first case", async () => {
    const clock = new VirtualClock();
    const { fixture, gateway } = await crmFixture(clock);
    fixture.script({ status: 503, body: "busy" }, { status: 200, body: { value: [{ title: "Printer on fire", ticketnumber: "CAS-01001-AB1C2D", _customerid_value: "x" }] } });
    const vars = seedVariables({ CustomerID: "5b1f0c2e-7a41-4d8e-9c3a-2f6d8e1b4a90" });
    const ctx = fakeContext({ activity: seed!.activity("GetCaseInfo"), vars, http: gateway, clock });
    await runActivity(httpRequest, ctx);
    expect(vars.values.get("CaseTitle")).toBe("Printer on fire");
    expect(vars.values.get("CaseNumber")).toBe("CAS-01001-AB1C2D");
    expect(ctx.events[0]).toMatchObject({ type: "http", status: 200, attempts: 2 });
  });
});

describe("HTTP Request with in-process fixtures", () => {
  const types: Record<string, VariableType> = { Note: "STRING", TicketId: "STRING", Count: "INTEGER" };

  function gatewayWith(handler: Parameters<typeof createHttpGateway>[0]["fixtures"], connectors: ConnectorConfig[] = []) {
    return createHttpGateway({ connectors, fixtures: handler, random: () => 0.5 });
  }

  const none: ConnectorConfig = { id: "zd", name: "Zendesk", type: "none", resourceDomain: "https://acme.zendesk.test", clientAuth: "client_secret_post", headers: {}, secrets: [] };

  it("sends path and JSON body as rendered, as Webex does, the URL normalised only where it cannot hold a character", async () => {
    const clock = new VirtualClock();
    const seen: Array<{ body?: string; url: string }> = [];
    const gateway = gatewayWith((req) => {
      seen.push(req);
      return { status: 201, body: { ticket: { id: 77 } } };
    }, [none]);
    const def = activityDef("PostComments", "http-request-v2", {
      authenticated: true,
      connectorId: "zd",
      httpRequestMethod: "PUT",
      httpRequestPath: "api/v2/tickets/{{TicketId}}.json?identity={{Note | urlencode}}&raw={{Note}}",
      httpContentType: "Application/JSON",
      httpRequestBody: '{"ticket": {"comment": {"body": "Caller said: {{Note}}"}}}',
    });
    const vars = new FakeVariables(types, { Note: "+1408 é", TicketId: "12%2F34" });
    await runActivity(httpRequest, fakeContext({ activity: def, vars, http: gateway, clock }));
    // `| urlencode` is encoded once; a raw space and é are encoded as any client must; %2F is kept.
    expect(seen[0]!.url).toBe("https://acme.zendesk.test/api/v2/tickets/12%2F34.json?identity=%2B1408+%C3%A9&raw=+1408%20%C3%A9");
    expect(seen[0]!.body).toBe('{"ticket": {"comment": {"body": "Caller said: +1408 é"}}}');
  });

  it("with http.escaping: strict JSON-escapes interpolated values in a JSON body and sends the normalised content type", async () => {
    const clock = new VirtualClock();
    const seen: Array<{ body?: string; headers: Record<string, string>; url: string; method: string }> = [];
    const gateway = gatewayWith((req) => {
      seen.push(req);
      return { status: 201, body: { ticket: { id: 77 } } };
    }, [none]);
    const def = activityDef("PostComments", "http-request-v2", {
      authenticated: true,
      connectorId: "zd",
      httpRequestMethod: "PUT",
      httpRequestPath: "api/v2/tickets/{{TicketId}}.json",
      httpContentType: "Application/JSON",
      httpRequestBody: '{"ticket": {"comment": {"body": "Caller said: {{Note}}"}}}',
      httpRequestHeaders: { "X-Note": "{{Note}}" },
      contentType: "JSON",
      outputVariableArray: [{ outputVariable: "Count", jsonPathExp: "$.ticket.id" }, { outputVariable: "Select", jsonPathExp: "" }],
    });
    const vars = new FakeVariables(types, { Note: 'she said "hi"\nthen {{left}}', TicketId: "12/../34", Count: 0 });
    await runActivity(httpRequest, fakeContext({ activity: def, vars, http: gateway, clock, env: STRICT }));
    expect(seen[0]!.method).toBe("PUT");
    expect(seen[0]!.url).toBe("https://acme.zendesk.test/api/v2/tickets/12%2F..%2F34.json");
    expect(JSON.parse(seen[0]!.body!)).toEqual({ ticket: { comment: { body: 'Caller said: she said "hi"\nthen {{left}}' } } });
    expect(seen[0]!.headers["Content-Type"]).toBe("application/json");
    expect(seen[0]!.headers["X-Note"]).toBe('she said "hi" then {{left}}');
    expect(vars.values.get("Count")).toBe(77);
  });

  it("encodes query parameters once: what a query value cannot hold, an existing %XX kept; uses the full URL when not authenticated", async () => {
    const clock = new VirtualClock();
    const urls: string[] = [];
    const gateway = gatewayWith((req) => {
      urls.push(req.url);
      return { status: 200, body: "not json" };
    });
    const def = activityDef("Search", "http-request-v2", {
      authenticated: false,
      httpRequestUrl: "https://api.example.test/search",
      httpRequestMethod: "GET",
      httpQueryParameters: { query: "type:ticket requester:{{TicketId}}", sort_order: "desc" },
      outputVariableArray: [{ outputVariable: "Note", jsonPathExp: "$.results[0].id" }],
    });
    const vars = new FakeVariables(types, { TicketId: "a&b=c", Note: "null" });
    expect(await runActivity(httpRequest, fakeContext({ activity: def, vars, http: gateway, clock }))).toBe("default");
    expect(urls[0]).toBe("https://api.example.test/search?query=type:ticket%20requester:a%26b%3Dc&sort_order=desc");
    expect(vars.values.get("Note")).toBe("null"); // unparsable body: every mapping misses

    const encoded = activityDef("Search", "http-request-v2", { authenticated: false, httpRequestUrl: "https://api.example.test/search", httpQueryParameters: { identity: "{{TicketId | urlencode}}" } });
    await runActivity(httpRequest, fakeContext({ activity: encoded, vars: new FakeVariables(types, { TicketId: "+1408" }), http: gateway, clock }));
    expect(urls[1]).toBe("https://api.example.test/search?identity=%2B1408");

    // strict: every character but RFC 3986's unreserved ones percent-encoded, as before.
    await runActivity(httpRequest, fakeContext({ activity: def, vars: new FakeVariables(types, { TicketId: "a&b=c", Note: "null" }), http: gateway, clock, env: STRICT }));
    expect(urls[2]).toBe("https://api.example.test/search?query=type%3Aticket%20requester%3Aa%26b%3Dc&sort_order=desc");
  });

  it("empties unmatched variables when the environment asks for it", async () => {
    const clock = new VirtualClock();
    const gateway = gatewayWith(() => ({ status: 200, body: { value: [] } }));
    const def = activityDef("Lookup", "http-request-v2", {
      authenticated: false,
      httpRequestUrl: "https://api.example.test/x",
      outputVariableArray: [
        { outputVariable: "Note", jsonPathExp: "value[0].a" },
        { outputVariable: "Count", jsonPathExp: "value[0].n" },
      ],
    });
    const vars = new FakeVariables(types, { Note: "NA", Count: 5 });
    await runActivity(httpRequest, fakeContext({ activity: def, vars, http: gateway, clock, env: { http: { jsonPathMiss: "empty", timeoutMode: "globalError" } } }));
    expect(vars.values.get("Note")).toBe("");
    expect(vars.values.get("Count")).toBe(5);
  });

  it("turns a timeout into an activity error naming the activity, the deadline and the URL", async () => {
    const clock = new VirtualClock();
    const gateway = gatewayWith(async (_req, { clock: c, signal }) => {
      await c.sleep(10_000, signal);
      return { status: 200 };
    }, [{ ...none, resourceDomain: "https://crm.example.test/api/data/v9.2/" }]);
    const def = activityDef("GetCustomerInfo", "http-request-v2", { authenticated: true, connectorId: "zd", httpRequestPath: "contacts", httpResponseTimeout: "2000", retryAttempts: "1" });
    const ctx = fakeContext({ activity: def, vars: new FakeVariables(types), http: gateway, clock });
    const err = await runActivity(httpRequest, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActivityError);
    expect((err as ActivityError).message).toBe("GetCustomerInfo: timeout after 2000 ms calling https://crm.example.test/api/data/v9.2/contacts");
    expect(ctx.events).toEqual([
      { type: "http", method: "GET", url: "https://crm.example.test/api/data/v9.2/contacts", ms: 2000, attempts: 1, failure: "timeout after 2000 ms calling https://crm.example.test/api/data/v9.2/contacts", connector: "Zendesk" },
    ]);
    expect(ctx.fakeVars.outputs.get("GetCustomerInfo")).toBeUndefined();
  });

  it("with timeoutMode status408 a passed deadline leaves by default: status 408, empty body, mappings miss", async () => {
    const clock = new VirtualClock();
    const gateway = gatewayWith(async (_req, { clock: c, signal }) => {
      await c.sleep(10_000, signal);
      return { status: 200, body: { id: "late" } };
    });
    const def = activityDef("Lookup", "http-request-v2", { authenticated: false, httpRequestUrl: "https://api.example.test/slow", httpResponseTimeout: 1500, outputVariableArray: [{ outputVariable: "Note", jsonPathExp: "$.id" }] });
    const keep = fakeContext({ activity: def, vars: new FakeVariables(types, { Note: "NA" }), http: gateway, clock, env: { http: { jsonPathMiss: "keep", timeoutMode: "status408" } } });
    expect(await runActivity(httpRequest, keep)).toBe("default");
    expect(keep.fakeVars.outputs.get("Lookup")).toEqual({ httpStatusCode: 408, httpResponseBody: "", httpResponseHeaders: {} });
    expect(keep.fakeVars.values.get("Note")).toBe("NA");
    expect(keep.events).toEqual([{ type: "http", method: "GET", url: "https://api.example.test/slow", ms: 1500, attempts: 1, failure: "timeout after 1500 ms calling https://api.example.test/slow" }]);

    const empty = fakeContext({ activity: def, vars: new FakeVariables(types, { Note: "NA" }), http: gateway, clock, env: { http: { jsonPathMiss: "empty", timeoutMode: "status408" } } });
    await runActivity(httpRequest, empty);
    expect(empty.fakeVars.values.get("Note")).toBe("");
  });

  it("with timeoutMode status408 a reset connection is still an activity error", async () => {
    const clock = new VirtualClock();
    const gateway = gatewayWith(() => {
      throw networkError("ECONNRESET");
    });
    const def = activityDef("Lookup", "http-request-v2", { authenticated: false, httpRequestUrl: "https://api.example.test/x", retryAttempts: 0 });
    const ctx = fakeContext({ activity: def, vars: new FakeVariables(types), http: gateway, clock, env: { http: { jsonPathMiss: "keep", timeoutMode: "status408" } } });
    await expect(runActivity(httpRequest, ctx)).rejects.toThrow(ActivityError);
    expect(ctx.fakeVars.outputs.get("Lookup")).toBeUndefined();
  });

  it("maps XML and TOML responses by JSONPath once normalised to JSON (contentType)", async () => {
    const clock = new VirtualClock();
    const xml = '<?xml version="1.0"?><root><item id="7"><name>Dana &amp; Co</name></item><item id="8"><name>Lee</name></item></root>';
    const toml = 'ticket = { id = 77 }\n[[tags]]\nname = "vip"\n';
    const gateway = gatewayWith((req) => (req.url.endsWith("/xml") ? { status: 200, headers: { "content-type": "application/xml" }, body: xml } : { status: 200, headers: { "content-type": "application/toml" }, body: toml }));
    const typesXml: Record<string, VariableType> = { Note: "STRING", TicketId: "STRING", Count: "INTEGER" };
    const xmlDef = activityDef("Xml", "http-request-v2", {
      authenticated: false,
      httpRequestUrl: "https://api.example.test/xml",
      contentType: "XML",
      outputVariableArray: [
        { outputVariable: "Note", jsonPathExp: "$.root.item[0].name" },
        { outputVariable: "TicketId", jsonPathExp: "root.item[1].@id" },
      ],
    });
    const xmlVars = new FakeVariables(typesXml, { Note: "NA", TicketId: "NA" });
    await runActivity(httpRequest, fakeContext({ activity: xmlDef, vars: xmlVars, http: gateway, clock }));
    expect(xmlVars.values.get("Note")).toBe("Dana & Co");
    expect(xmlVars.values.get("TicketId")).toBe("8");

    const tomlDef = activityDef("Toml", "http-request-v2", {
      authenticated: false,
      httpRequestUrl: "https://api.example.test/toml",
      contentType: "TOML",
      outputVariableArray: [
        { outputVariable: "Count", jsonPathExp: "$.ticket.id" },
        { outputVariable: "Note", jsonPathExp: "$.tags[0].name" },
      ],
    });
    const tomlVars = new FakeVariables(typesXml, { Note: "NA", Count: 0 });
    const ctx = fakeContext({ activity: tomlDef, vars: tomlVars, http: gateway, clock });
    await runActivity(httpRequest, ctx);
    expect(tomlVars.values.get("Count")).toBe(77);
    expect(tomlVars.values.get("Note")).toBe("vip");
    // The raw body is still what the server sent.
    expect(ctx.fakeVars.outputs.get("Toml")?.httpResponseBody).toBe(toml);
  });

  it("a malformed XML or TOML body, or an XML entity bomb, makes every mapping a miss and still leaves by default", async () => {
    const clock = new VirtualClock();
    const bodies: Record<string, string> = {
      "/bad-xml": "<root><item>1</root>",
      "/bomb": '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><root><item>&b;</item></root>',
      "/bad-toml": "ticket = {",
    };
    const gateway = gatewayWith((req) => ({ status: 200, body: bodies[new URL(req.url).pathname] ?? "" }));
    for (const [path, contentType] of [["/bad-xml", "XML"], ["/bomb", "XML"], ["/bad-toml", "TOML"]] as const) {
      const def = activityDef("Lookup", "http-request-v2", { authenticated: false, httpRequestUrl: `https://api.example.test${path}`, contentType, outputVariableArray: [{ outputVariable: "Note", jsonPathExp: "$..item" }] });
      const vars = new FakeVariables(types, { Note: "NA" });
      expect(await runActivity(httpRequest, fakeContext({ activity: def, vars, http: gateway, clock }))).toBe("default");
      expect(vars.values.get("Note"), path).toBe("NA");
    }
  });

  it("fails when a mapped value does not fit the variable's type", async () => {
    const clock = new VirtualClock();
    const gateway = gatewayWith(() => ({ status: 200, body: { n: "many" } }));
    const def = activityDef("Lookup", "http-request-v2", { authenticated: false, httpRequestUrl: "https://x.test/", outputVariableArray: [{ outputVariable: "Count", jsonPathExp: "$.n" }] });
    await expect(runActivity(httpRequest, fakeContext({ activity: def, vars: new FakeVariables(types), http: gateway, clock }))).rejects.toThrow(
      'Lookup: cannot set INTEGER variable Count from $.n: "many" is not an integer',
    );
  });

  it("reports an undefined connector as an activity error", async () => {
    const clock = new VirtualClock();
    const gateway = gatewayWith(() => ({ status: 200 }));
    const def = activityDef("Lookup", "http-request-v2", { authenticated: true, connectorId: "nope", httpRequestPath: "x" });
    await expect(runActivity(httpRequest, fakeContext({ activity: def, vars: new FakeVariables(types), http: gateway, clock }))).rejects.toThrow("Lookup: connector nope is not defined in the environment");
  });
});

describe("HTTP Request for the validator", () => {
  it("lists its template fields", () => {
    const def = activityDef("X", "http-request-v2", {
      authenticated: true,
      connectorId: "c",
      httpRequestPath: "a/{{b}}",
      httpRequestUrl: null,
      httpQueryParameters: { q: "{{c}}" },
      httpRequestHeaders: { "X-A": "{{d}}" },
      httpRequestBody: '{"e":"{{e}}"}',
    });
    expect(httpRequest.templates!(def)).toEqual([
      { field: "httpRequestPath", source: "a/{{b}}" },
      { field: 'httpQueryParameters["q"]', source: "{{c}}" },
      { field: 'httpRequestHeaders["X-A"]', source: "{{d}}" },
      { field: "httpRequestBody", source: '{"e":"{{e}}"}' },
    ]);
    expect(httpRequest.ports(def)).toEqual(["default"]);
  });

  it("reports a missing connector, a bad method, bad numbers, an unknown response type and a bad JSONPath", () => {
    const found: Array<Omit<Diagnostic, "path" | "activity"> & { path?: string }> = [];
    const def = activityDef("Y", "http-request-v2", {
      authenticated: true,
      httpRequestMethod: "FETCH",
      httpResponseTimeout: "soon",
      retryAttempts: -1,
      contentType: "CSV",
      outputVariableArray: [{ outputVariable: "A", jsonPathExp: "$.a.." }, { outputVariable: "Select", jsonPathExp: "" }, { outputVariable: "count", jsonPathExp: "$.n" }],
    });
    const flow = { variables: new Map([["Count", {}]]) } as unknown as FlowDefinition;
    httpRequest.validate!(def, (d) => found.push(d), flow);
    expect(found.map((d) => [d.severity, d.code, d.path])).toEqual([
      ["error", "missing-property", "connectorId"],
      ["error", "bad-property", "httpRequestMethod"],
      ["warning", "bad-property", "httpResponseTimeout"],
      ["warning", "bad-property", "retryAttempts"],
      ["warning", "unsupported-content-type", "contentType"],
      ["error", "bad-jsonpath", "outputVariableArray[0].jsonPathExp"],
      ["warning", "unknown-variable", "outputVariableArray[0].outputVariable"],
    ]);
  });
});
