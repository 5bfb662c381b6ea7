/**
 * Business Hours: asks the environment which part of the schedule `businessHoursId` (or the
 * schedule named by `businessHoursVariable`) the clock is in and leaves by `workingHours`,
 * `holidays`, `override` or `default`.
 */
import { str } from "./common.js";
import { ActivityError } from "../util/activity-error.js";
import type { ActivitySpec } from "./types.js";

const businessHours: ActivitySpec = {
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
  async run(ctx) {
    const def = ctx.activity;
    const id = str(def, "businessHoursVariable") ? ctx.render(str(def, "businessHoursVariable"), "businessHoursVariable").trim() : str(def, "businessHoursId")!;
    if (!ctx.env.businessHours) throw new ActivityError(`${def.name}: the environment defines no business hours (schedule "${id}")`);
    const answer = ctx.env.businessHours(id, ctx.clock.now());
    ctx.output("Status", answer.status);
    ctx.output("WorkingHoursShift_Name", answer.shift ?? "");
    ctx.output("Holidays_Name", answer.holiday ?? "");
    ctx.output("Overrides_Name", answer.override ?? "");
    return answer.status;
  },
};

export default businessHours;
