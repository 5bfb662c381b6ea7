/**
 * JSONPath `=~` filters run on RE2 through the templates' Java-regex translation (src/expr): a
 * pattern that backtracks for seconds on a backtracking engine ends at once, and what RE2 cannot
 * run in linear time (backreferences, lookaround, possessive quantifiers…) is refused when the
 * path is compiled, with the same words `validate` and templates use.
 */
import { describe, expect, it } from "vitest";
import { compileJsonPath, evaluateJsonPath, JsonPathSyntaxError } from "../../src/connectors/jsonpath.js";

describe("JSONPath =~ on RE2", () => {
  it("matches the whole value with Java's syntax and flags, as Jayway does", () => {
    const doc = { people: [{ name: "Ana Lima", phone: "+14806754110" }, { name: "ben okafor", phone: "555" }, { name: "Chloe\nBerg", phone: "+1" }] };
    const names = (f: string) => evaluateJsonPath(doc, `$.people[?(${f})].name`);
    expect(names("@.phone =~ /\\+\\d{11}/")).toEqual({ found: true, value: ["Ana Lima"] });
    expect(names("@.name =~ /BEN.*/i")).toEqual({ found: true, value: ["ben okafor"] });
    expect(names("@.name =~ /\\p{Lower}+ \\p{Lower}+/")).toEqual({ found: true, value: ["ben okafor"] });
    expect(names("@.name =~ /Chloe.Berg/")).toEqual({ found: false });
    expect(names("@.name =~ /Chloe.Berg/s")).toEqual({ found: true, value: ["Chloe\nBerg"] });
    expect(names("@.name =~ /Lima/")).toEqual({ found: false }); // matches(), not find()
  });

  it("ends hostile patterns over a long value in milliseconds", () => {
    const long = `${"a".repeat(1000)}!`;
    const doc = { items: [{ v: long }, { v: "aaaa" }] };
    for (const re of ["(a|a)+$", "(a+)+b", "(a|aa)+c", "(.*a){12}x"]) {
      // On a backtracking engine this never ends (the test's timeout would fail it); RE2 is linear.
      const r = evaluateJsonPath(doc, `$.items[?(@.v =~ /${re}/)].v`);
      expect(r.found ? (r.value as string[]).every((v) => v === "aaaa") : true, re).toBe(true);
    }
  });

  it("refuses what RE2 cannot run in linear time, when the path is compiled", () => {
    const cases: Array<[string, RegExp]> = [
      ["(a)\\1", /the backreference \\1 is not supported/],
      ["(?=a)a", /lookahead/],
      ["(?<!a)b", /lookbehind/],
      ["a++", /possessive/],
      ["(?>a)", /atomic/],
    ];
    for (const [re, why] of cases) {
      let err: unknown;
      try {
        compileJsonPath(`$.x[?(@.v =~ /${re}/)]`);
      } catch (e) {
        err = e;
      }
      expect(err, re).toBeInstanceOf(JsonPathSyntaxError);
      expect((err as Error).message, re).toMatch(/Bad regular expression: unsupported regular expression/);
      expect((err as Error).message, re).toMatch(why);
    }
    expect(() => compileJsonPath("$.x[?(@.v =~ /a/x)]")).toThrow(/flag 'x' is not supported/);
  });

});
