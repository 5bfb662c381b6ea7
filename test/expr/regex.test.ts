/**
 * Template regular expressions follow java.util.regex where a flow can tell, and run on RE2 (a
 * linear-time engine): what RE2 cannot do is refused with a reason, never run on a backtracker.
 */
import { describe, expect, test } from "vitest";
import { checkJavaRegex, javaMatches, javaReplace, javaSplit } from "../../src/expr/java/regex.js";
import { MAX_COLLECTION, MAX_WORK } from "../../src/expr/limits.js";
import { failure, render } from "./helpers.js";

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected a failure");
}

describe("Java semantics on RE2", () => {
  test.each([
    ["a,b,,c,,", ",", 0, ["a", "b", "", "c"]],
    ["a,b,,c,,", ",", -1, ["a", "b", "", "c", "", ""]],
    ["a,b,c", ",", 2, ["a", "b,c"]],
    ["abc", "", 0, ["a", "b", "c"]],
    ["baaac", "a*", 0, ["b", "", "c"]],
    [" a  b c", "\\s+", 0, ["", "a", "b", "c"]],
    ["a\u000bb", "\\s", 0, ["a", "b"]],
    ["1.2.3", "\\.", 0, ["1", "2", "3"]],
    ["a(b)c", "\\Q(b)\\E", 0, ["a", "c"]],
    ["x\ry", ".", 0, ["", "\r"]],
    ["x\ry", "(?s).", 0, []],
    ["A1b2", "\\p{Lower}|\\p{Digit}", 0, ["A"]],
    ["a\u00a0b", "\\h", 0, ["a", "b"]],
    ["a\r\nb\nc", "\\R", 0, ["a", "b", "c"]],
    ["aéb", "\\u00e9", 0, ["a", "b"]],
    ["a\u001bb", "\\e", 0, ["a", "b"]],
    ["a]b", "[]]", 0, ["a", "b"]],
  ] as const)("%j split(%j, %d)", (input, pattern, limit, expected) => {
    expect(javaSplit(input, pattern, limit)).toEqual(expected);
  });

  test.each([
    ["John Smith", "(\\w+) (\\w+)", "$2, $1", "Smith, John"],
    ["ab", "(a)(b)", "$12", "a2"],
    ["ab", "(?<first>a)b", "<${first}>", "<a>"],
    ["ab", "a", "$0$0", "aab"],
    ["abc", "", "-", "-a-b-c-"],
    ["a.b", "\\.", "\\$", "a$b"],
    ["ab", "(x)?a", "[$1]", "[]b"],
  ])("%j replaceAll(%j, %j)", (input, pattern, replacement, expected) => {
    expect(javaReplace(input, pattern, replacement, true)).toBe(expected);
  });

  test("replaceFirst replaces one match", () => {
    expect(javaReplace("aaa", "a", "b", false)).toBe("baa");
  });

  test("replacement mistakes fail as in Java", () => {
    expect(reason(() => javaReplace("ab", "(a)(b)", "$3", true))).toBe("No group 3");
    expect(reason(() => javaReplace("ab", "a", "$x", true))).toBe("Illegal group reference");
    expect(reason(() => javaReplace("ab", "a", "x\\", true))).toBe("character to be escaped is missing");
    expect(reason(() => javaReplace("ab", "a", "${nope}", true))).toBe("No group with name {nope}");
  });

  test("matches is anchored at both ends; inline flags work", () => {
    expect(javaMatches("+14805550123", "\\+?\\d{10,15}")).toBe(true);
    expect(javaMatches("x+14805550123", "\\+?\\d{10,15}")).toBe(false);
    expect(javaMatches("HELLO", "(?i)hello")).toBe(true);
    expect(javaMatches("A", "\\p{IsLatin}")).toBe(true);
  });
});

describe("what a linear-time engine cannot run is refused, naming the feature", () => {
  test.each([
    ["(a)\\1", "the backreference \\1"],
    ["(?<n>a)\\k<n>", "a named backreference"],
    ["a(?=b)", "lookahead (?=…)"],
    ["a(?!b)", "lookahead (?!…)"],
    ["(?<=a)b", "lookbehind (?<=…)"],
    ["(?<!a)b", "lookbehind (?<!…)"],
    ["a*+", "the possessive quantifier *+"],
    ["a++", "the possessive quantifier ++"],
    ["a{1,3}+", "the possessive quantifier }+"],
    ["(?>a|ab)c", "an atomic group (?>…)"],
    ["\\Ga", "\\G"],
    ["a\\Z", "\\Z"],
    ["[a-c[x-z]]", "a character class inside a character class (union)"],
    ["[a-z&&[^b]]", "character class intersection (&&)"],
    ["(?x)a b", "the comments flag (?x)"],
  ])("%s", (pattern, what) => {
    const message = reason(() => checkJavaRegex(pattern));
    expect(message.startsWith(`unsupported regular expression '${pattern}': ${what}`)).toBe(true);
    expect(message).toMatch(/is not supported \(ccflow runs regular expressions on RE2, a linear-time engine\)$/);
  });

  test.each(["+", "(", "[a", "a{", "a{2,1}", "\\"])("invalid syntax: %s", (pattern) => {
    expect(reason(() => checkJavaRegex(pattern))).toMatch(new RegExp(`^invalid regular expression '${pattern.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")}': `));
  });

  test("lazy quantifiers are fine", () => {
    expect(javaReplace("<a><b>", "<.+?>", "x", true)).toBe("xx");
  });
});

describe("the hostile patterns end quickly, with a result or a work-limit error", () => {
  // Each of these took seconds to centuries on a backtracking engine with this input.
  const hostile = ["(a|a)+$", "(a+)+$", "(a|aa)+$", "^(a+)*$", "(\\w*\\s?)*$", "(.*a){20}", "((a|b)*)*x$", "(x+x+)+y"];
  const input = `${"a".repeat(400)}!`;

  test.each(hostile)("split(%j) on 401 characters gives Java's answer", (pattern) => {
    const parts = javaSplit(input, pattern);
    expect(parts.join("").length).toBeLessThanOrEqual(input.length);
    expect(javaMatches(input, pattern)).toBe(false);
  });

  test("(a|a)+$ finds the trailing run, as Java would", () => {
    expect(javaSplit("baaa", "(a|a)+$")).toEqual(["b"]);
  });

  test.each(hostile)("split(%j) over a million characters stops at the work limit", (pattern) => {
    const big = "a".repeat(1_000_000);
    expect(reason(() => javaSplit(big, pattern))).toMatch(
      new RegExp(`^Work limit exceeded: regular expression '.+' over 1000000 characters needs more than this template may spend \\(${MAX_WORK} units\\)`),
    );
  });

  test("a template reaches the limit as an ExprError at the filter, naming no value", () => {
    const err = failure('{{ v | split("(a|a)+$") }}', { v: "a".repeat(1_000_000) });
    expect(err.reason).toMatch(/^Filter 'split': Work limit exceeded: regular expression '\(a\|a\)\+\$' over 1000000 characters/);
    expect(err.message).not.toContain("aaaa");
  });

  test("a literal pattern over a long input is cheap and allowed, up to the collection limit", () => {
    expect(render('{{ v | split(",") | length }}', { v: "a,".repeat(20_000) })).toBe("20000");
    // Past what one render may spend, the pieces are refused by the work budget before the collection limit.
    expect(failure('{{ v | split(",") | length }}', { v: "a,".repeat(200_000) }).reason).toMatch(/^Filter 'split': Work limit exceeded/);
    expect(() => javaSplit("a,".repeat(MAX_COLLECTION + 1), ",")).toThrow(`split would produce more than ${MAX_COLLECTION} elements`);
  });
});
