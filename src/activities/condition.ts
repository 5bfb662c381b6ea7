/**
 * Condition: renders its `{{ }}` expression; the trimmed text "true" (any case) leaves by `true`,
 * anything else by `false`. An evaluation error takes `error`.
 */
import { str } from "./common.js";
import { ActivityError } from "../util/activity-error.js";
import type { ActivitySpec } from "./types.js";

const condition: ActivitySpec = {
  type: "condition-activity",
  ports: () => ["true", "false", "error"],
  templates: (def) => {
    const e = str(def, "expression");
    return e ? [{ field: "expression", source: e }] : [];
  },
  validate(def, report) {
    if (!str(def, "expression")) report({ severity: "error", code: "missing-property", message: `Condition "${def.name}" has no expression`, path: "expression" });
  },
  run(ctx) {
    const source = str(ctx.activity, "expression");
    if (!source) throw new ActivityError(`${ctx.activity.name}: no expression to evaluate`);
    const text = ctx.render(source, "expression");
    return text.trim().toLowerCase() === "true" ? "true" : "false";
  },
};

export default condition;
