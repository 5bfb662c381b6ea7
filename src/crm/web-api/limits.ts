/**
 * Bounds on what one Web API request may make the CRM do, so that no query or body stalls the
 * server for other callers. Where Dataverse documents a limit it is used as is; where Dataverse
 * would run for up to its two-minute timeout, ccflow answers a Dataverse-shaped 400 instead.
 */
import { ODataError } from "../odata/errors.js";
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
 * A 400 when `text` nests arrays and objects deeper than MAX_JSON_DEPTH. One linear scan before
 * JSON.parse, so a 10 MB `[[[[…` body is refused in milliseconds instead of being parsed.
 */
export function checkJsonDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new ODataError(`The request body nests JSON more than ${MAX_JSON_DEPTH} levels deep (at character ${i}).`);
      }
    } else if (c === 93 || c === 125) depth--;
  }
}
