/**
 * Get Queue Info: position in queue (PIQ) and estimated wait (EWT, ms) from the center's live
 * state. An unknown EWT (-1) leaves by `insufficientdata`; an unknown queue by `failure`.
 */
import { isTemplate, literalText, str, successPortOf } from "./common.js";
import { ActivityError } from "../util/activity-error.js";
import type { CompiledActivitySpec } from "./types.js";

const queueLookup: CompiledActivitySpec = {
  type: "queue-lookup",
  ports: () => ["default", "out", "insufficientdata", "failure"],
  errorPorts: ["failure"],
  optionalPorts: ["default", "out"],
  templates(def) {
    const d = str(def, "destination");
    return d && isTemplate(d) ? [{ field: "destination", source: d }] : [];
  },
  validate(def, report) {
    if (!str(def, "destination")) report({ severity: "error", code: "missing-property", message: `Get Queue Info "${def.name}" names no queue`, path: "destination" });
  },
  compile(def, { flow }) {
    const source = str(def, "destination");
    const fixed = literalText(source)?.trim();
    // Exports show both `default` and (in newer ones) `out` as the success port.
    const success = successPortOf(def, flow);
    return {
      async run(ctx) {
        const queueId = fixed ?? ctx.render(source, "destination").trim();
        const stats = ctx.center.queueStats(queueId, ctx.contact);
        if (!stats) {
          ctx.output("FailureCode", "QUEUE_NOT_FOUND");
          ctx.output("FailureDescription", `queue "${queueId}" does not exist`);
          throw new ActivityError(`${def.name}: queue "${queueId}" does not exist`, "failure");
        }
        ctx.output("PIQ", stats.piq);
        ctx.output("EWT", stats.ewtMs);
        ctx.output("OldestCallTime", stats.oldestCallTimeMs);
        ctx.output("LoggedOnAgentsAll", stats.loggedOnAgents);
        ctx.output("LoggedOnAgentsCurrent", stats.loggedOnAgents);
        ctx.output("AvailableAgentsAll", stats.availableAgents);
        ctx.output("AvailableAgentsCurrent", stats.availableAgents);
        ctx.output("CallsQueuedNow", stats.queuedNow);
        if (stats.ewtMs < 0) return "insufficientdata";
        return success;
      },
    };
  },
};

export default queueLookup;
