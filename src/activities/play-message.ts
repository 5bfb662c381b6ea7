/**
 * Play Message: renders each TTS prompt (or names each audio file) and plays them in order,
 * blocking until done. Not interruptible by DTMF.
 */
import { compilePrompts, playCompiledPrompts, promptTemplates, promptsOf } from "./common.js";
import type { CompiledActivitySpec } from "./types.js";

const playMessage: CompiledActivitySpec = {
  type: "play-message",
  ports: () => ["default", "error"],
  templates: promptTemplates,
  validate(def, report) {
    if (promptsOf(def).length === 0) report({ severity: "warning", code: "no-prompt", message: `Play Message "${def.name}" has nothing to play`, path: "promptsTts" });
  },
  compile(def) {
    const prompts = compilePrompts(def);
    return { run: (ctx) => playCompiledPrompts(ctx, prompts, false, "default") };
  },
};

export default playMessage;
