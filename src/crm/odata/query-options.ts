/**
 * Reads the system query options of one request ($select, $filter, $orderby, $top, $count,
 * $expand, $skiptoken, `@p` aliases) from decoded query parameters, enforcing Dataverse's rules:
 * no $skip, each option at most once, unknown $-options rejected.
 */
import type { ExpandItem, ExprNode, OrderByItem, SelectItem } from "./ast.js";
import { ODataError, messages } from "./errors.js";
import { parseFilter, parseOrderBy } from "./expression-parser.js";
import { parseExpand, parseSelect } from "./select-expand.js";

export interface ParsedQueryOptions {
  select?: SelectItem[] | undefined;
  selectText?: string | undefined;
  filter?: ExprNode | undefined;
  filterText?: string | undefined;
  orderBy?: OrderByItem[] | undefined;
  orderByText?: string | undefined;
  expand?: ExpandItem[] | undefined;
  expandText?: string | undefined;
  top?: number | undefined;
  count?: boolean | undefined;
  skiptoken?: string | undefined;
  aliases: Map<string, string>;
}

const UNSUPPORTED = new Set(["$search", "$format", "$apply", "$levels", "$compute", "$index", "$schemaversion", "$deltatoken", "$id"]);

/** Parameters in order, already percent-decoded. */
export function parseQueryOptions(params: ReadonlyArray<readonly [string, string]>): ParsedQueryOptions {
  const result: ParsedQueryOptions = { aliases: new Map() };
  const seen = new Set<string>();
  for (const [rawName, value] of params) {
    const name = rawName.trim();
    if (name.startsWith("@")) {
      result.aliases.set(name, value);
      continue;
    }
    if (name === "fetchXml") throw new ODataError("FetchXML queries are not supported by this service.", { status: 501, code: "0x80060888" });
    if (!name.startsWith("$")) continue;
    const lower = name.toLowerCase();
    if (lower === "$skip") throw new ODataError(messages.skipNotSupported());
    if (seen.has(lower)) throw new ODataError(messages.duplicateOption(name));
    seen.add(lower);
    switch (lower) {
      case "$select":
        result.select = parseSelect(value);
        result.selectText = value;
        break;
      case "$filter":
        result.filter = parseFilter(value);
        result.filterText = value;
        break;
      case "$orderby":
        result.orderBy = parseOrderBy(value);
        result.orderByText = value;
        break;
      case "$expand":
        result.expand = parseExpand(value);
        result.expandText = value;
        break;
      case "$top": {
        const trimmed = value.trim();
        if (!/^\d+$/.test(trimmed)) throw new ODataError(messages.invalidTop(value));
        result.top = Math.min(Number(trimmed), 5000);
        break;
      }
      case "$count": {
        const trimmed = value.trim();
        if (trimmed !== "true" && trimmed !== "false") throw new ODataError(messages.invalidCount(value));
        result.count = trimmed === "true";
        break;
      }
      case "$skiptoken":
        result.skiptoken = value;
        break;
      default:
        if (UNSUPPORTED.has(lower)) throw new ODataError(messages.queryOptionNotSupported(name));
        throw new ODataError(messages.queryOptionNotSupported(name));
    }
  }
  return result;
}

/**
 * Splits a raw query string into decoded pairs. `+` means space (form encoding, as IIS decodes
 * it in front of Dataverse); a malformed percent escape is a 400, not a crash.
 */
export function splitQueryString(query: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (query === "") return pairs;
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? "" : part.slice(eq + 1);
    pairs.push([decodeComponent(rawName), decodeComponent(rawValue)]);
  }
  return pairs;
}

export function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    throw new ODataError(`The query string contains an invalid percent-encoded sequence: '${text.slice(0, 200)}'.`);
  }
}
