/**
 * Recording Control (`RecordingControl`): pauses or resumes the call's recording, per
 * `enableRecording` (a boolean or a template such as `{{record}}`). Leaves by `default`; a value
 * that is not true or false leaves by `failure`. ccflow records no audio: the contact's events
 * say whether recording is on from here.
 */
import { literalText } from "./common.js";
import { ActivityError, PropertyError } from "../util/activity-error.js";
import type { CompiledActivitySpec } from "./types.js";

function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const t = value.trim().toLowerCase();
    if (t === "true") return true;
    if (t === "false") return false;
  }
  return undefined;
}

function notBoolean(value: unknown): string {
  return `enableRecording is ${JSON.stringify(value)}, not true or false`;
}

const recordingControl: CompiledActivitySpec = {
  type: "RecordingControl",
  ports: () => ["default", "failure"],
  errorPorts: ["failure"],
  templates(def) {
    const v = def.properties.enableRecording;
    return typeof v === "string" && v !== "" ? [{ field: "enableRecording", source: v }] : [];
  },
  validate(def, report) {
    const v = def.properties.enableRecording;
    if (v === undefined || v === null || v === "") report({ severity: "error", code: "missing-property", message: `Recording Control "${def.name}" does not say whether to record`, path: "enableRecording" });
  },
  compile(def, flow) {
    const raw = def.properties.enableRecording;
    // A template is evaluated per call; anything else is the value itself (a literal text evaluates to itself).
    const source = typeof raw === "string" && literalText(raw) === undefined ? raw : undefined;
    const fixed = source === undefined ? asBoolean(raw) : undefined;
    if (source === undefined && fixed === undefined) flow.report(new PropertyError(def.name, "enableRecording", notBoolean(raw), "failure"));
    return {
      run(ctx) {
        const value = source === undefined ? raw : ctx.evaluate(source, "enableRecording");
        const on = source === undefined ? fixed : asBoolean(value);
        if (on === undefined) throw new ActivityError(`${def.name}: ${notBoolean(value)}`, "failure");
        ctx.emit({ type: "activity-result", kind: "recording-control", text: `call recording ${on ? "resumed" : "paused"} (no audio is recorded: ccflow carries no media)`, data: { enabled: on } });
        return "default";
      },
    };
  },
};

export default recordingControl;
