/**
 * Play Message's error port from the caller's side: a prompt the call cannot play — an audio file
 * missing from the environment's prompts folder, a channel that fails to play — sends the caller
 * down `error` (OnGlobalError when unwired) with a message naming the file, instead of silence.
 * A caller who hangs up during a prompt is not an error.
 */
import { describe, expect, it } from "vitest";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

const audio = (file: string) => ({ toggle: false, prompts: [{ type: "audioFile", value: file }] });

const flow = buildFlow({
  main: [
    { name: "Welcome", type: "play-message", props: audio("welcome.wav") },
    { name: "Offer", type: "play-message", props: audio("{{fileName}}") },
    { name: "Sorry", type: "play-message", props: tts("Sorry, something went wrong.") },
    { name: "Bye", type: "disconnect-contact" },
  ],
  variables: [{ name: "fileName", value: "offer.wav" }],
  links: [["Welcome", "default", "Offer"], ["Offer", "default", "Bye"], ["Offer", "error", "Sorry"], ["Sorry", "default", "Bye"]],
});

const folder = new Set(["welcome.wav"]);
const env = { checkPromptFile: async (file: string) => (folder.has(file) ? undefined : `audio file ${file} is not in the prompts folder /srv/prompts`) };

describe("Play Message error port", () => {
  it("takes error for an audio file missing from the prompts folder, naming it; the files that are there play", async () => {
    const { rec, port } = await runFlow(flow, { env });
    expect(port("Welcome")).toBe("default");
    expect(port("Offer")).toBe("error");
    expect(rec.prompts()).toEqual(["welcome.wav", "Sorry, something went wrong."]);
    expect(rec.of("error")[0]).toMatchObject({ activity: "Offer", handling: "port", message: "Offer: the prompt could not be played: audio file offer.wav is not in the prompts folder /srv/prompts" });
  });

  it("plays every file when none is missing, and checks nothing without a prompts folder", async () => {
    folder.add("offer.wav");
    try {
      expect((await runFlow(flow, { env })).port("Offer")).toBe("default");
    } finally {
      folder.delete("offer.wav");
    }
    expect((await runFlow(flow)).port("Offer")).toBe("default");
  });

  it("goes to OnGlobalError when the error port is not wired", async () => {
    const unwired = buildFlow({ main: [{ name: "Offer", type: "play-message", props: audio("gone.wav") }, { name: "Bye", type: "disconnect-contact" }], links: [["Offer", "default", "Bye"]] });
    const { rec } = await runFlow(unwired, { env });
    expect(rec.of("error")[0]).toMatchObject({ activity: "Offer", handling: "global-error" });
  });

  it("is not an error when the caller hangs up during the prompt", async () => {
    const long = buildFlow({ main: [{ name: "Long", type: "play-message", props: tts("word ".repeat(200)) }, { name: "Sorry", type: "play-message", props: tts("Sorry") }], links: [["Long", "error", "Sorry"]] });
    const { rec } = await runFlow(long, { hangupAfterSeconds: 2 });
    expect(rec.of("error")).toEqual([]);
    expect(rec.prompts()).not.toContain("Sorry");
  });
});
