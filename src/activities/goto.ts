/**
 * GoTo (hand-off): sends the contact to another flow's entry point. When the environment knows
 * that flow, the contact continues there; ccflow records the hand-off as a transfer and runs the
 * target flow for the same contact.
 */
import { str } from "./common.js";
import { ActivityError } from "../util/activity-error.js";
import type { ActivitySpec } from "./types.js";

const goTo: ActivitySpec = {
  type: "hand-off",
  ports: () => ["error"],
  loopLimit: 10,
  validate(def, report) {
    if (!str(def, "handOffFlow")) report({ severity: "error", code: "missing-property", message: `GoTo "${def.name}" names no destination flow`, path: "handOffFlow" });
  },
  async run(ctx) {
    const ref = str(ctx.activity, "handOffFlow") ?? "";
    const target = ctx.env.resolveFlow?.(ref);
    if (!target) throw new ActivityError(`${ctx.activity.name}: GoTo destination "${ref}" is not a flow this environment knows`);
    if (!ctx.subflows) throw new ActivityError(`${ctx.activity.name}: GoTo is not available in this run`);
    ctx.emit({ type: "transferred", destination: `flow:${target.name}` });
    await ctx.subflows.run(ref, {}, ctx.signal);
    return { end: "flow" };
  },
};

export default goTo;
