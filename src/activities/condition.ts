/**
 * Condition: renders its `{{ }}` expression; the trimmed text "true" (any case) leaves by `true`,
 * anything else by `false`. An evaluation error takes `error`.
 */
import { str } from "./common.js";
import { PropertyError } from "../util/activity-error.js";
import type { CompiledActivitySpec } from "./types.js";

const condition: CompiledActivitySpec = {
  type: "condition-activity",
  ports: () => ["true", "false", "error"],
  templates: (def) => {
    const e = str(def, "expression");
    return e ? [{ field: "expression", source: e }] : [];
  },
  validate(def, report) {
    if (!str(def, "expression")) report({ severity: "error", code: "missing-property", message: `Condition "${def.name}" has no expression`, path: "expression" });
  },
  compile(def) {
    const source = str(def, "expression");
    if (!source) throw new PropertyError(def.name, "expression", "no expression to evaluate");
    return {
      run(ctx) {
        const text = ctx.render(source, "expression");
        return text.trim().toLowerCase() === "true" ? "true" : "false";
      },
      sync: true,
    };
  },
};

export default condition;
