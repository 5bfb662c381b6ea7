/**
 * A flow is compiled once: each activity's `compile` runs when the engine first meets the flow,
 * not per call; each flow owns its own templates, so two flows (or a flow and its replacement)
 * share nothing; an activity must have a compile step (no plain per-call run is left); a
 * property compile cannot use, or a template that does not parse, fails the activity that holds
 * it per call, naming the activity and the property.
 */
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import type { ActivityContext, ActivitySpec } from "../../src/activities/types.js";
import type { CompiledFlow } from "../../src/engine/compiled-flow.js";
import { Engine } from "../../src/engine/engine.js";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import type { FlowDefinition } from "../../src/flow/types.js";
import { VirtualClock } from "../../src/time/clock.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { FakeCenter, FakeHttp, Recorder } from "../helpers/fakes.js";

function counting() {
  const counts = { compile: 0, run: 0 };
  const spec: ActivitySpec = {
    type: "x-counted",
    ports: () => ["out"],
    compile(def) {
      counts.compile++;
      const greeting = String(def.properties.greeting ?? "");
      return {
        run(ctx) {
          counts.run++;
          ctx.output("said", greeting);
          return "out";
        },
      };
    },
  };
  return { spec, counts };
}

function engineWith(extra: ActivitySpec[]) {
  const clock = new VirtualClock();
  const engine = new Engine({ http: new FakeHttp(() => ({ status: 200, body: {} })), center: new FakeCenter(), clock, registry: createRegistry(extra) });
  const call = async (flow: FlowDefinition | CompiledFlow) => {
    const rec = new Recorder();
    const interaction = engine.startCall(flow, { ani: "+14805550100", channel: new ScriptedCaller(clock, ""), listener: rec.listener });
    const ended = await interaction.done;
    return { rec, ended, interaction };
  };
  return { engine, call };
}

describe("compile once", () => {
  it("compiles each activity once per flow however many calls it takes", async () => {
    const { spec, counts } = counting();
    const flow = buildFlow({
      main: [
        { name: "Count", type: "x-counted", props: { greeting: "hello" } },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [["Count", "out", "Bye"]],
    });
    const { call } = engineWith([spec]);
    for (let i = 0; i < 5; i++) expect((await call(flow)).ended.reason).toBe("disconnected");
    expect(counts).toEqual({ compile: 1, run: 5 });
  });

  it("gives each flow its own templates: a replaced flow shares nothing with the old one", async () => {
    const make = (text: string) =>
      buildFlow({ variables: [{ name: "Who", type: "STRING", value: "Ada" }], main: [{ name: "Hi", type: "play-message", props: tts(text) }, { name: "Bye", type: "disconnect-contact" }], links: [["Hi", "default", "Bye"]] });
    const { engine, call } = engineWith([]);
    const before = make("Hello {{ Who }}");
    const after = make("Goodbye {{ Who }}");
    const a = engine.compile(before);
    const b = engine.compile(after);
    expect(a).not.toBe(b);
    expect(engine.compile(before)).toBe(a);
    expect((await call(before)).rec.prompts()).toEqual(["Hello Ada"]);
    expect((await call(b)).rec.prompts()).toEqual(["Goodbye Ada"]);
    expect(a.template("Hello {{ Who }}", before.main.activities.values().next().value!, "x")).not.toBe(b.template("Hello {{ Who }}", after.main.activities.values().next().value!, "x"));
  });

  it("fails the activity with a template that does not parse, per call, naming it and the field", async () => {
    const flow = buildFlow({
      main: [
        { name: "Broken", type: "play-message", props: tts("Hello {{ Who ") },
        { name: "Sorry", type: "play-message", props: tts("Sorry.") },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [["Broken", "default", "Bye"], ["Broken", "error", "Sorry"], ["Sorry", "default", "Bye"]],
    });
    const { call } = engineWith([]);
    for (let i = 0; i < 2; i++) {
      const { rec } = await call(flow);
      expect(rec.of("error")[0]!.message).toMatch(/^Broken: promptsTts\[0\]\.value does not parse: /);
      expect(rec.prompts()).toEqual(["Sorry."]);
    }
  });

  it("reports a property compile cannot use, naming the activity and the property, and fails that activity per call", async () => {
    const flow = buildFlow({
      main: [
        { name: "Check", type: "condition-activity", props: {} },
        { name: "Sorry", type: "play-message", props: tts("Sorry.") },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [["Check", "true", "Bye"], ["Check", "false", "Bye"], ["Check", "error", "Sorry"], ["Sorry", "default", "Bye"]],
    });
    const { engine, call } = engineWith([]);
    const compiled = engine.compile(flow);
    expect(compiled.problems.map((p) => [p.activity, p.property, p.message])).toEqual([["Check", "expression", "Check: no expression to evaluate"]]);
    for (let i = 0; i < 2; i++) {
      const { rec } = await call(compiled);
      expect(rec.of("error").map((e) => e.message)).toEqual(["Check: no expression to evaluate"]);
      expect(rec.prompts()).toEqual(["Sorry."]);
    }
  });

  it("lists a literal that can never work among the problems and still runs the activity's failure path per call", async () => {
    const flow = buildFlow({
      main: [
        { name: "Transfer", type: "blind-transfer", props: { transfertodn: "reception" } },
        { name: "Sorry", type: "play-message", props: tts("Sorry.") },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [["Transfer", "failure", "Sorry"], ["Sorry", "default", "Bye"]],
    });
    const { engine, call } = engineWith([]);
    const compiled = engine.compile(flow);
    expect(compiled.problems.map((p) => [p.activity, p.property, p.port])).toEqual([["Transfer", "transfertodn", "failure"]]);
    const { rec, interaction } = await call(compiled);
    expect(rec.of("error").map((e) => e.message)).toEqual(['Transfer: cannot transfer to "reception"']);
    expect(interaction.variables.get("Transfer.FailureCode")).toBe("INVALID_DESTINATION");
    expect(rec.prompts()).toEqual(["Sorry."]);
  });

  it("refuses to register an activity without compile (a plain per-call run is no longer an activity)", () => {
    const plain = { type: "x-plain", ports: () => ["out"], run: () => "out" } as unknown as ActivitySpec;
    expect(() => createRegistry([plain])).toThrow('activity type "x-plain" has no compile');
  });

});

describe("an activity's context is its own", () => {
  it("a callback an activity leaves behind writes and emits as that activity after the flow has moved on", async () => {
    let kept: ActivityContext | undefined;
    const leaver: ActivitySpec = { type: "x-leaver", ports: () => ["out"], compile: () => ({ run: (ctx) => ((kept = ctx), "out") }) };
    const waiter: ActivitySpec = { type: "x-waiter", ports: () => ["out"], compile: () => ({ run: (ctx) => ctx.clock.sleep(1000, ctx.signal).then(() => "out") }) };
    const flow = buildFlow({
      main: [{ name: "Leaver", type: "x-leaver" }, { name: "Waiter", type: "x-waiter" }, { name: "Bye", type: "disconnect-contact" }],
      links: [["Leaver", "out", "Waiter"], ["Waiter", "out", "Bye"]],
    });
    const clock = new VirtualClock();
    const engine = new Engine({ http: new FakeHttp(() => ({ status: 200, body: {} })), center: new FakeCenter(), clock, registry: createRegistry([leaver, waiter]) });
    const rec = new Recorder();
    const interaction = engine.startCall(flow, { ani: "+14805550100", channel: new ScriptedCaller(clock, ""), listener: rec.listener });
    expect((await interaction.done).reason).toBe("disconnected");
    // The process ran Waiter and Bye after Leaver; Leaver's context still says Leaver.
    expect(rec.of("step").map((s) => s.activity)).toEqual(expect.arrayContaining(["Leaver", "Waiter", "Bye"]));
    expect(kept!.activity.name).toBe("Leaver");
    kept!.output("late", "yes");
    kept!.emit({ type: "activity-result", kind: "wait", text: "late callback", data: {} });
    expect(interaction.variables.get("Leaver.late")).toBe("yes");
    expect(interaction.variables.get("Bye.late")).toBeUndefined();
    expect(rec.of("activity-result")[0]).toMatchObject({ activity: "Leaver", text: "late callback" });
  });
});
