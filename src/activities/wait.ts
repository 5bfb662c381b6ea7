/**
 * Wait (`wait-activity`): holds the contact in the flow for `duration` (`HH:MM:SS`), then leaves
 * by its success port. The designer allows 00:00:05 to 72:00:00; the flow API accepts values
 * outside that range, so ccflow runs them and `validate` warns. The caller hears nothing while
 * the flow waits; a hang-up or an agent answering ends the wait as it ends any activity.
 *
 * Source: the wxcc-toolkit FlowIR reference (`wait-activity`, `duration` as `HH:MM:SS`); no
 * export in ../shared/flows uses it.
 */
import { isTemplate, str, successPortOf } from "./common.js";
import { ActivityError, type CompiledActivitySpec } from "./types.js";

const MIN_SECONDS = 5;
const MAX_SECONDS = 72 * 3600;

/** Seconds in an `HH:MM:SS` duration (hours may exceed 24), or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d{1,3}):([0-5]\d):([0-5]\d)\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

const wait: CompiledActivitySpec = {
  type: "wait-activity",
  ports: () => ["default", "out"],
  optionalPorts: ["default", "out"],
  errorPorts: [],
  templates(def) {
    const d = str(def, "duration");
    return d && isTemplate(d) ? [{ field: "duration", source: d }] : [];
  },
  validate(def, report) {
    const d = str(def, "duration");
    if (!d) {
      report({ severity: "error", code: "missing-property", message: `Wait "${def.name}" has no duration`, path: "duration" });
      return;
    }
    if (isTemplate(d)) return;
    const seconds = parseDuration(d);
    if (seconds === undefined) {
      report({ severity: "error", code: "bad-value", message: `Wait "${def.name}": duration ${JSON.stringify(d)} is not HH:MM:SS`, path: "duration" });
    } else if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
      report({ severity: "warning", code: "out-of-range", message: `Wait "${def.name}": duration ${d} is outside the designer's 00:00:05–72:00:00`, path: "duration" });
    }
  },
  compile(def, { flow }) {
    const source = str(def, "duration");
    const fixed = source && !isTemplate(source) ? parseDuration(source) : undefined;
    const port = successPortOf(def, flow);
    return {
      async run(ctx) {
        const text = fixed === undefined ? ctx.render(source, "duration").trim() : source!.trim();
        const seconds = fixed ?? parseDuration(text);
        if (seconds === undefined) throw new ActivityError(`${def.name}: duration ${JSON.stringify(text)} is not HH:MM:SS`);
        ctx.emit({ type: "activity-result", kind: "wait", text: `waiting ${text}`, data: { seconds } });
        await ctx.clock.sleep(seconds * 1000, ctx.signal);
        return port;
      },
    };
  },
};

export default wait;
