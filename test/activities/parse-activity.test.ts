/** Parse from a flow author's side: JSON held in a variable, mapped with the HTTP rules. */
import { describe, expect, it } from "vitest";
import parseActivity from "../../src/activities/parse-activity.js";
import { ActivityError } from "../../src/util/activity-error.js";
import { createHttpGateway } from "../../src/connectors/gateway.js";
import { VirtualClock } from "../../src/time/clock.js";
import type { FlowDefinition, VariableType } from "../../src/flow/types.js";
import { activityDef, fakeContext, FakeVariables, runActivity } from "./helpers/http-fake-context.js";

const types: Record<string, VariableType> = { Payload: "STRING", Doc: "JSON", Reason: "STRING", Phones: "STRING", Count: "INTEGER", Secret: "STRING" };
const http = createHttpGateway({ connectors: [] });

function run(properties: Record<string, unknown>, values: Record<string, unknown>, secure: string[] = []) {
  const vars = new FakeVariables(types, values, secure);
  const ctx = fakeContext({ activity: activityDef("ParseBot", "parse-activity", properties), vars, http, clock: new VirtualClock() });
  return { vars, result: runActivity(parseActivity, ctx) };
}

describe("Parse activity", () => {
  const payload = JSON.stringify({ "dialogflow.ccai.live-agent-escalation": { call_reason: "billing" }, phones: [{ type: "work", value: "1613" }], n: "3" });

  it("maps a JSON string variable with Jayway paths (bracket keys, filters)", async () => {
    const { vars, result } = run(
      {
        inputVariable: "Payload",
        contentType: "JSON",
        outputVariableArray: [
          { outputVariable: "Reason", jsonPathExp: '$["dialogflow.ccai.live-agent-escalation"].call_reason' },
          { outputVariable: "Phones", jsonPathExp: "$.phones[?(@.type=='work')].value" },
          { outputVariable: "Count", jsonPathExp: "n" },
        ],
      },
      { Payload: payload, Reason: "", Phones: "", Count: 0 },
    );
    expect(await result).toBe("default");
    expect(vars.values.get("Reason")).toBe("billing");
    expect(vars.values.get("Phones")).toBe('["1613"]');
    expect(vars.values.get("Count")).toBe(3);
    expect(vars.assignments.every((a) => a.activity === "ParseBot")).toBe(true);
  });

  it("reads a JSON variable's value directly and accepts {{ }} around the input name", async () => {
    const { vars, result } = run(
      { inputVariable: "{{ Doc }}", outputVariableArray: [{ outputVariable: "Reason", jsonPathExp: "$.a.b" }] },
      { Doc: { a: { b: "direct" } }, Reason: "NA" },
    );
    await result;
    expect(vars.values.get("Reason")).toBe("direct");
  });

  it("keeps variables whose paths match nothing", async () => {
    const { vars, result } = run({ inputVariable: "Payload", outputVariableArray: [{ outputVariable: "Reason", jsonPathExp: "$.missing" }] }, { Payload: "{}", Reason: "NA" });
    await result;
    expect(vars.values.get("Reason")).toBe("NA");
  });

  it("fails on malformed input with a message naming the variable (value hidden if secure)", async () => {
    const bad = run({ inputVariable: "Payload", outputVariableArray: [] }, { Payload: "{not json" });
    await expect(bad.result).rejects.toThrow(new ActivityError('ParseBot: input variable "Payload" does not hold valid JSON ("{not json")'));
    const secret = run({ inputVariable: "Secret", outputVariableArray: [] }, { Secret: "pin=1234" }, ["Secret"]);
    const err = await secret.result.catch((e: unknown) => e as Error);
    expect((err as Error).message).toBe('ParseBot: input variable "Secret" does not hold valid JSON');
  });

  it("maps XML and TOML variables by JSONPath once normalised to JSON", async () => {
    const xml = run(
      {
        inputVariable: "Payload",
        contentType: "XML",
        outputVariableArray: [
          { outputVariable: "Reason", jsonPathExp: "$.escalation.reason" },
          { outputVariable: "Phones", jsonPathExp: "$.escalation.phone[?(@['@type']=='work')]['#text']" },
          { outputVariable: "Count", jsonPathExp: "escalation.@attempts" },
        ],
      },
      { Payload: '<escalation attempts="3"><reason>billing</reason><phone type="home">1612</phone><phone type="work">1613</phone></escalation>', Reason: "", Phones: "", Count: 0 },
    );
    expect(await xml.result).toBe("default");
    expect(xml.vars.values.get("Reason")).toBe("billing");
    expect(xml.vars.values.get("Phones")).toBe('["1613"]');
    expect(xml.vars.values.get("Count")).toBe(3);

    const toml = run(
      { inputVariable: "Payload", contentType: "toml", outputVariableArray: [{ outputVariable: "Reason", jsonPathExp: "$.intent.name" }, { outputVariable: "Count", jsonPathExp: "$.intent.turns" }] },
      { Payload: '[intent]\nname = "billing"\nturns = 4\n', Reason: "", Count: 0 },
    );
    await toml.result;
    expect(toml.vars.values.get("Reason")).toBe("billing");
    expect(toml.vars.values.get("Count")).toBe(4);
  });

  it("fails on malformed XML or TOML, and on an XML entity bomb, saying why (value hidden if secure)", async () => {
    const xml = run({ inputVariable: "Payload", contentType: "XML", outputVariableArray: [] }, { Payload: "<a><b>1</a>" });
    await expect(xml.result).rejects.toThrow(new ActivityError('ParseBot: input variable "Payload" does not hold valid XML ("<a><b>1</a>"): malformed at line 1, column 8 (InvalidTag)'));
    const toml = run({ inputVariable: "Secret", contentType: "TOML", outputVariableArray: [] }, { Secret: 'pin = "4711' }, ["Secret"]);
    const err = (await toml.result.catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ActivityError);
    expect(err.message).toMatch(/^ParseBot: input variable "Secret" does not hold valid TOML: malformed at line 1, column \d+ \(.+\)$/);
    expect(err.message).not.toContain("4711");
    const bomb = '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r>';
    await expect(run({ inputVariable: "Payload", contentType: "XML", outputVariableArray: [] }, { Payload: bomb }).result).rejects.toThrow(/does not hold valid XML .*: declares XML entities \(<!ENTITY>\), which ccflow refuses$/);
  });

  it("empties unmatched variables when the environment's http.jsonPathMiss is empty", async () => {
    const vars = new FakeVariables(types, { Payload: "<r><a>1</a></r>", Reason: "NA" });
    const def = activityDef("ParseBot", "parse-activity", { inputVariable: "Payload", contentType: "XML", outputVariableArray: [{ outputVariable: "Reason", jsonPathExp: "$.r.b" }] });
    await runActivity(parseActivity, fakeContext({ activity: def, vars, http, clock: new VirtualClock(), env: { http: { jsonPathMiss: "empty", timeoutMode: "globalError" } } }));
    expect(vars.values.get("Reason")).toBe("");
  });

  it("fails when the input variable does not exist", async () => {
    await expect(run({ inputVariable: "Nope" }, {}).result).rejects.toThrow('ParseBot: input variable "Nope" is not defined');
  });

  it("validates its input variable and paths", () => {
    const found: string[] = [];
    const flow = { variables: new Map([["A", {}]]) } as unknown as FlowDefinition;
    parseActivity.validate!(activityDef("P", "parse-activity", { contentType: "CSV", outputVariableArray: [{ outputVariable: "A", jsonPathExp: "$..b.." }] }), (d) => found.push(`${d.code}@${d.path}`), flow);
    expect(found).toEqual(["missing-property@inputVariable", "unsupported-content-type@contentType", "bad-jsonpath@outputVariableArray[0].jsonPathExp"]);
    expect(parseActivity.ports(activityDef("P", "parse-activity", {}))).toEqual(["default"]);
  });
});
