/**
 * How a Flow Designer field is read: text, `{{ }}`, `{% %}`, `{# #}`, whitespace control, strings,
 * literals, and the syntax errors a flow author sees (with the offset of the mistake).
 */
import { describe, expect, test } from "vitest";
import { ExprError, isExprError, parseTemplate } from "../../src/expr/index.js";
import { render, syntaxError } from "./helpers.js";

describe("text and interpolation", () => {
  test("plain text is a literal and renders unchanged", () => {
    const t = parseTemplate("contacts?$select=fullname&$filter=x eq 1");
    expect(t.isLiteral).toBe(true);
    expect(render("contacts?$select=fullname&$filter=x eq 1")).toBe("contacts?$select=fullname&$filter=x eq 1");
  });

  test("{{ }} interpolates; a missing variable prints nothing", () => {
    expect(render("Hello, {{ContactName}} !", { ContactName: "Ada" })).toBe("Hello, Ada !");
    expect(render("Hello, {{ContactName}} !")).toBe("Hello,  !");
    expect(render("[{{ nothing }}]", { nothing: null })).toBe("[]");
  });

  test("JSON bodies with single braces pass through", () => {
    expect(render('{"Comments": "at {{ when }}", "x": {"y": 1}}', { when: "noon" })).toBe('{"Comments": "at noon", "x": {"y": 1}}');
  });

  test("comments are dropped", () => {
    expect(render("a{# a note {{ x }} #}b")).toBe("ab");
    expect(parseTemplate("a{# note #}b").isLiteral).toBe(false);
  });

  test("whitespace control trims around a tag", () => {
    expect(render("a  {{- x -}}  b", { x: "X" })).toBe("aXb");
    expect(render("a  {{- x }}  b", { x: "X" })).toBe("aX  b");
    expect(render("a\n  {%- if true -%}\n  yes  {%- endif %}", {})).toBe("ayes");
    expect(render("a  {#- note -#}  b")).toBe("ab");
  });

  test("`{{-1}}` is minus one, not whitespace control (a `-` must be followed by whitespace)", () => {
    expect(render("a {{-1}}")).toBe("a -1");
  });

  test("the newline right after a closing delimiter is dropped, as Pebble does by default", () => {
    expect(render("{{ x }}\nnext", { x: "X" })).toBe("Xnext");
    expect(render("{% if true %}\nyes\n{% endif %}\nafter")).toBe("yes\nafter");
    expect(render("{{ x }} \nnext", { x: "X" })).toBe("X \nnext");
  });

  test("a closing }} counts only when the brackets opened inside are closed", () => {
    expect(render('{{ {"a": {"b": 1}} }}')).toBe("{a={b=1}}");
    expect(render('{{x | replace({"+":""})}}', { x: "+1" })).toBe("1");
  });

  test("verbatim keeps delimiters as text", () => {
    expect(render("{% verbatim %}{{ x }}{% endverbatim %}!", { x: 1 })).toBe("{{ x }}!");
  });
});

describe("literals", () => {
  test("strings in either quote with Pebble's escapes (only quotes and backslashes)", () => {
    expect(render("{{ 'it\\'s' }}")).toBe("it's");
    expect(render('{{ "say \\"hi\\"" }}')).toBe('say "hi"');
    expect(render("{{ 'a\\\\b' }}")).toBe("a\\b");
    // \n is not an escape in Pebble: the backslash stays.
    expect(render("{{ 'a\\nb' }}")).toBe("a\\nb");
  });

  test("double-quoted strings interpolate #{ }", () => {
    expect(render('{{ "Hi #{name}!" }}', { name: "Bob" })).toBe("Hi Bob!");
    expect(render('{{ "#{1 + 2}" }}')).toBe("3");
    expect(render("{{ 'no #{interpolation}' }}")).toBe("no #{interpolation}");
    expect(render('{{ "a # b" }}')).toBe("a # b");
  });

  test("numbers: integers are Long, decimals Double, 1L is a Long", () => {
    expect(render("{{ 42 }} {{ 007 }} {{ 1.5 }} {{ 2.0 }} {{ 5L }}")).toBe("42 7 1.5 2.0 5");
  });

  test("booleans and null in either case; none is null", () => {
    expect(render("{{ true }} {{ TRUE }} {{ false }} {{ FALSE }} [{{ null }}{{ NULL }}{{ none }}{{ NONE }}]")).toBe("true true false false []");
  });

  test("lists and maps; map keys are expressions", () => {
    expect(render('{{ [1, "a", null, 2.0] }}')).toBe("[1, a, null, 2.0]");
    expect(render("{{ [] }} {{ {} }}")).toBe("[] {}");
    expect(render('{{ {"a": 1} }}')).toBe("{a=1}");
    expect(render("{{ {k: 1} }}", { k: "fromVariable" })).toBe("{fromVariable=1}");
  });

  test("a Long literal beyond 2^63-1 is a syntax error", () => {
    const err = syntaxError("{{ 99999999999999999999 }}");
    expect(err.reason).toBe("Number too large for a Long: 99999999999999999999");
    expect(err.position).toBe(3);
  });
});

describe("syntax errors name the problem and where it is", () => {
  test("the message carries reason, offset and source", () => {
    const err = syntaxError("{{ a + }}");
    expect(err).toBeInstanceOf(ExprError);
    expect(isExprError(err)).toBe(true);
    expect(err.message).toBe(`Unexpected token '}}' at position 7 in "{{ a + }}"`);
    expect(err.reason).toBe("Unexpected token '}}'");
    expect(err.position).toBe(7);
    expect(err.expression).toBe("{{ a + }}");
    expect(String(err)).toBe(err.message);
  });

  test.each([
    ["{{ }}", "Unexpected token '}}', expected an expression", 3],
    ["{{ a", "Unclosed '{{' (missing '}}')", 0],
    ["x {% if a", "Unclosed '{%' (missing '%}')", 2],
    ["{{ (a }}", "Expected ')' to close '(' but found '}'", 6],
    ["{{ a ) }}", "Unexpected ')'", 5],
    ["ab{# x", "Unclosed comment", 2],
    ["{{ 'abc }}", "Unclosed string", 3],
    ['{{ "abc }}', "Unclosed string", 3],
    ["{{ a @ b }}", "Unexpected character '@'", 5],
    ["{{ a b }}", "Unexpected token 'b', expected '}}'", 5],
    ["{{ a.1 }}", "Unexpected token '1', expected a name", 5],
    ["{{ [1,2][0] }}", "Unexpected token '[', expected '}}'", 8],
    ["{% foo %}", "Unknown tag 'foo'", 3],
    ["{% include 'x' %}", "Tag 'include' is not supported in Flow Designer templates", 3],
    ["{% endif %}", "Unexpected tag 'endif'", 3],
    ["{% if a %}x", "Unclosed 'if' (missing '{% endif %}')", 0],
    ["{% for x in y %}x", "Unclosed 'for' (missing '{% endfor %}')", 0],
    ["{% for x of y %}{% endfor %}", "Unexpected token 'of', expected 'in'", 9],
    ["{% set true = 1 %}", "Can not assign a value to true", 7],
    ["{{ range(start=1, 5) }}", "Positional arguments must be declared before any named arguments.", 18],
    ["{{ x | nope }}", "Unknown filter 'nope'", 7],
    ["{{ x is nope }}", "Unknown test 'nope'", 8],
    ["{{ nope(1) }}", "Unknown function 'nope'", 3],
    ["{{ x.y(a=1) }}", "Can not use named arguments when calling a bean method", 7],
    ["{{ now()() }}", "Unexpected token '(', expected '}}'", 8],
  ])("%s", (source, reason, position) => {
    const err = syntaxError(source);
    expect(err.reason).toBe(reason);
    expect(err.position).toBe(position);
  });

  test("argument counts are checked against the filter's parameters", () => {
    const err = syntaxError("{{ ANI | replace('+1', '') }}");
    expect(err.reason).toBe("Filter 'replace': The argument at position 2 is not allowed. Only 1 argument(s) are allowed.");
    expect(err.position).toBe(23);
    expect(syntaxError("{{ x | slice(0, to=1) }}").reason).toBe("Filter 'slice': The following named argument does not exist: to");
  });

  test("deep nesting is refused instead of overflowing the stack", () => {
    const deep = `{{ ${"(".repeat(5000)}1${")".repeat(5000)} }}`;
    expect(syntaxError(deep).reason).toMatch(/nested too deeply/);
  });

  test("long templates are excerpted on one line in the message; the full source stays on the error", () => {
    const source = `${"line one\n".repeat(20)}{{ a + }}${"\nmore text".repeat(20)}`;
    const err = syntaxError(source);
    expect(err.expression).toBe(source);
    expect(err.message).not.toContain("\n");
    expect(err.message).toContain("…");
    expect(err.message).toContain("{{ a + }}");
  });
});
