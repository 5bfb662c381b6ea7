/**
 * Record and Recording Control from the caller's side. Record: after the tone the caller speaks and
 * presses the termination symbol (or runs out of time) and the flow gets a FileInfo to upload; a
 * caller who says nothing goes down `noInputTimeout`. ccflow carries no audio, so speech is the
 * caller's keys and no file is stored — the events say so. Recording Control pauses or resumes the
 * call's recording per a flow variable, `failure` when it is not a boolean.
 */
import { describe, expect, it } from "vitest";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

// As Cisco's Recording template exports Record_zfp (strings for numbers, the symbol's twins).
const recordFlow = buildFlow({
  variables: [{ name: "Upload", value: "" }],
  main: [
    { name: "Ask", type: "play-message", props: tts("Please leave your message after the tone, then press pound.") },
    {
      name: "Record_zfp",
      type: "record",
      props: { maxRecordingTime: "120", silenceTimeout: "5", playStartTone: true, terminationSymbol: "#", "terminationSymbol:name": "#", terminationSymbol_type: null, testObject: "{{ testRecordingInfo }}" },
    },
    { name: "Keep", type: "set-variable", props: { srcVariable: "Upload", setTo: "set-to-literal", literal: "{{Record_zfp.audioFileData.name}} {{Record_zfp.audioFileData.contentType}}" } },
    { name: "Thanks", type: "play-message", props: tts("Thank you, we got your message.") },
    { name: "NothingHeard", type: "play-message", props: tts("We did not hear anything.") },
    { name: "Bye", type: "disconnect-contact" },
  ],
  links: [
    ["Ask", "default", "Record_zfp"],
    ["Record_zfp", "default", "Keep"],
    ["Keep", "out", "Thanks"],
    ["Record_zfp", "noInputTimeout", "NothingHeard"],
    ["Thanks", "default", "Bye"],
    ["NothingHeard", "default", "Bye"],
  ],
});

describe("Record", () => {
  it("records until the caller presses the termination symbol and hands the flow a FileInfo", async () => {
    const { rec, port, interaction } = await runFlow(recordFlow, { digits: [{ digits: "#", afterSeconds: 4 }] });
    expect(port("Record_zfp")).toBe("default");
    expect(rec.prompts()).toEqual(["Please leave your message after the tone, then press pound.", "Thank you, we got your message."]);
    const name = `${interaction.interactionId}-Record_zfp.wav`;
    expect(rec.of("variable").find((v) => v.name === "Upload")!.value).toBe(`${name} audio/wav`);
    expect(rec.of("activity-result")).toEqual([
      expect.objectContaining({
        kind: "recording",
        text: `recorded 4 s (ended with #) as ${name} (no audio stored: ccflow carries no media)`,
        data: { recorded: true, seconds: 4, endedBy: "symbol", startTone: true, file: { type: "FileInfo", name, contentType: "audio/wav", metaData: { codec: "PCMU", bitrate: "8000" } } },
      }),
    ]);
  });

  it("sends a caller who says nothing down noInputTimeout after the silence timeout", async () => {
    const { rec, port } = await runFlow(recordFlow, { digits: [{ digits: null }] });
    expect(port("Record_zfp")).toBe("noInputTimeout");
    expect(rec.prompts().at(-1)).toBe("We did not hear anything.");
    expect(rec.of("activity-result")[0]!.text).toBe("recording: the caller said nothing for 5 s");
  });
});

describe("Recording Control", () => {
  const control = (record: string) =>
    buildFlow({
      variables: [{ name: "record", type: "BOOLEAN", value: "false" }, { name: "mode", value: record }],
      main: [
        { name: "Choose", type: "set-variable", props: { srcVariable: "record", setTo: "set-to-literal", literal: record } },
        { name: "RecordingControl_upx", type: "RecordingControl", props: { enableRecording: "{{record}}" } },
        { name: "Go", type: "play-message", props: tts("Your call continues.") },
        { name: "Failed", type: "play-message", props: tts("Recording control failed.") },
      ],
      links: [
        ["Choose", "out", "RecordingControl_upx"],
        ["RecordingControl_upx", "default", "Go"],
        ["RecordingControl_upx", "failure", "Failed"],
      ],
    });

  it("pauses and resumes the call's recording as the flow's variable says", async () => {
    const off = await runFlow(control("False"));
    expect(off.port("RecordingControl_upx")).toBe("default");
    expect(off.rec.of("activity-result")[0]).toMatchObject({ kind: "recording-control", data: { enabled: false }, text: "call recording paused (no audio is recorded: ccflow carries no media)" });
    const on = await runFlow(control("True"));
    expect(on.rec.of("activity-result")[0]).toMatchObject({ data: { enabled: true } });
  });

  it("leaves by failure when the value is not true or false", async () => {
    const flow = buildFlow({
      variables: [{ name: "mode", value: "sometimes" }],
      main: [{ name: "Ctl", type: "RecordingControl", props: { enableRecording: "{{mode}}" } }, { name: "Failed", type: "play-message", props: tts("Recording control failed.") }],
      links: [["Ctl", "failure", "Failed"]],
    });
    const { rec, port } = await runFlow(flow);
    expect(port("Ctl")).toBe("failure");
    expect(rec.of("error")[0]!.message).toBe('Ctl: enableRecording is "sometimes", not true or false');
  });
});
