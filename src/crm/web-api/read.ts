/**
 * GET handlers: collections with $select/$filter/$orderby/$top/$count/$expand, server-driven paging
 * (`Prefer: odata.maxpagesize` and a round-tripping `@odata.nextLink`), single rows by id or
 * alternate key with conditional GET, single properties, navigation properties, `$count` and `$ref`.
 */
import { bindFilter, bindQuery, bindSelect } from "../odata/bind.js";
import type { BoolExpr, BoundExpand, BoundQuery, SqlValue } from "../odata/bound.js";
import { ODataError } from "../odata/errors.js";
import { parseQueryOptions, splitQueryString, type ParsedQueryOptions } from "../odata/query-options.js";
import type { Navigation, Property } from "../schema/schema.js";
import { lookupValueName, type TableDef } from "../schema/types.js";
import { isPolymorphic, lookupTypeColumn } from "../store/ddl.js";
import { notFound } from "../store/sqlite-store.js";
import type { Row, RowQuery } from "../store/types.js";
import { jsonValue } from "./format.js";
import type { EntityKey, Resource } from "./path.js";
import { FORMATTED_VALUE, TOTAL_RECORD_COUNT, TOTAL_RECORD_COUNT_LIMIT_EXCEEDED, parsePrefer, type AnnotationFilter, type Preferences } from "./prefer.js";
import { emptyResponse, jsonResponse, textResponse } from "./responses.js";
import { etagOf, serializeRow } from "./serialize.js";
import { decodeSkipToken, encodeSkipToken } from "./skiptoken.js";
import { yieldToLoop } from "../../util/yield-to-loop.js";
import { countRecords, MAX_EXPANDED_PER_PARENT, MAX_RESPONSE_RECORDS, noteRecords, recordsIn, remainingRecords } from "./limits.js";
import { MAX_PAGE_SIZE, type ApiContext, type ApiRequest, type ApiResponse } from "./types.js";

const EXPAND_CHUNK = 500;
// One query never reads more rows than a response may hold.
const EXPAND_ROW_CAP = MAX_RESPONSE_RECORDS + 1;

export function bindRequestQuery(ctx: ApiContext, table: TableDef, options: ParsedQueryOptions): BoundQuery {
  return bindQuery({ schema: ctx.schema, aliases: options.aliases, userId: ctx.caller.userId, now: ctx.now }, table, options);
}

export function readOptions(req: ApiRequest): ParsedQueryOptions {
  return parseQueryOptions(splitQueryString(req.query));
}

function preferenceApplied(prefs: Preferences, pageSize: number | undefined): Record<string, string> {
  const applied: string[] = [];
  if (prefs.annotationsText !== undefined) applied.push(`odata.include-annotations="${prefs.annotationsText}"`);
  if (pageSize !== undefined) applied.push(`odata.maxpagesize=${pageSize}`);
  return applied.length ? { "Preference-Applied": applied.join(",") } : {};
}

/** `contacts(fullname,telephone1,contactid)` — the selection and expansions as the context URL shows them. */
function contextSelection(options: { select?: { name: string }[] | undefined; expand?: { name: string; select?: { name: string }[] | undefined }[] | undefined }): string {
  const items: string[] = (options.select ?? []).map((s) => s.name);
  for (const e of options.expand ?? []) items.push(`${e.name}(${(e.select ?? []).map((s) => s.name).join(",")})`);
  return items.length ? `(${items.join(",")})` : "";
}

function wantsNames(prefs: Preferences): boolean {
  return !!prefs.annotations?.wants(FORMATTED_VALUE);
}

export async function readCollection(ctx: ApiContext, req: ApiRequest, table: TableDef, scope?: { column: string; value: string; typeColumn?: string; typeValue?: string }): Promise<ApiResponse> {
  const options = readOptions(req);
  const query = bindRequestQuery(ctx, table, options);
  const prefs = parsePrefer(req.headers.prefer);
  const pageSize = prefs.maxPageSize;
  const limit = pageSize ?? Math.min(query.top ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const pagingAllowed = pageSize !== undefined || query.top === undefined;
  let after;
  let page = 1;
  if (options.skiptoken !== undefined) {
    const token = decodeSkipToken(options.skiptoken, query.orderBy.length);
    after = token.cursor;
    page = token.page;
  }
  const request: RowQuery = {
    table,
    filter: query.filter,
    orderBy: query.orderBy,
    limit: limit + 1,
    after,
    withNames: wantsNames(prefs),
    within: scope ? { column: scope.column, values: [scope.value], ...(scope.typeColumn ? { typeColumn: scope.typeColumn, typeValue: scope.typeValue } : {}) } : undefined,
  };
  // Binding a long $filter, running the query and writing out a large page are each tens of ms
  // on a loaded machine; other requests get the loop between them (yieldToLoop).
  await yieldToLoop();
  const rows = await ctx.store.query(request);
  await yieldToLoop();
  const more = rows.length > limit && pagingAllowed;
  if (rows.length > limit) rows.length = limit;
  const body: Record<string, unknown> = {
    "@odata.context": `${ctx.serviceRoot}$metadata#${table.entitySet}${contextSelection(options)}`,
  };
  if (options.count) body["@odata.count"] = await countMatching(ctx, table, query.filter, scope);
  if (prefs.annotations?.wants(TOTAL_RECORD_COUNT)) body[`@${TOTAL_RECORD_COUNT}`] = -1;
  if (prefs.annotations?.wants(TOTAL_RECORD_COUNT_LIMIT_EXCEEDED)) body[`@${TOTAL_RECORD_COUNT_LIMIT_EXCEEDED}`] = false;
  body.value = await serializeWithExpansions(ctx, table, rows, query.select, query.expand, prefs.annotations);
  if (more) {
    const last = rows[rows.length - 1]!;
    const token = encodeSkipToken({ page: page + 1, cursor: ctx.store.cursorOf(last, query.orderBy) });
    const kept = req.query.split("&").filter((p) => p !== "" && !/^(\$|%24)skiptoken=/i.test(p));
    kept.push(`$skiptoken=${encodeURIComponent(token)}`);
    body["@odata.nextLink"] = `${ctx.serviceRoot}${req.path}?${kept.join("&")}`;
  }
  return jsonResponse(200, body, preferenceApplied(prefs, pageSize));
}

async function countMatching(ctx: ApiContext, table: TableDef, filter: BoolExpr | undefined, scope?: { column: string; value: string; typeColumn?: string; typeValue?: string }): Promise<number> {
  if (!scope) return ctx.store.count(table, filter, MAX_PAGE_SIZE);
  // Counting within a parent: a page query capped at the limit is cheap and exact enough.
  const rows = await ctx.store.query({
    table,
    filter,
    orderBy: [],
    limit: MAX_PAGE_SIZE,
    within: { column: scope.column, values: [scope.value], ...(scope.typeColumn ? { typeColumn: scope.typeColumn, typeValue: scope.typeValue } : {}) },
  });
  return rows.length;
}

/** `contacts/$count` and `…/incident_customer_contacts/$count`: a plain-text number, as Dataverse sends it (with a BOM). */
export async function readCount(ctx: ApiContext, req: ApiRequest, table: TableDef, scope?: { column: string; value: string; typeColumn?: string; typeValue?: string }): Promise<ApiResponse> {
  const options = readOptions(req);
  const filter = options.filter ? bindFilter({ schema: ctx.schema, aliases: options.aliases, userId: ctx.caller.userId, now: ctx.now }, table, options.filter, options.filterText ?? "") : undefined;
  return textResponse(200, `\ufeff${await countMatching(ctx, table, filter, scope)}`, "text/plain;charset=utf-8");
}

export async function findEntity(ctx: ApiContext, table: TableDef, key: EntityKey, withNames = false): Promise<Row | undefined> {
  if (key.kind === "id") return ctx.store.getById(table, key.id, withNames);
  const row = await ctx.store.findByKey(table, key.values);
  if (!row || !withNames) return row;
  return ctx.store.getById(table, String(row[table.primaryKey]), true);
}

export function entityNotFound(table: TableDef, key: EntityKey): ODataError {
  if (key.kind === "id") return notFound(table, key.id);
  return new ODataError(`A record with the specified key values does not exist in ${table.logicalName} entity`, { status: 404, code: "0x80040217" });
}

export async function readEntity(ctx: ApiContext, req: ApiRequest, resource: Extract<Resource, { kind: "entity" }>): Promise<ApiResponse> {
  const { table, key } = resource;
  const options = readOptions(req);
  const prefs = parsePrefer(req.headers.prefer);
  const row = await findEntity(ctx, table, key, wantsNames(prefs));
  if (!row) throw entityNotFound(table, key);

  if (resource.property) return readProperty(ctx, table, row, resource.property, resource.rawValue === true);
  if (resource.nav) return readNavigation(ctx, req, table, row, resource.nav, resource);

  const query = bindRequestQuery(ctx, table, options);
  const etag = etagOf(row);
  const ifNoneMatch = req.headers["if-none-match"];
  if (ifNoneMatch && query.expand.length === 0 && !prefs.annotations && matchesEtag(ifNoneMatch, etag)) {
    return emptyResponse(304, { ETag: etag });
  }
  const [value] = await serializeWithExpansions(ctx, table, [row], query.select, query.expand, prefs.annotations);
  const body = { "@odata.context": `${ctx.serviceRoot}$metadata#${table.entitySet}${contextSelection(options)}/$entity`, ...value };
  return jsonResponse(200, body, { ETag: etag, ...preferenceApplied(prefs, undefined) });
}

export function matchesEtag(header: string, etag: string): boolean {
  return header
    .split(",")
    .map((s) => s.trim())
    .some((candidate) => candidate === "*" || candidate === etag || candidate === etag.slice(2));
}

function readProperty(ctx: ApiContext, table: TableDef, row: Row, property: Property, raw: boolean): ApiResponse {
  const stored = row[property.name] ?? null;
  const value = property.kind === "column" ? jsonValue(property.column, stored) : stored;
  if (value === null) return emptyResponse(204);
  if (raw) return textResponse(200, String(value));
  const id = String(row[table.primaryKey]);
  return jsonResponse(200, { "@odata.context": `${ctx.serviceRoot}$metadata#${table.entitySet}(${id})/${property.name}`, value });
}

function collectionScope(nav: Extract<Navigation, { kind: "collection" }>, parentId: string) {
  const lookup = nav.collection.lookup;
  return {
    column: lookupValueName(lookup),
    value: parentId,
    ...(isPolymorphic(lookup) ? { typeColumn: lookupTypeColumn(lookup), typeValue: nav.collection.owner } : {}),
  };
}

async function readNavigation(ctx: ApiContext, req: ApiRequest, table: TableDef, row: Row, nav: Navigation, resource: Extract<Resource, { kind: "entity" }>): Promise<ApiResponse> {
  const parentId = String(row[table.primaryKey]);
  if (nav.kind === "collection") {
    const child = nav.collection.table;
    const scope = collectionScope(nav, parentId);
    if (resource.navKey && !resource.ref) {
      const member = await findEntity(ctx, child, resource.navKey);
      const belongs = member && member[scope.column] === parentId && (!scope.typeColumn || member[scope.typeColumn] === scope.typeValue);
      if (!member || !belongs) throw entityNotFound(child, resource.navKey);
      return readEntity(ctx, req, { kind: "entity", table: child, key: { kind: "id", id: String(member[child.primaryKey]) } });
    }
    if (resource.navCount) return readCount(ctx, req, child, scope);
    if (resource.ref) {
      const rows = await ctx.store.query({ table: child, orderBy: [], limit: MAX_PAGE_SIZE, within: { column: scope.column, values: [scope.value], ...(scope.typeColumn ? { typeColumn: scope.typeColumn, typeValue: scope.typeValue } : {}) } });
      return jsonResponse(200, {
        "@odata.context": `${ctx.serviceRoot}$metadata#Collection($ref)`,
        value: rows.map((r) => ({ "@odata.id": `${ctx.serviceRoot}${child.entitySet}(${String(r[child.primaryKey])})` })),
      });
    }
    return readCollection(ctx, req, child, scope);
  }
  const lookupName = lookupValueName(nav.lookup);
  const targetId = row[lookupName];
  const actualType = isPolymorphic(nav.lookup) ? row[lookupTypeColumn(nav.lookup)] : nav.target.logicalName;
  if (typeof targetId !== "string" || actualType !== nav.target.logicalName) return emptyResponse(204);
  if (resource.ref) {
    return jsonResponse(200, { "@odata.context": `${ctx.serviceRoot}$metadata#$ref`, "@odata.id": `${ctx.serviceRoot}${nav.target.entitySet}(${targetId})` });
  }
  return readEntity(ctx, req, { kind: "entity", table: nav.target, key: { kind: "id", id: targetId } });
}

/** Serialises rows and attaches each requested expansion (single-valued as an object or null, collections as arrays). */
export async function serializeWithExpansions(
  ctx: ApiContext,
  table: TableDef,
  rows: Row[],
  select: Property[] | null,
  expand: BoundExpand[],
  annotations: AnnotationFilter | undefined,
): Promise<Record<string, unknown>[]> {
  countRecords(ctx, rows.length);
  const out = rows.map((row) => serializeRow(ctx.schema, table, row, select, annotations));
  for (const item of expand) {
    if (item.nav.kind === "single") await expandSingle(ctx, rows, out, item, item.nav, annotations);
    else await expandCollection(ctx, table, rows, out, item, item.nav, annotations);
  }
  for (const o of out) noteRecords(o, expand.map((e) => e.nav.name));
  return out;
}

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

async function expandSingle(
  ctx: ApiContext,
  rows: Row[],
  out: Record<string, unknown>[],
  item: BoundExpand,
  nav: Extract<Navigation, { kind: "single" }>,
  annotations: AnnotationFilter | undefined,
): Promise<void> {
  const target = nav.target;
  const valueColumn = lookupValueName(nav.lookup);
  const ids = new Set<string>();
  const pointsAt = (row: Row): string | undefined => {
    const id = row[valueColumn];
    if (typeof id !== "string") return undefined;
    if (isPolymorphic(nav.lookup) && row[lookupTypeColumn(nav.lookup)] !== target.logicalName) return undefined;
    return id;
  };
  for (const row of rows) {
    const id = pointsAt(row);
    if (id) ids.add(id);
  }
  const related = new Map<string, Row>();
  for (const chunk of chunks([...ids], EXPAND_CHUNK)) {
    // Each expansion query is its own step on the event loop (see yieldToLoop).
    await yieldToLoop();
    const found = await ctx.store.query({
      table: target,
      filter: item.filter,
      orderBy: [],
      limit: chunk.length,
      withNames: !!annotations?.wants(FORMATTED_VALUE),
      within: { column: target.primaryKey, values: chunk },
    });
    for (const row of found) related.set(String(row[target.primaryKey]), row);
  }
  const relatedRows = [...related.values()];
  const serialized = new Map<string, Record<string, unknown>>();
  if (!item.ref) {
    const values = await serializeWithExpansions(ctx, target, relatedRows, item.select, item.expand, annotations);
    relatedRows.forEach((row, i) => serialized.set(String(row[target.primaryKey]), values[i]!));
  }
  rows.forEach((row, i) => {
    const id = pointsAt(row);
    const match = id ? related.get(id) : undefined;
    if (item.ref) out[i]![nav.name] = match ? { "@odata.id": `${ctx.serviceRoot}${target.entitySet}(${id})` } : null;
    else out[i]![nav.name] = match ? serialized.get(id!) : null;
    // One related record shared by many rows is written out once per row: count it so.
    if (match && !item.ref) countRecords(ctx, recordsIn(serialized.get(id!)));
  });
}

async function expandCollection(
  ctx: ApiContext,
  table: TableDef,
  rows: Row[],
  out: Record<string, unknown>[],
  item: BoundExpand,
  nav: Extract<Navigation, { kind: "collection" }>,
  annotations: AnnotationFilter | undefined,
): Promise<void> {
  const child = nav.collection.table;
  const lookup = nav.collection.lookup;
  const valueColumn = lookupValueName(lookup);
  const parentIds = rows.map((r) => String(r[table.primaryKey]));
  const byParent = new Map<string, Row[]>(parentIds.map((id) => [id, []]));
  for (const chunk of chunks(parentIds, EXPAND_CHUNK)) {
    await yieldToLoop();
    // Without $top, every row fetched is written out (up to 5,000 per parent), so fetching one
    // row past what the response may still hold is enough to refuse it — before reading the rest.
    const cap = item.top === undefined ? Math.min(EXPAND_ROW_CAP, remainingRecords(ctx) + 1) : EXPAND_ROW_CAP;
    const found = await ctx.store.query({
      table: child,
      filter: item.filter,
      orderBy: item.orderBy,
      limit: cap,
      withNames: !!annotations?.wants(FORMATTED_VALUE),
      within: {
        column: valueColumn,
        values: chunk as SqlValue[],
        ...(isPolymorphic(lookup) ? { typeColumn: lookupTypeColumn(lookup), typeValue: nav.collection.owner } : {}),
      },
    });
    if (found.length === cap && cap < EXPAND_ROW_CAP) countRecords(ctx, found.length);
    for (const row of found) byParent.get(String(row[valueColumn]))?.push(row);
  }
  for (const [i, row] of rows.entries()) {
    let children = byParent.get(String(row[table.primaryKey])) ?? [];
    children = children.slice(0, Math.min(item.top ?? MAX_EXPANDED_PER_PARENT, MAX_EXPANDED_PER_PARENT));
    out[i]![nav.name] = item.ref
      ? children.map((c) => ({ "@odata.id": `${ctx.serviceRoot}${child.entitySet}(${String(c[child.primaryKey])})` }))
      : await serializeWithExpansions(ctx, child, children, item.select, item.expand, annotations);
  }
}

/** For writes that answer with a representation: the row serialised with the request's $select. */
export async function representation(ctx: ApiContext, req: ApiRequest, table: TableDef, id: string): Promise<Record<string, unknown>> {
  const options = readOptions(req);
  const prefs = parsePrefer(req.headers.prefer);
  const select = options.select ? bindSelect(ctx.schema, table, options.select) : null;
  const row = await ctx.store.getById(table, id, wantsNames(prefs));
  if (!row) throw notFound(table, id);
  const [value] = await serializeWithExpansions(ctx, table, [row], select, [], prefs.annotations);
  return { "@odata.context": `${ctx.serviceRoot}$metadata#${table.entitySet}${contextSelection(options)}/$entity`, ...value };
}

