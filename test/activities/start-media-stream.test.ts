/**
 * Start Media Stream from a flow author's side: ccflow carries no media, so the activity only
 * says, in the call's events and transcript, where the stream would have gone, and leaves by
 * `default`; no destination at all is valid and leaves by `default`; a templated destination that
 * renders empty leaves by `failure` with a message saying so.
 */
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import { TranscriptPrinter } from "../../src/cli/transcript.js";
import { validateFlow } from "../../src/flow/validate.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

function streamFlow(mediaDestinationId: string, extra: Record<string, unknown> = {}) {
  return buildFlow({
    variables: [{ name: "Dest", value: "" }],
    main: [
      { name: "Stream", type: "start-media-stream", props: { mediaDestinationId, ...extra } },
      { name: "Go", type: "play-message", props: tts("Streaming started.") },
      { name: "Failed", type: "play-message", props: tts("Streaming failed.") },
      { name: "Bye", type: "disconnect-contact" },
    ],
    links: [
      ["Stream", "default", "Go"],
      ["Stream", "failure", "Failed"],
      ["Go", "default", "Bye"],
      ["Failed", "default", "Bye"],
    ],
  });
}

describe("Start Media Stream", () => {
  it("records where the stream would go, shows it in the transcript, and leaves by default", async () => {
    const { rec, port } = await runFlow(streamFlow("md-7781", { "mediaDestinationId:name": "Speech analytics" }));
    expect(port("Stream")).toBe("default");
    expect(rec.of("media-stream")).toEqual([expect.objectContaining({ destination: "md-7781", destinationName: "Speech analytics", activity: "Stream" })]);
    expect(rec.prompts()).toEqual(["Streaming started."]);
    const lines: string[] = [];
    const printer = new TranscriptPrinter((l) => lines.push(l));
    for (const e of rec.events) printer.print(e);
    expect(lines.find((l) => l.includes("media stream to"))).toContain("media stream to Speech analytics (md-7781)");
  });

  it("renders a templated destination", async () => {
    const flow = buildFlow({
      variables: [{ name: "Dest", value: "" }],
      main: [
        { name: "Set", type: "set-variable", props: { srcVariable: "Dest", expr: "md-eu-1" } },
        { name: "Stream", type: "start-media-stream", props: { mediaDestinationId: "{{Dest}}" } },
      ],
      links: [["Set", "out", "Stream"]],
    });
    const { rec, port } = await runFlow(flow);
    expect(port("Stream")).toBe("default");
    expect(rec.of("media-stream")[0]!.destination).toBe("md-eu-1");
  });

  it("leaves by failure, saying why, when the destination renders empty", async () => {
    const { rec, port } = await runFlow(streamFlow("{{Dest}}"));
    expect(port("Stream")).toBe("failure");
    expect(rec.of("media-stream")).toEqual([]);
    expect(rec.of("error")[0]).toMatchObject({ handling: "port", message: "Stream: no media destination (mediaDestinationId is empty), so no media stream can start" });
    expect(rec.prompts()).toEqual(["Streaming failed."]);
  });

  it("with no destination at all (as Cisco's Service Cloud Voice and CCIF templates export it), validates clean and leaves by default", async () => {
    const registry = createRegistry();
    expect(validateFlow(streamFlow("md-1"), registry).filter((d) => d.severity === "error")).toEqual([]);
    expect(validateFlow(streamFlow(""), registry).filter((d) => d.severity === "error")).toEqual([]);
    const { rec, port } = await runFlow(streamFlow(""));
    expect(port("Stream")).toBe("default");
    expect(rec.of("media-stream")).toEqual([expect.objectContaining({ destination: "", activity: "Stream" })]);
    expect(rec.prompts()).toEqual(["Streaming started."]);
    const lines: string[] = [];
    const printer = new TranscriptPrinter((l) => lines.push(l));
    for (const e of rec.events) printer.print(e);
    expect(lines.find((l) => l.includes("media stream to"))).toContain("media stream to the org's default destination");
  });
});
