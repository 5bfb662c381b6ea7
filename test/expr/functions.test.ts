/** max, min, range and now(). */
import { describe, expect, test } from "vitest";
import { failure, render } from "./helpers.js";

describe("max and min", () => {
  test.each([
    ["{{ max(1, 5, 3) }} {{ min(4, 2, 8) }}", "5 2"],
    ["{{ max(1, 2.5) }} {{ min(1, 0.5) }}", "2.5 0.5"],
    ["{{ max(counter, 10) }}", "12"],
  ])("%s → %s", (source, expected) => expect(render(source, { counter: 12 })).toBe(expected));

  test("compare numbers only", () => {
    expect(failure('{{ max("a", "b") }}').reason).toBe("Function 'max': invalid operands for mathematical comparison [GREATER_THAN]");
  });
});

describe("range", () => {
  test.each([
    ["{{ range(1, 5) }}", "[1, 2, 3, 4, 5]"],
    ["{{ range(5, 1, -2) }}", "[5, 3, 1]"],
    ["{{ range('a', 'c') }}", "[a, b, c]"],
    ["{{ range(1, 1.9) }}", "[1]"],
    ["{{ range(5, 1) }}", "[]"],
    ["{{ range(start=2, end=4) }}", "[2, 3, 4]"],
  ])("%s → %s", (source, expected) => expect(render(source)).toBe(expected));

  test("a zero step fails", () => {
    expect(failure("{{ range(1, 5, 0) }}").reason).toBe("Function 'range': The increment of the range function must be different than 0");
  });
});

describe("now()", () => {
  test("uses the injected clock", () => {
    expect(render("{{ now() | epoch(inMillis=true) }}", {}, { now: () => 1_000 })).toBe("1000");
  });

  test("takes no arguments", () => {
    expect(failure("{{ now(1) }}").reason).toBe("Function 'now': The argument at position 1 is not allowed. Only 0 argument(s) are allowed.");
  });
});
