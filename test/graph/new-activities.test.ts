/**
 * `ccflow graph` draws the activities added from Cisco's templates as Flow Designer does: their
 * names, their detail line, Percentage Allocation's branches with share and description, and
 * Record's failure ports under error handling.
 */
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import { describeActivity } from "../../src/graph/describe.js";
import { renderFlowSvg } from "../../src/graph/svg.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";

const share = (percent: number, desc: string) => JSON.stringify({ percent, desc });

const flow = buildFlow({
  main: [
    { name: "Split", type: "percent-allocation", group: "enum-gateway", props: { allocations: ["0", "1"], allocations_input: [share(90, "MainQueue"), share(10, "Off Site")] } },
    { name: "Bridge", type: "bridged-transfer", props: { transfertodn: "+18885550123", timeout: 10 } },
    { name: "Survey", type: "Feedback-V2", props: { surveyMethod: "inline:abc:org", surveyMethod_name: "Briana's Survey", surveyMethod_radioName: "voiceBasedSurvey_xm_v2" } },
    { name: "Rec", type: "record", props: { terminationSymbol: "#" } },
    { name: "Ctl", type: "RecordingControl", props: { enableRecording: "{{record}}" } },
    { name: "Rules", type: "bre-request", props: { httpQueryParameters: { ani: "{{NewPhoneContact.ANI}}" } } },
    { name: "Say", type: "play-message", props: tts("Hi") },
  ],
  links: [
    ["Split", "0", "Bridge"],
    ["Split", "1", "Survey"],
    ["Bridge", "default", "Rec"],
    ["Bridge", "failure", "Say"],
    ["Survey", "default", "Rec"],
    ["Rec", "default", "Ctl"],
    ["Rec", "noInputTimeout", "Say"],
    ["Ctl", "default", "Rules"],
    ["Rules", "default", "Say"],
  ],
});

const view = (name: string) => describeActivity([...flow.main.activities.values()].find((a) => a.name === name)!, flow, createRegistry());

describe("graph of the activities from Cisco's templates", () => {
  it("labels each as the designer does, with its detail and ports", () => {
    expect(view("Split")).toMatchObject({ typeLabel: "Percentage Allocation", category: "gateway", ports: [{ port: "0", label: "90 %  MainQueue", place: "row" }, { port: "1", label: "10 %  Off Site", place: "row" }, { port: "error", place: "error" }] });
    expect(view("Bridge")).toMatchObject({ typeLabel: "Bridged Transfer", detail: "To +18885550123", category: "queue" });
    expect(view("Bridge").ports.map((p) => [p.port, p.place])).toEqual([["default", "header"], ["failure", "error"]]);
    expect(view("Survey")).toMatchObject({ typeLabel: "Feedback", detail: "Briana's Survey" });
    expect(view("Rec").ports.map((p) => [p.port, p.label, p.place])).toEqual([["default", "default", "header"], ["noInputTimeout", "No-Input Timeout", "error"], ["undefinedErrors", "Undefined Error", "error"]]);
    expect(view("Ctl")).toMatchObject({ typeLabel: "Recording Control", detail: "Recording = {{record}}" });
    expect(view("Rules")).toMatchObject({ typeLabel: "BRE Request" });
  });

  it("draws them in the SVG", () => {
    const svg = renderFlowSvg(flow);
    for (const label of ["Percentage Allocation", "Bridged Transfer", "Feedback", "Record", "Recording Control", "BRE Request", "90 %  MainQueue"]) expect(svg).toContain(label);
  });
});
