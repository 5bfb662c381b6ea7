/**
 * Get Queue Info: position in queue (PIQ) and estimated wait (EWT, ms) from the center's live
 * state. An unknown EWT (-1) leaves by `insufficientdata`; an unknown queue by `failure`.
 */
import { isTemplate, str } from "./common.js";
import { ActivityError } from "../util/activity-error.js";
import type { ActivitySpec } from "./types.js";

const queueLookup: ActivitySpec = {
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
  async run(ctx) {
    const def = ctx.activity;
    const queueId = ctx.render(str(def, "destination"), "destination").trim();
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
    // Exports show both `default` and (in newer ones) `out` as the success port.
    return ctx.flow.main.next.get(def.id)?.has("out") || ctx.flow.events.next.get(def.id)?.has("out") ? "out" : "default";
  },
};

export default queueLookup;
