/**
 * A scenario file with a mistake says where: file, line, column and field, all problems at once.
 */
import { describe, expect, it } from "vitest";
import { formatProblem, parseScenarioText } from "../../src/flowtest/load.js";

const ok = `name: A caller
flow: flow.json
expect:
  queued: true
`;

describe("scenario files", () => {
  it("load a valid scenario with the line it starts on", () => {
    const r = parseScenarioText(ok, "a.scenario.yaml");
    expect(r.problems).toEqual([]);
    expect(r.scenarios).toHaveLength(1);
    expect(r.scenarios[0]).toMatchObject({ line: 1, index: 0, scenario: { name: "A caller", flow: "flow.json", expect: { queued: true } } });
  });

  it("hold several scenarios separated by ---", () => {
    const r = parseScenarioText(`${ok}---\n${ok.replace("A caller", "Another caller")}---\n`, "many.scenario.yaml");
    expect(r.problems).toEqual([]);
    expect(r.scenarios.map((s) => [s.scenario.name, s.line])).toEqual([
      ["A caller", 1],
      ["Another caller", 6],
    ]);
  });

  it("name the line, column and field of each problem, all at once", () => {
    const text = `name: A caller
caller:
  ani: "+14806754110"
  phone: "+1"
inputs: ["1", { digits: "2", after: 3 }]
expect:
  queued: { priority: 12 }
  prompts:
    - { regex: "([unclosed" }
  never:
    - { prompt: hello, queued: true }
`;
    const r = parseScenarioText(text, "bad.scenario.yaml");
    expect(r.scenarios).toEqual([]);
    const lines = r.problems.map(formatProblem);
    expect(lines).toContain('bad.scenario.yaml:4:3: caller: unknown field "phone"');
    expect(lines.some((l) => l.startsWith("bad.scenario.yaml:5:30: inputs[1]: unknown field \"after\""))).toBe(true);
    expect(lines).toContain("bad.scenario.yaml:7:23: expect.queued.priority: Too big: expected number to be <=10");
    expect(lines.some((l) => /^bad\.scenario\.yaml:9:16: expect\.prompts\[0\]\.regex: not a valid regular expression/.test(l))).toBe(true);
    expect(lines).toContain("bad.scenario.yaml:11:7: expect.never[0]: one thing per entry, found prompt and queued; split them into separate entries");
  });

  it("refuse a caller id no carrier delivers, unless the scenario opts in with hostileAni", () => {
    const hostile = `name: A hostile caller
caller: { ani: "1') or contains(fullname,'" }
expect: {}
`;
    const refused = parseScenarioText(hostile, "hostile.scenario.yaml");
    expect(refused.problems.map(formatProblem)).toEqual([
      `hostile.scenario.yaml:2:16: caller.ani: caller id "1') or contains(fullname,'" is not a number a carrier delivers: use + and digits (e.g. +14806754110), or empty or "anonymous" for a withheld number (or set hostileAni: true to test the flow's guards with it)`,
    ]);
    const allowed = parseScenarioText(hostile.replace("caller: {", "caller: { hostileAni: true,"), "hostile.scenario.yaml");
    expect(allowed.problems).toEqual([]);
    expect(allowed.scenarios[0]!.scenario.caller).toEqual({ ani: "1') or contains(fullname,'", hostileAni: true });
    for (const ani of ['""', "anonymous", '"+14806754110"', '"4806754110"']) {
      expect(parseScenarioText(`name: x\ncaller: { ani: ${ani} }\nexpect: {}\n`, "ok.scenario.yaml").problems, ani).toEqual([]);
    }
  });

  it("say what is missing", () => {
    const r = parseScenarioText("flow: x.json\n", "missing.scenario.yaml");
    expect(r.problems.map(formatProblem)).toEqual(["missing.scenario.yaml:1:1: name: is required", "missing.scenario.yaml:1:1: expect: is required"]);
  });

  it("report YAML syntax errors with their position", () => {
    const r = parseScenarioText("name: x\nexpect: [unclosed\n", "syntax.scenario.yaml");
    expect(r.problems).toHaveLength(1);
    expect(formatProblem(r.problems[0]!)).toMatch(/^syntax\.scenario\.yaml:\d+:\d+: not valid YAML: /);
  });

  it("refuse an empty file and a duplicated key", () => {
    expect(parseScenarioText("", "empty.scenario.yaml").problems.map(formatProblem)).toEqual(["empty.scenario.yaml: the file holds no scenario"]);
    const dup = parseScenarioText("name: a\nname: b\nexpect: {}\n", "dup.scenario.yaml");
    expect(formatProblem(dup.problems[0]!)).toMatch(/^dup\.scenario\.yaml:2:1: not valid YAML: Map keys must be unique/);
  });
});
