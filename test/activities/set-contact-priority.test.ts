/**
 * Set Contact Priority from the caller's side: a caller waiting behind others is raised to P1 and
 * moves to the front of the queue; a variable priority outside 1–9 drops the caller to 10, the
 * lowest; a caller who is not waiting in any queue goes down `failure` with a FailureCode.
 */
import { describe, expect, it } from "vitest";
import { FakeContact } from "../center/helpers.js";
import type { ContactCenter } from "../../src/center/contact-center.js";
import { createRegistry } from "../../src/activities/index.js";
import { validateFlow } from "../../src/flow/validate.js";
import type { Recorder } from "../helpers/fakes.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

/** What the caller was told (text-to-speech prompts; the hold music left out). */
const spoken = (rec: Recorder) => rec.of("prompt").flatMap((p) => (p.text ? [p.text] : []));

const hold = { name: "Hold", type: "play-music", props: { prompt: "m.wav", duration: "30" } };

function raisedFlow(priorityProps: Record<string, unknown>, variables: Array<{ name: string; type?: string; value?: string }> = []) {
  return buildFlow({
    variables,
    main: [
      { name: "Q", type: "queue-contact", props: { destination: "support", toggle: true, priorityRadioGroup: "staticPriority", priority: "5" } },
      { name: "Before", type: "queue-lookup", props: { destination: "support" } },
      { name: "Raise", type: "set-contact-priority", props: priorityProps },
      { name: "After", type: "queue-lookup", props: { destination: "support" } },
      { name: "Say", type: "play-message", props: tts("You were number {{Before.PIQ}}, now number {{After.PIQ}}") },
      hold,
    ],
    links: [
      ["Q", "default", "Before"],
      ["Before", "insufficientdata", "Raise"],
      ["Raise", "default", "After"],
      ["After", "insufficientdata", "Say"],
      ["Say", "default", "Hold"],
      ["Hold", "default", "Hold"],
    ],
  });
}

/** Two callers already waiting at P5 in support, with no agent to take them. */
function twoWaiting(center: ContactCenter): void {
  for (const id of ["early-1", "early-2"]) center.queueContact({ contact: new FakeContact(id), queueId: "support", priority: 5 });
}

describe("Set Contact Priority", () => {
  it("raises a waiting caller to P1, ahead of the callers who came first", async () => {
    const { rec, port } = await runFlow(raisedFlow({ priorityRadioGroup: "staticPriority", priority: 1, "priority:name": "P1 (Priority 1)", priority_name: "P1 (Priority 1)" }), { hangupAfterSeconds: 10, before: twoWaiting });
    expect(port("Raise")).toBe("default");
    expect(spoken(rec)).toEqual(["You were number 3, now number 1"]);
    expect(rec.of("activity-result")[0]).toMatchObject({ kind: "contact-priority", data: { priority: 1, queue: "support", position: 1 } });
  });

  it("takes a variable priority; one outside 1–9 drops the caller to the lowest, behind everyone", async () => {
    const props = { priorityRadioGroup: "variablePriority", priorityVariable: "{{Vip}}" };
    const vip = await runFlow(raisedFlow(props, [{ name: "Vip", type: "INTEGER", value: "2" }]), { hangupAfterSeconds: 10, before: twoWaiting });
    expect(spoken(vip.rec)).toEqual(["You were number 3, now number 1"]);
    const odd = await runFlow(raisedFlow(props, [{ name: "Vip", type: "INTEGER", value: "0" }]), { hangupAfterSeconds: 10, before: (c) => c.queueContact({ contact: new FakeContact("late"), queueId: "support", priority: 9 }) });
    // At P5 the caller was ahead of the P9 caller; at 10 it is behind.
    expect(spoken(odd.rec)).toEqual(["You were number 1, now number 2"]);
    expect(odd.rec.of("activity-result")[0]!.data).toMatchObject({ priority: 10 });
  });

  it("goes down failure, with a FailureCode, for a caller who is not waiting in a queue", async () => {
    const flow = buildFlow({
      main: [
        { name: "Raise", type: "set-contact-priority", props: { priorityRadioGroup: "staticPriority", priority: 1 } },
        { name: "Sorry", type: "play-message", props: tts("{{Raise.status}} {{Raise.FailureCode}}") },
      ],
      links: [["Raise", "failure", "Sorry"]],
    });
    const { rec, port } = await runFlow(flow);
    expect(port("Raise")).toBe("failure");
    expect(rec.prompts()).toEqual(["failure CONTACT_NOT_QUEUED"]);
  });

  it("is validated: a static priority is required, a variable one needs its variable", () => {
    const registry = createRegistry();
    const check = (props: Record<string, unknown>) =>
      validateFlow(buildFlow({ main: [{ name: "Raise", type: "set-contact-priority", props }, hold], links: [["Raise", "default", "Hold"]] }), registry).filter((d) => d.activity?.name === "Raise").map((d) => `${d.severity} ${d.message}`);
    expect(check({ priorityRadioGroup: "staticPriority", priority: 3 })).toEqual([]);
    expect(check({ priorityRadioGroup: "staticPriority" })).toEqual(['error Set Contact Priority "Raise" sets no priority']);
    expect(check({ priorityRadioGroup: "variablePriority" })).toEqual(['error Set Contact Priority "Raise" uses a variable priority but names no variable']);
  });
});
