/**
 * Set Caller ID: the number a dialled party sees. ccflow dials no one, so what the activity chose
 * is recorded in the contact's events: an E.164 number is presented; anything else keeps the
 * default caller id, without an error, as Webex does.
 */
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import { validateFlow } from "../../src/flow/validate.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

const flow = (callerId: string | undefined, value = "+14085550199") =>
  buildFlow({
    variables: [{ name: "Presented", value }],
    main: [
      { name: "SetCli", type: "SetCallerID", props: callerId === undefined ? {} : { callerId, "callerId:radioName": "setToVariable", callerId_radioName: "setToVariable" } },
      { name: "Next", type: "play-message", props: tts("go on") },
    ],
    links: [["SetCli", "default", "Next"]],
  });

describe("Set Caller ID", () => {
  it("presents an E.164 number from a variable and goes on", async () => {
    const { rec, port } = await runFlow(flow("{{Presented}}"));
    expect(port("SetCli")).toBe("default");
    expect(rec.of("activity-result")[0]).toMatchObject({ kind: "caller-id", text: "caller id presented: +14085550199", data: { callerId: "+14085550199", applied: true } });
    expect(rec.prompts()).toEqual(["go on"]);
  });

  it("keeps the default caller id, without an error, for a number that is not E.164 or none at all", async () => {
    const local = await runFlow(flow("{{Presented}}", "4085550199"));
    expect(local.port("SetCli")).toBe("default");
    expect(local.rec.of("activity-result")[0]!.text).toBe('default caller id kept ("4085550199" is not E.164)');
    expect(local.rec.of("error")).toEqual([]);
    const bare = await runFlow(flow(undefined));
    expect(bare.rec.of("activity-result")[0]!.text).toBe("default caller id kept (no caller id given)");
  });

  it("warns in validate about a literal that is not E.164", () => {
    const diags = validateFlow(flow("555-0199"), createRegistry()).filter((d) => d.activity?.name === "SetCli");
    expect(diags.map((d) => `${d.severity} ${d.message}`)).toEqual(['warning Set Caller ID "SetCli": "555-0199" is not an E.164 number; the default caller id is shown instead']);
  });
});

describe("Set Caller ID in the PreDial event flow", () => {
  it("runs when the agent's leg is dialled, before AgentOffered, with PreDial's operation and participant", async () => {
    const queued = buildFlow({
      variables: [{ name: "MainNumber", value: "+18005550100" }],
      main: [
        { name: "Q", type: "queue-contact", props: { destination: "support" } },
        { name: "Hold", type: "play-music", props: { prompt: "m.wav", duration: "30" } },
      ],
      links: [["Q", "default", "Hold"], ["Hold", "default", "Hold"]],
      events: {
        ContactPredial: { nodes: [{ name: "Cli", type: "SetCallerID", props: { callerId: "{{MainNumber}}" } }, { name: "Done", type: "end" }], links: [["ContactPredial", "out", "Cli"], ["Cli", "default", "Done"]] },
        AgentOfferContact: { nodes: [{ name: "Note", type: "play-message", props: tts("{{PreDial.OperationType}} {{PreDial.ParticipantType}}") }, { name: "End2", type: "end" }], links: [["AgentOfferContact", "out", "Note"], ["Note", "default", "End2"]] },
      },
    });
    const { rec } = await runFlow(queued, { hangupAfterSeconds: 20, center: { agents: [{ id: "ana", name: "Ana", queues: ["*"], available: true }] } });
    expect(rec.of("event").map((e) => e.name).slice(0, 2)).toEqual(["ContactPredial", "AgentOfferContact"]);
    expect(rec.of("activity-result")[0]).toMatchObject({ kind: "caller-id", text: "caller id presented: +18005550100" });
    expect(rec.prompts()).toContain("INBOUND Agent");
  });
});
