/**
 * Bridged Transfer from the caller's side: the caller is bridged to another number and, when that
 * call ends, is back in the flow (`default`); a far end that refuses, or does not answer within the
 * activity's timeout, sends the caller down `failure` with a FailureCode. ccflow places no real
 * outbound call: the environment's `activities.bridgedTransfers` says what the far end does.
 */
import { describe, expect, it } from "vitest";
import { activityScriptsSchema } from "../../src/environment/activity-scripts.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

// As Cisco's Bridged_Transfer template wires it: default → "transferred back" → queue; failure → queue.
const flow = buildFlow({
  variables: [{ name: "extTransferDN", value: "+18885550123" }],
  main: [
    { name: "Bridge", type: "bridged-transfer", props: { transfertodn: "{{extTransferDN}}", "transfertodn:radioName": "setToVariable", transfertodn_name: "STRING", timeout: 10 } },
    { name: "Back", type: "play-message", props: tts("You have been transferred back. Failure code {{Bridge.FailureCode}}.") },
    { name: "Failed", type: "play-message", props: tts("We could not reach that number: {{Bridge.FailureCode}}.") },
    { name: "Bye", type: "disconnect-contact" },
  ],
  links: [
    ["Bridge", "default", "Back"],
    ["Bridge", "failure", "Failed"],
    ["Back", "default", "Bye"],
    ["Failed", "default", "Bye"],
  ],
});

const env = (transfers: unknown[]) => ({ scripts: activityScriptsSchema.parse({ bridgedTransfers: transfers }) });

describe("Bridged Transfer", () => {
  it("bridges the caller, and when the far end hangs up the caller is back in the flow", async () => {
    const { rec, port } = await runFlow(flow, { env: env([{ number: "+18885550123", outcome: "answered", ringSeconds: 3, talkSeconds: 45 }]) });
    expect(port("Bridge")).toBe("default");
    expect(rec.of("activity-result").map((e) => e.text)).toEqual([
      "bridged to +18885550123; the far end answered after 3 s",
      "bridged call to +18885550123 ended after 45 s; the caller is back in the flow",
    ]);
    expect(rec.prompts()[0]).toBe("You have been transferred back. Failure code .");
    // The bridged call took its time on the clock: ringing and talking.
    const [answered, back] = rec.of("activity-result");
    expect(back!.at - answered!.at).toBe(45_000);
  });

  it("sends the caller down failure when the far end refuses, or rings past the timeout", async () => {
    const refused = await runFlow(flow, { env: env([{ number: "*", outcome: "failed", ringSeconds: 4 }]) });
    expect(refused.port("Bridge")).toBe("failure");
    expect(refused.rec.prompts()).toEqual(["We could not reach that number: REJECTED."]);

    const slow = await runFlow(flow, { env: env([{ number: "*", outcome: "answered", ringSeconds: 30 }]) });
    expect(slow.port("Bridge")).toBe("failure");
    expect(slow.rec.of("activity-result")[0]!.text).toBe("bridged transfer to +18885550123 failed: no answer within 10 s");
  });

  it("with no far end described, rings out its timeout and fails, saying how to script one", async () => {
    const { rec, port } = await runFlow(flow, { env: env([]) });
    expect(port("Bridge")).toBe("failure");
    expect(rec.prompts()).toEqual(["We could not reach that number: NO_ANSWER."]);
    expect(rec.of("error")[0]!.message).toContain("no answer within 10 s (ccflow places no outbound call; script the far end in activities.bridgedTransfers)");
  });

  it("refuses a destination that is not a number, by failure", async () => {
    const bad = buildFlow({ main: [{ name: "Bridge", type: "bridged-transfer", props: { transfertodn: "sip:evil@example.com", timeout: 5 } }, { name: "Failed", type: "play-message", props: tts("{{Bridge.FailureCode}}") }], links: [["Bridge", "failure", "Failed"]] });
    const { rec, port } = await runFlow(bad, { env: env([]) });
    expect(port("Bridge")).toBe("failure");
    expect(rec.prompts()).toEqual(["INVALID_DESTINATION"]);
  });
});
