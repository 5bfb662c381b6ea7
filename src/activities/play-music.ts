/**
 * Play Music: plays a file for `duration` seconds from offset `skip` (a template, e.g.
 * `{{counter * 30}}`). Usually a self-loop while the contact waits in queue; the agent's answer
 * or the caller's hang-up stops it (the engine aborts the activity).
 */
import { isTemplate, literalText, num, str } from "./common.js";
import { ActivityError, PropertyError } from "../util/activity-error.js";
import type { CompiledActivitySpec, TemplateField } from "./types.js";

/** A file of unknown length with no duration plays for this long. */
const DEFAULT_MUSIC_MS = 60_000;

const playMusic: CompiledActivitySpec = {
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
  compile(def, flow) {
    const dynamic = def.properties.audioRadioGroup === "dynamicAudio" || (!str(def, "prompt") && !!str(def, "promptDynamic"));
    const fileSource = dynamic ? str(def, "promptDynamic") : undefined;
    const fixedFile = dynamic ? undefined : (str(def, "prompt") ?? "");
    const seconds = num(def, "duration", -1);
    const durationMs = seconds > 0 ? seconds * 1000 : DEFAULT_MUSIC_MS;
    const skip = def.properties.skip;
    const hasSkip = skip !== null && skip !== undefined && skip !== "";
    // The offset: a number read now, or a template (any string with markup) rendered per call.
    const skipSource = typeof skip === "string" && literalText(skip) === undefined ? skip : undefined;
    const fixedSkip = hasSkip && skipSource === undefined ? String(skip) : undefined;
    const fixedOffsetMs = fixedSkip === undefined ? 0 : offsetOf(fixedSkip);
    if (fixedOffsetMs === undefined) flow.report(new PropertyError(def.name, "skip", badSkip(fixedSkip!)));
    return {
      async run(ctx) {
        const file = fixedFile ?? ctx.render(fileSource, "promptDynamic");
        let offsetMs = fixedOffsetMs;
        if (skipSource !== undefined) {
          const text = ctx.render(skipSource, "skip");
          offsetMs = offsetOf(text);
          if (offsetMs === undefined) throw new ActivityError(`${def.name}: ${badSkip(text)}`);
        } else if (offsetMs === undefined) {
          throw new ActivityError(`${def.name}: ${badSkip(fixedSkip!)}`);
        }
        ctx.emit({ type: "prompt", file, music: true });
        await ctx.caller.play({ file, music: true, durationMs, offsetMs }, { signal: ctx.signal });
        return "default";
      },
    };
  },
};

/** Milliseconds of a `skip` text, or undefined when it is not a number of seconds. */
function offsetOf(text: string): number | undefined {
  const n = Number(text.trim());
  return Number.isFinite(n) && n >= 0 ? n * 1000 : undefined;
}

function badSkip(text: string): string {
  return `skip must be a number of seconds, got ${JSON.stringify(text)}`;
}

export default playMusic;
