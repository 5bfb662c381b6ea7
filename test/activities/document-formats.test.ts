/**
 * XML and TOML bodies as a flow author maps them: what JSON each becomes, so that the JSONPath in
 * `outputVariableArray` reads like the document, and what is refused (malformed, entity bombs,
 * nesting too deep, too long) with a reason that never quotes the input.
 */
import { describe, expect, it } from "vitest";
import { MAX_DEPTH, MAX_DOCUMENT_CHARS, parseDocumentText, type ParsedDocument } from "../../src/activities/document-formats.js";
import { evaluateJsonPath } from "../../src/connectors/jsonpath.js";

function value(result: ParsedDocument): unknown {
  if (!result.ok) throw new Error(`expected a document, got: ${result.reason}`);
  return result.value;
}

function reason(result: ParsedDocument): string {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.value)}`);
  return result.reason;
}

const at = (doc: unknown, path: string) => {
  const r = evaluateJsonPath(doc, path);
  return r.found ? r.value : "(miss)";
};

describe("XML", () => {
  const orders = `<?xml version="1.0" encoding="UTF-8"?>
<!-- an order lookup -->
<root status="ok">
  <item id="7"><sku>0042</sku><name>Tom &amp; Jerry &#233;t&#xE9;</name><qty>2</qty></item>
  <item id="8"><sku>0043</sku><name><![CDATA[a <b> & c]]></name><qty>1</qty></item>
  <note lang="en">call back</note>
  <empty/>
</root>`;

  it("becomes JSON with the root as the top key, repeated elements as arrays, attributes under @, values as text", () => {
    expect(value(parseDocumentText(orders, "XML"))).toEqual({
      root: {
        "@status": "ok",
        item: [
          { "@id": "7", sku: "0042", name: "Tom & Jerry été", qty: "2" },
          { "@id": "8", sku: "0043", name: "a <b> & c", qty: "1" },
        ],
        note: { "@lang": "en", "#text": "call back" },
        empty: "",
      },
    });
  });

  it("answers the paths an author writes", () => {
    const doc = value(parseDocumentText(orders, "xml"));
    expect(at(doc, "$.root.item[0].sku")).toBe("0042");
    expect(at(doc, "root.item[1].@id")).toBe("8");
    expect(at(doc, "$.root.item[?(@.qty == '1')].sku")).toEqual(["0043"]);
    expect(at(doc, "$.root.note['#text']")).toBe("call back");
    expect(at(doc, "$..sku")).toEqual(["0042", "0043"]);
  });

  it("a single element is a plain value (index it only when it repeats); namespace prefixes stay as written", () => {
    const doc = value(parseDocumentText(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><item><id>1</id></item></soap:Body></soap:Envelope>`, "XML"));
    expect(at(doc, "$['soap:Envelope']['soap:Body'].item.id")).toBe("1");
    expect(at(doc, "$['soap:Envelope']['soap:Body'].item[0].id")).toBe("(miss)");
  });

  it("refuses malformed XML, saying where, without quoting it", () => {
    expect(reason(parseDocumentText("<root><a>pin-4711</b></root>", "XML"))).toBe("malformed at line 1, column 18 (InvalidTag)");
    expect(reason(parseDocumentText("<root><a>1</a>", "XML"))).toMatch(/^malformed at line 1, column \d+ \(InvalidTag\)$/);
    expect(reason(parseDocumentText("<a>1</a><b>2</b>", "XML"))).toMatch(/^malformed at line 1, column \d+ \(InvalidXml\)$/);
    expect(reason(parseDocumentText("<html>oops", "XML"))).not.toContain("oops");
    expect(reason(parseDocumentText("   ", "XML"))).toBe("empty");
  });

  it("refuses entity declarations: the billion laughs and external entities never expand", () => {
    const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol4;</lolz>`;
    expect(reason(parseDocumentText(laughs, "XML"))).toBe("declares XML entities (<!ENTITY>), which ccflow refuses");
    expect(reason(parseDocumentText(`<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>`, "XML"))).toMatch(/declares XML entities/);
  });

  it("refuses nesting deeper than the limit and input longer than the limit", () => {
    const deep = "<a>".repeat(MAX_DEPTH + 5) + "x" + "</a>".repeat(MAX_DEPTH + 5);
    expect(reason(parseDocumentText(deep, "XML"))).toBe(`elements nested deeper than ${MAX_DEPTH} levels`);
    const shallow = "<a>".repeat(MAX_DEPTH - 1) + "x" + "</a>".repeat(MAX_DEPTH - 1);
    expect(parseDocumentText(shallow, "XML").ok).toBe(true);
    const long = `<r>${"x".repeat(MAX_DOCUMENT_CHARS)}</r>`;
    expect(reason(parseDocumentText(long, "XML"))).toBe(`longer than ${MAX_DOCUMENT_CHARS} characters`);
  });

  it("refuses reserved names instead of polluting prototypes", () => {
    expect(reason(parseDocumentText("<r><__proto__><polluted>yes</polluted></__proto__></r>", "XML"))).toMatch(/reserved name/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("TOML", () => {
  const config = `title = "Order 42"
[customer]
id = 42
name = "Dana"
vip = true
since = 2024-05-01
seen = 1979-05-27T07:32:00-08:00
opens = 07:30:00
big = 12345678901234567890
limit = inf

[[orders]]
id = "A1"
total = 9.5

[[orders]]
id = "A2"
total = 20.0
`;

  it("becomes JSON: tables are objects, arrays of tables arrays, dates and big integers their text", () => {
    expect(value(parseDocumentText(config, "TOML"))).toEqual({
      title: "Order 42",
      customer: { id: 42, name: "Dana", vip: true, since: "2024-05-01", seen: "1979-05-27T07:32:00.000-08:00", opens: "07:30:00.000", big: "12345678901234567890", limit: "inf" },
      orders: [
        { id: "A1", total: 9.5 },
        { id: "A2", total: 20 },
      ],
    });
  });

  it("answers the paths an author writes", () => {
    const doc = value(parseDocumentText(config, "toml"));
    expect(at(doc, "$.customer.name")).toBe("Dana");
    expect(at(doc, "orders[1].id")).toBe("A2");
    expect(at(doc, "$.orders[?(@.total > 10)].id")).toEqual(["A2"]);
  });

  it("refuses malformed TOML with the reason and position, never the text", () => {
    const bad = reason(parseDocumentText('pin = "4711\nname = "x"', "TOML"));
    expect(bad).toMatch(/^malformed at line 1, column \d+ \(.+\)$/);
    expect(bad).not.toContain("4711");
    expect(reason(parseDocumentText("a = 1\na = 2", "TOML"))).toMatch(/^malformed at line 2, column \d+ \(.+\)$/);
    expect(reason(parseDocumentText("__proto__ = 1", "TOML"))).toMatch(/^malformed at line 1, column 1 \(.*unsafe.*\)$/);
  });

  it("refuses nesting deeper than the limit, inline or through dotted table names", () => {
    expect(reason(parseDocumentText(`a = ${"[".repeat(MAX_DEPTH + 5)}${"]".repeat(MAX_DEPTH + 5)}`, "TOML"))).toMatch(/^malformed at line 1/);
    const dotted = `[${Array.from({ length: MAX_DEPTH + 5 }, (_, i) => `k${i}`).join(".")}]\nx = 1\n`;
    expect(reason(parseDocumentText(dotted, "TOML"))).toBe(`tables nested deeper than ${MAX_DEPTH} levels`);
  });
});

describe("other content types", () => {
  it("JSON (also when absent or empty) and YAML parse as before; an unknown type says so", () => {
    expect(value(parseDocumentText('{"a":1}', undefined))).toEqual({ a: 1 });
    expect(value(parseDocumentText('{"a":1}', ""))).toEqual({ a: 1 });
    expect(value(parseDocumentText("a: [1, 2]", "YAML"))).toEqual({ a: [1, 2] });
    expect(reason(parseDocumentText("{", "JSON"))).toBe("malformed");
    expect(reason(parseDocumentText("a,b", "CSV"))).toBe('content type "CSV" is not supported');
  });
});
