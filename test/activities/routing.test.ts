/**
 * The routing activities against the real contact center: queueing with priorities, queue info,
 * queueing to a named agent, callbacks and transfers.
 */
import { describe, expect, it } from "vitest";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

const hold = { name: "Hold", type: "play-music", props: { prompt: "m.wav", duration: "30" } };

function queueFlow(queueProps: Record<string, unknown>, variables: Array<{ name: string; type?: string; value?: string }> = []) {
  return buildFlow({
    variables,
    main: [{ name: "Q", type: "queue-contact", props: { queueRadioGroup: "staticQueue", destination: "support", ...queueProps } }, hold],
    links: [["Q", "default", "Hold"], ["Hold", "default", "Hold"]],
  });
}

describe("Queue Contact priorities", () => {
  it.each([
    ["no priority set (toggle off)", { toggle: false }, [], 10],
    ["static P3", { toggle: true, priorityRadioGroup: "staticPriority", priority: "3" }, [], 3],
    ["variable 1", { toggle: true, priorityRadioGroup: "variablePriority", priorityVariable: "{{P}}" }, [{ name: "P", type: "INTEGER", value: "1" }], 1],
    ["variable 9", { toggle: true, priorityRadioGroup: "variablePriority", priorityVariable: "{{P}}" }, [{ name: "P", type: "INTEGER", value: "9" }], 9],
    ["variable 0 (out of range)", { toggle: true, priorityRadioGroup: "variablePriority", priorityVariable: "{{P}}" }, [{ name: "P", type: "INTEGER", value: "0" }], 10],
    ["variable 12 (out of range)", { toggle: true, priorityRadioGroup: "variablePriority", priorityVariable: "{{P}}" }, [{ name: "P", type: "INTEGER", value: "12" }], 10],
    ["variable text", { toggle: true, priorityRadioGroup: "variablePriority", priorityVariable: "{{P}}" }, [{ name: "P", value: "urgent" }], 10],
  ])("%s → P%i", async (_label, props, variables, priority) => {
    const { rec } = await runFlow(queueFlow(props, variables), { hangupAfterSeconds: 60 });
    expect(rec.of("queued")[0]).toMatchObject({ queue: "support", priority });
  });

  it("puts a variable-queue contact in the queue its variable names, or the fallback when empty", async () => {
    const flow = (value: string) => queueFlow({ queueRadioGroup: "variableQueue", destinationVariable: "{{Target}}", fallbackQueue: "overflow" }, [{ name: "Target", value }]);
    expect((await runFlow(flow("sales"), { hangupAfterSeconds: 5 })).rec.of("queued")[0]!.queue).toBe("sales");
    expect((await runFlow(flow(""), { hangupAfterSeconds: 5 })).rec.of("queued")[0]!.queue).toBe("overflow");
  });

  it("leaves by failure with FailureCode when the center refuses the queue", async () => {
    const flow = buildFlow({
      variables: [{ name: "Why" }],
      main: [{ name: "Q", type: "queue-contact", props: { destination: "nowhere" } }, { name: "Note", type: "set-variable", props: { srcVariable: "Why", expr: "{{Q.FailureCode}}" } }],
      links: [["Q", "failure", "Note"]],
    });
    const { rec, port } = await runFlow(flow, { center: { center: { autoCreateQueues: false } } });
    expect(port("Q")).toBe("failure");
    expect(rec.of("variable")[0]!.value).toBe("QUEUE_NOT_FOUND");
  });
});

describe("Get Queue Info (queue-lookup)", () => {
  const lookup = buildFlow({
    variables: [{ name: "Pos", type: "INTEGER", value: "0" }],
    main: [
      { name: "Q", type: "queue-contact", props: { destination: "support" } },
      { name: "Info", type: "queue-lookup", props: { destination: "support" } },
      { name: "Keep", type: "set-variable", props: { srcVariable: "Pos", expr: "{{Info.PIQ}}" } },
      { name: "Say", type: "play-message", props: tts("You are number {{Info.PIQ}}, about {{Info.EWT / 1000}} seconds") },
      hold,
    ],
    links: [["Q", "default", "Info"], ["Info", "insufficientdata", "Keep"], ["Info", "default", "Say"], ["Keep", "out", "Hold"], ["Say", "default", "Hold"], ["Hold", "default", "Hold"]],
  });

  it("gives the caller's position and leaves by insufficientdata when the queue has no history", async () => {
    const { rec, port } = await runFlow(lookup, {
      hangupAfterSeconds: 10,
      before: (center) => {
        center.ensureQueue("support");
      },
    });
    expect(port("Info")).toBe("insufficientdata");
    expect(rec.of("variable")[0]).toMatchObject({ name: "Pos", value: 1 });
  });

  it("fails for a queue that does not exist when queues are not auto-created", async () => {
    const flow = buildFlow({ main: [{ name: "Info", type: "queue-lookup", props: { destination: "ghost" } }, { name: "Sorry", type: "play-message", props: tts("sorry") }], links: [["Info", "failure", "Sorry"]] });
    const { port } = await runFlow(flow, { center: { center: { autoCreateQueues: false } } });
    expect(port("Info")).toBe("failure");
  });
});

describe("Queue To Agent", () => {
  const toAgent = buildFlow({
    variables: [{ name: "Email", value: "ana@example.com" }, { name: "Code" }],
    main: [
      { name: "ToAgent", type: "queue-to-agent", props: { destinationVariable: "{{Email}}", destinationLookupType: "agentEmail", reportingQueue: "support" } },
      { name: "Note", type: "set-variable", props: { srcVariable: "Code", expr: "{{ToAgent.FailureCode}}" } },
      hold,
    ],
    links: [["ToAgent", "default", "Note"], ["Note", "out", "Hold"], ["Hold", "default", "Hold"]],
  });

  it("offers the contact to the named agent, who answers", async () => {
    const { rec } = await runFlow(toAgent, {
      hangupAfterSeconds: 30,
      center: { queues: [{ id: "support", name: "Support" }], agents: [{ id: "ana", name: "Ana", email: "ana@example.com", queues: ["support"], available: true }] },
      before: (center) => {
        center.subscribeAgent("ana", (e) => {
          if (e.type === "offer") queueMicrotask(() => center.accept("ana"));
        });
      },
    });
    expect(rec.of("offered")[0]).toMatchObject({ agent: "ana" });
    expect(rec.of("answered")[0]).toMatchObject({ agent: "ana" });
  });

  it("sets FailureCode and still leaves by default when nobody has that email", async () => {
    const { rec, port } = await runFlow(toAgent, { hangupAfterSeconds: 5 });
    expect(port("ToAgent")).toBe("default");
    expect(String(rec.of("variable")[0]!.value)).not.toBe("");
  });
});

describe("Callback and Blind Transfer", () => {
  it("registers a callback to the caller's number and the flow then disconnects; the contact waits for the callback", async () => {
    const flow = buildFlow({
      main: [
        { name: "CB", type: "callback", props: { callbackDn: "{{NewPhoneContact.ANI}}", callbackQueue: "support" } },
        { name: "Bye", type: "disconnect-contact" },
      ],
      links: [["CB", "default", "Bye"]],
    });
    let callbacks: unknown[] = [];
    const { rec, ended, center } = await runFlow(flow, {
      ani: "+14805550177",
      hangupAfterSeconds: 60,
      before: (c) => void setTimeout(() => (callbacks = c.listCallbacks()), 0),
    });
    expect(rec.of("callback")[0]).toMatchObject({ number: "+14805550177", queue: "support" });
    expect(callbacks[0]).toMatchObject({ number: "+14805550177", state: "waiting" });
    expect(rec.of("disconnected")[0]).toMatchObject({ by: "flow" });
    // Nobody took it within the minute: given up, the callback is withdrawn from its queue.
    expect(ended.reason).toBe("callback-cancelled");
    expect(center.queueStats("support")).toMatchObject({ queuedNow: 0 });
  });

  it("transfers to a number and ends the contact's IVR; an unusable number takes failure", async () => {
    const flow = (dn: string) =>
      buildFlow({ main: [{ name: "Xfer", type: "blind-transfer", props: { transfertodn: dn } }, { name: "Sorry", type: "play-message", props: tts("Cannot transfer") }], links: [["Xfer", "failure", "Sorry"]] });
    const ok = await runFlow(flow("+18005550199"));
    expect(ok.rec.of("transferred")[0]).toMatchObject({ destination: "+18005550199" });
    expect(ok.ended.reason).toBe("transferred");
    const bad = await runFlow(flow("not a number"));
    expect(bad.port("Xfer")).toBe("failure");
    expect(bad.rec.prompts()).toEqual(["Cannot transfer"]);
  });
});
