/** abs and numberformat (java.text.DecimalFormat, HALF_EVEN on the exact double). */
import { describe, expect, test } from "vitest";
import { failure, render } from "./helpers.js";

describe("abs", () => {
  test("keeps Long and Double apart", () => {
    expect(render("{{ -5 | abs }} {{ -2.5 | abs }} {{ -2.0 | abs }}")).toBe("5 2.5 2.0");
  });

  test("needs a number", () => {
    expect(failure("{{ x | abs }}").reason).toBe("Filter 'abs': Can not pass null value to \"abs\" filter.");
    expect(failure('{{ "5" | abs }}').reason).toBe("Filter 'abs': The 'abs' filter does require as input a number.");
  });
});

describe("numberformat", () => {
  test.each([
    ['{{ 1234567.891 | numberformat("#,##0.00") }}', "1,234,567.89"],
    ['{{ 3.14159 | numberformat("0.000") }}', "3.142"],
    ['{{ 2.5 | numberformat("#") }} {{ 3.5 | numberformat("#") }}', "2 4"],
    ['{{ 0.5 | numberformat("#.##") }}', ".5"],
    ['{{ 0 | numberformat("#") }}', "0"],
    ["{{ 1234.5678 | numberformat }}", "1,234.568"],
    ['{{ 0.125 | numberformat("0.00") }} {{ 0.135 | numberformat("0.00") }} {{ 1.005 | numberformat("0.00") }}', "0.12 0.14 1.00"],
    ['{{ 1234567 | numberformat("#,##0") }}', "1,234,567"],
    ['{{ 0.256 | numberformat("0.00%") }}', "25.60%"],
    ['{{ -1234.5 | numberformat("#,##0.0") }}', "-1,234.5"],
    ['{{ 7 | numberformat("000") }}', "007"],
    ['{{ -0.001 | numberformat("#.##") }}', "-0"],
    ['{{ 12345 | numberformat("0.###E0") }}', "1.234E4"],
    ['{{ 1234.5 | numberformat("$#,##0.00;($#,##0.00)") }} {{ -1234.5 | numberformat("$#,##0.00;($#,##0.00)") }}', "$1,234.50 ($1,234.50)"],
    ['{{ 42 | numberformat("\'#\'0") }}', "#42"],
  ])("%s → %s", (source, expected) => expect(render(source)).toBe(expected));

  test("the input must be a number, the pattern well-formed", () => {
    expect(failure('{{ "1.5" | numberformat }}').reason).toBe("Filter 'numberformat': The input for the 'NumberFormat' filter has to be a number, not java.lang.String.");
    expect(failure('{{ 1 | numberformat("#.#0") }}').reason).toMatch(/^Filter 'numberformat': Unexpected '0' in pattern/);
  });
});
