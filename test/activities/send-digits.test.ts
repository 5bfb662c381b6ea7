/**
 * Send Digits: DTMF sent on the call (to a far-end IVR after a bridged transfer, a PIN, an
 * extension). ccflow has no far end, so the digits are recorded in the contact's events; each
 * comma pauses a second on the call's clock. A secure variable's digits stay masked.
 */
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import { validateFlow } from "../../src/flow/validate.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

const flow = (digits: string, variable: { name: string; value: string; isSecure?: boolean } = { name: "Pin", value: "4321" }) =>
  buildFlow({
    variables: [variable],
    main: [
      { name: "Start", type: "play-message", props: tts("connecting") },
      { name: "Keys", type: "send-digits", props: { transferoutdigits: digits, "transferoutdigits:radioName": "setToValue", transferoutdigits_radioName: "setToValue" } },
      { name: "Next", type: "play-message", props: tts("done") },
    ],
    links: [["Start", "default", "Keys"], ["Keys", "default", "Next"]],
  });

describe("Send Digits", () => {
  it("sends the digits, pausing a second per comma, and goes on", async () => {
    const { rec, port } = await runFlow(flow("1,,2#"));
    expect(port("Keys")).toBe("default");
    const sent = rec.of("activity-result")[0]!;
    expect(sent).toMatchObject({ kind: "send-digits", text: "sent DTMF 1,,2#", data: { digits: "1,,2#", pauseSeconds: 2 } });
    expect(sent.at - rec.of("step").find((s) => s.activity === "Start")!.at).toBe(2_000);
    expect(rec.prompts()).toEqual(["connecting", "done"]);
  });

  it("masks a PIN that comes from a secure variable", async () => {
    const { rec } = await runFlow(flow("{{Pin}}#", { name: "Pin", value: "4321", isSecure: true }));
    expect(JSON.stringify(rec.of("activity-result"))).not.toContain("4321");
  });

  it("fails into OnGlobalError when a variable renders to something that is not DTMF", async () => {
    const { rec } = await runFlow(flow("{{Pin}}", { name: "Pin", value: "12x" }));
    expect(rec.of("error")[0]).toMatchObject({ activity: "Keys", handling: "global-error" });
    expect(rec.prompts()).toEqual(["connecting"]);
  });

  it("is validated: a literal must be up to 32 of 0-9, A-D, *, # and commas", () => {
    const check = (digits: string) =>
      validateFlow(flow(digits), createRegistry())
        .filter((d) => d.activity?.name === "Keys")
        .map((d) => d.severity);
    expect(check("*9,1234#")).toEqual([]);
    expect(check("12x")).toEqual(["error"]);
    expect(check(",,")).toEqual(["error"]);
    expect(check("1".repeat(33))).toEqual(["error"]);
  });
});
