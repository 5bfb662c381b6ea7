/**
 * Writes: POST (create, 204 + OData-EntityId or 201 with a representation), PATCH as upsert with
 * If-Match / If-None-Match, DELETE, single-property PUT/DELETE, and association through `$ref`.
 * Request bodies are checked against the schema: unknown properties, wrong JSON types, direct
 * lookup writes and binds to missing rows get Dataverse's errors.
 */
import type { SqlValue } from "../odata/bound.js";
import { ODataError } from "../odata/errors.js";
import { parseDateTimeOffset } from "../odata/expression-parser.js";
import type { Navigation } from "../schema/schema.js";
import { edmTypeOf, lookupValueName, type ColumnDef, type TableDef } from "../schema/types.js";
import { isPolymorphic, lookupTypeColumn } from "../store/ddl.js";
import { notFound } from "../store/sqlite-store.js";
import type { Row } from "../store/types.js";
import { parseBoundedJson } from "./limits.js";
import { parseResourcePath, type Resource } from "./path.js";
import { parsePrefer } from "./prefer.js";
import { entityNotFound, findEntity, matchesEtag, representation } from "./read.js";
import { emptyResponse, jsonResponse } from "./responses.js";
import { etagOf } from "./serialize.js";
import type { ApiContext, ApiRequest, ApiResponse } from "./types.js";

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export async function parseJsonBody(req: ApiRequest): Promise<Record<string, unknown>> {
  const body = req.body ?? "";
  // Only a short body can be blank; a long one is never decoded here (it may go to the worker).
  if (body.length <= 1024 && body.toString().trim() === "") {
    throw new ODataError("The request body is empty; a JSON object was expected.");
  }
  const parsed = await parseBoundedJson(body);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ODataError("The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

/** Longest literal quoted back in a conversion error. */
const MAX_LITERAL = 200;

function cannotConvert(value: unknown, edm: string): ODataError {
  let literal: string;
  try {
    literal = typeof value === "string" ? value : JSON.stringify(value);
  } catch {
    // A value nested thousands deep overflows JSON.stringify; the client sent it, it needs no echo.
    literal = Array.isArray(value) ? "[...]" : "{...}";
  }
  if (literal.length > MAX_LITERAL) literal = `${literal.slice(0, MAX_LITERAL)}...`;
  return new ODataError(`Cannot convert the literal '${literal}' to the expected type '${edm}'.`);
}

export function convertColumnValue(column: ColumnDef, value: unknown): SqlValue {
  if (value === null) return null;
  const edm = edmTypeOf(column.type);
  switch (column.type) {
    case "string":
    case "memo":
      if (typeof value !== "string") throw cannotConvert(value, edm);
      return value;
    case "uniqueidentifier":
      if (typeof value !== "string" || !GUID.test(value)) throw cannotConvert(value, edm);
      return value.toLowerCase();
    case "integer":
    case "picklist":
    case "state":
    case "status":
    case "bigint":
      if (typeof value !== "number" || !Number.isInteger(value)) throw cannotConvert(value, edm);
      if (column.type !== "bigint" && (value > 2147483647 || value < -2147483648)) throw cannotConvert(value, edm);
      return value;
    case "decimal":
    case "money":
    case "double": {
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof n !== "number" || !Number.isFinite(n)) throw cannotConvert(value, edm);
      return n;
    }
    case "boolean":
      if (typeof value !== "boolean") throw cannotConvert(value, edm);
      return value ? 1 : 0;
    case "datetime": {
      if (typeof value !== "string") throw cannotConvert(value, edm);
      const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : parseDateTimeOffset(value);
      if (ms === null || Number.isNaN(ms)) throw cannotConvert(value, edm);
      return ms;
    }
  }
}

/** Resolves an `@odata.bind` / `@odata.id` reference: `/contacts(id)`, `contacts(id)`, an absolute URL, or a batch `$n`. */
export async function resolveReference(ctx: ApiContext, reference: unknown): Promise<{ table: TableDef; id: string }> {
  if (typeof reference !== "string") throw new ODataError("An entity reference must be a string URL such as '/contacts(<id>)'.");
  let text = reference.trim();
  const contentId = /^\$([A-Za-z0-9_-]+)$/.exec(text);
  if (contentId) {
    const url = ctx.contentIds?.get(contentId[1]!);
    if (!url) throw new ODataError(`Content-ID Reference: '${text}' does not exist in the batch context.`);
    text = url;
  }
  const marker = /\/api\/data\/v9\.\d+\//i.exec(text);
  if (marker) text = text.slice(marker.index + marker[0].length);
  text = text.replace(/^\/+/, "");
  let resource: Resource;
  try {
    resource = parseResourcePath(ctx.schema, text);
  } catch {
    throw new ODataError(`The entity reference '${reference}' is not a valid URL of a row.`);
  }
  if (resource.kind !== "entity" || resource.property || resource.nav) {
    throw new ODataError(`The entity reference '${reference}' is not a valid URL of a row.`);
  }
  const row = await findEntity(ctx, resource.table, resource.key);
  if (!row) throw entityNotFound(resource.table, resource.key);
  return { table: resource.table, id: String(row[resource.table.primaryKey]) };
}

function bindLookup(values: Row, nav: Extract<Navigation, { kind: "single" }>, target: { table: TableDef; id: string } | null): void {
  if (target && target.table !== nav.target) {
    throw new ODataError(`The reference given for '${nav.name}' must point to a ${nav.target.entitySet} row, not ${target.table.entitySet}.`);
  }
  values[lookupValueName(nav.lookup)] = target ? target.id : null;
  if (isPolymorphic(nav.lookup)) values[lookupTypeColumn(nav.lookup)] = target ? nav.target.logicalName : null;
}

/** Converts a request body to stored values, checking every property against the table. */
export async function valuesFromBody(ctx: ApiContext, table: TableDef, body: Record<string, unknown>): Promise<Row> {
  const values: Row = {};
  const typeName = ctx.schema.typeName(table);
  for (const [key, value] of Object.entries(body)) {
    if (key.endsWith("@odata.bind")) {
      const navName = key.slice(0, -"@odata.bind".length);
      const nav = ctx.schema.navigation(table, navName);
      if (!nav || nav.kind !== "single") {
        throw new ODataError(`An undeclared property '${navName}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`);
      }
      bindLookup(values, nav, value === null ? null : await resolveReference(ctx, value));
      continue;
    }
    if (key.startsWith("@") || key.includes("@")) continue;
    const prop = ctx.schema.property(table, key);
    if (prop?.kind === "lookup") {
      throw new ODataError("CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.");
    }
    if (!prop) {
      if (ctx.schema.navigation(table, key)) {
        throw new ODataError(`Deep insert is not supported by this service: create the related row first and bind it with '${key}@odata.bind'.`);
      }
      throw new ODataError(`The property '${key}' does not exist on type '${typeName}'. Make sure to only use property names that are defined by the type.`);
    }
    values[key] = convertColumnValue(prop.column, value);
  }
  return values;
}

function entityUrl(ctx: ApiContext, table: TableDef, id: string): string {
  return `${ctx.serviceRoot}${table.entitySet}(${id})`;
}

export async function createEntity(ctx: ApiContext, req: ApiRequest, table: TableDef, parentLink?: { nav: Extract<Navigation, { kind: "collection" }>; parentId: string }): Promise<ApiResponse> {
  const values = await valuesFromBody(ctx, table, await parseJsonBody(req));
  if (parentLink) {
    const lookup = parentLink.nav.collection.lookup;
    values[lookupValueName(lookup)] = parentLink.parentId;
    if (isPolymorphic(lookup)) values[lookupTypeColumn(lookup)] = parentLink.nav.collection.owner;
  }
  const row = await ctx.store.insert(table, values, { userId: ctx.caller.userId });
  const id = String(row[table.primaryKey]);
  const prefs = parsePrefer(req.headers.prefer);
  if (prefs.returnRepresentation) {
    return jsonResponse(201, await representation(ctx, req, table, id), { "Preference-Applied": "return=representation", ETag: etagOf(row) });
  }
  return emptyResponse(204, { "OData-EntityId": entityUrl(ctx, table, id) });
}

const VERSION_MISMATCH = () =>
  new ODataError("The version of the existing record doesn't match the RowVersion property provided.", { status: 412, code: "0x80060882" });
const ALREADY_EXISTS = () => new ODataError("A record with matching key values already exists.", { status: 412, code: "0x80040237" });

export async function upsertEntity(ctx: ApiContext, req: ApiRequest, resource: Extract<Resource, { kind: "entity" }>): Promise<ApiResponse> {
  const { table, key } = resource;
  const values = await valuesFromBody(ctx, table, await parseJsonBody(req));
  const existing = await findEntity(ctx, table, key);
  const ifMatch = req.headers["if-match"];
  const ifNoneMatch = req.headers["if-none-match"];
  if (ifNoneMatch !== undefined && existing && matchesEtag(ifNoneMatch, etagOf(existing))) throw ALREADY_EXISTS();
  if (ifMatch !== undefined) {
    if (!existing) throw entityNotFound(table, key);
    if (!matchesEtag(ifMatch, etagOf(existing))) throw VERSION_MISMATCH();
  }
  let row: Row;
  let created = false;
  if (existing) {
    row = await ctx.store.update(table, String(existing[table.primaryKey]), values, { userId: ctx.caller.userId });
  } else {
    if (key.kind === "id") values[table.primaryKey] = key.id;
    else Object.assign(values, key.values);
    row = await ctx.store.insert(table, values, { userId: ctx.caller.userId });
    created = true;
  }
  const id = String(row[table.primaryKey]);
  const prefs = parsePrefer(req.headers.prefer);
  if (prefs.returnRepresentation) {
    return jsonResponse(created ? 201 : 200, await representation(ctx, req, table, id), {
      "Preference-Applied": "return=representation",
      ETag: etagOf(row),
    });
  }
  return emptyResponse(204, { "OData-EntityId": entityUrl(ctx, table, id) });
}

export async function deleteEntity(ctx: ApiContext, req: ApiRequest, resource: Extract<Resource, { kind: "entity" }>): Promise<ApiResponse> {
  const { table, key } = resource;
  const existing = await findEntity(ctx, table, key);
  if (!existing) throw entityNotFound(table, key);
  const ifMatch = req.headers["if-match"];
  if (ifMatch !== undefined && !matchesEtag(ifMatch, etagOf(existing))) throw VERSION_MISMATCH();
  await ctx.store.delete(table, String(existing[table.primaryKey]));
  return emptyResponse(204);
}

export async function writeProperty(ctx: ApiContext, req: ApiRequest, resource: Extract<Resource, { kind: "entity" }>, clear: boolean): Promise<ApiResponse> {
  const { table, key, property } = resource;
  if (!property) throw new ODataError("A property segment was expected.");
  const existing = await findEntity(ctx, table, key);
  if (!existing) throw entityNotFound(table, key);
  if (property.kind === "lookup") {
    throw new ODataError("CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.");
  }
  if (property.column.validForUpdate === false) {
    // A silent 204 would tell the client the value changed; computed and system columns never do.
    const composed = property.name === "fullname" && table.columns.some((c) => c.name === "firstname") ? "; it is composed from firstname and lastname" : "";
    throw new ODataError(`The property '${property.name}' of '${table.logicalName}' is read-only (not valid for update) and cannot be ${clear ? "cleared" : "set"}${composed}.`);
  }
  const value = clear ? null : convertColumnValue(property.column, (await parseJsonBody(req)).value ?? null);
  await ctx.store.update(table, String(existing[table.primaryKey]), { [property.name]: value }, { userId: ctx.caller.userId });
  return emptyResponse(204);
}

/** Associate / disassociate through `$ref`. */
export async function writeReference(ctx: ApiContext, req: ApiRequest, resource: Extract<Resource, { kind: "entity" }>): Promise<ApiResponse> {
  const { table, key, nav } = resource;
  if (!nav) throw new ODataError("A navigation property was expected before $ref.");
  const existing = await findEntity(ctx, table, key);
  if (!existing) throw entityNotFound(table, key);
  const id = String(existing[table.primaryKey]);
  const method = req.method.toUpperCase();
  const user = { userId: ctx.caller.userId };
  if (nav.kind === "single") {
    const values: Row = {};
    if (method === "PUT" || method === "POST") bindLookup(values, nav, await resolveReference(ctx, (await parseJsonBody(req))["@odata.id"]));
    else if (method === "DELETE") bindLookup(values, nav, null);
    else throw new ODataError(`The requested resource does not support http method '${method}'.`, { status: 405 });
    await ctx.store.update(table, id, values, user);
    return emptyResponse(204);
  }
  const child = nav.collection.table;
  const lookup = nav.collection.lookup;
  const ownerNav = ctx.schema.navigationsOf(child).find((n) => n.kind === "single" && n.lookup === lookup && n.target === table) as
    | Extract<Navigation, { kind: "single" }>
    | undefined;
  if (!ownerNav) throw new ODataError(`The relationship '${nav.name}' cannot be changed through $ref.`);
  if (method === "POST" || method === "PUT") {
    const target = await resolveReference(ctx, (await parseJsonBody(req))["@odata.id"]);
    if (target.table !== child) throw new ODataError(`The reference must point to a ${child.entitySet} row.`);
    const values: Row = {};
    bindLookup(values, ownerNav, { table, id });
    await ctx.store.update(child, target.id, values, user);
    return emptyResponse(204);
  }
  if (method === "DELETE") {
    let childId: string | undefined;
    if (resource.navKey) {
      const row = await findEntity(ctx, child, resource.navKey);
      if (!row) throw entityNotFound(child, resource.navKey);
      childId = String(row[child.primaryKey]);
    } else {
      const idParam = new URLSearchParams(req.query).get("$id");
      if (!idParam) throw new ODataError("The $id query option is required to remove a reference from a collection.");
      childId = (await resolveReference(ctx, idParam)).id;
    }
    const row = await ctx.store.getById(child, childId);
    if (!row) throw notFound(child, childId);
    if (row[lookupValueName(lookup)] === id) {
      const values: Row = {};
      bindLookup(values, ownerNav, null);
      await ctx.store.update(child, childId, values, user);
    }
    return emptyResponse(204);
  }
  throw new ODataError(`The requested resource does not support http method '${method}'.`, { status: 405 });
}
