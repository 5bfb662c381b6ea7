/**
 * The environment file's `http:` section from an operator's side: what it accepts, how it says
 * no, and that its two choices (flow-designer §12 #1, #2) reach a running flow's HTTP Request.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import { networkError, type FixtureHandler } from "../../src/connectors/transport.js";
import { VirtualClock } from "../../src/time/clock.js";
import { parseEnvironment } from "../../src/environment/load.js";
import { Runtime } from "../../src/runtime/runtime.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { Recorder } from "../helpers/fakes.js";

function environment(text: string) {
  const parsed = parseEnvironment(text, "ccflow.env.yaml");
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.environment;
}

describe("the http section", () => {
  it("defaults to keep, globalError and webex escaping when absent", () => {
    expect(environment("description: no http section\n").http).toEqual({ jsonPathMiss: "keep", timeoutMode: "globalError", escaping: "webex", routes: [] });
  });

  it("accepts jsonPathMiss, timeoutMode and escaping, each on its own", () => {
    expect(environment("http:\n  jsonPathMiss: empty\n").http).toEqual({ jsonPathMiss: "empty", timeoutMode: "globalError", escaping: "webex", routes: [] });
    expect(environment("http: { timeoutMode: status408 }\n").http).toEqual({ jsonPathMiss: "keep", timeoutMode: "status408", escaping: "webex", routes: [] });
    expect(environment("http: { escaping: strict }\n").http).toEqual({ jsonPathMiss: "keep", timeoutMode: "globalError", escaping: "strict", routes: [] });
    expect(parseEnvironment("http: { escaping: none }\n", "ccflow.env.yaml")).toMatchObject({ ok: false, error: expect.stringMatching(/^ccflow\.env\.yaml: http\.escaping: .*"webex".*"strict"/m) });
  });

  it("rejects an unknown value or key with the file and the key's path", () => {
    const bad = parseEnvironment("http:\n  jsonPathMiss: blank\n  timeoutMode: status504\n  retries: 3\n", "ccflow.env.yaml");
    expect(bad.ok).toBe(false);
    const error = bad.ok ? "" : bad.error;
    expect(error).toMatch(/^ccflow\.env\.yaml: http\.jsonPathMiss: .*"keep".*"empty"/m);
    expect(error).toMatch(/^ccflow\.env\.yaml: http\.timeoutMode: .*"globalError".*"status408"/m);
    expect(error).toMatch(/^ccflow\.env\.yaml: http: .*retries/m);
    expect(error).not.toMatch(/\n\s+at /); // no stack
  });

  it("rejects an http section that is not a map", () => {
    const bad = parseEnvironment("http: status408\n", "ccflow.env.yaml");
    expect(bad.ok ? "" : bad.error).toMatch(/^ccflow\.env\.yaml: http: /);
  });
});

/** Lookup (HTTP Request) → Say "<status> <Name>"; OnGlobalError says "global error". */
const flow = buildFlow({
  variables: [{ name: "Name", type: "STRING", value: "NA" }],
  main: [
    {
      name: "Lookup",
      type: "http-request-v2",
      props: { authenticated: false, httpRequestUrl: "https://api.example.test/customer", httpResponseTimeout: "2000", outputVariableArray: [{ outputVariable: "Name", jsonPathExp: "$.customer.name" }] },
    },
    { name: "Say", type: "play-message", props: tts("{{Lookup.httpStatusCode}} [{{Name}}]") },
  ],
  links: [["Lookup", "default", "Say"]],
  events: { GlobalErrorHandling: { nodes: [{ name: "Oops", type: "play-message", props: tts("global error") }], links: [["GlobalErrorHandling", "out", "Oops"]] } },
});

const runtimes: Runtime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.close()));
});

async function call(envText: string, fixtures: FixtureHandler): Promise<Recorder> {
  const clock = new VirtualClock();
  const runtime = new Runtime({ environment: environment(envText), flows: [flow], clock, fixtures });
  runtimes.push(runtime);
  const rec = new Recorder();
  const interaction = runtime.startCall(flow, { ani: "+15550100", channel: new ScriptedCaller(clock), listener: rec.listener });
  await interaction.done;
  return rec;
}

describe("through a running flow", () => {
  const noCustomer: FixtureHandler = () => ({ status: 200, body: { customer: null } });
  const slow: FixtureHandler = async (_req, { clock, signal }) => {
    await clock.sleep(10_000, signal);
    return { status: 200, body: { customer: { name: "late" } } };
  };

  it("keeps the variable on a miss by default, empties it with jsonPathMiss: empty", async () => {
    expect((await call("", noCustomer)).prompts()).toEqual(["200 [NA]"]);
    expect((await call("http: { jsonPathMiss: empty }\n", noCustomer)).prompts()).toEqual(["200 []"]);
  });

  it("a timeout goes to OnGlobalError by default", async () => {
    const rec = await call("", slow);
    expect(rec.prompts()).toEqual(["global error"]);
    expect(rec.of("http")[0]).toMatchObject({ failure: "timeout after 2000 ms calling https://api.example.test/customer" });
  });

  it("with timeoutMode: status408 the flow goes on with 408 and its mappings miss; the trace still says timeout", async () => {
    const rec = await call("http: { timeoutMode: status408 }\n", slow);
    expect(rec.prompts()).toEqual(["408 [NA]"]);
    const [event] = rec.of("http");
    expect(event).toMatchObject({ failure: "timeout after 2000 ms calling https://api.example.test/customer", ms: 2000 });
    expect(event?.status).toBeUndefined();
    expect(rec.of("error")).toEqual([]);
    // Both options together: the timed-out mapping is a miss, so `empty` empties it.
    expect((await call("http: { timeoutMode: status408, jsonPathMiss: empty }\n", slow)).prompts()).toEqual(["408 []"]);
  });

  it("status408 leaves a refused connection an error: only the deadline becomes a status", async () => {
    const refused: FixtureHandler = () => {
      throw networkError("ECONNREFUSED");
    };
    const rec = await call("http: { timeoutMode: status408 }\n", refused);
    expect(rec.prompts()).toEqual(["global error"]);
    expect(rec.of("http")[0]?.failure).toMatch(/ECONNREFUSED/);
  });
});
