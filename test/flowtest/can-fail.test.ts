/**
 * Which error ports coverage counts depends on can-fail.ts deciding "this cannot fail". Those
 * decisions must be sound: every template form it calls safe is rendered here with values of
 * every type the store can hold, and must not throw.
 */
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import { objectScope, parseTemplate } from "../../src/expr/index.js";
import { ANY_INPUT_FILTERS, ANY_INPUT_TESTS, STRING_FILTERS, activityCanFail, flowTyping, templateCanThrow } from "../../src/flowtest/can-fail.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";

const VALUES: Record<string, unknown> = { text: "a+b", empty: "", num: 42, dec: 2.5, yes: true, nil: null, list: [1, "x", null], map: { a: 1, b: [2] } };

function renders(template: string, v: unknown): boolean {
  try {
    parseTemplate(template).render(objectScope({ v, s: "text" }));
    return true;
  } catch {
    return false;
  }
}

describe("forms judged safe never throw, whatever the value", () => {
  const anyValue = [
    "{{ v }}",
    "{{ v.x }}",
    "{{ v.x.y }}",
    "{{ v[0] }}",
    "{{ v['a'] }}",
    "{{ v == 1 }}",
    "{{ v != 'x' }}",
    "{{ v ~ 'x' }}",
    "{{ v | replace({'+': ''}) }}",
    "{{ v | default('d') }}",
    ...[...ANY_INPUT_FILTERS].filter((f) => f !== "replace" && f !== "default").map((f) => `{{ v | ${f} }}`),
    ...[...ANY_INPUT_TESTS].map((t) => `{{ v is ${t} }}`),
    "{{ [v, 1] }}",
    "{{ {'k': v} }}",
  ];
  for (const t of anyValue) {
    it(t, () => {
      expect(templateCanThrow(t, { kindOf: () => "any" })).toBe(false);
      for (const [name, v] of Object.entries(VALUES)) expect(renders(t, v), `${t} with ${name}`).toBe(true);
    });
  }

  it("string-only filters are safe on strings (and nulls), and judged unsafe on anything else", () => {
    for (const f of [...STRING_FILTERS].filter((x) => x !== "abbreviate")) {
      const t = `{{ v | ${f} }}`;
      expect(templateCanThrow(t, { kindOf: () => "string" })).toBe(false);
      expect(templateCanThrow(t, { kindOf: () => "any" })).toBe(true);
      for (const v of ["abc", "", null]) expect(renders(t, v), `${t} with ${JSON.stringify(v)}`).toBe(true);
    }
  });

  it("boolean operators are safe only on scalars: Pebble throws on a list or map operand", () => {
    for (const t of ["{{ not v }}", "{{ v and true }}", "{{ v or false }}", "{{ v ? 1 : 2 }}", "{% if v %}x{% endif %}"]) {
      expect(templateCanThrow(t, { kindOf: () => "scalar" })).toBe(false);
      expect(templateCanThrow(t, { kindOf: () => "any" })).toBe(true);
      for (const v of ["abc", 1, true, null]) expect(renders(t, v), `${t} with ${JSON.stringify(v)}`).toBe(true);
      expect(renders(t, [1])).toBe(false);
    }
  });
});

describe("forms that can throw are judged so", () => {
  it.each([
    ["ordering comparison", "{{ v < 5 }}", "a"],
    ["arithmetic", "{{ v - 1 }}", "a"],
    ["contains on a number", "{{ v contains 'x' }}", 5],
    ["slice out of range", "{{ v | slice(0, 3) }}", "a"],
    ["a method call", "{{ v.substring(5) }}", "a"],
    ["a loop over a number", "{% for x in v %}{{ x }}{% endfor %}", 5],
    ["a broken template", "{{ v ", "a"],
  ])("%s", (_label, t, v) => {
    expect(templateCanThrow(t, { kindOf: () => "any" })).toBe(true);
    expect(renders(t, v)).toBe(false);
  });
});

describe("typing from the flow", () => {
  const flow = buildFlow({
    variables: [{ name: "Name", type: "STRING" }, { name: "Count", type: "INTEGER", value: "0" }, { name: "Doc", type: "JSON", value: "{}" }],
    main: [{ name: "Bye", type: "disconnect-contact" }],
    links: [],
  });
  const typing = flowTyping(flow);

  it("STRING variables and start fields are strings, other declared types scalars, JSON and activity outputs anything", () => {
    expect(typing.kindOf("Name", [])).toBe("string");
    expect(typing.kindOf("Count", [])).toBe("scalar");
    expect(typing.kindOf("Doc", [])).toBe("any");
    expect(typing.kindOf("NewPhoneContact", ["ANI"])).toBe("string");
    expect(typing.kindOf("NewPhoneContact", ["Headers"])).toBe("any");
    expect(typing.kindOf("GetCustomerInfo", ["httpResponseBody"])).toBe("any");
  });

  it("the seed flow's templates are judged as a reader would", () => {
    expect(templateCanThrow('{{ CustomerID == "NA" }}', typing)).toBe(false);
    expect(templateCanThrow('{{NewPhoneContact.ANI | replace({"+":""})}}', typing)).toBe(false);
    expect(templateCanThrow("Hello, {{ContactName}} ! {{CaseTitle}}", typing)).toBe(false);
    expect(templateCanThrow("{{ Name | trim }}", typing)).toBe(false);
    expect(templateCanThrow("{{ Doc | trim }}", typing)).toBe(true);
    expect(templateCanThrow("{{ not Doc }}", typing)).toBe(true);
    expect(templateCanThrow("{{ Count > 3 }}", typing)).toBe(true);
  });
});

describe("activities", () => {
  const registry = createRegistry();
  const flow = buildFlow({
    variables: [{ name: "N", type: "INTEGER", value: "0" }, { name: "S", type: "STRING" }],
    main: [
      { name: "Menu", type: "ivr-menu", props: { ...tts("Press 1"), menuLinks: ["1"], entryTimeout: 3 } },
      { name: "Loop", type: "ivr-menu", props: { ...tts("Press 1"), menuLinks: ["1"], entryTimeout: 3 } },
      { name: "SetLiteral", type: "set-variable", props: { srcVariable: "N", srcVariableType: "INTEGER", expr: "5" } },
      { name: "SetTemplate", type: "set-variable", props: { srcVariable: "N", srcVariableType: "INTEGER", expr: "{{ S }}" } },
      { name: "SetString", type: "set-variable", props: { srcVariable: "S", srcVariableType: "STRING", expr: "{{ S ~ 'x' }}" } },
      { name: "Queue", type: "queue-contact", props: { destination: "Q1", queueRadioGroup: "staticQueue" } },
    ],
    links: [
      ["Menu", "1", "Loop"],
      ["Loop", "invalid", "Loop"],
      ["Loop", "1", "SetLiteral"],
      ["SetLiteral", "out", "SetTemplate"],
      ["SetTemplate", "out", "SetString"],
      ["SetString", "out", "Queue"],
    ],
  });
  const def = (name: string) => [...flow.main.activities.values()].find((a) => a.name === name)!;

  it("a menu with a literal prompt cannot fail, unless it is on a loop (100 runs, then the error port)", () => {
    expect(activityCanFail(def("Menu"), flow, registry, false).canFail).toBe(false);
    expect(activityCanFail(def("Loop"), flow, registry, true)).toMatchObject({ canFail: true, why: expect.stringContaining("100") });
  });

  it("a Set Variable fails only when its text may not convert to the variable's type", () => {
    expect(activityCanFail(def("SetLiteral"), flow, registry, false).canFail).toBe(false);
    expect(activityCanFail(def("SetTemplate"), flow, registry, false).canFail).toBe(true);
    expect(activityCanFail(def("SetString"), flow, registry, false).canFail).toBe(false);
  });

  it("a Queue Contact depends on the environment, so it can fail", () => {
    expect(activityCanFail(def("Queue"), flow, registry, false)).toMatchObject({ canFail: true, why: "its outcome depends on the environment" });
  });
});
