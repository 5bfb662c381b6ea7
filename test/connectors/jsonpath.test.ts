import { describe, expect, it } from "vitest";
import type { VariableType } from "../../src/flow/types.js";
import { applyOutputMappings, compileJsonPath, evaluateJsonPath, JsonPathSyntaxError, OutputMappingError } from "../../src/connectors/jsonpath.js";

const dataverse = {
  "@odata.context": "https://org.api.crm.dynamics.com/api/data/v9.2/$metadata#contacts(fullname,telephone1,contactid)",
  value: [
    { "@odata.etag": 'W/"1"', fullname: "Dana Whitfield", telephone1: "15550100", contactid: "5b1f0c2e-7a41-4d8e-9c3a-2f6d8e1b4a90" },
    { "@odata.etag": 'W/"2"', fullname: "Ann Other", telephone1: null, contactid: "11111111-1111-1111-1111-111111111111" },
  ],
};

const get = (doc: unknown, path: string) => evaluateJsonPath(doc, path);

describe("Jayway paths as flows write them", () => {
  it("prepends $. to a path without a root (the seed's value[0].contactid)", () => {
    expect(get(dataverse, "value[0].contactid")).toEqual({ found: true, value: "5b1f0c2e-7a41-4d8e-9c3a-2f6d8e1b4a90" });
    expect(get(dataverse, "$.value[0].fullname")).toEqual({ found: true, value: "Dana Whitfield" });
  });

  it("accepts .[0] (Salesforce's $.records.[0].Id)", () => {
    const sf = { totalSize: 1, records: [{ Id: "001", Name: "Acme" }] };
    expect(get(sf, "$.records.[0].Id")).toEqual({ found: true, value: "001" });
  });

  it("reads bracket keys containing dots", () => {
    const doc = { "dialogflow.ccai.live-agent-escalation": { call_reason: "billing" } };
    expect(get(doc, '$["dialogflow.ccai.live-agent-escalation"].call_reason')).toEqual({ found: true, value: "billing" });
    expect(get(doc, "$['dialogflow.ccai.live-agent-escalation']['call_reason']")).toEqual({ found: true, value: "billing" });
  });

  it("reports a miss for an empty result set, a missing key, an index on an object", () => {
    expect(get({ value: [] }, "value[0].contactid")).toEqual({ found: false });
    expect(get(dataverse, "value[0].nope")).toEqual({ found: false });
    expect(get({ value: { a: 1 } }, "value[0]")).toEqual({ found: false });
    expect(get({ error: { code: "0x80040217" } }, "value[0].contactid")).toEqual({ found: false });
  });

  it("returns null as a value (the mapping treats it as a miss)", () => {
    expect(get(dataverse, "value[1].telephone1")).toEqual({ found: true, value: null });
  });

  it("supports wildcards, returning lists", () => {
    expect(get({ a: 1, b: "x" }, "$.*")).toEqual({ found: true, value: [1, "x"] });
    expect(get({ result: [{ n: 1, m: 2 }] }, "$.result[0].*")).toEqual({ found: true, value: [1, 2] });
  });

  it("returns arrays from filters, which cannot be indexed further as a single value", () => {
    const doc = { phones: [{ type: "home", value: "1612" }, { type: "work", value: "1613" }] };
    expect(get(doc, "$.phones[?(@.type=='work')].value")).toEqual({ found: true, value: ["1613"] });
    expect(get(doc, "$.phones[?(@.type == 'mobile')].value")).toEqual({ found: false });
  });

  it("evaluates filter operators like Jayway", () => {
    const doc = {
      books: [
        { title: "A", price: 8.95, tags: ["x", "y"], isbn: "1" },
        { title: "B", price: 12.99, tags: [] },
        { title: "C", price: 22, tags: ["y"], isbn: "3" },
      ],
      limit: 10,
    };
    const titles = (f: string) => get(doc, `$.books[?(${f})].title`);
    expect(titles("@.price < 10")).toEqual({ found: true, value: ["A"] });
    expect(titles("@.price >= 12.99 && @.isbn")).toEqual({ found: true, value: ["C"] });
    expect(titles("@.price > $.limit")).toEqual({ found: true, value: ["B", "C"] });
    expect(titles("@.isbn")).toEqual({ found: true, value: ["A", "C"] });
    expect(titles("!@.isbn")).toEqual({ found: true, value: ["B"] });
    expect(titles("@.title in ['A','C']")).toEqual({ found: true, value: ["A", "C"] });
    expect(titles("@.title nin ['A','C']")).toEqual({ found: true, value: ["B"] });
    expect(titles("@.title =~ /[ab]/i")).toEqual({ found: true, value: ["A", "B"] });
    expect(titles("@.tags size 2")).toEqual({ found: true, value: ["A"] });
    expect(titles("@.tags empty true")).toEqual({ found: true, value: ["B"] });
    expect(titles("@.tags contains 'y'")).toEqual({ found: true, value: ["A", "C"] });
    expect(titles("@.tags subsetof ['y','z']")).toEqual({ found: true, value: ["B", "C"] });
    expect(titles("@.tags anyof ['x']")).toEqual({ found: true, value: ["A"] });
    expect(titles("(@.price < 10 || @.price > 20) && @.title != 'A'")).toEqual({ found: true, value: ["C"] });
    // A missing key is "undefined": equal to nothing, different from everything.
    expect(titles("@.isbn != '1'")).toEqual({ found: true, value: ["B", "C"] });
  });

  it("compares numbers and strings the way Jayway's value nodes do", () => {
    const doc = { items: [{ id: 5 }, { id: "5" }, { id: "x" }] };
    expect(get(doc, "$.items[?(@.id == 5)].id")).toEqual({ found: true, value: [5, "5"] });
    expect(get(doc, "$.items[?(@.id === 5)].id")).toEqual({ found: true, value: [5] });
  });

  it("deep-scans with .. in document order", () => {
    const doc = { name: "root", a: { name: "a", b: [{ name: "b0" }, { c: { name: "c" } }] } };
    expect(get(doc, "$..name")).toEqual({ found: true, value: ["root", "a", "b0", "c"] });
    expect(get(doc, "$..b[0].name")).toEqual({ found: true, value: ["b0"] });
  });

  it("supports index lists, negative indexes, slices and functions", () => {
    const doc = { v: [10, 20, 30, 40] };
    expect(get(doc, "$.v[-1]")).toEqual({ found: true, value: 40 });
    expect(get(doc, "$.v[0,2]")).toEqual({ found: true, value: [10, 30] });
    expect(get(doc, "$.v[1:3]")).toEqual({ found: true, value: [20, 30] });
    expect(get(doc, "$.v[-2:]")).toEqual({ found: true, value: [30, 40] });
    expect(get(doc, "$.v.length()")).toEqual({ found: true, value: 4 });
    expect(get(doc, "$.v.sum()")).toEqual({ found: true, value: 100 });
  });

  it("evaluates a path on a top-level array ($[0].outboundcallbackep)", () => {
    expect(get([{ outboundcallbackep: "+1555" }], "$[0].outboundcallbackep")).toEqual({ found: true, value: "+1555" });
  });

  it("rejects a path ending in .. or . and other syntax errors, with a position", () => {
    expect(() => compileJsonPath("$.value..")).toThrow(JsonPathSyntaxError);
    expect(() => compileJsonPath("value.")).toThrow(/may not end/);
    expect(() => compileJsonPath("$.value[0")).toThrow(/Unclosed/);
    expect(() => compileJsonPath("$.a[?(@.x == )]")).toThrow(/position/);
    expect(() => compileJsonPath("$.a.b c")).toThrow(JsonPathSyntaxError);
  });
});

describe("outputVariableArray mapping (flow-designer §6.4)", () => {
  const types: Record<string, VariableType> = { CustomerID: "STRING", ContactName: "STRING", Count: "INTEGER", Vip: "BOOLEAN", Raw: "JSON", Score: "DECIMAL" };
  const typeOf = (n: string) => types[n];

  it("maps the seed's known caller", () => {
    const rows = [
      { outputVariable: "CustomerID", jsonPathExp: "value[0].contactid" },
      { outputVariable: "ContactName", jsonPathExp: "value[0].fullname" },
    ];
    expect(applyOutputMappings(dataverse, rows, typeOf)).toEqual([
      { variable: "CustomerID", value: "5b1f0c2e-7a41-4d8e-9c3a-2f6d8e1b4a90", path: "value[0].contactid" },
      { variable: "ContactName", value: "Dana Whitfield", path: "value[0].fullname" },
    ]);
  });

  it("assigns nothing for an unknown caller, so CustomerID keeps its NA sentinel", () => {
    expect(applyOutputMappings({ value: [] }, [{ outputVariable: "CustomerID", jsonPathExp: "value[0].contactid" }], typeOf)).toEqual([]);
  });

  it("empties instead when configured to (STRING to empty text, others to null)", () => {
    const rows = [
      { outputVariable: "CustomerID", jsonPathExp: "value[0].contactid" },
      { outputVariable: "Count", jsonPathExp: "value[0].n" },
    ];
    expect(applyOutputMappings({ value: [] }, rows, typeOf, "empty").map((a) => [a.variable, a.value])).toEqual([
      ["CustomerID", ""],
      ["Count", null],
    ]);
  });

  it("skips placeholder rows, empty paths and unknown variables", () => {
    const rows = [{ outputVariable: "Select", jsonPathExp: "" }, { outputVariable: "Nope", jsonPathExp: "$.a" }, { jsonPathExp: "$.a" }, null];
    expect(applyOutputMappings({ a: 1 }, rows as never, typeOf)).toEqual([]);
  });

  it("says a body nested too deeply for a recursive path is the body's fault, not the path's", () => {
    const depth = 200_000;
    const hostile = JSON.parse("[".repeat(depth) + "]".repeat(depth)) as unknown;
    const failure = (() => {
      try {
        applyOutputMappings(hostile, [{ outputVariable: "ContactName", jsonPathExp: "$..fullname" }], typeOf);
      } catch (err) {
        return err;
      }
    })();
    expect(failure).toBeInstanceOf(OutputMappingError);
    expect((failure as Error).message).toBe("the response is nested too deeply to search with $..fullname for ContactName");
  });

  it("treats JSON null like a miss", () => {
    expect(applyOutputMappings(dataverse, [{ outputVariable: "ContactName", jsonPathExp: "value[1].telephone1" }], typeOf)).toEqual([]);
  });

  it("writes arrays and objects as JSON text, or natively into a JSON variable", () => {
    const doc = { phones: [{ type: "work", value: "1613" }] };
    const rows = [
      { outputVariable: "ContactName", jsonPathExp: "$.phones[?(@.type=='work')].value" },
      { outputVariable: "Raw", jsonPathExp: "$.phones[0]" },
    ];
    expect(applyOutputMappings(doc, rows, typeOf).map((a) => a.value)).toEqual(['["1613"]', { type: "work", value: "1613" }]);
  });

  it("converts scalars to the variable's type", () => {
    const doc = { id: 12345, n: "7", vip: "TRUE", score: "4.5" };
    const rows = [
      { outputVariable: "ContactName", jsonPathExp: "$.id" },
      { outputVariable: "Count", jsonPathExp: "$.n" },
      { outputVariable: "Vip", jsonPathExp: "$.vip" },
      { outputVariable: "Score", jsonPathExp: "$.score" },
    ];
    expect(applyOutputMappings(doc, rows, typeOf).map((a) => a.value)).toEqual(["12345", 7, true, 4.5]);
  });

  it("fails with the variable and path named when a value does not fit the type", () => {
    const run = () => applyOutputMappings({ n: "seven" }, [{ outputVariable: "Count", jsonPathExp: "$.n" }], typeOf);
    expect(run).toThrow(OutputMappingError);
    expect(run).toThrow(/INTEGER variable Count from \$\.n: "seven" is not an integer/);
  });

  it("fails on a malformed path, naming the variable", () => {
    expect(() => applyOutputMappings({}, [{ outputVariable: "Count", jsonPathExp: "$.a.." }], typeOf)).toThrow(/bad JSONPath for Count/);
  });

  it("treats an unparsable body (undefined document) as a miss for every row", () => {
    expect(applyOutputMappings(undefined, [{ outputVariable: "CustomerID", jsonPathExp: "value[0].contactid" }], typeOf)).toEqual([]);
  });
});
