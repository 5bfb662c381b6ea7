/**
 * A template comes from a flow file; it must never reach JavaScript internals: no prototype, no
 * constructor, no function call, no getter run, no prototype pollution, whatever it writes.
 */
import { describe, expect, test } from "vitest";
import { createScope, objectScope, parseTemplate } from "../../src/expr/index.js";
import { render } from "./helpers.js";

class Customer {
  secret = "instance field";
  get computed(): string {
    throw new Error("getter must not run");
  }
  greet(): string {
    throw new Error("method must not run");
  }
}

describe("prototype and constructor access yields nothing", () => {
  const calls: string[] = [];
  const vars: Record<string, unknown> = {
    obj: { name: "x" },
    list: [1, 2],
    str: "abc",
    fn: () => {
      calls.push("fn");
      return "called";
    },
    customer: new Customer(),
    withGetter: Object.defineProperty({}, "g", {
      get() {
        calls.push("getter");
        return "from getter";
      },
      enumerable: true,
    }),
    json: JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"name": "evil"}, "ok": 1}'),
  };

  test.each([
    "{{ __proto__ }}",
    "{{ constructor }}",
    "{{ prototype }}",
    "{{ obj.__proto__ }}",
    "{{ obj.constructor }}",
    "{{ obj.constructor.name }}",
    "{{ obj['__proto__'] }}",
    "{{ obj['constructor']['constructor'] }}",
    "{{ obj.toString }}",
    "{{ obj.hasOwnProperty }}",
    "{{ obj.valueOf }}",
    "{{ list.constructor }}",
    "{{ list.map }}",
    "{{ list.push }}",
    "{{ str.constructor }}",
    "{{ str.__proto__ }}",
    "{{ fn }}",
    "{{ fn.call }}",
    "{{ fn.constructor }}",
    "{{ customer }}{{ customer.secret }}{{ customer.computed }}{{ customer.greet }}{{ customer.greet() }}",
    "{{ withGetter.g }}",
    "{{ json.__proto__ }}",
    "{{ json.constructor }}",
    "{{ json.__proto__.polluted }}",
    "{{ now().constructor }}",
    "{{ (1..2).constructor }}",
    "{{ ({'a': 1}).constructor }}",
    "{{ ('abc' | split('b')).constructor }}",
  ])("%s", (source) => {
    const out = render(source, vars);
    expect(out === "" || out === "[object Object]").toBe(true);
    expect(out).not.toMatch(/native code|function|=>/);
    expect(calls).toEqual([]);
  });

  test("evaluate never hands out a function, a prototype or a class instance's internals", () => {
    for (const source of ["{{ fn }}", "{{ obj.constructor }}", "{{ obj.__proto__ }}", "{{ str.constructor }}", "{{ customer.greet }}"]) {
      const v = parseTemplate(source).evaluate(objectScope(vars));
      expect(v).toBeNull();
    }
  });

  test("own data of a JSON object is still readable", () => {
    expect(render("{{ json.ok }}", vars)).toBe("1");
  });

  test("templates cannot pollute Object.prototype", () => {
    render('{% set __proto__ = {"polluted": true} %}{% set constructor = 1 %}{{ {"__proto__": {"polluted": true}} }}', vars);
    const built = parseTemplate('{{ {"__proto__": {"polluted": true}} }}').evaluate(objectScope({})) as Record<string, unknown>;
    expect(Object.getPrototypeOf(built)).toBe(Object.prototype);
    expect(Object.keys(built)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("the scope is never asked for names that would reach internals", () => {
    const asked: string[] = [];
    const scope = createScope((name) => {
      asked.push(name);
      return undefined;
    });
    parseTemplate("{{ __proto__ }}{{ constructor }}{{ prototype }}{{ ok }}").render(scope);
    expect(asked).toEqual(["ok"]);
  });

  test("objectScope only sees own properties", () => {
    expect(render("[{{ toString }}{{ hasOwnProperty }}{{ valueOf }}]", {})).toBe("[]");
  });
});
