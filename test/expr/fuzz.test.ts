/**
 * Random templates (seeded, reproducible): whatever a flow file contains, the engine only ever
 * throws ExprError (never a JavaScript error, never an "internal error"), always terminates, stays
 * within its output bound, and never hands out or calls JavaScript internals.
 */
import { describe, expect, test } from "vitest";
import { ExprError, MAX_OUTPUT, objectScope, parseTemplate } from "../../src/expr/index.js";
import { FILTERS } from "../../src/expr/filters/index.js";
import { CLOCK } from "./helpers.js";
import { seededRandom } from "../../src/util/seeded-random.js";


const calls: string[] = [];

class Customer {
  field = "f";
  get computed(): string {
    calls.push("getter on class");
    return "computed";
  }
  method(): string {
    calls.push("method");
    return "m";
  }
}

const vars: Record<string, unknown> = {
  x: 7,
  n: 2.5,
  s: "a,b,,c",
  big: "x".repeat(5000),
  list: [1, "b", null, [2, 3], { k: "v" }],
  obj: { a: 1, b: { c: "d" }, ANI: "+14806754110" },
  NewPhoneContact: { ANI: "+14806754110", DNIS: "+18005550100" },
  fn: () => {
    calls.push("function");
    return "called";
  },
  getter: Object.defineProperty({}, "g", {
    get() {
      calls.push("getter");
      return "g";
    },
    enumerable: true,
  }),
  cust: new Customer(),
  json: JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"p": 1}}, "ok": true}'),
  date: new Date(CLOCK),
};

const NAMES = ["x", "n", "s", "big", "list", "obj", "NewPhoneContact", "fn", "getter", "cust", "json", "date", "missing", "loop", "__proto__", "constructor", "prototype", "toString", "hasOwnProperty"];
const ATTRS = ["a", "b", "c", "ANI", "ani", "g", "k", "ok", "length", "size", "empty", "key", "value", "year", "dayOfWeek", "field", "computed", "method", "constructor", "__proto__", "prototype", "toString", "valueOf", "call", "apply", "bind", "map", "push", "then", "polluted"];
const CALLS = ["substring(1)", "substring(0, 2)", "toUpperCase()", "size()", "get(0)", "split(',')", "replaceAll('a', '$0$0')", "replaceAll('(', 'x')", "plusDays(1)", "charAt(0)", "repeat(3)", "repeat(99999999)", "method()", "constructor()", "call()", "startsWith('+')", "containsKey('a')"];
const STRINGS = ["'a'", '"b"', "''", "'+1'", "','", "'|'", "'.'", "'%s %d'", "'yyyy-MM-dd'", "'#,##0.00'", "'it\\'s'", '"#{x} and #{s}"', "'[UTC]'", "'America/Toronto'", "'Mars/Base'", "'html'", "'\\\\'"];
const NUMBERS = ["0", "1", "-1", "7", "2.5", "0.0", "3000000000", "9223372036854775807", "100000000", "1L"];
const OPS = ["+", "-", "*", "/", "%", "~", "..", "==", "!=", "<", ">", "<=", ">=", "and", "or", "contains", "equals"];
const TESTS = ["null", "empty", "defined", "even", "odd", "iterable", "map"];
const FUNCS = ["now()", "max(x, 3, n)", "min(1)", "range(1, 5)", "range(0, 100000000)", "range('a', 'e')", "range(1, 10, 0)"];
const FILTER_NAMES = [...FILTERS.keys()];
const NOISE = "{}%#()[]'\"|.-~,:=?!@\\ \n";

class Gen {
  constructor(private readonly r: () => number) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
  chance(p: number): boolean {
    return this.r() < p;
  }

  expr(depth: number): string {
    if (depth <= 0) return this.atom();
    switch (this.int(12)) {
      case 0:
        return `${this.expr(depth - 1)} ${this.pick(OPS)} ${this.expr(depth - 1)}`;
      case 1:
        return `${this.pick(["not ", "-", "+"])}${this.expr(depth - 1)}`;
      case 2:
        return `${this.expr(depth - 1)} | ${this.filter(depth - 1)}`;
      case 3:
        return `${this.expr(depth - 1)} is ${this.chance(0.3) ? "not " : ""}${this.pick(TESTS)}`;
      case 4:
        return `(${this.expr(depth - 1)}).${this.pick(ATTRS)}`;
      case 5:
        return `${this.pick(NAMES)}[${this.expr(depth - 1)}]`;
      case 6:
        return `${this.expr(depth - 1)} ? ${this.expr(depth - 1)} : ${this.expr(depth - 1)}`;
      case 7:
        return `[${Array.from({ length: this.int(4) }, () => this.expr(depth - 1)).join(", ")}]`;
      case 8:
        return `{${Array.from({ length: this.int(3) }, () => `${this.pick(STRINGS)}: ${this.expr(depth - 1)}`).join(", ")}}`;
      case 9:
        return `(${this.expr(depth - 1)})`;
      case 10:
        return `${this.pick(NAMES)}.${this.pick(CALLS)}`;
      default:
        return this.atom();
    }
  }

  atom(): string {
    switch (this.int(6)) {
      case 0:
        return this.pick(NUMBERS);
      case 1:
        return this.pick(STRINGS);
      case 2:
        return this.pick(["true", "false", "null", "none"]);
      case 3:
        return this.pick(FUNCS);
      case 4:
        return `${this.pick(NAMES)}.${this.pick(ATTRS)}${this.chance(0.3) ? `.${this.pick(ATTRS)}` : ""}`;
      default:
        return this.pick(NAMES);
    }
  }

  filter(depth: number): string {
    const name = this.chance(0.03) ? "nope" : this.pick(FILTER_NAMES);
    if (this.chance(0.4)) return name;
    const args = Array.from({ length: this.int(3) }, () => (this.chance(0.2) ? `${this.pick(["format", "timeZone", "inMillis", "existingFormat", "length"])}=${this.atom()}` : this.expr(depth)));
    return `${name}(${args.join(", ")})`;
  }

  template(): string {
    const parts: string[] = [];
    const count = 1 + this.int(4);
    for (let i = 0; i < count; i++) {
      switch (this.int(7)) {
        case 0:
          parts.push(this.pick(["Hello ", "x=", '{"a": ', "}", " ", "\n", "text"]));
          break;
        case 1:
          parts.push(`{% if ${this.expr(2)} %}${this.template()}{% else %}b{% endif %}`.slice(0, 400));
          break;
        case 2:
          parts.push(`{% for v in ${this.pick(["list", "obj", "1..5", "range(1, 20000)", "s", "missing", "1..120"])} %}${this.chance(0.3) ? "{% for w in 1..120 %}{{ w }}{% endfor %}" : "{{ v }}"}{% endfor %}`);
          break;
        case 3:
          parts.push(`{% set ${this.pick(["x", "y", "s"])} = ${this.expr(2)} %}`);
          break;
        case 4:
          parts.push(`{# ${this.expr(1)} #}`);
          break;
        default:
          parts.push(`{{ ${this.expr(3)} }}`);
      }
    }
    return parts.join("");
  }

  mutate(source: string): string {
    let s = source;
    const edits = 1 + this.int(3);
    for (let i = 0; i < edits; i++) {
      const at = this.int(s.length + 1);
      switch (this.int(3)) {
        case 0:
          s = s.slice(0, at) + s.slice(at + 1);
          break;
        case 1:
          s = s.slice(0, at) + this.pick([...NOISE]) + s.slice(at);
          break;
        default:
          s = s.slice(0, at) + s.slice(at, at + this.int(8)).repeat(2) + s.slice(at);
      }
    }
    return s;
  }
}

const FORBIDDEN = new Set<unknown>([Object.prototype, Function.prototype, Array.prototype, String.prototype, Object, Function]);

describe("fuzz", () => {
  // 3,000 renders with the work budget on each take 19-28 s on a loaded two-core machine: the
  // default 30 s limit is too close for a test that checks outcomes, not speed.
  test("3000 random templates: only ExprError, bounded output, no JavaScript internals", { timeout: 180_000 }, () => {
    const gen = new Gen(seededRandom(0x5eed));
    const scope = objectScope(vars);
    const stats = { parsed: 0, rendered: 0, syntaxErrors: 0, runtimeErrors: 0 };
    for (let i = 0; i < 3000; i++) {
      let source = gen.template();
      if (gen.chance(0.35)) source = gen.mutate(source);
      let template;
      try {
        template = parseTemplate(source);
        stats.parsed++;
      } catch (err) {
        expect(err, source).toBeInstanceOf(ExprError);
        const e = err as ExprError;
        expect(e.reason, source).not.toMatch(/^Internal error/);
        expect(e.position).toBeGreaterThanOrEqual(0);
        expect(e.position).toBeLessThanOrEqual(source.length);
        stats.syntaxErrors++;
        continue;
      }
      for (const mode of ["render", "evaluate"] as const) {
        try {
          const result = mode === "render" ? template.render(scope, { now: () => CLOCK }) : template.evaluate(scope, { now: () => CLOCK });
          if (mode === "render") {
            expect(typeof result).toBe("string");
            expect((result as string).length).toBeLessThanOrEqual(MAX_OUTPUT);
            expect(result as string, source).not.toMatch(/\[native code\]|=>/);
            stats.rendered++;
          } else {
            expect(typeof result, source).not.toBe("function");
            expect(FORBIDDEN.has(result), source).toBe(false);
          }
        } catch (err) {
          expect(err, source).toBeInstanceOf(ExprError);
          const e = err as ExprError;
          expect(e.reason, `${source} → ${e.reason}`).not.toMatch(/^Internal error/);
          expect(e.position).toBeGreaterThanOrEqual(0);
          expect(e.position).toBeLessThanOrEqual(source.length);
          if (mode === "render") stats.runtimeErrors++;
        }
      }
    }
    expect(calls).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, "p")).toBe(false);
    // The generator must exercise all three outcomes, or the test proves little.
    expect(stats.rendered).toBeGreaterThan(500);
    expect(stats.syntaxErrors).toBeGreaterThan(200);
    expect(stats.runtimeErrors).toBeGreaterThan(200);
  });
});
