import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { ODataError } from "../../../src/crm/odata/errors.js";
import { parseFilter, parseOrderBy } from "../../../src/crm/odata/expression-parser.js";
import { parseExpand, parseSelect } from "../../../src/crm/odata/select-expand.js";

const require = createRequire(import.meta.url);
// The unmaintained npm parser serves as an independent oracle for what is valid OData syntax.
const oracle = require("odata-v4-parser") as { filter(text: string): { raw: string } };

function oracleAccepts(text: string): boolean {
  try {
    return oracle.filter(text).raw === text;
  } catch {
    return false;
  }
}

function errorOf(fn: () => unknown): ODataError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ODataError) return err;
    throw err;
  }
  throw new Error("expected an ODataError");
}

describe("$filter parser", () => {
  it("reads the seed's ANI lookup as a contains() call on a column", () => {
    expect(parseFilter("contains(telephone1,'14806754110')")).toMatchObject({
      kind: "call",
      name: "contains",
      args: [{ value: { kind: "path", segments: ["telephone1"] } }, { value: { kind: "literal", type: "string", value: "14806754110" } }],
    });
  });

  it("reads GUIDs quoted (Postman) and unquoted (dynamics-web-api), normalising case", () => {
    const unquoted = parseFilter("_customerid_value eq DC9BBBFE-E0E5-ED11-A7C7-0022482137B9");
    expect(unquoted).toMatchObject({ kind: "binary", op: "eq", right: { type: "guid", value: "dc9bbbfe-e0e5-ed11-a7c7-0022482137b9" } });
    const digitFirst = parseFilter("_customerid_value eq 5350cb01-a1b6-ea11-a812-000d3a3e1af1");
    expect(digitFirst).toMatchObject({ right: { type: "guid", value: "5350cb01-a1b6-ea11-a812-000d3a3e1af1" } });
    const quoted = parseFilter("_customerid_value eq 'dc9bbbfe-e0e5-ed11-a7c7-0022482137b9'");
    expect(quoted).toMatchObject({ right: { type: "string", value: "dc9bbbfe-e0e5-ed11-a7c7-0022482137b9" } });
  });

  it("undoes doubled quotes and keeps precedence: not > and > or", () => {
    const expr = parseFilter("lastname eq 'O''Bryan' or not startswith(firstname,'Y') and statecode eq 0");
    expect(expr).toMatchObject({
      op: "or",
      left: { op: "eq", right: { value: "O'Bryan" } },
      right: { op: "and", left: { kind: "unary", op: "not" }, right: { op: "eq" } },
    });
  });

  it("reads numbers, dates, booleans, null and negative numbers with their types", () => {
    expect(parseFilter("a eq 1")).toMatchObject({ right: { type: "int32", value: 1 } });
    expect(parseFilter("a eq 3000000000")).toMatchObject({ right: { type: "int64", value: 3000000000n } });
    expect(parseFilter("a eq 1.5")).toMatchObject({ right: { type: "decimal", value: 1.5 } });
    expect(parseFilter("a eq -7")).toMatchObject({ right: { type: "int32", value: -7 } });
    expect(parseFilter("a eq 1e3")).toMatchObject({ right: { type: "double", value: 1000 } });
    expect(parseFilter("a eq true")).toMatchObject({ right: { type: "boolean", value: true } });
    expect(parseFilter("a eq null")).toMatchObject({ right: { type: "null", value: null } });
    expect(parseFilter("a eq 2024-02-29")).toMatchObject({ right: { type: "date", value: "2024-02-29" } });
    expect(parseFilter("createdon ge 2024-01-01T02:00:00+02:00")).toMatchObject({
      right: { type: "datetimeoffset", value: Date.UTC(2024, 0, 1, 0, 0, 0) },
    });
  });

  it("reads navigation paths, lambdas and Dataverse query functions with named parameters", () => {
    expect(parseFilter("primarycontactid/fullname eq 'x'")).toMatchObject({ left: { kind: "path", segments: ["primarycontactid", "fullname"] } });
    expect(parseFilter("incident_customer_contacts/any(i:i/prioritycode eq 1)")).toMatchObject({
      kind: "lambda",
      op: "any",
      source: { segments: ["incident_customer_contacts"] },
      variable: "i",
      body: { op: "eq", left: { kind: "path", range: "i", segments: ["prioritycode"] } },
    });
    expect(parseFilter(`Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=["A","B"])`)).toMatchObject({
      kind: "call",
      name: "Microsoft.Dynamics.CRM.In",
      args: [
        { name: "PropertyName", value: { value: "lastname" } },
        { name: "PropertyValues", value: { kind: "list", items: [{ value: "A" }, { value: "B" }] } },
      ],
    });
    expect(parseFilter("prioritycode in (1,2)")).toMatchObject({ op: "in", right: { kind: "list", items: [{ value: 1 }, { value: 2 }] } });
    expect(parseFilter("contains(fullname,@p1)")).toMatchObject({ args: [{}, { value: { kind: "alias", name: "@p1" } }] });
  });

  it("answers malformed input with Dataverse's messages and positions", () => {
    expect(errorOf(() => parseFilter("lastname eq 'O'Bryan'")).message).toBe(
      "There is an unterminated literal at position 21 in 'lastname eq 'O'Bryan''.",
    );
    expect(errorOf(() => parseFilter("lastname eq 'Bryan")).message).toBe(
      "There is an unterminated string literal at position 18 in 'lastname eq 'Bryan'.",
    );
    expect(errorOf(() => parseFilter("name eq")).message).toBe("Expression expected at position 7 in 'name eq'.");
    expect(errorOf(() => parseFilter("(name eq 'a'")).message).toBe("')' or operator expected at position 12 in '(name eq 'a''.");
    expect(errorOf(() => parseFilter("contains(name,'a'")).message).toBe("')' or ',' expected at position 17 in 'contains(name,'a''.");
    expect(errorOf(() => parseFilter("name eq 'a' foo")).message).toBe("Syntax error at position 15 in 'name eq 'a' foo'.");
    expect(errorOf(() => parseFilter("name eq #")).message).toBe("Syntax error: character '#' is not valid at position 8 in 'name eq #'.");
    expect(errorOf(() => parseFilter("a eq 1.")).message).toBe("A digit was expected at position 7 in 'a eq 1.'.");
    expect(errorOf(() => parseFilter("a eq 2024-02-30")).message).toBe("Unrecognized 'Edm.Date' literal '2024-02-30' at '5' in 'a eq 2024-02-30'.");
    const err = errorOf(() => parseFilter(""));
    expect(err.status).toBe(400);
    expect(err.code).toBe("0x80060888");
  });

  it("stops runaway nesting with an error rather than a stack overflow", () => {
    const deep = "(".repeat(5000) + "a eq 1" + ")".repeat(5000);
    expect(errorOf(() => parseFilter(deep)).message).toBe("Recursion depth exceeded allowed limit.");
  });

  it("agrees with the independent oracle on what is well-formed", () => {
    const valid = [
      "contains(telephone1,'14806754110')",
      "startswith(fullname,'Yv') and endswith(fullname,'Kay')",
      "_customerid_value eq dc9bbbfe-e0e5-ed11-a7c7-0022482137b9",
      "lastname eq 'O''Bryan'",
      "prioritycode eq 1 or prioritycode eq 2",
      "not (statecode eq 1)",
      "createdon ge 2024-01-01T00:00:00Z",
      "revenue gt 1000.5 and numberofemployees le 10",
      "primarycontactid/fullname eq 'Yvonne McKay'",
      "incident_customer_contacts/any(i:i/prioritycode eq 1)",
      "emailaddress1 ne null",
    ];
    for (const text of valid) {
      expect(oracleAccepts(text), text).toBe(true);
      expect(() => parseFilter(text), text).not.toThrow();
    }
    const invalid = ["name eq", "contains(name,'a'", "(a eq 1", "a eq 'x", "a eq 1 b", "eq 1", "a eq ,", "a/", "a eq 1 and"];
    for (const text of invalid) {
      expect(oracleAccepts(text), text).toBe(false);
      expect(() => parseFilter(text), text).toThrow(ODataError);
    }
  });
});

describe("$orderby, $select and $expand parsers", () => {
  it("reads directions and defaults to ascending", () => {
    expect(parseOrderBy("revenue asc,name desc, createdon")).toMatchObject([
      { expr: { segments: ["revenue"] }, descending: false },
      { expr: { segments: ["name"] }, descending: true },
      { expr: { segments: ["createdon"] }, descending: false },
    ]);
    expect(errorOf(() => parseOrderBy("name up")).message).toBe("Syntax error at position 7 in 'name up'.");
  });

  it("reads select lists and rejects paths", () => {
    expect(parseSelect("fullname,telephone1,contactid").map((i) => i.name)).toEqual(["fullname", "telephone1", "contactid"]);
    expect(errorOf(() => parseSelect("fullname,,x")).message).toBe("Expression expected at position 9 in 'fullname,,x'.");
    expect(errorOf(() => parseSelect("primarycontactid/fullname")).message).toBe(
      "Term 'primarycontactid/fullname' is not valid in a $select or $expand expression.",
    );
  });

  it("reads expands with nested options, references and several items", () => {
    const items = parseExpand("customerid_contact($select=fullname,telephone1;$filter=statecode eq 0),primarycontactid/$ref,ownerid");
    expect(items).toMatchObject([
      { name: "customerid_contact", ref: false, select: [{ name: "fullname" }, { name: "telephone1" }], filter: { op: "eq" } },
      { name: "primarycontactid", ref: true },
      { name: "ownerid", ref: false },
    ]);
    expect(parseExpand("incident_customer_contacts($select=title;$orderby=createdon desc;$top=3)")).toMatchObject([
      { top: 3, orderBy: [{ descending: true }] },
    ]);
    expect(errorOf(() => parseExpand("a($select=x")).message).toContain("expected");
    expect(errorOf(() => parseExpand("a($skip=1)")).message).toBe("Skip Clause is not supported in CRM");
  });
});
