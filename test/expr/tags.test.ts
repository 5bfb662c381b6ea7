/** {% if %}, {% for %}, {% set %} and the bounds that keep a hostile template from hanging the engine. */
import { describe, expect, test } from "vitest";
import { MAX_ITERATIONS, MAX_OUTPUT } from "../../src/expr/index.js";
import { failure, render } from "./helpers.js";

describe("if / elseif / else", () => {
  const source = "{% if n > 10 %}big{% elseif n > 5 %}medium{% else %}small{% endif %}";
  test.each([
    [20, "big"],
    [7, "medium"],
    [1, "small"],
  ])("n = %s → %s", (n, expected) => expect(render(source, { n })).toBe(expected));

  test("conditions: null is false, numbers non-zero, strings non-empty (so \"false\" is true)", () => {
    expect(render("{% if missing %}a{% else %}b{% endif %}")).toBe("b");
    expect(render('{% if "false" %}yes{% endif %}')).toBe("yes");
    expect(render("{% if 0 %}yes{% else %}no{% endif %}")).toBe("no");
  });

  test("a list is not a condition", () => {
    const err = failure("{% if list %}x{% endif %}", { list: [1] });
    expect(err.reason).toBe('Unsupported value type ArrayList. Expected Boolean, String, Number in "if" statement');
    expect(err.position).toBe(0);
  });
});

describe("for", () => {
  test("over lists, ranges and maps, with loop state", () => {
    expect(render("{% for x in list %}{{ loop.index }}:{{ x }}{% if not loop.last %}, {% endif %}{% endfor %}", { list: ["a", "b", "c"] })).toBe(
      "0:a, 1:b, 2:c",
    );
    expect(render("{% for i in 1..3 %}{{ i }}{{ loop.first ? '!' : '' }}{{ loop.revindex }}/{{ loop.length }} {% endfor %}")).toBe("1!2/3 21/3 30/3 ");
    expect(render("{% for e in rec %}{{ e.key }}={{ e.value }};{% endfor %}", { rec: { a: 1, b: 2 } })).toBe("a=1;b=2;");
  });

  test("else runs for an empty list; a null iterable renders nothing at all", () => {
    expect(render("{% for x in list %}{{ x }}{% else %}none{% endfor %}", { list: [] })).toBe("none");
    expect(render("[{% for x in missing %}{{ x }}{% else %}none{% endfor %}]")).toBe("[]");
  });

  test("strings are not iterable", () => {
    expect(failure("{% for c in 'abc' %}{{ c }}{% endfor %}").reason).toBe("Not an iterable object (String)");
  });

  test("nested loops and the loop variable's scope", () => {
    expect(render("{% for a in [1, 2] %}{% for b in ['x', 'y'] %}{{ a }}{{ b }} {% endfor %}{% endfor %}[{{ a }}]")).toBe("1x 1y 2x 2y []");
  });
});

describe("set", () => {
  test("binds a name for the rest of the render, shadowing the scope", () => {
    expect(render("{% set x = 5 %}{{ x * 2 }}", { x: 1 })).toBe("10");
    expect(render("{% set greeting = 'Hi ' ~ name %}{{ greeting }}!", { name: "Ada" })).toBe("Hi Ada!");
  });

  test("a name set before a loop is updated inside it; a new name set inside a loop ends with it", () => {
    expect(render("{% set total = 0 %}{% for i in 1..4 %}{% set total = total + i %}{% endfor %}{{ total }}")).toBe("10");
    expect(render("{% for i in 1..2 %}{% set inner = i %}{% endfor %}[{{ inner }}]")).toBe("[]");
  });

  test("does not leak between renders", async () => {
    const { parseTemplate, objectScope } = await import("../../src/expr/index.js");
    const t = parseTemplate("{{ x }}{% set x = 'set' %}{{ x }}");
    expect(t.render(objectScope({ x: "scope" }))).toBe("scopeset");
    expect(t.render(objectScope({ x: "scope" }))).toBe("scopeset");
  });
});

describe("bounded work", () => {
  test("total loop iterations are capped", () => {
    const err = failure("{% for i in range(1, 50000) %}{% endfor %}");
    expect(err.reason).toBe(`Loop limit exceeded: more than ${MAX_ITERATIONS} iterations`);
    expect(failure("{% for i in 1..200 %}{% for j in 1..200 %}{% endfor %}{% endfor %}").reason).toMatch(/^Loop limit exceeded/);
  });

  test("huge ranges are refused before they are built", () => {
    expect(failure("{{ range(0, 1000000000) | length }}").reason).toBe("Function 'range': range larger than 100000 elements");
    expect(failure("{{ (0..1000000000) | length }}").reason).toBe("range larger than 100000 elements");
  });

  test("strings doubling in a loop hit the size cap", () => {
    expect(failure("{% set s = 'xxxxxxxxxx' %}{% for i in 1..30 %}{% set s = s ~ s %}{% endfor %}{{ s }}").reason).toBe(
      `string longer than ${MAX_OUTPUT} characters`,
    );
  });

  test("output is capped", () => {
    expect(failure("{% for i in 1..2000 %}{{ big }}{% endfor %}", { big: "y".repeat(200) }).reason).toBe(`Output longer than ${MAX_OUTPUT} characters`);
  });

  test("replace cannot blow a string up past the cap", () => {
    expect(failure("{{ s | replace({'a': big}) }}", { s: "a".repeat(2000), big: "b".repeat(2000) }).reason).toBe(
      `Filter 'replace': string longer than ${MAX_OUTPUT} characters`,
    );
  });
});
