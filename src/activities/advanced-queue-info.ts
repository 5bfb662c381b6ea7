/**
 * Advanced Queue Information (`advanced-queue-info`): the caller's position in a queue and the
 * queue's agent counts, from the center's live state, without an estimated wait. The queue is
 * static (`destination`) or a variable (`queueRadioGroup: variableQueue`, `destinationVariable`).
 * Outputs `PIQ`, `LoggedOnAgentsCurrent`/`All`, `AvailableAgentsCurrent`/`All`, `CurrentGroup`,
 * `TotalGroups` and `status`; an unknown queue leaves by `failure` with `FailureCode`.
 *
 * ccflow's queues have a single call distribution group, so `CurrentGroup` and `TotalGroups` are
 * both 1 and the "current" and "all" agent counts are the same. `skills` is read but not used to
 * narrow the counts: agents here have no skill profiles.
 *
 * Source: the wxcc-toolkit FlowIR reference (properties, ports, outputs); no export in
 * ../shared/flows uses it.
 */
import { isTemplate, str, successPortOf } from "./common.js";
import { ActivityError, type CompiledActivitySpec, type TemplateField } from "./types.js";

const advancedQueueInfo: CompiledActivitySpec = {
  type: "advanced-queue-info",
  ports: () => ["default", "out", "failure"],
  optionalPorts: ["default", "out"],
  errorPorts: ["failure"],
  templates(def) {
    const out: TemplateField[] = [];
    for (const key of ["destination", "destinationVariable"]) {
      const v = str(def, key);
      if (v && isTemplate(v)) out.push({ field: key, source: v });
    }
    return out;
  },
  validate(def, report) {
    const variable = def.properties.queueRadioGroup === "variableQueue";
    if (variable && !str(def, "destinationVariable")) {
      report({ severity: "error", code: "missing-property", message: `Advanced Queue Information "${def.name}" uses a variable queue but names no variable`, path: "destinationVariable" });
    }
    if (!variable && !str(def, "destination")) {
      report({ severity: "error", code: "missing-property", message: `Advanced Queue Information "${def.name}" names no queue`, path: "destination" });
    }
  },
  compile(def, { flow }) {
    const field = def.properties.queueRadioGroup === "variableQueue" ? "destinationVariable" : "destination";
    const source = str(def, field);
    const port = successPortOf(def, flow);
    return {
      async run(ctx) {
        const queueId = (isTemplate(source) ? ctx.render(source, field) : (source ?? "")).trim();
        const stats = queueId ? await ctx.center.queueStats(queueId, ctx.contact) : undefined;
        if (!stats) {
          const description = queueId ? `queue "${queueId}" does not exist` : "the queue is empty";
          ctx.output("status", "failure");
          ctx.output("FailureCode", "QUEUE_NOT_FOUND");
          ctx.output("FailureDescription", description);
          throw new ActivityError(`${def.name}: ${description}`, "failure");
        }
        ctx.output("PIQ", stats.piq);
        ctx.output("LoggedOnAgentsCurrent", stats.loggedOnAgents);
        ctx.output("LoggedOnAgentsAll", stats.loggedOnAgents);
        ctx.output("AvailableAgentsCurrent", stats.availableAgents);
        ctx.output("AvailableAgentsAll", stats.availableAgents);
        ctx.output("CurrentGroup", 1);
        ctx.output("TotalGroups", 1);
        ctx.output("status", "success");
        return port;
      },
    };
  },
};

export default advancedQueueInfo;
