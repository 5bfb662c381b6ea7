/**
 * Play Message: renders each TTS prompt (or names each audio file) and plays them in order,
 * blocking until done. Not interruptible by DTMF.
 */
import { playPrompts, promptTemplates, promptsOf } from "./common.js";
import type { ActivitySpec } from "./types.js";

const playMessage: ActivitySpec = {
  type: "play-message",
  ports: () => ["default", "error"],
  templates: promptTemplates,
  validate(def, report) {
    if (promptsOf(def).length === 0) report({ severity: "warning", code: "no-prompt", message: `Play Message "${def.name}" has nothing to play`, path: "promptsTts" });
  },
  run(ctx) {
    return playPrompts(ctx, false).then(toDefault);
  },
};

const toDefault = () => "default";

export default playMessage;
