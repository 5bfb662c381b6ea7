/** Collection filters: first, last, join, length, reverse, sort, rsort, slice, default, merge. */
import { describe, expect, test } from "vitest";
import { failure, render } from "./helpers.js";

describe("first and last", () => {
  test.each([
    ["{{ [1, 2, 3] | first }} {{ [1, 2, 3] | last }}", "1 3"],
    ['{{ "abc" | first }}{{ "abc" | last }}', "ac"],
    ["[{{ [] | first }}{{ missing | last }}]", "[]"],
    // A Character is not equal to a String.
    ['{{ ("abc" | first) == "a" }}', "false"],
  ])("%s → %s", (source, expected) => expect(render(source)).toBe(expected));

  test("an empty string or a map fails", () => {
    expect(failure('{{ "" | first }}').reason).toBe("Filter 'first': index 0 out of bounds for length 0");
    expect(failure('{{ {"a": 1} | last }}').reason).toMatch(/^Filter 'last': input must be a collection/);
  });
});

describe("join and length", () => {
  test.each([
    ['{{ [1, null, "a"] | join(", ") }}', "1, null, a"],
    ["{{ [1, 2] | join }}", "12"],
    ['{{ "abc" | length }} {{ [1, 2] | length }} {{ {"a": 1} | length }} {{ missing | length }} {{ 12345 | length }}', "3 2 1 0 0"],
    ["{{ messages.messages[(counter % (messages.messages | length))] }}", "second"],
  ])("%s → %s", (source, expected) => expect(render(source, { counter: 7, messages: { messages: ["first", "second", "third"] } })).toBe(expected));

  test("join needs a collection", () => {
    expect(failure("{{ 5 | join }}").reason).toBe("Filter 'join': The 'join' filter expects that the input is either a collection or an array.");
  });
});

describe("reverse, sort, rsort", () => {
  test("return new lists and leave the scope's list alone", () => {
    const list = [3, 1, 2];
    expect(render("{{ list | reverse }} {{ list | sort }} {{ list | rsort }} {{ list }}", { list })).toBe("[2, 1, 3] [1, 2, 3] [3, 2, 1] [3, 1, 2]");
    expect(list).toEqual([3, 1, 2]);
  });

  test("strings sort by UTF-16 code unit, like String.compareTo", () => {
    expect(render('{{ ["b", "a", "C"] | sort }}')).toBe("[C, a, b]");
  });

  test("elements must be mutually comparable", () => {
    expect(failure("{{ [3, 1.5] | sort }}").reason).toBe("Filter 'sort': cannot compare java.lang.Long with java.lang.Double");
    expect(failure("{{ [1, null] | sort }}").reason).toBe("Filter 'sort': cannot sort a list containing null");
    expect(failure('{{ "abc" | reverse }}').reason).toBe("Filter 'reverse': input must be a java.util.List, not java.lang.String");
  });
});

describe("slice (0-based, end exclusive, strict bounds)", () => {
  test.each([
    ["{{ [1, 2, 3, 4] | slice(1, 3) }}", "[2, 3]"],
    ['{{ "abcdef" | slice(2) }}', "cdef"],
    ['{{ "+14806754110" | slice(1) }}', "14806754110"],
    ['{{ "4806754110" | slice(0, 3) }}-{{ "4806754110" | slice(6, 10) }}', "480-4110"],
    ["[{{ missing | slice(1) }}]", "[]"],
  ])("%s → %s", (source, expected) => expect(render(source)).toBe(expected));

  test.each([
    ['{{ "abc" | slice(2, 5) }}', "Filter 'slice': toIndex must be smaller than input size: 3"],
    ['{{ "abc" | slice(2, 2) }}', "Filter 'slice': toIndex must be greater than fromIndex"],
    ['{{ "abc" | slice(-1) }}', "Filter 'slice': fromIndex must be greater than 0"],
    ['{{ "abc" | slice("1") }}', "Filter 'slice': Argument fromIndex must be a number. Actual type: java.lang.String"],
    ["{{ 5 | slice(1) }}", "Filter 'slice': Slice filter can only be applied to String, List and array inputs. Actual type was: java.lang.Long"],
  ])("%s fails", (source, reason) => expect(failure(source).reason).toBe(reason));
});

describe("default and merge", () => {
  test.each([
    ['{{ missing | default("x") }}', "x"],
    ['{{ "" | default("x") }} {{ "  " | default("x") }} {{ [] | default("x") }}', "x x x"],
    ['{{ 0 | default("x") }} {{ false | default("x") }} {{ "a" | default("x") }}', "0 false a"],
    ["[{{ missing | default }}]", "[]"],
    ["{{ [1] | merge([2]) }}", "[1, 2]"],
    ['{{ {"a": 1} | merge({"b": 2}) }}', "{a=1, b=2}"],
  ])("%s → %s", (source, expected) => expect(render(source)).toBe(expected));
});
