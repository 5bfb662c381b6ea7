/**
 * A flow that loops through expensive templates cannot hold the event loop: each render is bounded
 * by the work budget, and a contact's synchronous run of activities lets the loop turn once its
 * renders have spent WORK_PER_TURN units, then goes on. Without that, a set-variable whose error
 * port leads back to itself, over a template that fails at the budget, held the loop for
 * steps × budget (10,000 steps: well over a minute) and every other call and request waited.
 */
import { describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/engine.js";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import { VirtualClock } from "../../src/time/clock.js";
import { buildFlow } from "../helpers/flow-builder.js";
import { FakeCenter, FakeHttp, Recorder } from "../helpers/fakes.js";

/** A template that fails on the work budget: 240,000 characters rebuilt in a loop. */
const AT_BUDGET = "{% for i in 1..10000 %}{% set x = NewPhoneContact.ANI.repeat(20000).toUpperCase() %}{% endfor %}done";

function start(expr: string, links: Array<[string, string, string]>, maxSteps: number) {
  const flow = buildFlow({
    variables: [{ name: "Out", value: "unset" }],
    main: [
      { name: "Spin", type: "set-variable", props: { srcVariable: "Out", srcVariableType: "STRING", expr } },
      { name: "Bye", type: "disconnect-contact" },
    ],
    links,
  });
  const clock = new VirtualClock();
  const engine = new Engine({ http: new FakeHttp(() => ({ status: 200, body: {} })), center: new FakeCenter(), clock, limits: { maxSteps } });
  const rec = new Recorder();
  const interaction = engine.startCall(flow, { ani: "+11111111111", channel: new ScriptedCaller(clock, ""), listener: rec.listener });
  return { rec, interaction };
}

/** How many steps the contact had made at each turn of the event loop until it ended. */
async function stepsPerTurn(rec: Recorder, done: Promise<unknown>): Promise<number[]> {
  let ended = false;
  void done.then(() => (ended = true));
  const seen: number[] = [];
  while (!ended) {
    await new Promise((turned) => setImmediate(turned));
    seen.push(rec.of("step").length);
  }
  return seen;
}

describe("a flow looping through expensive templates", () => {
  it("fails each render on the budget, takes the error path, and lets the event loop turn between renders", async () => {
    const { rec, interaction } = start(AT_BUDGET, [["Spin", "out", "Bye"], ["Spin", "error", "Spin"]], 30);
    const seen = await stepsPerTurn(rec, interaction.done);
    expect((await interaction.done).reason).toBe("step-limit");
    const errors = rec.events.filter((e) => JSON.stringify(e).includes("Work limit exceeded"));
    expect(errors.length).toBeGreaterThanOrEqual(25);
    // Other work ran while the contact was part-way through its loop, not only before and after it.
    const during = seen.filter((n) => n > 0 && n < 29);
    expect(during.length, `steps seen at each turn: ${seen.join(",")}`).toBeGreaterThan(5);
  });

  it("turns the loop between renders that succeed too, and gets the same results", async () => {
    const { rec, interaction } = start("{{ NewPhoneContact.ANI.repeat(20000).length }}", [["Spin", "out", "Spin"]], 20);
    const seen = await stepsPerTurn(rec, interaction.done);
    expect((await interaction.done).reason).toBe("step-limit");
    expect(rec.of("variable").map((v) => v.value)).toEqual(Array(19).fill("240000"));
    expect(seen.filter((n) => n > 0 && n < 19).length, `steps seen at each turn: ${seen.join(",")}`).toBeGreaterThan(5);
  });

  it("runs cheap templates without a turn in between, as before", async () => {
    const { rec, interaction } = start("{{ NewPhoneContact.ANI }}", [["Spin", "out", "Spin"]], 200);
    const seen = await stepsPerTurn(rec, interaction.done);
    expect((await interaction.done).reason).toBe("step-limit");
    expect(seen.filter((n) => n > 0 && n < 199)).toEqual([]);
  });
});
