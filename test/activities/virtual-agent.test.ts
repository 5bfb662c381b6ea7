/**
 * Virtual Agent (v1 and V2) from a flow author's side: ccflow runs no bot, the environment
 * scripts what each virtual agent's conversation comes to, and the flow branches on it — an
 * escalation goes to a queue, an ended conversation says goodbye, MetaData feeds later
 * conditions, and a virtual agent nobody scripted is an error that says how to script it.
 */
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import type { ActivityEnvironment } from "../../src/activities/types.js";
import { parseEnvironment } from "../../src/environment/load.js";
import { layerVirtualAgents, virtualAgentDirectory } from "../../src/environment/virtual-agents.js";
import { validateFlow } from "../../src/flow/validate.js";
import { buildFlow, tts, type FlowSpec, type NodeSpec } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

const BOT = "6a1f0c2e-billing-bot";

const va = (props: Record<string, unknown> = {}, type = "ivr-virtualassistantvoice"): NodeSpec => ({
  name: "VA",
  type,
  group: "enum-gateway",
  props: { connector: "NATIVE_ADVANCED_VIRTUAL_AGENT", configIdRadioGroup: "staticConfigId", virtualAgentId: BOT, "virtualAgentId:name": "Billing bot", eventName: "", eventData: "", ...props },
});

/** Bot first; escalations queue, ended conversations branch on what the bot found, errors apologise. */
function billingFlow(node: NodeSpec = va(), opts: { wireError?: boolean } = {}): FlowSpec {
  return {
    main: [
      node,
      { name: "Queue", type: "queue-contact", props: { queueRadioGroup: "staticQueue", destination: "billing" } },
      { name: "Hold", type: "play-music", props: { prompt: "hold.wav", duration: "30" } },
      { name: "Paid", type: "condition-activity", props: { expression: "{{ VA.MetaData.balance == 0 and VA.StateEventName == 'paid' }}" } },
      { name: "Goodbye", type: "play-message", props: tts("Thanks {{VA.MetaData.customer.name}}, you are all paid up. Goodbye.") },
      { name: "Owing", type: "play-message", props: tts("You still owe {{VA.MetaData.balance}} dollars.") },
      { name: "Sorry", type: "play-message", props: tts("Sorry, our assistant is unavailable.") },
      { name: "Bye", type: "disconnect-contact" },
    ],
    links: [
      ["VA", "ESCALATE", "Queue"],
      ["VA", "ENDED", "Paid"],
      ...(opts.wireError === false ? [] : [["VA", "error", "Sorry"] as [string, string, string]]),
      ["Queue", "default", "Hold"],
      ["Hold", "default", "Hold"],
      ["Paid", "true", "Goodbye"],
      ["Paid", "false", "Owing"],
      ["Goodbye", "default", "Bye"],
      ["Owing", "default", "Bye"],
      ["Sorry", "default", "Bye"],
    ],
    events: { GlobalErrorHandling: { nodes: [{ name: "OnError", type: "play-message", props: tts("Global error handler") }, { name: "ErrBye", type: "disconnect-contact" }], links: [["GlobalErrorHandling", "out", "OnError"], ["OnError", "default", "ErrBye"]] } },
  };
}

/** The environment file's virtualAgents section, through the real parser. */
function envWith(yaml: string): ActivityEnvironment {
  const parsed = parseEnvironment(yaml, "env.yaml");
  if (!parsed.ok) throw new Error(parsed.error);
  return { virtualAgent: virtualAgentDirectory(parsed.environment.virtualAgents) };
}

describe("Virtual Agent V2, scripted in the environment", () => {
  it("escalates: the caller hears the bot, then waits in the queue; the outputs are set", async () => {
    const env = envWith(`virtualAgents:
  - id: ${BOT}
    outcome: ESCALATE
    stateEventName: agent_requested
    transcriptUrl: https://transcripts.example/abc
    metaData: { intent: dispute }
    prompts: ["Hi, I am the billing assistant.", "Let me get you a person."]
`);
    const { rec, port, interaction } = await runFlow(buildFlow(billingFlow()), { env, hangupAfterSeconds: 60 });
    expect(port("VA")).toBe("ESCALATE");
    expect(rec.prompts().slice(0, 2)).toEqual(["Hi, I am the billing assistant.", "Let me get you a person."]);
    expect(rec.of("queued")[0]).toMatchObject({ queue: "billing" });
    expect(interaction.variables.get("VA.StateEventName")).toBe("agent_requested");
    expect(interaction.variables.get("VA.TranscriptURL")).toBe("https://transcripts.example/abc");
    expect(interaction.variables.get("VA.MetaData")).toEqual({ intent: "dispute" });
  });

  it("ends: a later condition reads {{ VA.MetaData.x }} and the flow says goodbye", async () => {
    const paid = envWith(`virtualAgents:
  - { id: "${BOT}", outcome: ENDED, stateEventName: paid, metaData: { balance: 0, customer: { name: Ada } } }
`);
    const r = await runFlow(buildFlow(billingFlow()), { env: paid });
    expect(r.port("VA")).toBe("ENDED");
    expect(r.port("Paid")).toBe("true");
    expect(r.rec.prompts()).toEqual(["Thanks Ada, you are all paid up. Goodbye."]);
    expect(r.ended.reason).toBe("disconnected");

    const owing = envWith(`virtualAgents:
  - { id: "${BOT}", outcome: ENDED, stateEventName: promise_to_pay, metaData: { balance: 42.5 } }
`);
    const o = await runFlow(buildFlow(billingFlow()), { env: owing });
    expect(o.port("Paid")).toBe("false");
    expect(o.rec.prompts()).toEqual(["You still owe 42.5 dollars."]);
  });

  it("a scripted error leaves by the error port with the script's message", async () => {
    const env = envWith(`virtualAgents:
  - { id: "${BOT}", outcome: error, errorMessage: "bot timed out" }
`);
    const { rec, port } = await runFlow(buildFlow(billingFlow()), { env });
    expect(port("VA")).toBe("error");
    expect(rec.of("error")[0]).toMatchObject({ handling: "port", message: `VA: virtual agent "${BOT}" ended in error: bot timed out` });
    expect(rec.prompts()).toEqual(["Sorry, our assistant is unavailable."]);
  });

  it('"*" scripts every virtual agent no entry names; the v1 activity runs the same way', async () => {
    const env = envWith(`virtualAgents:
  - { id: other-bot, outcome: ENDED }
  - { id: "*", outcome: ESCALATE }
`);
    const v2 = await runFlow(buildFlow(billingFlow()), { env, hangupAfterSeconds: 10 });
    expect(v2.port("VA")).toBe("ESCALATE");
    const v1 = await runFlow(buildFlow(billingFlow(va({}, "ivr-virtualassistant"))), { env, hangupAfterSeconds: 10 });
    expect(v1.port("VA")).toBe("ESCALATE");
    expect(v1.rec.of("step")[1]).toMatchObject({ activityType: "ivr-virtualassistant" });
    const other = await runFlow(buildFlow(billingFlow(va({ virtualAgentId: "other-bot" }))), { env });
    expect(other.port("VA")).toBe("ENDED");
  });

  it("an older export with no virtualAgentId names its bot by connector, which is what the script matches", async () => {
    const older = (type: string): NodeSpec => {
      const node = va({ connector: "dialogflow-billing-7" }, type);
      const props = { ...node.props };
      delete props.virtualAgentId;
      delete props["virtualAgentId:name"];
      delete props.configIdRadioGroup;
      return { ...node, props: { ...props, "connector:name": "Billing (Dialogflow)" } };
    };
    const env = envWith(`virtualAgents:
  - { id: dialogflow-billing-7, outcome: ENDED, stateEventName: paid, metaData: { balance: 0, customer: { name: Ole } } }
`);
    for (const type of ["ivr-virtualassistant", "ivr-virtualassistantvoice"]) {
      const flow = buildFlow(billingFlow(older(type)));
      expect(validateFlow(flow, createRegistry()).filter((d) => d.severity === "error")).toEqual([]);
      const { port, rec } = await runFlow(flow, { env });
      expect(port("VA")).toBe("ENDED");
      expect(rec.prompts()).toEqual(["Thanks Ole, you are all paid up. Goodbye."]);
    }
    // Unscripted, the message names the connector's bot id and its label.
    const { rec } = await runFlow(buildFlow(billingFlow(older("ivr-virtualassistant"))), { env: envWith("virtualAgents: []\n") });
    expect(rec.of("error")[0]!.message).toContain('virtual agent "dialogflow-billing-7" (Billing (Dialogflow)) is not scripted');
    // "*" answers for it too.
    const any = await runFlow(buildFlow(billingFlow(older("ivr-virtualassistantvoice"))), { env: envWith('virtualAgents:\n  - { id: "*", outcome: ESCALATE }\n'), hangupAfterSeconds: 10 });
    expect(any.port("VA")).toBe("ESCALATE");
  });

  it("reads the virtual agent id from a variable when the export chooses it by variable", async () => {
    const env = envWith(`virtualAgents:
  - { id: spanish-bot, outcome: ENDED, metaData: { balance: 0, customer: { name: Eva } }, stateEventName: paid }
`);
    const spec = billingFlow(va({ configIdRadioGroup: "variableConfigId", variableSelection: "BotId", virtualAgentId: "" }));
    spec.variables = [{ name: "BotId", value: "spanish-bot" }];
    const { port, rec } = await runFlow(buildFlow(spec), { env });
    expect(port("VA")).toBe("ENDED");
    expect(rec.prompts()).toEqual(["Thanks Eva, you are all paid up. Goodbye."]);
  });
});

describe("a virtual agent nobody scripted", () => {
  it("takes the error port with a message naming the virtual agent and how to script it", async () => {
    const env = envWith(`virtualAgents:\n  - { id: other-bot, outcome: ENDED }\n`);
    for (const e of [env, {}]) {
      const { rec, port } = await runFlow(buildFlow(billingFlow()), { env: e });
      expect(port("VA")).toBe("error");
      const message = rec.of("error")[0]!.message;
      expect(message).toContain(`virtual agent "${BOT}" (Billing bot) is not scripted`);
      expect(message).toContain(`add { id: "${BOT}", outcome: ENDED | ESCALATE | error } under virtualAgents in the environment file`);
      expect(rec.prompts()).toEqual(["Sorry, our assistant is unavailable."]);
    }
  });

  it("goes to OnGlobalError when the error port is not wired", async () => {
    const { rec } = await runFlow(buildFlow(billingFlow(va(), { wireError: false })));
    expect(rec.of("error")[0]).toMatchObject({ handling: "global-error" });
    expect(rec.prompts()).toEqual(["Global error handler"]);
  });
});

describe("the environment file's virtualAgents section", () => {
  it("reports a bad entry by where it is and what it holds", () => {
    const bad = (yaml: string) => {
      const r = parseEnvironment(yaml, "env.yaml");
      expect(r.ok).toBe(false);
      return r.ok ? "" : r.error;
    };
    expect(bad("virtualAgents:\n  - { id: bot, outcome: DONE }\n")).toBe("env.yaml: virtualAgents[0].outcome: must be ENDED, ESCALATE or error (the port the activity leaves by)");
    expect(bad("virtualAgents:\n  - { id: bot, outcome: ENDED, metadata: {} }\n")).toContain('env.yaml: virtualAgents[0]: entry "bot": unknown field metadata (a virtual agent script has id, outcome, metaData');
    expect(bad("virtualAgents:\n  - { id: bot, outcome: ENDED }\n  - { id: bot, outcome: error }\n")).toBe('env.yaml: virtualAgents[1].id: virtual agent "bot" is scripted twice (entries 0 and 1); keep one');
    expect(bad("virtualAgents:\n  - { id: bot, outcome: ENDED, errorMessage: x }\n")).toBe('env.yaml: virtualAgents[0].errorMessage: entry "bot": errorMessage only goes with outcome: error (the outcome is ENDED)');
    expect(bad("virtualAgents:\n  - { outcome: ENDED }\n")).toContain("env.yaml: virtualAgents[0].id:");
  });

  it("a scenario's scripts win over the environment's, all of them when the scenario scripts *", () => {
    const env = [
      { id: "a", outcome: "ENDED" as const },
      { id: "b", outcome: "ENDED" as const },
      { id: "*", outcome: "error" as const },
    ];
    const some = virtualAgentDirectory(layerVirtualAgents([{ id: "a", outcome: "ESCALATE" }], env));
    expect([some("a")?.outcome, some("b")?.outcome, some("c")?.outcome]).toEqual(["ESCALATE", "ENDED", "error"]);
    const all = virtualAgentDirectory(layerVirtualAgents([{ id: "*", outcome: "ESCALATE" }], env));
    expect([all("a")?.outcome, all("b")?.outcome]).toEqual(["ESCALATE", "ESCALATE"]);
  });
});

describe("ccflow validate and Virtual Agent", () => {
  const registry = createRegistry();

  it("knows both types and their ports", () => {
    const ds = validateFlow(buildFlow(billingFlow()), registry).concat(validateFlow(buildFlow(billingFlow(va({}, "ivr-virtualassistant"))), registry));
    expect(ds.filter((d) => d.code === "unknown-activity" || d.code === "unknown-port")).toEqual([]);
    const wrong = buildFlow({ main: [va(), { name: "X", type: "end" }], links: [["VA", "default", "X"]] });
    expect(validateFlow(wrong, registry).find((d) => d.code === "unknown-port")?.message).toBe('Activity "VA" (ivr-virtualassistantvoice) has no port "default"; its ports are "ENDED", "ESCALATE", "error"');
  });

  it("reports an activity that names no virtual agent, and checks a templated id's variables", () => {
    const none = validateFlow(buildFlow(billingFlow(va({ virtualAgentId: "" }))), registry);
    expect(none.find((d) => d.code === "missing-property")).toMatchObject({ severity: "error", message: 'Virtual Agent "VA" names no virtual agent', path: expect.stringContaining(".properties.virtualAgentId") });
    const templated = validateFlow(buildFlow(billingFlow(va({ virtualAgentId: "{{ BotName }}" }))), registry);
    expect(templated.find((d) => d.code === "undeclared-variable")?.message).toContain("BotName");
  });
});
