/** Parse from a flow author's side: JSON held in a variable, mapped with the HTTP rules. */
import { describe, expect, it } from "vitest";
import parseActivity from "../../src/activities/parse-activity.js";
import { ActivityError } from "../../src/activities/types.js";
import { createHttpGateway } from "../../src/connectors/gateway.js";
import { VirtualClock } from "../../src/engine/clock.js";
import type { FlowDefinition, VariableType } from "../../src/flow/types.js";
import { activityDef, fakeContext, FakeVariables } from "./helpers/http-fake-context.js";

const types: Record<string, VariableType> = { Payload: "STRING", Doc: "JSON", Reason: "STRING", Phones: "STRING", Count: "INTEGER", Secret: "STRING" };
const http = createHttpGateway({ connectors: [] });

function run(properties: Record<string, unknown>, values: Record<string, unknown>, secure: string[] = []) {
  const vars = new FakeVariables(types, values, secure);
  const ctx = fakeContext({ activity: activityDef("ParseBot", "parse-activity", properties), vars, http, clock: new VirtualClock() });
  return { vars, result: parseActivity.run(ctx) };
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
