/**
 * Blind Transfer: hands the call to another number (`transfertodn`, literal or template); the
 * flow loses control. Only a failure returns to the flow, by `failure`.
 */
import { literalText, str } from "./common.js";
import { ActivityError, PropertyError } from "../util/activity-error.js";
import type { CompiledActivitySpec } from "./types.js";

const DIALLABLE = /^\+?[0-9*#,]+$/;

const blindTransfer: CompiledActivitySpec = {
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
  compile(def, flow) {
    const source = str(def, "transfertodn");
    const fixed = literalText(source)?.trim();
    if (fixed !== undefined && !DIALLABLE.test(fixed)) flow.report(new PropertyError(def.name, "transfertodn", `cannot transfer to ${JSON.stringify(fixed)}`, "failure"));
    return {
      async run(ctx) {
        const destination = fixed ?? ctx.render(source, "transfertodn").trim();
        if (!DIALLABLE.test(destination)) {
          ctx.output("FailureCode", "INVALID_DESTINATION");
          throw new ActivityError(`${def.name}: cannot transfer to ${JSON.stringify(destination)}`, "failure");
        }
        // PreDial for the leg to the number: a Set Caller ID there sets what the far end sees.
        await ctx.preDial?.({ operation: "TRANSFER_TO_DN", participant: "DN", dialNumber: destination });
        ctx.emit({ type: "transferred", destination });
        ctx.center.contactEnded(ctx.interactionId, "transferred");
        return { end: "transferred" };
      },
    };
  },
};

export default blindTransfer;
