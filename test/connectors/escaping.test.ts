import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  encodeIllegalUrlCharacters,
  encodeStrict,
  escapeFormValue,
  escapeHeaderValue,
  escapeJsonValue,
  escapeUrlValue,
  insideJsonString,
  insideQuotedLiteral,
} from "../../src/connectors/escaping.js";

const require = createRequire(import.meta.url);
// odata-v4-parser is a dev dependency used only as an independent oracle for what a server parses.
const odata = require("odata-v4-parser") as { filter(text: string): { type: string; raw: string; value: unknown } };

/**
 * Renders `{{name}}` placeholders the way Template.render drives the escape hook: literal text is
 * copied, each value goes through `escape(value, before)` with the output rendered so far.
 */
function render(template: string, values: Record<string, string>, escape: (v: string, before: string) => string): string {
  let out = "";
  let last = 0;
  for (const m of template.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
    out += template.slice(last, m.index);
    out += escape(values[m[1]!] ?? "", out);
    last = m.index! + m[0].length;
  }
  return out + template.slice(last);
}

/** An ANI lookup shaped like the seed flow's (the seed itself is exercised in test/activities). */
const LOOKUP_PATH = "contacts?$select=fullname,contactid&$filter=contains(mobilephone,'{{ANI}}')";

/** What a server sees: the query string form-decoded (`+` is a space, as Dataverse does). */
function serverQuery(pathAndQuery: string): URLSearchParams {
  return new URLSearchParams(pathAndQuery.slice(pathAndQuery.indexOf("?") + 1));
}

function literalsIn(node: unknown, out: string[] = []): string[] {
  if (node && typeof node === "object") {
    const n = node as { type?: string; raw?: string; value?: unknown };
    if (n.type === "Literal" && typeof n.raw === "string") out.push(n.raw);
    for (const v of Object.values(n)) if (v && typeof v === "object") literalsIn(v, out);
  }
  return out;
}

describe("URL escaping of an ANI lookup", () => {
  it("leaves a plain caller number readable in the query", () => {
    const path = render(LOOKUP_PATH, { ANI: "15550100777" }, escapeUrlValue);
    expect(path).toBe("contacts?$select=fullname,contactid&$filter=contains(mobilephone,'15550100777')");
  });

  it("sends a leading + as %2B so Dataverse does not read it as a space", () => {
    const path = render(LOOKUP_PATH, { ANI: "+15550100777" }, escapeUrlValue);
    expect(path).toContain("contains(mobilephone,'%2B15550100777')");
    expect(serverQuery(path).get("$filter")).toBe("contains(mobilephone,'+15550100777')");
  });

  it("keeps a hostile caller id a single string literal: the query structure cannot change", () => {
    const hostile = "1') or contains(fullname,'";
    const path = render(LOOKUP_PATH, { ANI: hostile }, escapeUrlValue);
    const filter = serverQuery(path).get("$filter")!;
    expect(filter).toBe("contains(mobilephone,'1'') or contains(fullname,''')");
    // An OData parser sees one method call with one string literal holding the whole value.
    const ast = odata.filter(filter);
    expect(ast.type).toBe("MethodCallExpression");
    const literals = literalsIn(ast);
    expect(literals).toHaveLength(1);
    expect(literals[0]!.slice(1, -1).replace(/''/g, "'")).toBe(hostile);
    // Nothing else in the query was touched.
    expect([...serverQuery(path).keys()]).toEqual(["$select", "$filter"]);
  });

  it("cannot break out of the query parameter with & or #", () => {
    const path = render(LOOKUP_PATH, { ANI: "1'&$top=1#x" }, escapeUrlValue);
    const q = serverQuery(path);
    expect([...q.keys()]).toEqual(["$select", "$filter"]);
    expect(q.get("$filter")).toBe("contains(mobilephone,'1''&$top=1#x')");
  });

  it("doubles quotes inside a literal that was opened with %27 (pre-encoded paths)", () => {
    const path = render("query?q=SELECT+Id+FROM+Case+WHERE+ContactId=%27{{id}}%27", { id: "a'b" }, escapeUrlValue);
    expect(path).toBe("query?q=SELECT+Id+FROM+Case+WHERE+ContactId=%27a%27%27b%27");
  });

  it("doubles quotes in an alternate-key literal in the path", () => {
    const path = render("accounts(accountnumber='{{n}}')", { n: "A'1" }, escapeUrlValue);
    expect(path).toBe("accounts(accountnumber='A%27%271')");
    expect(decodeURIComponent(path)).toBe("accounts(accountnumber='A''1')");
  });

  it("does not double quotes for a value outside any literal, but still encodes them", () => {
    const path = render("api/v2/tickets/{{id}}.json", { id: "12'/../x" }, escapeUrlValue);
    expect(path).toBe("api/v2/tickets/12%27%2F..%2Fx.json");
  });

  it("keeps a base URL or host interpolated at the start of a URL usable", () => {
    expect(render("{{base}}/api/v2/tickets/{{id}}.json", { base: "https://acme.zendesk.com", id: "7/8" }, escapeUrlValue)).toBe(
      "https://acme.zendesk.com/api/v2/tickets/7%2F8.json",
    );
    expect(render("https://{{host}}/x?q={{q}}", { host: "h.example:8443", q: "a b" }, escapeUrlValue)).toBe("https://h.example:8443/x?q=a%20b");
    expect(render("{{entity}}?$top=1", { entity: "contacts" }, escapeUrlValue)).toBe("contacts?$top=1");
  });

  it("counts quotes per query parameter, not across the whole URL", () => {
    expect(insideQuotedLiteral("a?x='closed'&$filter=name eq '")).toBe(true);
    expect(insideQuotedLiteral("a?x='open&$filter=name eq ")).toBe(false);
    expect(insideQuotedLiteral("contacts?$filter=a eq 'x''y' and b eq '")).toBe(true);
    expect(insideQuotedLiteral("contacts?$filter=a eq 'x''")).toBe(true);
    expect(insideQuotedLiteral("accounts('a/b') and x eq '")).toBe(true);
  });

  it("encodes non-ASCII, spaces and reserved characters of values", () => {
    expect(encodeStrict("Zoë & co (1)*!")).toBe("Zo%C3%AB%20%26%20co%20%281%29%2A%21");
    expect(encodeStrict("a\ud800b")).toBe("a%EF%BF%BDb");
  });
});

describe("URL clean-up of literal template text", () => {
  it("percent-encodes only characters illegal in a URL", () => {
    expect(encodeIllegalUrlCharacters("https://h/p?q=type:user status<solved a|b")).toBe("https://h/p?q=type:user%20status%3Csolved%20a%7Cb");
    expect(encodeIllegalUrlCharacters("https://h/x?$filter=a eq 'é'")).toBe("https://h/x?$filter=a%20eq%20'%C3%A9'");
  });

  it("keeps what the author pre-encoded and fixes a stray %", () => {
    expect(encodeIllegalUrlCharacters("q=SELECT+Id+WHERE+Phone+LIKE+%27%25123%25%27")).toBe("q=SELECT+Id+WHERE+Phone+LIKE+%27%25123%25%27");
    expect(encodeIllegalUrlCharacters("discount=50%")).toBe("discount=50%25");
  });
});

describe("JSON body escaping", () => {
  const body = '{"ticket": {"comment": {"body": "Caller {{name}} said: {{note}}"}}, "count": {{n}}}';

  it("JSON-escapes values that land inside a JSON string", () => {
    const out = render(body, { name: 'Eve "the hacker"', note: 'x"}, "admin": true, "y": "\\\n', n: "3" }, escapeJsonValue);
    const parsed = JSON.parse(out);
    expect(parsed.ticket.comment.body).toBe('Caller Eve "the hacker" said: x"}, "admin": true, "y": "\\\n');
    expect(Object.keys(parsed)).toEqual(["ticket", "count"]);
    expect(parsed.count).toBe(3);
  });

  it("leaves values outside strings as rendered (numbers stay numbers)", () => {
    expect(escapeJsonValue("42", '{"n": ')).toBe("42");
    expect(insideJsonString('{"a": "x\\"')).toBe(true);
    expect(insideJsonString('{"a": "x\\\\"')).toBe(false);
  });
});

describe("form and header escaping", () => {
  it("percent-encodes form values", () => {
    expect(render("a={{v}}&b=2", { v: "x&b=3 +" }, escapeFormValue)).toBe("a=x%26b%3D3%20%2B&b=2");
  });

  it("removes line breaks from header values", () => {
    expect(escapeHeaderValue("abc\r\nX-Evil: 1", "")).toBe("abc X-Evil: 1");
  });
});
