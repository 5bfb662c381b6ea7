/**
 * A render has a work budget: steps and the text they build are counted, so a template that would
 * keep the engine busy for seconds (nested loops over large strings) fails with a clear error
 * instead, and the activity takes its error path. Ordinary templates never come near it.
 */
import { describe, expect, test } from "vitest";
import { MAX_WORK } from "../../src/expr/limits.js";
import { failure, render } from "./helpers.js";

describe("the work budget", () => {
  test("a loop that rebuilds a large string ten thousand times stops with the reason", () => {
    const err = failure("{% for i in 1..10000 %}{% set x = big.toUpperCase() %}{% endfor %}done", { big: "a".repeat(100_000) });
    expect(err.reason).toMatch(new RegExp(`^Work limit exceeded: this template needs more than ${MAX_WORK} units of work`));
    expect(err.message).not.toContain("aaaa");
  });

  test("nested loops that only count are refused once they exceed the budget, not the iteration limit", () => {
    const err = failure("{% for i in 1..100 %}{% for j in 1..100 %}{% set y = (s ~ s ~ s ~ s).toLowerCase().length %}{% endfor %}{% endfor %}", { s: "b".repeat(20_000) });
    expect(err.reason).toMatch(/^Work limit exceeded/);
  });

  test("ordinary templates, even busy ones, stay well inside it", () => {
    const vars = { items: Array.from({ length: 2_000 }, (_, i) => ({ name: `item ${i}`, price: i })), ani: "+14805550123" };
    const out = render("{% for it in items %}{{ it.name | upper }}={{ it.price * 2 }};{% endfor %}{{ ani | split('') | join('-') }}", vars);
    expect(out.length).toBeGreaterThan(20_000);
    expect(render("{% for i in 1..10000 %}{{ i % 10 }}{% endfor %}").length).toBe(10_000);
  });

  test("each render gets a fresh budget", () => {
    const big = { big: "a".repeat(200_000) };
    for (let i = 0; i < 20; i++) expect(render("{{ big.toUpperCase().length }}", big)).toBe("200000");
  });
});
