/**
 * Play Message's error port for a prompt that cannot be played, on every channel: when the
 * environment names a prompts folder, an audio prompt is looked up there (through the same
 * PromptAudio the SIP front plays from, hold-music names included) before the channel is asked to
 * play it, so a missing or unreadable `.wav` fails the activity in `ccflow call`, scenarios and the
 * softphone as it does on a SIP call.
 */
import { isAbsolute, resolve } from "node:path";
import { PromptAudio } from "../channels/media/prompt-audio.js";
import type { Clock } from "../time/clock.js";

export function promptFileChecker(folder: string, baseDir: string, clock: Clock): (file: string) => Promise<string | undefined> {
  const audio = new PromptAudio({ promptsDir: isAbsolute(folder) ? folder : resolve(baseDir, folder) });
  // Real disk reads: the virtual clock must not move on while one is pending.
  return (file) => clock.track(audio.file(file).then(() => undefined, (err: unknown) => (err instanceof Error ? err.message : String(err))));
}
