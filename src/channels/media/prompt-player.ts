/**
 * Plays a flow's prompts into a call's audio leg (SIP RTP or WebRTC): TTS, files and looping hold music. The promise ends
 * when the audio has been sent (or the signal stops it early); it rejects when the audio cannot be
 * had (no espeak-ng, a missing file), so the activity fails rather than the caller hearing nothing.
 */
import type { Prompt } from "../types.js";
import type { PromptAudio } from "./prompt-audio.js";
import type { MediaLeg } from "./media-leg.js";
import { SampleSource } from "./rtp-session.js";

export class PromptPlayer {
  constructor(
    private readonly session: MediaLeg,
    private readonly audio: PromptAudio,
  ) {}

  async play(prompt: Prompt, signal: AbortSignal): Promise<void> {
    const samples = prompt.text !== undefined ? await this.audio.text(prompt.text, prompt.voice) : await this.audio.file(prompt.file ?? "");
    if (signal.aborted) return;
    if (samples.length === 0) return;
    const source = new SampleSource(samples, prompt.music ? { loop: true, offsetMs: prompt.offsetMs ?? 0, ...(prompt.durationMs !== undefined ? { limitMs: prompt.durationMs } : {}) } : {});
    await new Promise<void>((resolve) => {
      const onAbort = () => {
        this.session.stop(source);
        resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.session.play(source, () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }
}
