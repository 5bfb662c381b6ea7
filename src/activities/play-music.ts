/**
 * Play Music: plays a file for `duration` seconds from offset `skip` (a template, e.g.
 * `{{counter * 30}}`). Usually a self-loop while the contact waits in queue; the agent's answer
 * or the caller's hang-up stops it (the engine aborts the activity).
 */
import { num, str, isTemplate } from "./common.js";
import { ActivityError } from "../util/activity-error.js";
import type { ActivitySpec, TemplateField } from "./types.js";

/** A file of unknown length with no duration plays for this long. */
const DEFAULT_MUSIC_MS = 60_000;

const playMusic: ActivitySpec = {
  type: "play-music",
  ports: () => ["default", "error"],
  templates(def) {
    const out: TemplateField[] = [];
    const skip = def.properties.skip;
    if (typeof skip === "string" && isTemplate(skip)) out.push({ field: "skip", source: skip });
    const dynamic = str(def, "promptDynamic");
    if (dynamic) out.push({ field: "promptDynamic", source: dynamic });
    return out;
  },
  validate(def, report) {
    if (!str(def, "prompt") && !str(def, "promptDynamic")) report({ severity: "warning", code: "no-prompt", message: `Play Music "${def.name}" names no music file`, path: "prompt" });
  },
  async run(ctx) {
    const def = ctx.activity;
    const dynamic = def.properties.audioRadioGroup === "dynamicAudio" || (!str(def, "prompt") && !!str(def, "promptDynamic"));
    const file = dynamic ? ctx.render(str(def, "promptDynamic"), "promptDynamic") : str(def, "prompt") ?? "";
    const seconds = num(def, "duration", -1);
    const durationMs = seconds > 0 ? seconds * 1000 : DEFAULT_MUSIC_MS;
    let offsetMs = 0;
    const skip = def.properties.skip;
    if (skip !== null && skip !== undefined && skip !== "") {
      const text = typeof skip === "string" ? ctx.render(skip, "skip") : String(skip);
      const n = Number(text.trim());
      if (!Number.isFinite(n) || n < 0) throw new ActivityError(`${def.name}: skip must be a number of seconds, got ${JSON.stringify(text)}`);
      offsetMs = n * 1000;
    }
    ctx.emit({ type: "prompt", file, music: true });
    await ctx.caller.play({ file, music: true, durationMs, offsetMs }, { signal: ctx.signal });
    return "default";
  },
};

export default playMusic;
