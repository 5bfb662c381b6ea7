/**
 * How a contact runs through a flow: error routing, loop limits, the shared variable store,
 * secure variables, subflows and how calls end.
 */
import { describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/engine.js";
import { VirtualClock } from "../../src/time/clock.js";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import type { FlowDefinition } from "../../src/flow/types.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { FakeCenter, FakeHttp, Recorder } from "../helpers/fakes.js";

function run(flow: FlowDefinition, opts: { digits?: string; limits?: { maxSteps?: number }; flows?: FlowDefinition[]; ani?: string } = {}) {
  const clock = new VirtualClock();
  const center = new FakeCenter();
  const engine = new Engine({
    http: new FakeHttp(() => ({ status: 200, body: {} })),
    center,
    clock,
    limits: opts.limits,
    env: { resolveFlow: (ref) => opts.flows?.find((f) => f.name === ref || f.id === ref) },
  });
  const rec = new Recorder();
  const interaction = engine.startCall(flow, { ani: opts.ani ?? "+14805550100", channel: new ScriptedCaller(clock, opts.digits ?? ""), listener: rec.listener });
  return { rec, center, interaction, clock };
}

const globalErrorEnds = {
  GlobalErrorHandling: { nodes: [{ name: "EndErr", type: "end" }], links: [["GlobalErrorHandling", "out", "EndErr"]] as Array<[string, string, string]> },
};

describe("error routing", () => {
  const flowWith = (errorWired: boolean) =>
    buildFlow({
      variables: [{ name: "Count", type: "INTEGER", value: "0" }],
      main: [
        { name: "SetBad", type: "set-variable", props: { srcVariable: "Count", srcVariableType: "INTEGER", expr: "not a number" } },
        { name: "Fallback", type: "play-message", props: tts("Sorry, something went wrong.") },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [["SetBad", "out", "Bye"], ...(errorWired ? [["SetBad", "error", "Fallback"] as [string, string, string]] : []), ["Fallback", "default", "Bye"]],
      events: globalErrorEnds,
    });

  it("takes the error port when it is wired", async () => {
    const { rec, interaction } = run(flowWith(true));
    const ended = await interaction.done;
    expect(rec.of("error")[0]).toMatchObject({ activity: "SetBad", handling: "port" });
    expect(rec.of("error")[0]!.message).toContain('cannot assign to INTEGER variable "Count"');
    expect(rec.prompts()).toEqual(["Sorry, something went wrong."]);
    expect(ended.reason).toBe("disconnected");
  });

  it("runs OnGlobalError when the error port is not wired, and never reaches the next activity", async () => {
    const { rec, interaction } = run(flowWith(false));
    const ended = await interaction.done;
    expect(rec.of("error")[0]).toMatchObject({ activity: "SetBad", handling: "global-error" });
    expect(rec.of("event").map((e) => e.name)).toContain("GlobalErrorHandling");
    expect(rec.of("disconnected")).toHaveLength(0);
    expect(ended.reason).toBe("global-error");
  });

  it("drops the call when there is no OnGlobalError handler", async () => {
    const flow = buildFlow({
      variables: [{ name: "Count", type: "INTEGER", value: "0" }],
      main: [{ name: "SetBad", type: "set-variable", props: { srcVariable: "Count", expr: "x" } }],
      links: [],
    });
    const { interaction } = run(flow);
    expect((await interaction.done).reason).toBe("no-handler");
  });

  it("keeps the caller when OnGlobalError queues them", async () => {
    const flow = buildFlow({
      main: [{ name: "Broken", type: "condition-activity", props: { expression: "{{ 1 < 'a' }}" } }],
      links: [],
      events: {
        GlobalErrorHandling: {
          nodes: [
            { name: "Q", type: "queue-contact", props: { destination: "q-1", queueRadioGroup: "staticQueue" } },
            { name: "Hold", type: "play-music", props: { prompt: "hold.wav", duration: "30" } },
          ],
          links: [["GlobalErrorHandling", "out", "Q"], ["Q", "default", "Hold"], ["Hold", "default", "Hold"]],
        },
      },
    });
    const { rec, center, interaction, clock } = run(flow);
    while (center.queued.length === 0) await new Promise((r) => setImmediate(r));
    await clock.sleep(120_000);
    expect(interaction.state).toBe("queued");
    center.answer();
    interaction.hangup();
    const ended = await interaction.done;
    expect(rec.of("answered")).toHaveLength(1);
    expect(ended.reason).toBe("caller-hangup");
  });
});

describe("loops", () => {
  it("stops a menu that loops on invalid input after 100 runs (Webex self-loop limit)", async () => {
    const flow = buildFlow({
      main: [{ name: "Menu", type: "ivr-menu", props: { ...tts("Press 1"), menuLinks: ["1"], entryTimeout: "1" } }],
      links: [["Menu", "timeout", "Menu"], ["Menu", "invalid", "Menu"]],
      events: globalErrorEnds,
    });
    const { rec, interaction } = run(flow);
    const ended = await interaction.done;
    expect(rec.of("input")).toHaveLength(100);
    expect(rec.of("error")[0]!.message).toContain("more than 100 times");
    expect(ended.reason).toBe("global-error");
  });

  it("a self-loop limit takes the activity's own error-like port when wired: Queue Contact leaves by failure", async () => {
    const flow = buildFlow({
      main: [
        { name: "Queue", type: "queue-contact", props: { queueRadioGroup: "staticQueue", destination: "q1" } },
        { name: "Overflow", type: "play-message", props: tts("Sorry, we are very busy.") },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [["Queue", "default", "Queue"], ["Queue", "failure", "Overflow"], ["Overflow", "default", "Bye"]],
      events: globalErrorEnds,
    });
    const { rec, interaction } = run(flow);
    const ended = await interaction.done;
    expect(rec.of("error")[0]).toMatchObject({ handling: "port", message: expect.stringContaining("more than 100 times") });
    expect(rec.prompts()).toEqual(["Sorry, we are very busy."]);
    expect(ended.reason).toBe("disconnected");
  });

  it("a self-loop limit whose error port leads back into the loop goes to OnGlobalError the second time", async () => {
    const flow = buildFlow({
      main: [{ name: "Menu", type: "ivr-menu", props: { ...tts("Press 1"), menuLinks: ["1"], entryTimeout: "1" } }],
      links: [["Menu", "timeout", "Menu"], ["Menu", "invalid", "Menu"], ["Menu", "error", "Menu"]],
      events: globalErrorEnds,
    });
    const { rec, interaction } = run(flow);
    const ended = await interaction.done;
    expect(rec.of("error").map((e) => e.handling)).toEqual(["port", "global-error"]);
    expect(ended.reason).toBe("global-error");
  });

  it("ends a runaway loop without waits at the step limit instead of hanging", async () => {
    const flow = buildFlow({
      variables: [{ name: "n", type: "INTEGER", value: "0" }],
      main: [{ name: "Inc", type: "set-variable", props: { srcVariable: "n", expr: "{{ n + 1 }}" } }],
      links: [["Inc", "out", "Inc"]],
    });
    const { rec, interaction } = run(flow, { limits: { maxSteps: 500 } });
    const ended = await interaction.done;
    expect(ended.reason).toBe("step-limit");
    expect(rec.of("variable").at(-1)!.value).toBe(499);
  });
});

describe("variables", () => {
  it("shares one store between the main flow and the event flows", async () => {
    const flow = buildFlow({
      variables: [{ name: "CustomerType", value: "New" }],
      main: [
        { name: "Mark", type: "set-variable", props: { srcVariable: "CustomerType", expr: "Existing" } },
        { name: "Q", type: "queue-contact", props: { destination: "q-1" } },
        { name: "Hold", type: "play-music", props: { prompt: "m.wav", duration: "30" } },
      ],
      links: [["Mark", "out", "Q"], ["Q", "default", "Hold"], ["Hold", "default", "Hold"]],
      events: {
        AgentContactAssigned: {
          nodes: [{ name: "Pop", type: "screen-pop", props: { screenPopUrl: "https://crm/x?type={{CustomerType}}&agent={{AgentAnswered.AgentName}}", target: "newBrowserTab" } }],
          links: [["AgentContactAssigned", "out", "Pop"]],
        },
      },
    });
    const { rec, center, interaction } = run(flow);
    while (center.queued.length === 0) await new Promise((r) => setImmediate(r));
    center.answer({ id: "a-7", name: "Ana Agent" });
    interaction.hangup();
    await interaction.done;
    expect(rec.of("screen-pop")[0]!.url).toBe("https://crm/x?type=Existing&agent=Ana Agent");
  });

  it("exposes the start data as NewPhoneContact.* and NewContact.*, case-insensitively", async () => {
    const flow = buildFlow({
      variables: [{ name: "A" }, { name: "B" }],
      main: [
        { name: "SetA", type: "set-variable", props: { srcVariable: "A", expr: "{{NewPhoneContact.ani}}" } },
        { name: "SetB", type: "set-variable", props: { srcVariable: "B", expr: "{{NewContact.ANI | slice(1)}}" } },
      ],
      links: [["SetA", "out", "SetB"]],
    });
    const { rec, interaction } = run(flow, { ani: "+15551234567" });
    await interaction.done;
    expect(rec.of("variable").map((v) => v.value)).toEqual(["+15551234567", "15551234567"]);
  });

  it("never lets an isSecure value into an event", async () => {
    const flow = buildFlow({
      variables: [{ name: "Pin", isSecure: true }],
      main: [
        { name: "Ask", type: "ivr-collectdigits", props: { ...tts("Enter your PIN"), minDigits: 4, maxDigits: 4 } },
        { name: "SetPin", type: "set-variable", props: { srcVariable: "Pin", expr: "{{Ask.DigitsEntered}}" } },
        { name: "Echo", type: "play-message", props: tts("You entered {{Pin}}") },
      ],
      links: [["Ask", "default", "SetPin"], ["SetPin", "out", "Echo"]],
    });
    const { rec, interaction } = run(flow, { digits: "4821" });
    await interaction.done;
    const all = JSON.stringify(rec.events);
    expect(rec.of("variable").find((v) => v.name === "Pin")!.value).toBe("******");
    expect(rec.prompts()).toContain("You entered ******");
    // The digits event precedes the assignment, so only from then on is the value known secret.
    expect(all.split("4821").length - 1).toBeLessThanOrEqual(2);
  });
});

describe("subflows", () => {
  it("runs a subflow with inputs and copies its outputs back", async () => {
    const sub = buildFlow({
      name: "Greeter",
      flowType: "SUBFLOW",
      variables: [
        { name: "who", source: "SUBFLOW_INPUT" },
        { name: "greeting", source: "SUBFLOW_OUTPUT" },
      ],
      main: [
        { name: "Start", type: "NewSubFlowStart" },
        { name: "Make", type: "set-variable", props: { srcVariable: "greeting", expr: "Hello {{who}}" } },
        { name: "Done", type: "end-subflow" },
      ],
      links: [["Start", "out", "Make"], ["Make", "out", "Done"]],
    });
    const flow = buildFlow({
      variables: [{ name: "Name", value: "Yvonne" }, { name: "Text" }],
      main: [
        { name: "CallSub", type: "subflow-handoff", props: { subflowVersion: { id: "Greeter" }, subflowInputVariables: [{ src: "Name", target: "who" }], subflowOutputVariables: [{ target: "greeting", outputVariable: "Text" }] } },
        { name: "Say", type: "play-message", props: tts("{{Text}}!") },
      ],
      links: [["CallSub", "default", "Say"]],
    });
    const { rec, interaction } = run(flow, { flows: [sub] });
    await interaction.done;
    expect(rec.prompts()).toEqual(["Hello Yvonne!"]);
  });
});

describe("ending", () => {
  it("ends with flow-ended when the main flow reaches End Flow before queueing", async () => {
    const flow = buildFlow({ main: [{ name: "Hi", type: "play-message", props: tts("Hi") }, { name: "Stop", type: "end" }], links: [["Hi", "default", "Stop"]] });
    const { interaction } = run(flow);
    expect((await interaction.done).reason).toBe("flow-ended");
  });

  it("stops the hold music when the caller hangs up, and tells the center", async () => {
    const flow = buildFlow({
      main: [{ name: "Q", type: "queue-contact", props: { destination: "q-1" } }, { name: "Hold", type: "play-music", props: { prompt: "m.wav", duration: "30" } }],
      links: [["Q", "default", "Hold"], ["Hold", "default", "Hold"]],
    });
    const { center, interaction, clock } = run(flow);
    while (center.queued.length === 0) await new Promise((r) => setImmediate(r));
    await clock.sleep(95_000);
    interaction.hangup();
    const ended = await interaction.done;
    expect(ended.reason).toBe("caller-hangup");
    expect(center.ended).toEqual([{ interactionId: interaction.interactionId, reason: "caller-hangup" }]);
  });
});

describe("requeue", () => {
  it("names the agent who declined or let the offer ring out, as every other agent message does", async () => {
    const flow = buildFlow({
      main: [{ name: "Q", type: "queue-contact", props: { destination: "q-1" } }, { name: "Hold", type: "play-music", props: { prompt: "m.wav", duration: "30" } }],
      links: [["Q", "default", "Hold"], ["Hold", "default", "Hold"]],
    });
    const { rec, center, interaction } = run(flow);
    while (center.queued.length === 0) await new Promise((r) => setImmediate(r));
    const chloe = { id: "chloe", name: "Chloe Berg" };
    const queue = { id: "q-1", name: "Queue q-1" };
    for (const type of ["rona", "declined"] as const) {
      interaction.notify({ type: "offered", agent: chloe, queue });
      interaction.notify({ type, agent: chloe, queue });
    }
    expect(rec.of("requeued").map((e) => ({ agent: e.agent, agentName: e.agentName, reason: e.reason }))).toEqual([
      { agent: "chloe", agentName: "Chloe Berg", reason: "rona" },
      { agent: "chloe", agentName: "Chloe Berg", reason: "declined" },
    ]);
    interaction.hangup();
    await interaction.done;
  });
});

describe("typed variables", () => {
  it("keeps DECIMAL values Java doubles, so they render as Webex renders them", async () => {
    const flow = buildFlow({
      variables: [{ name: "Price", type: "DECIMAL", value: "3" }, { name: "Text" }],
      main: [
        { name: "Say", type: "play-message", props: tts("Total {{Price}} and {{Price * 2}}") },
        { name: "Set", type: "set-variable", props: { srcVariable: "Price", expr: "4.5" } },
        { name: "Say2", type: "play-message", props: tts("Now {{Price}}") },
      ],
      links: [["Say", "default", "Set"], ["Set", "out", "Say2"]],
    });
    const { rec, interaction } = run(flow);
    await interaction.done;
    expect(rec.prompts()).toEqual(["Total 3.0 and 6.0", "Now 4.5"]);
    expect(rec.of("variable")[0]!.value).toBe(4.5);
  });
});
