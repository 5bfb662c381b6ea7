/**
 * GoTo (hand-off): sends the contact to another flow's entry point. When the environment knows
 * that flow, the contact continues there; ccflow records the hand-off as a transfer and runs the
 * target flow for the same contact.
 */
import { str } from "./common.js";
import { ActivityError, PropertyError } from "../util/activity-error.js";
import type { CompiledActivitySpec } from "./types.js";

const goTo: CompiledActivitySpec = {
  type: "hand-off",
  ports: () => ["error"],
  loopLimit: 10,
  validate(def, report) {
    if (!str(def, "handOffFlow")) report({ severity: "error", code: "missing-property", message: `GoTo "${def.name}" names no destination flow`, path: "handOffFlow" });
  },
  compile(def) {
    const ref = str(def, "handOffFlow");
    if (!ref) throw new PropertyError(def.name, "handOffFlow", `GoTo destination "" is not a flow this environment knows`);
    return {
      // The destination is looked up per call: the environment's flows may be replaced (serve --watch).
      async run(ctx) {
        const target = ctx.env.resolveFlow?.(ref);
        if (!target) throw new ActivityError(`${def.name}: GoTo destination "${ref}" is not a flow this environment knows`);
        if (!ctx.subflows) throw new ActivityError(`${def.name}: GoTo is not available in this run`);
        ctx.emit({ type: "transferred", destination: `flow:${target.name}` });
        await ctx.subflows.run(ref, {}, ctx.signal);
        return { end: "flow" };
      },
    };
  },
};

export default goTo;
