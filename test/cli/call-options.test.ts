/**
 * `ccflow call` options from a user's side: a runaway loop is folded into one line and exits 3;
 * a call the flow ends exits 0 whatever its path; `--fixtures` answers any URL from a YAML list;
 * the environment's `flows:` list gives a flow its subflows.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCall } from "../../src/cli/commands/call.js";
import { exportOf, tts, type FlowSpec } from "../helpers/flow-builder.js";

const dir = mkdtempSync(join(tmpdir(), "ccflow-call-options-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | FlowSpec): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(exportOf(content)));
  return path;
}

async function call(flow: string, extra: Record<string, unknown> = {}) {
  let out = "";
  let err = "";
  const code = await runCall(flow, { ani: "+14805551234", dnis: "+18005550100", data: join(dir, "crm"), agent: true, ...extra }, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe("ccflow call: runaway loops", () => {
  it("folds a loop's repeated lines into one count and exits 3 when the step limit ends the call", async () => {
    const flow = file("spin.json", {
      variables: [{ name: "n", type: "INTEGER", value: "0" }],
      main: [{ name: "Spin", type: "set-variable", props: { srcVariable: "n", expr: "7" } }],
      links: [["Spin", "out", "Spin"]],
    });
    const { code, out, err } = await call(flow);
    expect(code).toBe(3);
    expect(err).toContain("the call was stopped by a runaway limit (step-limit), not ended by the flow");
    expect(out).toMatch(/… ×9,99\d \(the line above, repeated 9,99\d more times until/);
    expect(out.split("\n").length).toBeLessThan(15);
    expect(out).toContain("call ended: step-limit");
  });

  it("exits 0 for a call the flow ended, even through OnGlobalError", async () => {
    const flow = file("fails.json", {
      main: [{ name: "Bad", type: "set-variable", props: { srcVariable: "n", expr: "{{ 1 / 0 }}" } }],
      variables: [{ name: "n", type: "INTEGER", value: "0" }],
      links: [],
      events: { GlobalErrorHandling: { nodes: [{ name: "Sorry", type: "play-message", props: tts("Sorry.") }, { name: "Bye", type: "disconnect-contact" }], links: [["GlobalErrorHandling", "out", "Sorry"], ["Sorry", "default", "Bye"]] } },
    });
    const { code, out } = await call(flow);
    expect(code).toBe(0);
    expect(out).toContain('says "Sorry."');
  });
});

describe("ccflow call --fixtures", () => {
  const lookup: FlowSpec = {
    variables: [{ name: "name", value: "" }],
    main: [
      {
        name: "Lookup",
        type: "http-request-v2",
        props: { authenticated: false, httpRequestMethod: "GET", httpRequestUrl: "https://api.example.com/customers?phone={{NewPhoneContact.ANI}}", contentType: "JSON", outputVariableArray: [{ outputVariable: "name", jsonPathExp: "$.name" }] },
      },
      { name: "Hello", type: "play-message", props: tts("Hello {{name}}.") },
      { name: "Bye", type: "disconnect-contact" },
    ],
    links: [["Lookup", "default", "Hello"], ["Hello", "default", "Bye"]],
  };

  it("answers any URL from the same entries a scenario's http: holds; nothing leaves the machine", async () => {
    const fixtures = file("answers.yaml", "- method: GET\n  path: customers*\n  body: { name: Ada }\n");
    const { code, out } = await call(file("lookup.json", lookup), { fixtures });
    expect(code).toBe(0);
    expect(out).toContain("nothing leaves this machine");
    expect(out).toContain('says "Hello Ada."');
  });

  it("accepts a scenario-style http: list, and says which request no entry answered", async () => {
    const fixtures = file("other.yaml", "http:\n  - path: orders*\n    body: []\n");
    const { code, out, err } = await call(file("lookup2.json", lookup), { fixtures });
    expect(code).toBe(0);
    expect(out).toMatch(/GET https:\/\/api\.example\.com\/customers\?phone=.* → 404/);
    expect(err).toContain("note: no fixture answered GET https://api.example.com/customers?phone=");
  });

  it("refuses a fixtures file that is not a list of answers, naming the field", async () => {
    const fixtures = file("bad.yaml", "- path: x\n  status: teapot\n");
    const { code, err } = await call(file("lookup3.json", lookup), { fixtures });
    expect(code).toBe(1);
    expect(err).toContain("bad.yaml: fixtures: [0].status");
  });
});

describe("ccflow call with an environment's flows: list", () => {
  it("runs a subflow the environment lists", async () => {
    file("greet-sub.json", {
      flowType: "SUBFLOW",
      name: "GreetSub",
      variables: [{ name: "who", value: "", source: "SUBFLOW_INPUT" }],
      main: [{ name: "StartSubflow", type: "NewSubFlowStart" }, { name: "Greet", type: "play-message", props: tts("Hi {{who}} from the subflow.") }, { name: "Done", type: "end-subflow" }],
      links: [["StartSubflow", "out", "Greet"], ["Greet", "default", "Done"]],
    } as FlowSpec);
    const env = file("env.yaml", "flows: [greet-sub.json]\n");
    const main = file("main.json", {
      main: [
        { name: "Sub", type: "subflow", props: { subflowId: "GreetSub", subflowInputVariables: [{ src: "{{ \"Ada\" }}", target: "who" }] } },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [["Sub", "default", "Bye"]],
    });
    const { code, out } = await call(main, { env });
    expect(code).toBe(0);
    expect(out).toContain("from the subflow");
  });
});

describe("ccflow call: outbound legs", () => {
  const campaign = (): FlowSpec => ({
    name: "Outbound",
    main: [{ name: "Placeholder", type: "end" }],
    links: [],
    events: {
      ContactOutboundCampaignResult: {
        nodes: [
          { name: "Result", type: "play-message", props: tts("Result {{OutboundCampaignCallResult.CPAResult}}") },
          { name: "Hangup", type: "disconnect-contact" },
        ],
        links: [
          ["ContactOutboundCampaignResult", "out", "Result"],
          ["Result", "default", "Hangup"],
        ],
      },
    },
  });

  it("--campaign AMD runs OutboundCampaignCallResult for a campaign call to --ani; a result it does not know is refused", async () => {
    const flow = file("outbound.json", campaign());
    const amd = await call(flow, { campaign: "amd" });
    expect(amd.code).toBe(0);
    expect(amd.out).toContain('says "Result AMD"');
    expect(amd.out).toContain("call ended: disconnected");
    const bad = await call(flow, { campaign: "VOICEMAIL" });
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('ccflow: --campaign: "VOICEMAIL" is not a call progress result; use LIVE_VOICE, AMD, ABANDONED\n');
  });

  it("--no-agent: a callback nobody can take is withdrawn once the flow hangs up, and the call exits 0", async () => {
    const flow = file("callback.json", {
      main: [
        { name: "Cb", type: "callback", props: { callbackDn: "{{NewPhoneContact.ANI}}", callbackQueue: "Support" } },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [["Cb", "default", "Bye"]],
    });
    const { code, out } = await call(flow, { agent: false });
    expect(code).toBe(0);
    expect(out).toContain("no agent is staffed (--no-agent) to take the callback; it is withdrawn");
    expect(out).toContain("call ended: callback-cancelled");
  });
});
