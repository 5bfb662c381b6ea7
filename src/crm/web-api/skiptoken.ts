/**
 * The `$skiptoken` of an `@odata.nextLink`, shaped like Dataverse's paging cookie
 * (`<cookie pagenumber="2" pagingcookie="…" istracking="False" />`). Its payload is our own: the
 * keyset cursor of the last row sent. Clients treat it as opaque and follow the link verbatim.
 */
import type { SqlValue } from "../odata/bound.js";
import { ODataError } from "../odata/errors.js";
import type { Cursor } from "../store/types.js";

export interface PageToken {
  page: number;
  cursor: Cursor;
}

export function encodeSkipToken(token: PageToken): string {
  const payload = Buffer.from(JSON.stringify({ v: token.cursor.values, r: token.cursor.rid }), "utf8").toString("base64url");
  return `<cookie pagenumber="${token.page}" pagingcookie="${encodeURIComponent(payload)}" istracking="False" />`;
}

export function decodeSkipToken(text: string, termCount: number): PageToken {
  const invalid = () => new ODataError("The $skiptoken query option is not valid. Follow the @odata.nextLink of the previous page unchanged.");
  const page = /pagenumber="(\d+)"/.exec(text);
  const cookie = /pagingcookie="([^"]*)"/.exec(text);
  if (!page || !cookie) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(decodeURIComponent(cookie[1]!), "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== "object" || parsed === null) throw invalid();
  const { v, r } = parsed as { v?: unknown; r?: unknown };
  if (!Array.isArray(v) || v.length !== termCount || typeof r !== "number" || !Number.isInteger(r)) throw invalid();
  if (!v.every((x) => x === null || typeof x === "string" || typeof x === "number")) throw invalid();
  return { page: Number(page[1]), cursor: { values: v as SqlValue[], rid: r } };
}
