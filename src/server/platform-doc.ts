/**
 * The second OpenAPI 3.1 document: what the server answers besides the contact center API — the
 * embedded CRM's Dataverse-style Web API (`/api/data/v9.2/…`), its Entra-style token service and
 * discovery, the identity service (`/identity/…`: OpenID Connect discovery, JWKS, authorize,
 * token, logout), the CRM's record pages and SIP over WebSocket (`/sip`). Served at
 * /api/openapi-platform.json and linked from /api/openapi.json.
 *
 * Why it is built here and not by @fastify/swagger from route schemas: the Web API is one
 * wildcard route that parses OData resource paths itself, and the token endpoints take forms
 * their handlers read as they come (as Entra and Dataverse do, down to their error shapes). So
 * the document is derived from the same sources the server answers from instead: each table's
 * entity set, columns, option sets and lookups come from the CRM's table definitions
 * (crm/schema), so a table or column added there is documented without a line here. That the
 * document lists every route the server registered outside /api, and that its schemas hold for
 * real answers, is checked by test/server/platform-doc.test.ts.
 */
import { z } from "zod";
import { API_SCOPE, IDENTITY_PREFIX } from "../identity/index.js";
import { Schema } from "../crm/schema/schema.js";
import type { ColumnDef, TableDef } from "../crm/schema/types.js";
import { lookupValueName } from "../crm/schema/types.js";
import { SIP_WEBSOCKET_PATH } from "./sip-websocket.js";

type Json = Record<string, unknown>;

/** What the server runs, which decides what the document lists. */
export interface PlatformParts {
  version: string;
  /** The embedded CRM (Web API, its token service, record pages). */
  crm: boolean;
  /** The embedded identity service (absent with an external OpenID Connect provider). */
  identity: boolean;
  /** SIP over WebSocket on /sip (the SIP front runs). */
  sip: boolean;
}

/** The Dataverse Web API version the server documents (it answers v9.0 to v9.2 alike). */
export const WEB_API = "/api/data/v9.2";

const js = (schema: z.ZodType): Json => {
  const out = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as Json;
  delete out.$schema;
  return out;
};
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: Json, description: string) => ({ description, content: { "application/json": { schema } } });
const html = (description: string) => ({ description, content: { "text/html": { schema: { type: "string" } } } });

// ---- OAuth 2.0 and OpenID Connect shapes (RFC 6749, 8414, 7517; OpenID Connect Discovery)

const tokenResponse = z.looseObject({
  token_type: z.literal("Bearer"),
  expires_in: z.number().int(),
  access_token: z.string().describe("A JWT signed RS256 by the key in the JWKS"),
  id_token: z.string().optional().describe("authorization_code only"),
  scope: z.string().optional(),
});
const oauthError = z.looseObject({ error: z.string().describe("invalid_client, invalid_grant, invalid_scope, unsupported_grant_type, temporarily_unavailable…"), error_description: z.string().optional() });
const entraError = oauthError.extend({ error_codes: z.array(z.number()).optional(), trace_id: z.string().optional(), correlation_id: z.string().optional(), timestamp: z.string().optional() });
const discovery = z.looseObject({ issuer: z.string(), token_endpoint: z.string(), jwks_uri: z.string(), authorization_endpoint: z.string(), response_types_supported: z.array(z.string()), id_token_signing_alg_values_supported: z.array(z.string()) });
const jwks = z.looseObject({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string(), n: z.string(), e: z.string() })).min(1) });

const identityTokenForm = z.object({
  grant_type: z.enum(["client_credentials", "authorization_code"]),
  client_id: z.string().optional().describe("Or HTTP Basic"),
  client_secret: z.string().optional().describe("Or HTTP Basic"),
  scope: z.string().optional().describe(`client_credentials: ${API_SCOPE}`),
  code: z.string().optional().describe("authorization_code"),
  redirect_uri: z.string().optional().describe("authorization_code"),
  code_verifier: z.string().optional().describe("authorization_code (PKCE, S256)"),
});
const crmTokenForm = z.object({
  grant_type: z.literal("client_credentials"),
  client_id: z.string(),
  client_secret: z.string().optional().describe("Or client_assertion (a JWT signed with the app's certificate)"),
  client_assertion_type: z.string().optional(),
  client_assertion: z.string().optional(),
  scope: z.string().optional().describe("v2.0: {org url}/.default"),
  resource: z.string().optional().describe("v1: the org url"),
});

// ---- the Web API's entities, from the CRM's table definitions

function columnSchema(column: ColumnDef): Json {
  const base = ((): Json => {
    switch (column.type) {
      case "uniqueidentifier":
        return { type: "string", format: "uuid" };
      case "string":
      case "memo":
        return { type: "string", ...(column.maxLength ? { maxLength: column.maxLength } : {}) };
      case "integer":
      case "bigint":
        return { type: "integer" };
      case "decimal":
      case "money":
      case "double":
        return { type: "number" };
      case "boolean":
        return { type: "boolean" };
      case "datetime":
        return { type: "string", format: "date-time" };
      case "picklist":
      case "state":
      case "status":
        return { type: "integer", enum: column.options?.map((o) => o.value), "x-ccflow-labels": Object.fromEntries((column.options ?? []).map((o) => [o.value, o.label])) };
    }
  })();
  const options = column.options?.length ? ` (${column.options.map((o) => `${o.value} ${o.label}`).join(", ")})` : "";
  const readOnly = column.validForCreate === false && column.validForUpdate === false;
  return { ...base, type: [base.type, "null"], description: `${column.displayName}${options}${readOnly ? "; set by the system" : ""}` };
}

function entitySchema(table: TableDef): Json {
  const properties: Json = { "@odata.etag": { type: "string", description: "The row version, for If-Match" } };
  for (const c of table.columns) properties[c.name] = columnSchema(c);
  for (const l of table.lookups) properties[lookupValueName(l)] = { type: ["string", "null"], format: "uuid", description: `${l.displayName}: the id of a ${l.targets.join(" or ")} (write it with ${Object.values(l.navigation).map((n) => `${n}@odata.bind`).join(" or ")})` };
  return {
    type: "object",
    description: `${table.displayName} (${table.logicalName}); the properties a query selects, with annotations (FormattedValue…) when Prefer asks for them`,
    properties,
    additionalProperties: true,
  };
}

const collectionOf = (name: string): Json => ({
  type: "object",
  properties: { "@odata.context": { type: "string" }, "@odata.count": { type: "integer" }, "@odata.nextLink": { type: "string", description: "The next page ($skiptoken)" }, value: { type: "array", items: ref(name) } },
  required: ["value"],
});

const entityName = (table: TableDef) => `crm.${table.logicalName}`;

const ODATA_QUERY = [
  ["$select", "Columns to return, comma-separated"],
  ["$filter", "OData v4 filter: eq, ne, gt, ge, lt, le, and, or, not, contains, startswith, endswith…"],
  ["$orderby", "Columns, each optionally asc or desc"],
  ["$top", "At most this many rows"],
  ["$expand", "Navigation properties to include"],
  ["$count", "true: add @odata.count"],
].map(([name, description]) => ({ name, in: "query", required: false, description, schema: { type: "string" } }));

const PREFER = { name: "Prefer", in: "header", required: false, description: 'odata.include-annotations="*", odata.maxpagesize=N, return=representation', schema: { type: "string" } };
const IF_MATCH = { name: "If-Match", in: "header", required: false, description: "An @odata.etag: the change applies only to that version (412 otherwise); * for update only", schema: { type: "string" } };
const ID = { name: "id", in: "path", required: true, description: "The row's id (GUID), or alternate key values such as telephone1='+1…'", schema: { type: "string" } };

const webApiErrors = {
  401: jsonContent(ref("crm.Error"), "No bearer token, or not one for this org (WWW-Authenticate names the authority)"),
  429: jsonContent(ref("crm.Error"), "A service protection limit (Retry-After)"),
};

function webApiPaths(schema: Schema): Json {
  const paths: Json = {};
  const security = [{ crmBearer: [] }];
  const op = (summary: string, responses: Json, extra: Json = {}) => ({ tags: ["crm-web-api"], summary, security, ...extra, responses: { ...responses, ...webApiErrors } });
  paths[`${WEB_API}/`] = { get: op("The service document: every entity set", { 200: jsonContent({ type: "object", properties: { value: { type: "array" } } }, "Entity sets") }) };
  paths[`${WEB_API}/$metadata`] = { get: op("The CSDL metadata (types, properties, navigation)", { 200: { description: "CSDL XML", content: { "application/xml": { schema: { type: "string" } } } } }) };
  paths[`${WEB_API}/$batch`] = {
    post: op("Several requests in one: multipart/mixed, change sets all-or-nothing", { 200: { description: "multipart/mixed answers, one per request", content: { "multipart/mixed": { schema: { type: "string" } } } } }, { requestBody: { required: true, content: { "multipart/mixed": { schema: { type: "string" } } } } }),
  };
  paths[`${WEB_API}/WhoAmI`] = { get: op("The caller's user, business unit and organization", { 200: jsonContent(ref("crm.WhoAmIResponse"), "Who is asking") }) };
  paths[`${WEB_API}/RetrieveVersion`] = { get: op("The service's version", { 200: jsonContent({ type: "object", properties: { Version: { type: "string" } }, required: ["Version"] }, "Version") }) };
  for (const table of schema.tables) {
    const name = entityName(table);
    const errors = { 400: jsonContent(ref("crm.Error"), "The query or body is not valid (the message names the part)"), 404: jsonContent(ref("crm.Error"), "No such row") };
    paths[`${WEB_API}/${table.entitySet}`] = {
      get: op(`${table.displayName} rows`, { 200: jsonContent(collectionOf(name), "Rows"), 400: errors[400] }, { parameters: [...ODATA_QUERY, PREFER] }),
      post: op(`Create a ${table.displayName.toLowerCase()}`, { 204: { description: "Created; OData-EntityId names it" }, 201: jsonContent(ref(name), "Created (Prefer: return=representation)"), 400: errors[400] }, { parameters: [PREFER], requestBody: { required: true, content: { "application/json": { schema: ref(name) } } } }),
    };
    paths[`${WEB_API}/${table.entitySet}/$count`] = { get: op(`How many ${table.displayName.toLowerCase()} rows (at most 5,000 counted)`, { 200: { description: "The count", content: { "text/plain": { schema: { type: "string" } } } } }) };
    paths[`${WEB_API}/${table.entitySet}({id})`] = {
      get: op(`One ${table.displayName.toLowerCase()}`, { 200: jsonContent(ref(name), "The row"), 304: { description: "Not modified (If-None-Match)" }, ...errors }, { parameters: [ID, { name: "$select", in: "query", required: false, schema: { type: "string" } }, { name: "$expand", in: "query", required: false, schema: { type: "string" } }, PREFER] }),
      patch: op(`Update (or, without If-Match, upsert) a ${table.displayName.toLowerCase()}`, { 204: { description: "Done" }, 200: jsonContent(ref(name), "Done (Prefer: return=representation)"), 412: jsonContent(ref("crm.Error"), "If-Match did not match"), ...errors }, { parameters: [ID, IF_MATCH, PREFER], requestBody: { required: true, content: { "application/json": { schema: ref(name) } } } }),
      delete: op(`Delete a ${table.displayName.toLowerCase()}`, { 204: { description: "Deleted" }, 412: jsonContent(ref("crm.Error"), "If-Match did not match"), ...errors }, { parameters: [ID, IF_MATCH] }),
    };
    const property = { name: "property", in: "path", required: true, description: "A column, a lookup's _x_value, or a navigation property (then GET only; /$ref for the link)", schema: { type: "string" } };
    paths[`${WEB_API}/${table.entitySet}({id})/{property}`] = {
      get: op(`One property of a ${table.displayName.toLowerCase()}, or the rows a navigation property leads to`, { 200: jsonContent({ type: "object", properties: { value: {} } }, "The value"), ...errors }, { parameters: [ID, property] }),
      put: op("Set one property", { 204: { description: "Done" }, ...errors }, { parameters: [ID, property], requestBody: { required: true, content: { "application/json": { schema: { type: "object", properties: { value: {} }, required: ["value"] } } } } }),
      delete: op("Clear one property (set it to null)", { 204: { description: "Done" }, ...errors }, { parameters: [ID, property] }),
      post: op("Create a row linked through a collection navigation property", { 204: { description: "Created" }, ...errors }, { parameters: [ID, property], requestBody: { required: true, content: { "application/json": { schema: { type: "object" } } } } }),
    };
  }
  return paths;
}

function crmAuthPaths(): Json {
  const tenant = { name: "tenant", in: "path", required: true, description: "The org's tenant id (GET /api/info: crm.tenantId)", schema: { type: "string" } };
  const tags = ["crm-token-service"];
  const token = (summary: string) => ({
    post: {
      tags,
      summary,
      parameters: [tenant],
      requestBody: { required: true, content: { "application/x-www-form-urlencoded": { schema: js(crmTokenForm) } } },
      responses: { 200: jsonContent(js(tokenResponse), "An access token for the Web API"), 400: jsonContent(js(entraError), "Entra's error shape (AADSTS codes)"), 401: jsonContent(js(entraError), "Wrong client or secret") },
    },
  });
  const discoveryOp = (summary: string) => ({ get: { tags, summary, parameters: [tenant], responses: { 200: jsonContent(js(discovery), "OpenID Connect discovery"), 400: jsonContent(js(entraError), "Unknown tenant") } } });
  const keys = (params: Json[]) => ({ get: { tags, summary: "The signing keys of the CRM's tokens (JWKS)", parameters: params, responses: { 200: jsonContent(js(jwks), "JWKS") } } });
  return {
    "/{tenant}/oauth2/v2.0/token": token("A token for the Web API, as Entra ID v2.0 gives it (client credentials: secret or certificate)"),
    "/{tenant}/oauth2/token": token("The same, as Entra ID v1 (resource instead of scope)"),
    "/{tenant}/v2.0/.well-known/openid-configuration": discoveryOp("Discovery (v2.0)"),
    "/{tenant}/.well-known/openid-configuration": discoveryOp("Discovery (v1)"),
    "/{tenant}/discovery/v2.0/keys": keys([tenant]),
    "/{tenant}/discovery/keys": keys([tenant]),
    "/common/discovery/keys": keys([]),
    "/common/discovery/instance": { get: { tags, summary: "Instance discovery, as MSAL asks it", responses: { 200: jsonContent({ type: "object", properties: { tenant_discovery_endpoint: { type: "string" } }, required: ["tenant_discovery_endpoint"] }, "Where discovery is") } } },
    "/api/discovery": { get: { tags: ["crm-web-api"], summary: "Global discovery: answered 401 with the authority's challenge, as clients probing for it expect", responses: { 401: jsonContent(ref("crm.Error"), "WWW-Authenticate names the authority") } } },
    "/api/discovery/{path}": { get: { tags: ["crm-web-api"], summary: "The same, for any path below", parameters: [{ name: "path", in: "path", required: true, schema: { type: "string" } }], responses: { 401: jsonContent(ref("crm.Error"), "WWW-Authenticate names the authority") } } },
  };
}

function identityPaths(): Json {
  const tags = ["identity"];
  const authorizeQuery = ["response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge", "code_challenge_method"].map((name) => ({ name, in: "query", required: !["state", "nonce"].includes(name), schema: { type: "string" } }));
  return {
    [`${IDENTITY_PREFIX}/.well-known/openid-configuration`]: { get: { tags, summary: "OpenID Connect discovery of the identity service", responses: { 200: jsonContent(js(discovery), "Discovery") } } },
    [`${IDENTITY_PREFIX}/jwks`]: { get: { tags, summary: "The key its tokens are signed with (JWKS)", responses: { 200: jsonContent(js(jwks), "JWKS") } } },
    [`${IDENTITY_PREFIX}/authorize`]: {
      get: { tags, summary: "Sign-in page (authorization code with PKCE S256, scope openid)", parameters: authorizeQuery, responses: { 200: html("The sign-in form"), 303: { description: "Back to redirect_uri with an error" }, 400: html("Unknown client or redirect address (never redirected)") } },
      post: {
        tags,
        summary: "The sign-in form posted: back to redirect_uri with a code",
        requestBody: { required: true, content: { "application/x-www-form-urlencoded": { schema: { type: "object", properties: { username: { type: "string" }, password: { type: "string" } }, required: ["username", "password"] } } } },
        responses: { 303: { description: "To redirect_uri with code, state and iss" }, 401: html("Wrong user name or password"), 403: html("Posted from another site"), 429: html("Too many failures for this user from this address (Retry-After)") },
      },
    },
    [`${IDENTITY_PREFIX}/token`]: {
      post: {
        tags,
        summary: `A token: client credentials (scope ${API_SCOPE}, for the contact center API) or an authorization code`,
        requestBody: { required: true, content: { "application/x-www-form-urlencoded": { schema: js(identityTokenForm) } } },
        responses: { 200: jsonContent(js(tokenResponse), "Tokens"), 400: jsonContent(js(oauthError), "invalid_grant, invalid_scope, unsupported_grant_type…"), 401: jsonContent(js(oauthError), "invalid_client"), 429: jsonContent(js(oauthError), "temporarily_unavailable: too many failed client authentications (Retry-After)") },
      },
    },
    [`${IDENTITY_PREFIX}/logout`]: {
      get: { tags, summary: "End of sign-out: back to post_logout_redirect_uri when the client registered it", parameters: ["client_id", "post_logout_redirect_uri"].map((name) => ({ name, in: "query", required: false, schema: { type: "string" } })), responses: { 200: html("Signed out"), 303: { description: "Back to the client" } } },
    },
  };
}

const pagesPaths = (): Json => ({
  "/main.aspx": {
    get: {
      tags: ["crm-pages"],
      summary: "A record page (pagetype=entityrecord&etn=…&id=…) or a list (pagetype=entitylist), as screen pops open them; needs a signed-in person",
      security: [{ session: [] }],
      responses: { 200: html("The page"), 303: { description: "To /auth/login first" } },
    },
    post: { tags: ["crm-pages"], summary: "A record page's form posted (saves the record)", security: [{ session: [] }], responses: { 200: html("The page, saved"), 303: { description: "Back to the page" }, 401: { description: "Not signed in" } } },
  },
});

const sipPaths = (): Json => ({
  [SIP_WEBSOCKET_PATH]: {
    get: {
      tags: ["sip"],
      summary: "SIP over WebSocket (RFC 7118): upgrade with Sec-WebSocket-Protocol: sip; then SIP messages as text frames (REGISTER, INVITE with a WebRTC offer, BYE…)",
      description:
        "Who may call is decided per INVITE as over UDP and TCP: the environment's sip.allow address list, else digest authentication (docs/voice.md). A browser's socket must come from the server's own origin or one in CCFLOW_ALLOWED_ORIGINS. Over the HTTPS port it is WSS.",
      parameters: [{ name: "Sec-WebSocket-Protocol", in: "header", required: true, schema: { type: "string", const: "sip" } }],
      responses: {
        101: { description: "Switching protocols to WebSocket, subprotocol sip" },
        400: { description: "The subprotocol sip was not offered", content: { "text/plain": { schema: { type: "string" } } } },
        403: { description: "A browser socket from an origin not allowed", content: { "text/plain": { schema: { type: "string" } } } },
        426: { description: "Not a WebSocket upgrade", content: { "text/plain": { schema: { type: "string" } } } },
      },
    },
  },
});

export function platformDocument(parts: PlatformParts): Json {
  const schema = new Schema();
  const schemas: Json = {};
  if (parts.crm) {
    for (const table of schema.tables) schemas[entityName(table)] = entitySchema(table);
    schemas["crm.Error"] = { type: "object", properties: { error: { type: "object", properties: { code: { type: "string", description: "A Dataverse error code, e.g. 0x80040217" }, message: { type: "string" } }, required: ["code", "message"] } }, required: ["error"] };
    schemas["crm.WhoAmIResponse"] = { type: "object", properties: { UserId: { type: "string", format: "uuid" }, BusinessUnitId: { type: "string", format: "uuid" }, OrganizationId: { type: "string", format: "uuid" } }, required: ["UserId", "BusinessUnitId", "OrganizationId"] };
  }
  const tags = [
    ...(parts.crm
      ? [
          { name: "crm-web-api", description: "The embedded CRM's Dataverse-compatible Web API, OData v4 (docs/dataverse.md)" },
          { name: "crm-token-service", description: "The CRM's Entra-style token service: what connectors and Dataverse clients get their tokens from" },
          { name: "crm-pages", description: "The CRM's record pages, for people" },
        ]
      : []),
    ...(parts.identity ? [{ name: "identity", description: "The identity service: OpenID Connect for people, client credentials for apps (docs/security.md)" }] : []),
    ...(parts.sip ? [{ name: "sip", description: "SIP over WebSocket, for browser SIP phones (docs/voice.md)" }] : []),
  ];
  return {
    openapi: "3.1.0",
    info: {
      title: "ccflow embedded CRM, identity and SIP",
      version: parts.version,
      description:
        "Everything the server answers besides the contact center API (that one is /api/openapi.json): " +
        [parts.crm && "the embedded CRM (Web API, token service, record pages)", parts.identity && "the identity service", parts.sip && "SIP over WebSocket"].filter(Boolean).join(", ") +
        ". What the server does not run here is left out of this document.",
    },
    externalDocs: { description: "The contact center API", url: "/api/openapi.json" },
    tags,
    paths: {
      ...(parts.crm ? { ...webApiPaths(schema), ...crmAuthPaths(), ...pagesPaths() } : {}),
      ...(parts.identity ? identityPaths() : {}),
      ...(parts.sip ? sipPaths() : {}),
    },
    components: {
      schemas,
      securitySchemes: {
        ...(parts.crm ? { crmBearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A token from /{tenant}/oauth2/v2.0/token for the org url (scope {org url}/.default)" } } : {}),
        session: { type: "apiKey", in: "cookie", name: "ccflow_session", description: "A signed-in person's session (sign in at /auth/login)" },
      },
    },
  };
}
