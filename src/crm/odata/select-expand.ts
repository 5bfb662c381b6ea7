/**
 * Parsers for $select and $expand. Dataverse selects plain column names (no paths, no casts) and
 * expands navigation properties with options in parentheses separated by ';'
 * (`customerid_contact($select=fullname;$filter=statecode eq 0)`), or as references (`nav/$ref`).
 */
import type { ExpandItem, SelectItem } from "./ast.js";
import { ODataError, messages } from "./errors.js";
import { parseFilter, parseOrderBy } from "./expression-parser.js";
import { Lexer } from "./lexer.js";

export function parseSelect(text: string): SelectItem[] {
  const items: SelectItem[] = [];
  if (text.trim() === "") return items;
  const lexer = new Lexer(text);
  for (;;) {
    const token = lexer.current;
    if (token.kind === "identifier" || token.kind === "star") {
      items.push({ name: token.text, pos: token.pos });
      lexer.next();
    } else if (token.kind === "end" || token.kind === "comma") {
      throw new ODataError(messages.expressionExpected(token.pos, text));
    } else {
      throw new ODataError(messages.termNotValid(text.slice(token.pos)));
    }
    if (lexer.current.kind === "comma") {
      lexer.next();
      continue;
    }
    if (lexer.current.kind === "end") break;
    if (lexer.current.kind === "slash" || lexer.current.kind === "openParen" || lexer.current.kind === "dot") {
      throw new ODataError(messages.termNotValid(text.slice(token.pos)));
    }
    throw new ODataError(messages.syntaxError(lexer.textPos, text));
  }
  return items;
}

const IDENTIFIER_AT = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}\p{Cf}]*/uy;

export function parseExpand(text: string): ExpandItem[] {
  const items: ExpandItem[] = [];
  let pos = 0;
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  if (text.trim() === "") return items;
  for (;;) {
    skipSpace();
    IDENTIFIER_AT.lastIndex = pos;
    const m = IDENTIFIER_AT.exec(text);
    if (!m) {
      if (text[pos] === "*") throw new ODataError("Wildcard $expand is not supported.");
      throw new ODataError(messages.expressionExpected(pos, text));
    }
    const item: ExpandItem = { name: m[0], ref: false, pos };
    pos += m[0].length;
    if (text.startsWith("/$ref", pos)) {
      item.ref = true;
      pos += 5;
    } else if (text[pos] === "/") {
      throw new ODataError(messages.termNotValid(text.slice(item.pos)));
    }
    skipSpace();
    if (text[pos] === "(") {
      const close = findClose(text, pos);
      if (close < 0) throw new ODataError(messages.closeParenOrCommaExpected(text.length, text));
      const inner = text.slice(pos + 1, close);
      if (inner.trim() === "") throw new ODataError(`Missing expand option on navigation property '${item.name}'. If a parenthesis expression follows an expanded navigation property, then at least one expand option must be provided.`);
      applyOptions(item, inner);
      pos = close + 1;
      skipSpace();
    }
    items.push(item);
    if (pos >= text.length) break;
    if (text[pos] === ",") {
      pos++;
      continue;
    }
    throw new ODataError(messages.syntaxError(pos, text));
  }
  return items;
}

/** Index of the ')' matching the '(' at `open`, skipping quoted strings; -1 when unbalanced. */
function findClose(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return -1;
      i = end;
      continue;
    }
    if (c === "(") depth++;
    else if (c === ")") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function splitOptions(inner: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === "'") {
      const end = inner.indexOf("'", i + 1);
      if (end < 0) break;
      i = end;
      continue;
    }
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === ";" && depth === 0) {
      parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(inner.slice(start));
  return parts;
}

function applyOptions(item: ExpandItem, inner: string): void {
  const seen = new Set<string>();
  for (const part of splitOptions(inner)) {
    const eq = part.indexOf("=");
    const name = (eq < 0 ? part : part.slice(0, eq)).trim();
    const value = eq < 0 ? "" : part.slice(eq + 1);
    if (eq < 0 || !name.startsWith("$")) throw new ODataError(messages.syntaxError(0, inner));
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw new ODataError(messages.duplicateOption(name));
    seen.add(lower);
    switch (lower) {
      case "$select":
        item.select = parseSelect(value);
        item.selectText = value;
        break;
      case "$filter":
        item.filter = parseFilter(value);
        item.filterText = value;
        break;
      case "$orderby":
        item.orderBy = parseOrderBy(value);
        break;
      case "$top": {
        if (!/^\d+$/.test(value.trim())) throw new ODataError(`Top option must be a non-negative integer, it is set to '${value}' instead.`);
        item.top = Number(value.trim());
        break;
      }
      case "$expand":
        item.expand = parseExpand(value);
        break;
      case "$skip":
        throw new ODataError(messages.skipNotSupported());
      default:
        throw new ODataError(messages.queryOptionNotSupported(name));
    }
  }
}
