/**
 * What values look like in a template: Java-style text for numbers, lists, maps and dates, and how
 * `a.b`, `a[0]`, `a["k"]` and `a.method()` reach into the engine's data.
 */
import { describe, expect, test } from "vitest";
import { javaString, stringify, toDouble } from "../../src/expr/index.js";
import { failure, render } from "./helpers.js";

describe("rendering (Java String.valueOf, null printed as nothing)", () => {
  test("Doubles render in Java form", () => {
    expect(render("{{ 1.0 }} {{ 0.5 }} {{ 0.001 }} {{ 0.0001 }} {{ 1.0 * 10000000 }} {{ 123456789.0 * 100 }} {{ 1234567.0 }}")).toBe(
      "1.0 0.5 0.001 1.0E-4 1.0E7 1.23456789E10 1234567.0",
    );
  });

  test("stringify is what {{ }} prints; javaString is String.valueOf (null → \"null\")", () => {
    expect(stringify(null)).toBe("");
    expect(stringify(undefined)).toBe("");
    expect(javaString(null)).toBe("null");
    expect(stringify(2)).toBe("2");
    expect(stringify(toDouble(2))).toBe("2.0");
    expect(stringify(1.5)).toBe("1.5");
    expect(stringify(1e21)).toBe("1000000000000000000000");
    expect(stringify(true)).toBe("true");
    expect(stringify([1, null, "a", [toDouble(3)]])).toBe("[1, null, a, [3.0]]");
    expect(stringify({ a: 1, b: [true] })).toBe("{a=1, b=[true]}");
    expect(stringify(new Date(Date.UTC(2025, 1, 6, 21, 9, 2)))).toBe("Thu Feb 06 21:09:02 UTC 2025");
  });

  test("lists and maps from the scope print like Java collections", () => {
    expect(render("{{ items }} {{ rec }}", { items: ["a", 1, null], rec: { x: 1, y: "z" } })).toBe("[a, 1, null] {x=1, y=z}");
  });

  test("map literals iterate in Java HashMap order, not source order", () => {
    expect(render('{{ {"b": 1, "a": 2, "c": 3} }}')).toBe("{a=2, b=1, c=3}");
  });

  test("cyclic data from the scope fails cleanly instead of recursing forever", () => {
    const a: unknown[] = [];
    const loop: Record<string, unknown> = { a };
    a.push(loop);
    expect(failure("{{ loop }}", { loop }).reason).toBe("value nested too deeply to render");
  });
});

describe("attribute and index access", () => {
  const vars = {
    NewPhoneContact: { ANI: "+14806754110", DNIS: "+18005551234", InteractionId: "abc-1" },
    GetCustomerInfo: { httpStatusCode: 200, httpResponseBody: '{"value":[]}' },
    items: ["zero", "one", "two"],
    rec: { "key with space": "spaced", nested: { deeper: { value: 42 } } },
    key: "nested",
  };

  test("dotted access into activity outputs and the start context", () => {
    expect(render("{{ NewPhoneContact.ANI }} {{ GetCustomerInfo.httpStatusCode == 200 }}", vars)).toBe("+14806754110 true");
    expect(render("{{ rec.nested.deeper.value }} {{ rec[key].deeper['value'] }}", vars)).toBe("42 42");
    expect(render('{{ rec["key with space"] }}', vars)).toBe("spaced");
  });

  test("attributes of plain objects match exactly first, then ignoring case", () => {
    expect(render("{{ NewPhoneContact.ani }} {{ NewPhoneContact.interactionid }}", vars)).toBe("+14806754110 abc-1");
    expect(render("{{ r.ani }} {{ r.ANI }}", { r: { ani: "lower", ANI: "upper" } })).toBe("lower upper");
  });

  test("list indexes: numbers and numeric strings; out of range, negative or Double gives nothing", () => {
    expect(render('{{ items[1] }} {{ items["2"] }} [{{ items[5] }}{{ items[-1] }}{{ items[1.0] }}]', vars)).toBe("one two []");
  });

  test("missing things are null, never errors", () => {
    expect(render("[{{ missing.a.b }}{{ NewPhoneContact.nothing }}{{ items.nothing }}{{ 'abc'.nothing }}{{ 5.x }}]", vars)).toBe("[]");
  });

  test(".length on strings (Webex) and lists; size() on lists and maps; map attributes are keys only", () => {
    expect(render("{{ NewPhoneContact.ANI.length - 10 }} {{ items.length }} {{ items.size }} {{ items.size() }}", vars)).toBe("2 3 3 3");
    expect(render("[{{ rec.size }}] {{ rec.size() }} {{ rec.containsKey('nested') }}", vars)).toBe("[] 2 true");
  });

  test("Java String methods a template may call", () => {
    const s = { s: "+14806754110" };
    expect(render("{{ s.substring(2) }} {{ s.substring(2, 5) }} {{ s.startsWith('+1') }} {{ s.indexOf('0') }}", s)).toBe("4806754110 480 true 4");
    expect(render("{{ 'abc'.toUpperCase() }} {{ 'abc'.toUpperCase }} {{ s.replace('+', '') }} {{ s.charAt(0) }}", s)).toBe("ABC ABC 14806754110 +");
    expect(render("{{ 'a1b2'.replaceAll('[0-9]', '#') }} {{ 'a-b'.split('-') | join('+') }} {{ 'AbC'.equalsIgnoreCase('abc') }}", s)).toBe("a#b# a+b true");
    expect(render("{{ s.isEmpty() }} {{ s.empty }} {{ ''.isEmpty() }}", s)).toBe("false false true");
    const err = failure("{{ s.substring(20) }}", s);
    expect(err.reason).toBe("Could not call substring: begin 20, end 12, length 12");
    expect(err.position).toBe(5);
  });

  test("a numeric key on a template-built map of Strings fails as in Pebble; Long keys work", () => {
    expect(render('{% set m = {1: "a", 2: "b"} %}{{ m[1] }}{{ m[2] }}')).toBe("ab");
    expect(failure('{% set m = {"0": "a"} %}{{ m[0] }}').reason).toBe("type class java.lang.String not supported for key 0");
  });

  test("map entries and loop state in a for loop", () => {
    expect(render("{% for e in rec %}{{ e.key }}={{ e.value }};{% endfor %}", { rec: { a: 1, b: 2 } })).toBe("a=1;b=2;");
  });
});
