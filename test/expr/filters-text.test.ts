/** Text filters as Pebble defines them: abbreviate, capitalize, title, trim, upper, lower, replace, split, format. */
import { describe, expect, test } from "vitest";
import { failure, render } from "./helpers.js";

describe("abbreviate", () => {
  test.each([
    ['{{ "this is a long sentence" | abbreviate(7) }}', "this..."],
    ['{{ "abc" | abbreviate(3) }}', "abc"],
    ['{{ "abcdef" | abbreviate(2) }}', "ab"],
    ['{{ "abcdef" | abbreviate(10) }}', "abcdef"],
    // Pebble abbreviates a string exactly as long as the limit.
    ['{{ "abcdef" | abbreviate(6) }}', "abc..."],
  ])("%s → %s", (source, expected) => expect(render(source)).toBe(expected));

  test("the length must be a Long", () => {
    expect(failure('{{ "abcdef" | abbreviate(2.5) }}').reason).toBe("Filter 'abbreviate': length must be a java.lang.Long, not java.lang.Double");
  });
});

describe("capitalize, title, trim, upper, lower", () => {
  test.each([
    ['{{ "hello world" | capitalize }}', "Hello world"],
    ['{{ "  hi there" | capitalize }}', "  Hi there"],
    ['{{ "élan" | capitalize }}', "Élan"],
    ['{{ "hello  big world" | title }}', "Hello  Big World"],
    ['{{ "hELLO wORLD" | title }}', "HELLO WORLD"],
    ['{{ "  a b  " | trim }}', "a b"],
    ['{{ "Straße" | upper }}', "STRASSE"],
    ["{{ 12 | upper }}", "12"],
    ['{{ "ÀB" | lower }}', "àb"],
    ["[{{ missing | trim }}{{ missing | upper }}{{ missing | capitalize }}]", "[]"],
  ])("%s → %s", (source, expected) => expect(render(source)).toBe(expected));

  test("trim is Java's: it keeps no-break spaces", () => {
    expect(render("{{ v | trim }}", { v: "\u00a0a\u00a0 " })).toBe("\u00a0a\u00a0");
  });

  test("filters that cast to String reject other types, naming the filter", () => {
    const err = failure("{{ 5 | trim }}");
    expect(err.reason).toBe("Filter 'trim': input must be a java.lang.String, not java.lang.Long");
    expect(err.position).toBe(7);
  });
});

describe("replace takes one map and replaces literally, every occurrence", () => {
  test("the seed flow's ANI clean-up", () => {
    expect(render('{{NewPhoneContact.ANI | replace({"+":""})}}', { NewPhoneContact: { ANI: "+14806754110" } })).toBe("14806754110");
    expect(render('{{ NewPhoneContact.ANI | replace({"+1":""}) }}', { NewPhoneContact: { ANI: "+14806754110" } })).toBe("4806754110");
  });

  test("stripping the zone from now()", () => {
    expect(render("{{ now() | replace({'[UTC]': ''}) }}")).toBe("2025-02-06T21:09:02.712Z");
  });

  test("pairs apply in Java HashMap order, and the replacement is literal", () => {
    // HashMap order puts "a" before "b": a→b gives "bb", then b→c gives "cc".
    expect(render('{{ "ab" | replace({"b": "c", "a": "b"}) }}')).toBe("cc");
    expect(render('{{ "a.b" | replace({".": "$1"}) }}')).toBe("a$1b");
    expect(render('{{ "ab" | replace({"": "-"}) }}')).toBe("-a-b-");
    expect(render('{{ 1234 | replace({"2": "x"}) }}')).toBe("1x34");
  });

  test("two arguments are refused (the form people try first)", () => {
    expect(failure('{{ ANI | replace("+", "") }}').reason).toBe(
      "Filter 'replace': The argument at position 2 is not allowed. Only 1 argument(s) are allowed.",
    );
    expect(failure('{{ ANI | replace("+") }}', { ANI: "+1" }).reason).toMatch(/^Filter 'replace': the argument must be a map/);
  });
});

describe("split uses Java regex semantics", () => {
  test.each([
    ['{{ "a,b,,c,," | split(",") | join("|") }}', "a|b||c"],
    ['{{ "a,b,,c,," | split(",", -1) | join("|") }}', "a|b||c||"],
    ['{{ "a,b,c" | split(",", 2) | last }}', "b,c"],
    ['{{ "a|b" | split("|") | join(",") }}', "a,|,b"],
    ['{{ "a.b" | split(".") | length }}', "0"],
    ['{{ "abc" | split("") | join("-") }}', "a-b-c"],
    ['{{ "+1 480" | split("\\\\+") | last }}', "1 480"],
    ['{{ "a  b c" | split("\\\\s+") | join(",") }}', "a,b,c"],
  ])("%s → %s", (source, expected) => expect(render(source)).toBe(expected));

  test("a regex metacharacter alone is an invalid pattern", () => {
    expect(failure('{{ "a+b" | split("+") }}').reason).toMatch(/^Filter 'split': invalid regular expression '\+'/);
  });

  test("patterns that backtrack exponentially elsewhere run in linear time (RE2)", () => {
    expect(render('{{ v | split("(a+)+b") | join("|") }}', { v: `${"a".repeat(40)}c` })).toBe(`${"a".repeat(40)}c`);
    expect(render('{{ v | split("(a+)+b") | join("|") }}', { v: "xaabyab" })).toBe("x|y");
  });

  test("what RE2 cannot run is refused with the reason", () => {
    expect(failure('{{ "aa" | split("(a)\\\\1") }}').reason).toMatch(/^Filter 'split': unsupported regular expression '\(a\)\\1': the backreference \\1 is not supported/);
  });

  test("the result is a Java String[]: iterable, never `empty`, printed as an array", () => {
    expect(render('{{ ("," | split(",")) is empty }} {{ "," | split(",") | length }} {{ ("a,b" | split(",")) is iterable }}')).toBe("false 0 true");
    expect(render('{{ "a,b" | split(",") }}')).toMatch(/^\[Ljava\.lang\.String;@[0-9a-f]+$/);
  });

  test("indexing a map by the first word", () => {
    const vars = { BusinessHours: "Open today", message: { Open: "We are open" } };
    expect(render('{{ message[BusinessHours | split(" ") | first] }}', vars)).toBe("We are open");
  });
});

describe("format is Java's String.format", () => {
  test.each([
    ['{{ "%s-%d" | format("a", 5) }}', "a-5"],
    ['{{ "%.2f" | format(0.125) }}', "0.13"],
    ['{{ "%.2f" | format(1.005) }}', "1.01"],
    ['{{ "%05d|%x|%X|%o" | format(42, 255, 255, 8) }}', "00042|ff|FF|10"],
    ['{{ "%,d" | format(1234567) }}', "1,234,567"],
    ['{{ "%-5s|%5s|" | format("ab", "cd") }}', "ab   |   cd|"],
    ['{{ "%5.1f" | format(3.14159) }}', "  3.1"],
    ['{{ "%e" | format(12345.678) }}', "1.234568e+04"],
    ['{{ "%b %b %s" | format(null, "x", null) }}', "false true null"],
    ['{{ "%2$s %1$s" | format("a", "b") }}', "b a"],
    ['{{ "100%%" | format() }}', "100%"],
    ['{{ "%+d %+.1f" | format(5, 2.0) }}', "+5 +2.0"],
  ])("%s → %s", (source, expected) => expect(render(source)).toBe(expected));

  test("type mismatches and missing arguments fail as in Java", () => {
    expect(failure('{{ "%d" | format(1.5) }}').reason).toBe("Filter 'format': d != java.lang.Double");
    expect(failure('{{ "%f" | format(1) }}').reason).toBe("Filter 'format': f != java.lang.Long");
    expect(failure('{{ "%s %s" | format("a") }}').reason).toBe("Filter 'format': Format specifier '%s' has no argument");
  });
});
