/**
 * Turns a response body (HTTP Request) or a variable's text (Parse) into a JSON value per the
 * activity's `contentType`, so that one JSONPath dialect maps them all (flow-designer §6.4: "XML,
 * YAML and TOML are normalised to JSON").
 *
 * XML → JSON (fast-xml-parser), chosen so that paths read like the document:
 * - the root element is the one top-level key: `<root><item>…` → `$.root.item`;
 * - child elements become keys; an element that occurs more than once under the same parent
 *   becomes an array in document order (`$.root.item[0].id`); an element that occurs once is a
 *   plain value, so with a single `<item>` the path is `$.root.item.id` (or `$..item` finds both
 *   shapes);
 * - attributes are keys prefixed with `@` (`<item id="7">` → `$.root.item['@id']`, also written
 *   `$.root.item.@id`); an element with attributes or children keeps its own text under `#text`;
 *   an element with only text is that text, an empty element is `""`;
 * - every value stays text (`<n>007</n>` → `"007"`, so ids and phone numbers keep leading zeros);
 *   the mapping converts text to the variable's type as it does for JSON strings;
 * - namespace prefixes are kept as written (`$['soap:Envelope']['soap:Body']`); CDATA is text;
 *   the declaration, processing instructions and comments are dropped; the five XML entities and
 *   numeric character references are decoded.
 * - Refused: a document that declares entities (`<!DOCTYPE … [<!ENTITY …]>`, the "billion
 *   laughs" and external-entity attacks: nothing is ever expanded or fetched), elements nested
 *   deeper than MAX_DEPTH, input longer than MAX_DOCUMENT_CHARS, and anything the validator
 *   finds malformed (unclosed tags, several roots, text outside the root).
 *
 * TOML → JSON (smol-toml): tables are objects, arrays of tables arrays; dates and times become
 * ISO 8601 text in the form they were written in, with milliseconds (`1979-05-27T07:32:00.000-08:00`,
 * `2024-05-01`, `07:32:00.000`), integers beyond 2^53 their decimal text, `inf`/`nan` the text
 * `inf`, `-inf`, `nan`. Keys such as `__proto__` are refused.
 *
 * Reasons never quote the input (a Parse input may be a secure variable): they say what was wrong
 * and where (line, column).
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { parse as parseToml, TomlError } from "smol-toml";
import { parse as parseYaml } from "yaml";

/** Same bound as the connector layer's response size (10 MiB). */
export const MAX_DOCUMENT_CHARS = 10 * 1024 * 1024;
/** Nesting beyond this is refused rather than walked (the mapping and the trace recurse). */
export const MAX_DEPTH = 100;

export type DocumentFormat = "JSON" | "YAML" | "XML" | "TOML";

export type ParsedDocument = { ok: true; value: unknown } | { ok: false; reason: string };

/** The format a `contentType` names (`""` or absent means JSON); undefined when ccflow has none. */
export function documentFormatOf(contentType: string | undefined): DocumentFormat | undefined {
  const kind = (contentType ?? "").trim().toUpperCase();
  if (kind === "" || kind === "JSON") return "JSON";
  if (kind === "YAML" || kind === "XML" || kind === "TOML") return kind;
  return undefined;
}

/** Parses `text` as `contentType` into a JSON value, or says why it cannot. */
export function parseDocumentText(text: string, contentType: string | undefined): ParsedDocument {
  const format = documentFormatOf(contentType);
  if (format === undefined) return { ok: false, reason: `content type ${JSON.stringify(contentType)} is not supported` };
  // Same test as `text.trim() === ""` without copying the body.
  if (!/\S/.test(text)) return { ok: false, reason: "empty" };
  if (format === "JSON" || format === "YAML") {
    try {
      return { ok: true, value: format === "JSON" ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown) };
    } catch {
      return { ok: false, reason: "malformed" };
    }
  }
  if (text.length > MAX_DOCUMENT_CHARS) return { ok: false, reason: `longer than ${MAX_DOCUMENT_CHARS} characters` };
  return format === "XML" ? parseXml(text) : parseTomlText(text);
}

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  textNodeName: "#text",
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Decodes &amp; &lt; … and &#233; &#xE9; (not inside CDATA). Declared entities never get here:
  // a document declaring any is refused before parsing.
  processEntities: true,
  htmlEntities: true,
  maxNestedTags: MAX_DEPTH,
});

function parseXml(text: string): ParsedDocument {
  if (/<!ENTITY/i.test(text)) return { ok: false, reason: "declares XML entities (<!ENTITY>), which ccflow refuses" };
  const valid = XMLValidator.validate(text);
  if (valid !== true) return { ok: false, reason: `malformed at line ${valid.err.line}, column ${valid.err.col} (${valid.err.code})` };
  try {
    return { ok: true, value: xmlParser.parse(text) as unknown };
  } catch (err) {
    const message = err instanceof Error ? err.message : "";
    if (/nested tags/i.test(message)) return { ok: false, reason: `elements nested deeper than ${MAX_DEPTH} levels` };
    if (/reserved|prototype/i.test(message)) return { ok: false, reason: "uses a reserved name (__proto__, constructor) as an element or attribute" };
    return { ok: false, reason: "refused by the XML parser" };
  }
}

function parseTomlText(text: string): ParsedDocument {
  let table: unknown;
  try {
    table = parseToml(text, { integersAsBigInt: "asNeeded", maxDepth: MAX_DEPTH, unsafeKeyBehaviour: "throw" });
  } catch (err) {
    if (err instanceof TomlError) {
      // The first line is the reason; the lines after it quote the document.
      const reason = (err.message.split("\n")[0] ?? "").replace(/^Invalid TOML document:\s*/, "");
      return { ok: false, reason: `malformed at line ${err.line}, column ${err.column} (${reason})` };
    }
    return { ok: false, reason: "refused by the TOML parser" };
  }
  try {
    return { ok: true, value: tomlToJson(table, 0) };
  } catch (err) {
    if (err instanceof TooDeep) return { ok: false, reason: `tables nested deeper than ${MAX_DEPTH} levels` };
    throw err;
  }
}

class TooDeep extends Error {}

/** TOML values JSON has no form for, as their TOML text; dotted table headers can nest without bound, so depth is counted. */
function tomlToJson(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new TooDeep();
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "nan";
    if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
    return value;
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => tomlToJson(v, depth + 1));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = tomlToJson(v, depth + 1);
    return out;
  }
  return value;
}
