/**
 * `ccflow graph` draws the contact-handling activities found in the FlowIR reference — Set
 * Contact Priority, Advanced Queue Information, Wait, Set Caller ID, Send Digits and Schedule
 * Callback — with the designer's names, a detail line each, and their failure ports under error
 * handling.
 */
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import { describeActivity } from "../../src/graph/describe.js";
import { renderFlowSvg } from "../../src/graph/svg.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";

const flow = buildFlow({
  main: [
    { name: "Raise", type: "set-contact-priority", props: { priorityRadioGroup: "staticPriority", priority: 1 } },
    { name: "Info", type: "advanced-queue-info", props: { destination: "q-1", "destination:name": "Support" } },
    { name: "Pause", type: "wait-activity", props: { duration: "00:00:10" } },
    { name: "Cli", type: "SetCallerID", props: { callerId: "+14085550199" } },
    { name: "Keys", type: "send-digits", props: { transferoutdigits: "1,2#" } },
    { name: "Book", type: "scheduled-callback", props: { callbackQueue: "q-1", scheduleDate: "{{d}}", scheduleStartTime: "{{s}}", scheduleEndTime: "{{e}}", scheduleTimezone: "UTC" } },
    { name: "Say", type: "play-message", props: tts("Hi") },
  ],
  links: [
    ["Raise", "default", "Info"],
    ["Raise", "failure", "Say"],
    ["Info", "default", "Pause"],
    ["Pause", "default", "Cli"],
    ["Cli", "default", "Keys"],
    ["Keys", "default", "Book"],
    ["Book", "default", "Say"],
    ["Book", "undefinedErrors", "Say"],
  ],
});

const view = (name: string) => describeActivity([...flow.main.activities.values()].find((a) => a.name === name)!, flow, createRegistry());
const ports = (name: string) => view(name).ports.map((p) => `${p.port}:${p.place}`);

describe("graph of the contact-handling activities", () => {
  it("labels each as the designer does, with its detail and ports", () => {
    expect(view("Raise")).toMatchObject({ typeLabel: "Set Contact Priority", detail: "Priority = P1", category: "queue" });
    expect(ports("Raise")).toEqual(["default:header", "failure:error"]);
    expect(view("Info")).toMatchObject({ typeLabel: "Advanced Queue Information", detail: "Queue Support" });
    expect(ports("Info")).toEqual(["default:header", "failure:error"]);
    expect(view("Pause")).toMatchObject({ typeLabel: "Wait", detail: "Wait 00:00:10" });
    expect(view("Cli")).toMatchObject({ typeLabel: "Set Caller ID", detail: "Caller ID = +14085550199" });
    expect(view("Keys")).toMatchObject({ typeLabel: "Send Digits", detail: "Digits = 1,2#" });
    expect(view("Book")).toMatchObject({ typeLabel: "Schedule Callback", detail: "Call back {{NewPhoneContact.ANI}} on {{d}}" });
    expect(ports("Book")).toEqual(["default:header", "undefinedErrors:error"]);
  });

  it("draws them in the SVG", () => {
    const svg = renderFlowSvg(flow);
    for (const label of ["Set Contact Priority", "Advanced Queue Information", "Wait", "Set Caller ID", "Send Digits", "Schedule Callback"]) expect(svg).toContain(label);
  });
});
