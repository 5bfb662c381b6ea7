/**
 * The OpenAPI document a client reads at /api/openapi.json is generated from the routes the
 * server registered: every route is in it with its method and the roles the one route→role table
 * (auth/access.ts) grants it, and its response schemas hold for what a running server really
 * answers — checked here with a JSON Schema validator (Ajv, draft 2020-12, as OpenAPI 3.1 uses)
 * against the served document, over a call taken from dial-in to wrap-up.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessOf, ROUTE_ACCESS } from "../../src/server/auth/access.js";
import { supportEnvironment, supportFlow } from "./fixtures.js";
import { startTestServer, type Loose, type TestServer } from "./helpers.js";

let t: TestServer;
let doc: Loose;

beforeAll(async () => {
  t = await startTestServer({ flows: [{ id: "support", definition: supportFlow() }], environment: supportEnvironment });
  // Public: read without a token, as a client generator would.
  doc = (await fetch(`${t.url}/api/openapi.json`).then((r) => r.json())) as Loose;
});

afterAll(async () => {
  await t?.close();
});

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const pathOf = (url: string) => url.replace(/:(\w+)/g, "{$1}");

describe("the OpenAPI document", () => {
  it("has the structure of an OpenAPI 3.1 document", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof doc.info?.title).toBe("string");
    expect(doc.info?.version).toBe(t.server.context.version);
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Loose>>)) {
      expect(path, "paths start with /").toMatch(/^\//);
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item)) {
        expect(METHODS, `${path}: ${method} is an HTTP method`).toContain(method);
        const responses = Object.keys(op.responses ?? {});
        for (const status of responses) expect(status, `${method} ${path}`).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        for (const p of op.parameters ?? []) {
          expect(["path", "query", "header", "cookie"], `${method} ${path} parameter ${p.name}`).toContain(p.in);
          if (p.in === "path") expect(p.required, `${method} ${path}: path parameter ${p.name} is required`).toBe(true);
        }
        expect((op.parameters ?? []).filter((p: Loose) => p.in === "path").map((p: Loose) => p.name), `${method} ${path}: every path parameter declared`).toEqual(inPath);
        expect(typeof op.summary, `${method} ${path} has a summary`).toBe("string");
        expect(op.tags?.length, `${method} ${path} has a tag`).toBeGreaterThan(0);
        for (const tag of op.tags) expect(doc.tags.map((x: Loose) => x.name), `${method} ${path}: tag ${tag} is described`).toContain(tag);
      }
    }
    // Every reference points at a component that is there.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(\w+)\/([\w.-]+)"/g)];
    expect(refs.filter(([, kind, name]) => !doc.components?.[kind!]?.[name!]).map((m) => m[0])).toEqual([]);
    // Every scheme an operation names is declared.
    const schemes = new Set(Object.keys(doc.components.securitySchemes));
    const named = Object.values(doc.paths as Record<string, Record<string, Loose>>).flatMap((item) => Object.values(item).flatMap((op) => (op.security ?? []).flatMap((s: object) => Object.keys(s))));
    expect(named.filter((s) => !schemes.has(s))).toEqual([]);
  });

  it("lists every registered route, and only those, with its method and the roles the route table grants it", () => {
    expect(t.server.routes.length).toBeGreaterThan(40);
    const documented = Object.entries(doc.paths as Record<string, Record<string, Loose>>).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(t.server.routes.map((r) => `${r.method} ${pathOf(r.url)}`).sort());
    // The table has no route the server lacks (a stale grant would be a hole waiting for a route).
    expect(Object.keys(ROUTE_ACCESS).map((k) => k.replace(/:(\w+)/g, "{$1}")).sort()).toEqual(documented.sort());
    for (const route of t.server.routes) {
      const op = doc.paths[pathOf(route.url)][route.method.toLowerCase()];
      const grants = accessOf(route.method, route.url)!;
      expect(op["x-ccflow-roles"], `${route.method} ${route.url}'s roles`).toEqual(grants);
      if (grants.includes("public")) {
        expect(op.security, `${route.method} ${route.url} is public`).toEqual([]);
      } else {
        expect(op.security, `${route.method} ${route.url}: a bearer token or the session cookie`).toEqual([{ bearer: ["api://ccflow/.default"] }, { session: [] }]);
        expect(Object.keys(op.responses), `${route.method} ${route.url} can refuse`).toEqual(expect.arrayContaining(["401", "403"]));
        expect(op.description, `${route.method} ${route.url} says who`).toMatch(/Who: /);
      }
    }
  });

  it("states a success response for every operation, with a schema for each JSON one, and the request body's schema where there is a body", () => {
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Loose>>)) {
      for (const [method, op] of Object.entries(item)) {
        const success = Object.keys(op.responses).filter((s) => /^[123]/.test(s));
        expect(success.length, `${method} ${path} has a success response`).toBeGreaterThan(0);
        for (const s of success) {
          const json = op.responses[s].content?.["application/json"];
          if (json) expect(Object.keys(json.schema ?? {}).length, `${method} ${path} ${s} has a schema`).toBeGreaterThan(0);
        }
      }
    }
    const placeCall = doc.paths["/api/calls"].post.requestBody;
    expect(placeCall.required).toBe(true);
    expect(placeCall.content["application/json"].schema).toMatchObject({ required: ["ani"], additionalProperties: false, properties: { ani: { type: "string", description: expect.stringContaining("ANI") } } });
    // An action whose body may be left out says so.
    expect(doc.paths["/api/agents/{id}/login"].post.requestBody.required).toBe(false);
    expect(doc.paths["/api/agents/{id}/transfer"].post.requestBody.required, "a transfer needs a queue or an agent").toBe(true);
    expect(JSON.stringify(doc)).not.toContain("x-ccflow-optional-body");
    expect(doc.paths["/api/calls/{id}/ws"].get.responses["101"].description).toMatch(/WebSocket/);
  });
});

describe("each route's error descriptions say what that route's status means there", () => {
  const response = (path: string, method: string, status: number) => doc.paths[path]?.[method]?.responses?.[String(status)];

  it("gives 502 only where a route depends on something upstream, each naming its own cause", () => {
    const with502 = Object.entries(doc.paths as Record<string, Record<string, Loose>>).flatMap(([path, item]) => Object.entries(item).filter(([, op]) => op.responses["502"]).map(([m]) => `${m.toUpperCase()} ${path}`));
    expect(with502.sort()).toEqual(["GET /auth/login", "POST /api/agents/{id}/consult", "POST /api/agents/{id}/transfer"]);
    expect(response("/api/agents/{id}/consult", "post", 502).description).toMatch(/^TRANSFER_FAILED: .*busy, refused or did not answer/);
    expect(response("/api/agents/{id}/transfer", "post", 502).description).toMatch(/^TRANSFER_FAILED: .*busy, refused or did not answer/);
    expect(response("/auth/login", "get", 502).description).toMatch(/^IDENTITY_PROVIDER_UNAVAILABLE: the identity provider cannot be reached/);
  });

  it("says which 503s a route can give besides starting up", () => {
    expect(response("/api/info", "get", 503).description).toMatch(/STARTING.*CENTER_UNAVAILABLE/);
    expect(response("/api/info", "get", 503).description).not.toMatch(/NO_/);
    expect(response("/api/records", "get", 503).description).toMatch(/NO_RECORDS/);
    expect(response("/api/agents/{id}/hold", "post", 503).description).toMatch(/NO_CONTROLS/);
    expect(response("/api/agents/{id}/hold", "post", 503).description).not.toMatch(/NO_OUTSIDE_LINE/);
    expect(response("/api/agents/{id}/transfer", "post", 503).description).toMatch(/NO_OUTSIDE_LINE/);
  });
});

describe("the document's response schemas hold for what the server answers", () => {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  let validated = 0;

  /** Checks a real response against the schema the document gives its route and status. */
  function conforms(method: string, path: string, res: { status: number; body: unknown }): void {
    const op = doc.paths[path]?.[method.toLowerCase()];
    expect(op, `${method} ${path} is documented`).toBeDefined();
    const response = op.responses[String(res.status)];
    expect(response, `${method} ${path} documents status ${res.status}`).toBeDefined();
    const schema = response.content?.["application/json"]?.schema;
    expect(schema, `${method} ${path} ${res.status} has a JSON schema`).toBeDefined();
    const validate = ajv.compile({ ...schema, $defs: undefined, components: doc.components });
    const ok = validate(res.body);
    expect(ok ? [] : validate.errors, `${method} ${path} ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`).toEqual([]);
    validated++;
  }

  async function call(method: string, path: string, url: string, body?: unknown) {
    const res = await t.call(method, url, body);
    conforms(method, path, res);
    return res;
  }

  it("over a call from dial-in to wrap-up, and the supervisor's views of it", async () => {
    await call("GET", "/api/session", "/api/session");
    await call("GET", "/api/info", "/api/info");
    await call("GET", "/api/flows", "/api/flows");
    const placed = await call("POST", "/api/calls", "/api/calls", { ani: "+14805550123", flow: "support" });
    const id: string = placed.body.interactionId;
    await call("POST", "/api/calls/{id}/digits", `/api/calls/${id}/digits`, { digits: "1" });
    await call("GET", "/api/calls/{id}", `/api/calls/${id}`);
    await call("GET", "/api/agents", "/api/agents");
    await call("POST", "/api/agents/{id}/login", "/api/agents/ana/login");
    const queued = async () => (await t.call("GET", "/api/queues")).body.find((q: Loose) => q.id === "Q-Test")?.waiting.length === 1;
    for (let i = 0; i < 200 && !(await queued()); i++) await new Promise((r) => setTimeout(r, 25));
    await call("GET", "/api/queues", "/api/queues");
    await call("GET", "/api/contacts", "/api/contacts?state=active");
    await call("POST", "/api/agents/{id}/state", "/api/agents/ana/state", { state: "Available" });
    const desk = await call("GET", "/api/agents/{id}", "/api/agents/ana");
    expect(desk.body.offer, "the offer rings").toBeDefined();
    await call("POST", "/api/agents/{id}/accept", "/api/agents/ana/accept", { offerId: desk.body.offer.offerId });
    await call("POST", "/api/agents/{id}/hold", "/api/agents/ana/hold");
    await call("POST", "/api/agents/{id}/resume", "/api/agents/ana/resume");
    await call("POST", "/api/agents/{id}/mute", "/api/agents/ana/mute", { muted: true });
    await call("GET", "/api/agents/{id}", "/api/agents/ana");
    await call("POST", "/api/agents/{id}/end", "/api/agents/ana/end");
    await call("POST", "/api/agents/{id}/wrapup", "/api/agents/ana/wrapup", { state: "Idle", reason: "Lunch" });
    await call("GET", "/api/contacts/{id}", `/api/contacts/${id}`);
    await call("POST", "/api/calls/{id}/hangup", `/api/calls/${id}/hangup`);
    await call("GET", "/api/reports", "/api/reports?interval=1h");
    const records = await call("GET", "/api/records", "/api/records");
    expect(records.body.length, "the call left a record").toBeGreaterThan(0);
    await call("GET", "/api/records/{id}", `/api/records/${id}`);
    await call("POST", "/api/agents/{id}/logout", "/api/agents/ana/logout");
  });

  it("for refusals and mistakes too (the one error shape)", async () => {
    await call("GET", "/api/calls/{id}", "/api/calls/nope");
    await call("POST", "/api/calls", "/api/calls", { ani: "+1480<script>" });
    await call("POST", "/api/agents/{id}/accept", "/api/agents/ana/accept", { offerId: 99 });
    await call("GET", "/api/reports", "/api/reports?interval=5m");
    const anonymous = await fetch(`${t.url}/api/agents`);
    conforms("GET", "/api/agents", { status: anonymous.status, body: await anonymous.json() });
    expect(anonymous.status).toBe(401);
  });

  it("and the server found no response that does not fit its schema", () => {
    expect(validated).toBeGreaterThan(25);
    expect(t.logs.filter((l) => l.includes("does not match its schema"))).toEqual([]);
  });
});
