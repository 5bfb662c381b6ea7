/**
 * Resource paths below the service root: the service document, `$metadata`, `$batch`, unbound
 * functions (`WhoAmI`, `WhoAmI()`), entity sets, `$count`, single rows by GUID or alternate key,
 * a row's property (`/name`, `/name/$value`), and navigation properties (`/primarycontactid`,
 * `/incident_customer_contacts`, `/$ref`, `/$count`).
 */
import type { SqlValue } from "../odata/bound.js";
import { ODataError, messages } from "../odata/errors.js";
import { parseLiteralText } from "../odata/expression-parser.js";
import type { Navigation, Property, Schema } from "../schema/schema.js";
import type { TableDef } from "../schema/types.js";
import { splitOutsideQuotes } from "./split.js";

export type EntityKey = { kind: "id"; id: string } | { kind: "alternate"; values: Record<string, SqlValue>; text: string };

export type Resource =
  | { kind: "service" }
  | { kind: "metadata" }
  | { kind: "batch" }
  | { kind: "function"; name: "WhoAmI" | "RetrieveVersion" }
  | { kind: "collection"; table: TableDef; count: boolean }
  | {
      kind: "entity";
      table: TableDef;
      key: EntityKey;
      property?: Property | undefined;
      rawValue?: boolean | undefined;
      nav?: Navigation | undefined;
      /** `nav(key)` below a collection navigation, e.g. for `$ref` deletes. */
      navKey?: EntityKey | undefined;
      navCount?: boolean | undefined;
      ref?: boolean | undefined;
    };

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const FUNCTIONS = new Set(["WhoAmI", "RetrieveVersion"]);

/** Splits on '/' outside parentheses and quotes, then percent-decodes each segment. */
export function splitSegments(path: string): string[] {
  const segments: string[] = [];
  let current = "";
  let depth = 0;
  let quoted = false;
  for (const ch of path) {
    if (ch === "'" && depth > 0) quoted = !quoted;
    if (!quoted) {
      if (ch === "(") depth++;
      else if (ch === ")") depth--;
    }
    if (ch === "/" && depth === 0 && !quoted) {
      segments.push(current);
      current = "";
    } else current += ch;
  }
  segments.push(current);
  return segments.map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new ODataError(messages.resourceNotFound(s));
    }
  });
}

function splitKeySegment(segment: string): { name: string; keyText?: string } {
  const open = segment.indexOf("(");
  if (open < 0) return { name: segment };
  if (!segment.endsWith(")")) throw new ODataError(messages.resourceNotFound(segment), { status: 404 });
  return { name: segment.slice(0, open), keyText: segment.slice(open + 1, -1) };
}

function keyMismatch(schema: Schema, table: TableDef): ODataError {
  const type = schema.typeName(table);
  return new ODataError(
    `The key in the request URI is not valid for resource '${type}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource '${type}'.`,
  );
}

export function parseKey(schema: Schema, table: TableDef, keyText: string): EntityKey {
  const text = keyText.trim();
  const unquoted = text.replace(/^\{(.*)\}$/, "$1").replace(/^'(.*)'$/, "$1");
  if (GUID.test(unquoted)) return { kind: "id", id: unquoted.toLowerCase() };
  const values: Record<string, SqlValue> = {};
  for (const part of splitOutsideQuotes(text, "'")) {
    const eq = part.indexOf("=");
    if (eq < 0) throw keyMismatch(schema, table);
    const name = part.slice(0, eq).trim();
    const literal = parseLiteralText(part.slice(eq + 1).trim());
    if (!literal) throw keyMismatch(schema, table);
    const value = literal.value;
    values[name] =
      typeof value === "boolean" ? (value ? 1 : 0) : typeof value === "bigint" ? Number(value) : literal.type === "guid" ? String(value) : (value as SqlValue);
  }
  const names = Object.keys(values).sort();
  if (names.length === 1 && names[0] === table.primaryKey) {
    const id = String(values[table.primaryKey]);
    if (!GUID.test(id)) throw keyMismatch(schema, table);
    return { kind: "id", id: id.toLowerCase() };
  }
  const matches = table.alternateKeys.some((key) => key.length === names.length && [...key].sort().every((k, i) => k === names[i]));
  if (!matches) throw keyMismatch(schema, table);
  return { kind: "alternate", values, text };
}


export function parseResourcePath(schema: Schema, path: string): Resource {
  const trimmed = path.replace(/^\/+/, "");
  if (trimmed === "") return { kind: "service" };
  const segments = splitSegments(trimmed);
  if (segments.length > 1 && segments[segments.length - 1] === "") segments.pop();
  const [first, ...rest] = segments as [string, ...string[]];
  if (first === "$metadata" && rest.length === 0) return { kind: "metadata" };
  if (first === "$batch" && rest.length === 0) return { kind: "batch" };
  const head = splitKeySegment(first);
  if (FUNCTIONS.has(head.name) && (head.keyText === undefined || head.keyText.trim() === "") && rest.length === 0) {
    return { kind: "function", name: head.name as "WhoAmI" };
  }
  const table = schema.tableBySet(head.name);
  if (!table) throw new ODataError(messages.resourceNotFound(head.name), { status: 404 });
  if (head.keyText === undefined) {
    if (rest.length === 0) return { kind: "collection", table, count: false };
    if (rest.length === 1 && rest[0] === "$count") return { kind: "collection", table, count: true };
    throw new ODataError(messages.resourceNotFound(rest[0]!), { status: 404 });
  }
  const key = parseKey(schema, table, head.keyText);
  const resource: Extract<Resource, { kind: "entity" }> = { kind: "entity", table, key };
  if (rest.length === 0) return resource;
  const next = splitKeySegment(rest[0]!);
  const property = schema.property(table, next.name);
  if (property && next.keyText === undefined) {
    resource.property = property;
    if (rest.length === 1) return resource;
    if (rest.length === 2 && rest[1] === "$value") {
      resource.rawValue = true;
      return resource;
    }
    throw new ODataError(messages.resourceNotFound(rest[1]!), { status: 404 });
  }
  const nav = schema.navigation(table, next.name);
  if (!nav) throw new ODataError(messages.resourceNotFound(next.name), { status: 404 });
  resource.nav = nav;
  if (next.keyText !== undefined) {
    if (nav.kind !== "collection") throw new ODataError(messages.resourceNotFound(rest[0]!), { status: 404 });
    resource.navKey = parseKey(schema, nav.collection.table, next.keyText);
  }
  const tail = rest.slice(1);
  if (tail.length === 0) return resource;
  if (tail.length === 1 && tail[0] === "$ref") {
    resource.ref = true;
    return resource;
  }
  if (tail.length === 1 && tail[0] === "$count" && nav.kind === "collection" && !resource.navKey) {
    resource.navCount = true;
    return resource;
  }
  throw new ODataError(messages.resourceNotFound(tail[0]!), { status: 404 });
}
