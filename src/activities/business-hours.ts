/**
 * Business Hours: asks the environment which part of the schedule `businessHoursId` (or the
 * schedule named by `businessHoursVariable`) the clock is in and leaves by `workingHours`,
 * `holidays`, `override` or `default`.
 */
import { literalText, str } from "./common.js";
import { ActivityError, PropertyError } from "../util/activity-error.js";
import type { CompiledActivitySpec } from "./types.js";

const businessHours: CompiledActivitySpec = {
  type: "business-hours",
  ports: () => ["workingHours", "holidays", "override", "default", "error"],
  templates(def) {
    const v = str(def, "businessHoursVariable");
    return v ? [{ field: "businessHoursVariable", source: v }] : [];
  },
  validate(def, report) {
    if (!str(def, "businessHoursId") && !str(def, "businessHoursVariable")) {
      report({ severity: "error", code: "missing-property", message: `Business Hours "${def.name}" names no schedule`, path: "businessHoursId" });
    }
  },
  compile(def) {
    const variable = str(def, "businessHoursVariable");
    const fixed = variable ? literalText(variable)?.trim() : str(def, "businessHoursId");
    if (fixed === undefined && !variable) throw new PropertyError(def.name, "businessHoursId", "names no schedule (businessHoursId or businessHoursVariable)");
    return {
      async run(ctx) {
        const id = fixed ?? ctx.render(variable, "businessHoursVariable").trim();
        if (!ctx.env.businessHours) throw new ActivityError(`${def.name}: the environment defines no business hours (schedule "${id}")`);
        const answer = ctx.env.businessHours(id, ctx.clock.now());
        ctx.output("Status", answer.status);
        ctx.output("WorkingHoursShift_Name", answer.shift ?? "");
        ctx.output("Holidays_Name", answer.holiday ?? "");
        ctx.output("Overrides_Name", answer.override ?? "");
        return answer.status;
      },
    };
  },
};

export default businessHours;
