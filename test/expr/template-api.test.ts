/**
 * The Template contract the engine and the validator use: render vs evaluate, isLiteral,
 * references() for validation, and the escape hook that sees where a value lands.
 */
import { describe, expect, test } from "vitest";
import { createScope, isExprError, parseTemplate, ZonedDateTime } from "../../src/expr/index.js";
import { CLOCK, evaluate, render } from "./helpers.js";

describe("evaluate keeps the native value of a single {{ expr }}", () => {
  test.each([
    ["{{ 5 }}", 5],
    ["{{ 2.0 }}", 2],
    ["{{ 1.5 * 2 }}", 3],
    ["{{ true }}", true],
    ["{{ missing }}", null],
    ["{{ [1, 2.0, 'a' | first] }}", [1, 2, "a"]],
    ['{{ {"a": 1, "b": [true]} }}', { a: 1, b: [true] }],
    ["  {{ 'x' ~ 1 }}\n", "x1"],
  ])("%s", (source, expected) => expect(evaluate(source)).toEqual(expected));

  test("objects from the scope come back as they are; now() stays a date-time", () => {
    const rec = { a: 1 };
    expect(evaluate("{{ rec }}", { rec })).toBe(rec);
    const now = evaluate("{{ now() }}");
    expect(now).toBeInstanceOf(ZonedDateTime);
    expect(String(now)).toBe("2025-02-06T21:09:02.712Z[UTC]");
  });

  test("anything else is the rendered text", () => {
    expect(evaluate("a{{ 5 }}")).toBe("a5");
    expect(evaluate("{{ 1 }}{{ 2 }}")).toBe("12");
    expect(evaluate("plain")).toBe("plain");
  });
});

describe("isLiteral", () => {
  test("true only without any delimiter", () => {
    expect(parseTemplate("Existing").isLiteral).toBe(true);
    expect(parseTemplate("{ not a template }").isLiteral).toBe(true);
    expect(parseTemplate("{{ x }}").isLiteral).toBe(false);
    expect(parseTemplate("{% if x %}{% endif %}").isLiteral).toBe(false);
    expect(parseTemplate("{# c #}").isLiteral).toBe(false);
  });
});

describe("references", () => {
  test("root names with their first attribute and position", () => {
    const t = parseTemplate('{{NewPhoneContact.ANI | replace({"+":""})}} {{ GetCustomerInfo["httpStatusCode"] }} {{ a[b] }} {{ now() }}');
    expect(t.references()).toEqual([
      { root: "NewPhoneContact", path: ["ANI"], position: 2 },
      { root: "GetCustomerInfo", path: ["httpStatusCode"], position: 47 },
      { root: "a", path: [], position: 87 },
      { root: "b", path: [], position: 89 },
    ]);
  });

  test("names the template binds itself are not references", () => {
    const t = parseTemplate("{% set x = y %}{% for item in items %}{{ item.name }}{{ loop.index }}{{ x }}{% endfor %}");
    expect(t.references().map((r) => r.root)).toEqual(["y", "items"]);
  });

  test("the result is a copy", () => {
    const t = parseTemplate("{{ a.b }}");
    t.references()[0]!.path.push("mutated");
    expect(t.references()[0]!.path).toEqual(["b"]);
  });
});

describe("the escape hook", () => {
  test("sees each interpolated value and the output before it", () => {
    const seen: Array<[string, string]> = [];
    const out = render(
      "contacts?$filter=contains(telephone1,'{{ANI}}') and x eq {{ n }}{{ missing }}",
      { ANI: "o'neil", n: 5 },
      {
        escape: (value, before) => {
          seen.push([value, before]);
          return before.endsWith("'") ? value.replaceAll("'", "''") : value;
        },
      },
    );
    expect(out).toBe("contacts?$filter=contains(telephone1,'o''neil') and x eq 5");
    expect(seen).toEqual([
      ["o'neil", "contacts?$filter=contains(telephone1,'"],
      ["5", "contacts?$filter=contains(telephone1,'o''neil') and x eq "],
      ["", "contacts?$filter=contains(telephone1,'o''neil') and x eq 5"],
    ]);
  });
});

describe("compiled once, rendered many times", () => {
  test("the same Template renders different scopes independently", () => {
    const t = parseTemplate("{{ n * 2 }}");
    expect(t.render(createScope(() => 2))).toBe("4");
    expect(t.render(createScope(() => 21))).toBe("42");
  });

  test("without a clock, now() uses the real time", () => {
    const year = Number(parseTemplate("{{ now().year }}").render(createScope(() => undefined)));
    expect(year).toBeGreaterThanOrEqual(2025);
    expect(CLOCK).toBeLessThan(Date.now());
  });

  test("a scope that throws is reported as an ExprError", () => {
    const t = parseTemplate("{{ a }}");
    let caught: unknown;
    try {
      t.render(
        createScope(() => {
          throw new Error("store unavailable");
        }),
      );
    } catch (err) {
      caught = err;
    }
    expect(isExprError(caught)).toBe(true);
  });
});
