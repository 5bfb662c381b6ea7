/**
 * JSONPath expectations taken from Jayway JsonPath's own tests: for each, the path (or filter),
 * the document and the result Jayway's test asserts, written here as data.
 *
 * Sources (github.com/json-path/JsonPath):
 * - json-path/src/test/java/com/jayway/jsonpath/old/ArraySlicingTest.java
 *   at commit 3386f1ab28de8259b5c0a039ecf08fc60ede9b85 (index, slice and union on an array);
 * - json-path/src/test/java/com/jayway/jsonpath/FilterTest.java
 *   at commit 02c4b4b1d3959886e6bbe5c1da57e7cefcf4c33e (each relational operator on each kind of
 *   value). Jayway's test applies a filter to its document and asserts true or false; here the
 *   same filter runs as `$[?(…)]` over a one-element array holding that document, so true is
 *   "the document comes back" and false "nothing does". Where Jayway's test builds the filter
 *   with its Criteria API (`where("int-key").lt(10)`), the filter is written in the path syntax
 *   that API stands for (`@['int-key'] < 10`); `type(...)`, `all(...)` and `matches(...)` have
 *   no path syntax and are left out. Jayway's empty list is ccflow's "not found" (the flow's
 *   variable keeps its value, as for a plain miss: see evaluateJsonPath).
 */
import { describe, expect, it } from "vitest";
import { evaluateJsonPath } from "../../src/connectors/jsonpath.js";

/** What evaluateJsonPath answers for Jayway's empty result list. */
const NOTHING = { found: false };

describe("Jayway's ArraySlicingTest", () => {
  const nums = [1, 3, 5, 7, 8, 13, 20];
  const cases: Array<[path: string, result: unknown]> = [
    ["$[3]", 7],
    ["$[:3]", [1, 3, 5]],
    ["$[1:5]", [3, 5, 7, 8]],
    ["$[0:1]", [1]],
    ["$[1:15]", [3, 5, 7, 8, 13, 20]],
    ["$[-3:]", [8, 13, 20]],
    ["$[3:]", [7, 8, 13, 20]],
    ["$[0,1,2]", [1, 3, 5]],
  ];
  it.each(cases)("%s on [1, 3, 5, 7, 8, 13, 20] is %j", (path, result) => {
    expect(evaluateJsonPath(nums, path)).toEqual({ found: true, value: result });
  });
});

describe("Jayway's FilterTest", () => {
  const doc = {
    "int-key": 1,
    "long-key": 3000000000,
    "double-key": 10.1,
    "boolean-key": true,
    "null-key": null,
    "string-key": "string",
    "string-key-empty": "",
    "char-key": "c",
    "arr-empty": [],
    "int-arr": [0, 1, 2, 3, 4],
    "string-arr": ["a", "b", "c", "d", "e"],
  };
  const cases: Array<[filter: string, holds: boolean]> = [
    // EQ
    ["@['int-key'] == 1", true],
    ["@['int-key'] == 666", false],
    ["@['int-key'] == '1'", true],
    ["@['int-key'] == '666'", false],
    ["1 == '1'", true],
    ["'1' == 1", true],
    ["1 === '1'", false],
    ["'1' === 1", false],
    ["1 === 1", true],
    ["@['long-key'] == 3000000000", true],
    ["@['long-key'] == 666", false],
    ["@['double-key'] == 10.1", true],
    ["@['double-key'] == 10.10", true],
    ["@['double-key'] == 10.11", false],
    ["@['string-key'] == 'string'", true],
    ["@['string-key'] == '666'", false],
    ["@['boolean-key'] == true", true],
    ["@['boolean-key'] == false", false],
    ["@['null-key'] == null", true],
    ["@['null-key'] == '666'", false],
    ["@['string-key'] == null", false],
    // NE
    ["@['int-key'] != 1", false],
    ["@['int-key'] != 666", true],
    ["@['long-key'] != 3000000000", false],
    ["@['long-key'] != 666", true],
    ["@['double-key'] != 10.1", false],
    ["@['double-key'] != 10.10", false],
    ["@['double-key'] != 10.11", true],
    ["@['string-key'] != 'string'", false],
    ["@['string-key'] != '666'", true],
    ["@['boolean-key'] != true", false],
    ["@['boolean-key'] != false", true],
    ["@['null-key'] != null", false],
    ["@['null-key'] != '666'", true],
    ["@['string-key'] != null", true],
    // LT
    ["@['int-key'] < 10", true],
    ["@['int-key'] < 0", false],
    ["@['long-key'] < 4000000000", true],
    ["@['long-key'] < 666", false],
    ["@['double-key'] < 100.1", true],
    ["@['double-key'] < 1.1", false],
    ["@['char-key'] < 'x'", true],
    ["@['char-key'] < 'a'", false],
    // LTE
    ["@['int-key'] <= 10", true],
    ["@['int-key'] <= 1", true],
    ["@['int-key'] <= 0", false],
    ["@['long-key'] <= 4000000000", true],
    ["@['long-key'] <= 3000000000", true],
    ["@['long-key'] <= 666", false],
    ["@['double-key'] <= 100.1", true],
    ["@['double-key'] <= 10.1", true],
    ["@['double-key'] <= 1.1", false],
    // GT
    ["@['int-key'] > 10", false],
    ["@['int-key'] > 0", true],
    ["@['long-key'] > 4000000000", false],
    ["@['long-key'] > 666", true],
    ["@['double-key'] > 100.1", false],
    ["@['double-key'] > 1.1", true],
    ["@['char-key'] > 'x'", false],
    ["@['char-key'] > 'a'", true],
    // GTE
    ["@['int-key'] >= 10", false],
    ["@['int-key'] >= 1", true],
    ["@['int-key'] >= 0", true],
    ["@['long-key'] >= 4000000000", false],
    ["@['long-key'] >= 3000000000", true],
    ["@['long-key'] >= 666", true],
    ["@['double-key'] >= 100.1", false],
    ["@['double-key'] >= 10.1", true],
    ["@['double-key'] >= 1.1", true],
    // REGEX
    ["@['string-key'] =~ /^string$/", true],
    ["@['string-key'] =~ /^tring$/", false],
    ["@['null-key'] =~ /^string$/", false],
    ["@['int-key'] =~ /^string$/", false],
    // IN, NIN
    ["@['string-key'] in ['a', null, 'string']", true],
    ["@['string-key'] in ['a', null]", false],
    ["@['null-key'] in ['a', null]", true],
    ["@['null-key'] in ['a', 'b']", false],
    ["@['string-arr'] in ['a']", false],
    ["@['string-key'] nin ['a', null, 'string']", false],
    ["@['string-key'] nin ['a', null]", true],
    ["@['null-key'] nin ['a', null]", false],
    ["@['null-key'] nin ['a', 'b']", true],
    ["@['string-arr'] nin ['a']", true],
    // SIZE
    ["@['string-arr'] size 5", true],
    ["@['string-arr'] size 7", false],
    ["@['string-key'] size 6", true],
    ["@['string-key'] size 7", false],
    ["@['int-key'] size 6", false],
    ["@['null-key'] size 6", false],
    // SUBSETOF, ANYOF, NONEOF
    ["@['string-arr'] subsetof ['a', 'b', 'c', 'd', 'e', 'f', 'g']", true],
    ["@['string-arr'] subsetof ['e', 'd', 'b', 'c', 'a']", true],
    ["@['string-arr'] subsetof ['a', 'b', 'c', 'd']", false],
    ["@['string-arr'] anyof ['a', 'z']", true],
    ["@['string-arr'] anyof ['z', 'b', 'a']", true],
    ["@['string-arr'] anyof ['x', 'y', 'z']", false],
    ["@['string-arr'] noneof ['a', 'z']", false],
    ["@['string-arr'] noneof ['z', 'b', 'a']", false],
    ["@['string-arr'] noneof ['x', 'y', 'z']", true],
    // EXISTS
    ["@['string-key']", true],
    ["@['missing-key']", false],
    // EMPTY
    ["@['string-key'] empty false", true],
    ["@['string-key'] empty true", false],
    ["@['string-key-empty'] empty true", true],
    ["@['string-key-empty'] empty false", false],
    ["@['int-arr'] empty false", true],
    ["@['int-arr'] empty true", false],
    ["@['arr-empty'] empty true", true],
    ["@['arr-empty'] empty false", false],
    ["@['null-key'] empty true", false],
    ["@['null-key'] empty false", false],
  ];
  it.each(cases)("[?(%s)] is %s", (filter, holds) => {
    expect(evaluateJsonPath([doc], `$[?(${filter})]`)).toEqual(holds ? { found: true, value: [doc] } : NOTHING);
  });

  it("JSON equality: [?(@.foo == [1,2])] holds for {foo: [1,2], bar: {a: true}}", () => {
    const tree = { foo: [1, 2], bar: { a: true } };
    expect(evaluateJsonPath([tree], "$[?(@.foo == [1,2])]")).toEqual({ found: true, value: [tree] });
  });

  it("|| inside && (testFilterWithOrShortCircuit1 and 2)", () => {
    const bob = { firstname: "Bob", surname: "Smith", age: 30 };
    expect(evaluateJsonPath([bob], "$[?((@.firstname == 'Bob' || @.firstname == 'Jane') && @.surname == 'Doe')]")).toEqual(NOTHING);
    expect(evaluateJsonPath([bob], "$[?((@.firstname == 'Bob' || @.firstname == 'Jane') && @.surname == 'Smith')]")).toEqual({ found: true, value: [bob] });
  });
});
