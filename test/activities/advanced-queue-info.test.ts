/**
 * Advanced Queue Information from the caller's side: a caller waiting in a queue is told their
 * position and how many agents are logged on and free; a queue that does not exist sends the
 * caller down `failure` with a FailureCode.
 */
import { describe, expect, it } from "vitest";
import { FakeContact } from "../center/helpers.js";
import { createRegistry } from "../../src/activities/index.js";
import { validateFlow } from "../../src/flow/validate.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

const hold = { name: "Hold", type: "play-music", props: { prompt: "m.wav", duration: "30" } };
const info = (props: Record<string, unknown>) => ({ name: "Info", type: "advanced-queue-info", props: { channelType: "TELEPHONY", skills: { skillRequirements: [], relaxation: null }, ...props } });

const flow = buildFlow({
  variables: [{ name: "Target", value: "support" }],
  main: [
    { name: "Q", type: "queue-contact", props: { destination: "support" } },
    info({ queueRadioGroup: "variableQueue", destinationVariable: "{{Target}}" }),
    { name: "Say", type: "play-message", props: tts("Number {{Info.PIQ}}; {{Info.LoggedOnAgentsAll}} agents on, {{Info.AvailableAgentsCurrent}} free; group {{Info.CurrentGroup}} of {{Info.TotalGroups}}; {{Info.status}}") },
    hold,
  ],
  links: [["Q", "default", "Info"], ["Info", "default", "Say"], ["Say", "default", "Hold"], ["Hold", "default", "Hold"]],
});

describe("Advanced Queue Information", () => {
  it("tells a waiting caller their position and the agents logged on and free", async () => {
    const { rec, port } = await runFlow(flow, {
      hangupAfterSeconds: 10,
      center: { queues: [{ id: "support", name: "Support" }], agents: [{ id: "ana", name: "Ana", queues: ["support"] }, { id: "bo", name: "Bo", queues: ["support"] }] },
      before: (center) => {
        // Ana is logged on but not ready; Bo is logged out. One caller is already waiting.
        center.login("ana");
        center.queueContact({ contact: new FakeContact("first"), queueId: "support", priority: 10 });
      },
    });
    expect(port("Info")).toBe("default");
    expect(rec.of("prompt").find((p) => p.text)?.text).toBe("Number 2; 1 agents on, 0 free; group 1 of 1; success");
  });

  it("goes down failure, with a FailureCode, for a queue that does not exist", async () => {
    const lookup = buildFlow({ main: [info({ queueRadioGroup: "staticQueue", destination: "ghost" }), { name: "Sorry", type: "play-message", props: tts("{{Info.FailureCode}}") }], links: [["Info", "failure", "Sorry"]] });
    const { rec, port } = await runFlow(lookup, { center: { center: { autoCreateQueues: false } } });
    expect(port("Info")).toBe("failure");
    expect(rec.prompts()).toEqual(["QUEUE_NOT_FOUND"]);
  });

  it("leaves by out where a FlowIR-built flow wired out instead of default", async () => {
    const lookup = buildFlow({ main: [info({ destination: "support" }), hold], links: [["Info", "out", "Hold"], ["Hold", "default", "Hold"]] });
    const { port } = await runFlow(lookup, { hangupAfterSeconds: 5 });
    expect(port("Info")).toBe("out");
  });

  it("is validated: a queue is required", () => {
    const diags = validateFlow(buildFlow({ main: [info({}), hold], links: [["Info", "default", "Hold"]] }), createRegistry()).filter((d) => d.activity?.name === "Info");
    expect(diags.map((d) => d.message)).toEqual(['Advanced Queue Information "Info" names no queue']);
  });
});
