/**
 * Operators behave as in Pebble on the JVM (flow-designer §7.2): precedence, Long vs Double
 * arithmetic, `+` concatenation, `==` vs equals(), comparisons that throw, `contains`, tests.
 */
import { describe, expect, test } from "vitest";
import { toDouble } from "../../src/expr/index.js";
import { failure, render } from "./helpers.js";

describe("precedence (low → high: or, and, is/contains, comparisons, + -, * / %, |, ~, ..)", () => {
  test.each([
    ["{{ 1 + 2 * 3 }}", "7"],
    ["{{ (1 + 2) * 3 }}", "9"],
    ["{{ 2 - 3 - 4 }}", "-5"],
    ["{{ 12 / 3 / 2 }}", "2"],
    ["{{ 1 + 2 ~ 3 }}", "123"],
    ['{{ "a" ~ "b" | upper }}', "AB"],
    ['{{ "a" + "b" | upper }}', "aB"],
    ['{{ 1..3 | join(",") }}', "1,2,3"],
    ["{{ true or false and false }}", "true"],
    ["{{ 1 < 2 == true }}", "true"],
    ["{{ -3 | abs }}", "3"],
    ["{{ - -3 }}", "3"],
  ])("%s → %s", (source, expected) => {
    expect(render(source)).toBe(expected);
  });

  test("`not` binds tighter than comparisons, as in Pebble: not 1 == 2 is (not 1) == 2", () => {
    expect(render("{{ not 1 == 2 }}")).toBe("false");
    expect(render("{{ not (1 == 2) }}")).toBe("true");
  });

  test("a filter binds tighter than contains and comparisons", () => {
    expect(render('{{ ["+44","+31"] contains ANI | slice(0,3) }}', { ANI: "+447700900123" })).toBe("true");
    expect(render("{{ ANI | length > 10 }}", { ANI: "+447700900123" })).toBe("true");
  });

  test("the ternary operator, nested to the right", () => {
    expect(render('{{ ok ? "yes" : "no" }}', { ok: true })).toBe("yes");
    expect(render('{{ missing ? "yes" : "no" }}')).toBe("no");
    expect(render("{{ false ? 1 : true ? 2 : 3 }}")).toBe("2");
    expect(render('{{ 0 ? "a" : "b" }}{{ "x" ? "c" : "d" }}')).toBe("bc");
  });
});

describe("arithmetic keeps Java's Long and Double apart", () => {
  test.each([
    ["{{ 7 / 2 }}", "3"],
    ["{{ -7 / 2 }}", "-3"],
    ["{{ 7 % 3 }} {{ -7 % 3 }}", "1 -1"],
    ["{{ 7.0 / 2 }}", "3.5"],
    ["{{ 6.0 / 2 }}", "3.0"],
    ["{{ 1 + 1.0 }}", "2.0"],
    ["{{ 0.1 + 0.2 }}", "0.30000000000000004"],
    ["{{ 1.0 / 0 }} {{ -1.0 / 0 }} {{ 0.0 / 0 }}", "Infinity -Infinity NaN"],
    ["{{ 2.5 % 1 }}", "0.5"],
    ["{{ -2.0 }} {{ -0.0 }}", "-2.0 -0.0"],
    ["{{ 3000000000 * 3000000000 }}", "9000000000000000000"],
    ["{{ 9223372036854775807 + 1 }}", "-9223372036854775808"],
  ])("%s → %s", (source, expected) => {
    expect(render(source)).toBe(expected);
  });

  test("integral numbers from the scope are Longs, others Doubles; toDouble makes a Double", () => {
    expect(render("{{ counter * 30 }} {{ counter + 1 }}", { counter: 3 })).toBe("90 4");
    expect(render("{{ price * 2 }} {{ price }}", { price: 1.5 })).toBe("3.0 1.5");
    expect(render("{{ total }} {{ total / 2 }}", { total: toDouble(3) })).toBe("3.0 1.5");
    expect(render("{{ big + 1 }}", { big: 1234n })).toBe("1235");
  });

  test("integer division and modulus by zero throw, with the operator's position", () => {
    const err = failure("{{ x / 0 }}", { x: 5 });
    expect(err.reason).toBe("/ by zero");
    expect(err.position).toBe(5);
    expect(failure("{{ 5 % 0 }}").reason).toBe("/ by zero");
  });

  test("arithmetic on non-numbers throws (null included)", () => {
    expect(failure("{{ missing + 1 }}").reason).toBe("invalid operands for mathematical operation [ADD]");
    expect(failure('{{ "5" - 1 }}').reason).toBe("invalid operands for mathematical operation [SUBTRACT]");
    expect(failure("{{ true * 2 }}").reason).toBe("invalid operands for mathematical operation [MULTIPLICATION]");
    expect(failure('{{ -"x" }}').reason).toBe("invalid operands for mathematical operation [MULTIPLICATION]");
  });

  test("now() | epoch(inMillis=true) - 604800000 subtracts a week of milliseconds", () => {
    expect(render("{{ now() | epoch(inMillis=true) - 604800000 }}")).toBe(String(Date.UTC(2025, 1, 6, 21, 9, 2, 712) - 604800000));
  });
});

describe("+ concatenates when either side is a String; ~ always concatenates", () => {
  test.each([
    ['{{ "a" + 1 }}', "a1"],
    ['{{ 1 + "a" }}', "1a"],
    ['{{ 1 + 2 + "a" }}', "3a"],
    ['{{ "a" + 1 + 2 }}', "a12"],
    ['{{ "a" + 2.0 }}', "a2.0"],
    ['{{ "a" + null }}', "anull"],
    ['{{ "a" + missing }}', "anull"],
    ['{{ "a" + [1, 2] }}', "a[1, 2]"],
    ['{{ "a" ~ null }}', "a"],
    ["{{ 1 ~ 2 }}", "12"],
    ["{{ [1, 2] + 3 }}", "[1, 2, 3]"],
    ["{{ [1, 2] + [3] }}", "[1, 2, 3]"],
    ["{{ [1, 2, 1] - 1 }}", "[2, 1]"],
  ])("%s → %s", (source, expected) => {
    expect(render(source)).toBe(expected);
  });

  test("the ServiceNow phone formatting", () => {
    const source = '{{"(" + (aniTenDigit | slice(0,3)) + ")" + " " + (aniTenDigit | slice(3,6)) + "-" + (aniTenDigit | slice(6,10)) }}';
    expect(render(source, { aniTenDigit: "4806754110" })).toBe("(480) 675-4110");
  });

  test("list + does not modify the list in the scope", () => {
    const list = [1, 2];
    expect(render("{{ list + 3 }} {{ list }}", { list })).toBe("[1, 2, 3] [1, 2]");
    expect(list).toEqual([1, 2]);
  });
});

describe("comparisons", () => {
  test("== compares numerically only when both sides are numbers, otherwise with equals()", () => {
    expect(render("{{ code == 200 }}", { code: 200 })).toBe("true");
    expect(render('{{ code == "200" }}', { code: 200 })).toBe("false");
    expect(render("{{ 1 == 1.0 }} {{ 1 equals 1 }} {{ 2 != 2.0 }}")).toBe("true true false");
    expect(render('{{ CustomerID == "NA" }}', { CustomerID: "NA" })).toBe("true");
    expect(render('{{ ticketID == "null" }}', { ticketID: "null" })).toBe("true");
    expect(render('{{ ticketID == "null" }}', { ticketID: null })).toBe("false");
    expect(render("{{ missing == null }} {{ null == null }}")).toBe("true true");
    expect(render('{{ true == "true" }}')).toBe("false");
    expect(render("{{ [1, 2] == [1, 2] }} {{ [1] == [1.0] }}")).toBe("true false");
    expect(render('{{ {"a": 1} == {"a": 1} }}')).toBe("true");
  });

  test("< > <= >= need numbers; a null side is false; anything else throws", () => {
    expect(render("{{ counter < 50 }}", { counter: 49 })).toBe("true");
    expect(render("{{ 2 <= 2 }} {{ 3 >= 4 }} {{ 1 < 1.5 }} {{ 2.5 > 2 }}")).toBe("true false true true");
    expect(render("{{ missing < 1 }} {{ missing > 1 }} {{ 1 >= null }}")).toBe("false false false");
    const err = failure('{{ counter < "50" }}', { counter: 1 });
    expect(err.reason).toBe("invalid operands for mathematical comparison [LESS_THAN]");
    expect(err.position).toBe(11);
    expect(failure('{{ "b" > "a" }}').reason).toBe("invalid operands for mathematical comparison [GREATER_THAN]");
  });

  test("Double comparisons follow Double.compare (NaN is the largest)", () => {
    expect(render("{{ (0.0 / 0) > 1.0 }} {{ (0.0 / 0) == (0.0 / 0) }}")).toBe("true true");
  });
});

describe("contains", () => {
  test.each([
    ["{{ [1, 2] contains 1 }}", "true"],
    ['{{ [1] contains "1" }}', "false"],
    ["{{ [1, 2, 3] contains [1, 3] }}", "true"],
    ["{{ [1, 2, 3] contains [1, 4] }}", "false"],
    ['{{ {"a": 1} contains "a" }}', "true"],
    ['{{ {"a": 1} contains "b" }}', "false"],
    ['{{ "hello" contains "ell" }}', "true"],
    ["{{ missing contains 1 }}", "false"],
  ])("%s → %s", (source, expected) => {
    expect(render(source)).toBe(expected);
  });

  test("maps from the scope are checked by key; other types throw", () => {
    expect(render('{{ rec contains "ANI" }}', { rec: { ANI: "+1" } })).toBe("true");
    expect(failure("{{ 5 contains 1 }}").reason).toBe("Contains operator can only be used on Collections, Maps and arrays. Actual type was: Long");
  });
});

describe("and, or, not", () => {
  test("Booleans, numbers (non-zero) and strings (non-empty) are conditions; null is false", () => {
    expect(render("{{ true and false }} {{ true or false }}")).toBe("false true");
    expect(render('{{ 1 and "x" }} {{ "" or 0 }} {{ missing and true }}')).toBe("true false false");
    expect(render('{{ not true }} {{ not missing }} {{ not "" }} {{ not 0 }} {{ not "false" }}')).toBe("false true true true false");
  });

  test("they short-circuit", () => {
    expect(render("{{ false and 1 / 0 }} {{ true or 1 / 0 }}")).toBe("false true");
  });

  test("a list is not a condition", () => {
    expect(failure("{{ [1] and true }}").reason).toBe("Unsupported value type ArrayList. Expected Boolean, String, Number in and operator");
    expect(failure("{{ [1] ? 1 : 2 }}").reason).toMatch(/Unsupported value type ArrayList/);
  });
});

describe("is tests", () => {
  test.each([
    ["{{ x is null }}", "true"],
    ["{{ x is not null }}", "false"],
    ["{{ x is defined }}", "false"],
    ['{{ "" is empty }} {{ "  " is empty }} {{ "a" is empty }}', "true true false"],
    ["{{ [] is empty }} {{ {} is empty }} {{ 0 is empty }} {{ missing is empty }}", "true true false true"],
    ["{{ 4 is even }} {{ 3 is odd }} {{ -3 is odd }} {{ 3 is not odd }}", "true true true false"],
    ["{{ [1] is iterable }} {{ \"abc\" is iterable }} {{ {} is iterable }}", "true false false"],
    ['{{ {} is map }} {{ [] is map }} {{ rec is map }}', "true false true"],
  ])("%s → %s", (source, expected) => {
    expect(render(source, { rec: { a: 1 } })).toBe(expected);
  });

  test("even/odd need a Long", () => {
    expect(failure("{{ x is even }}").reason).toBe('Test \'even\': Can not pass null value to "even" test.');
    expect(failure("{{ 2.0 is even }}").reason).toBe("Test 'even': java.lang.Double cannot be cast to java.lang.Long");
  });
});
