/**
 * Recording Control (`RecordingControl`): pauses or resumes the call's recording, per
 * `enableRecording` (a boolean or a template such as `{{record}}`). Leaves by `default`; a value
 * that is not true or false leaves by `failure`. ccflow records no audio: the contact's events
 * say whether recording is on from here.
 */
import { ActivityError } from "../util/activity-error.js";
import type { ActivitySpec } from "./types.js";

function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const t = value.trim().toLowerCase();
    if (t === "true") return true;
    if (t === "false") return false;
  }
  return undefined;
}

const recordingControl: ActivitySpec = {
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
  run(ctx) {
    const def = ctx.activity;
    const raw = def.properties.enableRecording;
    const value = typeof raw === "string" ? ctx.evaluate(raw, "enableRecording") : raw;
    const on = asBoolean(value);
    if (on === undefined) throw new ActivityError(`${def.name}: enableRecording is ${JSON.stringify(value)}, not true or false`, "failure");
    ctx.emit({ type: "activity-result", kind: "recording-control", text: `call recording ${on ? "resumed" : "paused"} (no audio is recorded: ccflow carries no media)`, data: { enabled: on } });
    return "default";
  },
};

export default recordingControl;
