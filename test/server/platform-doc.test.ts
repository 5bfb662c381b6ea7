/**
 * The second OpenAPI document (/api/openapi-platform.json) covers what the server answers outside
 * the contact center API — the embedded CRM's Web API and token service, the identity service,
 * the record pages and /sip — lists every such route the server registered, and its schemas hold
 * for real answers (Ajv, JSON Schema 2020-12) from a server with the CRM and SIP running.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_APP } from "../helpers/api-auth.js";
import { supportEnvironment, supportFlow } from "./fixtures.js";
import { startTestServer, type Loose, type TestServer } from "./helpers.js";

let t: TestServer;
let doc: Loose;

beforeAll(async () => {
  t = await startTestServer({ flows: [{ id: "support", definition: supportFlow() }], environment: supportEnvironment, crm: true, extra: { sipPort: 0 } });
  doc = (await fetch(`${t.url}/api/openapi-platform.json`).then((r) => r.json())) as Loose;
}, 60_000);

afterAll(async () => {
  await t?.close();
});

/** The document's path a route stands for: `:tenant` → `{tenant}`; the Web API's wildcard → every path below it. */
function documentedFor(method: string, url: string): string[] {
  const m = method.toLowerCase();
  const has = (p: string) => Boolean(doc.paths[p]?.[m]);
  if (url.startsWith("/api/data/:version")) return Object.keys(doc.paths).filter((p) => p.startsWith("/api/data/v9.2/") && has(p));
  const path = url.replace(/\/\*$/, "/{path}").replace(/:(\w+)/g, "{$1}");
  return has(path) ? [path] : [];
}

describe("the platform document", () => {
  it("is linked from the API's document and the server's addresses", async () => {
    const api = (await fetch(`${t.url}/api/openapi.json`).then((r) => r.json())) as Loose;
    expect(api.externalDocs.url).toBe("/api/openapi-platform.json");
    expect(t.server.context.urls.openapiPlatform).toBe(`${t.url}/api/openapi-platform.json`);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.externalDocs.url).toBe("/api/openapi.json");
  });

  it("documents every route the server registered outside the API, and no path it does not answer", () => {
    const routes = t.server.otherRoutes.filter((r) => r.url !== "/*"); // the web UI's files
    expect(routes.length).toBeGreaterThan(15);
    expect(routes.filter((r) => documentedFor(r.method, r.url).length === 0).map((r) => `${r.method} ${r.url}`)).toEqual([]);
    // Each documented operation is one of those routes (the Web API's paths all go to its wildcard).
    const known = new Set(routes.map((r) => `${r.method} ${r.url.replace(/\/\*$/, "/{path}").replace(/:(\w+)/g, "{$1}")}`));
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Loose>>)) {
      for (const method of Object.keys(item)) {
        const served = path.startsWith("/api/data/v9.2/") ? known.has(`${method.toUpperCase()} /api/data/{version}/{path}`) : known.has(`${method.toUpperCase()} ${path}`);
        expect(served, `${method.toUpperCase()} ${path} is served`).toBe(true);
      }
    }
  });

  it("describes each CRM table from its definition: entity set, columns and option sets", () => {
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/data/v9.2/contacts", "/api/data/v9.2/incidents({id})", "/api/data/v9.2/$batch", "/identity/token", "/{tenant}/oauth2/v2.0/token", "/sip"]));
    const incident = doc.components.schemas["crm.incident"];
    expect(incident.properties.prioritycode).toEqual({ type: ["integer", "null"], enum: [1, 2, 3], "x-ccflow-labels": { 1: "High", 2: "Normal", 3: "Low" }, description: "Priority (1 High, 2 Normal, 3 Low)" });
    expect(incident.properties._customerid_value.description).toMatch(/account or contact/);
  });
});

describe("its schemas hold for what the server answers", () => {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  let checked = 0;

  function conforms(method: string, path: string, status: number, body: unknown): void {
    const response = doc.paths[path]?.[method]?.responses?.[String(status)];
    expect(response, `${method} ${path} documents ${status}`).toBeDefined();
    const schema = response.content?.["application/json"]?.schema;
    expect(schema, `${method} ${path} ${status} has a JSON schema`).toBeDefined();
    const validate = ajv.compile({ ...schema, components: doc.components });
    expect(validate(body) ? [] : validate.errors, `${method} ${path} ${status}: ${JSON.stringify(body).slice(0, 300)}`).toEqual([]);
    checked++;
  }

  async function get(path: string, url: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${t.url}${url}`, { headers });
    const body = await res.json();
    conforms("get", path, res.status, body);
    return body as Loose;
  }

  async function form(path: string, url: string, fields: Record<string, string>) {
    const res = await fetch(`${t.url}${url}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields) });
    const body = await res.json();
    conforms("post", path, res.status, body);
    return body as Loose;
  }

  it("for the identity service", async () => {
    await get("/identity/.well-known/openid-configuration", "/identity/.well-known/openid-configuration");
    await get("/identity/jwks", "/identity/jwks");
    await form("/identity/token", "/identity/token", { grant_type: "client_credentials", client_id: DEV_APP.clientId, client_secret: DEV_APP.clientSecret, scope: "api://ccflow/.default" });
    await form("/identity/token", "/identity/token", { grant_type: "client_credentials", client_id: DEV_APP.clientId, client_secret: DEV_APP.clientSecret, scope: "nope" });
  });

  it("for the CRM's token service and its Web API, with a token it gave", async () => {
    const tenant = t.server.context.crm!.tenantId;
    await get("/{tenant}/v2.0/.well-known/openid-configuration", `/${tenant}/v2.0/.well-known/openid-configuration`);
    await get("/{tenant}/discovery/v2.0/keys", `/${tenant}/discovery/v2.0/keys`);
    await get("/common/discovery/instance", "/common/discovery/instance");
    const token = await form("/{tenant}/oauth2/v2.0/token", `/${tenant}/oauth2/v2.0/token`, { grant_type: "client_credentials", client_id: t.server.context.crm!.clientId, client_secret: DEV_APP.clientSecret, scope: `${t.url}/.default` });
    await form("/{tenant}/oauth2/v2.0/token", `/${tenant}/oauth2/v2.0/token`, { grant_type: "client_credentials", client_id: t.server.context.crm!.clientId, client_secret: "wrong", scope: `${t.url}/.default` });
    const auth = { authorization: `Bearer ${token.access_token}`, prefer: 'odata.include-annotations="*"' };
    await get("/api/data/v9.2/WhoAmI", "/api/data/v9.2/WhoAmI", auth);
    for (const [table, key] of [["contacts", "contactid"], ["accounts", "accountid"], ["incidents", "incidentid"]] as const) {
      const rows = await get(`/api/data/v9.2/${table}`, `/api/data/v9.2/${table}?$top=3&$count=true`, auth);
      expect(rows.value.length, table).toBeGreaterThan(0);
      await get(`/api/data/v9.2/${table}({id})`, `/api/data/v9.2/${table}(${rows.value[0][key]})`, auth);
    }
    await get("/api/data/v9.2/contacts", "/api/data/v9.2/contacts?$filter=nope eq 1", auth);
    await get("/api/data/v9.2/contacts", "/api/data/v9.2/contacts");
  });

  it("for /sip asked without an upgrade", async () => {
    const res = await fetch(`${t.url}/sip`);
    expect(res.status).toBe(426);
    expect(doc.paths["/sip"].get.responses["426"]).toBeDefined();
    expect(checked).toBeGreaterThan(15);
  });
});
