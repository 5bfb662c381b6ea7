/**
 * Wait from the caller's side: the flow holds the caller for the activity's HH:MM:SS duration,
 * then goes on; a caller who hangs up meanwhile ends the wait. `validate` refuses a duration that
 * is not HH:MM:SS and warns outside the designer's 5 s – 72 h.
 */
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import { parseDuration } from "../../src/activities/wait.js";
import { validateFlow } from "../../src/flow/validate.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

const flow = (duration: string) =>
  buildFlow({
    main: [
      { name: "Hello", type: "play-message", props: tts("One moment") },
      { name: "Pause", type: "wait-activity", props: { duration } },
      { name: "Next", type: "play-message", props: tts("Thanks for waiting") },
    ],
    links: [["Hello", "default", "Pause"], ["Pause", "default", "Next"]],
  });

describe("Wait", () => {
  it("holds the caller for the duration, then goes on", async () => {
    const { rec, port } = await runFlow(flow("00:01:30"));
    expect(port("Pause")).toBe("default");
    expect(rec.prompts()).toEqual(["One moment", "Thanks for waiting"]);
    const waited = rec.of("activity-result")[0]!;
    expect(rec.of("prompt")[1]!.at - waited.at).toBe(90_000);
    expect(rec.of("activity-result")[0]).toMatchObject({ kind: "wait", text: "waiting 00:01:30" });
  });

  it("ends when the caller hangs up during the wait", async () => {
    const { rec } = await runFlow(flow("01:00:00"), { hangupAfterSeconds: 20, start: 0 });
    expect(rec.prompts()).toEqual(["One moment"]);
    expect(rec.of("ended")[0]!.at).toBe(20_000);
  });

  it("reads HH:MM:SS, hours past 24 included", () => {
    expect(parseDuration("00:00:05")).toBe(5);
    expect(parseDuration("72:00:00")).toBe(259_200);
    expect(parseDuration("5")).toBeUndefined();
    expect(parseDuration("00:61:00")).toBeUndefined();
  });

  it("is validated: an unreadable duration is an error, one outside 5 s – 72 h a warning", () => {
    const check = (duration: string) =>
      validateFlow(flow(duration), createRegistry())
        .filter((d) => d.activity?.name === "Pause")
        .map((d) => `${d.severity} ${d.message}`);
    expect(check("00:00:30")).toEqual([]);
    expect(check("30s")).toEqual(['error Wait "Pause": duration "30s" is not HH:MM:SS']);
    expect(check("00:00:01")).toEqual(['warning Wait "Pause": duration 00:00:01 is outside the designer\'s 00:00:05–72:00:00']);
  });
});
