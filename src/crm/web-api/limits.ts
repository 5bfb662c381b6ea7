/**
 * Bounds on what one Web API request may make the CRM do, so that no query or body stalls the
 * server for other callers. Where Dataverse documents a limit it is used as is; where Dataverse
 * would run for up to its two-minute timeout, ccflow answers a Dataverse-shaped 400 instead.
 */
import { ODataError } from "../odata/errors.js";
import { parseJsonBounded } from "../../util/json-off-loop.js";
import type { ApiContext } from "./types.js";

/** Dataverse: "up to 5,000 related table records can be returned for each expanded collection-valued navigation property". */
export const MAX_EXPANDED_PER_PARENT = 5000;
/** Records in one response, the page and every expanded record together (a page alone holds at most 5000). */
export const MAX_RESPONSE_RECORDS = 20_000;
/** Nesting of a JSON request body: the default of the .NET JSON readers Dataverse is built on. */
export const MAX_JSON_DEPTH = 64;

const served = new WeakMap<ApiContext, { records: number }>();

/** Counts records a response is about to carry; a 400 once the request exceeds MAX_RESPONSE_RECORDS. */
export function countRecords(ctx: ApiContext, n: number): void {
  let entry = served.get(ctx);
  if (!entry) served.set(ctx, (entry = { records: 0 }));
  entry.records += n;
  if (entry.records > MAX_RESPONSE_RECORDS) {
    throw new ODataError(
      `The response would hold more than ${MAX_RESPONSE_RECORDS} records (the page and its expanded records together). Narrow the query with $filter, $top or $select, or expand fewer collection-valued navigation properties.`,
    );
  }
}

/** Records the request may still add before the bound: a query need fetch no more than this plus one. */
export function remainingRecords(ctx: ApiContext): number {
  return Math.max(0, MAX_RESPONSE_RECORDS - (served.get(ctx)?.records ?? 0));
}

const subtreeRecords = new WeakMap<object, number>();

/** Records a serialised record carries: itself and everything expanded below it. */
export function recordsIn(record: unknown): number {
  return record && typeof record === "object" ? (subtreeRecords.get(record) ?? 1) : 0;
}

/** Notes how many records `record` carries once its expansions (`navs`) are attached. */
export function noteRecords(record: Record<string, unknown>, navs: string[]): void {
  let n = 1;
  for (const nav of navs) {
    const v = record[nav];
    if (Array.isArray(v)) for (const child of v) n += recordsIn(child);
    else n += recordsIn(v);
  }
  subtreeRecords.set(record, n);
}

/**
 * Values (numbers, strings, literals, arrays, objects) in one JSON request body. A record holds a
 * few hundred columns and a deep insert some thousands of rows; bringing a parsed body back from
 * the parsing worker costs time per value, so this bounds it (json-off-loop.ts).
 */
export const MAX_JSON_VALUES = 100_000;

/**
 * Characters of one string in a JSON request body, as written (escapes included): twice the
 * longest column Dataverse has (a multiline text column holds at most 1,048,576 characters).
 */
export const MAX_JSON_STRING = 2 * 1_048_576;

/**
 * A request body parsed as JSON, or a 400 when it nests deeper than MAX_JSON_DEPTH, holds more
 * than MAX_JSON_VALUES values, or is not JSON. One linear scan runs before JSON.parse, so a 10 MB
 * `[[[[…` body is refused without being parsed; large bodies are scanned and parsed off the event
 * loop.
 */
export async function parseBoundedJson(body: Buffer | string): Promise<unknown> {
  const result = await parseJsonBounded(body, { maxDepth: MAX_JSON_DEPTH, maxValues: MAX_JSON_VALUES, maxString: MAX_JSON_STRING });
  if (result.ok) return result.value;
  switch (result.reason) {
    case "depth":
      throw new ODataError(`The request body nests JSON more than ${MAX_JSON_DEPTH} levels deep (at character ${result.at}).`);
    case "values":
      throw new ODataError(`The request body holds more than ${MAX_JSON_VALUES} JSON values (at character ${result.at}); send fewer records per request.`);
    case "string":
      throw new ODataError(`The request body holds a string longer than ${MAX_JSON_STRING} characters (at character ${result.at}); no column holds that much.`);
    case "syntax":
      throw new ODataError(`The request body is not valid JSON: ${result.message}`);
  }
}
