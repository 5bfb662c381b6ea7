/**
 * Blind Transfer: hands the call to another number (`transfertodn`, literal or template); the
 * flow loses control. Only a failure returns to the flow, by `failure`.
 */
import { str } from "./common.js";
import { ActivityError } from "../util/activity-error.js";
import type { ActivitySpec } from "./types.js";

const blindTransfer: ActivitySpec = {
  type: "blind-transfer",
  ports: () => ["failure"],
  errorPorts: ["failure"],
  loopLimit: 10,
  templates(def) {
    const d = str(def, "transfertodn");
    return d ? [{ field: "transfertodn", source: d }] : [];
  },
  validate(def, report) {
    if (!str(def, "transfertodn")) report({ severity: "error", code: "missing-property", message: `Blind Transfer "${def.name}" has no number to transfer to`, path: "transfertodn" });
  },
  async run(ctx) {
    const destination = ctx.render(str(ctx.activity, "transfertodn"), "transfertodn").trim();
    if (!/^\+?[0-9*#,]+$/.test(destination)) {
      ctx.output("FailureCode", "INVALID_DESTINATION");
      throw new ActivityError(`${ctx.activity.name}: cannot transfer to ${JSON.stringify(destination)}`, "failure");
    }
    // PreDial for the leg to the number: a Set Caller ID there sets what the far end sees.
    await ctx.preDial?.({ operation: "TRANSFER_TO_DN", participant: "DN", dialNumber: destination });
    ctx.emit({ type: "transferred", destination });
    ctx.center.contactEnded(ctx.interactionId, "transferred");
    return { end: "transferred" };
  },
};

export default blindTransfer;
