/**
 * `ccflow test` as a newcomer meets it: copy the seed flow next to a scenario, run, see it pass;
 * break an expectation, see what failed and why; then what CI needs — exit codes, JUnit XML,
 * JSON, a coverage threshold and a coverage file for `ccflow graph`.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runTestCommand } from "../../../src/cli/commands/test.js";
import { hasShared, seedFlowPath } from "../../helpers/shared.js";

const DEFAULTS = { reporter: "text", jobs: "4", coverage: true };

async function ccflowTest(paths: string[], opts: Record<string, unknown>, cwd: string) {
  let out = "";
  let err = "";
  const code = await runTestCommand(paths, { ...DEFAULTS, ...opts } as Parameters<typeof runTestCommand>[1], { out: (s) => (out += s), err: (s) => (err += s), cwd });
  return { code, out, err };
}

/** The scenario of the README's "Testing your flows" section. */
const README_SCENARIO = `# yaml-language-server: $schema=../schemas/scenario.schema.json
name: A known caller is greeted by name and queued when they press 1
flow: MSD_HTTP_Connector_Flow.json
caller:
  ani: "+14806754110"
http:
  - method: GET
    path: contacts
    body:
      value: [{ contactid: dc9bbbfe-e0e5-ed11-a7c7-0022482137b9, fullname: Yvonne McKay }]
  - method: GET
    path: incidents
    body:
      value: [{ title: Printer on fire, ticketnumber: CAS-01002-S8K4Y2 }]
inputs: ["1"]
expect:
  prompts:
    - Greetings, Welcome to the IVR
    - contains: Hello, Yvonne McKay !
  activities: ["ConditionCheck:false", "MainMenu:1", QueueContact]
  queued: true
  screenPop:
    label: Customer Ticket details
  endReason: agent-ended
`;

describe.skipIf(!hasShared)("a newcomer tests the seed flow", () => {
  const dir = mkdtempSync(join(tmpdir(), "ccflow-newcomer-"));
  // In beforeAll: a skipped describe's body still runs to collect its tests.
  beforeAll(() => copyFileSync(seedFlowPath, join(dir, "MSD_HTTP_Connector_Flow.json")));

  it("writes one scenario from the README, runs ccflow test and sees it pass", async () => {
    writeFileSync(join(dir, "known-caller.scenario.yaml"), README_SCENARIO);
    const r = await ccflowTest([], {}, dir);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^✓ A known caller is greeted by name and queued when they press 1 {2}known-caller\.scenario\.yaml:2 {2}\d+\.\d s of call in \d+ ms$/m);
    expect(r.out).toContain("MSD_HTTP_Connector_Flow (MSD_HTTP_Connector_Flow.json, 1 scenario)");
    expect(r.out).toMatch(/MainMenu +1 ✓, 2 ✗, timeout ✗, invalid ✗ {2}\(not counted: error\)/);
    expect(r.out).toMatch(/^1 passed \(1 scenario in 1 file, \d+\.\d s\)$/m);
  });

  it("breaks an expectation and sees which one, expected against heard, and the transcript there", async () => {
    writeFileSync(join(dir, "known-caller.scenario.yaml"), README_SCENARIO.replace("- contains: Hello, Yvonne McKay !", "- contains: Hello, Yvonne MacKay !"));
    const r = await ccflowTest([], { coverage: false }, dir);
    expect(r.code).toBe(1);
    const lines = r.out.split("\n");
    expect(lines[0]).toMatch(/^✗ A known caller is greeted/);
    expect(lines[1]).toBe('    ✗ expect.prompts[1]: prompt 2 of 2 did not happen: containing "Hello, Yvonne MacKay !"');
    expect(r.out).toContain('          ✓ "Greetings, Welcome to the IVR"\n          ✗ containing "Hello, Yvonne MacKay !"');
    expect(r.out).toContain('        actual:\n          prompt "Greetings, Welcome to the IVR"\n          prompt "Hello, Yvonne McKay ! ⏎ I see, a ticket was created');
    expect(r.out).toMatch(/transcript:\n(.*\n)*.*PlayCaseTitle {2}says "Hello, Yvonne McKay ! I see/);
    expect(r.out).toMatch(/^0 passed, 1 failed/m);
  });

  it("sees a clear error for a mistake in the scenario file, and nothing runs", async () => {
    writeFileSync(join(dir, "known-caller.scenario.yaml"), README_SCENARIO.replace("  queued: true", "  queued: yes please"));
    const r = await ccflowTest([], {}, dir);
    expect(r.code).toBe(1);
    expect(r.out).toBe("1 problem in scenario files; nothing was run:\n  known-caller.scenario.yaml:21:11: expect.queued: must be boolean or a map, not string \"yes please\"\n");
  });
});

describe("for CI", () => {
  const dir = mkdtempSync(join(tmpdir(), "ccflow-ci-"));
  const flow = {
    name: "Tiny",
    process: {
      activities: {
        s: { id: "s", name: "NewPhoneContact", group: "start", properties: { activityId: "start", activityName: "NewPhoneContact", name: "NewPhoneContact" } },
        m: { id: "m", name: "Menu", group: "enum-gateway", properties: { activityName: "ivr-menu", name: "Menu", toggle: true, promptsTts: [{ type: "tts", value: "Press 1" }], menuLinks: ["1"], entryTimeout: 3 } },
        d: { id: "d", name: "Bye", group: "terminating-action", properties: { activityName: "disconnect-contact", name: "Bye" } },
      },
      links: [
        { id: "l1", sourceActivityId: "s", targetActivityId: "m", conditionExpr: "out" },
        { id: "l2", sourceActivityId: "m", targetActivityId: "d", conditionExpr: "1" },
        { id: "l3", sourceActivityId: "m", targetActivityId: "d", conditionExpr: "timeout" },
      ],
    },
  };
  writeFileSync(join(dir, "tiny.json"), JSON.stringify(flow));
  writeFileSync(join(dir, "press.scenario.yaml"), "name: presses 1\nflow: tiny.json\ninputs: ['1']\nexpect: { activities: ['Menu:1', Bye], endReason: disconnected }\n");
  writeFileSync(join(dir, "wrong.scenario.yaml"), "name: expects a queue <&>\nflow: tiny.json\nexpect: { queued: true }\n");

  it("exit 1 when a scenario fails, JUnit XML with the failure and the transcript", async () => {
    const xmlFile = join(dir, "results.xml");
    const r = await ccflowTest([], { reporter: "junit", out: xmlFile }, dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain("1 passed, 1 failed");
    const xml = readFileSync(xmlFile, "utf8");
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="ccflow test" tests="2" failures="1" errors="0" time="[\d.]+">/);
    expect(xml).toContain('<testsuite name="wrong.scenario.yaml" tests="1" failures="1" errors="0" skipped="0"');
    expect(xml).toContain('<testcase name="expects a queue &lt;&amp;&gt;" classname="Tiny" file="wrong.scenario.yaml" line="1"');
    expect(xml).toContain('<failure message="expect.queued: the caller was never queued" type="expectation">');
    expect(xml).toMatch(/<system-out>[^<]*Menu {2}says &quot;Press 1&quot;/);
    expect((xml.match(/<testcase /g) ?? []).length).toBe(2);
    expect((xml.match(/<\/testcase>/g) ?? []).length).toBe(2);
  });

  it("JUnit to stdout without --out; --json for tools", async () => {
    const junit = await ccflowTest([join(dir, "press.scenario.yaml")], { reporter: "junit" }, dir);
    expect(junit.code).toBe(0);
    expect(junit.out.startsWith("<?xml")).toBe(true);
    const json = await ccflowTest([], { json: true }, dir);
    const report = JSON.parse(json.out);
    expect(report).toMatchObject({ passed: 1, failed: 1, errors: 0 });
    expect(report.scenarios.map((s: { name: string; status: string }) => `${s.name}: ${s.status}`)).toEqual(["presses 1: passed", "expects a queue <&>: failed"]);
    expect(report.coverage[0]).toMatchObject({ flow: "Tiny", file: "tiny.json" });
  });

  it("--min-coverage fails a passing run whose coverage is too low; --coverage-out writes it for ccflow graph", async () => {
    const cov = join(dir, "coverage.json");
    const low = await ccflowTest([join(dir, "press.scenario.yaml")], { minCoverage: "90", coverageOut: cov }, dir);
    expect(low.code).toBe(1);
    // out, Menu 1, Menu timeout, Menu invalid (unwired: the flow ends), Bye: 3 of 5.
    expect(low.out).toContain("60% of reachable ports covered: 3/5");
    expect(low.out).toContain("coverage of Tiny is 60%, below --min-coverage 90%");
    const file = JSON.parse(readFileSync(cov, "utf8"));
    expect(file).toMatchObject({ format: "ccflow-coverage", version: 1, flows: [{ flow: "Tiny", percent: 60 }] });
    const ok = await ccflowTest([join(dir, "press.scenario.yaml")], { minCoverage: "60%" }, dir);
    expect(ok.code).toBe(0);
  });

  it("says what is wrong with its own options, and with paths that do not exist", async () => {
    expect((await ccflowTest([], { reporter: "tap" }, dir)).err).toBe('ccflow: --reporter must be text or junit, not "tap"\n');
    expect((await ccflowTest([], { minCoverage: "lots" }, dir)).err).toBe('ccflow: --min-coverage must be a percentage from 0 to 100, not "lots"\n');
    const missing = await ccflowTest(["nowhere"], {}, dir);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain("  nowhere: no such file or directory");
  });

  it("--flow runs scenarios against another copy of the flow", async () => {
    const renamed = { ...flow, name: "TinyCopy" };
    writeFileSync(join(dir, "copy.json"), JSON.stringify(renamed));
    const r = await ccflowTest([join(dir, "press.scenario.yaml")], { flow: join(dir, "copy.json"), json: true }, dir);
    expect(JSON.parse(r.out).scenarios[0]).toMatchObject({ flow: "TinyCopy", status: "passed" });
  });
});
