/**
 * `ccflow call --env` with a prompts folder, from a user's side: a flow's audio prompt that is in
 * the folder plays; one that is missing sends the call down Play Message's error port, and the
 * transcript names the file and the folder; a file that is not a WAV does the same.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCall } from "../../src/cli/commands/call.js";
import { writeWav } from "../../src/channels/media/wav.js";
import { exportOf, tts } from "../helpers/flow-builder.js";

const dir = mkdtempSync(join(tmpdir(), "ccflow-call-prompts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

mkdirSync(join(dir, "prompts"));
writeFileSync(join(dir, "prompts", "welcome.wav"), writeWav({ samples: new Int16Array(800), sampleRate: 8000 }));
writeFileSync(join(dir, "prompts", "broken.wav"), "not a wav at all");
writeFileSync(join(dir, "env.yaml"), "prompts: { folder: prompts }\n");

const audio = (file: string) => ({ toggle: false, prompts: [{ type: "audioFile", value: file }] });

function flowFile(second: string): string {
  const path = join(dir, `flow-${second}.json`);
  const flow = exportOf({
    main: [
      { name: "Welcome", type: "play-message", props: audio("welcome.wav") },
      { name: "Offer", type: "play-message", props: audio(second) },
      { name: "Sorry", type: "play-message", props: tts("Sorry, that message is not available.") },
      { name: "Bye", type: "disconnect-contact" },
    ],
    links: [["Welcome", "default", "Offer"], ["Offer", "default", "Bye"], ["Offer", "error", "Sorry"], ["Sorry", "default", "Bye"]],
  });
  writeFileSync(path, JSON.stringify(flow));
  return path;
}

async function call(flow: string) {
  let out = "";
  let err = "";
  const code = await runCall(flow, { ani: "+14805551234", dnis: "+18005550100", data: join(dir, "crm"), agent: true, env: join(dir, "env.yaml") }, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe("ccflow call with a prompts folder", () => {
  it("plays the files that are there; a missing one takes Play Message's error port, naming it", async () => {
    const { code, out } = await call(flowFile("offer.wav"));
    expect(code).toBe(0);
    expect(out).toContain("welcome.wav");
    expect(out).toContain(`the prompt could not be played: audio file offer.wav is not in the prompts folder ${join(dir, "prompts")}`);
    expect(out).toContain('says "Sorry, that message is not available."');
  });

  it("takes the error port for a file that is not a WAV", async () => {
    const { out } = await call(flowFile("broken.wav"));
    expect(out).toMatch(/Offer: the prompt could not be played: .*broken\.wav/);
    expect(out).toContain('says "Sorry, that message is not available."');
  });

  it("plays hold-music names from the built-in music when the folder lacks them", async () => {
    const { out } = await call(flowFile("defaultmusic_on_hold.wav"));
    expect(out).not.toContain("could not be played");
    expect(out).not.toContain("Sorry");
  });
});
